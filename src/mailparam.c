/*
 * mailparam.c - the ESMTP parameters of a transaction (see mailparam.h).
 *
 * Owns the decisions that depend on both the message and the server:
 * which body type to declare, whether to ask for SMTPUTF8 or send the
 * domains as A-labels, whether DSN parameters go out, and the failures
 * that must come before MAIL (CONTRACT 1: SIZE, 8BITMIME or SMTPUTF8
 * needed but not offered is 69).  Raw UTF-8 never goes to a server that
 * did not offer SMTPUTF8.
 */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idn.h"
#include "mailparam.h"
#include "util.h"

static const char hexdig[] = "0123456789ABCDEF";

/* Append k bytes of p at buf[*o], NUL-terminated, while everything so
 * far fitted; *o counts what is needed either way.  buf[0] is NUL. */
static void
emit(char *buf, size_t cap, size_t *o, int *full, const char *p, size_t k)
{
	if (!*full && *o + k < cap) {
		memcpy(buf + *o, p, k);
		buf[*o + k] = '\0';
	} else
		*full = 1;
	*o += k;
}

size_t
xtext_encode(const char *s, char *buf, size_t cap)
{
	const unsigned char *p = (const unsigned char *)s;
	char hex[3];
	size_t o = 0;
	int full = 0;

	if (cap > 0)
		buf[0] = '\0';
	for (; *p != '\0'; p++) {
		if (*p >= '!' && *p <= '~' && *p != '+' && *p != '=') {
			emit(buf, cap, &o, &full, (const char *)p, 1);
			continue;
		}
		hex[0] = '+';
		hex[1] = hexdig[*p >> 4];
		hex[2] = hexdig[*p & 15];
		emit(buf, cap, &o, &full, hex, 3);
	}
	return o;
}

size_t
unitext_encode(const char *s, char *buf, size_t cap)
{
	const unsigned char *p = (const unsigned char *)s;
	char esc[16];
	size_t o = 0;
	int full = 0, k;

	if (cap > 0)
		buf[0] = '\0';
	for (; *p != '\0'; p++) {
		if (*p >= 0x80 || (*p >= '!' && *p <= '~' && *p != '+' &&
		    *p != '=' && *p != '\\')) {
			emit(buf, cap, &o, &full, (const char *)p, 1);
			continue;
		}
		k = snprintf(esc, sizeof(esc), "\\x{%X}", *p);
		emit(buf, cap, &o, &full, esc, (size_t)k);
	}
	return o;
}

int
mailparam_check(const struct envelope *env, struct err *e)
{
	const char *p;

	if (env->envid == NULL)
		return 0;
	if (strlen(env->envid) > ENVID_MAX)
		return err_set(e, ERR_USAGE, "the envelope id (-V) is longer "
		    "than %d characters", ENVID_MAX);
	for (p = env->envid; *p != '\0'; p++)
		if (*p < ' ' || *p > '~')
			return err_set(e, ERR_USAGE, "the envelope id (-V) must "
			    "be printable ASCII (RFC 3461)");
	return 0;
}

/* BODY=, BDAT and BINARYMIME.  An all-ASCII body goes as it is whatever
 * -B said (cron passes -B8BITMIME); a body that really holds 8-bit bytes
 * is never sent to a server that cannot take it. */
static int
plan_body(struct mail_plan *p, const struct envelope *env,
    const struct caps *c, struct err *e)
{
	int has8 = (c->flags & CAP_8BITMIME) != 0;

	p->chunking = (c->flags & CAP_CHUNKING) != 0;
	if (env->body == BODY_BINARYMIME && p->chunking &&
	    (c->flags & CAP_BINARYMIME)) {
		p->body = "BINARYMIME";
		p->binary = 1;
		return 0;
	}
	if (env->body == BODY_BINARYMIME && env->body_8bit)
		return err_set(e, ERR_UNAVAILABLE, "the message is declared "
		    "BINARYMIME (-B) and holds 8-bit bytes, but the server "
		    "does not offer %s", p->chunking ? "BINARYMIME" :
		    "CHUNKING and BINARYMIME");
	if (env->body_8bit && !has8)
		return err_set(e, ERR_UNAVAILABLE, "the message body holds "
		    "8-bit bytes, but the server does not offer 8BITMIME");
	if (has8 && (env->body_8bit || env->utf8_field != NULL ||
	    env->body == BODY_8BITMIME))
		p->body = "8BITMIME";
	return 0;
}

static int
needs_utf8(const struct envelope *env)
{
	size_t i;

	if (env->utf8_field != NULL || !idn_is_ascii(env->from))
		return 1;
	for (i = 0; i < env->nrcpt; i++)
		if (!idn_is_ascii(env->rcpt[i]))
			return 1;
	return 0;
}

/* SMTPUTF8 when something needs it and it is offered; else every
 * address goes with its domain as an A-label, and what cannot (a UTF-8
 * header field, a UTF-8 local part) fails before MAIL. */
static int
plan_utf8(struct mail_plan *p, const struct envelope *env,
    const struct caps *c, struct err *e)
{
	int down;
	size_t i;

	p->rcpt = xcalloc(env->nrcpt + 1, sizeof(*p->rcpt));
	p->nrcpt = env->nrcpt;
	down = needs_utf8(env) && !(c->flags & CAP_SMTPUTF8);
	p->smtputf8 = needs_utf8(env) && !down;
	if (down && env->utf8_field != NULL)
		return err_set(e, ERR_UNAVAILABLE, "the header field %s holds "
		    "UTF-8, but the server does not offer SMTPUTF8",
		    env->utf8_field);
	if (!down) {
		p->from = xstrdup(env->from);
		for (i = 0; i < env->nrcpt; i++)
			p->rcpt[i] = xstrdup(env->rcpt[i]);
		return 0;
	}
	if (idn_address_to_ascii(env->from, &p->from, e) == -1)
		return -1;
	for (i = 0; i < env->nrcpt; i++)
		if (idn_address_to_ascii(env->rcpt[i], &p->rcpt[i], e) == -1)
			return -1;
	p->downgraded = 1;
	return 0;
}

static int
plan_dsn(struct mail_plan *p, const struct envelope *env,
    const struct caps *c, struct err *e)
{
	if (env->dsn_notify == NULL && env->dsn_return == NULL &&
	    env->envid == NULL)
		return 0;
	if (c->flags & CAP_DSN) {
		p->dsn = 1;
		return 0;
	}
	if (env->dsn_required)
		return err_set(e, ERR_UNAVAILABLE, "delivery status "
		    "notifications are required (dsn_required), but the server "
		    "does not offer DSN");
	p->dsn_dropped = 1;
	return 0;
}

int
mailparam_plan(struct mail_plan *p, const struct envelope *env,
    const struct caps *c, struct err *e)
{
	memset(p, 0, sizeof(*p));
	if (c->size_max > 0 && env->size > c->size_max)
		return err_set(e, ERR_UNAVAILABLE, "message size %llu exceeds "
		    "the server's limit %llu", env->size, c->size_max);
	if (mailparam_check(env, e) == -1 || plan_body(p, env, c, e) == -1 ||
	    plan_utf8(p, env, c, e) == -1 || plan_dsn(p, env, c, e) == -1)
		return -1;
	return 0;
}

void
mailparam_free(struct mail_plan *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; p->rcpt != NULL && i < p->nrcpt; i++)
		free(p->rcpt[i]);
	free(p->rcpt);
	free(p->from);
	memset(p, 0, sizeof(*p));
}

/* Append fmt to buf at *o; -1 when it does not fit. */
static int
put(char *buf, size_t cap, size_t *o, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
put(char *buf, size_t cap, size_t *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + *o, cap - *o, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap - *o)
		return -1;
	*o += (size_t)n;
	return 0;
}

int
mailparam_mail(const struct mail_plan *p, const struct envelope *env,
    const struct caps *c, char *buf, size_t cap)
{
	char x[3 * ENVID_MAX + 1];
	size_t o = 0;

	if (cap == 0)
		return -1;
	buf[0] = '\0';
	if ((c->flags & CAP_SIZE) && env->size > 0 &&
	    put(buf, cap, &o, " SIZE=%llu", env->size) == -1)
		return -1;
	if (p->body != NULL && put(buf, cap, &o, " BODY=%s", p->body) == -1)
		return -1;
	if (p->smtputf8 && put(buf, cap, &o, " SMTPUTF8") == -1)
		return -1;
	if (!p->dsn)
		return 0;
	if (env->dsn_return != NULL && put(buf, cap, &o, " RET=%s",
	    strcmp(env->dsn_return, "full") == 0 ? "FULL" : "HDRS") == -1)
		return -1;
	if (env->envid != NULL) {
		if (xtext_encode(env->envid, x, sizeof(x)) >= sizeof(x) ||
		    put(buf, cap, &o, " ENVID=%s", x) == -1)
			return -1;
	}
	return 0;
}

/* NOTIFY's value: the configured words in upper case. */
static void
notify_value(const char *v, char *out, size_t cap)
{
	size_t i;

	for (i = 0; v[i] != '\0' && i + 1 < cap; i++)
		out[i] = v[i] >= 'a' && v[i] <= 'z' ? (char)(v[i] - 32) : v[i];
	out[i] = '\0';
}

int
mailparam_rcpt(const struct mail_plan *p, const struct envelope *env,
    size_t i, char *buf, size_t cap)
{
	char n[64], x[ORCPT_MAX + 1];
	const char *addr = p->rcpt[i];
	size_t o = 0, len;
	int utf8;

	if (cap == 0)
		return -1;
	buf[0] = '\0';
	if (!p->dsn)
		return 0;
	if (env->dsn_notify != NULL) {
		notify_value(env->dsn_notify, n, sizeof(n));
		if (put(buf, cap, &o, " NOTIFY=%s", n) == -1)
			return -1;
	}
	/* RFC 6533: a UTF-8 address goes in the utf-8 form under SMTPUTF8;
	 * after a downgrade the address is ASCII and rfc822 fits. */
	utf8 = p->smtputf8 && !idn_is_ascii(addr);
	len = utf8 ? unitext_encode(addr, x, sizeof(x)) :
	    xtext_encode(addr, x, sizeof(x));
	if (len + strlen("utf-8;") > ORCPT_MAX)
		return 0;
	return put(buf, cap, &o, " ORCPT=%s;%s", utf8 ? "utf-8" : "rfc822",
	    x);
}
