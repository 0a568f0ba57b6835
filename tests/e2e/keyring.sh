#!/bin/sh
# keyring.sh - the password from the system keyring (libsecret), stored the
# way msmtp's manual says (secret-tool store --label=msmtp host H service
# smtp user U), against the private Postfix's STARTTLS port with `auth on`
# and no password in the configuration.  A D-Bus session bus of our own
# (dbus-run-session, a configuration without service activation) runs a
# gnome-keyring-daemon unlocked from stdin; both end with the session and
# the script checks that they did.  Covered: msmtp's schema, and the older
# libgnome-keyring network schema msmtp also reads; the keyring before
# ~/.netrc and after passwordeval (msmtp's order); a wrong password in the
# keyring (77, and msmtp's schema is asked first); an entry holding a line
# break (78, not shown); a locked keyring skipped without any prompt
# (netrc asked, else 78); no session bus at all: not asked, 78 at once.
# Base port: $OUTBOX_E2E_KEYRING_BASE (default 22900).

. "$(dirname "$0")/lib.sh"
. "$HARNESS_DIR/servers.sh"

[ "$(id -u)" = 0 ] || skip_all "not root (Postfix and Dovecot need root)"
harness_can_postfix || skip_all "$HARNESS_WHY"
[ -x "$OUTBOX" ] || skip_all "binary under test not built: $OUTBOX"
"$OUTBOX" --version 2>/dev/null | grep -qx 'keyring: yes' ||
    skip_all "outbox built without libsecret (Debian package libsecret-1-dev)"
# the helper outbox runs for the keyring: make check names the one built
OUTBOX_KEYRING_HELPER=${OUTBOX_KEYRING_HELPER:-$top_builddir/src/outbox-keyring}
[ -x "$OUTBOX_KEYRING_HELPER" ] ||
    skip_all "the keyring helper is not built: $OUTBOX_KEYRING_HELPER"
export OUTBOX_KEYRING_HELPER
for _t in dbus-run-session dbus-send gnome-keyring-daemon secret-tool setsid timeout; do
	command -v "$_t" >/dev/null 2>&1 || skip_all "$_t not installed" \
	    "(Debian packages dbus, gnome-keyring, libsecret-tools, util-linux)"
done

mk_tmpdir kr
start_postfix "${OUTBOX_E2E_KEYRING_BASE:-22900}"
# a home of our own: the keyring files go to $HOME/.local/share/keyrings
HOME=$T/home
export HOME
mkdir -p "$HOME"
chmod 700 "$HOME"
unset DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR XDG_DATA_HOME XDG_CONFIG_HOME \
    XDG_CACHE_HOME DISPLAY WAYLAND_DISPLAY || true
# netrc holds a wrong password for alice: found only if the keyring is not
printf 'machine 127.0.0.1 login %s password netrc-wrong\n' "$PF_USER" >"$HOME/.netrc"
chmod 600 "$HOME/.netrc"

# conf NAME USER [LINES]: $T/NAME.rc, STARTTLS and `auth on` as USER, no password
conf() {
	{
		cat <<EOF
account default
host 127.0.0.1
port $PF_SUBMISSION_PORT
tls on
tls_starttls on
tls_trust_file $PF_CA
auth on
user $2
from sender@outbox.test
domain client.outbox.test
timeout 10
dead_letter $T/dead.letter
EOF
		[ -z "${3:-}" ] || printf '%s\n' "$3"
	} | write_config "$T/$1.rc"
}
conf ring "$PF_USER"
conf compat "$PF_USER2"
conf eval "$PF_USER2" "passwordeval echo eval-wrong"
conf wrong "$PF_USER2"
conf locked "$PF_USER2"
conf lockednetrc "$PF_USER"
conf nobus "$PF_USER2"
conf badentry baduser

# A session bus that only we use: no activation, so no other daemon.
cat >"$T/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=$T</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF

# What runs inside the session: it records, the assertions come after.
cat >"$T/inner.sh" <<'EOF'
# run NAME: outbox with $T/NAME.rc, without a controlling terminal;
# "exit-status milliseconds" into $T/NAME.exit
run() {
	printf 'From: sender@outbox.test\nTo: r@outbox.test\nSubject: keyring %s\n\nbody of %s\n' \
	    "$1" "$1" >"$T/$1.in"
	_t0=$(date +%s%N)
	timeout -k 5 60 setsid -w "$OUTBOX" -C "$T/$1.rc" -f "$1@outbox.test" \
	    r@outbox.test <"$T/$1.in" >"$T/$1.out" 2>"$T/$1.err"
	echo "$? $((($(date +%s%N) - _t0) / 1000000))" >"$T/$1.exit"
}
# store NAME SECRET ATTRIBUTE VALUE...: retried while the daemon starts
store() {
	_n=$1 _s=$2 _i=0
	shift 2
	until printf '%s' "$_s" | secret-tool store --label=msmtp "$@" 2>"$T/store.err"; do
		_i=$((_i + 1))
		[ $_i -lt 100 ] || return 0
		sleep 0.1
	done
	echo "$_n" >>"$T/stored"
}
dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.DBus 2>/dev/null |
    sed -n 's/.*uint32 //p' >"$T/bus.pid"
printf '%s' outbox-test-keyring |
    gnome-keyring-daemon --foreground --unlock --components=secrets >"$T/gk.out" 2>"$T/gk.err" &
echo $! >"$T/gk.pid"
store alice "$PF_PASS" host 127.0.0.1 service smtp user "$PF_USER"
store bob "$PF_PASS2" xdg:schema org.gnome.keyring.NetworkPassword \
    server 127.0.0.1 protocol smtp user "$PF_USER2"
run ring
run compat
run eval
store wrong keyring-wrong host 127.0.0.1 service smtp user "$PF_USER2"
run wrong
store badentry "$(printf 'bad1\nbad2')" host 127.0.0.1 service smtp user baduser
run badentry
dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets \
    org.freedesktop.Secret.Service.Lock \
    array:objpath:/org/freedesktop/secrets/collection/login >"$T/lock.out" 2>&1 &&
    echo locked >>"$T/stored"
run locked
run lockednetrc
EOF

# kill_ours PIDFILE NAME: stop a daemon we started, if it still runs
kill_ours() {
	_ko=$(tr -dc '0-9' <"$1" 2>/dev/null)
	[ -n "$_ko" ] && alive "$_ko" &&
	    tr '\0' ' ' <"/proc/$_ko/cmdline" | grep -qF "$2" && kill "$_ko"
	return 0
}
# alive PID: running (a zombie is not: this container's init may not reap)
alive() {
	[ -r "/proc/$1/status" ] && ! grep -q '^State:.*Z' "/proc/$1/status"
}
on_exit "kill_ours $T/gk.pid gnome-keyring-daemon"
on_exit "kill_ours $T/bus.pid dbus-daemon"

export T OUTBOX PF_USER PF_PASS PF_USER2 PF_PASS2
: >"$T/stored"
timeout -k 5 240 dbus-run-session --config-file="$T/bus.conf" -- sh "$T/inner.sh" \
    >"$T/session.out" 2>"$T/session.err"
is "$?" 0 "the session ran to its end"

# result NAME: RC, ELAPSED_MS and $T/err of a run inside the session
result() {
	RC=none ELAPSED_MS=0
	[ -f "$T/$1.exit" ] && read -r RC ELAPSED_MS <"$T/$1.exit"
	cp "$T/$1.err" "$T/err" 2>/dev/null || : >"$T/err"
}
# delivered NAME USER DESC: NAME's message reached Postfix, authenticated as USER
delivered() {
	_d_i=0 _d_env=
	while [ $_d_i -lt 200 ] && [ -z "$_d_env" ]; do
		_d_env=$(grep -lx "sender=$1@outbox.test" "$S"/mail/[0-9]*.env 2>/dev/null | head -n 1)
		[ -n "$_d_env" ] || sleep 0.1
		_d_i=$((_d_i + 1))
	done
	if [ -n "$_d_env" ]; then
		like "$_d_env" "^sasl_username=$2\$" "$3: delivered, sasl_username=$2"
	else
		not_ok "$3: delivered"
	fi
}
never() { # NAME DESC: no MAIL FROM of NAME reached Postfix
	unlike "$PF_LOG" "MAIL FROM:<$1@outbox\\.test>" "$2: no message sent"
}

check "the keyring daemon stored msmtp's entry" grep -qx alice "$T/stored"
check "the keyring daemon stored a libgnome-keyring entry" grep -qx bob "$T/stored"

result ring
is_exit 0 "msmtp's entry (host, service smtp, user), a wrong one in ~/.netrc"
delivered ring "$PF_USER" "the keyring before ~/.netrc"
result compat
is_exit 0 "libgnome-keyring's entry (server, protocol smtp, user)"
delivered compat "$PF_USER2" "libgnome-keyring's schema, a hard password"
result eval
is_exit 77 "passwordeval before the keyring: its wrong password refused"

check "a wrong password stored for bob with msmtp's attributes" grep -qx wrong "$T/stored"
result wrong
is_exit 77 "a wrong password in the keyring (msmtp's schema asked first): refused"
like "$T/err" '535|[Aa]uthentication' "a wrong password in the keyring: the reason on stderr"
unlike "$T/err" 'keyring-wrong' "a wrong password in the keyring: not shown"

check "an entry holding a line break stored" grep -qx badentry "$T/stored"
result badentry
is_exit 78 "a keyring entry holding a line break: refused"
like "$T/err" 'line break' "a keyring entry holding a line break: said so"
unlike "$T/err" 'bad1|bad2' "a keyring entry holding a line break: not shown"
never badentry "a keyring entry holding a line break"

check "the keyring's collection locked" grep -qx locked "$T/stored"
result locked
is_exit 78 "locked keyring, nothing else: no password"
like "$T/err" 'password' "locked keyring: stderr says a password is missing"
check "locked keyring: no prompt, no wait (${ELAPSED_MS} ms)" test "$ELAPSED_MS" -lt 5000
never locked "locked keyring"
result lockednetrc
is_exit 77 "locked keyring: ~/.netrc asked next (its wrong password refused)"

# the daemons ended with the session
for _p in gk:gnome-keyring-daemon bus:dbus-daemon; do
	_pid=$(tr -dc '0-9' <"$T/${_p%%:*}.pid" 2>/dev/null)
	_i=0
	while [ -n "$_pid" ] && alive "$_pid" && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	if [ -z "$_pid" ]; then
		not_ok "${_p#*:}: its pid was recorded"
	elif alive "$_pid"; then
		not_ok "${_p#*:} $_pid ended with the session"
	else
		ok "${_p#*:} $_pid ended with the session"
	fi
done

# ---------------------------------------------------------------- no bus
[ -S "/run/user/$(id -u)/bus" ] && diag "/run/user/$(id -u)/bus exists: that bus is asked"
printf 'From: sender@outbox.test\nTo: r@outbox.test\nSubject: no bus\n\nbody\n' >"$T/nobus.in"
# without a controlling terminal, as from cron: no prompt either
printf '#!/bin/sh\nexec setsid -w "$KR_OUTBOX" "$@"\n' >"$T/notty"
chmod 755 "$T/notty"
KR_OUTBOX=$OUTBOX OUTBOX=$T/notty
export KR_OUTBOX
run_outbox "$T/nobus.in" -C "$T/nobus.rc" -f nobus@outbox.test r@outbox.test
OUTBOX=$KR_OUTBOX
is_exit 78 "no session bus: the keyring is skipped, no password"
like "$T/err" 'password' "no session bus: stderr says a password is missing"
check "no session bus: at once (${ELAPSED_MS} ms)" test "$ELAPSED_MS" -lt 5000
never nobus "no session bus"

tap_done
