/*
 * test_sasl.c - sasl_auth() against an in-process server: libgsasl's
 * server side plays the smarthost behind a stand-in smtp_auth_step(),
 * with scripted modes for the OAuth mechanisms and broken challenges.
 * Every line the client sends is recorded with its secret flag, so each
 * case also checks that no line traced in clear carries the password.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include <gsasl.h>

#include "reply.h"
#include "sasl.h"
#include "smtp.h"
#include "status.h"
#include "tls.h"
#include "util.h"
#include "../tap.h"

#define PW	"b0b: p\xc3\xa4ssw\xc3\xb6rd;\"x\""
#define USER	"alice@example.org"
#define HOST	"smtp.example.org"
#define NLOG	32

enum mode {
	S_GSASL,	/* libgsasl's server runs the mechanism */
	S_OAUTH,	/* accept the decoded OAuth response */
	S_OAUTH_JSON,	/* answer the OAuth response with a JSON error */
	S_BADB64,	/* first challenge is not base64 */
	S_BIG,		/* first challenge is too long */
	S_MULTI,	/* first challenge has two lines */
	S_TEMP,		/* AUTH gets 454 */
};

static const char json_err[] =
    "{\"status\":\"401\",\"schemes\":\"bearer\",\"scope\":\"https://mail\"}";

/* The fake server's state, reset by each case. */
static struct server {
	enum mode	mode;
	const char	*password;	/* what the server expects */
	const char	*cb_type;	/* server's channel binding */
	const char	*cb;
	Gsasl		*ctx;
	Gsasl_session	*s;
	int		final_sent;	/* a success was sent as a 334 */
	int		tamper;		/* replace the server's final proof */
	int		json_sent;
	char		mech[32];
	char		ir[8192];	/* decoded OAuth response */
	size_t		irlen;
	size_t		nlog;
	char		*log[NLOG];	/* every line the client sent */
	int		secret[NLOG];
} srv;

/* The client's channel binding (stand-in for tls.c). */
static const char *cli_cb_type = "tls-exporter";
static const char *cli_cb = "0123456789abcdef0123456789abcdef";

int
tls_channel_binding(struct tls *t, const char **type, unsigned char **data,
    size_t *len, struct err *e)
{
	*type = cli_cb_type;
	*len = strlen(cli_cb);
	*data = (unsigned char *)xstrdup(cli_cb);
	return 0;
}

static void
set_reply(struct reply *r, int code, const char *text)
{
	memset(r, 0, sizeof(*r));
	r->code = code;
	r->nlines = 1;
	r->textlen = strlen(text);
	memcpy(r->text, text, r->textlen);
	if (code >= 400 && text[0] >= '4' && text[0] <= '5' && text[1] == '.')
		snprintf(r->enh, sizeof(r->enh), "%.*s",
		    (int)strcspn(text, " "), text);
}

static int
server_cb(Gsasl *ctx, Gsasl_session *s, Gsasl_property prop)
{
	const char *id = gsasl_property_fast(s, GSASL_AUTHID);
	const char *pw;

	switch (prop) {
	case GSASL_VALIDATE_SIMPLE:
		pw = gsasl_property_fast(s, GSASL_PASSWORD);
		return id != NULL && pw != NULL && strcmp(id, USER) == 0 &&
		    strcmp(pw, srv.password) == 0 ? GSASL_OK :
		    GSASL_AUTHENTICATION_ERROR;
	case GSASL_PASSWORD:
		if (id == NULL || strcmp(id, USER) != 0)
			return GSASL_NO_CALLBACK;
		return gsasl_property_set(s, GSASL_PASSWORD, srv.password);
	default:
		return GSASL_NO_CALLBACK;
	}
}

/* libgsasl's server consumes one client message (base64). */
static void
server_step(const char *in, struct reply *r)
{
	char *out = NULL;
	int rc = gsasl_step64(srv.s, in, &out);

	if (rc == GSASL_NEEDS_MORE)
		set_reply(r, 334, out);
	else if (rc == GSASL_OK && out != NULL && *out != '\0') {
		/* "v=AAAAAAAAAAAAAAAAAAAAAAAAAAA=" as base64 */
		set_reply(r, 334, srv.tamper ?
		    "dj1BQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE9" : out);
		srv.final_sent = 1;
	} else if (rc == GSASL_OK)
		set_reply(r, 235, "2.7.0 Authentication successful");
	else
		set_reply(r, 535, "5.7.8 Error: authentication failed");
	gsasl_free(out);
}

static void
server_start(const char *ir, struct reply *r)
{
	if (gsasl_server_start(srv.ctx, srv.mech, &srv.s) != GSASL_OK) {
		set_reply(r, 504, "5.5.4 Unrecognized authentication type");
		return;
	}
	gsasl_property_set(srv.s, GSASL_SERVICE, "smtp");
	gsasl_property_set(srv.s, GSASL_HOSTNAME, HOST);
	gsasl_property_set(srv.s, GSASL_REALM, HOST);
	if (srv.cb != NULL) {
		char *b64 = NULL;
		size_t n;

		gsasl_base64_to(srv.cb, strlen(srv.cb), &b64, &n);
		gsasl_property_set(srv.s, strcmp(srv.cb_type, "tls-unique") == 0 ?
		    GSASL_CB_TLS_UNIQUE : GSASL_CB_TLS_EXPORTER, b64);
		gsasl_free(b64);
	}
	server_step(ir == NULL || strcmp(ir, "=") == 0 ? "" : ir, r);
}

/* An OAuth response arrived: keep it decoded, accept or refuse. */
static void
oauth_response(const char *b64, struct reply *r)
{
	char *out = NULL, *json = NULL;
	size_t n = 0, jn;

	if (gsasl_base64_from(b64, strlen(b64), &out, &n) != GSASL_OK ||
	    n >= sizeof(srv.ir)) {
		set_reply(r, 501, "5.5.2 bad base64");
		gsasl_free(out);
		return;
	}
	memcpy(srv.ir, out, n);
	srv.irlen = n;
	gsasl_free(out);
	if (srv.mode == S_OAUTH) {
		set_reply(r, 235, "2.7.0 Accepted");
		return;
	}
	gsasl_base64_to(json_err, strlen(json_err), &json, &jn);
	set_reply(r, 334, json);
	srv.json_sent = 1;
	gsasl_free(json);
}

static void
server_auth(const char *args, struct reply *r)
{
	const char *sp = strchr(args, ' ');
	size_t n = sp != NULL ? (size_t)(sp - args) : strlen(args);
	static char big[3001];

	snprintf(srv.mech, sizeof(srv.mech), "%.*s", (int)n, args);
	if (srv.mode == S_BADB64)
		set_reply(r, 334, "!!not base64!!");
	else if (srv.mode == S_BIG) {
		memset(big, 'A', sizeof(big) - 1);
		set_reply(r, 334, big);
	} else if (srv.mode == S_MULTI) {
		set_reply(r, 334, "VXNlcm5hbWU6\nVXNlcm5hbWU6");
		r->nlines = 2;
	} else if (srv.mode == S_TEMP)
		set_reply(r, 454, "4.7.0 Temporary authentication failure");
	else if (srv.mode == S_GSASL)
		server_start(sp != NULL ? sp + 1 : NULL, r);
	else if (sp != NULL)
		oauth_response(sp + 1, r);
	else
		set_reply(r, 334, "");
}

int
smtp_auth_step(struct smtp *sm, const char *line, int secret,
    struct reply *r, struct err *e)
{
	if (line == NULL || srv.nlog == NLOG)
		return err_set(e, ERR_SOFTWARE, "test: bad line");
	srv.log[srv.nlog] = xstrdup(line);
	srv.secret[srv.nlog++] = secret;
	if (strncmp(line, "AUTH ", 5) == 0)
		server_auth(line + 5, r);
	else if (strcmp(line, "*") == 0)
		set_reply(r, 501, "5.7.0 Authentication aborted");
	else if (srv.final_sent)
		set_reply(r, 235, "2.7.0 Authentication successful");
	else if (srv.json_sent)
		set_reply(r, 535, "5.7.8 Username and Password not accepted");
	else if (srv.mode != S_GSASL)
		oauth_response(line, r);
	else
		server_step(line, r);
	return 0;
}

static void
reset(enum mode mode, const char *password)
{
	size_t i;

	for (i = 0; i < srv.nlog; i++)
		free(srv.log[i]);
	if (srv.s != NULL)
		gsasl_finish(srv.s);
	srv.s = NULL;
	srv.mode = mode;
	srv.password = password;
	srv.cb_type = NULL;
	srv.cb = NULL;
	srv.final_sent = srv.json_sent = srv.tamper = 0;
	srv.mech[0] = '\0';
	srv.irlen = 0;
	srv.nlog = 0;
}

/* Nonzero if s (or s decoded as base64 word by word) holds pw. */
static int
holds(const char *s, const char *pw)
{
	char *b64 = NULL, *dec = NULL;
	const char *w = strrchr(s, ' ');
	size_t n, dn = 0;
	int found;

	gsasl_base64_to(pw, strlen(pw), &b64, &n);
	found = strstr(s, pw) != NULL || strstr(s, b64) != NULL;
	w = w != NULL ? w + 1 : s;
	if (gsasl_base64_from(w, strlen(w), &dec, &dn) == GSASL_OK && dn > 0)
		found |= memmem(dec, dn, pw, strlen(pw)) != NULL;
	gsasl_free(b64);
	gsasl_free(dec);
	return found;
}

/* No line traced in clear, and no error message, holds pw. */
static int
no_leak(const struct err *e, const char *pw)
{
	size_t i;

	if (strstr(e->msg, pw) != NULL)
		return 0;
	for (i = 0; i < srv.nlog; i++)
		if (!srv.secret[i] && holds(srv.log[i], pw))
			return 0;
	return 1;
}

static struct tls *const fake_tls = (struct tls *)&srv;

static int
run(const char *mech, const char *offered, const char *user, const char *pw,
    struct tls *t, char *used, struct err *e)
{
	struct caps c;
	struct sasl_params p = { mech, user, pw, HOST, t };

	memset(&c, 0, sizeof(c));
	snprintf(c.auth, sizeof(c.auth), "%s", offered);
	err_clear(e);
	return sasl_auth((struct smtp *)&srv, &c, &p, used, 64, e);
}

/* Mechanisms run by libgsasl on both sides: right and wrong password. */
static const struct gcase {
	const char	*mech;
	const char	*server_pw;
	int		want;		/* 0 or an err_kind */
} gcases[] = {
	{ "PLAIN",		PW,		0 },
	{ "LOGIN",		PW,		0 },
	{ "CRAM-MD5",		PW,		0 },
	{ "DIGEST-MD5",		PW,		0 },
	{ "SCRAM-SHA-1",	PW,		0 },
	{ "SCRAM-SHA-256",	PW,		0 },
	{ "PLAIN",		"other",	ERR_NOPERM },
	{ "LOGIN",		"other",	ERR_NOPERM },
	{ "CRAM-MD5",		"other",	ERR_NOPERM },
	{ "SCRAM-SHA-1",	"other",	ERR_NOPERM },
	{ "SCRAM-SHA-256",	"other",	ERR_NOPERM },
};

static void
test_gsasl(void)
{
	const struct gcase *g;
	struct err e;
	char used[64];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(gcases) / sizeof(gcases[0]); i++) {
		g = &gcases[i];
		reset(S_GSASL, g->server_pw);
		rc = run(g->mech, "PLAIN LOGIN CRAM-MD5 DIGEST-MD5 SCRAM-SHA-1 "
		    "SCRAM-SHA-256", USER, PW, NULL, used, &e);
		if (!tap_ok(g->want == 0 ? rc == 0 : rc == -1 && (int)e.kind ==
		    g->want, "%s %s: rc %d kind %d", g->mech, g->want ? "refused" :
		    "succeeds", rc, g->want))
			tap_diag("%s", e.msg);
		tap_str_eq(used, g->mech, "used mechanism reported");
		tap_ok(no_leak(&e, PW), "%s: password only on secret lines",
		    g->mech);
	}
	reset(S_GSASL, "other");
	run("plain", "PLAIN", USER, PW, NULL, used, &e);
	tap_str_eq(e.msg, "AUTH PLAIN: 535 5.7.8 Error: authentication failed",
	    "refusal message quotes the reply");
	tap_ok(srv.nlog == 1 && srv.secret[0] == 1 &&
	    strncmp(srv.log[0], "AUTH PLAIN ", 11) == 0,
	    "PLAIN initial response on the AUTH line, marked secret");
	reset(S_GSASL, PW);
	srv.tamper = 1;
	rc = run("SCRAM-SHA-256", "SCRAM-SHA-256", USER, PW, NULL, used, &e);
	tap_ok(rc == -1 && e.kind == ERR_PROTOCOL && srv.nlog == 3 &&
	    strcmp(srv.log[2], "*") == 0, "SCRAM: a server that cannot prove "
	    "it knows the password is cancelled: %s", e.msg);
	reset(S_GSASL, PW);
	run("LOGIN", "LOGIN", USER, PW, NULL, used, &e);
	tap_ok(srv.nlog == 3 && strcmp(srv.log[0], "AUTH LOGIN") == 0 &&
	    srv.secret[0] == 0 && srv.secret[1] == 1 && srv.secret[2] == 1,
	    "LOGIN: AUTH alone, then two secret responses");
}

/* Channel binding: the same bytes on both sides, or not. */
static const struct pcase {
	const char	*name;
	const char	*mech;
	const char	*cli_type, *srv_type;
	const char	*srv_cb;
	int		want;
	const char	*gs2;		/* start of the first client message */
} pcases[] = {
	{ "256-PLUS exporter", "SCRAM-SHA-256-PLUS", "tls-exporter",
	    "tls-exporter", "0123456789abcdef0123456789abcdef", 0,
	    "p=tls-exporter,," },
	{ "256-PLUS unique", "SCRAM-SHA-256-PLUS", "tls-unique", "tls-unique",
	    "0123456789abcdef0123456789abcdef", 0, "p=tls-unique,," },
	{ "1-PLUS exporter", "SCRAM-SHA-1-PLUS", "tls-exporter", "tls-exporter",
	    "0123456789abcdef0123456789abcdef", 0, "p=tls-exporter,," },
	{ "256-PLUS other binding", "SCRAM-SHA-256-PLUS", "tls-exporter",
	    "tls-exporter", "fedcba9876543210fedcba9876543210", ERR_NOPERM,
	    "p=tls-exporter,," },
};

static void
test_plus(void)
{
	const struct pcase *pc;
	struct err e;
	char used[64], *dec = NULL;
	size_t i, n = 0;
	int rc;

	for (i = 0; i < sizeof(pcases) / sizeof(pcases[0]); i++) {
		pc = &pcases[i];
		reset(S_GSASL, PW);
		cli_cb_type = pc->cli_type;
		srv.cb_type = pc->srv_type;
		srv.cb = pc->srv_cb;
		rc = run(pc->mech, pc->mech, USER, PW, fake_tls, used, &e);
		if (!tap_ok(pc->want == 0 ? rc == 0 : rc == -1 &&
		    (int)e.kind == pc->want, "%s", pc->name))
			tap_diag("%s", e.msg);
		dec = NULL;
		if (srv.nlog > 0 && strncmp(srv.log[0], "AUTH ", 5) == 0)
			gsasl_base64_from(strrchr(srv.log[0], ' ') + 1,
			    strlen(strrchr(srv.log[0], ' ') + 1), &dec, &n);
		tap_ok(dec != NULL && n >= strlen(pc->gs2) &&
		    memcmp(dec, pc->gs2, strlen(pc->gs2)) == 0,
		    "%s: GS2 header %s", pc->name, pc->gs2);
		gsasl_free(dec);
	}
	cli_cb_type = "tls-exporter";
	reset(S_GSASL, PW);
	rc = run("SCRAM-SHA-256-PLUS", "SCRAM-SHA-256-PLUS", USER, PW, NULL,
	    used, &e);
	tap_ok(rc == -1 && e.kind == ERR_CONFIG && srv.nlog == 0,
	    "named -PLUS without TLS: configuration error, nothing sent");
}

/* Automatic choice: what the server offers -> what is used. */
static const struct acase {
	const char	*offered;
	int		tls;
	const char	*want;		/* NULL: ERR_UNAVAILABLE */
	const char	*msg;		/* part of the message when refused */
} acases[] = {
	{ "PLAIN LOGIN", 0, "PLAIN", NULL },
	{ "LOGIN PLAIN", 0, "PLAIN", NULL },
	{ "LOGIN", 0, "LOGIN", NULL },
	{ "login plain", 0, "PLAIN", NULL },
	{ "CRAM-MD5 PLAIN SCRAM-SHA-1", 0, "SCRAM-SHA-1", NULL },
	{ "SCRAM-SHA-1 SCRAM-SHA-256 PLAIN", 0, "SCRAM-SHA-256", NULL },
	{ "SCRAM-SHA-256-PLUS SCRAM-SHA-256", 0, "SCRAM-SHA-256", NULL },
	{ "SCRAM-SHA-256 SCRAM-SHA-256-PLUS", 1, "SCRAM-SHA-256-PLUS", NULL },
	{ "SCRAM-SHA-1-PLUS SCRAM-SHA-256", 1, "SCRAM-SHA-256", NULL },
	{ "SCRAM-SHA-1-PLUS SCRAM-SHA-1 PLAIN", 1, "SCRAM-SHA-1-PLUS", NULL },
	{ "PLAINX LOGIN", 0, "LOGIN", NULL },
	{ "CRAM-MD5 XOAUTH2 GSSAPI", 0, NULL,
	    "offers: CRAM-MD5 XOAUTH2 GSSAPI" },
	{ "", 0, NULL, "server does not offer authentication" },
};

static void
test_auto(void)
{
	const struct acase *ac;
	struct err e;
	char used[64];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(acases) / sizeof(acases[0]); i++) {
		ac = &acases[i];
		reset(S_GSASL, PW);
		srv.cb_type = cli_cb_type;
		srv.cb = cli_cb;
		rc = run(i % 2 ? "on" : NULL, ac->offered, USER, PW,
		    ac->tls ? fake_tls : NULL, used, &e);
		if (ac->want != NULL) {
			if (!tap_ok(rc == 0 && strcmp(used, ac->want) == 0 &&
			    strcmp(srv.mech, ac->want) == 0, "auto [%s]%s -> %s",
			    ac->offered, ac->tls ? " tls" : "", ac->want))
				tap_diag("rc %d used %s: %s", rc, used, e.msg);
		} else if (!tap_ok(rc == -1 && e.kind == ERR_UNAVAILABLE &&
		    strstr(e.msg, ac->msg) != NULL && srv.nlog == 0,
		    "auto [%s] refused", ac->offered))
			tap_diag("%s", e.msg);
	}
}

/* Named mechanisms the server lacks, unknown ones, bad parameters. */
static void
test_named(void)
{
	struct err e;
	char used[64];
	int rc;

	reset(S_GSASL, PW);
	rc = run("CRAM-MD5", "PLAIN LOGIN", USER, PW, NULL, used, &e);
	tap_ok(rc == -1 && e.kind == ERR_UNAVAILABLE && strcmp(e.msg,
	    "server does not offer AUTH CRAM-MD5 (offers: PLAIN LOGIN)") == 0 &&
	    srv.nlog == 0, "named CRAM-MD5 not offered: %s", e.msg);
	rc = run("XOAUTH2", "", USER, PW, NULL, used, &e);
	tap_ok(rc == -1 && e.kind == ERR_UNAVAILABLE && strcmp(e.msg,
	    "server does not offer authentication") == 0,
	    "no AUTH capability at all");
	rc = run("NOSUCH", "NOSUCH PLAIN", USER, PW, NULL, used, &e);
	tap_ok(rc == -1 && e.kind == ERR_CONFIG && srv.nlog == 0,
	    "unknown mechanism is a configuration error");
	rc = run("PLAIN", "PLAIN", USER, NULL, NULL, used, &e);
	tap_ok(rc == -1 && e.kind == ERR_CONFIG && srv.nlog == 0,
	    "no password: configuration error");
	rc = run("PLAIN", "PLAIN", "bob\r\nRSET", PW, NULL, used, &e);
	tap_ok(rc == -1 && e.kind == ERR_CONFIG && srv.nlog == 0,
	    "CR LF in user refused before sending");
	rc = run("XOAUTH2", "XOAUTH2", USER, "tok\001en", NULL, used, &e);
	tap_ok(rc == -1 && e.kind == ERR_CONFIG && srv.nlog == 0 &&
	    strstr(e.msg, "tok\001en") == NULL, "control byte in a token "
	    "refused");
	reset(S_TEMP, PW);
	rc = run("PLAIN", "PLAIN", USER, PW, NULL, used, &e);
	tap_ok(rc == -1 && e.kind == ERR_TEMP && strstr(e.msg, "454 4.7.0") !=
	    NULL, "454 to AUTH is temporary: %s", e.msg);
}

static int
ir_is(const char *want, size_t wantlen, const char *name)
{
	return tap_mem_eq(srv.ir, srv.irlen, want, wantlen, name);
}

#define B(s)	(s), sizeof(s) - 1

static void
test_oauth(void)
{
	struct err e;
	char used[64], tok[3001];
	char *want;
	int rc;

	reset(S_OAUTH, PW);
	rc = run("XOAUTH2", "PLAIN XOAUTH2", USER, "ya29.tok", NULL, used, &e);
	tap_ok(rc == 0 && srv.nlog == 1 && srv.secret[0] == 1,
	    "XOAUTH2 accepted in one line, marked secret");
	ir_is(B("user=" USER "\001auth=Bearer ya29.tok\001\001"),
	    "XOAUTH2 initial response bytes");
	reset(S_OAUTH, PW);
	rc = run("oauthbearer", "OAUTHBEARER", "a,b=c", "ya29.tok", NULL, used,
	    &e);
	tap_ok(rc == 0 && strcmp(used, "OAUTHBEARER") == 0,
	    "OAUTHBEARER accepted");
	ir_is(B("n,a=a=2Cb=3Dc,\001host=" HOST "\001auth=Bearer ya29.tok\001\001"),
	    "OAUTHBEARER initial response bytes (saslname escaped)");

	reset(S_OAUTH_JSON, PW);
	rc = run("XOAUTH2", "XOAUTH2", USER, "ya29.tok", NULL, used, &e);
	tap_ok(rc == -1 && e.kind == ERR_NOPERM && strstr(e.msg, json_err) &&
	    strstr(e.msg, "535 5.7.8 Username"), "XOAUTH2 JSON error: %s",
	    e.msg);
	tap_ok(srv.nlog == 2 && strcmp(srv.log[1], "") == 0,
	    "XOAUTH2 answers the JSON challenge with an empty line");
	reset(S_OAUTH_JSON, PW);
	rc = run("OAUTHBEARER", "OAUTHBEARER", USER, "ya29.tok", NULL, used, &e);
	tap_ok(rc == -1 && e.kind == ERR_NOPERM && strstr(e.msg, json_err),
	    "OAUTHBEARER JSON error reported");
	tap_ok(srv.nlog == 2 && strcmp(srv.log[1], "AQ==") == 0,
	    "OAUTHBEARER answers the JSON challenge with %%x01");
	tap_ok(no_leak(&e, "ya29.tok"), "token only on secret lines");

	memset(tok, 'T', sizeof(tok) - 1);
	tok[sizeof(tok) - 1] = '\0';
	reset(S_OAUTH, PW);
	rc = run("XOAUTH2", "XOAUTH2", USER, tok, NULL, used, &e);
	tap_ok(rc == 0 && srv.nlog == 2 && strcmp(srv.log[0], "AUTH XOAUTH2")
	    == 0 && srv.secret[1] == 1, "long token: AUTH alone, response "
	    "after 334");
	want = xasprintf("user=%s\001auth=Bearer %s\001\001", USER, tok);
	ir_is(want, strlen(want), "long token response bytes");
	free(want);
	tap_ok(no_leak(&e, tok), "long token only on secret lines");
	/* 37 bytes of framing + 1487: 2032 base64, a 2047-octet line. */
	tok[1488] = '\0';
	reset(S_OAUTH, PW);
	rc = run("XOAUTH2", "XOAUTH2", USER, tok, NULL, used, &e);
	tap_ok(rc == 0 && srv.nlog == 2, "1488-byte token: a 2051-octet line "
	    "is over SASL_LINE_MAX");
	tok[1487] = '\0';
	reset(S_OAUTH, PW);
	rc = run("XOAUTH2", "XOAUTH2", USER, tok, NULL, used, &e);
	tap_ok(rc == 0 && srv.nlog == 1 && strlen(srv.log[0]) + 2 == 2047,
	    "1487-byte token: a 2047-octet line is not");
}

/* Challenges that must be cancelled with "*". */
static const struct bcase {
	const char	*name;
	enum mode	mode;
	const char	*mech;
	const char	*why;
} bcases[] = {
	{ "not base64", S_BADB64, "LOGIN", "not base64" },
	{ "not base64 to OAuth", S_BADB64, "XOAUTH2", "not base64" },
	{ "oversized", S_BIG, "CRAM-MD5", "SASL_CHALLENGE_MAX" },
	{ "two lines", S_MULTI, "LOGIN", "more than one line" },
};

static void
test_bad(void)
{
	const struct bcase *bc;
	struct err e;
	char used[64];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(bcases) / sizeof(bcases[0]); i++) {
		bc = &bcases[i];
		reset(bc->mode, PW);
		rc = run(bc->mech, bc->mech, USER, PW, NULL, used, &e);
		if (!tap_ok(rc == -1 && e.kind == ERR_PROTOCOL &&
		    strstr(e.msg, "malformed AUTH challenge") &&
		    strstr(e.msg, bc->why), "%s challenge: %s", bc->name, e.msg))
			tap_diag("rc %d kind %d", rc, e.kind);
		tap_ok(srv.nlog == 2 && strcmp(srv.log[1], "*") == 0 &&
		    srv.secret[1] == 0, "%s: cancelled with *", bc->name);
	}
}

int
main(void)
{
	if (gsasl_init(&srv.ctx) != GSASL_OK)
		return 99;
	gsasl_callback_set(srv.ctx, server_cb);
	test_gsasl();
	test_plus();
	test_auto();
	test_named();
	test_oauth();
	test_bad();
	reset(S_GSASL, PW);
	gsasl_done(srv.ctx);
	return tap_done();
}
