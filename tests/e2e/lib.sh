# lib.sh - shared helpers of outbox's end-to-end tests (POSIX sh, sourced).
# It owns TAP output (one "ok"/"not ok" per assertion, the plan at the
# end), the temporary directory and its cleanup, writing config files and
# running the binary under test.  Servers are in tests/harness/servers.sh.
#
# Every script: . lib.sh; skip_all when a tool is missing; register what
# it starts with on_exit; assertions; tap_done.

LC_ALL=C
export LC_ALL
_e2e_here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$_e2e_here/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
OUTBOX=${OUTBOX:-$top_builddir/src/outbox}
HARNESS_DIR=$top_srcdir/tests/harness
PEER=$HARNESS_DIR/peer.py
export top_srcdir top_builddir OUTBOX

_tap_n=0
_tap_failed=0
_e2e_exit_hooks=
T=

# ---------------------------------------------------------------- TAP

ok() { # DESCRIPTION
	_tap_n=$((_tap_n + 1))
	printf 'ok %d - %s\n' "$_tap_n" "$*"
}

not_ok() { # DESCRIPTION
	_tap_n=$((_tap_n + 1))
	_tap_failed=$((_tap_failed + 1))
	printf 'not ok %d - %s\n' "$_tap_n" "$*"
}

diag() { # TEXT...: a comment line per line of text
	printf '%s\n' "$*" | sed 's/^/# /'
}

diag_file() { # FILE [LINES]: show the head of a file as comments
	if [ -f "$1" ]; then
		printf '# --- %s\n' "$1"
		head -n "${2:-20}" "$1" | cut -c1-300 | sed 's/^/#   /'
	else
		printf '# --- %s (missing)\n' "$1"
	fi
}

skip_all() { # REASON: nothing can be tested here
	printf '1..0 # SKIP %s\n' "$*"
	exit 0
}

tap_done() { # the plan; exit 1 if anything failed
	printf '1..%d\n' "$_tap_n"
	[ "$_tap_failed" -eq 0 ] || {
		diag "$_tap_failed of $_tap_n failed${T:+ (files kept in $T)}"
		E2E_KEEP=1
		exit 1
	}
	exit 0
}

# check DESCRIPTION COMMAND...: ok when COMMAND succeeds
check() {
	_c_desc=$1
	shift
	if "$@"; then ok "$_c_desc"; else not_ok "$_c_desc"; fi
}

is() { # GOT WANT DESCRIPTION
	if [ "$1" = "$2" ]; then
		ok "$3"
	else
		not_ok "$3"
		diag "got:  '$1'" "want: '$2'"
	fi
}

# is_exit WANT DESCRIPTION: compare with RC of the last run_outbox
is_exit() {
	if [ "$RC" = "$1" ]; then
		ok "$2 (exit $1)"
	else
		not_ok "$2 (exit $1)"
		diag "exit status $RC, want $1"
		diag_file "$T/err" 10
	fi
}

is_empty() { # FILE DESCRIPTION
	if [ -f "$1" ] && ! [ -s "$1" ]; then
		ok "$2"
	else
		not_ok "$2"
		diag_file "$1" 10
	fi
}

like() { # FILE ERE DESCRIPTION: some line of FILE matches
	if grep -Eq -- "$2" "$1" 2>/dev/null; then
		ok "$3"
	else
		not_ok "$3"
		diag "no line matches /$2/"
		diag_file "$1" 15
	fi
}

unlike() { # FILE ERE DESCRIPTION: no line of FILE matches
	if ! grep -Eq -- "$2" "$1" 2>/dev/null; then
		ok "$3"
	else
		not_ok "$3"
		diag "a line matches /$2/:"
		grep -E -- "$2" "$1" | head -5 | cut -c1-300 | sed 's/^/#   /'
	fi
}

contains() { # FILE STRING DESCRIPTION: STRING (fixed) occurs in FILE
	if grep -qF -- "$2" "$1" 2>/dev/null; then
		ok "$3"
	else
		not_ok "$3"
		diag "'$2' not found"
		diag_file "$1" 15
	fi
}

# same_bytes GOT WANT DESCRIPTION: byte-for-byte equal files
same_bytes() {
	if [ -f "$1" ] && [ -f "$2" ] && cmp -s "$1" "$2"; then
		ok "$3"
		return 0
	fi
	not_ok "$3"
	if ! [ -f "$1" ] || ! [ -f "$2" ]; then
		diag "missing file: $1 or $2"
		return 1
	fi
	diag "$(cmp "$1" "$2" 2>&1)" "sizes: got $(wc -c <"$1"), want $(wc -c <"$2")"
	if command -v diff >/dev/null 2>&1; then
		diff -u "$2" "$1" 2>/dev/null | head -n 30 | cut -c1-200 | sed 's/^/#   /'
	fi
	return 1
}

# ---------------------------------------------------------------- files

on_exit() { # COMMAND: run it (in reverse order) when the script exits
	_e2e_exit_hooks="$*
$_e2e_exit_hooks"
}

_e2e_cleanup() {
	_e2e_rc=$?
	trap - EXIT INT TERM HUP
	_e2e_ifs=$IFS
	IFS='
'
	for _h in $_e2e_exit_hooks; do
		IFS=$_e2e_ifs
		eval "$_h" >/dev/null 2>&1
	done
	IFS=$_e2e_ifs
	if [ -n "$T" ] && [ -d "$T" ]; then
		if [ "${E2E_KEEP:-0}" = 1 ] || [ "${OUTBOX_KEEP_TMP:-0}" = 1 ]; then
			echo "# kept $T" >&2
		else
			rm -rf "$T"
		fi
	fi
	exit "$_e2e_rc"
}
trap _e2e_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# mk_tmpdir PREFIX: a short fresh directory under /tmp (mode 0755 so the
# postfix and nobody users can reach it) in T, removed at exit.
mk_tmpdir() {
	T=$(mktemp -d "/tmp/ob${1:-}.XXXXXX") || skip_all "cannot create a temporary directory"
	chmod 755 "$T"
}

# write_config FILE: the config file from stdin, mode 0600 from the start.
write_config() {
	(umask 077 && cat >"$1") && chmod 600 "$1"
}

# plain_config FILE PORT [MORE_LINES]: an account "default" on
# 127.0.0.1:PORT without TLS, EHLO domain client.outbox.test, from
# sender@outbox.test, timeout $CFG_TIMEOUT (default 10), dead_letter
# $CFG_DEAD (default $T/dead.letter), then MORE_LINES.
plain_config() {
	{
		cat <<EOF
account default
host 127.0.0.1
port $2
tls off
from sender@outbox.test
domain client.outbox.test
timeout ${CFG_TIMEOUT:-10}
dead_letter ${CFG_DEAD:-$T/dead.letter}
EOF
		[ -z "${3:-}" ] || printf '%s\n' "$3"
	} | write_config "$1"
}

# run_outbox INPUT ARG...: run the binary under test with INPUT on stdin;
# sets RC (exit status), ELAPSED_MS, and writes $T/out and $T/err.  A run
# that hangs is killed after 60 s (RC 124 or 137).
run_outbox() {
	_ro_in=$1
	shift
	_ro_t0=$(date +%s%N)
	if command -v timeout >/dev/null 2>&1; then
		timeout -k 5 60 "$OUTBOX" "$@" <"$_ro_in" >"$T/out" 2>"$T/err"
	else
		"$OUTBOX" "$@" <"$_ro_in" >"$T/out" 2>"$T/err"
	fi
	RC=$?
	ELAPSED_MS=$((($(date +%s%N) - _ro_t0) / 1000000))
	# a record of every run, kept with $T when something failed
	{
		printf '=== outbox %s <%s: exit %s, %s ms\n' "$*" "$_ro_in" "$RC" "$ELAPSED_MS"
		cat "$T/err"
	} >>"$T/runs.log"
	return 0
}

# to_lf IN OUT: CRLF line ends to LF.
to_lf() { sed 's/\r$//' <"$1" >"$2"; }

# mbox_one MBOX OUT: the single message of an mboxrd file, the "From "
# line and the separating empty line dropped, ">From" quoting undone.
# Fails (with a diagnostic) when MBOX does not hold exactly one message.
mbox_one() {
	python3 - "$1" "$2" <<'EOF'
import re, sys
data = open(sys.argv[1], "rb").read()
lines = data.split(b"\n")
if not data.startswith(b"From "):
    sys.exit("# mbox does not start with a From line")
starts = [i for i, l in enumerate(lines) if l.startswith(b"From ")]
if len(starts) != 1:
    sys.exit("# mbox holds %d messages, want 1" % len(starts))
body = b"\n".join(re.sub(rb"^>(>*From )", rb"\1", l) for l in lines[1:])
if body.endswith(b"\n\n"):
    body = body[:-1]
open(sys.argv[2], "wb").write(body)
EOF
}

# drop_fields IN OUT NAME...: IN with LF line ends and without the header
# fields NAME (continuation lines included) to OUT; prints NAME=count.
drop_fields() {
	python3 - "$@" <<'EOF'
import sys
src, dst, names = sys.argv[1], sys.argv[2], [n.lower() for n in sys.argv[3:]]
data = open(src, "rb").read().replace(b"\r\n", b"\n")
end = data.find(b"\n\n")
head, body = (data, b"") if end < 0 else (data[:end + 1], data[end + 1:])
out, count, drop = [], {n: 0 for n in names}, False
for line in head.splitlines(keepends=True):
    if line[:1] in (b" ", b"\t"):
        if not drop:
            out.append(line)
        continue
    name = line.split(b":", 1)[0].strip().decode("latin-1").lower()
    drop = name in count
    if drop:
        count[name] += 1
    else:
        out.append(line)
open(dst, "wb").write(b"".join(out) + body)
for n in sys.argv[3:]:
    print("%s=%d" % (n, count[n.lower()]))
EOF
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# peer_start NAME SCRIPT_TEXT: run peer.py in the background with the
# script; PEER_PORT, PEER_PID, PEER_LOG ($T/NAME.log) are set.
peer_start() {
	PEER_LOG=$T/$1.log
	: >"$PEER_LOG"
	printf '%s\n' "$2" >"$T/$1.script"
	rm -f "$T/$1.port"
	python3 "$PEER" --log "$PEER_LOG" --timeout "${PEER_TIMEOUT:-30}" \
	    --port-file "$T/$1.port" "$T/$1.script" >/dev/null 2>"$T/$1.peer-err" &
	PEER_PID=$!
	on_exit "kill_peer $PEER_PID"
	_ps_i=0
	while [ $_ps_i -lt 100 ] && ! [ -s "$T/$1.port" ]; do
		kill -0 "$PEER_PID" 2>/dev/null || break
		sleep 0.05
		_ps_i=$((_ps_i + 1))
	done
	PEER_PORT=$(cat "$T/$1.port" 2>/dev/null)
	[ -n "$PEER_PORT" ] || { diag "peer.py did not start"; diag_file "$T/$1.peer-err"; }
}

# Every script has its own fixed base port in 22000-28999: below Linux's
# ephemeral range (32768-60999), so that no client socket of a test
# running in parallel can take a port a server is about to listen on.
#
# start_postfix BASE: the private Postfix and Dovecot of servers.sh in
# S=$T/s on ports from BASE (one TAP line), stopped when the script exits;
# the script ends here when they cannot start.  Needs servers.sh sourced.
start_postfix() {
	S=$T/s
	on_exit "postfix_down $S"
	if postfix_up "$S" "$1" 2>"$T/up.err"; then
		ok "Postfix and Dovecot started"
	else
		not_ok "Postfix and Dovecot started"
		diag_file "$T/up.err" 30
		tap_done
	fi
}

# capture_of NAME: ENV and EML become the captured .env and .eml of the
# message whose envelope sender is NAME@outbox.test (waits up to 20 s);
# 1, with both empty, when none arrived.  Needs S (start_postfix).
capture_of() {
	ENV= EML= _co_i=0
	while [ $_co_i -lt 200 ]; do
		_co_env=$(grep -lx "sender=$1@outbox.test" "$S"/mail/[0-9]*.env 2>/dev/null | head -n 1)
		if [ -n "$_co_env" ] && [ -f "${_co_env%.env}.eml" ]; then
			ENV=$_co_env EML=${_co_env%.env}.eml
			return 0
		fi
		sleep 0.1
		_co_i=$((_co_i + 1))
	done
	return 1
}

# send_note NAME ARG...: a small message from NAME@outbox.test to
# r@outbox.test through the config $T/NAME.rc (and ARG...); stderr is
# also kept in $T/NAME.err.
send_note() {
	_sn_name=$1
	shift
	printf 'From: sender@outbox.test\nTo: r@outbox.test\nSubject: test %s\n\nbody of %s\n' \
	    "$_sn_name" "$_sn_name" >"$T/$_sn_name.in"
	run_outbox "$T/$_sn_name.in" -C "$T/$_sn_name.rc" -f "$_sn_name@outbox.test" \
	    "$@" r@outbox.test
	cp "$T/err" "$T/$_sn_name.err"
}

# kill_peer PID: stop a peer.py we started (checked by its command line).
kill_peer() {
	tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline" | grep -qF "$PEER" &&
	    kill "$1" 2>/dev/null
	return 0
}

# peer_wait: wait for the peer to finish (bounded by its own timeout);
# PEER_RC is its exit status.
peer_wait() {
	wait "$PEER_PID"
	PEER_RC=$?
}
