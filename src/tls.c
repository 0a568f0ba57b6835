/*
 * tls.c - the GnuTLS adapter: credentials and priorities from the
 * account, a non-blocking handshake bounded by a timeout, verification
 * of the peer (chain and host name, or the msmtp-style fingerprint that
 * replaces them, plus an SPKI pin that adds to them), and a transport
 * for stream.c that moves the session's records.
 *
 * This is the only file that includes a GnuTLS header.  It never reads
 * or writes the descriptor itself except through GnuTLS, never closes
 * it (the stream owns it), and knows nothing about SMTP.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
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
#include "stream.h"
#include "tls.h"
#include "util.h"

#define PORT_HINT "; is the port right? (465 is implicit TLS, 587 STARTTLS)"
#define PIN_PREFIX "sha256//"

struct tls {
	gnutls_session_t			session;
	gnutls_certificate_credentials_t	cred;
	int		fd;
	int		dead;		/* fatal error or closed: no close_notify */
	size_t		again_len;	/* length of a send that got E_AGAIN */
	char		*host;		/* for messages */
};

static ssize_t	tls_read(void *, void *, size_t, struct err *);
static ssize_t	tls_write(void *, const void *, size_t, struct err *);
static size_t	tls_pending(void *);
static void	tls_shutdown(void *);
static void	tls_free(void *);

static const struct transport tls_transport = {
	"tls", tls_read, tls_write, tls_pending, tls_shutdown, tls_free
};

/* ------------------------------------------------------------ helpers */

/* Wait until fd is ready in the direction GnuTLS asks for (1), the
 * deadline passed (0), or poll failed (-1). deadline 0: none. */
static int
wait_fd(int fd, int want_write, long long deadline)
{
	struct pollfd pfd;
	long long left;
	int r;

	pfd.fd = fd;
	pfd.events = want_write ? POLLOUT : POLLIN;
	for (;;) {
		left = -1;
		if (deadline > 0) {
			left = deadline - now_ms();
			if (left <= 0)
				return 0;
		}
		/* poll takes an int: wait at most a day at a time */
		r = poll(&pfd, 1, left < 0 ? -1 : left > 86400000 ? 86400000 :
		    (int)left);
		if (r > 0)
			return 1;	/* readiness, HUP or ERR: GnuTLS reports it */
		if (r == 0)
			continue;	/* re-check the deadline */
		if (errno != EINTR)
			return -1;
	}
}

/* gnutls_strerror(r) without its final '.', to go inside a sentence. */
static const char *
gerr(int r, char *buf, size_t cap)
{
	size_t n;

	snprintf(buf, cap, "%s", gnutls_strerror(r));
	n = strlen(buf);
	if (n > 0 && buf[n - 1] == '.')
		buf[n - 1] = '\0';
	return buf;
}

static const char *
host_of(const struct tls *t)
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

static int
is_ip_literal(const char *host)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, host, buf) == 1 ||
	    inet_pton(AF_INET6, host, buf) == 1;
}

static enum err_kind
io_kind(int r)
{
	switch (r) {
	case GNUTLS_E_PUSH_ERROR:
	case GNUTLS_E_PULL_ERROR:
	case GNUTLS_E_PREMATURE_TERMINATION:
	case GNUTLS_E_TIMEDOUT:
		return ERR_TEMP;	/* resets and losses are temporary */
	default:
		return ERR_PROTOCOL;
	}
}

/* A fatal error on an established session (what: "reading", "sending"). */
static ssize_t
io_error(struct tls *t, const char *what, int r, int saved_errno,
    struct err *e)
{
	char msg[128];

	t->dead = 1;
	gerr(r, msg, sizeof(msg));
	if (r == GNUTLS_E_FATAL_ALERT_RECEIVED)
		return err_set(e, ERR_PROTOCOL, "TLS error %s %s: the server "
		    "sent the alert \"%s\"", what, host_of(t),
		    gnutls_alert_get_name(gnutls_alert_get(t->session)));
	if (io_kind(r) == ERR_TEMP && saved_errno != 0)
		return err_set(e, ERR_TEMP, "TLS connection %s %s lost: %s (%s)",
		    what, host_of(t), msg, strerror(saved_errno));
	return err_set(e, io_kind(r), "TLS error %s %s: %s", what, host_of(t),
	    msg);
}

static ssize_t
want(const struct tls *t)
{
	return gnutls_record_get_direction(t->session) ? T_WANT_WRITE :
	    T_WANT_READ;
}

/* ---------------------------------------------------------- transport */

static ssize_t
tls_read(void *ctx, void *buf, size_t n, struct err *e)
{
	struct tls *t = ctx;
	ssize_t r;

	for (;;) {
		errno = 0;
		r = gnutls_record_recv(t->session, buf, n);
		if (r >= 0) {
			if (r == 0)
				t->dead = 1;	/* close_notify received */
			return r;
		}
		switch (r) {
		case GNUTLS_E_INTERRUPTED:
		case GNUTLS_E_WARNING_ALERT_RECEIVED:
		case GNUTLS_E_REHANDSHAKE:	/* ignored: we never renegotiate */
			continue;
		case GNUTLS_E_AGAIN:
			return want(t);
		case GNUTLS_E_PREMATURE_TERMINATION:
			t->dead = 1;	/* EOF without close_notify: the end */
			return 0;
		}
		return io_error(t, "reading from", (int)r, errno, e);
	}
}

/*
 * GnuTLS rule: after GNUTLS_E_AGAIN it holds the encrypted record it
 * could not finish sending and must be called again with the same data.
 * The stream honours that by retrying from the same unconsumed position
 * of its write buffer; the buffer may have grown meanwhile, so we pass
 * the remembered length again, and GnuTLS answers with that length once
 * the record is out.  A retry with fewer bytes breaks the stream's side
 * of the contract and is an internal error.
 */
static ssize_t
tls_write(void *ctx, const void *buf, size_t n, struct err *e)
{
	struct tls *t = ctx;
	ssize_t r;

	if (t->again_len > 0) {
		if (n < t->again_len)
			return err_set(e, ERR_SOFTWARE, "TLS send retried "
			    "with %zu bytes after %zu", n, t->again_len);
		n = t->again_len;
	}
	do {
		errno = 0;
		r = gnutls_record_send(t->session, buf, n);
	} while (r == GNUTLS_E_INTERRUPTED);
	if (r == GNUTLS_E_AGAIN) {
		t->again_len = n;
		return want(t);
	}
	t->again_len = 0;
	if (r < 0)
		return io_error(t, "sending to", (int)r, errno, e);
	return r;
}

static size_t
tls_pending(void *ctx)
{
	struct tls *t = ctx;

	return gnutls_record_check_pending(t->session);
}

/* close_notify, best effort: at most TLS_BYE_MS, never an error. */
static void
tls_shutdown(void *ctx)
{
	struct tls *t = ctx;
	long long deadline = now_ms() + TLS_BYE_MS;
	int r;

	if (t == NULL || t->dead)
		return;
	t->dead = 1;
	for (;;) {
		r = gnutls_bye(t->session, GNUTLS_SHUT_WR);
		if (r != GNUTLS_E_AGAIN && r != GNUTLS_E_INTERRUPTED)
			return;
		if (wait_fd(t->fd, gnutls_record_get_direction(t->session),
		    deadline) != 1)
			return;
	}
}

static void
tls_free(void *ctx)
{
	struct tls *t = ctx;

	if (t == NULL)
		return;
	if (t->session != NULL)
		gnutls_deinit(t->session);
	if (t->cred != NULL)
		gnutls_certificate_free_credentials(t->cred);
	free(t->host);
	free(t);
}

/* ------------------------------------------------------------- set-up */

static int
load_trust(struct tls *t, const struct tls_params *p, struct err *e)
{
	const char *f = p->trust_file;
	char msg[128];
	int r;

	if (f == NULL || strcmp(f, "system") == 0) {
		r = gnutls_certificate_set_x509_system_trust(t->cred);
		if (r < 0)
			return err_set(e, ERR_CONFIG, "cannot load the system "
			    "trust store: %s", gerr(r, msg, sizeof(msg)));
	} else {
		r = gnutls_certificate_set_x509_trust_file(t->cred, f,
		    GNUTLS_X509_FMT_PEM);
		if (r < 0)
			return err_set(e, ERR_CONFIG, "cannot load tls_trust_file "
			    "%s: %s", f, gerr(r, msg, sizeof(msg)));
		if (r == 0)
			return err_set(e, ERR_CONFIG, "tls_trust_file %s holds "
			    "no certificate", f);
	}
	if (p->crl_file != NULL) {
		r = gnutls_certificate_set_x509_crl_file(t->cred, p->crl_file,
		    GNUTLS_X509_FMT_PEM);
		if (r < 0)
			return err_set(e, ERR_CONFIG, "cannot load tls_crl_file "
			    "%s: %s", p->crl_file,
			    gerr(r, msg, sizeof(msg)));
	}
	return 0;
}

/* Trust is loaded only when the chain will be checked: a fingerprint
 * replaces it, and certcheck off ignores it. */
static int
make_credentials(struct tls *t, const struct tls_params *p, struct err *e)
{
	int r;

	r = gnutls_certificate_allocate_credentials(&t->cred);
	if (r < 0)
		return err_set(e, ERR_OSERR, "TLS credentials: %s",
		    gnutls_strerror(r));
	if (p->certcheck && p->fingerprint == NULL &&
	    load_trust(t, p, e) == -1)
		return -1;
	if (p->cert_file != NULL) {
		if (p->key_file == NULL)
			return err_set(e, ERR_CONFIG, "tls_cert_file %s needs "
			    "tls_key_file", p->cert_file);
		r = gnutls_certificate_set_x509_key_file(t->cred, p->cert_file,
		    p->key_file, GNUTLS_X509_FMT_PEM);
		if (r < 0)
			return err_set(e, ERR_CONFIG, "cannot load client "
			    "certificate %s / key %s: %s", p->cert_file,
			    p->key_file, gnutls_strerror(r));
	}
	return 0;
}

/* p->priorities (or NORMAL) with the versions below the minimum removed. */
static int
set_priorities(struct tls *t, const struct tls_params *p, struct err *e)
{
	const char *base = p->priorities ? p->priorities : "NORMAL";
	const char *mv = p->min_version ? p->min_version : "tls1.2";
	const char *cut, *errpos = NULL;
	char *prio, msg[128];
	int r;

	if (ascii_casecmp(mv, "tls1.2") == 0)
		cut = ":-VERS-SSL3.0:-VERS-TLS1.0:-VERS-TLS1.1";
	else if (ascii_casecmp(mv, "tls1.3") == 0)
		cut = ":-VERS-SSL3.0:-VERS-TLS1.0:-VERS-TLS1.1:-VERS-TLS1.2";
	else
		return err_set(e, ERR_CONFIG, "tls_min_version %s: use tls1.2 "
		    "or tls1.3", mv);
	prio = xasprintf("%s%s", base, cut);
	r = gnutls_priority_set_direct(t->session, prio, &errpos);
	/* point into base: the versions cut off are ours */
	if (errpos == NULL || errpos < prio || errpos >= prio + strlen(base))
		errpos = prio + strlen(base);
	if (r < 0)
		err_set(e, ERR_CONFIG, "tls_priorities \"%s\": %s at \"%.*s\"",
		    base, gerr(r, msg, sizeof(msg)),
		    (int)(strlen(base) - (size_t)(errpos - prio)), errpos);
	free(prio);
	return r < 0 ? -1 : 0;
}

static int
make_session(struct tls *t, const struct tls_params *p, struct err *e)
{
	int r;

	r = gnutls_init(&t->session, GNUTLS_CLIENT | GNUTLS_NONBLOCK);
	if (r < 0) {
		t->session = NULL;
		return err_set(e, ERR_OSERR, "TLS session: %s",
		    gnutls_strerror(r));
	}
	if (set_priorities(t, p, e) == -1)
		return -1;
	r = gnutls_credentials_set(t->session, GNUTLS_CRD_CERTIFICATE, t->cred);
	if (r < 0)
		return err_set(e, ERR_SOFTWARE, "TLS credentials: %s",
		    gnutls_strerror(r));
	if (p->host != NULL && !is_ip_literal(p->host)) {
		r = gnutls_server_name_set(t->session, GNUTLS_NAME_DNS,
		    p->host, strlen(p->host));
		if (r < 0)
			return err_set(e, ERR_CONFIG, "TLS server name %s: %s",
			    p->host, gnutls_strerror(r));
	}
	gnutls_transport_set_int(t->session, t->fd);
	/* our own deadline bounds the handshake */
	gnutls_handshake_set_timeout(t->session, GNUTLS_INDEFINITE_TIMEOUT);
	return 0;
}

/* --------------------------------------------------------- handshake */

static int
handshake_error(struct tls *t, int r, int saved_errno, struct err *e)
{
	const char *alert;
	char msg[128];

	t->dead = 1;
	if (r == GNUTLS_E_FATAL_ALERT_RECEIVED) {
		alert = gnutls_alert_get_name(gnutls_alert_get(t->session));
		return err_set(e, ERR_PROTOCOL, "TLS handshake with %s failed: "
		    "the server sent the alert \"%s\"; check tls_min_version "
		    "and tls_priorities", host_of(t), alert ? alert : "?");
	}
	gerr(r, msg, sizeof(msg));
	if (io_kind(r) == ERR_TEMP)
		return err_set(e, ERR_TEMP, "TLS handshake with %s failed: "
		    "%s%s%s", host_of(t), msg, saved_errno ? ": " : "",
		    saved_errno ? strerror(saved_errno) : "");
	/* a TLS server whose versions are all below our minimum looks
	 * like this too */
	return err_set(e, ERR_PROTOCOL, "TLS handshake with %s failed: %s"
	    PORT_HINT "%s", host_of(t), msg,
	    r == GNUTLS_E_UNSUPPORTED_VERSION_PACKET ? "; or does the server "
	    "lack the TLS versions allowed by tls_min_version?" : "");
}

/* The handshake over the non-blocking descriptor, within timeout_ms. */
static int
handshake(struct tls *t, long timeout_ms, struct err *e)
{
	long long deadline = timeout_ms > 0 ? now_ms() + timeout_ms : 0;
	int r, w;

	for (;;) {
		errno = 0;
		r = gnutls_handshake(t->session);
		if (r == GNUTLS_E_SUCCESS)
			return 0;
		if (r != GNUTLS_E_AGAIN && r != GNUTLS_E_INTERRUPTED &&
		    r != GNUTLS_E_WARNING_ALERT_RECEIVED)
			return handshake_error(t, r, errno, e);
		if (r != GNUTLS_E_AGAIN)
			w = 1;		/* no I/O wanted: just call again */
		else
			w = wait_fd(t->fd,
			    gnutls_record_get_direction(t->session), deadline);
		if (w == 0) {
			t->dead = 1;
			return err_set(e, ERR_TEMP, "TLS handshake with %s timed "
			    "out after %ld ms", host_of(t), timeout_ms);
		}
		if (w < 0) {
			t->dead = 1;
			return err_set(e, ERR_TEMP, "TLS handshake with %s: "
			    "poll: %s", host_of(t), strerror(errno));
		}
	}
}

/* ------------------------------------------------------ verification */

/* The peer's leaf certificate (caller deinits). */
static int
peer_leaf(struct tls *t, gnutls_x509_crt_t *leaf, struct err *e)
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
check_fingerprint(struct tls *t, gnutls_x509_crt_t leaf, const char *fp,
    struct err *e)
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
expiry_of_chain(struct tls *t, char *buf, size_t cap)
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
status_error(struct tls *t, gnutls_x509_crt_t leaf, unsigned int st,
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
check_chain(struct tls *t, gnutls_x509_crt_t leaf, struct err *e)
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
check_pin(struct tls *t, gnutls_x509_crt_t leaf, const char *pin,
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
verify_peer(struct tls *t, const struct tls_params *p, gnutls_x509_crt_t leaf,
    struct err *e)
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
fill_info(struct tls *t, gnutls_x509_crt_t leaf, struct tls_info *info)
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

struct tls *
tls_start(struct stream *s, const struct tls_params *p, struct tls_info *info,
    struct err *e)
{
	struct tls *t = xcalloc(1, sizeof(*t));
	gnutls_x509_crt_t leaf = NULL;

	t->fd = stream_fd(s);
	t->host = p->host != NULL ? xstrdup(p->host) : NULL;
	if (t->fd < 0) {
		err_set(e, ERR_SOFTWARE, "TLS needs a connected descriptor");
		goto fail;
	}
	if (make_credentials(t, p, e) == -1 || make_session(t, p, e) == -1 ||
	    handshake(t, p->timeout_ms, e) == -1 ||
	    peer_leaf(t, &leaf, e) == -1)
		goto fail;
	if (verify_peer(t, p, leaf, e) == -1) {
		/* tell the server why; best effort, never waits */
		gnutls_alert_send(t->session, GNUTLS_AL_FATAL,
		    GNUTLS_A_BAD_CERTIFICATE);
		t->dead = 1;
		goto fail;
	}
	if (info != NULL)
		fill_info(t, leaf, info);
	gnutls_x509_crt_deinit(leaf);
	stream_set_transport(s, &tls_transport, t);
	return t;
fail:
	if (leaf != NULL)
		gnutls_x509_crt_deinit(leaf);
	tls_free(t);
	return NULL;
}

int
tls_channel_binding(struct tls *t, const char **type, unsigned char **data,
    size_t *len, struct err *e)
{
	gnutls_channel_binding_t cbt = GNUTLS_CB_TLS_UNIQUE;
	gnutls_datum_t cb = { NULL, 0 };
	int r;

	*type = NULL;
	*data = NULL;
	*len = 0;
	if (t == NULL || t->session == NULL)
		return err_set(e, ERR_SOFTWARE, "channel binding without TLS");
	if (gnutls_protocol_get_version(t->session) == GNUTLS_TLS1_3) {
		cbt = GNUTLS_CB_TLS_EXPORTER;
		*type = "tls-exporter";
	} else {
		/* RFC 7627: tls-unique is only unique with the EMS */
		if (!gnutls_session_ext_master_secret_status(t->session))
			return err_set(e, ERR_UNAVAILABLE, "no channel binding: "
			    "TLS 1.2 without extended master secret");
		*type = "tls-unique";
	}
	r = gnutls_session_channel_binding(t->session, cbt, &cb);
	if (r < 0 || cb.size == 0) {
		*type = NULL;
		gnutls_free(cb.data);
		return err_set(e, ERR_UNAVAILABLE, "no %s channel binding: %s",
		    cbt == GNUTLS_CB_TLS_EXPORTER ? "tls-exporter" :
		    "tls-unique", r < 0 ? gnutls_strerror(r) : "empty");
	}
	*data = xmalloc(cb.size);
	memcpy(*data, cb.data, cb.size);
	*len = cb.size;
	gnutls_free(cb.data);
	return 0;
}

int
tls_global_init(struct err *e)
{
	int r = gnutls_global_init();

	if (r < 0)
		return err_set(e, ERR_SOFTWARE, "GnuTLS initialisation: %s",
		    gnutls_strerror(r));
	return 0;
}

void
tls_global_done(void)
{
	gnutls_global_deinit();
}
