/*
 * plus_server.c - a one-connection SMTP server with implicit TLS for the
 * one thing Dovecot 2.3 cannot test: SCRAM-SHA-256-PLUS (RFC 5802, 7677).
 * libgsasl's server side checks the client's proof and channel binding
 * against this server's own GnuTLS session: tls-exporter (RFC 9266) on
 * TLS 1.3, tls-unique (RFC 5929) on TLS 1.2.
 *
 * It also tests SASL EXTERNAL (RFC 4422 appendix A) over a TLS client
 * certificate, which needs a server that asks for one.
 *
 *   plus_server CERT KEY PORTFILE USER PASSWORD [tls13|tls12] [badcb]
 *       [external=CAFILE | external-optional=CAFILE]
 *
 * Listens on 127.0.0.1 on an ephemeral port and writes it to PORTFILE
 * (atomically), accepts one connection, speaks just enough SMTP for one
 * message, and prints to stdout "TLS <version>", then "AUTH ok MECH" or
 * "AUTH failed MECH: reason" for each AUTH.  "badcb" flips a bit of the
 * binding data the server expects, so a correct client must be refused;
 * "badchallenge" answers AUTH with a challenge that is not base64.
 * external=CAFILE requires a client certificate (GNUTLS_CERT_REQUIRE: a
 * client without one fails the handshake), external-optional=CAFILE only
 * asks for one (GNUTLS_CERT_REQUEST); both verify it against CAFILE after
 * the handshake, print "CERT ok <CN>", "CERT none" or "CERT bad: reason",
 * and offer AUTH EXTERNAL, accepted only with a verified certificate and
 * an authorization identity that is empty or the certificate's CN:
 * "AUTH ok EXTERNAL <authzid>" ("AUTH ok EXTERNAL" when it is empty);
 * the client's "AUTH EXTERNAL ..." line is printed after "C: ".
 * The whole run is bounded: SIGALRM ends it after 30 seconds.
 */
#include "autoconfig.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <gsasl.h>

#define LINE_MAX_LEN	16384	/* longest command line accepted */
#define RUN_SECONDS	30	/* the whole run, whatever happens */

struct conn {
	gnutls_session_t	tls;
	char			buf[LINE_MAX_LEN];
	size_t			len;		/* bytes in buf */
	int			authed;
};

static const char *user, *password;
/* "badchallenge": answer AUTH with a challenge that is not base64 */
static int bad_challenge;

/* The client certificate (external modes): verified, its CN, and why
 * EXTERNAL was refused, for the verdict line. */
static struct {
	int		on;		/* AUTH EXTERNAL offered */
	int		verified;
	char		cn[256];
	const char	*why;
} ext;

static void
die(const char *what)
{
	printf("plus_server: %s\n", what);
	exit(2);
}

/* Send a reply line (CRLF added); 0 or -1. */
static int
say(struct conn *c, const char *line)
{
	char out[LINE_MAX_LEN + 2];
	size_t n = strlen(line), off = 0;
	ssize_t w;

	if (n > LINE_MAX_LEN)
		return -1;
	memcpy(out, line, n);
	memcpy(out + n, "\r\n", 2);
	n += 2;
	while (off < n) {
		w = gnutls_record_send(c->tls, out + off, n - off);
		if (w == GNUTLS_E_AGAIN || w == GNUTLS_E_INTERRUPTED)
			continue;
		if (w < 0)
			return -1;
		off += (size_t)w;
	}
	return 0;
}

/* The next line without its CRLF into line (capacity LINE_MAX_LEN);
 * 0, or -1 on EOF, error or an over-long line. */
static int
hear(struct conn *c, char *line)
{
	char *nl;
	size_t n;
	ssize_t r;

	while ((nl = memchr(c->buf, '\n', c->len)) == NULL) {
		if (c->len == sizeof(c->buf))
			return -1;
		r = gnutls_record_recv(c->tls, c->buf + c->len,
		    sizeof(c->buf) - c->len);
		if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
			continue;
		if (r <= 0)
			return -1;
		c->len += (size_t)r;
	}
	n = (size_t)(nl - c->buf);
	memcpy(line, c->buf, n);
	line[n > 0 && line[n - 1] == '\r' ? n - 1 : n] = '\0';
	c->len -= n + 1;
	memmove(c->buf, nl + 1, c->len);
	return 0;
}

/* EXTERNAL: the TLS client certificate verified, and the authorization
 * identity, when the client sent one, is its CN (RFC 4422 appendix A). */
static int
validate_external(Gsasl_session *s)
{
	const char *authzid = gsasl_property_fast(s, GSASL_AUTHZID);

	if (!ext.verified) {
		ext.why = "no verified client certificate";
		return GSASL_AUTHENTICATION_ERROR;
	}
	if (authzid != NULL && *authzid != '\0' &&
	    strcmp(authzid, ext.cn) != 0) {
		ext.why = "the authorization identity is not the "
		    "certificate's CN";
		return GSASL_AUTHENTICATION_ERROR;
	}
	return GSASL_OK;
}

/* libgsasl asks for the password of the authentication identity, or
 * whether an EXTERNAL identity is valid. */
static int
callback(Gsasl *ctx, Gsasl_session *s, Gsasl_property prop)
{
	const char *authid = gsasl_property_fast(s, GSASL_AUTHID);

	if (prop == GSASL_VALIDATE_EXTERNAL)
		return validate_external(s);
	if (prop != GSASL_PASSWORD)
		return GSASL_NO_CALLBACK;
	if (authid == NULL || strcmp(authid, user) != 0)
		return GSASL_AUTHENTICATION_ERROR;
	return gsasl_property_set(s, GSASL_PASSWORD, password);
}

/* Give the session the binding of our TLS session (flipped when bad). */
static int
set_binding(struct conn *c, Gsasl_session *s, int bad)
{
	gnutls_datum_t cb = { NULL, 0 };
	char *b64 = NULL;
	size_t b64len;
	int v13 = gnutls_protocol_get_version(c->tls) == GNUTLS_TLS1_3, rc;

	if (gnutls_session_channel_binding(c->tls, v13 ? GNUTLS_CB_TLS_EXPORTER :
	    GNUTLS_CB_TLS_UNIQUE, &cb) < 0 || cb.size == 0)
		return GSASL_NO_CB_TLS_UNIQUE;
	if (bad)
		cb.data[0] ^= 1;
	rc = gsasl_base64_to((const char *)cb.data, cb.size, &b64, &b64len);
	gnutls_free(cb.data);
	if (rc != GSASL_OK)
		return rc;
	rc = gsasl_property_set(s, v13 ? GSASL_CB_TLS_EXPORTER :
	    GSASL_CB_TLS_UNIQUE, b64);
	gsasl_free(b64);
	return rc;
}

/* The SASL exchange after "AUTH mech [ir]": GSASL_OK or an error code;
 * *cancelled is set when the client answered "*". */
static int
exchange(struct conn *c, Gsasl_session *s, const char *ir, int *cancelled)
{
	char line[LINE_MAX_LEN], reply[LINE_MAX_LEN];
	char *out = NULL;
	const char *in = ir;
	int rc;

	for (;;) {
		rc = gsasl_step64(s, in != NULL && strcmp(in, "=") != 0 ? in : "",
		    &out);
		if (rc != GSASL_OK && rc != GSASL_NEEDS_MORE)
			break;
		/* RFC 4954: data with success goes in a 334, answered empty */
		if (rc == GSASL_OK && (out == NULL || *out == '\0'))
			break;
		snprintf(reply, sizeof(reply), "334 %s", out != NULL ? out : "");
		gsasl_free(out);
		out = NULL;
		if (say(c, reply) < 0 || hear(c, line) < 0)
			return GSASL_AUTHENTICATION_ERROR;
		if (strcmp(line, "*") == 0) {
			*cancelled = 1;
			return GSASL_AUTHENTICATION_ERROR;
		}
		if (rc == GSASL_OK)
			return *line == '\0' ? GSASL_OK : GSASL_MECHANISM_PARSE_ERROR;
		in = line;
	}
	gsasl_free(out);
	return rc;
}

/* "AUTH mech [ir]": one SASL exchange, its verdict printed. */
static int
do_auth(struct conn *c, Gsasl *ctx, char *args, int badcb)
{
	Gsasl_session *s = NULL;
	char *mech = strtok(args, " "), *ir = strtok(NULL, " ");
	const char *authzid;
	int rc, cancelled = 0;

	if (mech == NULL || c->authed)
		return say(c, "503 5.5.1 Bad sequence of commands");
	if (strcmp(mech, "SCRAM-SHA-256-PLUS") != 0 &&
	    strcmp(mech, "SCRAM-SHA-256") != 0 &&
	    (strcmp(mech, "EXTERNAL") != 0 || !ext.on))
		return say(c, "504 5.5.4 Mechanism not available");
	ext.why = NULL;
	if (bad_challenge) {
		char line[LINE_MAX_LEN];

		if (say(c, "334 !not*base64!") < 0 || hear(c, line) < 0)
			return -1;
		printf("C: %s\nAUTH failed %s: bad challenge sent\n",
		    strcmp(line, "*") == 0 ? "*" : "(not a cancel)", mech);
		fflush(stdout);
		return say(c, "501 5.7.0 Authentication cancelled");
	}
	if (strcmp(mech, "EXTERNAL") == 0)	/* no secret in it: show it */
		printf("C: AUTH EXTERNAL%s%s\n", ir != NULL ? " " : "",
		    ir != NULL ? ir : "");
	rc = gsasl_server_start(ctx, mech, &s);
	if (rc == GSASL_OK && strcmp(mech, "SCRAM-SHA-256-PLUS") == 0)
		rc = set_binding(c, s, badcb);
	if (rc == GSASL_OK)
		rc = exchange(c, s, ir, &cancelled);
	if (rc == GSASL_OK && strcmp(mech, "EXTERNAL") == 0) {
		authzid = gsasl_property_fast(s, GSASL_AUTHZID);
		printf("AUTH ok EXTERNAL%s%s\n", authzid != NULL &&
		    *authzid != '\0' ? " " : "", authzid != NULL ? authzid : "");
	} else if (rc == GSASL_OK)
		printf("AUTH ok %s\n", mech);
	gsasl_finish(s);
	if (rc == GSASL_OK) {
		fflush(stdout);
		c->authed = 1;
		return say(c, "235 2.7.0 Authentication successful");
	}
	printf("AUTH failed %s: %s\n", mech, cancelled ? "cancelled by client" :
	    ext.why != NULL ? ext.why : gsasl_strerror(rc));
	fflush(stdout);
	return say(c, cancelled ? "501 5.7.0 Authentication cancelled" :
	    "535 5.7.8 Authentication credentials invalid");
}

/* The message after 354, up to the lone dot. */
static int
do_data(struct conn *c)
{
	char line[LINE_MAX_LEN];

	if (say(c, "354 End data with <CR><LF>.<CR><LF>") < 0)
		return -1;
	do {
		if (hear(c, line) < 0)
			return -1;
	} while (strcmp(line, ".") != 0);
	return say(c, "250 2.0.0 Ok: queued");
}

/* The SMTP session after the handshake; returns when it ends. */
static void
session(struct conn *c, Gsasl *ctx, int badcb)
{
	char line[LINE_MAX_LEN];
	int rc = say(c, "220 plus.outbox.test ESMTP plus_server");

	while (rc == 0 && hear(c, line) == 0) {
		if (strncasecmp(line, "EHLO ", 5) == 0)
			rc = say(c, "250-plus.outbox.test") |
			    say(c, "250-PIPELINING") |
			    say(c, ext.on ? "250-AUTH SCRAM-SHA-256-PLUS "
			    "SCRAM-SHA-256 EXTERNAL" :
			    "250-AUTH SCRAM-SHA-256-PLUS SCRAM-SHA-256") |
			    say(c, "250 ENHANCEDSTATUSCODES");
		else if (strncasecmp(line, "AUTH ", 5) == 0)
			rc = do_auth(c, ctx, line + 5, badcb);
		else if (strncasecmp(line, "MAIL FROM:", 10) == 0)
			rc = say(c, c->authed ? "250 2.1.0 Ok" :
			    "530 5.7.0 Authentication required");
		else if (strncasecmp(line, "RCPT TO:", 8) == 0)
			rc = say(c, c->authed ? "250 2.1.5 Ok" :
			    "530 5.7.0 Authentication required");
		else if (strcasecmp(line, "DATA") == 0)
			rc = c->authed ? do_data(c) :
			    say(c, "530 5.7.0 Authentication required");
		else if (strcasecmp(line, "QUIT") == 0) {
			(void)say(c, "221 2.0.0 Bye");
			break;
		} else
			rc = say(c, "502 5.5.2 Command not recognized");
	}
	(void)gnutls_bye(c->tls, GNUTLS_SHUT_WR);
}

/* Listen on 127.0.0.1:0, publish the port, return the listening socket. */
static int
listen_local(const char *portfile)
{
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);
	char tmp[4096];
	FILE *f;
	int fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(fd, 1) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &slen) < 0)
		die("cannot listen on 127.0.0.1");
	snprintf(tmp, sizeof(tmp), "%s.tmp", portfile);
	if ((f = fopen(tmp, "w")) == NULL ||
	    fprintf(f, "%u\n", (unsigned)ntohs(sin.sin_port)) < 0 ||
	    fclose(f) != 0 || rename(tmp, portfile) != 0)
		die("cannot write the port file");
	return fd;
}

/* Options after PASSWORD, in any order. */
struct opts {
	const char	*prio;
	int		badcb;
	const char	*ca;		/* external modes: the client CA */
	gnutls_certificate_request_t	req;
};

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	int i;

	o->prio = "NORMAL:-VERS-ALL:+VERS-TLS1.3";
	o->badcb = 0;
	o->ca = NULL;
	o->req = GNUTLS_CERT_IGNORE;
	for (i = 6; i < argc; i++) {
		if (strcmp(argv[i], "tls12") == 0)
			o->prio = "NORMAL:-VERS-ALL:+VERS-TLS1.2";
		else if (strcmp(argv[i], "tls13") == 0)
			o->prio = "NORMAL:-VERS-ALL:+VERS-TLS1.3";
		else if (strcmp(argv[i], "badcb") == 0)
			o->badcb = 1;
		else if (strcmp(argv[i], "badchallenge") == 0)
			bad_challenge = 1;
		else if (strncmp(argv[i], "external=", 9) == 0) {
			o->ca = argv[i] + 9;
			o->req = GNUTLS_CERT_REQUIRE;
		} else if (strncmp(argv[i], "external-optional=", 18) == 0) {
			o->ca = argv[i] + 18;
			o->req = GNUTLS_CERT_REQUEST;
		} else
			die("unknown option (tls13, tls12, badcb, badchallenge, "
			    "external=CA, external-optional=CA)");
	}
}

/* After the handshake: verify the client's certificate against the CA
 * and keep its CN; print what was found. */
static void
check_client_cert(gnutls_session_t tls)
{
	const gnutls_datum_t *chain;
	gnutls_x509_crt_t crt;
	gnutls_datum_t out;
	unsigned int n = 0, status = 0;
	size_t cnlen = sizeof(ext.cn);

	if ((chain = gnutls_certificate_get_peers(tls, &n)) == NULL || n == 0) {
		printf("CERT none\n");
		return;
	}
	if (gnutls_certificate_verify_peers2(tls, &status) < 0)
		status = GNUTLS_CERT_INVALID;
	if (status != 0) {
		if (gnutls_certificate_verification_status_print(status,
		    GNUTLS_CRT_X509, &out, 0) == 0) {
			printf("CERT bad: %s\n", out.data);
			gnutls_free(out.data);
		} else
			printf("CERT bad\n");
		return;
	}
	if (gnutls_x509_crt_init(&crt) < 0 ||
	    gnutls_x509_crt_import(crt, &chain[0], GNUTLS_X509_FMT_DER) < 0 ||
	    gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0,
	    0, ext.cn, &cnlen) < 0)
		die("cannot read the client certificate's CN");
	gnutls_x509_crt_deinit(crt);
	ext.verified = 1;
	printf("CERT ok %s\n", ext.cn);
}

/* The server's certificate and key, and the CA for client certificates. */
static gnutls_certificate_credentials_t
load_cred(const char *cert, const char *key, const char *ca)
{
	gnutls_certificate_credentials_t cred;

	if (gnutls_certificate_allocate_credentials(&cred) < 0 ||
	    gnutls_certificate_set_x509_key_file(cred, cert, key,
	    GNUTLS_X509_FMT_PEM) < 0)
		die("cannot load the certificate and key");
	if (ca != NULL && gnutls_certificate_set_x509_trust_file(cred, ca,
	    GNUTLS_X509_FMT_PEM) <= 0)
		die("cannot load the client CA");
	return cred;
}

int
main(int argc, char **argv)
{
	gnutls_certificate_credentials_t cred;
	static struct conn c;
	struct opts o;
	Gsasl *ctx;
	int lfd, fd, rc;

	if (argc < 6) {
		fprintf(stderr, "usage: plus_server CERT KEY PORTFILE USER "
		    "PASSWORD [tls13|tls12] [badcb] [external=CAFILE | "
		    "external-optional=CAFILE]\n");
		return 2;
	}
	user = argv[4];
	password = argv[5];
	parse_opts(argc, argv, &o);
	ext.on = o.ca != NULL;
	alarm(RUN_SECONDS);
	if (gsasl_init(&ctx) != GSASL_OK)
		die("gsasl_init failed");
	gsasl_callback_set(ctx, callback);
	cred = load_cred(argv[1], argv[2], o.ca);
	lfd = listen_local(argv[3]);
	if ((fd = accept(lfd, NULL, NULL)) < 0)
		die("accept failed");
	close(lfd);
	if (gnutls_init(&c.tls, GNUTLS_SERVER) < 0 ||
	    gnutls_priority_set_direct(c.tls, o.prio, NULL) < 0 ||
	    gnutls_credentials_set(c.tls, GNUTLS_CRD_CERTIFICATE, cred) < 0)
		die("cannot set up the TLS session");
	gnutls_certificate_server_set_request(c.tls, o.req);
	gnutls_transport_set_int(c.tls, fd);
	do {
		rc = gnutls_handshake(c.tls);
	} while (rc < 0 && !gnutls_error_is_fatal(rc));
	if (rc < 0) {
		/* as real servers do: tell the client why */
		(void)gnutls_alert_send_appropriate(c.tls, rc);
		printf("TLS failed: %s\n", gnutls_strerror(rc));
		goto done;
	}
	printf("TLS %s\n", gnutls_protocol_get_name(
	    gnutls_protocol_get_version(c.tls)));
	if (ext.on)
		check_client_cert(c.tls);
	fflush(stdout);
	session(&c, ctx, o.badcb);
done:
	fflush(stdout);
	gnutls_deinit(c.tls);
	close(fd);
	gnutls_certificate_free_credentials(cred);
	gsasl_done(ctx);
	return rc < 0 ? 1 : 0;
}
