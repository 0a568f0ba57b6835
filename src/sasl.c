/*
 * sasl.c - authentication: libgsasl behind one adapter, with XOAUTH2 and
 * OAUTHBEARER (which libgsasl lacks) framed here.
 *
 * Owns: choosing the mechanism, the AUTH command and its 334 exchange,
 * and mapping the final reply onto the error record.  Every exchange goes
 * through smtp_auth_step(): this file never sees the stream.  It must not
 * put a secret in a message or a line traced in clear, nor write base64
 * by hand (libgsasl does it); every buffer that held a secret is wiped.
 */
#include "autoconfig.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsasl.h>

#include "limits.h"
#include "reply.h"
#include "sasl.h"
#include "smtp.h"
#include "status.h"
#include "tls.h"
#include "util.h"

#define M_AUTO		0x01	/* chosen automatically when offered */
#define M_PLUS		0x02	/* needs TLS channel binding */
#define M_IR		0x04	/* the client speaks first: initial response */
#define M_XOAUTH2	0x08	/* framed here */
#define M_OAUTHBEARER	0x10	/* framed here (RFC 7628) */
#define M_NOPASS	0x20	/* needs no password */

/* Automatic choice takes the first offered entry marked M_AUTO. */
static const struct mech {
	const char	*name;
	unsigned	flags;
} mechs[] = {
	{ "SCRAM-SHA-256-PLUS",	M_AUTO | M_PLUS | M_IR },
	{ "SCRAM-SHA-256",	M_AUTO | M_IR },
	{ "SCRAM-SHA-1-PLUS",	M_AUTO | M_PLUS | M_IR },
	{ "SCRAM-SHA-1",	M_AUTO | M_IR },
	{ "PLAIN",		M_AUTO | M_IR },
	{ "LOGIN",		M_AUTO },
	{ "CRAM-MD5",		0 },
	{ "DIGEST-MD5",		0 },
	{ "XOAUTH2",		M_IR | M_XOAUTH2 },
	{ "OAUTHBEARER",	M_IR | M_OAUTHBEARER },
	{ "EXTERNAL",		M_IR | M_NOPASS },
	{ "GSSAPI",		M_IR | M_NOPASS },
};

/* One AUTH exchange in progress. */
struct auth {
	struct smtp		*sm;
	const struct mech	*m;
	const char		*pending;	/* initial response not yet sent */
	struct reply		r;		/* the last reply */
};

/* Nonzero if the space-separated list offers name. */
static int
offers(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p = list;

	while (*p != '\0') {
		size_t w = strcspn(p, " ");

		if (w == n && ascii_ncasecmp(p, name, n) == 0)
			return 1;
		p += w;
		p += strspn(p, " ");
	}
	return 0;
}

static int
client_supports(Gsasl *ctx, const struct mech *m)
{
	if (m->flags & (M_XOAUTH2 | M_OAUTHBEARER))
		return 1;
	return gsasl_client_support_p(ctx, m->name);
}

static const struct mech *
find_mech(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++)
		if (ascii_casecmp(mechs[i].name, name) == 0)
			return &mechs[i];
	return NULL;
}

/* The mechanism named in p->mech, or the strongest offered one. */
static const struct mech *
choose(Gsasl *ctx, const struct caps *c, const struct sasl_params *p,
    struct err *e)
{
	char offered[sizeof(c->auth) * 4];
	const struct mech *m;
	size_t i;

	if (c == NULL || c->auth[0] == '\0') {
		err_set(e, ERR_UNAVAILABLE, "server does not offer authentication");
		return NULL;
	}
	escape_text(offered, sizeof(offered), c->auth, strlen(c->auth));
	if (p->mech != NULL && ascii_casecmp(p->mech, "on") != 0) {
		if ((m = find_mech(p->mech)) == NULL || !client_supports(ctx, m)) {
			err_set(e, ERR_CONFIG, "AUTH mechanism %.64s is not "
			    "supported", has_ctl(p->mech, strlen(p->mech)) ?
			    "(invalid)" : p->mech);
			return NULL;
		}
		if (!offers(c->auth, m->name)) {
			err_set(e, ERR_UNAVAILABLE, "server does not offer AUTH "
			    "%s (offers: %s)", m->name, offered);
			return NULL;
		}
		return m;
	}
	for (i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++) {
		m = &mechs[i];
		if ((m->flags & M_AUTO) && offers(c->auth, m->name) &&
		    (!(m->flags & M_PLUS) || p->tls != NULL) && client_supports(ctx, m))
			return m;
	}
	err_set(e, ERR_UNAVAILABLE, "server offers no AUTH mechanism outbox "
	    "chooses by itself (offers: %s); name one with auth", offered);
	return NULL;
}

/* Check what the chosen mechanism needs is there and safe to send. */
static int
check_params(const struct mech *m, const struct sasl_params *p, struct err *e)
{
	if (p->user != NULL && has_ctl(p->user, strlen(p->user)))
		return err_set(e, ERR_CONFIG, "user contains control characters");
	if ((m->flags & M_NOPASS) == 0 && p->user == NULL)
		return err_set(e, ERR_CONFIG, "AUTH %s needs a user", m->name);
	if ((m->flags & M_NOPASS) == 0 && p->password == NULL)
		return err_set(e, ERR_CONFIG, "AUTH %s needs a password "
		    "(password, passwordeval, the keyring or ~/.netrc)", m->name);
	if ((m->flags & M_PLUS) && p->tls == NULL)
		return err_set(e, ERR_CONFIG, "AUTH %s needs TLS", m->name);
	if ((m->flags & (M_XOAUTH2 | M_OAUTHBEARER)) &&
	    has_ctl(p->password, strlen(p->password)))
		return err_set(e, ERR_CONFIG, "AUTH %s: the token contains "
		    "control characters", m->name);
	if ((m->flags & M_OAUTHBEARER) && p->host != NULL &&
	    has_ctl(p->host, strlen(p->host)))
		return err_set(e, ERR_CONFIG, "host contains control characters");
	return 0;
}

/* Wipe and free a string libgsasl allocated; NULL is fine. */
static void
gs_free_secret(char *s)
{
	if (s != NULL) {
		wipe(s, strlen(s));
		gsasl_free(s);
	}
}

/* One exchange: send line, read the reply into a->r. */
static int
step(struct auth *a, const char *line, int secret, struct err *e)
{
	return smtp_auth_step(a->sm, line, secret, &a->r, e);
}

/* Send "AUTH MECH [ir]"; an initial response that would make the line
 * too long is kept in a->pending for the first (empty) challenge. */
static int
auth_start(struct auth *a, const char *ir, struct err *e)
{
	char *line;
	int rc;

	if (ir != NULL && strlen("AUTH  \r\n") + strlen(a->m->name) +
	    (*ir == '\0' ? 1 : strlen(ir)) <= SASL_LINE_MAX) {
		line = xasprintf("AUTH %s %s", a->m->name, *ir == '\0' ? "=" : ir);
		rc = step(a, line, 1, e);
		free_secret(line);
		return rc;
	}
	a->pending = ir;
	line = xasprintf("AUTH %s", a->m->name);
	rc = step(a, line, 0, e);
	free(line);
	return rc;
}

/* Cancel the exchange with "*" (RFC 4954 4) and report why. */
static int
cancel(struct auth *a, const char *why, struct err *e)
{
	struct err ignored;

	(void)step(a, "*", 0, &ignored);
	return err_set(e, ERR_PROTOCOL, "AUTH %s: %s", a->m->name, why);
}

/* Check the 334 in a->r is one line of bounded, valid base64; the
 * decoded bytes go to *dec (caller frees) when dec is not NULL. */
static int
challenge(struct auth *a, char **dec, size_t *declen, struct err *e)
{
	char *out = NULL;
	size_t outlen = 0;

	if (a->r.nlines != 1)
		return cancel(a, "malformed AUTH challenge (more than one "
		    "line)", e);
	if (a->r.textlen > SASL_CHALLENGE_MAX)
		return cancel(a, "malformed AUTH challenge (over "
		    "SASL_CHALLENGE_MAX octets)", e);
	if (memchr(a->r.text, '\0', a->r.textlen) != NULL ||
	    gsasl_base64_from(a->r.text, a->r.textlen, &out, &outlen) != GSASL_OK)
		return cancel(a, "malformed AUTH challenge (not base64)", e);
	if (dec != NULL) {
		*dec = xstrndup(out != NULL ? out : "", outlen);
		*declen = outlen;
	}
	if (out != NULL) {
		wipe(out, outlen);
		gsasl_free(out);
	}
	return 0;
}

/* The final reply: 235 is success, anything else an error naming the
 * mechanism, the escaped reply and (OAuth) the server's error text. */
static int
finish(struct auth *a, const char *detail, size_t dlen, struct err *e)
{
	char text[512], extra[512];
	const char *nl = memchr(a->r.text, '\n', a->r.textlen);
	size_t n = nl != NULL ? (size_t)(nl - a->r.text) : a->r.textlen;
	enum err_kind kind;

	if (a->r.code == 235)
		return 0;
	escape_text(text, sizeof(text), a->r.text, n);
	extra[0] = '\0';
	if (detail != NULL)
		escape_text(extra, sizeof(extra), detail, dlen);
	if (a->r.code >= 400 && a->r.code < 600)
		kind = err_kind_for_reply(PH_AUTH, a->r.code, a->r.enh);
	else
		kind = ERR_PROTOCOL;
	return err_set(e, kind, "AUTH %s: %d %s%s%s%s", a->m->name, a->r.code,
	    text, detail ? " (server said: " : "", extra, detail ? ")" : "");
}

/* Copy the NUL-terminated text of a 334 (already checked). */
static char *
challenge_text(const struct auth *a)
{
	return xstrndup(a->r.text, a->r.textlen);
}

/* Answer 334 challenges through libgsasl until the final reply. */
static int
gs_loop(struct auth *a, Gsasl_session *s, struct err *e)
{
	char *in, *out = NULL, why[256];
	int rc;

	while (a->r.code == 334) {
		if (challenge(a, NULL, NULL, e) == -1)
			return -1;
		if (a->pending != NULL) {
			in = xstrdup(a->pending);
			a->pending = NULL;
			rc = step(a, in, 1, e);
			free_secret(in);
			if (rc == -1)
				return -1;
			continue;
		}
		in = challenge_text(a);
		rc = gsasl_step64(s, in, &out);
		free(in);
		if (rc != GSASL_OK && rc != GSASL_NEEDS_MORE) {
			gs_free_secret(out);
			snprintf(why, sizeof(why), "the server's challenge is "
			    "refused (libgsasl: %s)", gsasl_strerror(rc));
			return cancel(a, why, e);
		}
		rc = step(a, out, 1, e);
		gs_free_secret(out);
		out = NULL;
		if (rc == -1)
			return -1;
	}
	return finish(a, NULL, 0, e);
}

/* Wipe a property libgsasl will free without wiping. */
static void
gs_wipe_prop(Gsasl_session *s, Gsasl_property prop)
{
	const char *v = gsasl_property_fast(s, prop);

	if (v != NULL)
		wipe((char *)(uintptr_t)v, strlen(v));
}

/* Channel binding for -PLUS, base64-encoded as libgsasl expects. */
static int
gs_binding(Gsasl_session *s, struct tls *t, struct err *e)
{
	const char *type = NULL;
	unsigned char *data = NULL;
	char *b64 = NULL;
	size_t len = 0, b64len;
	int ret = -1;

	if (tls_channel_binding(t, &type, &data, &len, e) == -1)
		goto done;
	if (gsasl_base64_to((const char *)data, len, &b64, &b64len) != GSASL_OK) {
		err_set(e, ERR_SOFTWARE, "channel binding: base64 failed");
		goto done;
	}
	if (type != NULL && strcmp(type, "tls-exporter") == 0)
		gsasl_property_set(s, GSASL_CB_TLS_EXPORTER, b64);
	else if (type != NULL && strcmp(type, "tls-unique") == 0)
		gsasl_property_set(s, GSASL_CB_TLS_UNIQUE, b64);
	else {
		err_set(e, ERR_SOFTWARE, "unknown channel binding type");
		goto done;
	}
	ret = 0;
done:
	if (data != NULL)
		wipe(data, len);
	free(data);
	gs_free_secret(b64);
	return ret;
}

static int
gs_props(Gsasl_session *s, const struct mech *m, const struct sasl_params *p,
    struct err *e)
{
	if (p->user != NULL)
		gsasl_property_set(s, strcmp(m->name, "EXTERNAL") == 0 ?
		    GSASL_AUTHZID : GSASL_AUTHID, p->user);
	if (p->password != NULL)
		gsasl_property_set(s, GSASL_PASSWORD, p->password);
	gsasl_property_set(s, GSASL_SERVICE, "smtp");
	if (p->host != NULL)
		gsasl_property_set(s, GSASL_HOSTNAME, p->host);
	if (m->flags & M_PLUS)
		return gs_binding(s, p->tls, e);
	return 0;
}

/* The client could not make its first message, before any AUTH was sent.
 * For GSSAPI that is the user's Kerberos credentials (no ticket, an
 * expired one, no service principal for the host): refused, 77, not an
 * internal error. */
static int
start_failed(const struct mech *m, int rc, const struct sasl_params *p,
    struct err *e)
{
	if (strcmp(m->name, "GSSAPI") == 0)
		return err_set(e, ERR_NOPERM, "AUTH GSSAPI: no usable Kerberos "
		    "ticket for smtp@%.255s (kinit?): %s", p->host != NULL &&
		    !has_ctl(p->host, strlen(p->host)) ? p->host : "?",
		    gsasl_strerror(rc));
	return err_set(e, ERR_SOFTWARE, "AUTH %s: %s", m->name,
	    gsasl_strerror(rc));
}

/* A mechanism of libgsasl's. */
static int
gs_run(Gsasl *ctx, struct auth *a, const struct sasl_params *p, struct err *e)
{
	Gsasl_session *s = NULL;
	char *ir = NULL;
	int rc, ret = -1;

	if ((rc = gsasl_client_start(ctx, a->m->name, &s)) != GSASL_OK) {
		err_set(e, ERR_SOFTWARE, "AUTH %s: %s", a->m->name,
		    gsasl_strerror(rc));
		goto done;
	}
	if (gs_props(s, a->m, p, e) == -1)
		goto done;
	if (a->m->flags & M_IR) {
		rc = gsasl_step64(s, "", &ir);
		if (rc != GSASL_OK && rc != GSASL_NEEDS_MORE) {
			start_failed(a->m, rc, p, e);
			goto done;
		}
	}
	if (auth_start(a, ir, e) == -1)
		goto done;
	ret = gs_loop(a, s, e);
done:
	a->pending = NULL;
	gs_free_secret(ir);
	if (s != NULL) {
		gs_wipe_prop(s, GSASL_PASSWORD);
		gs_wipe_prop(s, GSASL_SCRAM_SALTED_PASSWORD);
		gsasl_finish(s);
	}
	return ret;
}

/* RFC 7628 3.1 saslname: ',' and '=' escaped as =2C and =3D. */
static char *
saslname(const char *user)
{
	char *out = xmalloc(strlen(user) * 3 + 1), *q = out;

	for (; *user != '\0'; user++) {
		if (*user == ',' || *user == '=') {
			memcpy(q, *user == ',' ? "=2C" : "=3D", 3);
			q += 3;
		} else
			*q++ = *user;
	}
	*q = '\0';
	return out;
}

/* The OAuth initial response, raw (caller wipes and frees). */
static char *
oauth_ir(const struct mech *m, const struct sasl_params *p)
{
	char *name, *ir;

	if (m->flags & M_XOAUTH2)
		return xasprintf("user=%s\001auth=Bearer %s\001\001", p->user,
		    p->password);
	name = saslname(p->user);
	if (p->host != NULL)
		ir = xasprintf("n,a=%s,\001host=%s\001auth=Bearer %s\001\001",
		    name, p->host, p->password);
	else
		ir = xasprintf("n,a=%s,\001auth=Bearer %s\001\001", name,
		    p->password);
	free(name);
	return ir;
}

/* The error dance: the server's 334 carries a JSON error, the client
 * answers with an empty response (XOAUTH2) or %x01 (RFC 7628 3.2.3),
 * and the server ends with a failure reply. */
static int
oauth_error(struct auth *a, struct err *e)
{
	char *json = NULL;
	size_t jlen = 0;
	int ret = -1;

	if (challenge(a, &json, &jlen, e) == -1)
		return -1;
	/* "AQ==" is the base64 form of the single byte %x01. */
	if (step(a, (a->m->flags & M_XOAUTH2) ? "" : "AQ==", 1, e) == -1)
		goto done;
	if (a->r.code == 334)
		ret = cancel(a, "unexpected AUTH challenge", e);
	else
		ret = finish(a, json, jlen, e);
done:
	free(json);
	return ret;
}

/* XOAUTH2 or OAUTHBEARER: the token in p->password. */
static int
oauth_run(struct auth *a, const struct sasl_params *p, struct err *e)
{
	char *raw, *b64 = NULL;
	size_t b64len;
	int ret = -1;

	raw = oauth_ir(a->m, p);
	if (gsasl_base64_to(raw, strlen(raw), &b64, &b64len) != GSASL_OK) {
		err_set(e, ERR_SOFTWARE, "AUTH %s: base64 failed", a->m->name);
		goto done;
	}
	if (auth_start(a, b64, e) == -1)
		goto done;
	if (a->r.code == 334 && a->pending != NULL) {
		if (challenge(a, NULL, NULL, e) == -1 ||
		    step(a, a->pending, 1, e) == -1)
			goto done;
	}
	if (a->r.code == 334)
		ret = oauth_error(a, e);
	else
		ret = finish(a, NULL, 0, e);
done:
	a->pending = NULL;
	free_secret(raw);
	gs_free_secret(b64);
	return ret;
}

int
sasl_auth(struct smtp *sm, const struct caps *c, const struct sasl_params *p,
    char *used, size_t cap, struct err *e)
{
	Gsasl *ctx = NULL;
	struct auth *a = NULL;
	const struct mech *m;
	int rc, ret = -1;

	if (used != NULL && cap > 0)
		used[0] = '\0';
	if ((rc = gsasl_init(&ctx)) != GSASL_OK) {
		err_set(e, ERR_SOFTWARE, "libgsasl: %s", gsasl_strerror(rc));
		ctx = NULL;
		goto done;
	}
	if ((m = choose(ctx, c, p, e)) == NULL)
		goto done;
	if (used != NULL && cap > 0)
		snprintf(used, cap, "%s", m->name);
	if (check_params(m, p, e) == -1)
		goto done;
	a = xcalloc(1, sizeof(*a));
	a->sm = sm;
	a->m = m;
	if (m->flags & (M_XOAUTH2 | M_OAUTHBEARER))
		ret = oauth_run(a, p, e);
	else
		ret = gs_run(ctx, a, p, e);
done:
	free(a);
	if (ctx != NULL)
		gsasl_done(ctx);
	return ret;
}
