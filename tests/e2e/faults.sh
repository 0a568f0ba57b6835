#!/bin/sh
# faults.sh - outbox against servers that fail: Postfix's smtp-sink
# refusing (4xx, 5xx), sending 421 or dropping the connection after the
# greeting, EHLO, MAIL, RCPT, DATA and the final dot; peer.py stalling;
# a closed port.  Each time: the CONTRACT exit status, stderr naming the
# phase (and quoting the reply), and the dead letter holding exactly the
# input.  Also one clean transaction compared with smtp-sink's dump.
# Ports: $OUTBOX_E2E_FAULTS_BASE (default 22200) upwards, one per case.

. "$(dirname "$0")/lib.sh"
. "$HARNESS_DIR/servers.sh"

harness_can_sink || skip_all "$HARNESS_WHY"
[ -x "$OUTBOX" ] || skip_all "binary under test not built: $OUTBOX"

mk_tmpdir ft
on_exit sink_down
port=${OUTBOX_E2E_FAULTS_BASE:-22200}
n=0

# The input: every header outbox would otherwise add is present, so the
# message sent is the input; mboxrd quoting gets "From " and ">From ".
cat >"$T/msg" <<'EOF'
From: Sender <sender@outbox.test>
To: r1@outbox.test
Date: Mon, 02 Mar 2026 10:00:00 +0000
Message-ID: <faults@outbox.test>
Subject: fault injection

From the start of a line
>From quoted once
>>From quoted twice
.
..
last line
EOF

# the phase as stderr names it (CONTRACT: "naming the phase")
phase_re() {
	case $1 in
	CONNECT) echo '[Cc]onnect|[Gg]reeting|banner' ;;
	EHLO) echo 'EHLO|HELO' ;;
	MAIL) echo 'MAIL' ;;
	RCPT) echo 'RCPT' ;;
	DATA) echo 'DATA' ;;
	.) echo '[Ee]nd of (data|message)|final dot|[Dd]ot|after the message' ;;
	esac
}

# check_dead NAME: the dead letter $T/NAME.dead holds exactly the input
check_dead() {
	if [ -f "$T/$1.dead" ] && mbox_one "$T/$1.dead" "$T/$1.dead.msg" 2>"$T/$1.mbox-err"; then
		same_bytes "$T/$1.dead.msg" "$T/msg" "$1: dead letter holds exactly the input"
	else
		not_ok "$1: dead letter holds exactly the input"
		diag_file "$T/$1.mbox-err"
		diag_file "$T/$1.dead"
	fi
	contains "$T/err" "$T/$1.dead" "$1: stderr names the dead letter"
}

# check_stderr NAME PHASE [QUOTE]: stderr lines start with "outbox:",
# name the phase and quote the server's reply
check_stderr() {
	if [ -s "$T/err" ] && ! grep -qv '^outbox: ' "$T/err"; then
		ok "$1: stderr is 'outbox: ...' lines"
	else
		not_ok "$1: stderr is 'outbox: ...' lines"
		diag_file "$T/err"
	fi
	like "$T/err" "$(phase_re "$2")" "$1: stderr names the phase ($2)"
	[ -z "${3:-}" ] || contains "$T/err" "$3" "$1: stderr quotes the reply '$3'"
}

# start_sink SINK-OPTIONS...: a fresh smtp-sink on the next free port
# ($port, below Linux's ephemeral range; should one be taken anyway,
# the next one),
# dumping to $T/sink$n/dump
start_sink() {
	n=$((n + 1))
	: >"$T/sink.err"
	_tries=0
	while [ $_tries -lt 10 ]; do
		port=$((port + 1))
		sink_up "$port" "$T/sink$n/dump" "$@" 2>>"$T/sink.err" && return 0
		_tries=$((_tries + 1))
	done
	return 1
}

# sink_case NAME EXIT PHASE QUOTE SINK-OPTIONS...: one run against a fresh
# smtp-sink with the fault, expecting exit EXIT
sink_case() {
	_name=$1 _want=$2 _phase=$3 _quote=$4
	shift 4
	if ! start_sink "$@"; then
		not_ok "$_name: smtp-sink $* started"
		diag_file "$T/sink.err"
		return
	fi
	CFG_DEAD=$T/$_name.dead plain_config "$T/rc" "$port"
	run_outbox "$T/msg" -C "$T/rc" -i r1@outbox.test
	sink_down
	is_exit "$_want" "$_name: smtp-sink $*"
	check_stderr "$_name" "$_phase" "$_quote"
	check_dead "$_name"
}

soft="451 4.3.2 soft fault marker"
hard="554 5.3.2 hard fault marker"

for cmd in CONNECT EHLO MAIL RCPT DATA .; do
	c=$cmd
	[ "$c" = . ] && c=DOT
	sink_case "soft-$c" 75 "$cmd" "soft fault marker" -r "$cmd" -b "$soft"
	if [ "$cmd" != EHLO ]; then
		sink_case "hard-$c" 69 "$cmd" "hard fault marker" -f "$cmd" -B "$hard"
	fi
	sink_case "421-$c" 75 "$cmd" "421" -Q "$cmd"
	sink_case "drop-$c" 75 "$cmd" "" -q "$cmd"
done
like "$T/err" 'may have been delivered' "drop-DOT: warns that the message may have been delivered"
mode=$(stat -c %a "$T/soft-CONNECT.dead" 2>/dev/null)
is "$mode" 600 "the dead letter is created with mode 0600"

# 550/551/553 (or 5.1.x) to RCPT: the recipient is refused, 67
sink_case "rcpt-550" 67 RCPT "no such user" -f RCPT -B "550 5.1.1 <r1@outbox.test>: no such user"
sink_case "rcpt-551" 67 RCPT "user not local" -f RCPT -B "551 5.1.6 user not local"
sink_case "rcpt-553" 67 RCPT "mailbox name not allowed" -f RCPT -B "553 5.1.3 mailbox name not allowed"
sink_case "rcpt-554-5.1.1" 67 RCPT "bad destination" -f RCPT -B "554 5.1.1 bad destination"
sink_case "rcpt-500" 69 RCPT "5.5.2 syntax" -f RCPT -B "500 5.5.2 syntax"
sink_case "rcpt-452" 75 RCPT "too many" -r RCPT -b "452 4.5.3 too many recipients"

# ---------------------------------------------------------------- EHLO 5xx
# a 5xx to EHLO makes outbox fall back to HELO; then the message goes through
if start_sink -f EHLO -B "502 5.5.1 EHLO not implemented"; then
	CFG_DEAD=$T/helo.dead plain_config "$T/rc" "$port"
	run_outbox "$T/msg" -C "$T/rc" -i r1@outbox.test
	sink_down
	is_exit 0 "EHLO refused with 502: HELO fallback delivers"
	is_empty "$T/err" "HELO fallback: nothing on stderr"
	like "$T/sink$n/dump" '^X-Client-Proto: SMTP$' "HELO fallback: the session used HELO"
	like "$T/sink$n/dump" '^X-Helo-Args: client\.outbox\.test$' "HELO fallback: HELO sent the configured domain"
	contains "$T/sink$n/dump" "last line" "HELO fallback: the message reached the server"
	check "HELO fallback: no dead letter" test ! -e "$T/helo.dead"
else
	not_ok "smtp-sink -f EHLO started"
	diag_file "$T/sink.err"
fi

if start_sink -f EHLO; then
	CFG_DEAD=$T/helo2.dead plain_config "$T/rc" "$port"
	run_outbox "$T/msg" -C "$T/rc" -i r1@outbox.test
	sink_down
	is_exit 0 "EHLO refused with 500: HELO fallback delivers"
	contains "$T/sink$n/dump" "last line" "HELO fallback (500): the message reached the server"
else
	not_ok "smtp-sink -f EHLO started"
fi

# ---------------------------------------------------------------- success
if start_sink; then
	CFG_DEAD=$T/ok.dead plain_config "$T/rc" "$port"
	run_outbox "$T/msg" -C "$T/rc" -i r1@outbox.test r2@outbox.test
	sink_down
	is_exit 0 "clean transaction through smtp-sink"
	is_empty "$T/err" "clean transaction: nothing on stderr"
	check "clean transaction: no dead letter" test ! -e "$T/ok.dead"
	# the dump: smtp-sink's X- lines, its 3-line Received:, the message
	# (dots unstuffed, LF), an empty line; the Received: lines vary
	like "$T/sink$n/dump" '^Received: from client\.outbox\.test \(\[127\.0\.0\.1\]\)$' \
	    "clean transaction: dump has smtp-sink's Received line"
	sed '/^Received: from /,+2d' "$T/sink$n/dump" >"$T/dump.got"
	{
		printf 'X-Client-Addr: 127.0.0.1\nX-Client-Proto: ESMTP\n'
		printf 'X-Helo-Args: client.outbox.test\nX-Mail-Args: <sender@outbox.test>\n'
		printf 'X-Rcpt-Args: <r1@outbox.test>\nX-Rcpt-Args: <r2@outbox.test>\n'
		cat "$T/msg"
		echo
	} >"$T/dump.want"
	same_bytes "$T/dump.got" "$T/dump.want" "clean transaction: the dump is exactly the expected transaction"
	unlike "$T/sink$n/dump" '^X-Mail-Args:.*SIZE=' "clean transaction: no SIZE= when SIZE is not offered"
else
	not_ok "smtp-sink started"
	diag_file "$T/sink.err"
fi

# ---------------------------------------------------------------- stalls
# peer_case NAME PHASE SCRIPT: a server that stops answering; with
# "timeout 2" outbox must give up with 75 within about 2-6 s
peer_case() {
	peer_start "$1" "$3"
	[ -n "$PEER_PORT" ] || { not_ok "$1: peer started"; return; }
	CFG_TIMEOUT=2 CFG_DEAD=$T/$1.dead plain_config "$T/rc" "$PEER_PORT"
	run_outbox "$T/msg" -C "$T/rc" -i r1@outbox.test
	kill_peer "$PEER_PID"
	is_exit 75 "$1: stalled server, timeout 2"
	if [ "$ELAPSED_MS" -ge 1900 ] && [ "$ELAPSED_MS" -le 6000 ]; then
		ok "$1: gave up after ${ELAPSED_MS} ms (2-6 s)"
	else
		not_ok "$1: gave up after ${ELAPSED_MS} ms (want 2-6 s)"
	fi
	check_stderr "$1" "$2"
	check_dead "$1"
}

peer_case stall-greeting CONNECT 'SLEEP_FOREVER'
peer_case stall-ehlo EHLO '
S 220 peer.outbox.test ESMTP
C ^EHLO
SLEEP_FOREVER'
peer_case stall-data DATA '
S 220 peer.outbox.test ESMTP
C ^EHLO
S 250 peer.outbox.test
C ^MAIL FROM:
S 250 2.1.0 ok
C ^RCPT TO:
S 250 2.1.5 ok
C ^DATA
SLEEP_FOREVER'
peer_case stall-dot . '
S 220 peer.outbox.test ESMTP
C ^EHLO
S 250 peer.outbox.test
C ^MAIL FROM:
S 250 2.1.0 ok
C ^RCPT TO:
S 250 2.1.5 ok
C ^DATA
S 354 go ahead
C ^\.$
SLEEP_FOREVER'

# ---------------------------------------------------------------- refused
cport=$(free_port)
CFG_DEAD=$T/refused.dead plain_config "$T/rc" "$cport"
run_outbox "$T/msg" -C "$T/rc" -i r1@outbox.test
is_exit 75 "connection refused (closed port $cport)"
check_stderr refused CONNECT
check_dead refused

tap_done
