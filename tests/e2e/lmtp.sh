#!/bin/sh
# lmtp.sh - LMTP end to end (issue 5): `protocol lmtp` over TCP and over a
# Unix socket (`socket`) into a private Dovecot LMTP service (package
# dovecot-lmtpd) delivering to maildirs, with one reply per recipient
# after the data: all delivered; a recipient unknown at RCPT (all or
# nothing, and --allow-partial); a recipient over quota, refused only
# after the data (mixed per-recipient replies from a real server); and
# the scripted peer for a temporary per-recipient refusal.  What Dovecot
# stored is compared with the input byte for byte.
# Port: $OUTBOX_E2E_LMTP_PORT (default 25024).

. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || skip_all "not root (Dovecot needs root)"
PATH=$PATH:/usr/sbin:/sbin
command -v dovecot >/dev/null 2>&1 || skip_all "dovecot not installed"
[ -x /usr/lib/dovecot/lmtp ] || skip_all "dovecot-lmtpd not installed"
getent passwd dovecot >/dev/null && getent passwd dovenull >/dev/null &&
    getent passwd nobody >/dev/null || skip_all "users dovecot, dovenull or nobody missing"
[ -x "$OUTBOX" ] || skip_all "binary under test not built: $OUTBOX"

mk_tmpdir lmtp
D=$T/d
LPORT=${OUTBOX_E2E_LMTP_PORT:-25024}
mkdir -p "$D/run" "$D/state" "$D/log" "$D/home"
for _u in alice bob carol; do mkdir -p "$D/home/$_u"; done
chown -R nobody:nogroup "$D/home"
_uid=$(id -u nobody) _gid=$(getent group nogroup | cut -d: -f3)
cat >"$D/users" <<EOF
alice:{PLAIN}x:$_uid:$_gid::$D/home/alice::
bob:{PLAIN}x:$_uid:$_gid::$D/home/bob::
carol:{PLAIN}x:$_uid:$_gid::$D/home/carol::userdb_quota_rule=*:storage=1k
EOF
cat >"$D/dovecot.conf" <<EOF
# private Dovecot LMTP of outbox's tests (tests/e2e/lmtp.sh)
instance_name = outbox-lmtp-$(printf '%s' "$D" | cksum | cut -d' ' -f1)
base_dir = $D/run
state_dir = $D/state
log_path = $D/log/dovecot.log
info_log_path = $D/log/dovecot.log
protocols = lmtp
listen = 127.0.0.1
ssl = no
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = 1
mail_location = maildir:~/Maildir
mail_plugins = quota
lmtp_rcpt_check_quota = no
plugin {
  quota = maildir:User quota
}
passdb {
  driver = passwd-file
  args = $D/users
}
userdb {
  driver = passwd-file
  args = $D/users
}
service lmtp {
  unix_listener lmtp {
    mode = 0666
  }
  inet_listener lmtp {
    address = 127.0.0.1
    port = $LPORT
  }
}
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service stats {
  inet_listener http {
    port = 0
  }
}
EOF

# stop exactly the master we started (checked by its command line)
dovecot_down() {
	_dd_pid=$(tr -dc '0-9' <"$D/run/master.pid" 2>/dev/null)
	[ -n "$_dd_pid" ] && tr '\0' ' ' <"/proc/$_dd_pid/cmdline" 2>/dev/null |
	    grep -qF -- "-c $D/dovecot.conf" && kill "$_dd_pid"
	return 0
}
on_exit dovecot_down
if dovecot -c "$D/dovecot.conf" </dev/null >"$D/log/start.log" 2>&1; then
	_i=0
	while [ $_i -lt 100 ] && ! [ -S "$D/run/lmtp" ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
fi
if [ -S "$D/run/lmtp" ]; then
	ok "Dovecot LMTP started (socket and port $LPORT)"
else
	not_ok "Dovecot LMTP started"
	diag_file "$D/log/start.log"
	diag_file "$D/log/dovecot.log"
	tap_done
fi

{
	cat <<EOF
account default
host 127.0.0.1
port $LPORT
protocol lmtp
tls off
from sender@outbox.test
domain client.outbox.test
timeout 10
dead_letter $T/dead.letter
EOF
} | write_config "$T/tcp.rc"
{
	cat <<EOF
account default
socket $D/run/lmtp
protocol lmtp
from sender@outbox.test
domain client.outbox.test
timeout 10
dead_letter $T/dead.letter
EOF
} | write_config "$T/sock.rc"

# count USER: messages in USER's maildir
count() { find "$D/home/$1/Maildir/new" "$D/home/$1/Maildir/cur" -type f 2>/dev/null | wc -l; }
# newest USER OUT: USER's newest message without the fields Dovecot adds
newest() {
	_nf=$(ls -t "$D/home/$1/Maildir/new"/* 2>/dev/null | head -n 1)
	: >"$2"
	[ -n "$_nf" ] || return 0
	python3 - "$_nf" "$2" <<'EOF'
import sys
data = open(sys.argv[1], "rb").read()
lines = data.split(b"\n")
i = 0
while i < len(lines) and lines[i].split(b":", 1)[0] in (b"Return-Path", b"Delivered-To", b"Received"):
    i += 1
    while i < len(lines) and lines[i][:1] in (b" ", b"\t"):
        i += 1
open(sys.argv[2], "wb").write(b"\n".join(lines[i:]))
EOF
}

cat >"$T/m.in" <<'EOF'
From: Sender <sender@outbox.test>
To: alice@outbox.test, bob@outbox.test
Date: Mon, 23 Nov 2026 10:00:00 +0000
Message-ID: <lmtp-e2e@outbox.test>
Subject: LMTP

Hello over LMTP.
.a dot
Grüße
EOF

# ---------------------------------------------------------------- TCP
run_outbox "$T/m.in" -C "$T/tcp.rc" -v alice bob
is_exit 0 "LMTP over TCP: two recipients"
like "$T/err" '^-> LHLO client.outbox.test$' "LMTP: LHLO, not EHLO"
is "$(count alice) $(count bob)" "1 1" "LMTP over TCP: each mailbox got one message"
newest alice "$T/a.got"
same_bytes "$T/a.got" "$T/m.in" "LMTP over TCP: alice's copy byte for byte"
newest bob "$T/b.got"
same_bytes "$T/b.got" "$T/m.in" "LMTP over TCP: bob's copy byte for byte"
check "LMTP: one reply per recipient after the data" \
    test "$(grep -c '^<- 250 2.0.0 <[a-z]*> ' "$T/err")" = 2

# ---------------------------------------------------------------- socket
run_outbox "$T/m.in" -C "$T/sock.rc" -v alice
is_exit 0 "LMTP over a Unix socket"
contains "$T/err" "connected to $D/run/lmtp" "LMTP: through the socket"
is "$(count alice)" "2" "LMTP over a socket: delivered"
newest alice "$T/a2.got"
same_bytes "$T/a2.got" "$T/m.in" "LMTP over a socket: byte for byte"

# ---------------------------------------------------------------- refusals
run_outbox "$T/m.in" -C "$T/tcp.rc" alice nobody-here
is_exit 67 "LMTP: an unknown recipient, all or nothing"
is "$(count alice)" "2" "all or nothing: alice got nothing"
rm -f "$T/dead.letter"

run_outbox "$T/m.in" -C "$T/tcp.rc" --allow-partial alice nobody-here
is_exit 0 "LMTP --allow-partial: an unknown recipient"
is "$(count alice)" "3" "--allow-partial: alice got it"
contains "$T/err" "<nobody-here> refused, not delivered (--allow-partial): 550 5.1.1" \
    "--allow-partial: the unknown recipient reported"

# carol's quota (1 KiB) is checked after the data: mixed replies
python3 -c 'import sys; sys.stdout.write("Subject: big\n\n" + "x" * 70 + "\n" * 1 + ("y" * 70 + "\n") * 40)' >"$T/q.in"
run_outbox "$T/q.in" -C "$T/tcp.rc" -v alice carol
is_exit 69 "LMTP: over quota after the data, all-or-nothing asked"
like "$T/err" '^<- 552 5\.2\.2 ' "LMTP: Dovecot refused carol after the data (552 5.2.2)"
contains "$T/err" "(delivered to 1 other recipient)" "LMTP: the error says another got it"
contains "$T/err" "delivered to 1 recipient: <alice>" "LMTP: stderr lists who got it"
contains "$T/err" "NOT delivered to 1 recipient: <carol>" "LMTP: and who did not"
is "$(count alice) $(count carol)" "4 0" "LMTP: alice has it, carol not"
rm -f "$T/dead.letter"
run_outbox "$T/q.in" -C "$T/tcp.rc" --allow-partial alice carol
is_exit 0 "LMTP --allow-partial: over quota reported, exit 0"
contains "$T/err" "<carol> refused, not delivered (--allow-partial): 552 5.2.2" \
    "LMTP --allow-partial: carol reported"

# ---------------------------------------------------------------- peer: mixed, temporary
peer_start mixed "S 220 peer.outbox.test LMTP
C ^LHLO client.outbox.test
S 250-peer.outbox.test
S 250-8BITMIME
S 250 PIPELINING
C ^MAIL
C ^RCPT TO:<a@
C ^RCPT TO:<b@
C ^RCPT TO:<c@
C ^DATA
S 250 2.1.0 ok
S 250 2.1.5 ok
S 250 2.1.5 ok
S 250 2.1.5 ok
S 354 go ahead
C ^\.$
S 250 2.0.0 <a@outbox.test> saved
S 451 4.2.0 <b@outbox.test> mailbox locked
S 250 2.0.0 <c@outbox.test> saved
C ^QUIT
S 221 bye"
{
	cat <<EOF
account default
host 127.0.0.1
port $PEER_PORT
protocol lmtp
tls off
from sender@outbox.test
domain client.outbox.test
timeout 10
dead_letter $T/dead.letter
EOF
} | write_config "$T/peer.rc"
run_outbox "$T/m.in" -C "$T/peer.rc" a@outbox.test b@outbox.test c@outbox.test
peer_wait
is_exit 75 "LMTP peer: a temporary per-recipient refusal is 75"
is "$PEER_RC" 0 "LMTP peer: the whole script ran"
contains "$T/err" "end of data: <b@outbox.test>: 451 4.2.0 <b@outbox.test> mailbox locked" \
    "LMTP peer: the refused recipient named with its reply"
contains "$T/err" "NOT delivered to 1 recipient: <b@outbox.test>" "LMTP peer: who did not"

tap_done
