#!/bin/sh
# logging.sh - the per-message log line, the envelope rewriting and the
# header edits of an account, end to end against a real Postfix:
#   - logfile: msmtp's fields in msmtp's order, then outbox's (Message-ID,
#     TLS version and cipher, SASL mechanism, duration, exit status), for a
#     success (queue id of Postfix's capture in smtpmsg) and a failure
#     (the refusal's code and text, errormsg, EX_ code); log_format json:
#     every line is one valid JSON object with the same facts;
#     logfile_time_format; -X; mode 0600, appended, a symbolic link not
#     followed (and the exit status unchanged by a log that fails);
#   - no password in the log, in any form (AUTH through the 587 port);
#   - aliases (default: included) and qualify_domain, checked in the
#     envelope Postfix received (the capture's rcpt= lines);
#   - undisclosed_recipients and set_to_header, in the delivered header;
#   - -F with a UTF-8 name: RFC 2047 encoded words of at most 75
#     characters that decode to the name; a name with specials quoted.
# Base port: $OUTBOX_E2E_LOG_BASE (default 22700).

. "$(dirname "$0")/lib.sh"
. "$HARNESS_DIR/servers.sh"

harness_can_postfix || skip_all "$HARNESS_WHY"
[ -x "$OUTBOX" ] || skip_all "binary under test not built: $OUTBOX"

mk_tmpdir log
start_postfix "${OUTBOX_E2E_LOG_BASE:-22700}"
HOME=$T/home
export HOME
mkdir -p "$HOME"
chmod 700 "$HOME"
DEAD=$T/dead.letter

# conf NAME PORT LINES: $T/NAME.rc, an account for 127.0.0.1:PORT, then LINES
conf() {
	{
		cat <<EOF
account default
host 127.0.0.1
port $2
from sender@outbox.test
domain client.outbox.test
timeout 10
dead_letter $DEAD
EOF
		printf '%s\n' "$3"
	} | write_config "$T/$1.rc"
}
PLAIN="tls off"
SUBMISSION="tls on
tls_starttls on
tls_trust_file $PF_CA
auth on
user $PF_USER
password $PF_PASS"

# send NAME MSGFILE ARGS...: outbox with $T/NAME.rc and envelope sender
# NAME@outbox.test
send() {
	_s_name=$1 _s_msg=$2
	shift 2
	run_outbox "$_s_msg" -C "$T/$_s_name.rc" -f "$_s_name@outbox.test" "$@"
	cp "$T/err" "$T/$_s_name.err"
}

# rcpts_are NAME "a b c" DESC: the envelope recipients Postfix received
rcpts_are() {
	if capture_of "$1"; then
		_got=$(sed -n 's/^rcpt=//p' "$ENV" | sort | tr '\n' ' ')
		_want=$(printf '%s\n' $2 | sort | tr '\n' ' ')
		is "$_got" "$_want" "$3"
	else
		not_ok "$3 (nothing captured)"
		diag_file "$T/$1.err" 10
	fi
}

# header NAME FIELD: the unfolded values of FIELD in NAME's delivered
# message, one per line (empty when there is none)
header() {
	python3 - "$EML" "$2" <<'EOF'
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.compat32)
for v in m.get_all(sys.argv[2]) or []:
    print(" ".join(v.split()))
EOF
}

# json_get FILE LINE KEY: the value of KEY in line LINE of FILE (JSON);
# lists joined with ','; "MISSING" when absent.  Fails on invalid JSON.
json_get() {
	python3 - "$1" "$2" "$3" <<'EOF'
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
o = json.loads(lines[int(sys.argv[2]) - 1])
v = o.get(sys.argv[3], "MISSING")
if isinstance(v, list):
    v = ",".join(v)
elif isinstance(v, bool):
    v = "true" if v else "false"
print(v)
EOF
}

printf 'From: someone@outbox.test\nTo: r@outbox.test\nSubject: log test\n\nbody\n' >"$T/msg"

# ---------------------------------------------------------------- success
printf 'team: t1@outbox.test, Two <t2@outbox.test>\nops: ops1\n# comment\n' >"$T/aliases"
conf ok "$PF_PLAIN_PORT" "$PLAIN
logfile $T/ok.log
aliases $T/aliases
qualify_domain outbox.test"
send ok "$T/msg" team ops bob r@outbox.test
is_exit 0 "plain: sent with aliases and qualify_domain"
rcpts_are ok "t1@outbox.test t2@outbox.test ops1@outbox.test bob@outbox.test r@outbox.test" \
    "aliases and qualify_domain rewrite the envelope"
is "$(header ok To)" "r@outbox.test" "aliases leave the To header alone"
is "$(wc -l <"$T/ok.log" | tr -d ' ')" 1 "one log line per message"
is "$(stat -c %a "$T/ok.log")" 600 "the log file is created with mode 0600"
like "$T/ok.log" '^[A-Z][a-z]{2} [ 0-3][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} host=127\.0\.0\.1 tls=off auth=off from=ok@outbox\.test recipients=t1@outbox\.test,t2@outbox\.test,ops1@outbox\.test,bob@outbox\.test,r@outbox\.test mailsize=[1-9][0-9]* smtpstatus=250 smtpmsg='\''250 [^'\'']*'\'' exitcode=EX_OK messageid=<[^ ]+> duration=[0-9]+\.[0-9]{3}s exitstatus=0$' \
    "success: msmtp's fields in msmtp's order, then outbox's"
unlike "$T/ok.log" 'errormsg=|tlsversion=|authmech=|user=' "success without TLS or AUTH: no error, TLS or AUTH fields"
qid=$(sed -n 's/^queue_id=//p' "$ENV")
contains "$T/ok.log" "queued as $qid'" "smtpmsg holds Postfix's queue id ($qid)"
mid=$(header ok Message-ID)
contains "$T/ok.log" "messageid=$mid " "messageid is the delivered Message-ID"
send ok "$T/msg" r@outbox.test
is "$(wc -l <"$T/ok.log" | tr -d ' ')" 2 "the next message is appended"

# ---------------------------------------------------------------- failure
conf fail "$PF_PLAIN_PORT" "$PLAIN
logfile $T/fail.log"
send fail "$T/msg" someone@elsewhere.example
is_exit 69 "plain: relaying refused"
like "$T/fail.log" '^[A-Z][a-z]{2} [ 0-3][0-9] [0-9:]{8} host=127\.0\.0\.1 tls=off auth=off from=fail@outbox\.test recipients=someone@elsewhere\.example smtpstatus=554 smtpmsg='\''554 5\.7\.1 [^'\'']*Relay access denied[^'\'']*'\'' errormsg='\''[^'\'']*Relay access denied[^'\'']*'\'' exitcode=EX_UNAVAILABLE .*duration=[0-9.]+s exitstatus=69$' \
    "failure: the refusal, errormsg and EX_UNAVAILABLE"
unlike "$T/fail.log" 'mailsize=' "failure: no mailsize"
# a connection refused: no reply at all
conf down 9 "$PLAIN
logfile $T/down.log"
send down "$T/msg" r@outbox.test
is_exit 75 "nothing listening: temporary"
like "$T/down.log" "errormsg='[^']*refused[^']*' exitcode=EX_TEMPFAIL .* exitstatus=75$" \
    "a failure without a reply: errormsg and EX_TEMPFAIL"
unlike "$T/down.log" 'smtpstatus=' "no smtpstatus without a reply"

# ---------------------------------------------------------------- json
conf json "$PF_PLAIN_PORT" "$PLAIN
logfile $T/json.log
log_format json"
send json "$T/msg" r@outbox.test
is_exit 0 "json: sent"
send json "$T/msg" '"x\"y\\z"@elsewhere.example'
send json "$T/msg" r@outbox.test bob@elsewhere.example
if python3 -c 'import json, sys
for l in open(sys.argv[1], encoding="utf-8"): json.loads(l)' "$T/json.log" 2>"$T/json.err"; then
	ok "json: every line is valid JSON"
else
	not_ok "json: every line is valid JSON"
	diag_file "$T/json.err"
fi
is "$(wc -l <"$T/json.log" | tr -d ' ')" 3 "json: one object per line"
is "$(json_get "$T/json.log" 1 exitcode)/$(json_get "$T/json.log" 1 exitstatus)" "EX_OK/0" "json: exit code on success"
is "$(json_get "$T/json.log" 1 recipients)" "r@outbox.test" "json: recipients is a list"
is "$(json_get "$T/json.log" 1 smtpstatus)" 250 "json: smtpstatus on success"
is "$(json_get "$T/json.log" 1 tls)" false "json: tls is a boolean"
like "$T/json.log" '"time":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}[-+][0-9]{4}"' "json: ISO 8601 time by default"
is "$(json_get "$T/json.log" 3 exitcode)/$(json_get "$T/json.log" 3 mailsize)" "EX_UNAVAILABLE/MISSING" "json: failure without mailsize"
like "$T/json.log" '"errormsg":"[^"]*Relay access denied' "json: errormsg on failure"
is "$(json_get "$T/json.log" 2 recipients)" '"x\"y\\z"@elsewhere.example' "json: quotes and backslashes escaped"

# ---------------------------------------------------------------- AUTH
conf auth "$PF_SUBMISSION_PORT" "$SUBMISSION
logfile $T/auth.log
logfile_time_format %Y-%m-%d"
send auth "$T/msg" r@outbox.test
is_exit 0 "submission: STARTTLS and AUTH"
like "$T/auth.log" "^[0-9]{4}-[0-9]{2}-[0-9]{2} host=127\.0\.0\.1 tls=on auth=on user=$PF_USER from=auth@outbox\.test " \
    "auth: tls=on auth=on user=, logfile_time_format"
like "$T/auth.log" ' tlsversion=TLSv?1\.[23] tlscipher=[A-Z0-9_-]+ authmech=[A-Z0-9-]+ duration=' \
    "auth: TLS version, cipher and SASL mechanism"
conf authj "$PF_SUBMISSION_PORT" "$SUBMISSION
logfile $T/auth.log
log_format json"
send authj "$T/msg" r@outbox.test -v
is "$(json_get "$T/auth.log" 2 auth_mechanism)" "$(sed -n 's/^sasl_method=//p' "$(capture_of authj && echo "$ENV")")" \
    "json: auth_mechanism is the one Postfix saw"
conf authbad "$PF_SUBMISSION_PORT" "$(printf '%s\n' "$SUBMISSION" | sed "s/^password .*/password $PF_PASS-wrong/")
logfile $T/auth.log"
send authbad "$T/msg" r@outbox.test
is_exit 77 "a wrong password: refused"
like "$T/auth.log" "exitcode=EX_NOPERM" "the refused login is logged"
for f in "$T/auth.log" "$T/auth.err" "$T/authj.err"; do
	for secret in "$PF_PASS" "$PF_PASS-wrong"; do
		if python3 - "$f" "$PF_USER" "$secret" <<'EOF'; then
import base64, re, sys
data = open(sys.argv[1], "rb").read()
user, secret = sys.argv[2].encode(), sys.argv[3].encode()
forms = [secret, base64.b64encode(secret), base64.b64encode(b"\0" + user + b"\0" + secret)]
bad = any(f in data for f in forms)
for w in re.findall(rb"[A-Za-z0-9+/]{8,}={0,2}", data):
    for cut in range(4):
        v = w[cut:][:len(w[cut:]) // 4 * 4]
        try:
            bad = bad or secret in base64.b64decode(v)
        except Exception:
            pass
sys.exit(1 if bad else 0)
EOF
			ok "no password in $(basename "$f") (in any form)"
		else
			not_ok "no password in $(basename "$f") (in any form)"
		fi
	done
done

# ---------------------------------------------------------------- log file
ln -s "$T/elsewhere" "$T/link.log"
conf link "$PF_PLAIN_PORT" "$PLAIN
logfile $T/link.log"
send link "$T/msg" r@outbox.test
is_exit 0 "a log file that cannot be opened does not change the exit status"
like "$T/link.err" 'warning: cannot open the log file' "... and is warned about"
check "a symbolic link as the log file is not followed" test ! -e "$T/elsewhere"
conf xopt "$PF_PLAIN_PORT" "$PLAIN"
send xopt "$T/msg" -X "$T/x.log" r@outbox.test
is_exit 0 "-X FILE"
like "$T/x.log" 'from=xopt@outbox\.test .*exitcode=EX_OK' "-X FILE is the log file"
conf sys "$PF_PLAIN_PORT" "$PLAIN
syslog LOG_MAIL"
send sys "$T/msg" r@outbox.test
is_exit 0 "syslog LOG_MAIL: sent"
is_empty "$T/sys.err" "syslog: nothing on stderr"

# ---------------------------------------------------------------- aliases
printf 'root: admin@outbox.test\ndefault: catchall@outbox.test\n' >"$T/aliases2"
conf al "$PF_PLAIN_PORT" "$PLAIN
aliases $T/aliases2"
printf 'To: root, nobody\nCc: c@outbox.test\nSubject: aliases\n\nbody\n' >"$T/msg-t"
send al "$T/msg-t" -t
is_exit 0 "aliases with -t"
rcpts_are al "admin@outbox.test catchall@outbox.test c@outbox.test" \
    "aliases apply to -t recipients; default: catches the rest"
conf almiss "$PF_PLAIN_PORT" "$PLAIN
aliases $T/no-such-aliases"
send almiss "$T/msg" root
is_exit 78 "a missing aliases file is a configuration error"
like "$T/almiss.err" 'no-such-aliases' "... naming the file"
conf qual "$PF_PLAIN_PORT" "$PLAIN
qualify_domain outbox.test"
send qual "$T/msg" carol "dave@outbox.test"
rcpts_are qual "carol@outbox.test dave@outbox.test" "qualify_domain alone"

# ---------------------------------------------------------------- headers
printf 'From: u@outbox.test\nTo: a@outbox.test\nCc: b@outbox.test\nBcc: c@outbox.test\nSubject: undisclosed\n\nbody\n' >"$T/msg-u"
conf und "$PF_PLAIN_PORT" "$PLAIN
undisclosed_recipients on"
send und "$T/msg-u" -t
is_exit 0 "undisclosed_recipients"
rcpts_are und "a@outbox.test b@outbox.test c@outbox.test" "undisclosed_recipients: the envelope keeps everyone"
is "$(header und To)" "undisclosed-recipients:;" "undisclosed_recipients: To replaced"
is "$(header und Cc)$(header und Bcc)" "" "undisclosed_recipients: no Cc or Bcc"
printf 'From: u@outbox.test\nSubject: no recipient header\n\nbody\n' >"$T/msg-b"
conf noto "$PF_PLAIN_PORT" "$PLAIN"
send noto "$T/msg-b" r@outbox.test
capture_of noto
is "$(header noto To)" "undisclosed-recipients:;" "set_to_header auto: To added when there is no To, Cc or Bcc"
conf notooff "$PF_PLAIN_PORT" "$PLAIN
set_to_header off"
send notooff "$T/msg-b" r@outbox.test
capture_of notooff
is "$(header notooff To)" "" "set_to_header off: no To added"
printf 'From: u@outbox.test\nBcc: a@outbox.test\nSubject: only bcc\n\nbody\n' >"$T/msg-bcc"
conf bcc "$PF_PLAIN_PORT" "$PLAIN"
send bcc "$T/msg-bcc" -t
capture_of bcc
is "$(header bcc To)/$(header bcc Bcc)" "undisclosed-recipients:;/" \
    "a message with a Bcc only: Bcc removed, To: undisclosed-recipients:; added"
capture_of ok
is "$(header ok To)" "r@outbox.test" "set_to_header auto: an existing To is kept"

# -F with UTF-8: encoded words that decode to the name
NAME='Jörg Müller-Lüdenscheidt 日本語 «quoted», a name long enough for two words'
printf 'To: r@outbox.test\nSubject: name\n\nbody\n' >"$T/msg-n"
conf name "$PF_PLAIN_PORT" "$PLAIN"
send name "$T/msg-n" -F "$NAME" r@outbox.test
is_exit 0 "-F with a UTF-8 name"
capture_of name
if python3 - "$EML" "$NAME" "name@outbox.test" >"$T/name.out" <<'EOF'; then
import email, email.header, email.policy, re, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.compat32)
raw = m["From"]
words = re.findall(r"=\?[^?]+\?[BbQq]\?[^?]*\?=", raw)
assert words, "no encoded words in " + raw
assert all(len(w) <= 75 for w in words), "an encoded word over 75: " + raw
assert not re.search(r"[^\x20-\x7e]", raw), "raw 8-bit in From: " + raw
decoded = str(email.header.make_header(email.header.decode_header(raw)))
want = sys.argv[2] + " <" + sys.argv[3] + ">"
assert decoded == want, "decoded %r, want %r" % (decoded, want)
EOF
	ok "-F: RFC 2047 words of at most 75 characters decode to the name"
else
	not_ok "-F: RFC 2047 words of at most 75 characters decode to the name"
	diag_file "$T/name.out"
	diag "From: $(header name From)"
fi
mail_clear "$S"
send name "$T/msg-n" -F 'Doe, John "JD"' r@outbox.test
capture_of name
is "$(header name From)" '"Doe, John \"JD\"" <name@outbox.test>' "-F: an ASCII name is a quoted string"
run_outbox "$T/msg-n" -C "$T/name.rc" --dry-run -F "$(printf 'caf\351')" r@outbox.test
is_exit 64 "-F: a name that is not UTF-8 is a usage error"

tap_done
