#!/bin/sh
# intl.sh - international mail end to end (issue 5): SMTPUTF8 asked for
# exactly when an address or a header field needs it, the A-label
# downgrade of domains for a server without SMTPUTF8 (IDNA2008 + UTS #46,
# nontransitional), 69 before MAIL for a UTF-8 local part or header there,
# and invalid IDNs refused before connecting (64 on the command line, 65
# in a header with -t).  Against a real Postfix: its plain port offers
# SMTPUTF8 (two extra smtpd services that take mail for any domain: one
# as configured, one with smtputf8_enable = no).  What
# Postfix stored is compared with the input byte for byte.
# Base port: $OUTBOX_E2E_INTL_BASE (default 23000; BASE+25 ... BASE+591).

. "$(dirname "$0")/lib.sh"
. "$HARNESS_DIR/servers.sh"

harness_can_postfix || skip_all "$HARNESS_WHY"
[ -x "$OUTBOX" ] || skip_all "binary under test not built: $OUTBOX"

mk_tmpdir intl
BASE=${OUTBOX_E2E_INTL_BASE:-23000}
start_postfix "$BASE"

UTF8_PORT=$((BASE + 30))
NOUTF8_PORT=$((BASE + 31))
postfix_add_service "$S" "$UTF8_PORT" utf8
postfix_add_service "$S" "$NOUTF8_PORT" noutf8 -o smtputf8_enable=no
if postfix_reload_wait "$S" "$UTF8_PORT" "$NOUTF8_PORT"; then
	ok "smtpd with and without SMTPUTF8 on ports $UTF8_PORT, $NOUTF8_PORT"
else
	not_ok "smtpd with and without SMTPUTF8 on ports $UTF8_PORT, $NOUTF8_PORT"
	tap_done
fi

UTF8=$T/utf8rc
NOUTF8=$T/noutf8rc
plain_config "$UTF8" "$UTF8_PORT"
plain_config "$NOUTF8" "$NOUTF8_PORT"

# deliver NAME INPUT ARGS...: run outbox (-v: the trace shows every
# command) and wait for the message ($DELIVER_N copies, default 1:
# Postfix delivers once per recipient domain); $T/NAME.got is what
# Postfix stored (the first copy) without its Received: field, $T/NAME.env
# the envelopes of all copies.
deliver() {
	_d_name=$1
	shift
	mail_clear "$S"
	run_outbox "$@" -v
	cp "$T/err" "$T/$_d_name.trace"
	EML=
	: >"$T/$_d_name.got"
	: >"$T/$_d_name.env"
	[ "$RC" = 0 ] || return 0
	EMLS=$(mail_wait "$S" "${DELIVER_N:-1}" 20 2>>"$T/err.wait")
	EML=$(printf '%s\n' "$EMLS" | head -n 1)
	[ -n "$EML" ] || return 0
	python3 - "$EML" "$T/$_d_name.got" <<'EOF'
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
	for _d_e in $EMLS; do cat "${_d_e%.eml}.env"; done >"$T/$_d_name.env"
}

# sent_lines NAME: the commands outbox sent, from its -v trace
sent_lines() { grep '^-> ' "$T/$1.trace" | sed 's/^-> //'; }

# not_sent NAME ERE DESCRIPTION: no command sent matched
not_sent() {
	if sent_lines "$1" | grep -Eq -- "$2"; then
		not_ok "$3"
		sent_lines "$1" | head -20 | sed 's/^/#   /'
	else
		ok "$3"
	fi
}

# no_raw_utf8 NAME DESCRIPTION: every command sent was ASCII
no_raw_utf8() {
	if sent_lines "$1" | LC_ALL=C grep -q '[^ -~]'; then
		not_ok "$2"
		sent_lines "$1" | LC_ALL=C grep '[^ -~]' | head -5 | sed 's/^/#   /'
	else
		ok "$2"
	fi
}

HDRS='From: Sender <sender@outbox.test>
Date: Mon, 23 Nov 2026 10:00:00 +0000
Message-ID: <intl-e2e@outbox.test>'
# (every input has a To or Cc: outbox adds none then)

# ---------------------------------------------------------------- 1. SMTPUTF8
cat >"$T/u.in" <<EOF
$HDRS
To: =?utf-8?q?J=C3=B6rg?= <jörg@bücher.example>
Subject: Grüße, 日本語
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Grüße aus dem Test.
.dot
EOF
DELIVER_N=2
deliver u "$T/u.in" -C "$UTF8" 'jörg@bücher.example' 'ascii@outbox.test'
DELIVER_N=1
is_exit 0 "UTF-8 address and header, SMTPUTF8 offered: delivered"
same_bytes "$T/u.got" "$T/u.in" "SMTPUTF8: the message byte for byte"
like "$T/u.trace" '^-> MAIL FROM:<sender@outbox.test> SIZE=[0-9]+ BODY=8BITMIME SMTPUTF8$' \
    "SMTPUTF8: MAIL carries SMTPUTF8 and BODY=8BITMIME"
contains "$T/u.trace" '-> RCPT TO:<jörg@bücher.example>' \
    "SMTPUTF8: the recipient goes in UTF-8, as written"
contains "$T/u.env" 'rcpt=jörg@bücher.example' \
    "SMTPUTF8: Postfix has the UTF-8 recipient"
pf_log_wait "$S" 'utf8/smtpd.*MAIL FROM:<sender@outbox.test> .*SMTPUTF8' ||
    true
like "$PF_LOG" 'outbox-postfix/utf8/smtpd.*< [^ ]+: MAIL FROM:<sender@outbox.test> .*SMTPUTF8' \
    "SMTPUTF8: Postfix's transcript shows the parameter"

# ASCII throughout: no SMTPUTF8 even though it is offered.
cat >"$T/a.in" <<EOF
$HDRS
To: ascii@outbox.test
Subject: plain

plain ASCII
EOF
deliver a "$T/a.in" -C "$UTF8" ascii@outbox.test
is_exit 0 "ASCII message: delivered"
like "$T/a.trace" '^-> MAIL FROM:<sender@outbox.test> SIZE=[0-9]+$' \
    "ASCII message: neither SMTPUTF8 nor BODY= asked for"
same_bytes "$T/a.got" "$T/a.in" "ASCII message: byte for byte"

# ---------------------------------------------------------------- 2. A-labels
DELIVER_N=3
deliver down "$T/a.in" -C "$NOUTF8" -f 's@Bücher.example' 'x@bücher.example' \
    'y@faß.de' 'z@ⅷ.example'
DELIVER_N=1
is_exit 0 "UTF-8 domains, no SMTPUTF8: delivered"
contains "$T/down.trace" '-> MAIL FROM:<s@xn--bcher-kva.example>' \
    "A-label: the sender's domain (UTS #46 maps B to b)"
contains "$T/down.trace" '-> RCPT TO:<x@xn--bcher-kva.example>' \
    "A-label: bücher.example is xn--bcher-kva.example"
contains "$T/down.trace" '-> RCPT TO:<y@xn--fa-hia.de>' \
    "A-label: faß.de is xn--fa-hia.de (nontransitional)"
contains "$T/down.trace" '-> RCPT TO:<z@viii.example>' \
    "A-label: a compatibility character mapped (ⅷ to viii)"
no_raw_utf8 down "A-label: no raw UTF-8 in any command"
not_sent down 'SMTPUTF8' "A-label: SMTPUTF8 not asked for"
contains "$T/down.env" 'rcpt=x@xn--bcher-kva.example' \
    "A-label: Postfix has the A-label recipient"
contains "$T/down.env" 'sender=s@xn--bcher-kva.example' \
    "A-label: Postfix has the A-label sender"
same_bytes "$T/down.got" "$T/a.in" "A-label: the message byte for byte"

# ---------------------------------------------------------------- 3. 69 before MAIL
deliver lp "$T/a.in" -C "$NOUTF8" 'jörg@outbox.test'
is_exit 69 "UTF-8 local part, no SMTPUTF8"
contains "$T/err" "the address <jörg@outbox.test> has a non-ASCII local part, and the server does not offer SMTPUTF8" \
    "UTF-8 local part: stderr names the address"
not_sent lp '^MAIL' "UTF-8 local part: no MAIL sent"

deliver lps "$T/a.in" -C "$NOUTF8" -f 'émile@outbox.test' ascii@outbox.test
is_exit 69 "UTF-8 sender local part, no SMTPUTF8"
not_sent lps '^MAIL' "UTF-8 sender local part: no MAIL sent"

deliver hd "$T/u.in" -C "$NOUTF8" ascii@outbox.test
is_exit 69 "UTF-8 header field, no SMTPUTF8"
contains "$T/err" "the header field To holds UTF-8, but the server does not offer SMTPUTF8" \
    "UTF-8 header: stderr names the first such field"
not_sent hd '^MAIL' "UTF-8 header: no MAIL sent"
check "UTF-8 header: the message is kept in the dead letter" \
    test -s "$T/dead.letter"
rm -f "$T/dead.letter"

# A UTF-8 header field that is removed (Bcc) needs nothing.
printf '%s\nTo: ascii@outbox.test\nBcc: Jörg <hidden@outbox.test>\nSubject: x\n\nbody\n' \
    "$HDRS" >"$T/bcc.in"
deliver bcc "$T/bcc.in" -C "$NOUTF8" ascii@outbox.test
is_exit 0 "UTF-8 only in Bcc, which is removed: delivered without SMTPUTF8"
unlike "$T/bcc.got" 'Jörg' "UTF-8 Bcc: not in the stored message"

# ---------------------------------------------------------------- 4. invalid IDNs
for bad in 'x@☃.example' 'x@-ü.example' 'x@ü..example' 'x@xn--zz.example' 'x@a‍b.example'; do
	deliver bad "$T/a.in" -C "$UTF8" "$bad"
	is_exit 64 "invalid IDN on the command line ($bad)"
	not_sent bad '.' "invalid IDN ($bad): nothing sent"
	unlike "$T/bad.trace" 'connected to' "invalid IDN ($bad): no connection"
done
contains "$T/err" "invalid internationalised domain name" \
    "invalid IDN: the reason is given"

printf '%s\nTo: ok@outbox.test\nCc: Bad <bad@☃.example>\nSubject: t\n\nx\n' "$HDRS" >"$T/t.in"
deliver tbad "$T/t.in" -C "$UTF8" -t
is_exit 65 "invalid IDN in a header read with -t"
contains "$T/err" '<bad@☃.example>' "invalid IDN with -t: the address is named"
unlike "$T/tbad.trace" 'connected to' "invalid IDN with -t: no connection"

deliver fbad "$T/a.in" -C "$UTF8" -f 'me@☃.example' ok@outbox.test
is_exit 64 "invalid IDN in the sender (-f)"

# ---------------------------------------------------------------- 5. -t with UTF-8
printf '%s\nTo: Jörg <jörg@bücher.example>\nCc: plain@outbox.test\nSubject: t\n\nx\n' "$HDRS" >"$T/tu.in"
DELIVER_N=2
deliver tu "$T/tu.in" -C "$UTF8" -t
DELIVER_N=1
is_exit 0 "-t with a UTF-8 recipient, SMTPUTF8 offered"
contains "$T/tu.env" 'rcpt=jörg@bücher.example' "-t: the UTF-8 recipient"
contains "$T/tu.env" 'rcpt=plain@outbox.test' "-t: the ASCII recipient"
same_bytes "$T/tu.got" "$T/tu.in" "-t with UTF-8: byte for byte"

tap_done
