#!/bin/sh
# postfix.sh - outbox end to end through a real Postfix (its plain port: no
# TLS, no AUTH).  Checks what Postfix stored, byte for byte, and the
# envelope it was given: -t with To/Cc/Bcc, CRLF input, the lone "." line
# with and without -i, a 5 MB message, SIZE= on MAIL FROM, the EHLO domain.
# Base port: $OUTBOX_E2E_POSTFIX_BASE (default 22000; ports BASE+25...+590).

. "$(dirname "$0")/lib.sh"
. "$HARNESS_DIR/servers.sh"

harness_can_postfix || skip_all "$HARNESS_WHY"
[ -x "$OUTBOX" ] || skip_all "binary under test not built: $OUTBOX"

mk_tmpdir pf
start_postfix "${OUTBOX_E2E_POSTFIX_BASE:-22000}"
CONF=$T/outboxrc
plain_config "$CONF" "$PF_PLAIN_PORT"

# field EML NAME: the unfolded value of the first field NAME
field() {
	python3 - "$1" "$2" <<'EOF'
import sys, email.parser
m = email.parser.BytesHeaderParser().parse(open(sys.argv[1], "rb"))
v = m.get(sys.argv[2])
print("" if v is None else " ".join(str(v).split()))
EOF
}

# the envelope of a captured message: "sender=..." then sorted rcpt= lines
envelope() {
	_env=${1%.eml}.env
	grep '^sender=' "$_env"
	grep '^rcpt=' "$_env" | sort
}

# send_one NAME INPUT ARGS...: run outbox, wait for the one new message;
# EML is its path ("" when none arrived), stripped of Received: in $T/NAME.got
send_one() {
	_so_name=$1
	shift
	mail_clear "$S"
	run_outbox "$@"
	EML=
	if [ "$RC" = 0 ]; then
		EML=$(mail_wait "$S" 1 20 2>>"$T/err.wait" | head -n 1)
	fi
	: >"$T/$_so_name.got"
	[ -n "$EML" ] && drop_fields "$EML" "$T/$_so_name.got" Received >/dev/null
	return 0
}

long_a=$(printf '%01500d' 0 | tr 0 a)
long_dots=$(printf '%05000d' 0 | sed 's/0000/.x. /g')

# ---------------------------------------------------------------- 1. -t
cat >"$T/t.in" <<EOF
To: to1@outbox.test, Two <to2@outbox.test>
Cc: cc1@outbox.test
Bcc: hidden@outbox.test
Subject: e2e through Postfix
X-Folded: first part
	second part
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Hello.
.leading dot
..
.
...three dots
 . space dot
From the start of a line
>From quoted
$long_a
$long_dots
Grüße aus dem Test
trailing spaces   
	tab line

last line
EOF
send_one t "$T/t.in" -C "$CONF" -i -t -f envelope@outbox.test -F "E2E Sender"
is_exit 0 "-t -i: message accepted"
is_empty "$T/err" "-t -i: nothing on stderr"
check "-t -i: Postfix captured the message" test -n "$EML"
drop_fields "$T/t.in" "$T/t.want" Bcc >/dev/null
drop_fields "$T/t.got" "$T/t.rest" Date Message-ID From >"$T/t.counts"
is "$(tr '\n' ' ' <"$T/t.counts")" "Date=1 Message-ID=1 From=1 " \
    "-t -i: Date, Message-ID and From added exactly once"
same_bytes "$T/t.rest" "$T/t.want" \
    "-t -i: the rest is the input minus Bcc, byte for byte (dots, long lines, 8-bit)"
unlike "$T/t.got" 'hidden@|^Bcc:' "-t -i: no trace of the Bcc header or address"
if [ -n "$EML" ]; then
	from=$(field "$EML" From)
else
	from=
fi
case $from in
*"E2E Sender"*"<envelope@outbox.test>"*) ok "-t -i: From header from -f and -F ($from)" ;;
*) not_ok "-t -i: From header from -f and -F"; diag "From: $from" ;;
esac
if [ -n "$EML" ]; then
	envelope "$EML" >"$T/t.env"
else
	: >"$T/t.env"
fi
cat >"$T/t.env.want" <<EOF
sender=envelope@outbox.test
rcpt=cc1@outbox.test
rcpt=hidden@outbox.test
rcpt=to1@outbox.test
rcpt=to2@outbox.test
EOF
same_bytes "$T/t.env" "$T/t.env.want" "-t -i: envelope sender from -f, every recipient incl. Bcc"
like "${EML%.eml}.env" '^client_helo=client\.outbox\.test$' "-t -i: EHLO sent the configured domain"

# ---------------------------------------------------------------- 2. CRLF
cat >"$T/c.lf" <<EOF
From: Sender <sender@outbox.test>
To: r1@outbox.test
Date: Mon, 02 Mar 2026 10:00:00 +0000
Message-ID: <crlf-test@outbox.test>
Subject: CRLF input

line one
.dot line
..
last
EOF
sed 's/$/\r/' "$T/c.lf" >"$T/c.in"
send_one c "$T/c.in" -C "$CONF" -i r1@outbox.test r2@outbox.test
is_exit 0 "CRLF input: accepted"
is_empty "$T/err" "CRLF input: nothing on stderr"
same_bytes "$T/c.got" "$T/c.lf" "CRLF input: stored as sent, nothing added or doubled"
if [ -n "$EML" ]; then envelope "$EML" >"$T/c.env"; else : >"$T/c.env"; fi
printf 'sender=sender@outbox.test\nrcpt=r1@outbox.test\nrcpt=r2@outbox.test\n' >"$T/c.env.want"
same_bytes "$T/c.env" "$T/c.env.want" "CRLF input: envelope from the config's from and the arguments"

# ---------------------------------------------------------------- 3. lone dot
cat >"$T/d.head" <<EOF
From: sender@outbox.test
To: r1@outbox.test
Date: Mon, 02 Mar 2026 10:00:00 +0000
Message-ID: <dot-test@outbox.test>
Subject: lone dot

before the dot
EOF
{ cat "$T/d.head"; echo .; echo "after the dot"; echo "more"; } >"$T/d.in"
send_one d "$T/d.in" -C "$CONF" r1@outbox.test
is_exit 0 "no -i, data after a lone dot: accepted"
same_bytes "$T/d.got" "$T/d.head" "no -i: message ends before the lone dot"
like "$T/err" '^outbox: ' "no -i: a warning that data followed the lone dot"

{ cat "$T/d.head"; echo .; } >"$T/e.in"
send_one e "$T/e.in" -C "$CONF" r1@outbox.test
is_exit 0 "no -i, lone dot as the last line: accepted"
same_bytes "$T/e.got" "$T/d.head" "no -i: the final lone dot is not part of the message"
is_empty "$T/err" "no -i: no warning when nothing followed the lone dot"

send_one i "$T/d.in" -C "$CONF" -i r1@outbox.test
is_exit 0 "-i with a lone dot: accepted"
same_bytes "$T/i.got" "$T/d.in" "-i: the lone dot and what follows are kept"
is_empty "$T/err" "-i: nothing on stderr"

send_one o "$T/d.in" -C "$CONF" -oi r1@outbox.test
is_exit 0 "-oi with a lone dot: accepted"
same_bytes "$T/o.got" "$T/d.in" "-oi: the lone dot and what follows are kept"

# ---------------------------------------------------------------- 4. 5 MB
python3 - "$T/big.in" <<'EOF'
import sys
out = [b"From: big@outbox.test", b"To: r1@outbox.test",
       b"Date: Mon, 02 Mar 2026 10:00:00 +0000",
       b"Message-ID: <big-test@outbox.test>", b"Subject: 5 MB", b""]
size, i = 0, 0
while size < 5 * 1024 * 1024:
    n = (i * 37) % 190
    if i % 101 == 0:
        n = 1500
    line = bytes((0x21 + (i + k) % 94) for k in range(n))
    if i % 7 == 0:
        line = b"." + line
    out.append(line)
    size += len(line) + 1
    i += 1
out.append(b"end")
open(sys.argv[1], "wb").write(b"\n".join(out) + b"\n")
EOF
send_one big "$T/big.in" -C "$CONF" -i -f big@outbox.test r1@outbox.test
is_exit 0 "5 MB message: accepted"
is_empty "$T/err" "5 MB message: nothing on stderr"
same_bytes "$T/big.got" "$T/big.in" "5 MB message: stored byte for byte"

# SIZE= on MAIL FROM (Postfix offers SIZE); transcript lines look like
# "< localhost[127.0.0.1]: MAIL FROM:<big@outbox.test> SIZE=5243000"
pf_log_wait "$S" 'MAIL FROM:<big@outbox\.test>' 10
size=$(sed -n 's/.*: MAIL FROM:<big@outbox\.test>.* SIZE=\([0-9][0-9]*\).*/\1/p' "$PF_LOG" | head -n 1)
insize=$(wc -c <"$T/big.in")
case $size in
'' | *[!0-9]*)
	not_ok "5 MB message: SIZE= sent on MAIL FROM"
	grep 'MAIL FROM' "$PF_LOG" | tail -3 | sed 's/^/# /'
	;;
*)
	if [ "$size" -ge "$insize" ] && [ "$size" -le $((insize * 2)) ]; then
		ok "5 MB message: SIZE=$size sent on MAIL FROM (input $insize bytes)"
	else
		not_ok "5 MB message: SIZE=$size sent on MAIL FROM (input $insize bytes)"
	fi
	;;
esac
# the -t message: SIZE too, and its 8-bit body declared (RFC 6152)
like "$PF_LOG" 'MAIL FROM:<envelope@outbox\.test>.* SIZE=[0-9]+' "-t message: SIZE= sent on MAIL FROM"
like "$PF_LOG" 'MAIL FROM:<envelope@outbox\.test>.* BODY=8BITMIME' \
    "-t message with an 8-bit body: BODY=8BITMIME on MAIL FROM (8BITMIME offered)"
# every session that sent a message (DATA or BDAT) ended with QUIT
i=0
while :; do
	n_data=$(grep -cE 'smtpd\[[0-9]*\]: disconnect from .* (data|bdat)=' "$PF_LOG")
	if [ "$n_data" -ge 7 ] || [ $i -ge 50 ]; then
		break
	fi
	sleep 0.1	# postlogd writes asynchronously
	i=$((i + 1))
done
n_quit=$(grep -E 'smtpd\[[0-9]*\]: disconnect from .* (data|bdat)=' "$PF_LOG" | grep -c ' quit=')
if [ "$n_data" -ge 7 ] && [ "$n_quit" -eq "$n_data" ]; then
	ok "every session ended with QUIT ($n_quit of $n_data)"
else
	not_ok "every session ended with QUIT ($n_quit of $n_data)"
	grep 'disconnect from' "$PF_LOG" | tail -5 | cut -c1-200 | sed 's/^/# /'
fi

# ---------------------------------------------------------------- 5. no PIPELINING
# a server that does not offer PIPELINING and refuses a client that sends
# the message before the 354 (peer.sh checks MAIL/RCPT one at a time)
plain_config "$T/rc.nopipe" "$PF_NOPIPE_PORT"
send_one np "$T/c.in" -C "$T/rc.nopipe" -i r1@outbox.test r2@outbox.test
is_exit 0 "PIPELINING not offered: one command at a time, accepted"
is_empty "$T/err" "PIPELINING not offered: nothing on stderr"
same_bytes "$T/np.got" "$T/c.lf" "PIPELINING not offered: stored as sent"

tap_done
