#!/bin/sh
# certs.sh DIR - make throwaway TLS material for the tests in DIR with
# GnuTLS's certtool: a CA (ca.pem), one server key (server-key.pem) and
# four certificates for it:
#   good.pem        CA-signed; CN/DNS localhost, DNS mx.outbox.test, IP 127.0.0.1
#   expired.pem     CA-signed, same names, valid only in January 2020
#   wrongname.pem   CA-signed, CN/DNS wrong.example only
#   selfsigned.pem  self-signed (not from the CA), same names as good.pem
#   revoked.pem     CA-signed, same names as good.pem, serial 8, revoked
#                   by crl.pem (a CRL the CA signed, naming serial 8 only)
#   idn.pem         CA-signed; CN/DNS xn--bcher-kva.outbox.test only (the
#                   A-label of bücher.outbox.test)
# three CRLs naming serial 8 only:
#   crl.pem         signed by the CA, next update in ten years
#   crl-old.pem     signed by the CA, out of date since 2020-02-01
#   crl-forged.pem  the CA's name as issuer, signed by another key (that
#                   of forger-ca.pem, a self-signed CA of the same name)
# and a client key (client-key.pem) with two client certificates for it
# (tls_www_client, CN client.outbox.test):
#   client.pem          CA-signed
#   client-expired.pem  CA-signed, valid only in January 2020
#   client-self.pem     self-signed (not from the CA)
# Keys are mode 0600. Nothing here is secret: the files live as long as
# the test that made them. Exits non-zero if any step fails.
set -eu

dir=${1:?usage: certs.sh DIR}
command -v certtool >/dev/null 2>&1 || { echo "certs.sh: certtool not found" >&2; exit 2; }
mkdir -p "$dir"
cd "$dir"
umask 077

# RSA 2048 keeps generation fast and is accepted by every GnuTLS priority.
certtool --generate-privkey --key-type=rsa --bits=2048 --outfile ca-key.pem 2>/dev/null
certtool --generate-privkey --key-type=rsa --bits=2048 --outfile server-key.pem 2>/dev/null
certtool --generate-privkey --key-type=rsa --bits=2048 --outfile client-key.pem 2>/dev/null

cat >ca.tmpl <<'T'
cn = "outbox test CA"
organization = "outbox tests"
serial = 1
expiration_days = 3650
ca
cert_signing_key
crl_signing_key
T

# write_tmpl FILE SERIAL CN [extra template lines...]
write_tmpl() {
	f=$1 serial=$2 cn=$3
	shift 3
	{
		printf 'cn = "%s"\norganization = "outbox tests"\nserial = %s\n' "$cn" "$serial"
		for line in "$@"; do
			printf '%s\n' "$line"
		done
		printf 'tls_www_server\nsigning_key\nencryption_key\n'
	} >"$f"
}

names='dns_name = "localhost"'
names2='dns_name = "mx.outbox.test"'
ip='ip_address = "127.0.0.1"'
write_tmpl good.tmpl 2 localhost 'expiration_days = 3650' "$names" "$names2" "$ip"
write_tmpl expired.tmpl 3 localhost \
	'activation_date = "2020-01-01 00:00:00 UTC"' \
	'expiration_date = "2020-02-01 00:00:00 UTC"' "$names" "$names2" "$ip"
write_tmpl wrongname.tmpl 4 wrong.example 'expiration_days = 3650' \
	'dns_name = "wrong.example"'
write_tmpl selfsigned.tmpl 5 localhost 'expiration_days = 3650' \
	"$names" "$names2" "$ip"
# serials 6 and 7 are the client certificates'
write_tmpl revoked.tmpl 8 localhost 'expiration_days = 3650' \
	"$names" "$names2" "$ip"
write_tmpl idn.tmpl 9 xn--bcher-kva.outbox.test 'expiration_days = 3650' \
	'dns_name = "xn--bcher-kva.outbox.test"'

certtool --generate-self-signed --load-privkey ca-key.pem --template ca.tmpl \
	--outfile ca.pem 2>/dev/null
for c in good expired wrongname revoked idn; do
	certtool --generate-certificate --load-privkey server-key.pem \
		--load-ca-certificate ca.pem --load-ca-privkey ca-key.pem \
		--template "$c.tmpl" --outfile "$c.pem" 2>/dev/null
done
certtool --generate-self-signed --load-privkey server-key.pem \
	--template selfsigned.tmpl --outfile selfsigned.pem 2>/dev/null

# CRLs; the forger's CA reuses the client key: a key that is not the CA's
printf 'crl_next_update = 3650\ncrl_number = 1\n' >crl.tmpl
printf '%s\n' 'crl_this_update_date = "2020-01-01 00:00:00 UTC"' \
	'crl_next_update_date = "2020-02-01 00:00:00 UTC"' 'crl_number = 2' \
	>crl-old.tmpl
certtool --generate-self-signed --load-privkey client-key.pem \
	--template ca.tmpl --outfile forger-ca.pem 2>/dev/null
# make_crl OUT TEMPLATE CAKEY CACERT
make_crl() {
	certtool --generate-crl --load-ca-privkey "$3" \
		--load-ca-certificate "$4" --load-certificate revoked.pem \
		--template "$2" --outfile "$1" >/dev/null 2>&1
}
make_crl crl.pem crl.tmpl ca-key.pem ca.pem
make_crl crl-old.pem crl-old.tmpl ca-key.pem ca.pem
make_crl crl-forged.pem crl.tmpl client-key.pem forger-ca.pem

# client_tmpl FILE SERIAL VALIDITY...
client_tmpl() {
	f=$1 serial=$2
	shift 2
	{
		printf 'cn = "client.outbox.test"\norganization = "outbox tests"\n'
		printf 'serial = %s\n' "$serial"
		printf '%s\n' "$@"
		printf 'tls_www_client\nsigning_key\n'
	} >"$f"
}
client_tmpl client.tmpl 6 'expiration_days = 3650'
client_tmpl client-expired.tmpl 7 \
	'activation_date = "2020-01-01 00:00:00 UTC"' \
	'expiration_date = "2020-02-01 00:00:00 UTC"'
for c in client client-expired; do
	certtool --generate-certificate --load-privkey client-key.pem \
		--load-ca-certificate ca.pem --load-ca-privkey ca-key.pem \
		--template "$c.tmpl" --outfile "$c.pem" 2>/dev/null
done
certtool --generate-self-signed --load-privkey client-key.pem \
	--template client.tmpl --outfile client-self.pem 2>/dev/null

chmod 644 ca.pem good.pem expired.pem wrongname.pem selfsigned.pem
chmod 644 revoked.pem idn.pem crl.pem crl-old.pem crl-forged.pem forger-ca.pem
chmod 644 client.pem client-expired.pem client-self.pem
chmod 600 ca-key.pem server-key.pem client-key.pem
