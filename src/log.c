/*
 * log.c - what outbox says: one-line errors and warnings on stderr, and
 * the -v trace of the session.  Server text and client commands are
 * escaped before they reach the terminal; the engine hands over secrets
 * only as "[redacted]".
 */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "limits.h"
#include "log.h"
#include "util.h"

struct log {
	int	verbose;
};

struct log *
log_new(int verbose)
{
	struct log *l = xcalloc(1, sizeof(*l));

	l->verbose = verbose;
	return l;
}

void
log_free(struct log *l)
{
	free(l);
}

static void
vsay(const char *prefix, const char *fmt, va_list ap)
{
	char buf[ERR_MSG_MAX * 2];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	fprintf(stderr, "outbox: %s%s\n", prefix, buf);
}

void
log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("", fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("warning: ", fmt, ap);
	va_end(ap);
}

void
log_trace(void *ctx, const char *dir, const char *line, size_t len)
{
	struct log *l = ctx;
	char buf[REPLY_LINE_MAX * 4 + 1];

	if (l == NULL || l->verbose < 1)
		return;
	escape_text(buf, sizeof(buf), line, len);
	fprintf(stderr, "%s %s\n", dir, buf);
}

void
log_debug(struct log *l, const char *fmt, ...)
{
	va_list ap;

	if (l == NULL || l->verbose < 1)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
