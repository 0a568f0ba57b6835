# servers.sh - real SMTP servers for outbox's end-to-end tests (POSIX sh,
# meant to be sourced).  It owns starting and stopping a private Postfix
# (the smarthost; Dovecot does its SASL) and Postfix's smtp-sink (exact
# transactions and injected faults) on 127.0.0.1, and nothing else: it never
# installs packages and never touches the system's own Postfix or Dovecot.
#
#   harness_can_postfix    0 if Postfix+Dovecot can run here, else 1 with
#                          the reason in HARNESS_WHY
#   harness_can_sink       the same for smtp-sink
#   postfix_up DIR BASE    start Postfix and Dovecot in DIR (a path of at most
#                          60 characters that the postfix and nobody users can
#                          reach), ports BASE+25 ... BASE+590; sets PF_* below
#                          and writes them to DIR/env
#   postfix_down DIR       stop exactly the two masters postfix_up started
#   mail_wait DIR N [SECS] wait until N messages were captured, print their
#                          .eml paths oldest first (default 20 s)
#   mail_clear DIR         delete the captured messages
#   pf_log_wait DIR REGEX [SECS]  wait until the Postfix log has a line
#                          matching the extended REGEX
#   postfix_add_service DIR PORT NAME OPTIONS...
#                          one more plain smtpd in DIR's master.cf on
#                          127.0.0.1:PORT (no TLS, no AUTH, any recipient
#                          domain from 127.0.0.1) with smtpd -o OPTIONS
#   postfix_reload_wait DIR PORT...  reload DIR's Postfix, then wait
#                          (bounded) until every PORT answers 220; 1 if not
#   sink_up PORT DUMPFILE ARGS...  start smtp-sink on 127.0.0.1:PORT appending
#                          each transaction to DUMPFILE (its -D); ARGS are
#                          more smtp-sink options (-r/-f/-Q/-q CMD, -b/-B ...).
#                          smtp-sink writes temporary files next to DUMPFILE:
#                          as root its directory is given to nobody, so use
#                          a directory of its own
#   sink_down              stop every smtp-sink this shell started, by PID
#
# Ports of postfix_up (each a Postfix smtpd; AUTH is checked by Dovecot):
#   PF_PLAIN_PORT        BASE+25   no TLS, no AUTH; mail to @outbox.test taken
#   PF_SUBMISSION_PORT   BASE+587  STARTTLS required, AUTH after TLS
#   PF_SUBMISSIONS_PORT  BASE+465  implicit TLS with AUTH
#   PF_CLEARTEXT_PORT    BASE+588  AUTH offered without TLS (negative tests)
#   PF_MINIMAL_PORT      BASE+590  STARTTLS required, then EHLO lists only
#                                  AUTH PLAIN LOGIN (an "old" server)
#   PF_EXPIRED_PORT      BASE+467  implicit TLS, expired certificate
#   PF_WRONGNAME_PORT    BASE+468  implicit TLS, certificate for wrong.example
#   PF_SELFSIGNED_PORT   BASE+469  implicit TLS, self-signed certificate
#   PF_NOPIPE_PORT       BASE+591  like the plain port without PIPELINING;
#                                  a client that sends ahead at DATA (before
#                                  the 354) gets "554 5.5.0 Improper use of
#                                  SMTP command pipelining".  (Postfix lets an
#                                  ESMTP client pipeline MAIL and RCPT anyway:
#                                  peer.py's C_ALONE catches that.)
# Every port offers PIPELINING, SIZE 10485760, 8BITMIME, DSN, SMTPUTF8,
# CHUNKING and ENHANCEDSTATUSCODES (but the minimal one).  Accepted mail
# goes to a pipe(8) transport that writes DIR/mail/<ns>-<qid>.env (sender=,
# rcpt=, sasl_username=, client_helo= ... one per line) and then renames
# DIR/mail/<ns>-<qid>.eml into place (the message as Postfix stored it, with
# its own Received: header on top, LF line ends, dot-stuffing removed).
# DIR/log/postfix.log holds the SMTP transcript of every session
# (debug_peer_list): "< host[127.0.0.1]: MAIL FROM:<a@b> SIZE=1" for commands.
# Accounts: PF_USER/PF_PASS (alice@outbox.test), PF_USER2/PF_PASS2 (bob,
# a password with space, colon, quotes and UTF-8).  PF_CA is the CA file.

HARNESS_DIR=${HARNESS_DIR:-${top_srcdir:-.}/tests/harness}
HARNESS_WHY=
_HARNESS_SINK_PIDS=

_harness_log() { printf 'harness: %s\n' "$*" >&2; }

# Probe HOST PORT TLS(0/1) [SECS]: 0 when the port answers 220 within SECS.
_harness_probe() {
	python3 - "$1" "$2" "$3" "${4:-3}" <<'EOF' 2>/dev/null
import socket, ssl, sys
host, port, tls, secs = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1", float(sys.argv[4])
s = socket.create_connection((host, port), timeout=secs)
if tls:
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    c.check_hostname = False
    c.verify_mode = ssl.CERT_NONE
    s = c.wrap_socket(s)
line = s.makefile("rb").readline()
s.sendall(b"QUIT\r\n")
sys.exit(0 if line.startswith(b"220") else 1)
EOF
}

# Port HOST PORT in use (something accepts a connection)?
_harness_port_busy() {
	python3 -c 'import socket,sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2)' \
	    "$1" "$2" 2>/dev/null
}

# Wait (bounded) until PORT answers 220; 1 on timeout.
_harness_wait_banner() {
	_hw_i=0
	while [ "$_hw_i" -lt "${4:-100}" ]; do
		_harness_probe "$1" "$2" "$3" && return 0
		sleep 0.1
		_hw_i=$((_hw_i + 1))
	done
	return 1
}

harness_can_postfix() {
	HARNESS_WHY=
	if [ "$(id -u)" != 0 ]; then
		HARNESS_WHY="not root (Postfix and Dovecot need root)"
		return 1
	fi
	for _hc in postfix postconf postsuper dovecot doveadm certtool python3 runuser; do
		command -v "$_hc" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin
		command -v "$_hc" >/dev/null 2>&1 || {
			HARNESS_WHY="$_hc not installed"
			return 1
		}
	done
	_hc=$(postconf -d -h daemon_directory 2>/dev/null)
	[ -x "$_hc/master" ] && [ -x "$_hc/pipe" ] || {
		HARNESS_WHY="Postfix daemons not found in '$_hc'"
		return 1
	}
	getent passwd postfix >/dev/null && getent passwd nobody >/dev/null &&
	    getent passwd dovecot >/dev/null && getent passwd dovenull >/dev/null || {
		HARNESS_WHY="users postfix, nobody, dovecot or dovenull missing"
		return 1
	}
	return 0
}

harness_can_sink() {
	HARNESS_WHY=
	command -v smtp-sink >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin
	command -v smtp-sink >/dev/null 2>&1 || {
		HARNESS_WHY="smtp-sink not installed (package postfix)"
		return 1
	}
	command -v python3 >/dev/null 2>&1 || {
		HARNESS_WHY="python3 not installed"
		return 1
	}
	return 0
}

# ---------------------------------------------------------------- Postfix

# PID KIND DIR: is PID alive and the master we started for DIR?
_harness_pid_is_ours() {
	case $1 in '' | *[!0-9]*) return 1 ;; esac
	[ -d "/proc/$1" ] || return 1
	_hp_exe=$(readlink "/proc/$1/exe" 2>/dev/null) || return 1
	case $2 in
	postfix)
		case $_hp_exe in */master) ;; *) return 1 ;; esac
		tr '\0' '\n' <"/proc/$1/environ" 2>/dev/null |
		    grep -qxF "MAIL_CONFIG=$3/postfix"
		;;
	dovecot)
		case $_hp_exe in */dovecot) ;; *) return 1 ;; esac
		tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null |
		    grep -qF -- "-c $3/dovecot/dovecot.conf"
		;;
	*) return 1 ;;
	esac
}

_harness_read_pid() { [ -f "$1" ] && tr -dc '0-9' <"$1"; return 0; }

_harness_write_capture() {
	mkdir -p "$1/bin"
	# pipe(8) runs this as nobody with all recipients of a message in one
	# call; the .env is written first, the .eml renamed into place last.
	cat >"$1/bin/capture" <<'EOF'
#!/bin/sh
umask 022
out=$1; shift
qid=unknown
for a in "$@"; do case $a in queue_id=*) qid=${a#queue_id=} ;; esac; done
name=$(date +%s%N)-$qid
tmp=$out/.tmp-$name
cat >"$tmp.eml" || exit 75
: >"$tmp.env"
for a in "$@"; do [ "$a" = -- ] || printf '%s\n' "$a" >>"$tmp.env"; done
mv "$tmp.env" "$out/$name.env" && mv "$tmp.eml" "$out/$name.eml" || exit 75
exit 0
EOF
	chmod 755 "$1/bin/capture"
}

_harness_write_postfix() { # DIR BASE
	_d=$1 _b=$2 _t=$1/tls
	mkdir -p "$_d/postfix" "$_d/spool" "$_d/postfix-data"
	chown postfix:postfix "$_d/postfix-data"
	cat >"$_d/postfix/main.cf" <<EOF
# private Postfix of outbox's tests in $_d (written by tests/harness/servers.sh)
compatibility_level = 3.6
queue_directory = $_d/spool
data_directory = $_d/postfix-data
mail_owner = postfix
setgid_group = postdrop
syslog_name = outbox-postfix
maillog_file = $_d/log/postfix.log
maillog_file_prefixes = $_d/log
myhostname = mx.outbox.test
mydomain = outbox.test
myorigin = \$myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
local_recipient_maps =
relay_domains = outbox.test
relay_recipient_maps =
default_transport = capture
relay_transport = capture
local_transport = capture
virtual_transport = capture
capture_destination_recipient_limit = 1000
capture_destination_concurrency_limit = 8
smtp_dns_support_level = disabled
append_dot_mydomain = no
biff = no
local_header_rewrite_clients =
message_size_limit = 10485760
smtputf8_enable = yes
strict_smtputf8 = yes
line_length_limit = 12288
smtpd_banner = \$myhostname ESMTP outbox-test Postfix
smtpd_error_sleep_time = 0
smtpd_forbid_bare_newline = reject
smtpd_forbid_bare_newline_exclusions =
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
smtpd_recipient_restrictions =
smtpd_tls_chain_files = $_t/server-key.pem, $_t/good.pem
smtpd_tls_security_level = may
smtpd_tls_received_header = yes
smtpd_tls_loglevel = 1
smtpd_tls_session_cache_database =
smtpd_sasl_type = dovecot
smtpd_sasl_path = $_d/run/dovecot/auth-postfix
smtpd_sasl_auth_enable = no
smtpd_sasl_authenticated_header = yes
smtpd_sasl_security_options = noanonymous
smtpd_sasl_tls_security_options = noanonymous
smtpd_tls_auth_only = yes
debug_peer_list = 127.0.0.1
debug_peer_level = 2
EOF
	_auth="-o smtpd_sasl_auth_enable=yes -o smtpd_client_restrictions=permit_sasl_authenticated,reject -o smtpd_relay_restrictions=permit_sasl_authenticated,reject"
	_bad="$_auth -o smtpd_tls_wrappermode=yes -o smtpd_tls_security_level=encrypt"
	_cap="user=nobody:nogroup null_sender= argv=$_d/bin/capture $_d/mail queue_id=\${queue_id} sender=\${sender} sasl_method=\${sasl_method} sasl_username=\${sasl_username} client_address=\${client_address} client_helo=\${client_helo} client_protocol=\${client_protocol} size=\${size} -- rcpt=\${recipient}"
	cat >"$_d/postfix/master.cf" <<EOF
127.0.0.1:$((_b + 25)) inet n - n - - smtpd -o syslog_name=outbox-postfix/plain -o smtpd_tls_security_level=none -o smtpd_sasl_auth_enable=no
127.0.0.1:$((_b + 591)) inet n - n - - smtpd -o syslog_name=outbox-postfix/nopipe -o smtpd_tls_security_level=none -o smtpd_sasl_auth_enable=no -o smtpd_discard_ehlo_keywords=silent-discard,pipelining -o smtpd_data_restrictions=reject_unauth_pipelining
127.0.0.1:$((_b + 587)) inet n - n - - smtpd -o syslog_name=outbox-postfix/submission -o smtpd_tls_security_level=encrypt -o smtpd_tls_auth_only=yes $_auth
127.0.0.1:$((_b + 590)) inet n - n - - smtpd -o syslog_name=outbox-postfix/minimal -o smtpd_tls_security_level=encrypt -o smtpd_tls_auth_only=yes $_auth -o smtpd_discard_ehlo_keywords=silent-discard,pipelining,chunking,smtputf8,8bitmime,dsn,size,enhancedstatuscodes,vrfy,etrn -o smtpd_sasl_mechanism_filter=plain,login
127.0.0.1:$((_b + 465)) inet n - n - - smtpd -o syslog_name=outbox-postfix/submissions -o smtpd_tls_wrappermode=yes -o smtpd_tls_security_level=encrypt $_auth
127.0.0.1:$((_b + 588)) inet n - n - - smtpd -o syslog_name=outbox-postfix/cleartext -o smtpd_tls_security_level=none -o smtpd_tls_auth_only=no $_auth
127.0.0.1:$((_b + 467)) inet n - n - - smtpd -o syslog_name=outbox-postfix/expired -o smtpd_tls_chain_files=$_t/server-key.pem,$_t/expired.pem $_bad
127.0.0.1:$((_b + 468)) inet n - n - - smtpd -o syslog_name=outbox-postfix/wrongname -o smtpd_tls_chain_files=$_t/server-key.pem,$_t/wrongname.pem $_bad
127.0.0.1:$((_b + 469)) inet n - n - - smtpd -o syslog_name=outbox-postfix/selfsigned -o smtpd_tls_chain_files=$_t/server-key.pem,$_t/selfsigned.pem $_bad
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
capture   unix  -       n       n       -       -       pipe
  $_cap
EOF
}

_harness_write_dovecot() { # DIR
	_d=$1 _c=$1/dovecot
	mkdir -p "$_c"
	_b1=$(printf '%s' "$PF_PASS" | base64 | tr -d '\n')
	_b2=$(printf '%s' "$PF_PASS2" | base64 | tr -d '\n')
	# {PLAIN.b64}: any byte in a password, and SCRAM/CRAM work from it
	printf '%s:{PLAIN.b64}%s\n%s:{PLAIN.b64}%s\n' \
	    "$PF_USER" "$_b1" "$PF_USER2" "$_b2" >"$_c/users"
	_dh=
	[ -f /usr/share/dovecot/dh.pem ] && _dh="ssl_dh = </usr/share/dovecot/dh.pem"
	cat >"$_c/dovecot.conf" <<EOF
# private Dovecot (SASL for Postfix only) of outbox's tests in $_d
instance_name = outbox-$(printf '%s' "$_d" | cksum | cut -d' ' -f1)
base_dir = $_d/run/dovecot
state_dir = $_d/state/dovecot
log_path = $_d/log/dovecot.log
info_log_path = $_d/log/dovecot.log
debug_log_path = $_d/log/dovecot.log
protocols = none
listen = 127.0.0.1
default_internal_user = dovecot
default_login_user = dovenull
ssl = no
$_dh
disable_plaintext_auth = no
auth_mechanisms = plain login cram-md5 scram-sha-1 scram-sha-256
auth_username_format = %u
auth_verbose = yes
auth_failure_delay = 0
first_valid_uid = 1
passdb {
  driver = passwd-file
  args = scheme=PLAIN $_c/users
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$_d/home/%n
}
service auth {
  unix_listener auth-postfix {
    mode = 0660
    user = postfix
    group = postfix
  }
}
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service stats {
  inet_listener http {
    port = 0
  }
}
EOF
}

_harness_write_env() { # DIR
	{
		echo "# outbox test servers: . this file"
		for _v in PF_DIR PF_HOST PF_PLAIN_PORT PF_SUBMISSION_PORT \
		    PF_SUBMISSIONS_PORT PF_CLEARTEXT_PORT PF_MINIMAL_PORT \
		    PF_EXPIRED_PORT PF_WRONGNAME_PORT PF_SELFSIGNED_PORT PF_NOPIPE_PORT PF_CA \
		    PF_MAIL_DIR PF_LOG PF_DOMAIN PF_USER PF_PASS PF_USER2 PF_PASS2; do
			eval "_x=\$$_v"
			printf "%s='%s'\n" "$_v" "$(printf '%s' "$_x" | sed "s/'/'\\\\''/g")"
		done
	} >"$1/env"
}

# postfix_up DIR BASE: 0 when every port answers 220, else 1 with a
# diagnostic on stderr (and whatever started is stopped again).
postfix_up() {
	_pu_dir=$1 _pu_base=${2:-22000}
	mkdir -p "$_pu_dir" || return 1
	_pu_dir=$(cd "$_pu_dir" && pwd -P) || return 1
	case $_pu_dir in *[[:space:]]*)
		_harness_log "DIR must not contain white space: $_pu_dir"; return 1 ;;
	esac
	if [ ${#_pu_dir} -gt 60 ]; then
		_harness_log "DIR path too long (${#_pu_dir} > 60; unix socket paths are limited)"
		return 1
	fi
	case $_pu_base in '' | *[!0-9]*)
		_harness_log "BASE must be a number"; return 1 ;;
	esac
	PF_DIR=$_pu_dir PF_HOST=127.0.0.1
	PF_PLAIN_PORT=$((_pu_base + 25)) PF_SUBMISSION_PORT=$((_pu_base + 587))
	PF_SUBMISSIONS_PORT=$((_pu_base + 465)) PF_CLEARTEXT_PORT=$((_pu_base + 588))
	PF_MINIMAL_PORT=$((_pu_base + 590)) PF_EXPIRED_PORT=$((_pu_base + 467))
	PF_WRONGNAME_PORT=$((_pu_base + 468)) PF_SELFSIGNED_PORT=$((_pu_base + 469))
	PF_NOPIPE_PORT=$((_pu_base + 591))
	PF_CA=$_pu_dir/tls/ca.pem PF_MAIL_DIR=$_pu_dir/mail
	PF_LOG=$_pu_dir/log/postfix.log PF_DOMAIN=outbox.test
	PF_USER=alice@outbox.test PF_PASS=alice-secret
	PF_USER2=bob PF_PASS2='b0b: pässwörd;"x"'
	_pu_ports="$PF_PLAIN_PORT $PF_SUBMISSION_PORT $PF_SUBMISSIONS_PORT $PF_CLEARTEXT_PORT $PF_MINIMAL_PORT $PF_EXPIRED_PORT $PF_WRONGNAME_PORT $PF_SELFSIGNED_PORT $PF_NOPIPE_PORT"

	postfix_down "$_pu_dir" 2>/dev/null
	for _p in $_pu_ports; do
		if _harness_port_busy 127.0.0.1 "$_p"; then
			_harness_log "port $_p on 127.0.0.1 is already in use (another test run? try another BASE)"
			return 1
		fi
	done
	umask 022
	chmod 755 "$_pu_dir"
	runuser -u postfix -- test -x "$_pu_dir" || {
		_harness_log "$_pu_dir is not reachable for the postfix/nobody users: use a directory under /tmp"
		return 1
	}
	mkdir -p "$_pu_dir/log" "$_pu_dir/run" "$_pu_dir/state" "$_pu_dir/pids" \
	    "$_pu_dir/mail" "$_pu_dir/home"
	chown nobody:nogroup "$_pu_dir/mail" "$_pu_dir/home"
	if [ ! -f "$_pu_dir/tls/good.pem" ]; then
		sh "$HARNESS_DIR/certs.sh" "$_pu_dir/tls" >"$_pu_dir/log/certs.log" 2>&1 || {
			cat "$_pu_dir/log/certs.log" >&2
			_harness_log "certs.sh failed"
			return 1
		}
	fi
	_harness_write_capture "$_pu_dir"
	_harness_write_postfix "$_pu_dir" "$_pu_base"
	_harness_write_dovecot "$_pu_dir"

	# Dovecot first: Postfix's smtpd needs its auth socket
	dovecot -c "$_pu_dir/dovecot/dovecot.conf" </dev/null \
	    >>"$_pu_dir/log/dovecot-start.log" 2>&1 || {
		cat "$_pu_dir/log/dovecot-start.log" >&2
		tail -20 "$_pu_dir/log/dovecot.log" >&2 2>/dev/null
		_harness_log "dovecot failed to start"
		return 1
	}
	_pu_i=0 _pu_pid=
	while [ $_pu_i -lt 100 ]; do
		_pu_pid=$(_harness_read_pid "$_pu_dir/run/dovecot/master.pid")
		[ -n "$_pu_pid" ] && [ -S "$_pu_dir/run/dovecot/auth-postfix" ] && break
		sleep 0.1
		_pu_i=$((_pu_i + 1))
	done
	_harness_pid_is_ours "$_pu_pid" dovecot "$_pu_dir" || {
		tail -20 "$_pu_dir/log/dovecot.log" >&2 2>/dev/null
		_harness_log "dovecot did not come up (see $_pu_dir/log/dovecot.log)"
		return 1
	}
	echo "$_pu_pid" >"$_pu_dir/pids/dovecot.pid"
	doveadm -c "$_pu_dir/dovecot/dovecot.conf" auth test -x service=smtp \
	    "$PF_USER" "$PF_PASS" </dev/null >/dev/null 2>&1 || {
		tail -5 "$_pu_dir/log/dovecot.log" >&2
		_harness_log "dovecot auth does not work"
		postfix_down "$_pu_dir"
		return 1
	}

	postfix -c "$_pu_dir/postfix" start </dev/null \
	    >>"$_pu_dir/log/postfix-start.log" 2>&1 || {
		cat "$_pu_dir/log/postfix-start.log" >&2
		_harness_log "postfix failed to start"
		postfix_down "$_pu_dir"
		return 1
	}
	_pu_i=0
	while [ $_pu_i -lt 100 ]; do
		_pu_pid=$(_harness_read_pid "$_pu_dir/spool/pid/master.pid")
		_harness_pid_is_ours "$_pu_pid" postfix "$_pu_dir" && break
		sleep 0.1
		_pu_i=$((_pu_i + 1))
	done
	_harness_pid_is_ours "$_pu_pid" postfix "$_pu_dir" || {
		tail -20 "$_pu_dir/log/postfix.log" >&2 2>/dev/null
		_harness_log "postfix did not come up (see $_pu_dir/log/postfix.log)"
		postfix_down "$_pu_dir"
		return 1
	}
	echo "$_pu_pid" >"$_pu_dir/pids/postfix.pid"

	for _p in "$PF_PLAIN_PORT 0" "$PF_NOPIPE_PORT 0" "$PF_SUBMISSION_PORT 0" "$PF_MINIMAL_PORT 0" \
	    "$PF_CLEARTEXT_PORT 0" "$PF_SUBMISSIONS_PORT 1" "$PF_EXPIRED_PORT 1"; do
		# shellcheck disable=SC2086
		_harness_wait_banner 127.0.0.1 $_p || {
			grep -E 'fatal|panic|error' "$_pu_dir/log/postfix.log" \
			    "$_pu_dir/log/dovecot.log" 2>/dev/null | tail -5 >&2
			_harness_log "127.0.0.1 port ${_p% *} did not answer with 220"
			postfix_down "$_pu_dir"
			return 1
		}
	done
	_harness_write_env "$_pu_dir"
	return 0
}

# postfix_down DIR: TERM the two masters (each stops its children), wait
# up to 15 s, then KILL what is left of them.  Only PIDs checked as ours.
postfix_down() {
	[ -d "$1" ] || return 0
	_pd_dir=$(cd "$1" && pwd -P) || return 0
	_pd_pids=
	for _k in postfix dovecot; do
		_pd_pid=$(_harness_read_pid "$_pd_dir/pids/$_k.pid")
		if [ -z "$_pd_pid" ]; then
			case $_k in
			postfix) _pd_pid=$(_harness_read_pid "$_pd_dir/spool/pid/master.pid") ;;
			dovecot) _pd_pid=$(_harness_read_pid "$_pd_dir/run/dovecot/master.pid") ;;
			esac
		fi
		if _harness_pid_is_ours "$_pd_pid" "$_k" "$_pd_dir"; then
			kill -TERM "$_pd_pid" 2>/dev/null
			_pd_pids="$_pd_pids $_pd_pid"
		fi
		rm -f "$_pd_dir/pids/$_k.pid"
	done
	for _pd_pid in $_pd_pids; do
		_pd_i=0
		while [ $_pd_i -lt 150 ] && [ -d "/proc/$_pd_pid" ]; do
			sleep 0.1
			_pd_i=$((_pd_i + 1))
		done
		if [ -d "/proc/$_pd_pid" ]; then
			_harness_log "master $_pd_pid did not stop in 15 s; killing it and its children"
			# shellcheck disable=SC2046
			kill -KILL "$_pd_pid" $(ps -o pid= --ppid "$_pd_pid" 2>/dev/null) 2>/dev/null
		fi
	done
	return 0
}

mail_wait() { # DIR N [SECS]
	_mw_i=0 _mw_n=0
	while [ $_mw_i -lt $((${3:-20} * 10)) ]; do
		_mw_n=$(find "$1/mail" -maxdepth 1 -name '[0-9]*.eml' | wc -l)
		if [ "$_mw_n" -ge "$2" ]; then
			find "$1/mail" -maxdepth 1 -name '[0-9]*.eml' | sort
			return 0
		fi
		sleep 0.1
		_mw_i=$((_mw_i + 1))
	done
	_harness_log "only $_mw_n of $2 messages captured after ${3:-20} s (see $1/log/postfix.log)"
	return 1
}

mail_clear() { # DIR
	find "$1/mail" -mindepth 1 -maxdepth 1 -name '*.e*' -delete
}

pf_log_wait() { # DIR REGEX [SECS]: postlogd writes asynchronously
	_lw_i=0
	while [ $_lw_i -lt $((${3:-10} * 10)) ]; do
		grep -Eq -- "$2" "$1/log/postfix.log" 2>/dev/null && return 0
		sleep 0.1
		_lw_i=$((_lw_i + 1))
	done
	return 1
}

# ---------------------------------------------------------------- smtp-sink

# postfix_add_service DIR PORT NAME OPTIONS...: see the top of this file.
postfix_add_service() {
	_as_dir=$1 _as_port=$2 _as_name=$3
	shift 3
	printf '127.0.0.1:%s inet n - n - - smtpd -o syslog_name=outbox-postfix/%s -o smtpd_tls_security_level=none -o smtpd_sasl_auth_enable=no -o smtpd_relay_restrictions=permit_mynetworks,reject %s\n' \
	    "$_as_port" "$_as_name" "$*" >>"$_as_dir/postfix/master.cf"
}

# postfix_reload_wait DIR PORT...: see the top of this file.
postfix_reload_wait() {
	_rw_dir=$1
	shift
	postfix -c "$_rw_dir/postfix" reload >/dev/null 2>&1 || return 1
	for _rw_p in "$@"; do
		_harness_wait_banner 127.0.0.1 "$_rw_p" 0 || return 1
	done
	return 0
}

# sink_up PORT DUMPFILE [smtp-sink options...]: start smtp-sink on
# 127.0.0.1:PORT, hostname sink.outbox.test, without AUTH/XCLIENT/XFORWARD
# announced (-a -C -F), appending transactions to DUMPFILE.  Waits until
# the port accepts connections; 1 with a diagnostic if it does not.
sink_up() {
	_su_port=$1 _su_dump=$2
	shift 2
	if _harness_port_busy 127.0.0.1 "$_su_port"; then
		_harness_log "port $_su_port on 127.0.0.1 is already in use"
		return 1
	fi
	mkdir -p "$(dirname "$_su_dump")" && : >>"$_su_dump" || return 1
	_su_user=
	if [ "$(id -u)" = 0 ]; then
		# smtp-sink refuses to run as root; it writes the dump as nobody
		chown nobody "$(dirname "$_su_dump")" "$_su_dump"
		_su_user="-u nobody"
	fi
	# shellcheck disable=SC2086
	smtp-sink $_su_user -a -C -F -h sink.outbox.test -D "$_su_dump" "$@" \
	    "127.0.0.1:$_su_port" 16 </dev/null >>"$_su_dump.log" 2>&1 &
	_su_pid=$!
	_HARNESS_SINK_PIDS="$_HARNESS_SINK_PIDS $_su_pid"
	_su_i=0
	while [ $_su_i -lt 100 ]; do
		if ! [ -d "/proc/$_su_pid" ]; then
			cat "$_su_dump.log" >&2
			_harness_log "smtp-sink $* on port $_su_port exited"
			return 1
		fi
		# listening yet?  (a connect would be a session; look instead)
		if grep -q "$(printf ':%04X 00000000:0000 0A' "$_su_port")" /proc/net/tcp 2>/dev/null; then
			return 0
		fi
		sleep 0.05
		_su_i=$((_su_i + 1))
	done
	_harness_log "smtp-sink did not listen on port $_su_port in 5 s"
	return 1
}

# sink_down: stop exactly the smtp-sink processes sink_up started.
sink_down() {
	for _sd_pid in $_HARNESS_SINK_PIDS; do
		[ -d "/proc/$_sd_pid" ] || continue
		case $(readlink "/proc/$_sd_pid/exe" 2>/dev/null) in
		*smtp-sink) kill -TERM "$_sd_pid" 2>/dev/null ;;
		esac
	done
	for _sd_pid in $_HARNESS_SINK_PIDS; do
		_sd_i=0
		while [ $_sd_i -lt 50 ] && [ -d "/proc/$_sd_pid" ]; do
			sleep 0.05
			_sd_i=$((_sd_i + 1))
		done
		wait "$_sd_pid" 2>/dev/null
	done
	_HARNESS_SINK_PIDS=
	return 0
}
