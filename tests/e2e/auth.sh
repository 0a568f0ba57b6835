#!/bin/sh
# auth.sh - outbox's SMTP AUTH end to end against a real Postfix whose SASL
# is Dovecot's: PLAIN, LOGIN, CRAM-MD5, SCRAM-SHA-1, SCRAM-SHA-256,
# XOAUTH2, OAUTHBEARER and `auth on` on the 587 (STARTTLS) and 465
# (implicit TLS) ports, checked in Postfix's capture (sasl_method,
# sasl_username); bob's hard password from the config, passwordeval and
# ~/.netrc; refusals (wrong password, expired token: 77); no secret sent
# without TLS (78, no connection at all); a secret in a file others can
# read (78); no secret in the -v trace in any form.  SCRAM-SHA-256-PLUS,
# which Dovecot 2.3 lacks, against tests/harness/plus_server over TLS 1.3
# and 1.2, with a wrong channel binding refused.
# Base port: $OUTBOX_E2E_AUTH_BASE (default 22500).

. "$(dirname "$0")/lib.sh"
. "$HARNESS_DIR/servers.sh"

harness_can_postfix || skip_all "$HARNESS_WHY"
[ -x "$OUTBOX" ] || skip_all "binary under test not built: $OUTBOX"
command -v openssl >/dev/null 2>&1 || skip_all "openssl not installed (signs the OAuth tokens)"

mk_tmpdir auth
start_postfix "${OUTBOX_E2E_AUTH_BASE:-22500}"
HOME=$T/home
export HOME
mkdir -p "$HOME"
chmod 700 "$HOME"
DEAD=$T/dead.letter
NEVER=		# envelope senders of runs that must deliver nothing
OAUTH_KEY=$S/dovecot/oauth2-hmac.key

# ---------------------------------------------------------------- OAuth
# Dovecot checks XOAUTH2/OAUTHBEARER bearer tokens itself: HS256 JWTs
# signed with a local key (introspection_mode = local).  When servers.sh
# did not configure that, add it to the running Dovecot and reload both
# daemons (Postfix's smtpd keeps the mechanism list of its auth connection).
oauth_setup() {
	_dc=$S/dovecot
	grep -q 'driver = oauth2' "$_dc/dovecot.conf" && return 0
	mkdir -p "$_dc/oauth2-keys/default/HS256" || return 1
	[ -f "$OAUTH_KEY" ] || head -c 32 /dev/urandom >"$OAUTH_KEY"
	base64 <"$OAUTH_KEY" | tr -d '\n' >"$_dc/oauth2-keys/default/HS256/default"
	cat >"$_dc/oauth2.conf.ext" <<EOF
introspection_mode = local
local_validation_key_dict = fs:posix:prefix=$_dc/oauth2-keys/
username_attribute = sub
active_attribute =
active_value =
issuers = outbox-tests
EOF
	sed -e 's/^auth_mechanisms = .*/& xoauth2 oauthbearer/' \
	    -e 's/^  driver = passwd-file$/&\
  mechanisms = plain login cram-md5 scram-sha-1 scram-sha-256/' \
	    "$_dc/dovecot.conf" >"$_dc/dovecot.conf.new" || return 1
	cat >>"$_dc/dovecot.conf.new" <<EOF
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = $_dc/oauth2.conf.ext
}
EOF
	mv "$_dc/dovecot.conf.new" "$_dc/dovecot.conf" &&
	    doveadm -c "$_dc/dovecot.conf" reload &&
	    postfix -c "$S/postfix" reload 2>/dev/null
}

# ehlo_auth PORT: the AUTH line of an EHLO after implicit TLS on PORT
ehlo_auth() {
	python3 - "$1" <<'EOF' 2>/dev/null
import socket, ssl, sys
c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
c.check_hostname = False
c.verify_mode = ssl.CERT_NONE
s = c.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5))
f = s.makefile("rb")
f.readline()
s.sendall(b"EHLO probe.outbox.test\r\n")
while True:
    l = f.readline().decode().rstrip()
    if "AUTH " in l:
        print(l)
    if not l.startswith("250-"):
        break
s.sendall(b"QUIT\r\n")
EOF
}

b64url() { base64 | tr -d '\n=' | tr '+/' '-_'; }

# token USER TTL: a JWT for USER signed with the Dovecot's key, valid TTL
# seconds (a negative TTL gives an expired one).
token() {
	_now=$(date +%s)
	_exp=$((_now + $2))
	_iat=$_now
	[ "$2" -lt 0 ] && _iat=$((_exp - 60))
	_h=$(printf '{"alg":"HS256","typ":"JWT"}' | b64url)
	_p=$(printf '{"sub":"%s","iss":"outbox-tests","iat":%d,"exp":%d}' \
	    "$1" "$_iat" "$_exp" | b64url)
	_k=$(od -An -v -tx1 <"$OAUTH_KEY" | tr -d ' \n')
	_sig=$(printf '%s.%s' "$_h" "$_p" |
	    openssl dgst -sha256 -mac HMAC -macopt "hexkey:$_k" -binary | b64url)
	printf '%s.%s.%s\n' "$_h" "$_p" "$_sig"
}

if oauth_setup; then
	_i=0
	while [ $_i -lt 100 ] && ! ehlo_auth "$PF_SUBMISSIONS_PORT" | grep -q XOAUTH2; do
		sleep 0.1
		_i=$((_i + 1))
	done
fi
ehlo_auth "$PF_SUBMISSIONS_PORT" >"$T/ehlo.auth"
like "$T/ehlo.auth" 'XOAUTH2.*OAUTHBEARER|OAUTHBEARER.*XOAUTH2' "Postfix offers XOAUTH2 and OAUTHBEARER (Dovecot's oauth2 passdb)"
TOKEN=$(token "$PF_USER" 3600)
OLD_TOKEN=$(token "$PF_USER" -60)

# ---------------------------------------------------------------- helpers
STARTTLS="tls on
tls_starttls on
tls_trust_file $PF_CA"
IMPLICIT="tls on
tls_starttls off
tls_trust_file $PF_CA"

# conf NAME PORT LINES: $T/NAME.rc for 127.0.0.1:PORT, then LINES
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

# delivers NAME DESC USER METHOD: exit 0 and the capture shows the login
delivers() {
	is_exit 0 "$2: accepted"
	if capture_of "$1"; then
		ok "$2: Postfix captured the message"
		like "${EML%.eml}.env" "^sasl_username=$3\$" "$2: sasl_username=$3"
		like "${EML%.eml}.env" "^sasl_method=$4\$" "$2: sasl_method=$4"
	else
		not_ok "$2: Postfix captured the message"
		diag_file "$T/$1.err" 10
	fi
}

# refused NAME CODE ERE DESC: exit CODE, reason on stderr, and (checked at
# the end) no MAIL FROM of NAME ever reached Postfix
refused() {
	is_exit "$2" "$4"
	like "$T/$1.err" "$3" "$4: the reason on stderr"
	NEVER="$NEVER $1"
}

# no_leak FILE DESC USER SECRET: FILE holds neither SECRET nor a base64
# form of it: the plain base64, PLAIN's "\0user\0secret", XOAUTH2's and
# OAUTHBEARER's framing, nor any base64 word that decodes to text holding
# it (whatever its alignment inside a larger blob).
no_leak() {
	if python3 - "$1" "$3" "$4" >"$T/leak.out" <<'EOF'; then
import base64, re, sys
data = open(sys.argv[1], "rb").read()
user, secret = sys.argv[2].encode(), sys.argv[3].encode()
b64 = lambda b: base64.b64encode(b)
forms = {"the secret": secret, "base64(secret)": b64(secret),
         "base64(\\0user\\0secret)": b64(b"\0" + user + b"\0" + secret),
         "base64(user\\0user\\0secret)": b64(user + b"\0" + user + b"\0" + secret),
         "base64(xoauth2)": b64(b"user=" + user + b"\1auth=Bearer " + secret + b"\1\1")}
found = [n for n, f in forms.items() if f in data]
for w in re.findall(rb"[A-Za-z0-9+/]{8,}={0,2}", data):
    for cut in range(4):
        v = w[cut:]
        v = v[:len(v) // 4 * 4]
        try:
            if secret in base64.b64decode(v):
                found.append("a base64 word decoding to it: " + w[:40].decode())
        except Exception:
            pass
for n in found:
    print("# found " + n)
sys.exit(1 if found else 0)
EOF
		ok "$2"
	else
		not_ok "$2"
		cat "$T/leak.out"
	fi
}

# ---------------------------------------------------------------- mechanisms
# every mechanism on both ports: quiet on 587, traced (-v) on 465
for m in plain login cram-md5 scram-sha-1 scram-sha-256 xoauth2 oauthbearer on; do
	case $m in
	xoauth2 | oauthbearer) secret=$TOKEN ;;
	*) secret=$PF_PASS ;;
	esac
	case $m in
	on) method=SCRAM-SHA-256 ;;
	*) method=$(printf '%s' "$m" | tr '[:lower:]' '[:upper:]') ;;
	esac
	for p in 587 465; do
		n=$m-$p
		if [ $p = 587 ]; then
			conf "$n" "$PF_SUBMISSION_PORT" "$STARTTLS"
		else
			conf "$n" "$PF_SUBMISSIONS_PORT" "$IMPLICIT"
		fi
		printf 'auth %s\nuser %s\npassword %s\n' "$m" "$PF_USER" "$secret" >>"$T/$n.rc"
		if [ $p = 587 ]; then
			send_note "$n"
			delivers "$n" "auth $m on $p" "$PF_USER" "$method"
			is_empty "$T/$n.err" "auth $m on $p: nothing on stderr"
		else
			send_note "$n" -v
			delivers "$n" "auth $m on $p at -v" "$PF_USER" "$method"
			like "$T/$n.err" 'AUTH' "auth $m on $p: -v traces the session"
			no_leak "$T/$n.err" "auth $m on $p: no secret in the -v trace in any form" \
			    "$PF_USER" "$secret"
		fi
	done
done

# ---------------------------------------------------------------- bob
# a password with a space, a colon, a semicolon, quotes and UTF-8: in the
# config in double quotes (one enclosing pair removed, no escapes, as in
# msmtp and outboxrc(5)), bare, from passwordeval and from ~/.netrc
conf bob-quoted "$PF_SUBMISSION_PORT" "$STARTTLS
auth plain
user $PF_USER2
password \"$PF_PASS2\""
send_note bob-quoted
delivers bob-quoted "bob, quoted password in the config, PLAIN" "$PF_USER2" PLAIN

conf bob-bare "$PF_SUBMISSIONS_PORT" "$IMPLICIT
auth scram-sha-256
user $PF_USER2
password $PF_PASS2"
send_note bob-bare
delivers bob-bare "bob, bare password in the config, SCRAM-SHA-256" "$PF_USER2" SCRAM-SHA-256

printf '%s\n' "$PF_PASS2" >"$T/bob.pw"
conf bob-eval "$PF_SUBMISSION_PORT" "$STARTTLS
auth on
user $PF_USER2
passwordeval cat $T/bob.pw"
send_note bob-eval -v
delivers bob-eval "bob, passwordeval, auth on" "$PF_USER2" SCRAM-SHA-256
no_leak "$T/bob-eval.err" "bob, passwordeval: no secret in the -v trace" "$PF_USER2" "$PF_PASS2"

q=$(printf '%s' "$PF_PASS2" | sed 's/[\\"]/\\&/g')
(umask 077 && printf 'machine 127.0.0.1 login %s password "%s"\n' "$PF_USER2" "$q" >"$HOME/.netrc")
conf bob-netrc "$PF_SUBMISSIONS_PORT" "$IMPLICIT
auth login
user $PF_USER2"
send_note bob-netrc -v
delivers bob-netrc "bob, password from ~/.netrc, LOGIN" "$PF_USER2" LOGIN
no_leak "$T/bob-netrc.err" "bob, ~/.netrc: no secret in the -v trace" "$PF_USER2" "$PF_PASS2"
rm -f "$HOME/.netrc"

# ---------------------------------------------------------------- refusals
for m in plain scram-sha-256; do
	n=wrong-$m
	conf "$n" "$PF_SUBMISSION_PORT" "$STARTTLS
auth $m
user $PF_USER
password not-$PF_PASS"
	send_note "$n"
	refused "$n" 77 '535' "wrong password with $m refused"
done
contains "$DEAD" "body of wrong-plain" "a refused login keeps the message in the dead letter"
like "$T/wrong-plain.err" "$DEAD" "a refused login: stderr names the dead letter"

for m in xoauth2 oauthbearer; do
	n=expired-$m
	conf "$n" "$PF_SUBMISSIONS_PORT" "$IMPLICIT
auth $m
user $PF_USER
password $OLD_TOKEN"
	send_note "$n" -v
	refused "$n" 77 '535' "expired token with $m refused"
	like "$T/$n.err" '^outbox: .*\{"status":' "expired token with $m: the server's JSON error shown"
	no_leak "$T/$n.err" "expired token with $m: no token in the -v trace" "$PF_USER" "$OLD_TOKEN"
done

# ---------------------------------------------------------------- no TLS
# connects: the "connect from" lines of one Postfix service (NAME)
connects() { grep -c "outbox-postfix/$1/smtpd\[[0-9]*\]: connect from" "$PF_LOG" 2>/dev/null; }

# no_connection SERVICE PORT BEFORE DESC: after a probe of our own, the
# service logged exactly one more connection than BEFORE: the probe's.
no_connection() {
	python3 -c 'import socket,sys; s=socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5); s.makefile("rb").readline(); s.sendall(b"QUIT\r\n"); s.recv(100)' "$2" 2>/dev/null
	_nc_i=0
	while [ $_nc_i -lt 100 ] && [ "$(connects "$1")" -le "$3" ]; do
		sleep 0.1
		_nc_i=$((_nc_i + 1))
	done
	is "$(connects "$1")" "$(($3 + 1))" "$4"
}

for m in on plain; do
	n=cleartext-$m
	conf "$n" "$PF_CLEARTEXT_PORT" "tls off
auth $m
user $PF_USER
password $PF_PASS"
	before=$(connects cleartext)
	send_note "$n"
	refused "$n" 78 '[Tt][Ll][Ss]' "auth $m with tls off refused before connecting"
	no_connection cleartext "$PF_CLEARTEXT_PORT" "$before" \
	    "auth $m with tls off: Postfix saw no connection from outbox"
	no_leak "$T/$n.err" "auth $m with tls off: no secret on stderr" "$PF_USER" "$PF_PASS"
done
contains "$DEAD" "body of cleartext-on" "a configuration error keeps the message in the dead letter"

# a secret in a configuration file that others may read
conf perms "$PF_SUBMISSION_PORT" "$STARTTLS
auth plain
user $PF_USER
password $PF_PASS"
chmod 644 "$T/perms.rc"
before=$(connects submission)
send_note perms
refused perms 78 '0644|perm|mode|readable' "a password in a mode 0644 config refused"
no_connection submission "$PF_SUBMISSION_PORT" "$before" \
    "mode 0644 config: Postfix saw no connection from outbox"
saved=$(sed -n 's/^outbox: .* saved in \(\/[^ ]*\)$/\1/p' "$T/perms.err" | head -n 1)
if [ -n "$saved" ] && grep -qF "body of perms" "$saved"; then
	ok "mode 0644 config: the message kept in the dead letter stderr names ($saved)"
else
	not_ok "mode 0644 config: the message kept in the dead letter stderr names"
	diag_file "$T/perms.err"
fi

# ---------------------------------------------------------------- -PLUS
PLUS=$top_builddir/tests/harness/plus_server

# kill_plus PID: stop a plus_server we started (checked by its executable)
kill_plus() {
	case $(readlink "/proc/$1/exe" 2>/dev/null) in
	*/plus_server) kill "$1" 2>/dev/null ;;
	esac
	return 0
}

# plus NAME VERSION AUTH [badcb]: plus_server with TLS VERSION, outbox
# with `auth AUTH` against it; its stdout in $T/NAME.plus
plus() {
	rm -f "$T/$1.port"
	"$PLUS" "$S/tls/good.pem" "$S/tls/server-key.pem" "$T/$1.port" \
	    "$PF_USER" "$PF_PASS" "$2" ${4:+"$4"} >"$T/$1.plus" 2>&1 &
	_pl_pid=$!
	on_exit "kill_plus $_pl_pid"
	_pl_i=0
	while [ $_pl_i -lt 100 ] && ! [ -s "$T/$1.port" ]; do
		kill -0 "$_pl_pid" 2>/dev/null || break
		sleep 0.05
		_pl_i=$((_pl_i + 1))
	done
	conf "$1" "$(cat "$T/$1.port" 2>/dev/null || echo 1)" "$IMPLICIT
auth $3
user $PF_USER
password $PF_PASS"
	send_note "$1" -v
	wait "$_pl_pid"
}

if [ -x "$PLUS" ]; then
	for v in tls13 tls12; do
		plus "plus-$v" "$v" scram-sha-256-plus
		is_exit 0 "SCRAM-SHA-256-PLUS over $v: accepted"
		like "$T/plus-$v.plus" "^TLS TLS1\\.${v#tls1}\$" "SCRAM-SHA-256-PLUS over $v: the server negotiated $v"
		like "$T/plus-$v.plus" '^AUTH ok SCRAM-SHA-256-PLUS$' "SCRAM-SHA-256-PLUS over $v: the server verified proof and channel binding"
		no_leak "$T/plus-$v.err" "SCRAM-SHA-256-PLUS over $v: no secret in the -v trace" "$PF_USER" "$PF_PASS"

		plus "plusauto-$v" "$v" on
		is_exit 0 "auth on where -PLUS is offered ($v): accepted"
		like "$T/plusauto-$v.plus" '^AUTH ok SCRAM-SHA-256-PLUS$' "auth on where -PLUS is offered ($v): SCRAM-SHA-256-PLUS chosen"

		plus "plusbad-$v" "$v" scram-sha-256-plus badcb
		is_exit 77 "a wrong channel binding over $v refused"
		like "$T/plusbad-$v.plus" '^AUTH failed SCRAM-SHA-256-PLUS' "a wrong channel binding over $v: the server refused the proof"
	done
	# a challenge that is not base64: outbox cancels with "*", then 76
	plus "badchal" tls13 scram-sha-256 badchallenge
	is_exit 76 "a malformed AUTH challenge is a protocol error"
	like "$T/badchal.plus" '^C: \*$' "... answered with \"*\" (cancel)"
	like "$T/badchal.err" 'malformed AUTH challenge' "... and the error says so"
	contains "$DEAD" "body of badchal" "... and the message is kept"
else
	ok "SCRAM-SHA-256-PLUS # SKIP $PLUS not built (make check builds it)"
fi

# ---------------------------------------------------------------- nothing leaked
conf last "$PF_SUBMISSIONS_PORT" "$IMPLICIT
auth plain
user $PF_USER
password $PF_PASS"
send_note last
delivers last "a delivery after the refusals" "$PF_USER" PLAIN
pf_log_wait "$S" 'MAIL FROM:<last@outbox\.test>' 10
for n in $NEVER; do
	if grep -q "MAIL FROM:<$n@outbox\.test>" "$PF_LOG" ||
	    grep -qx "sender=$n@outbox.test" "$S"/mail/*.env 2>/dev/null; then
		not_ok "$n: no MAIL FROM reached Postfix"
	else
		ok "$n: no MAIL FROM reached Postfix"
	fi
done


# ================================================================ EXTERNAL
# SASL EXTERNAL (RFC 4422 appendix A) over a TLS client certificate, against
# plus_server asking for one (external=CA: required, so a client without
# one fails the handshake; external-optional=CA: only asked for) and
# accepting EXTERNAL only with a verified certificate and an authorization
# identity that is empty or the certificate's CN.  certs.sh made the
# client certificates next to the server's: client.pem (from the CA),
# client-expired.pem (from the CA, expired).  What outbox does without a
# certificate: sasl.c sends AUTH EXTERNAL whatever the TLS layer holds
# (the server decides), so a server that lets the handshake through
# answers 535: 77; one that requires a certificate ends TLS with an alert
# first: 76 (a TLS protocol error), with a message saying what to set.
if [ -x "$PLUS" ]; then
	CLIENT_CN=client.outbox.test
	CLIENT_CERT="tls_cert_file $S/tls/client.pem
tls_key_file $S/tls/client-key.pem"

	# ext NAME "SERVER OPTIONS" LINES: plus_server with the options,
	# outbox with `auth external` and LINES against it; the server's
	# stdout in $T/NAME.plus
	ext() {
		rm -f "$T/$1.port"
		# shellcheck disable=SC2086 # $2: several options, no spaces in each
		"$PLUS" "$S/tls/good.pem" "$S/tls/server-key.pem" "$T/$1.port" \
		    "$PF_USER" "$PF_PASS" $2 >"$T/$1.plus" 2>&1 &
		_ex_pid=$!
		on_exit "kill_plus $_ex_pid"
		_ex_i=0
		while [ $_ex_i -lt 100 ] && ! [ -s "$T/$1.port" ]; do
			kill -0 "$_ex_pid" 2>/dev/null || break
			sleep 0.05
			_ex_i=$((_ex_i + 1))
		done
		conf "$1" "$(cat "$T/$1.port" 2>/dev/null || echo 1)" "$IMPLICIT
auth external
$3"
		send_note "$1" -v
		wait "$_ex_pid"
	}

	# the authorization identity is the certificate's CN, sent base64
	ext ext-cn "tls13 external=$S/tls/ca.pem" "$CLIENT_CERT
user $CLIENT_CN"
	is_exit 0 "EXTERNAL with a client certificate, authzid its CN: accepted"
	like "$T/ext-cn.plus" "^CERT ok $CLIENT_CN\$" "EXTERNAL, authzid the CN: the server verified the client certificate"
	like "$T/ext-cn.plus" "^C: AUTH EXTERNAL $(printf '%s' "$CLIENT_CN" | base64)\$" "EXTERNAL, authzid the CN: sent as the initial response"
	like "$T/ext-cn.plus" "^AUTH ok EXTERNAL $CLIENT_CN\$" "EXTERNAL, authzid the CN: the server accepted it"
	like "$T/ext-cn.err" 'authenticated with EXTERNAL' "EXTERNAL, authzid the CN: -v says so"

	# no user: an empty authorization identity, "=" in SMTP (RFC 4954 4)
	for v in tls13 tls12; do
		ext "ext-empty-$v" "$v external=$S/tls/ca.pem" "$CLIENT_CERT"
		is_exit 0 "EXTERNAL with a client certificate, no user ($v): accepted"
		like "$T/ext-empty-$v.plus" '^C: AUTH EXTERNAL =$' "EXTERNAL, no user ($v): the empty authzid sent as \"=\""
		like "$T/ext-empty-$v.plus" '^AUTH ok EXTERNAL$' "EXTERNAL, no user ($v): the server accepted it"
	done

	# a certificate, but another identity asked for
	ext ext-other "tls13 external=$S/tls/ca.pem" "$CLIENT_CERT
user $PF_USER"
	is_exit 77 "EXTERNAL asking for another identity than the CN: refused"
	like "$T/ext-other.err" '^outbox: AUTH EXTERNAL: 535' "EXTERNAL, another identity: the server's 535 on stderr"
	like "$T/ext-other.plus" "^AUTH failed EXTERNAL: the authorization identity is not the certificate's CN\$" "EXTERNAL, another identity: refused by the server for that"

	# a certificate from the CA, sent, but expired: TLS goes on, EXTERNAL not
	ext ext-expired "tls13 external=$S/tls/ca.pem" "tls_cert_file $S/tls/client-expired.pem
tls_key_file $S/tls/client-key.pem"
	is_exit 77 "EXTERNAL with an expired client certificate: refused"
	like "$T/ext-expired.plus" '^CERT bad: .*expired' "EXTERNAL, expired certificate: the server found it expired"
	like "$T/ext-expired.plus" '^AUTH failed EXTERNAL: no verified client certificate$' "EXTERNAL, expired certificate: refused by the server for that"

	# no certificate, the server only asks for one: the server's 535
	ext ext-none-asked "tls13 external-optional=$S/tls/ca.pem" ""
	is_exit 77 "EXTERNAL without a client certificate (server only asks): refused with 77"
	like "$T/ext-none-asked.err" '^outbox: AUTH EXTERNAL: 535 5\.7\.8' "EXTERNAL without a certificate: the server's 535 on stderr"
	like "$T/ext-none-asked.plus" '^CERT none$' "EXTERNAL without a certificate: the server got none"
	like "$T/ext-none-asked.plus" '^AUTH failed EXTERNAL: no verified client certificate$' "EXTERNAL without a certificate: refused by the server for that"
	contains "$DEAD" "body of ext-none-asked" "EXTERNAL refused: the message kept in the dead letter"

	# no certificate, the server requires one: TLS ends with an alert
	for v in tls13 tls12; do
		ext "ext-none-$v" "$v external=$S/tls/ca.pem" ""
		is_exit 76 "EXTERNAL without a client certificate (server requires one, $v): the TLS alert, 76"
		like "$T/ext-none-$v.err" 'the server requires a client certificate \(set tls_cert_file and tls_key_file\)' "no client certificate ($v): stderr says what to set"
		like "$T/ext-none-$v.plus" '^TLS failed' "no client certificate ($v): the server ended the handshake"
		unlike "$T/ext-none-$v.plus" '^(C: )?AUTH' "no client certificate ($v): no AUTH reached the server"
	done

	# a client certificate that cannot be used: 78 naming the file
	ext ext-nokey "tls13 external=$S/tls/ca.pem" "tls_cert_file $S/tls/client.pem
tls_key_file $T/no-such-key.pem"
	is_exit 78 "EXTERNAL with a missing key file: a configuration error"
	like "$T/ext-nokey.err" "tls_key_file $T/no-such-key\\.pem" "a missing key file: stderr names it"
	ext ext-wrongkey "tls13 external=$S/tls/ca.pem" "tls_cert_file $S/tls/client.pem
tls_key_file $S/tls/server-key.pem"
	is_exit 78 "EXTERNAL with the key of another certificate: a configuration error"
	like "$T/ext-wrongkey.err" "tls_key_file $S/tls/server-key\\.pem is not the key" "the key of another certificate: stderr names it"
else
	ok "SASL EXTERNAL # SKIP $PLUS not built (make check builds it)"
fi

tap_done
