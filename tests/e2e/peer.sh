#!/bin/sh
# peer.sh - outbox against tests/harness/peer.py, a scripted server for
# what no real server does on demand: malformed, oversized and unexpected
# replies (76), a multi-line greeting, a server that sends every reply one
# byte at a time, pipelining (MAIL/RCPT/DATA in one flight, QUIT with the
# final dot), a refused RCPT after which DATA got 354 (67, no message bytes
# sent), and a connection lost after the final dot (75, "may have been
# delivered").  Ephemeral ports only, so it runs in parallel with anything.

. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
[ -x "$OUTBOX" ] || skip_all "binary under test not built: $OUTBOX"

mk_tmpdir pe

cat >"$T/msg" <<'EOF'
From: Sender <sender@outbox.test>
To: r1@outbox.test
Date: Mon, 02 Mar 2026 10:00:00 +0000
Message-ID: <peer@outbox.test>
Subject: scripted peer

.leading dot
..
.
From the start of a line
last line
EOF
# what must travel after DATA: CRLF (the log strips it), dots doubled
sed 's/^\./../' "$T/msg" >"$T/msg.wire"

# run_peer NAME SCRIPT ARGS...: start the peer, run outbox (timeout 5 unless
# CFG_TIMEOUT says otherwise) with ARGS, wait for the peer to finish
run_peer() {
	_rp=$1 _rs=$2
	shift 2
	peer_start "$_rp" "$_rs"
	if [ -z "$PEER_PORT" ]; then
		RC=none PEER_RC=none
		: >"$T/err"
		return
	fi
	CFG_TIMEOUT=${CFG_TIMEOUT:-5} CFG_DEAD=$T/$_rp.dead plain_config "$T/rc" "$PEER_PORT"
	run_outbox "$T/msg" -C "$T/rc" -i "$@"
	peer_wait
}

# wire_data LOG: the client lines between "S: 354" and the final dot
wire_data() {
	awk '/^S: 354/ { on = 1; next } on && /^C: \.$/ { exit } on && /^C: / { print substr($0, 4) }' "$1"
}

# client_after_354 LOG: how many client lines followed the 354
client_after_354() {
	awk '/^S: 354/ { on = 1; next } on && /^C: / { n++ } END { print n + 0 }' "$1"
}

# failed NAME: the usual checks of a failed run (stderr, dead letter)
failed() {
	if [ -s "$T/err" ] && ! grep -qv '^outbox: ' "$T/err"; then
		ok "$1: stderr is 'outbox: ...' lines"
	else
		not_ok "$1: stderr is 'outbox: ...' lines"
		diag_file "$T/err"
	fi
	if [ -f "$T/$1.dead" ] && mbox_one "$T/$1.dead" "$T/$1.dead.msg" 2>"$T/$1.mbox-err"; then
		same_bytes "$T/$1.dead.msg" "$T/msg" "$1: dead letter holds exactly the input"
	else
		not_ok "$1: dead letter holds exactly the input"
		diag_file "$T/$1.mbox-err"
	fi
}

# the greeting and the EHLO command (its reply follows in each script)
hello='S 220 peer.outbox.test ESMTP
C ^EHLO client\.outbox\.test$'

# ---------------------------------------------------------------- 76
run_peer bad-code "S 25O ok
BYE" r1@outbox.test
is_exit 76 "greeting '25O ok': malformed reply"
contains "$T/err" "25O ok" "bad-code: stderr quotes the reply"
failed bad-code

run_peer mismatch "$hello
S 250-peer.outbox.test
S 251 PIPELINING
BYE" r1@outbox.test
is_exit 76 "EHLO reply with codes 250/251 across lines: malformed"
failed mismatch

long=$(printf '%010000d' 0 | tr 0 x)
run_peer long-line "S 220 $long
BYE" r1@outbox.test
is_exit 76 "greeting line of 10004 bytes: oversized reply"
failed long-line

lines=$(i=0; while [ $i -lt 1000 ]; do echo "S 250-X-LINE-$i"; i=$((i + 1)); done)
run_peer many-lines "$hello
S 250-peer.outbox.test
$lines
S 250 PIPELINING
BYE" r1@outbox.test
is_exit 76 "EHLO reply of 1002 lines: too many lines"
failed many-lines

run_peer unexpected "$hello
S 250 peer.outbox.test
C ^MAIL FROM:<sender@outbox\.test>
S 334 what now
BYE" r1@outbox.test
is_exit 76 "MAIL FROM answered with 334: unexpected reply"
failed unexpected

# ---------------------------------------------------------------- success
# multi-line greeting; no PIPELINING, so one command at a time
run_peer multi-greeting "S 220-peer.outbox.test ESMTP first line
S 220-second line
S 220 third line
C ^EHLO client\\.outbox\\.test$
S 250-peer.outbox.test
S 250 8BITMIME
C_ALONE ^MAIL FROM:<sender@outbox\\.test>$
S 250 2.1.0 ok
C_ALONE ^RCPT TO:<r1@outbox\\.test>$
S 250 2.1.5 ok
C_ALONE ^DATA$
S 354 go ahead
C ^\\.$
S 250 2.0.0 queued
C ^QUIT$
S 221 bye" r1@outbox.test
is_exit 0 "multi-line greeting: delivered"
is_empty "$T/err" "multi-line greeting: nothing on stderr"
is "$PEER_RC" 0 "multi-line greeting: the peer saw the whole session"
wire_data "$PEER_LOG" >"$T/multi.wire"
same_bytes "$T/multi.wire" "$T/msg.wire" "multi-line greeting: message sent dot-stuffed, as input"
unlike "$PEER_LOG" '^PIPELINED$' "no PIPELINING offered: each command waited for its reply"

# every reply one byte at a time
run_peer trickle "TRICKLE 220-peer.outbox.test ESMTP
TRICKLE 220 trickling
C ^EHLO
TRICKLE 250-peer.outbox.test
TRICKLE 250-8BITMIME
TRICKLE 250 ENHANCEDSTATUSCODES
C ^MAIL FROM:
TRICKLE 250 2.1.0 ok
C ^RCPT TO:
TRICKLE 250 2.1.5 ok
C ^DATA$
TRICKLE 354 go ahead
C ^\\.$
TRICKLE 250 2.0.0 queued
C ^QUIT$
TRICKLE 221 bye" r1@outbox.test
is_exit 0 "trickling server (one byte per write): delivered"
is_empty "$T/err" "trickling server: nothing on stderr"
is "$PEER_RC" 0 "trickling server: the peer saw the whole session"
wire_data "$PEER_LOG" >"$T/trickle.wire"
same_bytes "$T/trickle.wire" "$T/msg.wire" "trickling server: message intact"

# PIPELINING: MAIL, RCPT, RCPT and DATA arrive before any reply is sent
# (else the peer waits and outbox times out), and QUIT comes with the
# final dot before its reply
run_peer pipelined "$hello
S 250-peer.outbox.test
S 250-PIPELINING
S 250 8BITMIME
C ^MAIL FROM:<sender@outbox\\.test>
C ^RCPT TO:<r1@outbox\\.test>
C ^RCPT TO:<r2@outbox\\.test>
C_ALONE ^DATA$
S 250 2.1.0 ok
S 250 2.1.5 ok
S 250 2.1.5 ok
S 354 go ahead
C ^\\.$
C ^QUIT$
S 250 2.0.0 queued
S 221 bye" r1@outbox.test r2@outbox.test
is_exit 0 "PIPELINING: MAIL/RCPT/DATA in one flight, QUIT with the final dot"
is_empty "$T/err" "PIPELINING: nothing on stderr"
is "$PEER_RC" 0 "PIPELINING: the peer saw the whole session"
wire_data "$PEER_LOG" >"$T/pipe.wire"
same_bytes "$T/pipe.wire" "$T/msg.wire" "PIPELINING: message intact"
unlike "$PEER_LOG" '^PIPELINED$' "PIPELINING: nothing sent after DATA before the 354"

# the message was accepted; QUIT's reply never comes (connection closed)
run_peer no-221 "$hello
S 250 peer.outbox.test
C ^MAIL FROM:
S 250 2.1.0 ok
C ^RCPT TO:
S 250 2.1.5 ok
C ^DATA$
S 354 go ahead
C ^\\.$
S 250 2.0.0 queued
C ^QUIT$
CLOSE" r1@outbox.test
is_exit 0 "connection closed instead of QUIT's 221 after the message was accepted"
check "no-221: no dead letter" test ! -e "$T/no-221.dead"

# QUIT refused after the message was accepted: still a success
run_peer quit-500 "$hello
S 250 peer.outbox.test
C ^MAIL FROM:
S 250 2.1.0 ok
C ^RCPT TO:
S 250 2.1.5 ok
C ^DATA$
S 354 go ahead
C ^\\.$
S 250 2.0.0 queued
C ^QUIT$
S 500 5.5.1 what quit
BYE" r1@outbox.test
is_exit 0 "QUIT answered with 500 after the message was accepted"
check "quit-500: no dead letter" test ! -e "$T/quit-500.dead"

# ---------------------------------------------------------------- refusals
# one RCPT of two refused while DATA (pipelined) got 354: all-or-nothing,
# outbox closes without sending a byte of the message
run_peer rcpt-refused "$hello
S 250-peer.outbox.test
S 250 PIPELINING
C ^MAIL FROM:
C ^RCPT TO:<r1@outbox\\.test>
C ^RCPT TO:<r2@outbox\\.test>
C_ALONE ^DATA$
S 250 2.1.0 ok
S 250 2.1.5 ok
S 550 5.1.1 <r2@outbox.test>: no such user
S 354 go ahead
DRAIN" r1@outbox.test r2@outbox.test
is_exit 67 "one RCPT of two refused (550) with PIPELINING"
is "$PEER_RC" 0 "rcpt-refused: the peer saw MAIL, both RCPTs and DATA"
is "$(client_after_354 "$PEER_LOG")" 0 "rcpt-refused: DATA got 354 but no message bytes followed"
like "$PEER_LOG" '^EOF$' "rcpt-refused: outbox closed the connection"
contains "$T/err" "r2@outbox.test" "rcpt-refused: stderr names the refused recipient"
contains "$T/err" "no such user" "rcpt-refused: stderr quotes the reply"
failed rcpt-refused

# server text with control characters: shown escaped (CONTRACT 4)
run_peer ctl-text "$hello
S 250 peer.outbox.test
C ^MAIL FROM:
S_RAW 554 5.7.1 bad\\x1b[31mred\\x07bell\\x08\\r\\n
BYE" r1@outbox.test
is_exit 69 "MAIL FROM refused with control characters in the text"
contains "$T/err" "red" "ctl-text: stderr quotes the reply"
if tr -d '\n' <"$T/err" | LC_ALL=C grep -q '[[:cntrl:]]'; then
	not_ok "ctl-text: no control characters on stderr"
	od -c "$T/err" | head -5 | sed 's/^/# /'
else
	ok "ctl-text: no control characters on stderr"
fi
failed ctl-text

# the connection dies after the final dot, before its reply
run_peer dot-lost "$hello
S 250 peer.outbox.test
C ^MAIL FROM:
S 250 2.1.0 ok
C ^RCPT TO:
S 250 2.1.5 ok
C ^DATA$
S 354 go ahead
C ^\\.$
CLOSE" r1@outbox.test
is_exit 75 "connection lost after the final dot"
like "$T/err" 'may have been delivered' "dot-lost: warns that the message may have been delivered"
failed dot-lost

# the run's deadline (`deadline`) caps every phase's timeout
CFG_TIMEOUT=30 run_peer deadline "S 220 peer.outbox.test ESMTP
C ^EHLO
SLEEP_FOREVER" --deadline=2 r1@outbox.test
is_exit 75 "deadline 2 with timeout 30: the run gives up"
if [ "$ELAPSED_MS" -ge 1500 ] && [ "$ELAPSED_MS" -lt 8000 ]; then
	ok "deadline: gave up after about 2 s ($ELAPSED_MS ms)"
else
	not_ok "deadline: gave up after about 2 s ($ELAPSED_MS ms)"
fi
like "$T/err" 'deadline' "deadline: the error names the run's deadline"

tap_done
