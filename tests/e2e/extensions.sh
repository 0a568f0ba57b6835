#!/bin/sh
# extensions.sh - ESMTP extensions end to end (issue 5): 8BITMIME and
# BINARYMIME, CHUNKING (BDAT with the envelope, large and empty messages,
# faults on BDAT), SIZE refusals, DSN parameters exactly as sent, the
# 452 split of 150 recipients, --allow-partial.  Against a real Postfix
# whose extra smtpd services switch one extension off each
# (smtpd_discard_ehlo_keywords, message_size_limit, smtpd_recipient_limit),
# and the scripted peer where no Debian server can (BINARYMIME, faults on
# BDAT, a failure after a 452 split).  What Postfix stored is compared
# with the input byte for byte; the parameters with Postfix's transcript.
# Base port: $OUTBOX_E2E_EXT_BASE (default 24000; BASE+25 ... BASE+591).

. "$(dirname "$0")/lib.sh"
. "$HARNESS_DIR/servers.sh"

harness_can_postfix || skip_all "$HARNESS_WHY"
[ -x "$OUTBOX" ] || skip_all "binary under test not built: $OUTBOX"

mk_tmpdir ext
BASE=${OUTBOX_E2E_EXT_BASE:-24000}
start_postfix "$BASE"

ALL_PORT=$((BASE + 30))
NO8BIT_PORT=$((BASE + 31))
NOCHUNK_PORT=$((BASE + 32))
SMALL_PORT=$((BASE + 33))
NODSN_PORT=$((BASE + 34))
LIMIT_PORT=$((BASE + 35))
MAP_PORT=$((BASE + 36))
postfix_add_service "$S" "$ALL_PORT" all
postfix_add_service "$S" "$NO8BIT_PORT" no8bit -o smtpd_discard_ehlo_keywords=silent-discard,8bitmime,smtputf8
postfix_add_service "$S" "$NOCHUNK_PORT" nochunk -o smtpd_discard_ehlo_keywords=silent-discard,chunking
postfix_add_service "$S" "$SMALL_PORT" small -o message_size_limit=4000
postfix_add_service "$S" "$NODSN_PORT" nodsn -o smtpd_discard_ehlo_keywords=silent-discard,dsn
postfix_add_service "$S" "$LIMIT_PORT" limit100 -o smtpd_recipient_limit=100
printf 'unknown@outbox.test 550 5.1.1 no such user\n' >"$S/rcpt.map"
chmod 644 "$S/rcpt.map"
postfix_add_service "$S" "$MAP_PORT" rcptmap -o "smtpd_recipient_restrictions=check_recipient_access,texthash:$S/rcpt.map"
if postfix_reload_wait "$S" $ALL_PORT $NO8BIT_PORT $NOCHUNK_PORT \
    $SMALL_PORT $NODSN_PORT $LIMIT_PORT $MAP_PORT; then
	ok "seven more smtpd services, one extension off each"
else
	not_ok "seven more smtpd services, one extension off each"
	tail -5 "$PF_LOG" | sed 's/^/# /'
	tap_done
fi

plain_config "$T/all.rc" "$ALL_PORT"
plain_config "$T/no8bit.rc" "$NO8BIT_PORT"
plain_config "$T/nochunk.rc" "$NOCHUNK_PORT"
plain_config "$T/small.rc" "$SMALL_PORT"
plain_config "$T/nodsn.rc" "$NODSN_PORT"
plain_config "$T/limit.rc" "$LIMIT_PORT"
plain_config "$T/map.rc" "$MAP_PORT"

# deliver NAME INPUT ARGS...: run outbox with -v and wait for
# $DELIVER_N captured copies (default 1); $T/NAME.got is the first copy
# without Postfix's Received: field, $T/NAME.env every copy's envelope.
deliver() {
	_d_name=$1
	shift
	mail_clear "$S"
	run_outbox "$@" -v
	cp "$T/err" "$T/$_d_name.trace"
	EML= EMLS=
	: >"$T/$_d_name.got"
	: >"$T/$_d_name.env"
	[ "$RC" = 0 ] || return 0
	EMLS=$(mail_wait "$S" "${DELIVER_N:-1}" 20 2>>"$T/err.wait")
	EML=$(printf '%s\n' "$EMLS" | head -n 1)
	[ -n "$EML" ] || return 0
	strip_received "$EML" "$T/$_d_name.got"
	for _d_e in $EMLS; do cat "${_d_e%.eml}.env"; done >"$T/$_d_name.env"
}

strip_received() { # IN OUT
	python3 - "$1" "$2" <<'EOF'
import sys
data = open(sys.argv[1], "rb").read()
lines = data.split(b"\n")
i = 0
if lines and lines[0].startswith(b"Received:"):
    i = 1
    while i < len(lines) and lines[i][:1] in (b" ", b"\t"):
        i += 1
open(sys.argv[2], "wb").write(b"\n".join(lines[i:]))
EOF
}

sent_lines() { grep '^-> ' "$T/$1.trace" | sed 's/^-> //'; }

not_sent() { # NAME ERE DESCRIPTION
	if sent_lines "$1" | grep -Eq -- "$2"; then
		not_ok "$3"
		sent_lines "$1" | head -10 | sed 's/^/#   /'
	else
		ok "$3"
	fi
}

# pf_said NAME ERE DESCRIPTION: Postfix's transcript for service NAME has
# a command line matching ERE (postlogd writes asynchronously)
pf_said() {
	pf_log_wait "$S" "outbox-postfix/$1/smtpd\[[0-9]+\]: < [^ ]+: $2" 10 ||
	    true
	like "$PF_LOG" "outbox-postfix/$1/smtpd\[[0-9]+\]: < [^ ]+: $2" "$3"
}

HDRS='From: Sender <sender@outbox.test>
To: rcpt@outbox.test
Date: Mon, 23 Nov 2026 10:00:00 +0000'

# ---------------------------------------------------------------- 8BITMIME
printf '%s\nMessage-ID: <8bit@outbox.test>\nSubject: 8bit\n\nGr\303\274\303\237e\n.dot\n..two\n' \
    "$HDRS" >"$T/8.in"
deliver 8 "$T/8.in" -C "$T/all.rc" rcpt@outbox.test
is_exit 0 "8-bit body: delivered"
like "$T/8.trace" '^-> MAIL FROM:<sender@outbox.test> SIZE=[0-9]+ BODY=8BITMIME$' \
    "8-bit body: BODY=8BITMIME declared"
pf_said all 'MAIL FROM:<sender@outbox.test> SIZE=[0-9]+ BODY=8BITMIME$' \
    "8-bit body: Postfix's transcript shows BODY=8BITMIME"
same_bytes "$T/8.got" "$T/8.in" "8-bit body: byte for byte (BDAT, no dot-stuffing)"
like "$T/8.trace" '^-> BDAT [0-9]+ LAST$' "8-bit body: sent as BDAT LAST"
pf_said all 'BDAT [0-9]+ LAST$' "CHUNKING: Postfix's transcript shows BDAT LAST"
# one recipient: MAIL, RCPT, BDAT LAST, the data and QUIT in one flight
# (all sent before the first reply was read)
_flight=$(awk '/^-> MAIL/{m=1} m && /^<- /{exit} m && /^-> /' "$T/8.trace" |
    sed 's/ .*//' | tr '\n' ' ')
is "$_flight" "-> -> -> -> " "BDAT LAST and QUIT travel with MAIL and RCPT: 4 commands, one flight"
like "$T/8.trace" '^-> QUIT$' "the flight ends with QUIT"

deliver 8n "$T/8.in" -C "$T/no8bit.rc" rcpt@outbox.test
is_exit 69 "8-bit body, no 8BITMIME"
contains "$T/err" "the message body holds 8-bit bytes, but the server does not offer 8BITMIME" \
    "8-bit body, no 8BITMIME: the reason"
not_sent 8n '^MAIL' "8-bit body, no 8BITMIME: no MAIL sent"

printf '%s\nMessage-ID: <ascii@outbox.test>\nSubject: cron\n\nall ASCII\n' "$HDRS" >"$T/7.in"
deliver 7 "$T/7.in" -C "$T/no8bit.rc" -B8BITMIME rcpt@outbox.test
is_exit 0 "-B8BITMIME with an ASCII body, no 8BITMIME: sent as it is"
like "$T/7.trace" '^-> MAIL FROM:<sender@outbox.test> SIZE=[0-9]+$' \
    "-B8BITMIME, ASCII, no 8BITMIME: no BODY= parameter"
same_bytes "$T/7.got" "$T/7.in" "-B8BITMIME, ASCII: byte for byte"
deliver 7b "$T/7.in" -C "$T/all.rc" -B8BITMIME rcpt@outbox.test
like "$T/7b.trace" '^-> MAIL FROM:<sender@outbox.test> SIZE=[0-9]+ BODY=8BITMIME$' \
    "-B8BITMIME offered: declared"
run_outbox "$T/7.in" -C "$T/all.rc" -Bfoo rcpt@outbox.test
is_exit 64 "-B with an unknown body type"

# ---------------------------------------------------------------- DATA
deliver d "$T/8.in" -C "$T/nochunk.rc" rcpt@outbox.test
is_exit 0 "no CHUNKING: DATA"
not_sent d '^BDAT' "no CHUNKING: no BDAT"
like "$T/d.trace" '^-> DATA$' "no CHUNKING: DATA sent"
same_bytes "$T/d.got" "$T/8.in" "no CHUNKING: byte for byte (dot-stuffing undone)"

# ---------------------------------------------------------------- large, empty
python3 - "$T/big.in" <<'EOF'
import sys
with open(sys.argv[1], "wb") as f:
    f.write(b"From: Sender <sender@outbox.test>\nTo: rcpt@outbox.test\n"
            b"Date: Mon, 23 Nov 2026 10:00:00 +0000\nMessage-ID: <big@outbox.test>\n"
            b"Subject: big\n\n")
    for i in range(70000):
        f.write(b"%06d .line with some text \xc3\xa9 and more text to fill it up\n" % i)
EOF
deliver big "$T/big.in" -C "$T/all.rc" rcpt@outbox.test
is_exit 0 "4.8 MB message in BDAT chunks"
_chunks=$(grep -c '^-> BDAT [0-9]*$' "$T/big.trace")
_last=$(grep -c '^-> BDAT [0-9]* LAST$' "$T/big.trace")
check "large message: several BDAT chunks ($_chunks) and one LAST ($_last)" \
    test "$_chunks" -ge 30 -a "$_last" = 1
same_bytes "$T/big.got" "$T/big.in" "large message: byte for byte"

: >"$T/empty.in"
plain_config "$T/bare.rc" "$ALL_PORT" 'set_from_header off
set_date_header off
set_msgid_header off
set_to_header off'
deliver empty "$T/empty.in" -C "$T/bare.rc" rcpt@outbox.test
is_exit 0 "empty message"
like "$T/empty.trace" '^-> BDAT 0 LAST$' "empty message: BDAT 0 LAST"
same_bytes "$T/empty.got" "$T/empty.in" "empty message: stored empty"

# ---------------------------------------------------------------- SIZE
python3 -c 'import sys; sys.stdout.write("x" * 70 + "\n")' >"$T/line"
{ printf '%s\nMessage-ID: <size@outbox.test>\nSubject: size\n\n' "$HDRS"
  for _i in $(seq 80); do cat "$T/line"; done; } >"$T/size.in"
deliver size "$T/size.in" -C "$T/small.rc" rcpt@outbox.test
is_exit 69 "message over the SIZE limit"
like "$T/err" "message size [0-9]+ exceeds the server's limit 4000" \
    "SIZE: both sizes stated"
not_sent size '^MAIL' "SIZE: no MAIL sent"

# ---------------------------------------------------------------- DSN
deliver dsn "$T/7.in" -C "$T/all.rc" -N success,failure -R headers -V 'e2e+id=1' \
    'dsn+tag@outbox.test'
is_exit 0 "DSN requested"
pf_said all 'MAIL FROM:<sender@outbox.test> SIZE=[0-9]+ RET=HDRS ENVID=e2e\+2Bid\+3D1$' \
    "DSN: MAIL with RET=HDRS and the ENVID in xtext, as Postfix saw it"
pf_said all 'RCPT TO:<dsn\+tag@outbox.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;dsn\+2Btag@outbox.test$' \
    "DSN: RCPT with NOTIFY and ORCPT in xtext, as Postfix saw it"
same_bytes "$T/dsn.got" "$T/7.in" "DSN: byte for byte"

plain_config "$T/never.rc" "$ALL_PORT" 'dsn_notify never
dsn_return full'
deliver never "$T/7.in" -C "$T/never.rc" never@outbox.test
pf_said all 'RCPT TO:<never@outbox.test> NOTIFY=NEVER ORCPT=rfc822;never@outbox.test$' \
    "DSN: dsn_notify never is NOTIFY=NEVER"
pf_said all 'MAIL FROM:<sender@outbox.test> SIZE=[0-9]+ RET=FULL$' \
    "DSN: dsn_return full is RET=FULL"

deliver nodsn "$T/7.in" -C "$T/nodsn.rc" -N failure rcpt@outbox.test
is_exit 0 "DSN not offered: sent anyway"
contains "$T/err" "the server does not offer DSN" "DSN not offered: a warning"
not_sent nodsn 'NOTIFY|ORCPT|RET=|ENVID' "DSN not offered: no DSN parameter"
plain_config "$T/dsnreq.rc" "$NODSN_PORT" 'dsn_required on'
deliver dsnreq "$T/7.in" -C "$T/dsnreq.rc" -N failure rcpt@outbox.test
is_exit 69 "DSN not offered, dsn_required on"
not_sent dsnreq '^MAIL' "dsn_required: no MAIL sent"
run_outbox "$T/7.in" -C "$T/all.rc" -V "$(printf '%0101d' 0)" rcpt@outbox.test
is_exit 64 "an ENVID over 100 characters"

# ---------------------------------------------------------------- 452 split
_rcpts=
for _i in $(seq 150); do _rcpts="$_rcpts r$_i@outbox.test"; done
DELIVER_N=2
# shellcheck disable=SC2086
deliver split "$T/7.in" -C "$T/limit.rc" $_rcpts
DELIVER_N=1
is_exit 0 "150 recipients, smtpd_recipient_limit 100: delivered"
check "452 split: two transactions" test "$(grep -c '^-> MAIL FROM' "$T/split.trace")" = 2
like "$T/split.trace" '^<- 452 4.5.3 ' "452 split: Postfix said 452 4.5.3"
check "452 split: 200 RCPT commands (150, then the 50 deferred)" \
    test "$(grep -c '^-> RCPT TO' "$T/split.trace")" = 200
check "452 split: every recipient captured once" \
    test "$(grep '^rcpt=' "$T/split.env" | sort -u | wc -l)" = 150
for _e in $EMLS; do strip_received "$_e" "$T/split.one"; done
same_bytes "$T/split.one" "$T/7.in" "452 split: the second copy byte for byte"
same_bytes "$T/split.got" "$T/7.in" "452 split: the first copy byte for byte"

# ---------------------------------------------------------------- all or nothing
deliver aon "$T/7.in" -C "$T/map.rc" ok@outbox.test unknown@outbox.test
is_exit 67 "a refused recipient: nobody gets the message"
not_sent aon '^BDAT' "all-or-nothing: no BDAT after the refusal"
deliver part "$T/7.in" -C "$T/map.rc" --allow-partial ok@outbox.test unknown@outbox.test
is_exit 0 "--allow-partial: delivered to the accepted recipient"
contains "$T/err" '<unknown@outbox.test> refused, not delivered (--allow-partial): 550 5.1.1' \
    "--allow-partial: the refused recipient reported"
contains "$T/part.env" 'rcpt=ok@outbox.test' "--allow-partial: ok@ got it"
unlike "$T/part.env" 'unknown@' "--allow-partial: unknown@ did not"
same_bytes "$T/part.got" "$T/7.in" "--allow-partial: byte for byte"

# ---------------------------------------------------------------- peer: BINARYMIME
EHLO_BIN='S 250-peer.outbox.test
S 250-PIPELINING
S 250-8BITMIME
S 250-CHUNKING
S 250 BINARYMIME'
printf 'Subject: bin\nMessage-ID: <b@x>\nFrom: a@outbox.test\nTo: b@outbox.test\nDate: Mon, 23 Nov 2026 10:00:00 +0000\n\nline1\rstill1\nline2\r\n\377\376\001\nEND\n' >"$T/bin.in"
# header CRLF-normalised, body byte for byte
_blen=$(python3 -c '
import sys
d = open(sys.argv[1], "rb").read()
h, b = d.split(b"\n\n", 1)
print(len(h.replace(b"\n", b"\r\n")) + 4 + len(b))' "$T/bin.in")
peer_start bin "S 220 peer.outbox.test ESMTP
C ^EHLO
$EHLO_BIN
C ^MAIL FROM:<sender@outbox.test> BODY=BINARYMIME$
C ^RCPT TO:<b@outbox.test>$
C ^BDAT $_blen LAST$
C ^END
S 250 2.1.0 ok
S 250 2.1.5 ok
S 250 2.0.0 binary queued
C ^QUIT
S 221 bye"
plain_config "$T/peer.rc" "$PEER_PORT"
run_outbox "$T/bin.in" -C "$T/peer.rc" -B BINARYMIME b@outbox.test
peer_wait
is_exit 0 "BINARYMIME: accepted"
is "$PEER_RC" 0 "BINARYMIME: the peer saw BODY=BINARYMIME and BDAT $_blen LAST"
contains "$PEER_LOG" 'C: Subject: bin' "BINARYMIME: the header with CRLF"
like "$PEER_LOG" '^C: line1\\(r|x0d)still1 <LF>$' "BINARYMIME: a bare CR and a bare LF kept"
contains "$PEER_LOG" 'C: line2' "BINARYMIME: CRLF kept"
contains "$PEER_LOG" 'C: \xff\xfe\x01 <LF>' "BINARYMIME: binary bytes kept"

peer_start bin7 "S 220 peer.outbox.test ESMTP
C ^EHLO
S 250-peer.outbox.test
S 250-PIPELINING
S 250 8BITMIME
C ^QUIT
S 221 bye"
plain_config "$T/peer.rc" "$PEER_PORT"
run_outbox "$T/bin.in" -C "$T/peer.rc" -B BINARYMIME b@outbox.test
peer_wait
is_exit 69 "BINARYMIME not offered, binary body: 69 before MAIL"
unlike "$PEER_LOG" '^C: MAIL' "BINARYMIME not offered: no MAIL"

# ---------------------------------------------------------------- peer: BDAT faults
# bdat_fault NAME REPLY EXIT: the reply to BDAT LAST decides the exit
bdat_fault() {
	peer_start "$1" "S 220 peer.outbox.test ESMTP
C ^EHLO
S 250-peer.outbox.test
S 250-PIPELINING
S 250 CHUNKING
C ^MAIL
C ^RCPT
C ^BDAT [0-9]+ LAST$
C ^all ASCII
S 250 2.1.0 ok
S 250 2.1.5 ok
$2
DRAIN"
	plain_config "$T/peer.rc" "$PEER_PORT"
	run_outbox "$T/7.in" -C "$T/peer.rc" b@outbox.test
	peer_wait
	is_exit "$3" "BDAT LAST answered '${2#S }'"
}
bdat_fault f451 'S 451 4.3.0 try again later' 75
contains "$T/err" "end of data: 451 4.3.0 try again later" "BDAT 451: the reply quoted"
bdat_fault f552 'S 552 5.3.4 message too big' 69
bdat_fault fclose 'CLOSE' 75
contains "$T/err" "may have been delivered" "BDAT LAST unanswered: may have been delivered"
bdat_fault fbad 'S 2x0 what' 76

# A refused chunk in the middle: no more chunks, no LAST.
peer_start fmid "S 220 peer.outbox.test ESMTP
C ^EHLO
S 250-peer.outbox.test
S 250-8BITMIME
S 250 CHUNKING
C ^MAIL
S 250 2.1.0 ok
C ^RCPT
S 250 2.1.5 ok
C ^BDAT [0-9]+$
S 552 5.3.4 too big for this mailbox
C ^QUIT
S 221 bye"
plain_config "$T/peer.rc" "$PEER_PORT"
run_outbox "$T/big.in" -C "$T/peer.rc" b@outbox.test
peer_wait
is_exit 69 "a BDAT chunk refused in the middle"
contains "$T/err" "BDAT: 552 5.3.4 too big for this mailbox" "middle chunk: the reply quoted"
unlike "$PEER_LOG" '^C: BDAT [0-9]+ LAST' "middle chunk refused: no more chunks, no LAST"

# ---------------------------------------------------------------- peer: split, then a failure
peer_start later "S 220 peer.outbox.test ESMTP
C ^EHLO
S 250-peer.outbox.test
S 250 PIPELINING
C ^MAIL
C ^RCPT TO:<a@
C ^RCPT TO:<b@
C ^RCPT TO:<c@
C ^DATA
S 250 2.1.0 ok
S 250 2.1.5 ok
S 452 4.5.3 Error: too many recipients
S 452 4.5.3 Error: too many recipients
S 354 go ahead
C ^\.$
S 250 2.0.0 queued as FIRST
C ^MAIL
C ^RCPT TO:<b@
C ^RCPT TO:<c@
C ^DATA
S 451 4.3.0 out of memory
S 503 5.5.1 need MAIL
S 503 5.5.1 need MAIL
S 503 5.5.1 need MAIL
C ^QUIT
S 221 bye"
plain_config "$T/peer.rc" "$PEER_PORT"
run_outbox "$T/7.in" -C "$T/peer.rc" a@outbox.test b@outbox.test c@outbox.test
peer_wait
is_exit 75 "452 split, then the second transaction fails: 75"
contains "$T/err" "delivered to 1 recipient: <a@outbox.test>" "split failure: who got it"
contains "$T/err" "NOT delivered to 2 recipients: <b@outbox.test>, <c@outbox.test>" \
    "split failure: who did not"

# ---------------------------------------------------------------- smtp-sink
# Postfix's smtp-sink with extensions removed: -8 (no 8BITMIME), -N (no
# DSN), -p (no PIPELINING), -E (no ENHANCEDSTATUSCODES).  Its dump (-D)
# records the transaction as received.
if harness_can_sink; then
	SINK_PORT=$((BASE + 90))
	on_exit sink_down
	printf 'Subject: ascii\n\nplain text\n' >"$T/ascii.in"
	printf 'Subject: 8bit\n\nGr\303\274\303\237e\n' >"$T/8bit.in"

	sink_up "$SINK_PORT" "$T/sink8.dump" -8 -p -E
	plain_config "$T/sink.rc" "$SINK_PORT"
	run_outbox "$T/8bit.in" -C "$T/sink.rc" to@outbox.test
	is_exit 69 "smtp-sink -8: an 8-bit body without 8BITMIME is refused"
	like "$T/err" '8BITMIME' "... and the error names 8BITMIME"
	run_outbox "$T/ascii.in" -C "$T/sink.rc" -B8BITMIME to@outbox.test
	is_exit 0 "smtp-sink -8 -p -E: an ASCII body goes whatever -B says"
	like "$T/sink8.dump" '^X-Mail-Args: <sender@outbox\.test>$' \
	    "... MAIL FROM with no parameter at all"
	unlike "$T/sink8.dump" 'BODY=' "... BODY= never sent to a server without 8BITMIME"
	sink_down

	sink_up "$SINK_PORT" "$T/sinkN.dump" -N
	run_outbox "$T/ascii.in" -C "$T/sink.rc" -N success,failure -R hdrs -V env1 to@outbox.test
	is_exit 0 "smtp-sink -N: DSN requested, not offered: sent anyway"
	like "$T/err" 'DSN' "... with a warning that names DSN"
	unlike "$T/sinkN.dump" 'NOTIFY=|RET=|ENVID=' "... and no DSN parameter sent"
	plain_config "$T/sinkreq.rc" "$SINK_PORT" "dsn_required on"
	run_outbox "$T/ascii.in" -C "$T/sinkreq.rc" -N success to@outbox.test
	is_exit 69 "smtp-sink -N with dsn_required on: refused before MAIL"
	sink_down

	sink_up "$SINK_PORT" "$T/sinkD.dump"
	run_outbox "$T/ascii.in" -C "$T/sink.rc" -N success,failure -R hdrs -V env1 to@outbox.test
	is_exit 0 "smtp-sink with DSN: delivered"
	like "$T/sinkD.dump" '^X-Mail-Args: .*RET=HDRS' "RET=HDRS on MAIL"
	like "$T/sinkD.dump" '^X-Mail-Args: .*ENVID=env1' "ENVID on MAIL"
	like "$T/sinkD.dump" '^X-Rcpt-Args: .*NOTIFY=SUCCESS,FAILURE' "NOTIFY on RCPT"
	like "$T/sinkD.dump" '^X-Rcpt-Args: .*ORCPT=rfc822;to@outbox\.test' "ORCPT on RCPT"
	sink_down
else
	ok "# SKIP smtp-sink: $HARNESS_WHY"
fi

tap_done
