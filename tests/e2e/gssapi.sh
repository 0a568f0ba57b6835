#!/bin/sh
# gssapi.sh - outbox's `auth gssapi` end to end with a real Kerberos realm:
# a private MIT KDC (krb5kdc in the foreground, realm OUTBOX.TEST, only on
# 127.0.0.1), alice's ticket from kinit, and the private Postfix whose SASL
# is Dovecot's, given Dovecot's GSSAPI mechanism and the smtp/127.0.0.1
# service key.  Checked: delivered with no password anywhere (stdin is
# empty: nothing prompted), the capture showing sasl_method=GSSAPI and the
# ticket's principal (`user` does not change it: libgsasl sends no
# authorization identity), at -v too; refused with 77 and the message kept:
# no ticket and a ticket-less service (smtp/localhost), both before any AUTH
# is sent, and a server whose key is stale (the server's 535).
# Base port: $OUTBOX_E2E_GSSAPI_BASE (default 27000; the KDC on BASE+88).

. "$(dirname "$0")/lib.sh"
. "$HARNESS_DIR/servers.sh"

harness_can_postfix || skip_all "$HARNESS_WHY"
[ -x "$OUTBOX" ] || skip_all "binary under test not built: $OUTBOX"
for c in krb5kdc kdb5_util kadmin.local kinit kdestroy klist; do
	command -v "$c" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin
	command -v "$c" >/dev/null 2>&1 ||
	    skip_all "$c not installed (krb5-kdc, krb5-admin-server, krb5-user)"
done
MECH_SO=$(doveconf -h mail_plugin_dir 2>/dev/null)/auth/libmech_gssapi.so
[ -f "$MECH_SO" ] || skip_all "Dovecot's GSSAPI mechanism not installed (dovecot-gssapi)"

# gsasl_has MECH: the libgsasl outbox is linked with supports MECH as a
# client (it is built with or without GSSAPI)
gsasl_has() {
	_lib=$(ldd "$OUTBOX" 2>/dev/null | awk '/libgsasl/ { print $3; exit }')
	[ -n "$_lib" ] || return 1
	python3 - "$_lib" "$1" <<'EOF' 2>/dev/null
import ctypes, sys
lib = ctypes.CDLL(sys.argv[1])
ctx = ctypes.c_void_p()
if lib.gsasl_init(ctypes.byref(ctx)) != 0:
    sys.exit(1)
lib.gsasl_client_support_p.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
sys.exit(0 if lib.gsasl_client_support_p(ctx, sys.argv[2].encode()) else 1)
EOF
}
gsasl_has GSSAPI || skip_all "libgsasl built without GSSAPI"

BASE=${OUTBOX_E2E_GSSAPI_BASE:-27000}
KDC_PORT=$((BASE + 88))
REALM=OUTBOX.TEST
KPASS=alice-kerberos-pw
SVC_HOST=127.0.0.1

mk_tmpdir gss
K=$T/krb5
mkdir -p "$K"
KRB5_CONFIG=$K/krb5.conf
KRB5_KDC_PROFILE=$K/kdc.conf
KRB5CCNAME=FILE:$K/alice.cc
KRB5RCACHETYPE=none
export KRB5_CONFIG KRB5_KDC_PROFILE KRB5CCNAME KRB5RCACHETYPE

# ---------------------------------------------------------------- KDC
cat >"$KRB5_CONFIG" <<EOF
[libdefaults]
	default_realm = $REALM
	dns_lookup_kdc = false
	dns_lookup_realm = false
	dns_canonicalize_hostname = false
	rdns = false
	udp_preference_limit = 1
	default_ccache_name = FILE:$K/alice.cc
	default_keytab_name = FILE:$K/none.keytab
[realms]
	$REALM = {
		kdc = 127.0.0.1:$KDC_PORT
	}
[domain_realm]
	$SVC_HOST = $REALM
	localhost = $REALM
EOF
cat >"$KRB5_KDC_PROFILE" <<EOF
[kdcdefaults]
	kdc_listen = 127.0.0.1:$KDC_PORT
	kdc_tcp_listen = 127.0.0.1:$KDC_PORT
[realms]
	$REALM = {
		database_name = $K/principal
		key_stash_file = $K/stash
		acl_file = $K/kadm5.acl
		kdc_listen = 127.0.0.1:$KDC_PORT
		kdc_tcp_listen = 127.0.0.1:$KDC_PORT
	}
[logging]
	kdc = FILE:$K/kdc.log
	admin_server = FILE:$K/kadmin.log
	default = FILE:$K/krb5.log
EOF
: >"$K/kadm5.acl"
chmod 644 "$KRB5_CONFIG"

# kill_kdc PID: stop a krb5kdc we started (checked by its executable)
kill_kdc() {
	case $(readlink "/proc/$1/exe" 2>/dev/null) in
	*/krb5kdc) kill "$1" 2>/dev/null ;;
	esac
	_kk_i=0
	while [ $_kk_i -lt 50 ] && [ -d "/proc/$1" ]; do
		sleep 0.1
		_kk_i=$((_kk_i + 1))
	done
	return 0
}

# kdc_listening: something listens on 127.0.0.1:KDC_PORT (TCP)
kdc_listening() {
	grep -q "0100007F:$(printf '%04X' "$KDC_PORT") 00000000:0000 0A" /proc/net/tcp 2>/dev/null
}

kadm() { kadmin.local -r "$REALM" -q "$*" </dev/null >>"$K/kadmin.out" 2>&1; }

if kdc_listening; then
	not_ok "port $KDC_PORT on 127.0.0.1 is free for the KDC"
	tap_done
fi
if kdb5_util -r "$REALM" create -s -P "master-$$-$(date +%s)" </dev/null >"$K/create.out" 2>&1 &&
    kadm "addprinc -pw $KPASS alice" &&
    kadm "addprinc -randkey smtp/$SVC_HOST" &&
    kadm "ktadd -k $K/smtp.keytab smtp/$SVC_HOST"; then
	ok "the realm $REALM created: alice, smtp/$SVC_HOST and its keytab"
else
	not_ok "the realm $REALM created: alice, smtp/$SVC_HOST and its keytab"
	diag_file "$K/create.out"
	diag_file "$K/kadmin.out"
	tap_done
fi
krb5kdc -n -r "$REALM" </dev/null >"$K/krb5kdc.out" 2>&1 &
KDC_PID=$!
on_exit "kill_kdc $KDC_PID"
_i=0
while [ $_i -lt 100 ] && ! kdc_listening && [ -d "/proc/$KDC_PID" ]; do
	sleep 0.1
	_i=$((_i + 1))
done
if kdc_listening; then
	ok "krb5kdc listens on 127.0.0.1:$KDC_PORT"
else
	not_ok "krb5kdc listens on 127.0.0.1:$KDC_PORT"
	diag_file "$K/krb5kdc.out"
	diag_file "$K/kdc.log"
	tap_done
fi

# ---------------------------------------------------------------- Dovecot
start_postfix "$BASE"
chown dovecot "$K/smtp.keytab"
chmod 600 "$K/smtp.keytab"

# dovecot_restart: stop the Dovecot servers.sh started (checked as ours)
# and start it again on its edited config: Dovecot's master reads
# import_environment only when it starts, not on reload.  The new PID goes
# where postfix_down looks for it.
dovecot_restart() {
	_dr_pid=$(_harness_read_pid "$S/pids/dovecot.pid")
	_harness_pid_is_ours "$_dr_pid" dovecot "$S" || return 1
	kill -TERM "$_dr_pid"
	_dr_i=0
	while [ $_dr_i -lt 150 ] && [ -d "/proc/$_dr_pid" ]; do
		sleep 0.1
		_dr_i=$((_dr_i + 1))
	done
	[ -d "/proc/$_dr_pid" ] && return 1
	dovecot -c "$S/dovecot/dovecot.conf" </dev/null \
	    >>"$S/log/dovecot-start.log" 2>&1 || return 1
	_dr_i=0
	while [ $_dr_i -lt 100 ]; do
		_dr_pid=$(_harness_read_pid "$S/run/dovecot/master.pid")
		if _harness_pid_is_ours "$_dr_pid" dovecot "$S" &&
		    [ -S "$S/run/dovecot/auth-postfix" ]; then
			echo "$_dr_pid" >"$S/pids/dovecot.pid"
			return 0
		fi
		sleep 0.1
		_dr_i=$((_dr_i + 1))
	done
	return 1
}

# Dovecot's auth process gets GSSAPI, the keytab, our krb5.conf and no
# replay cache (it would be left in /var/tmp); Postfix reloads, as its
# smtpd keeps the mechanism list it got.
gssapi_setup() {
	_dc=$S/dovecot/dovecot.conf
	sed -e 's/^auth_mechanisms = .*/& gssapi/' "$_dc" >"$_dc.new" || return 1
	cat >>"$_dc.new" <<EOF
auth_krb5_keytab = $K/smtp.keytab
auth_gssapi_hostname = $SVC_HOST
import_environment = TZ KRB5_CONFIG=$KRB5_CONFIG KRB5RCACHETYPE=none KRB5_KTNAME=FILE:$K/smtp.keytab
EOF
	mv "$_dc.new" "$_dc" && dovecot_restart &&
	    postfix -c "$S/postfix" reload 2>/dev/null
}

# ehlo_auth PORT: the AUTH line of an EHLO after STARTTLS on PORT
ehlo_auth() {
	python3 - "$1" <<'EOF' 2>/dev/null
import socket, ssl, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
f = s.makefile("rb")
f.readline()
def ehlo():
    s.sendall(b"EHLO probe.outbox.test\r\n")
    out = []
    while True:
        l = f.readline().decode().rstrip()
        out.append(l)
        if not l.startswith("250-"):
            return out
ehlo()
s.sendall(b"STARTTLS\r\n")
f.readline()
c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
c.check_hostname = False
c.verify_mode = ssl.CERT_NONE
s = c.wrap_socket(s)
f = s.makefile("rb")
for l in ehlo():
    if "AUTH " in l:
        print(l)
s.sendall(b"QUIT\r\n")
EOF
}

if gssapi_setup; then
	_i=0
	while [ $_i -lt 100 ] && ! ehlo_auth "$PF_SUBMISSION_PORT" | grep -q GSSAPI; do
		sleep 0.1
		_i=$((_i + 1))
	done
fi
ehlo_auth "$PF_SUBMISSION_PORT" >"$T/ehlo.auth"
like "$T/ehlo.auth" 'AUTH .*GSSAPI' "Postfix offers AUTH GSSAPI on the submission port (Dovecot's)"

# ---------------------------------------------------------------- helpers
DEAD=$T/dead.letter
HOME=$T/home
export HOME
mkdir -p "$HOME"
chmod 700 "$HOME"

# Under ASan: libgssglue 0.7 (libgsasl's GSS-API) leaks the 16-byte OID
# set gss_import_name gets from MIT's gss_inquire_names_for_mech, once a
# run.  Leaks allocated inside the GSS libraries, which outbox never calls
# itself, are not outbox's; one in outbox's own code is still reported.
printf 'leak:libgssglue.so\nleak:libgssapi_krb5.so\n' >"$T/lsan.supp"
LSAN_OPTIONS=${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$T/lsan.supp:print_suppressions=0
export LSAN_OPTIONS

# conf NAME LINES: $T/NAME.rc for the submission port (STARTTLS), then LINES
conf() {
	{
		cat <<EOF
account default
host $SVC_HOST
port $PF_SUBMISSION_PORT
tls on
tls_starttls on
tls_trust_file $PF_CA
from sender@outbox.test
domain client.outbox.test
timeout 10
dead_letter $DEAD
EOF
		printf '%s\n' "$2"
	} | write_config "$T/$1.rc"
}

# delivers NAME DESC USER: exit 0, captured, GSSAPI as USER
delivers() {
	is_exit 0 "$2: accepted"
	if capture_of "$1"; then
		ok "$2: Postfix captured the message"
		like "$ENV" '^sasl_method=GSSAPI$' "$2: sasl_method=GSSAPI"
		like "$ENV" "^sasl_username=$3\$" "$2: sasl_username=$3"
	else
		not_ok "$2: Postfix captured the message"
		diag_file "$T/$1.err" 10
	fi
}

# ---------------------------------------------------------------- tickets
kdestroy >/dev/null 2>&1
if printf '%s\n' "$KPASS" | kinit "alice@$REALM" >"$K/kinit.out" 2>&1; then
	ok "kinit alice (password on stdin) from the private KDC"
else
	not_ok "kinit alice (password on stdin) from the private KDC"
	diag_file "$K/kinit.out"
	diag_file "$K/kdc.log"
fi
klist >"$K/klist.out" 2>&1
like "$K/klist.out" "krbtgt/$REALM@$REALM" "alice's cache holds a TGT"

conf user "auth gssapi
user alice"
send_note user
delivers user "auth gssapi, user alice, a ticket" "alice@$REALM"
is_empty "$T/user.err" "auth gssapi with a ticket: nothing on stderr"

conf nouser "auth gssapi"
send_note nouser -v
delivers nouser "auth gssapi, no user, at -v" "alice@$REALM"
like "$T/nouser.err" 'authenticated with GSSAPI' "auth gssapi at -v: says it authenticated with GSSAPI"
unlike "$T/nouser.err" "$KPASS" "auth gssapi at -v: no Kerberos password in the trace"
klist >"$K/klist2.out" 2>&1
like "$K/klist2.out" "smtp/$SVC_HOST@$REALM" "the cache now holds the service ticket smtp/$SVC_HOST"

# ---------------------------------------------------------------- refusals
NEVER=		# envelope senders of runs that must deliver nothing

# refused NAME DESC ERE: exit 77, the reason on stderr, the message kept
refused() {
	is_exit 77 "$2"
	like "$T/$1.err" "$3" "$2: the reason on stderr"
	contains "$DEAD" "body of $1" "$2: the message kept in the dead letter"
	NEVER="$NEVER $1"
}

# no_auth_sent NAME DESC: the -v trace shows no AUTH command sent
no_auth_sent() {
	unlike "$T/$1.err" '^-> (AUTH|\[redacted\])' "$2: no AUTH sent"
}

# a host the KDC has no service principal for (smtp/localhost)
conf unknown "auth gssapi
tls_host_override localhost"
send_note unknown -v
refused unknown "auth gssapi, no service principal smtp/localhost" \
    '^outbox: AUTH GSSAPI: no usable Kerberos ticket for smtp@localhost'
no_auth_sent unknown "no service principal"

# a client without a ticket: libgsasl cannot start, so no AUTH is sent
kdestroy >/dev/null 2>&1
conf noticket "auth gssapi
user alice"
send_note noticket -v
refused noticket "auth gssapi without a ticket" \
    "^outbox: AUTH GSSAPI: no usable Kerberos ticket for smtp@$SVC_HOST \\(kinit\\?\\)"
no_auth_sent noticket "without a ticket"

# the service re-keyed in the KDC, the server's keytab not: alice gets a
# ticket the server cannot read, and the server refuses it
kadm "cpw -randkey smtp/$SVC_HOST"
printf '%s\n' "$KPASS" | kinit "alice@$REALM" >"$K/kinit3.out" 2>&1
conf stale "auth gssapi"
send_note stale
refused stale "auth gssapi, the server's key is stale" '^outbox: AUTH GSSAPI: 535 '

# ---------------------------------------------------------------- nothing left
pf_log_wait "$S" 'MAIL FROM:<nouser@outbox\.test>' 10
for n in $NEVER; do
	if grep -q "MAIL FROM:<$n@outbox\.test>" "$PF_LOG" ||
	    grep -qx "sender=$n@outbox.test" "$S"/mail/*.env 2>/dev/null; then
		not_ok "$n: no MAIL FROM reached Postfix"
	else
		ok "$n: no MAIL FROM reached Postfix"
	fi
done

tap_done
