#!/bin/sh
# verify.sh - -bv end to end: the configuration checked, connect, MAIL
# FROM and one RCPT per recipient, then RSET and QUIT; one line per
# recipient on stdout ("addr: deliverable" or "addr: <reply>"); exit 0
# when all are deliverable, else the CONTRACT code of the worst (a
# permanent refusal before a temporary one).  Nothing is ever sent.
# Against a real Postfix with extra smtpd services: a recipient map
# (550 and 450 answers), smtpd_recipient_limit = 100 (452 rounds), and
# smtputf8_enable = no (A-labels).
# Base port: $OUTBOX_E2E_VERIFY_BASE (default 26000; BASE+25 ... BASE+591).

. "$(dirname "$0")/lib.sh"
. "$HARNESS_DIR/servers.sh"

harness_can_postfix || skip_all "$HARNESS_WHY"
[ -x "$OUTBOX" ] || skip_all "binary under test not built: $OUTBOX"

mk_tmpdir bv
BASE=${OUTBOX_E2E_VERIFY_BASE:-26000}
start_postfix "$BASE"

MAP_PORT=$((BASE + 30))
LIMIT_PORT=$((BASE + 31))
NOUTF8_PORT=$((BASE + 32))
printf '%s\n' 'unknown@outbox.test 550 5.1.1 no such user' \
    'later@outbox.test 450 4.2.1 mailbox busy' >"$S/rcpt.map"
chmod 644 "$S/rcpt.map"
postfix_add_service "$S" "$MAP_PORT" map -o "smtpd_recipient_restrictions=check_recipient_access,texthash:$S/rcpt.map"
postfix_add_service "$S" "$LIMIT_PORT" limit100 -o smtpd_recipient_limit=100
postfix_add_service "$S" "$NOUTF8_PORT" noutf8 -o smtputf8_enable=no
if postfix_reload_wait "$S" $MAP_PORT $LIMIT_PORT $NOUTF8_PORT; then
	ok "three more smtpd services"
else
	not_ok "three more smtpd services"
	tap_done
fi
plain_config "$T/map.rc" "$MAP_PORT"
plain_config "$T/limit.rc" "$LIMIT_PORT"
plain_config "$T/noutf8.rc" "$NOUTF8_PORT"
: >"$T/null"

# nothing_sent DESCRIPTION: the -v trace in $T/err shows MAIL and RCPT
# and RSET, but no DATA or BDAT
nothing_sent() {
	if grep -Eq '^-> (DATA|BDAT)' "$T/err" || ! grep -q '^-> RSET$' "$T/err"; then
		not_ok "$1"
		grep '^-> ' "$T/err" | head -10 | sed 's/^/#   /'
	else
		ok "$1"
	fi
}

# ---------------------------------------------------------------- verdicts
run_outbox "$T/null" -C "$T/map.rc" -bv -v ok@outbox.test unknown@outbox.test \
    later@outbox.test
is_exit 67 "-bv: the worst is the permanent refusal"
cat >"$T/want" <<'EOF'
ok@outbox.test: deliverable
unknown@outbox.test: 550 5.1.1 <unknown@outbox.test>: Recipient address rejected: no such user
later@outbox.test: 450 4.2.1 <later@outbox.test>: Recipient address rejected: mailbox busy
EOF
same_bytes "$T/out" "$T/want" "-bv: one line per recipient, in order"
nothing_sent "-bv: MAIL, RCPT, RSET, and no message"
like "$T/err" '^-> QUIT$' "-bv: QUIT at the end"
check "-bv: one MAIL" test "$(grep -c '^-> MAIL FROM:<sender@outbox.test>$' "$T/err")" = 1
pf_log_wait "$S" 'outbox-postfix/map/smtpd.*: < [^ ]+: RSET' 10 || true
like "$PF_LOG" 'outbox-postfix/map/smtpd\[[0-9]+\]: < [^ ]+: RSET' \
    "-bv: Postfix saw the RSET"

run_outbox "$T/null" -C "$T/map.rc" -bv ok@outbox.test later@outbox.test
is_exit 75 "-bv: only a temporary refusal: 75"
run_outbox "$T/null" -C "$T/map.rc" -bv ok@outbox.test other@outbox.test
is_exit 0 "-bv: all deliverable"
printf 'ok@outbox.test: deliverable\nother@outbox.test: deliverable\n' >"$T/want"
same_bytes "$T/out" "$T/want" "-bv: all deliverable, the lines"
is_empty "$T/err" "-bv: nothing on stderr when all are deliverable"

# ---------------------------------------------------------------- 452 rounds
_rcpts=
for _i in $(seq 150); do _rcpts="$_rcpts v$_i@outbox.test"; done
# shellcheck disable=SC2086
run_outbox "$T/null" -C "$T/limit.rc" -bv -v $_rcpts
is_exit 0 "-bv: 150 recipients, 100 per transaction"
check "-bv 452: 150 deliverable lines" \
    test "$(grep -c ': deliverable$' "$T/out")" = 150
check "-bv 452: two rounds of MAIL" test "$(grep -c '^-> MAIL FROM' "$T/err")" = 2
check "-bv 452: RSET after each round" test "$(grep -c '^-> RSET$' "$T/err")" = 2
nothing_sent "-bv 452: no message"

# ---------------------------------------------------------------- IDN
run_outbox "$T/null" -C "$T/noutf8.rc" -bv -v 'x@bücher.example'
is_exit 0 "-bv: a UTF-8 domain without SMTPUTF8"
contains "$T/err" '-> RCPT TO:<x@xn--bcher-kva.example>' "-bv: asked as the A-label"
contains "$T/out" 'x@bücher.example: deliverable' "-bv: reported as given"
run_outbox "$T/null" -C "$T/noutf8.rc" -bv 'jörg@outbox.test'
is_exit 69 "-bv: a UTF-8 local part without SMTPUTF8"
run_outbox "$T/null" -C "$T/map.rc" -bv -v 'x@☃.example'
is_exit 64 "-bv: an invalid IDN"
unlike "$T/err" 'connected to' "-bv: an invalid IDN is refused before connecting"

# ---------------------------------------------------------------- usage
run_outbox "$T/null" -C "$T/map.rc" -bv
is_exit 64 "-bv without recipients"
run_outbox "$T/null" -C "$T/map.rc" -bv -t ok@outbox.test
is_exit 64 "-bv with -t"
printf 'account default\nhost 127.0.0.1\nbogus_keyword 1\n' | write_config "$T/bad.rc"
run_outbox "$T/null" -C "$T/bad.rc" -bv ok@outbox.test
is_exit 78 "-bv: the configuration is checked"

tap_done
