#!/bin/sh
# bs.sh - outbox -bs (SMTP on stdin/stdout, as Laravel and Symfony run it)
# end to end: a real SMTP client (Python's smtplib over a socket pair) and
# scripted sessions sent in one piece (every command pipelined) drive
# outbox, which relays through a real Postfix; what Postfix stored is
# checked byte for byte with its envelope.  Protocol details: two
# messages and RSET in one session, dot-unstuffing, bare LF, a refusal by
# the smarthost (5xx), a smarthost that is down (4xx), an over-long line,
# unknown commands, bad sequences, the end of input with and without a
# transaction open, the account chosen by MAIL FROM.
# Base port: $OUTBOX_E2E_BS_BASE (default 22800; ports BASE+25...+591).

. "$(dirname "$0")/lib.sh"
. "$HARNESS_DIR/servers.sh"

harness_can_postfix || skip_all "$HARNESS_WHY"
[ -x "$OUTBOX" ] || skip_all "binary under test not built: $OUTBOX"

mk_tmpdir bs
start_postfix "${OUTBOX_E2E_BS_BASE:-22800}"
CONF=$T/outboxrc
plain_config "$CONF" "$PF_PLAIN_PORT" "account other : default
from other@outbox.test
domain other.outbox.test
account fixed : default
from fixed@outbox.test
allow_from_override off"

# ---------------------------------------------------------------- helpers

# crlf: stdin to stdout with every line ending in CRLF
crlf() { sed 's/$/\r/'; }

# bs NAME [ARGS...]: outbox -C $CONF -bs ARGS with $T/NAME.in as the whole
# client side (sent at once: every command pipelined).  The replies go
# to $T/NAME.out, and CODES holds the code of each reply (the last line
# of multi-line ones), space-separated.
bs() {
	_bs_name=$1
	shift
	run_outbox "$T/$_bs_name.in" -C "$CONF" -bs "$@"
	cp "$T/out" "$T/$_bs_name.out"
	cp "$T/err" "$T/$_bs_name.err"
	CODES=$(tr -d '\r' <"$T/$_bs_name.out" | grep -v '^[0-9][0-9][0-9]-' |
	    cut -c1-3 | tr '\n' ' ' | sed 's/ $//')
}

# eml_from SENDER: the captured message whose envelope sender is SENDER
# (waits up to 20 s); EML is its path, "" when none came.
eml_from() {
	EML= _ef_i=0
	while [ $_ef_i -lt 200 ]; do
		_ef=$(grep -lx "sender=$1" "$S"/mail/[0-9]*.env 2>/dev/null | head -n 1)
		if [ -n "$_ef" ] && [ -f "${_ef%.env}.eml" ]; then
			EML=${_ef%.env}.eml
			return 0
		fi
		sleep 0.1
		_ef_i=$((_ef_i + 1))
	done
	return 1
}

# stored NAME SENDER: the message from SENDER without Postfix's Received:
# in $T/NAME.got ("" when none came); its envelope in $T/NAME.env
stored() {
	: >"$T/$1.got"
	: >"$T/$1.env"
	eml_from "$2" || return 0
	python3 - "$EML" "$T/$1.got" <<'EOF'
import sys
data = open(sys.argv[1], "rb").read()
end = data.find(b"\n\n")
head, body = data[:end + 1], data[end + 1:]
out, drop = [], False
for line in head.splitlines(keepends=True):
    if line[:1] in (b" ", b"\t"):
        if not drop:
            out.append(line)
        continue
    drop = line.lower().startswith(b"received:")
    if not drop:
        out.append(line)
open(sys.argv[2], "wb").write(b"".join(out) + body)
EOF
	{
		grep '^sender=' "${EML%.eml}.env"
		grep '^rcpt=' "${EML%.eml}.env" | sort
	} >"$T/$1.env"
}

# captured: how many messages Postfix captured so far (after the queue
# went quiet: every accepted message is delivered within a few seconds)
captured() {
	_c_i=0
	while [ $_c_i -lt 30 ] && [ -n "$(find "$S/spool/active" "$S/spool/incoming" \
	    -type f 2>/dev/null | head -n 1)" ]; do
		sleep 0.1
		_c_i=$((_c_i + 1))
	done
	find "$S/mail" -maxdepth 1 -name '[0-9]*.eml' | wc -l | tr -d ' '
}

# a message with everything outbox would add, so that it is sent as is
msg() { # SUBJECT
	cat <<EOF
From: Laravel App <app@outbox.test>
To: a@outbox.test
Date: Mon, 02 Mar 2026 10:00:00 +0000
Message-ID: <$1@outbox.test>
Subject: $1
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Body of $1.
EOF
}

cat >"$T/pipe_smtp.py" <<'EOF'
"""smtplib over a socket pair to a program that speaks SMTP on stdio."""
import smtplib
import socket
import subprocess


class PipeSMTP(smtplib.SMTP):
    def __init__(self, argv, stderr):
        self._argv, self._stderr, self.proc = argv, stderr, None
        super().__init__()

    def _get_socket(self, host, port, timeout):
        a, b = socket.socketpair()
        self.proc = subprocess.Popen(self._argv, stdin=b, stdout=b,
                                     stderr=self._stderr)
        b.close()
        a.settimeout(60)
        return a
EOF

# ---------------------------------------------------------------- 1. smtplib
# Laravel's sequence through a real client: EHLO, a message, RSET, NOOP,
# a second message, QUIT.  smtplib stuffs the dots itself and sends bytes
# as they are (hence the message with CRLF line ends).
msg one >"$T/one.msg"
cat >>"$T/one.msg" <<'EOF'
.leading dot
..two dots
.
 . space dot
Grüße, 8-bit
last line
EOF
msg two >"$T/two.msg"
python3 - "$T" "$OUTBOX" "$CONF" >"$T/lib.res" 2>"$T/lib.py-err" <<'EOF'
import sys
T, outbox, conf = sys.argv[1:4]
sys.path.insert(0, T)
from pipe_smtp import PipeSMTP
s = PipeSMTP([outbox, "-C", conf, "-bs"], open(T + "/lib.err", "w"))
code, text = s.connect("outbox", 25)
print("greeting=%d %s" % (code, text.decode()))
code, text = s.ehlo("laravel.outbox.test")
print("ehlo=%d" % code)
print("features=" + " ".join(sorted(s.esmtp_features)))
def step(name, reply):
    print("%s=%d %s" % (name, reply[0], reply[1].decode()))
step("mail1", s.mail("one@outbox.test"))
step("rcpt1a", s.rcpt("a@outbox.test"))
step("rcpt1b", s.rcpt("b@outbox.test"))
def crlf(name):
    return open(T + "/" + name, "rb").read().replace(b"\n", b"\r\n")
step("data1", s.data(crlf("one.msg")))
step("rset", s.rset())
step("noop", s.noop())
step("mail2", s.mail("two@outbox.test"))
step("rcpt2", s.rcpt("c@outbox.test"))
step("rset2", s.rset())
step("mail2b", s.mail("two@outbox.test"))
step("rcpt2b", s.rcpt("d@outbox.test"))
step("data2", s.data(crlf("two.msg")))
step("quit", s.quit())
print("exit=%d" % s.proc.wait(60))
EOF
like "$T/lib.res" '^greeting=220 ' "smtplib: greeting 220"
like "$T/lib.res" '^features=8bitmime enhancedstatuscodes pipelining$' \
    "smtplib: EHLO offers PIPELINING, 8BITMIME, ENHANCEDSTATUSCODES, no AUTH"
like "$T/lib.res" '^data1=250 2\.0\.0 Ok: relayed: 250 2\.0\.0 .*queued as [0-9A-Za-z]+$' \
    "smtplib: first message: 250 with the smarthost's queue id"
like "$T/lib.res" '^rset=250 ' "smtplib: RSET after a message: 250"
like "$T/lib.res" '^noop=250 ' "smtplib: NOOP: 250"
like "$T/lib.res" '^data2=250 2\.0\.0 Ok: relayed: 250 .*queued as' \
    "smtplib: second message (after a RSET mid-transaction): 250"
like "$T/lib.res" '^quit=221 ' "smtplib: QUIT: 221"
like "$T/lib.res" '^exit=0$' "smtplib: outbox exits 0 after QUIT"
[ -s "$T/lib.py-err" ] && diag_file "$T/lib.py-err"
stored one one@outbox.test
same_bytes "$T/one.got" "$T/one.msg" "smtplib: first message stored byte for byte (dots unstuffed, 8-bit)"
printf 'sender=one@outbox.test\nrcpt=a@outbox.test\nrcpt=b@outbox.test\n' >"$T/one.env.want"
same_bytes "$T/one.env" "$T/one.env.want" "smtplib: first message's envelope"
stored two two@outbox.test
same_bytes "$T/two.got" "$T/two.msg" "smtplib: second message stored byte for byte"
printf 'sender=two@outbox.test\nrcpt=d@outbox.test\n' >"$T/two.env.want"
same_bytes "$T/two.env" "$T/two.env.want" "smtplib: second message's envelope (the RSET dropped c@)"
is_empty "$T/lib.err" "smtplib: nothing on stderr"

# ---------------------------------------------------------------- 2. pipelined
# The whole session in one write, two transactions; the dots are stuffed
# by hand here, and the stored message must be the unstuffed text.
msg pipe >"$T/pipe.msg"
cat >>"$T/pipe.msg" <<'EOF'
.
..
...three
.x
 .
.. 
last
EOF
msg pipe2 >"$T/pipe2.msg"
{
	printf 'EHLO app.outbox.test\nMAIL FROM:<pipe@outbox.test>\nRCPT TO:<a@outbox.test>\n'
	printf 'RCPT TO:<b@outbox.test>\nDATA\n'
	sed 's/^\./../' "$T/pipe.msg"
	printf '.\nMAIL FROM:<pipe2@outbox.test> BODY=8BITMIME SIZE=300\n'
	printf 'RCPT TO:<c@outbox.test>\nDATA\n'
	cat "$T/pipe2.msg"
	printf '.\nQUIT\n'
} | crlf >"$T/pipe.in"
bs pipe
is_exit 0 "pipelined session: exit 0 after QUIT"
is "$CODES" "220 250 250 250 250 354 250 250 250 354 250 221" \
    "pipelined session: one reply per command, in order"
like "$T/pipe.out" '^250 2\.0\.0 Ok: relayed: 250 .*queued as' "pipelined session: 250 with the queue id"
stored pipe pipe@outbox.test
same_bytes "$T/pipe.got" "$T/pipe.msg" "pipelined: dot-stuffing undone exactly (., .., ...three, .x, '.. ')"
printf 'sender=pipe@outbox.test\nrcpt=a@outbox.test\nrcpt=b@outbox.test\n' >"$T/pipe.env.want"
same_bytes "$T/pipe.env" "$T/pipe.env.want" "pipelined: first envelope"
stored pipe2 pipe2@outbox.test
same_bytes "$T/pipe2.got" "$T/pipe2.msg" "pipelined: second message (BODY= and SIZE= accepted) stored"

# ---------------------------------------------------------------- 3. bare LF
msg barelf >"$T/lf.msg"
printf '.dot\nend\n' >>"$T/lf.msg"
{
	printf 'HELO app.outbox.test\nMAIL FROM:<lf@outbox.test>\nRCPT TO:<a@outbox.test>\nDATA\n'
	sed 's/^\./../' "$T/lf.msg"
	printf '.\nQUIT\n'
} >"$T/lf.in"
bs lf
is "$CODES" "220 250 250 250 354 250 221" "bare LF lines: every command understood, \\n.\\n ends DATA"
stored lf lf@outbox.test
same_bytes "$T/lf.got" "$T/lf.msg" "bare LF lines: message stored"
unlike "$T/lf.out" '^250 2\.0\.0' "HELO: no enhanced status codes in replies"

# ---------------------------------------------------------------- 4. refusals
# Postfix refuses a recipient outside outbox.test (554 Relay access
# denied): the whole message is refused (all or nothing), 5xx to the client.
{
	printf 'EHLO app.outbox.test\nMAIL FROM:<refused@outbox.test>\nRCPT TO:<a@outbox.test>\n'
	printf 'RCPT TO:<x@elsewhere.example>\nDATA\n'
	msg refused
	printf '.\nNOOP\nQUIT\n'
} | crlf >"$T/ref.in"
bs ref
is "$CODES" "220 250 250 250 250 354 554 250 221" "smarthost refuses a recipient: 554 to the dot, session goes on"
like "$T/ref.out" '^554 5\.0\.0 not relayed: .*Relay access denied' "smarthost refuses: its reason is quoted"
is_exit 0 "smarthost refuses: exit 0 after QUIT"

# smarthost down: 4xx, and no dead letter (the client keeps the message)
DOWN=$(free_port)
CFG_DEAD=$T/down.dead
plain_config "$T/down.rc" "$DOWN"
unset CFG_DEAD
{
	printf 'EHLO app.outbox.test\nMAIL FROM:<down@outbox.test>\nRCPT TO:<a@outbox.test>\nDATA\n'
	msg down
	printf '.\nQUIT\n'
} | crlf >"$T/down.in"
run_outbox "$T/down.in" -C "$T/down.rc" -bs
CODES=$(tr -d '\r' <"$T/out" | grep -v '^[0-9][0-9][0-9]-' | cut -c1-3 | tr '\n' ' ' | sed 's/ $//')
is "$CODES" "220 250 250 250 354 451 221" "smarthost down: 451 to the dot"
like "$T/out" '^451 4\.4\.0 not relayed: .*(refused|connect)' "smarthost down: the reason is given"
is_exit 0 "smarthost down: exit 0 after QUIT"
check "smarthost down: no dead letter (the client holds the message)" test ! -e "$T/down.dead"

# a NUL in DATA: 554, and the next transaction works
{
	printf 'EHLO app.outbox.test\nMAIL FROM:<nul@outbox.test>\nRCPT TO:<a@outbox.test>\nDATA\n'
	msg nul
	printf 'a NUL \000 here\n.\nMAIL FROM:<afternul@outbox.test>\nRCPT TO:<a@outbox.test>\nDATA\n'
	msg afternul
	printf '.\nQUIT\n'
} | crlf >"$T/nul.in"
bs nul
is "$CODES" "220 250 250 250 354 554 250 250 354 250 221" "NUL in DATA: 554, then the next message is relayed"
like "$T/nul.out" '^554 5\.6\.0 .*NUL' "NUL in DATA: 5.6.0 and the reason"

# ---------------------------------------------------------------- 5. syntax
long=$(printf '%0600d' 0)
huge=$(printf '%020000d' 0)
{
	printf 'MAIL FROM:<early@outbox.test>\nEHLO app.outbox.test\n'
	printf 'RCPT TO:<a@outbox.test>\nDATA\nNOOP %s\nNOOP %s\nNOOP\n' "$long" "$huge"
	printf 'FOO bar\nBDAT 10 LAST\nVRFY root\nEXPN list\nHELP\n'
	printf 'MAIL FROM:<s@outbox.test>\nMAIL FROM:<s@outbox.test>\nDATA\n'
	printf 'RCPT TO:<>\nRCPT TO:<bad address@outbox.test>\nRCPT TO:a@outbox.test NOTIFY=NEVER\n'
	printf 'RCPT TO:<a@outbox.test\nRSET\nMAIL FROM:<s@outbox.test> SMTPUTF8\n'
	printf 'MAIL FROM: <s@outbox.test>\nRSET\nMAIL FROM:<>\nRCPT TO:<@route.example:a@outbox.test>\n'
	printf 'RSET\nQUIT\n'
} | crlf >"$T/syn.in"
bs syn
is "$CODES" "220 503 250 503 503 500 500 250 500 502 252 502 214 250 503 503 501 553 555 501 250 555 250 250 250 250 250 221" \
    "replies: 503 out of sequence, 500 too long/unknown, 502, 252, 501/553/555 bad syntax"
like "$T/syn.out" '^500 5\.5\.2 line too long' "over-long line: 500 5.5.2"
like "$T/syn.out" '^503 5\.5\.1 nested MAIL' "nested MAIL: 503 5.5.1"
unlike "$T/syn.out" 'AUTH' "no AUTH offered or accepted"
is_exit 0 "syntax errors: exit 0 after QUIT"

# ---------------------------------------------------------------- 6. input ends
printf 'EHLO app.outbox.test\r\nNOOP\r\n' >"$T/eof0.in"
bs eof0
is_exit 0 "input ends without QUIT, nothing pending"
is "$CODES" "220 250 250" "input ends without QUIT: every command answered"
printf 'EHLO app.outbox.test\r\nMAIL FROM:<eof1@outbox.test>\r\nRCPT TO:<a@outbox.test>\r\n' >"$T/eof1.in"
bs eof1
is_exit 74 "input ends inside a transaction"
like "$T/eof1.err" 'middle of a transaction' "input ends inside a transaction: said on stderr"
{
	printf 'EHLO app.outbox.test\r\nMAIL FROM:<eof2@outbox.test>\r\nRCPT TO:<a@outbox.test>\r\nDATA\r\n'
	msg eof2 | crlf
} >"$T/eof2.in"
bs eof2
is_exit 74 "input ends inside DATA"

# a configuration error: 421 at once, exit 78
printf 'EHLO x\r\nQUIT\r\n' >"$T/cfg.in"
run_outbox "$T/cfg.in" -C "$T/missing.rc" -bs
is_exit 78 "configuration missing"
like "$T/out" '^421 ' "configuration missing: the greeting is 421"

# ---------------------------------------------------------------- 7. accounts
{
	printf 'EHLO app.outbox.test\nMAIL FROM:<other@outbox.test>\nRCPT TO:<a@outbox.test>\nDATA\n'
	msg other
	printf '.\nMAIL FROM:<>\nRCPT TO:<a@outbox.test>\nDATA\n'
	msg nullsender
	printf '.\nQUIT\n'
} | crlf >"$T/acct.in"
bs acct
is "$CODES" "220 250 250 250 354 250 250 250 354 250 221" "MAIL FROM picks the account; <> accepted"
stored other other@outbox.test
like "${EML%.eml}.env" '^client_helo=other\.outbox\.test$' "MAIL FROM:<other@...>: account 'other' (its EHLO domain)"
stored nullsender ""
like "$T/nullsender.got" '^Message-ID: <nullsender@outbox\.test>' "MAIL FROM:<>: relayed with the null sender"

{
	printf 'EHLO app.outbox.test\nMAIL FROM:<someone@outbox.test>\nRCPT TO:<a@outbox.test>\nDATA\n'
	msg fixed
	printf '.\nQUIT\n'
} | crlf >"$T/fixed.in"
bs fixed -a fixed
stored fixed fixed@outbox.test
like "$T/fixed.got" '^Message-ID: <fixed@outbox\.test>' \
    "-a fixed, allow_from_override off: the envelope sender is the account's"
n=$(captured)
is "$n" 9 "exactly the accepted messages reached Postfix (none of the refused ones)"

tap_done
