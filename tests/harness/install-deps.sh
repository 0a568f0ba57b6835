#!/bin/sh
# install-deps.sh - install what building and testing outbox needs, from
# Debian's archive (Debian 12).  Run as root.  The package scripts are kept
# from starting the system-wide Postfix and Dovecot: the tests start their
# own private instances and stop them afterwards.
set -eu
export DEBIAN_FRONTEND=noninteractive

BUILD="build-essential autoconf automake libtool pkg-config libgnutls28-dev
	libgsasl-dev libidn2-dev libsecret-1-dev"
TEST="postfix dovecot-core dovecot-submissiond dovecot-lmtpd gnutls-bin msmtp swaks
	libnet-ssleay-perl dnsmasq-base iproute2 util-linux python3 openssl
	clang mandoc procps gnome-keyring libsecret-tools dbus
	mutt git git-email libmailtools-perl php-cli bsd-mailx
	krb5-kdc krb5-admin-server krb5-user dovecot-gssapi"

if [ "$(id -u)" != 0 ]; then
	echo "install-deps.sh: run this as root (sudo)" >&2
	exit 1
fi
missing=""
for p in $BUILD $TEST; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

prc=/usr/sbin/policy-rc.d
saved=""
if [ -e "$prc" ]; then saved=$(mktemp); cp -p "$prc" "$saved"; fi
restore() { if [ -n "$saved" ]; then mv "$saved" "$prc"; else rm -f "$prc"; fi; }
trap restore EXIT
printf '#!/bin/sh\nexit 101\n' >"$prc"
chmod 755 "$prc"
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
log=$(mktemp)
# a mirror that stumbles once should not fail the whole run: three tries
tries=0
until apt-get -qq update </dev/null >>"$log" 2>&1 &&
	# shellcheck disable=SC2086
	apt-get -qq -y -o Dpkg::Use-Pty=0 -o DPkg::Lock::Timeout=600 \
	    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
	    --no-install-recommends install $missing </dev/null >>"$log" 2>&1; do
	tries=$((tries + 1))
	if [ "$tries" -ge 3 ]; then
		tail -20 "$log" >&2
		rm -f "$log"
		echo "install-deps.sh: apt-get failed three times" >&2
		exit 1
	fi
	sleep 10
done
rm -f "$log"
if [ -d /run/systemd/system ]; then
	systemctl disable --now postfix.service dovecot.service >/dev/null 2>&1 || true
fi
echo "install-deps.sh: installed:$missing"
