#!/bin/sh
# tls.sh - outbox's TLS end to end against a real Postfix: STARTTLS (587
# style) and implicit TLS (465 style) delivering; expired, wrong-name and
# self-signed certificates and an unknown CA refused (69) with the reason;
# tls_fingerprint, tls_pin, tls_certcheck off, tls_host_override; STARTTLS
# required but not offered (69); and, against tests/harness/peer.py, a
# plaintext greeting on an implicit-TLS port and data injected after the
# STARTTLS reply (76).  Every refused run sends no message and keeps it in
# the dead letter.  Base port: $OUTBOX_E2E_TLS_BASE (default 22400).

. "$(dirname "$0")/lib.sh"
. "$HARNESS_DIR/servers.sh"

harness_can_postfix || skip_all "$HARNESS_WHY"
[ -x "$OUTBOX" ] || skip_all "binary under test not built: $OUTBOX"

mk_tmpdir tls
start_postfix "${OUTBOX_E2E_TLS_BASE:-22400}"
# no ~/.outboxrc, ~/.netrc or dead.letter of the caller's
HOME=$T/home
export HOME
mkdir -p "$HOME"
chmod 700 "$HOME"
DEAD=$T/dead.letter
NEVER=		# envelope senders of runs that must deliver nothing
NFAILED=0	# refused runs so far: each one appends to $DEAD

# conf NAME PORT [LINES]: $T/NAME.rc, an account on 127.0.0.1:PORT that
# logs in as alice (the TLS ports relay only after AUTH), then LINES.
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
auth plain
user $PF_USER
password $PF_PASS
EOF
		[ -z "${3:-}" ] || printf '%s\n' "$3"
	} | write_config "$T/$1.rc"
}

STARTTLS="tls on
tls_starttls on
tls_trust_file $PF_CA"
IMPLICIT="tls on
tls_starttls off
tls_trust_file $PF_CA"

# delivers NAME DESC: the run exited 0, said nothing, and the message
# arrived over TLS 1.3 as alice.
delivers() {
	is_exit 0 "$2: accepted"
	is_empty "$T/err" "$2: nothing on stderr"
	if capture_of "$1"; then
		ok "$2: Postfix captured the message"
		like "$EML" 'using TLSv1\.3' "$2: Received header shows TLSv1.3"
		like "${EML%.eml}.env" "^sasl_username=$PF_USER\$" "$2: authenticated as alice"
	else
		not_ok "$2: Postfix captured the message"
	fi
}

# refused NAME CODE ERE DESC [peer]: the run exited CODE with a reason
# matching ERE on stderr, the message went to the dead letter, and (checked
# at the end, unless the server was peer.py) Postfix never saw MAIL FROM.
refused() {
	is_exit "$2" "$4"
	like "$T/$1.err" "$3" "$4: the reason on stderr"
	[ "${5:-}" = peer ] || NEVER="$NEVER $1"
	NFAILED=$((NFAILED + 1))
}

# dead_has NAME DESC: the dead letter holds NFAILED messages, NAME's last.
dead_has() {
	_dh_n=$(grep -c '^From ' "$DEAD" 2>/dev/null)
	is "${_dh_n:-0}" "$NFAILED" "$2: the dead letter holds every refused message"
	contains "$DEAD" "body of $1" "$2: the dead letter holds this message"
	like "$T/$1.err" "$DEAD" "$2: stderr names the dead letter"
}

# ---------------------------------------------------------------- delivery
conf starttls "$PF_SUBMISSION_PORT" "$STARTTLS"
send_note starttls
delivers starttls "587 STARTTLS"
# Postfix's transcript: STARTTLS, then a second EHLO inside TLS
pf_log_wait "$S" 'MAIL FROM:<starttls@outbox\.test>' 10
like "$PF_LOG" '< localhost\[127\.0\.0\.1\]: STARTTLS$' "587 STARTTLS: STARTTLS command in Postfix's log"

conf implicit "$PF_SUBMISSIONS_PORT" "$IMPLICIT"
send_note implicit
delivers implicit "465 implicit TLS"

# the certificate's DNS name instead of its IP address
conf override "$PF_SUBMISSIONS_PORT" "$IMPLICIT
tls_host_override mx.outbox.test"
send_note override
delivers override "tls_host_override with a name the certificate has"

# ---------------------------------------------------------------- refusals
conf expired "$PF_EXPIRED_PORT" "$IMPLICIT"
send_note expired
refused expired 69 '[Ee]xpired' "expired certificate refused"
dead_has expired "expired certificate"

conf wrongname "$PF_WRONGNAME_PORT" "$IMPLICIT"
send_note wrongname
refused wrongname 69 '127\.0\.0\.1|name|host' "certificate for wrong.example refused"
like "$T/wrongname.err" 'wrong\.example' "wrong name: stderr shows the name the certificate has"

conf badoverride "$PF_SUBMISSIONS_PORT" "$IMPLICIT
tls_host_override other.outbox.test"
send_note badoverride
refused badoverride 69 'other\.outbox\.test' "tls_host_override with a name the certificate lacks refused"

conf selfsigned "$PF_SELFSIGNED_PORT" "$IMPLICIT"
send_note selfsigned
refused selfsigned 69 '[Ss]elf.signed|not trusted|untrusted|issuer|signer' "self-signed certificate refused"

conf noca "$PF_SUBMISSIONS_PORT" "tls on
tls_starttls off"
send_note noca
refused noca 69 'not trusted|untrusted|issuer|signer' "certificate of a CA not in the system's trust store refused"
dead_has noca "unknown CA"

# ---------------------------------------------------------------- fingerprint
# fingerprint CERT: its SHA-256 in msmtp's form (AB:CD:...), from the
# "sha256:<hex>" that certtool -i prints under "Fingerprint:"
fingerprint() {
	certtool -i --infile "$1" 2>/dev/null |
	    sed -n '/Fingerprint:/,$ s/^[[:space:]]*sha256:\([0-9a-f]\{64\}\)$/\1/p' |
	    head -n 1 | tr 'a-f' 'A-F' | sed 's/../&:/g; s/:$//'
}
fp=$(fingerprint "$S/tls/selfsigned.pem")
check "certtool -i gives the SHA-256 fingerprint of the self-signed certificate" \
    test ${#fp} = 95
conf fingerprint "$PF_SELFSIGNED_PORT" "tls on
tls_starttls off
tls_fingerprint $fp"
send_note fingerprint
delivers fingerprint "self-signed certificate trusted by tls_fingerprint"

# the same fingerprint with its last byte changed
case $fp in *:00) badfp=${fp%00}01 ;; *) badfp=${fp%??}00 ;; esac
conf badfp "$PF_SELFSIGNED_PORT" "tls on
tls_starttls off
tls_fingerprint $badfp"
send_note badfp
refused badfp 69 '[Ff]ingerprint' "a wrong tls_fingerprint refused"

# ---------------------------------------------------------------- pin
# certtool -i prints the SPKI hash as "pin-sha256:<base64>"
certtool -i --infile "$S/tls/good.pem" >"$T/good.info" 2>&1
pin=$(sed -n 's/^[[:space:]]*pin-sha256:\([A-Za-z0-9+/=]\{44\}\)$/\1/p' "$T/good.info" | head -n 1)
check "certtool -i gives the public key pin of the good certificate" test ${#pin} = 44
conf pin "$PF_SUBMISSIONS_PORT" "$IMPLICIT
tls_pin sha256//$pin"
send_note pin
delivers pin "a matching tls_pin"

# a pin of another key: the CA's
certtool -i --infile "$PF_CA" >"$T/ca.info" 2>&1
capin=$(sed -n 's/^[[:space:]]*pin-sha256:\([A-Za-z0-9+/=]\{44\}\)$/\1/p' "$T/ca.info" | head -n 1)
conf badpin "$PF_SUBMISSIONS_PORT" "$IMPLICIT
tls_pin sha256//${capin:-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=}"
send_note badpin
refused badpin 69 '[Pp]in' "a wrong tls_pin refused (the chain itself is good)"

# ---------------------------------------------------------------- certcheck off
conf nocheck "$PF_SELFSIGNED_PORT" "tls on
tls_starttls off
tls_certcheck off"
send_note nocheck
is_exit 0 "tls_certcheck off: self-signed certificate accepted"
like "$T/nocheck.err" '[Ww]arn|not verified|certcheck' "tls_certcheck off: a warning on stderr"
if capture_of nocheck; then
	ok "tls_certcheck off: Postfix captured the message"
else
	not_ok "tls_certcheck off: Postfix captured the message"
fi

# ---------------------------------------------------------------- STARTTLS
conf nostarttls "$PF_PLAIN_PORT" "$STARTTLS"
send_note nostarttls
refused nostarttls 69 'STARTTLS' "STARTTLS required but not offered"
dead_has nostarttls "STARTTLS not offered"

# ---------------------------------------------------------------- --serverinfo
# what the server offers before and after STARTTLS, and its certificate
conf info "$PF_SUBMISSION_PORT" "$STARTTLS"
run_outbox /dev/null -C "$T/info.rc" --serverinfo
cp "$T/out" "$T/info.out"
is_exit 0 "--serverinfo over STARTTLS"
like "$T/info.out" '^greeting: .*mx\.outbox\.test' "--serverinfo: the greeting"
grep '^capabilities' "$T/info.out" >"$T/info.caps"
sed -n 1p "$T/info.caps" >"$T/info.before"
sed -n 2p "$T/info.caps" >"$T/info.after"
like "$T/info.before" 'before STARTTLS:.* PIPELINING.* STARTTLS' "--serverinfo before TLS: the capabilities, STARTTLS among them"
unlike "$T/info.before" 'AUTH' "--serverinfo before TLS: no AUTH (Postfix offers it only inside TLS)"
like "$T/info.after" 'after STARTTLS:.* AUTH' "--serverinfo after TLS: the capabilities, AUTH among them"
unlike "$T/info.after" 'STARTTLS:.*STARTTLS' "--serverinfo after TLS: STARTTLS no longer offered"
like "$T/info.out" 'authentication:.*PLAIN.*SCRAM-SHA-256' "--serverinfo after TLS: the AUTH mechanisms"
like "$T/info.out" '^TLS: TLSv1\.3' "--serverinfo: the TLS version"
contains "$T/info.out" "$(fingerprint "$S/tls/good.pem")" "--serverinfo: the certificate's SHA-256 fingerprint, as certtool computes it"

conf info465 "$PF_SUBMISSIONS_PORT" "$IMPLICIT"
run_outbox /dev/null -C "$T/info465.rc" --serverinfo
is_exit 0 "--serverinfo over implicit TLS"
like "$T/out" '^TLS: TLSv1\.3' "--serverinfo implicit TLS: the TLS version"
like "$T/out" '^capabilities.*: .*AUTH' "--serverinfo implicit TLS: AUTH offered"
unlike "$T/out" 'STARTTLS' "--serverinfo implicit TLS: nothing about STARTTLS"

plain_config "$T/info0.rc" "$PF_SUBMISSION_PORT"
run_outbox /dev/null -C "$T/info0.rc" --serverinfo
is_exit 0 "--serverinfo with tls off"
like "$T/out" '^capabilities.* STARTTLS' "--serverinfo with tls off: STARTTLS offered"
unlike "$T/out" 'authentication:|^TLS:' "--serverinfo with tls off: no AUTH, no TLS"

# ---------------------------------------------------------------- port defaults
# (shown by --pretend: nothing listens on 587 or 465 here)
printf 'account default\nhost mx.outbox.test\nfrom a@outbox.test\ntls on\ntls_starttls on\n' |
    write_config "$T/port587.rc"
run_outbox /dev/null -C "$T/port587.rc" -P
like "$T/out" '^port.*[^0-9]587([^0-9]|$)' "STARTTLS: the port defaults to 587"
printf 'account default\nhost mx.outbox.test\nfrom a@outbox.test\ntls on\ntls_starttls off\n' |
    write_config "$T/port465.rc"
run_outbox /dev/null -C "$T/port465.rc" -P
like "$T/out" '^port.*[^0-9]465([^0-9]|$)' "tls_starttls off: the port defaults to 465"

# ---------------------------------------------------------------- peer.py
# a plaintext server where implicit TLS was configured
peer_start plaingreet 'S 220 peer.outbox.test ESMTP plaintext
DRAIN'
conf plaingreet "${PEER_PORT:-1}" "$IMPLICIT"
send_note plaingreet
peer_wait
refused plaingreet 76 '465|587' \
    "plaintext greeting on an implicit-TLS port (hint on 465/587)" peer

# bytes queued behind the STARTTLS reply: a man in the middle's injection
peer_start inject 'S 220 peer.outbox.test ESMTP
C ^EHLO
S 250-peer.outbox.test
S 250-PIPELINING
S 250 STARTTLS
C ^STARTTLS
S_RAW 220 go ahead\r\n250 injected\r\n
DRAIN'
conf inject "${PEER_PORT:-1}" "$STARTTLS"
send_note inject
peer_wait
refused inject 76 '.' "data after the STARTTLS 220 is a protocol error" peer
sed -n '/^S: 220 go ahead/,$p' "$PEER_LOG" | sed 1d >"$T/inject.after"
unlike "$T/inject.after" '^C:' "data after STARTTLS: the client sent nothing more (no handshake, no command)"
like "$PEER_LOG" '^S: 220 go ahead' "data after STARTTLS: the peer got as far as the injection"
dead_has inject "data after STARTTLS"

# ---------------------------------------------------------------- nothing leaked
# a last delivery: Postfix logged every earlier session before this one
conf last "$PF_SUBMISSIONS_PORT" "$IMPLICIT"
send_note last
delivers last "a delivery after the refusals"
pf_log_wait "$S" 'MAIL FROM:<last@outbox\.test>' 10
for n in $NEVER; do
	if grep -q "MAIL FROM:<$n@outbox\.test>" "$PF_LOG" ||
	    grep -qx "sender=$n@outbox.test" "$S"/mail/*.env 2>/dev/null; then
		not_ok "$n: no MAIL FROM reached Postfix"
	else
		ok "$n: no MAIL FROM reached Postfix"
	fi
done


# ================================================================ IDN names
# IDN host names for TLS (CONTRACT 3: verified as A-labels): send.c turns
# the account's host and tls_host_override into A-labels (idn.c) before
# the certificate check and SNI.  tests/harness/plus_server (implicit TLS,
# AUTH SCRAM-SHA-256, then MAIL/RCPT/DATA) presents idn.pem from certs.sh,
# whose only name is xn--bcher-kva.outbox.test, the A-label of
# bücher.outbox.test: the UTF-8 override delivers; the same name without
# its umlaut is refused (69) showing the expected name, and so is faß,
# whose A-label (IDNA2008, nontransitional: xn--fa-hia, not fass) the
# message shows.  gnutls-serv, told to refuse any other server name, logs
# the SNI it got: the A-label.  An invalid IDN in host or
# tls_host_override is a configuration error (78) found before connecting.
IDN_PLUS=$top_builddir/tests/harness/plus_server

# idn_kill PID: stop a plus_server or gnutls-serv we started (checked by
# its executable)
idn_kill() {
	case $(readlink "/proc/$1/exe" 2>/dev/null) in
	*/plus_server | */gnutls-serv) kill "$1" 2>/dev/null ;;
	esac
	return 0
}

# idn_conf NAME PORT LINES: $T/NAME.rc, implicit TLS to 127.0.0.1:PORT
# trusting the test CA, SCRAM-SHA-256 as plus_server wants, then LINES.
idn_conf() {
	printf '%s\n' "account default" "host 127.0.0.1" "port $2" \
	    "from sender@outbox.test" "domain client.outbox.test" "timeout 10" \
	    "dead_letter $DEAD" "auth scram-sha-256" "user $PF_USER" \
	    "password $PF_PASS" "$IMPLICIT" "$3" | write_config "$T/$1.rc"
}

# idn_plus NAME LINES: plus_server with idn.pem (its stdout in
# $T/NAME.plus), outbox -v with idn_conf LINES against it, then wait for
# the server to end (it serves one connection, 30 s at most).
idn_plus() {
	rm -f "$T/$1.port"
	"$IDN_PLUS" "$S/tls/idn.pem" "$S/tls/server-key.pem" "$T/$1.port" \
	    "$PF_USER" "$PF_PASS" >"$T/$1.plus" 2>&1 &
	_ip_pid=$!
	on_exit "idn_kill $_ip_pid"
	_ip_i=0
	while [ $_ip_i -lt 100 ] && ! [ -s "$T/$1.port" ]; do
		kill -0 "$_ip_pid" 2>/dev/null || break
		sleep 0.05
		_ip_i=$((_ip_i + 1))
	done
	idn_conf "$1" "$(cat "$T/$1.port" 2>/dev/null || echo 1)" "$2"
	send_note "$1" -v
	wait "$_ip_pid"
}

if [ -x "$IDN_PLUS" ] && [ -f "$S/tls/idn.pem" ]; then
	idn_plus idn-ok 'tls_host_override bücher.outbox.test'
	is_exit 0 "tls_host_override bücher.outbox.test: delivered"
	like "$T/idn-ok.plus" '^TLS TLS1\.3$' "IDN override: the TLS handshake completed"
	like "$T/idn-ok.plus" '^AUTH ok SCRAM-SHA-256$' "IDN override: the server authenticated the client inside TLS"
	like "$T/idn-ok.err" '^-> MAIL FROM:<idn-ok@outbox\.test>' "IDN override: MAIL FROM sent"
	like "$T/idn-ok.err" '^<- 250 2\.0\.0 Ok: queued$' "IDN override: plus_server took the message"
	unlike "$T/idn-ok.err" 'mismatch|not trusted' "IDN override: no certificate complaint"

	idn_plus idn-bad 'tls_host_override bucher.outbox.test'
	refused idn-bad 69 'name mismatch: expected bucher\.outbox\.test, presented xn--bcher-kva\.outbox\.test' \
	    "tls_host_override bucher.outbox.test: refused, names expected and presented" peer
	unlike "$T/idn-bad.plus" '^AUTH' "ASCII look-alike override: no AUTH reached the server"
	dead_has idn-bad "ASCII look-alike override"

	idn_plus idn-fass 'tls_host_override faß.outbox.test'
	refused idn-fass 69 'name mismatch: expected xn--fa-hia\.outbox\.test, presented xn--bcher-kva\.outbox\.test' \
	    "tls_host_override faß.outbox.test: refused, the expected name as its nontransitional A-label" peer
else
	ok "IDN host names for TLS # SKIP $IDN_PLUS or idn.pem missing"
fi

# SNI: the A-label.  gnutls-serv answers nothing after the handshake, so
# outbox gives up waiting for the greeting (75) once TLS is up.
IDN_SNI=xn--bcher-kva.outbox.test
if command -v gnutls-serv >/dev/null 2>&1 && [ -f "$S/tls/idn.pem" ]; then
	sni_port=$(free_port)
	gnutls-serv --echo --disable-client-cert --port "$sni_port" \
	    --x509certfile "$S/tls/idn.pem" --x509keyfile "$S/tls/server-key.pem" \
	    --sni-hostname "$IDN_SNI" --sni-hostname-fatal >"$T/sni.log" 2>&1 &
	sni_pid=$!
	on_exit "idn_kill $sni_pid"
	_sn_i=0
	while [ $_sn_i -lt 100 ] && ! grep -q "IPv4.*port $sni_port" "$T/sni.log"; do
		kill -0 "$sni_pid" 2>/dev/null || break
		sleep 0.05
		_sn_i=$((_sn_i + 1))
	done
	printf '%s\n' "account default" "host 127.0.0.1" "port $sni_port" \
	    "from sender@outbox.test" "timeout 1" "dead_letter $DEAD" "$IMPLICIT" \
	    "tls_host_override bücher.outbox.test" | write_config "$T/idn-sni.rc"
	send_note idn-sni -v
	refused idn-sni 75 'greeting: timed out' "SNI test: TLS up, then no greeting" peer
	like "$T/idn-sni.err" '^-- TLSv1\.3 with ' "SNI test: the handshake passed the server's SNI check and ours"
	like "$T/sni.log" "Given server name\\[1\\]: $IDN_SNI\$" "SNI test: the server got the A-label $IDN_SNI"
	idn_kill "$sni_pid"
else
	ok "SNI of an IDN # SKIP gnutls-serv or idn.pem missing"
fi

# An invalid IDN: U+2488 (DIGIT ONE FULL STOP) is disallowed; a label may
# not start with a combining mark (U+0301).  In host: refused before any
# name is resolved (a look-up would be 68 or 75); in tls_host_override:
# before connecting to a peer.py that would log the connection.
n=0
for bad in "a$(printf '\342\222\210').example" "$(printf '\314\201')a.example"; do
	n=$((n + 1))
	printf '%s\n' "account default" "host $bad" "port 465" \
	    "from sender@outbox.test" "timeout 10" "dead_letter $DEAD" \
	    "tls on" "tls_starttls off" "tls_trust_file $PF_CA" |
	    write_config "$T/idnhost$n.rc"
	send_note "idnhost$n" -v
	refused "idnhost$n" 78 "invalid internationalised domain name '$bad'" \
	    "invalid IDN in host ($bad): configuration error" peer
	unlike "$T/idnhost$n.err" 'connected to' "invalid IDN in host ($bad): no connection"

	peer_start "idnover$n" 'S 220 peer.outbox.test ESMTP
DRAIN'
	idn_conf "idnover$n" "${PEER_PORT:-1}" "tls_host_override $bad"
	send_note "idnover$n" -v
	refused "idnover$n" 78 "invalid internationalised domain name '$bad'" \
	    "invalid IDN in tls_host_override ($bad): configuration error" peer
	kill_peer "$PEER_PID"
	wait "$PEER_PID" 2>/dev/null
	is_empty "$PEER_LOG" "invalid IDN in tls_host_override ($bad): the peer saw no connection"
done
dead_has idnover2 "invalid IDN"

tap_done
