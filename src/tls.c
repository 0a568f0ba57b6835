/*
 * tls.c - the GnuTLS adapter: credentials and priorities from the
 * account, a non-blocking handshake bounded by a timeout, and a
 * transport for stream.c that moves the session's records.  Checking
 * the peer once the handshake is done (chain and host name, fingerprint,
 * SPKI pin) is tls_verify.c's.
 *
 * Only this file and tls_verify.c include a GnuTLS header.  It never
 * reads or writes the descriptor itself except through GnuTLS, never
 * closes it (the stream owns it), and knows nothing about SMTP.
 */
#include "autoconfig.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "limits.h"
#include "status.h"
#include "stream.h"
#include "tls.h"
#include "tls_verify.h"
#include "util.h"

#define PORT_HINT "; is the port right? (465 is implicit TLS, 587 STARTTLS)"

struct tls {
	gnutls_session_t			session;
	gnutls_certificate_credentials_t	cred;
	int		fd;
	int		dead;		/* fatal error or closed: no close_notify */
	size_t		again_len;	/* length of a send that got E_AGAIN */
	char		*host;		/* for messages */
	char		*cert_file;	/* the client certificate, for messages */
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

/* Alerts that can only be about a certificate. */
static int
cert_alert(gnutls_alert_description_t a)
{
	switch (a) {
	case GNUTLS_A_BAD_CERTIFICATE:
	case GNUTLS_A_UNSUPPORTED_CERTIFICATE:
	case GNUTLS_A_CERTIFICATE_REVOKED:
	case GNUTLS_A_CERTIFICATE_EXPIRED:
	case GNUTLS_A_CERTIFICATE_UNKNOWN:
	case GNUTLS_A_UNKNOWN_CA:
	case GNUTLS_A_ACCESS_DENIED:
	case GNUTLS_A_CERTIFICATE_REQUIRED:
		return 1;
	default:
		return 0;
	}
}

/*
 * Why a fatal alert came, when it is about the client certificate: the
 * server asked for one and got none (GnuTLS sends ours only when its
 * issuer is among the CAs the server names; a server may then say
 * certificate_required, handshake_failure, or even decode_error), or it
 * refused the one we sent.  The text to add to the message, or "".
 */
static const char *
cert_hint(const struct tls *t, char *buf, size_t cap)
{
	gnutls_alert_description_t a = gnutls_alert_get(t->session);
	int asked = gnutls_certificate_client_get_request_status(t->session);
	int sent = gnutls_certificate_get_ours(t->session) != NULL;

	buf[0] = '\0';
	if (a == GNUTLS_A_CERTIFICATE_REQUIRED || (asked && !sent)) {
		if (t->cert_file == NULL)
			snprintf(buf, cap, ": the server requires a client "
			    "certificate (set tls_cert_file and tls_key_file)");
		else
			snprintf(buf, cap, ": the server asked for a client "
			    "certificate, but %s (tls_cert_file) is not from a "
			    "CA it accepts, so none was sent", t->cert_file);
	} else if (asked && t->cert_file != NULL && cert_alert(a))
		snprintf(buf, cap, ": the server did not accept the client "
		    "certificate %s (tls_cert_file): is it signed by a CA the "
		    "server trusts, and still valid?", t->cert_file);
	return buf;
}

/* A fatal error on an established session (what: "reading", "sending"). */
static ssize_t
io_error(struct tls *t, const char *what, int r, int saved_errno,
    struct err *e)
{
	char msg[128], hint[ERR_MSG_MAX / 2];

	t->dead = 1;
	gerr(r, msg, sizeof(msg));
	/* TLS 1.3: a refused client certificate shows at the first read */
	if (r == GNUTLS_E_FATAL_ALERT_RECEIVED)
		return err_set(e, ERR_PROTOCOL, "TLS error %s %s: the server "
		    "sent the alert \"%s\"%s", what, host_of(t),
		    gnutls_alert_get_name(gnutls_alert_get(t->session)),
		    cert_hint(t, hint, sizeof(hint)));
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
	free(t->cert_file);
	free(t);
}

/* ------------------------------------------------------------- set-up */

/*
 * The CRLs of file, after the trust store: GnuTLS matches a CRL to a
 * certificate by issuer name and serial only, so each CRL's signature is
 * checked here against the trusted CAs (VERIFY_CRLS), and one that no CA
 * signed is refused instead of revoking in that CA's name.
 */
static int
load_crl(struct tls *t, const char *file, struct err *e)
{
	char msg[128];
	int r;

	gnutls_certificate_set_flags(t->cred, GNUTLS_CERTIFICATE_VERIFY_CRLS);
	r = gnutls_certificate_set_x509_crl_file(t->cred, file,
	    GNUTLS_X509_FMT_PEM);
	if (r == GNUTLS_E_CRL_VERIFICATION_ERROR)
		return err_set(e, ERR_CONFIG, "cannot load tls_crl_file %s: a "
		    "CRL in it is not signed by a trusted CA (tls_trust_file), "
		    "or is out of date", file);
	if (r < 0)
		return err_set(e, ERR_CONFIG, "cannot load tls_crl_file %s: %s",
		    file, gerr(r, msg, sizeof(msg)));
	return 0;
}

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
	return p->crl_file != NULL ? load_crl(t, p->crl_file, e) : 0;
}

/* -1 naming the first of the two files that cannot be read, with the
 * reason; 0 when both can (then GnuTLS's error is about their content). */
static int
unreadable(const struct tls_params *p, struct err *e)
{
	const char *f[2] = { p->cert_file, p->key_file };
	const char *kw[2] = { "tls_cert_file", "tls_key_file" };
	FILE *fp;
	int i;

	for (i = 0; i < 2; i++) {
		if ((fp = fopen(f[i], "r")) == NULL)
			return err_set(e, ERR_CONFIG, "cannot read %s %s: %s",
			    kw[i], f[i], strerror(errno));
		fclose(fp);
	}
	return 0;
}

/* The client certificate and its key, each named when it is wrong. */
static int
load_client_cert(struct tls *t, const struct tls_params *p, struct err *e)
{
	char msg[128];
	int r;

	if (p->key_file == NULL)
		return err_set(e, ERR_CONFIG, "tls_cert_file %s needs "
		    "tls_key_file", p->cert_file);
	r = gnutls_certificate_set_x509_key_file(t->cred, p->cert_file,
	    p->key_file, GNUTLS_X509_FMT_PEM);
	if (r >= 0)
		return 0;
	if (r == GNUTLS_E_FILE_ERROR && unreadable(p, e) == -1)
		return -1;
	if (r == GNUTLS_E_CERTIFICATE_KEY_MISMATCH)
		return err_set(e, ERR_CONFIG, "tls_key_file %s is not the key "
		    "of the certificate in tls_cert_file %s", p->key_file,
		    p->cert_file);
	return err_set(e, ERR_CONFIG, "cannot load client certificate %s / "
	    "key %s: %s", p->cert_file, p->key_file, gerr(r, msg, sizeof(msg)));
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
	if (p->cert_file != NULL)
		return load_client_cert(t, p, e);
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
	char msg[128], hint[ERR_MSG_MAX / 2];

	t->dead = 1;
	if (r == GNUTLS_E_FATAL_ALERT_RECEIVED) {
		alert = gnutls_alert_get_name(gnutls_alert_get(t->session));
		if (*cert_hint(t, hint, sizeof(hint)) != '\0')
			return err_set(e, ERR_PROTOCOL, "TLS handshake with %s "
			    "failed: the server sent the alert \"%s\"%s",
			    host_of(t), alert ? alert : "?", hint);
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

/* ------------------------------------------------------------ public */

struct tls *
tls_start(struct stream *s, const struct tls_params *p, struct tls_info *info,
    struct err *e)
{
	struct tls *t = xcalloc(1, sizeof(*t));

	t->fd = stream_fd(s);
	t->host = p->host != NULL ? xstrdup(p->host) : NULL;
	t->cert_file = p->cert_file != NULL ? xstrdup(p->cert_file) : NULL;
	if (t->fd < 0) {
		err_set(e, ERR_SOFTWARE, "TLS needs a connected descriptor");
		goto fail;
	}
	if (make_credentials(t, p, e) == -1 || make_session(t, p, e) == -1 ||
	    handshake(t, p->timeout_ms, e) == -1 ||
	    tls_verify(t->session, t->host, p, info, e) == -1)
		goto fail;
	stream_set_transport(s, &tls_transport, t);
	return t;
fail:
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
