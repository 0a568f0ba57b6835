/*
 * tls_verify.c - checking the TLS peer after the handshake: the chain
 * against the trust store and the host name, or the msmtp-style
 * fingerprint that replaces them, plus an SPKI pin that adds to them;
 * one line saying why a check failed; the facts of struct tls_info.
 *
 * It sees a finished GnuTLS session and the name to verify, nothing
 * else: no descriptor, no credentials, no transport (those are tls.c's).
 */
#include "autoconfig.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include "limits.h"
#include "status.h"
#include "tls.h"
#include "tls_verify.h"
#include "util.h"

#define PIN_PREFIX "sha256//"

/* The session being checked and the name it must carry (NULL: none). */
struct peer {
	gnutls_session_t	 session;
	const char		*host;
};

/* ------------------------------------------------------------ helpers */

static const char *
host_of(const struct peer *t)
{
	return t->host != NULL ? t->host : "the server";
}

/* Append s to buf (capacity cap, *used bytes so far), separated by ", ". */
static void
append_name(char *buf, size_t cap, size_t *used, const char *s)
{
	int n;

	if (*used >= cap)
		return;
	n = snprintf(buf + *used, cap - *used, "%s%s", *used ? ", " : "", s);
	if (n < 0 || (size_t)n >= cap - *used)
		*used = cap;
	else
		*used += (size_t)n;
}

/* Upper-case hex pairs joined by ':' ("AB:CD:..."), truncated to cap. */
static void
hex_pairs(char *dst, size_t cap, const unsigned char *p, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, o = 0;

	if (cap == 0)
		return;
	for (i = 0; i < n && o + 3 < cap; i++) {
		if (i > 0)
			dst[o++] = ':';
		dst[o++] = hex[p[i] >> 4];
		dst[o++] = hex[p[i] & 15];
	}
	dst[o] = '\0';
}

/* "2026-11-23 02:34:25 UTC" */
static void
utc_time(char *dst, size_t cap, time_t when)
{
	struct tm tm;

	if (when == (time_t)-1 || gmtime_r(&when, &tm) == NULL ||
	    strftime(dst, cap, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(dst, cap, "(unknown)");
}

/* ------------------------------------------------------ verification */

/* The peer's leaf certificate (caller deinits). */
static int
peer_leaf(const struct peer *t, gnutls_x509_crt_t *leaf, struct err *e)
{
	const gnutls_datum_t *list;
	unsigned int n = 0;
	int r;

	*leaf = NULL;
	if (gnutls_certificate_type_get(t->session) != GNUTLS_CRT_X509 ||
	    (list = gnutls_certificate_get_peers(t->session, &n)) == NULL ||
	    n == 0)
		return err_set(e, ERR_UNAVAILABLE, "%s presented no X.509 "
		    "certificate", host_of(t));
	if ((r = gnutls_x509_crt_init(leaf)) < 0) {
		*leaf = NULL;
		return err_set(e, ERR_OSERR, "X.509: %s", gnutls_strerror(r));
	}
	r = gnutls_x509_crt_import(*leaf, &list[0], GNUTLS_X509_FMT_DER);
	if (r < 0) {
		gnutls_x509_crt_deinit(*leaf);
		*leaf = NULL;
		return err_set(e, ERR_PROTOCOL, "the certificate of %s cannot "
		    "be parsed: %s", host_of(t), gnutls_strerror(r));
	}
	return 0;
}

/* Parse "AB:CD:..." (':' optional) into out; returns the byte count or -1. */
static int
parse_fingerprint(const char *s, unsigned char *out, size_t cap)
{
	size_t n = 0;
	unsigned int v;
	char pair[3];

	while (*s != '\0') {
		if (*s == ':') {
			s++;
			continue;
		}
		pair[0] = s[0];
		pair[1] = s[1];
		pair[2] = '\0';
		if (s[1] == '\0' || n >= cap || strspn(pair,
		    "0123456789abcdefABCDEF") != 2 || sscanf(pair, "%2x", &v) != 1)
			return -1;
		out[n++] = (unsigned char)v;
		s += 2;
	}
	return (int)n;
}

/* msmtp semantics: the pinned certificate is trusted instead of the chain. */
static int
check_fingerprint(const struct peer *t, gnutls_x509_crt_t leaf,
    const char *fp, struct err *e)
{
	unsigned char want[64], got[64];
	char shown[200];
	size_t glen = sizeof(got);
	gnutls_digest_algorithm_t alg;
	int n;

	n = parse_fingerprint(fp, want, sizeof(want));
	alg = n == 32 ? GNUTLS_DIG_SHA256 : n == 20 ? GNUTLS_DIG_SHA1 :
	    n == 16 ? GNUTLS_DIG_MD5 : GNUTLS_DIG_UNKNOWN;
	if (alg == GNUTLS_DIG_UNKNOWN)
		return err_set(e, ERR_CONFIG, "tls_fingerprint is not a SHA256, "
		    "SHA1 or MD5 fingerprint (hex pairs with ':')");
	if (gnutls_x509_crt_get_fingerprint(leaf, alg, got, &glen) < 0 ||
	    glen != (size_t)n)
		return err_set(e, ERR_UNAVAILABLE, "cannot compute the %s "
		    "fingerprint of the certificate of %s",
		    gnutls_digest_get_name(alg), host_of(t));
	if (memcmp(want, got, glen) == 0)
		return 0;
	hex_pairs(shown, sizeof(shown), got, glen);
	return err_set(e, ERR_UNAVAILABLE, "certificate of %s does not match "
	    "tls_fingerprint: presented %s %s", host_of(t),
	    gnutls_digest_get_name(alg), shown);
}

/* The certificate's DNS and IP names, or its CN when it has none. */
static void
presented_names(gnutls_x509_crt_t crt, char *buf, size_t cap)
{
	char name[256], esc[256 * 4];
	size_t used = 0, len;
	unsigned int i, crit;
	int r;

	buf[0] = '\0';
	for (i = 0; i < 64; i++) {
		len = sizeof(name) - 1;
		r = gnutls_x509_crt_get_subject_alt_name(crt, i, name, &len,
		    &crit);
		if (r == GNUTLS_E_SHORT_MEMORY_BUFFER)
			continue;
		if (r < 0)
			break;
		if (r == GNUTLS_SAN_DNSNAME)
			append_name(buf, cap, &used,
			    escape_text(esc, sizeof(esc), name, len));
		else if (r == GNUTLS_SAN_IPADDRESS && (len == 4 || len == 16) &&
		    inet_ntop(len == 4 ? AF_INET : AF_INET6, name, esc,
		    sizeof(esc)) != NULL)
			append_name(buf, cap, &used, esc);
	}
	len = sizeof(name) - 1;
	if (used == 0 && gnutls_x509_crt_get_dn_by_oid(crt,
	    GNUTLS_OID_X520_COMMON_NAME, 0, 0, name, &len) >= 0)
		append_name(buf, cap, &used,
		    escape_text(esc, sizeof(esc), name, len));
	if (used == 0)
		snprintf(buf, cap, "no names");
}

/* The expiry date of the first expired certificate of the chain. */
static void
expiry_of_chain(const struct peer *t, char *buf, size_t cap)
{
	const gnutls_datum_t *list;
	gnutls_x509_crt_t crt;
	unsigned int i, n = 0;
	time_t now = time(NULL), exp = (time_t)-1, x;

	list = gnutls_certificate_get_peers(t->session, &n);
	for (i = 0; list != NULL && i < n && exp == (time_t)-1; i++) {
		if (gnutls_x509_crt_init(&crt) < 0)
			break;
		if (gnutls_x509_crt_import(crt, &list[i], GNUTLS_X509_FMT_DER)
		    >= 0 && (x = gnutls_x509_crt_get_expiration_time(crt)) !=
		    (time_t)-1 && x < now)
			exp = x;
		gnutls_x509_crt_deinit(crt);
	}
	utc_time(buf, cap, exp);
}

/* One line for a non-zero verification status, the most basic first. */
static int
status_error(const struct peer *t, gnutls_x509_crt_t leaf, unsigned int st,
    struct err *e)
{
	char buf[ERR_MSG_MAX / 2];
	gnutls_datum_t out;
	const char *h = host_of(t);

	if (st & GNUTLS_CERT_REVOKED)
		return err_set(e, ERR_UNAVAILABLE, "certificate of %s not "
		    "trusted: revoked", h);
	if (st & GNUTLS_CERT_SIGNER_NOT_FOUND)
		return err_set(e, ERR_UNAVAILABLE, "certificate of %s not "
		    "trusted: unknown issuer", h);
	if (st & GNUTLS_CERT_SIGNER_NOT_CA)
		return err_set(e, ERR_UNAVAILABLE, "certificate of %s not "
		    "trusted: its issuer is not a CA", h);
	if (st & GNUTLS_CERT_EXPIRED) {
		expiry_of_chain(t, buf, sizeof(buf));
		return err_set(e, ERR_UNAVAILABLE, "certificate of %s not "
		    "trusted: expired on %s", h, buf);
	}
	if (st & GNUTLS_CERT_NOT_ACTIVATED) {
		utc_time(buf, sizeof(buf),
		    gnutls_x509_crt_get_activation_time(leaf));
		return err_set(e, ERR_UNAVAILABLE, "certificate of %s not "
		    "trusted: not yet valid (valid from %s)", h, buf);
	}
	if (st & GNUTLS_CERT_INSECURE_ALGORITHM)
		return err_set(e, ERR_UNAVAILABLE, "certificate of %s not "
		    "trusted: it uses an insecure algorithm or key size", h);
	if (st & GNUTLS_CERT_UNEXPECTED_OWNER) {
		presented_names(leaf, buf, sizeof(buf));
		return err_set(e, ERR_UNAVAILABLE, "certificate name mismatch: "
		    "expected %s, presented %s", h, buf);
	}
	if (gnutls_certificate_verification_status_print(st, GNUTLS_CRT_X509,
	    &out, 0) < 0)
		return err_set(e, ERR_UNAVAILABLE, "certificate of %s not "
		    "trusted (status 0x%x)", h, st);
	err_set(e, ERR_UNAVAILABLE, "certificate of %s not trusted: %s", h,
	    (const char *)out.data);
	gnutls_free(out.data);
	return -1;
}

static int
check_chain(const struct peer *t, gnutls_x509_crt_t leaf, struct err *e)
{
	unsigned int status = 0;
	int r;

	if (t->host == NULL)
		return err_set(e, ERR_SOFTWARE, "TLS: no host name to verify");
	r = gnutls_certificate_verify_peers3(t->session, t->host, &status);
	if (r < 0)
		return err_set(e, ERR_UNAVAILABLE, "cannot verify the certificate "
		    "of %s: %s", t->host, gnutls_strerror(r));
	if (status != 0)
		return status_error(t, leaf, status, e);
	return 0;
}

/* "sha256//" + base64(SHA-256(SubjectPublicKeyInfo DER)) of the leaf. */
static int
spki_pin(gnutls_x509_crt_t leaf, char *out, size_t cap)
{
	gnutls_pubkey_t pub = NULL;
	gnutls_datum_t der = { NULL, 0 }, dig, b64 = { NULL, 0 };
	unsigned char sum[32];
	int rc = -1;

	if (gnutls_pubkey_init(&pub) < 0) {
		pub = NULL;
		goto out;
	}
	if (gnutls_pubkey_import_x509(pub, leaf, 0) < 0 ||
	    gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &der) < 0 ||
	    gnutls_hash_fast(GNUTLS_DIG_SHA256, der.data, der.size, sum) < 0)
		goto out;
	dig.data = sum;
	dig.size = sizeof(sum);
	if (gnutls_base64_encode2(&dig, &b64) < 0)
		goto out;
	if ((size_t)snprintf(out, cap, PIN_PREFIX "%.*s", (int)b64.size,
	    (const char *)b64.data) < cap)
		rc = 0;
out:
	gnutls_free(b64.data);
	gnutls_free(der.data);
	if (pub != NULL)
		gnutls_pubkey_deinit(pub);
	return rc;
}

static int
check_pin(const struct peer *t, gnutls_x509_crt_t leaf, const char *pin,
    struct err *e)
{
	char got[128];

	if (ascii_ncasecmp(pin, PIN_PREFIX, strlen(PIN_PREFIX)) != 0)
		return err_set(e, ERR_CONFIG, "tls_pin must be "
		    "sha256//BASE64 (the SPKI's SHA-256)");
	if (spki_pin(leaf, got, sizeof(got)) == -1)
		return err_set(e, ERR_UNAVAILABLE, "cannot compute the public "
		    "key pin of %s", host_of(t));
	if (strcmp(pin + strlen(PIN_PREFIX), got + strlen(PIN_PREFIX)) == 0)
		return 0;
	return err_set(e, ERR_UNAVAILABLE, "public key pin mismatch for %s: "
	    "expected %.200s, got %s", host_of(t), pin, got);
}

/*
 * certcheck on: the fingerprint, when given, replaces the chain and host
 * name check; otherwise the chain and the host name are verified.  The
 * pin, an explicit demand, is checked whenever it is given, even with
 * certcheck off.
 */
static int
verify_peer(const struct peer *t, const struct tls_params *p,
    gnutls_x509_crt_t leaf, struct err *e)
{
	if (p->certcheck) {
		if (p->fingerprint != NULL) {
			if (check_fingerprint(t, leaf, p->fingerprint, e) == -1)
				return -1;
		} else if (check_chain(t, leaf, e) == -1)
			return -1;
	}
	if (p->pin != NULL && check_pin(t, leaf, p->pin, e) == -1)
		return -1;
	return 0;
}

/* --------------------------------------------------------- reporting */

static void
copy_dn(char *dst, size_t cap, gnutls_x509_crt_t crt, int issuer)
{
	gnutls_datum_t d = { NULL, 0 };
	int r;

	r = issuer ? gnutls_x509_crt_get_issuer_dn3(crt, &d, 0) :
	    gnutls_x509_crt_get_dn3(crt, &d, 0);
	if (r < 0)
		snprintf(dst, cap, "(unknown)");
	else
		escape_text(dst, cap, (const char *)d.data, d.size);
	gnutls_free(d.data);
}

static void
fill_info(const struct peer *t, gnutls_x509_crt_t leaf,
    struct tls_info *info)
{
	const char *v, *cs;
	unsigned char md[64];
	size_t len;

	memset(info, 0, sizeof(*info));
	v = gnutls_protocol_get_name(gnutls_protocol_get_version(t->session));
	if (v == NULL)
		v = "unknown";
	if (strncmp(v, "TLS", 3) == 0)
		snprintf(info->version, sizeof(info->version), "TLSv%s", v + 3);
	else
		snprintf(info->version, sizeof(info->version), "%s", v);
	cs = gnutls_ciphersuite_get(t->session);
	snprintf(info->cipher, sizeof(info->cipher), "%s", cs ? cs :
	    gnutls_cipher_get_name(gnutls_cipher_get(t->session)));
	copy_dn(info->subject, sizeof(info->subject), leaf, 0);
	copy_dn(info->issuer, sizeof(info->issuer), leaf, 1);
	utc_time(info->not_before, sizeof(info->not_before),
	    gnutls_x509_crt_get_activation_time(leaf));
	utc_time(info->not_after, sizeof(info->not_after),
	    gnutls_x509_crt_get_expiration_time(leaf));
	len = sizeof(md);
	if (gnutls_x509_crt_get_fingerprint(leaf, GNUTLS_DIG_SHA256, md,
	    &len) >= 0)
		hex_pairs(info->sha256, sizeof(info->sha256), md, len);
	len = sizeof(md);
	if (gnutls_x509_crt_get_fingerprint(leaf, GNUTLS_DIG_SHA1, md,
	    &len) >= 0)
		hex_pairs(info->sha1, sizeof(info->sha1), md, len);
}

/* ------------------------------------------------------------ public */

int
tls_verify(gnutls_session_t session, const char *host,
    const struct tls_params *p, struct tls_info *info, struct err *e)
{
	struct peer peer;
	gnutls_x509_crt_t leaf = NULL;
	int r = -1;

	peer.session = session;
	peer.host = host;
	if (peer_leaf(&peer, &leaf, e) == -1)
		goto done;
	if (verify_peer(&peer, p, leaf, e) == -1) {
		/* tell the server why; best effort, never waits */
		gnutls_alert_send(session, GNUTLS_AL_FATAL,
		    GNUTLS_A_BAD_CERTIFICATE);
		goto done;
	}
	if (info != NULL)
		fill_info(&peer, leaf, info);
	r = 0;
done:
	if (leaf != NULL)
		gnutls_x509_crt_deinit(leaf);
	return r;
}
