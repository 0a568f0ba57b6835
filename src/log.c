/*
 * log.c - what outbox says: one-line errors and warnings on stderr, the
 * -v trace of the session, and the per-message log line (log file and
 * syslog) in msmtp's key=value form or as JSON.  Server text and client
 * commands are escaped before they reach the terminal or a log; the
 * engine hands over secrets only as "[redacted]", and the log line is
 * built only from the fields of struct log_entry, none of them secret.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

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

static void vsay(const char *, const char *, va_list)
    __attribute__((format(printf, 2, 0)));

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

/* ------------------------------------------------------------ log line */

#define TIME_FORMAT_DEFAULT	"%b %d %H:%M:%S"
#define TIME_FORMAT_JSON	"%Y-%m-%dT%H:%M:%S%z"

/* A growing string. */
struct sb {
	char	*p;
	size_t	len, cap;
};

static void
sb_add(struct sb *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
sb_str(struct sb *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void sb_printf(struct sb *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
sb_printf(struct sb *b, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sb_str(b, buf);
}

/* s with controls and invalid UTF-8 escaped (util.c); caller frees. */
static char *
safe(const char *s)
{
	size_t n = strlen(s), cap = n * 4 + 1;
	char *out = xmalloc(cap);

	return escape_text(out, cap, s, n);
}

/* The sysexits.h name of an exit status, as msmtp writes it. */
static const char *
exit_name(int code)
{
	static const struct { int code; const char *name; } names[] = {
		{ EX_OK, "EX_OK" }, { EX_USAGE, "EX_USAGE" },
		{ EX_DATAERR, "EX_DATAERR" }, { EX_NOINPUT, "EX_NOINPUT" },
		{ EX_NOUSER, "EX_NOUSER" }, { EX_NOHOST, "EX_NOHOST" },
		{ EX_UNAVAILABLE, "EX_UNAVAILABLE" },
		{ EX_SOFTWARE, "EX_SOFTWARE" }, { EX_OSERR, "EX_OSERR" },
		{ EX_OSFILE, "EX_OSFILE" }, { EX_CANTCREAT, "EX_CANTCREAT" },
		{ EX_IOERR, "EX_IOERR" }, { EX_TEMPFAIL, "EX_TEMPFAIL" },
		{ EX_PROTOCOL, "EX_PROTOCOL" }, { EX_NOPERM, "EX_NOPERM" },
		{ EX_CONFIG, "EX_CONFIG" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].code == code)
			return names[i].name;
	return "EX_SOFTWARE";
}

static int
empty(const char *s)
{
	return s == NULL || *s == '\0';
}

/* " key=value", the value in single quotes (with \' and \\) when it
 * holds a blank or a quote, or always when quote is set. */
static void
text_kv(struct sb *b, const char *key, const char *value, int quote)
{
	char *v = safe(value), *p;

	if (strpbrk(v, " \t'\"\\") != NULL)
		quote = 1;
	sb_printf(b, " %s=", key);
	if (!quote) {
		sb_str(b, v);
	} else {
		sb_str(b, "'");
		for (p = v; *p != '\0'; p++) {
			if (*p == '\'' || *p == '\\')
				sb_str(b, "\\");
			sb_add(b, p, 1);
		}
		sb_str(b, "'");
	}
	free(v);
}

/* The reply code at the start of reply ("250 ..."), or 0. */
static int
reply_code(const char *reply)
{
	if (reply == NULL || reply[0] < '2' || reply[0] > '5' ||
	    reply[1] < '0' || reply[1] > '9' || reply[2] < '0' ||
	    reply[2] > '9' || (reply[3] != ' ' && reply[3] != '-' &&
	    reply[3] != '\0'))
		return 0;
	return (reply[0] - '0') * 100 + (reply[1] - '0') * 10 + reply[2] - '0';
}

static void
text_line(struct sb *b, const struct log_entry *m)
{
	size_t i;
	struct sb r = { NULL, 0, 0 };
	int code = reply_code(m->reply);

	text_kv(b, "host", empty(m->host) ? "" : m->host, 0);
	text_kv(b, "tls", m->tls ? "on" : "off", 0);
	text_kv(b, "auth", m->auth ? "on" : "off", 0);
	if (m->auth && !empty(m->user))
		text_kv(b, "user", m->user, 0);
	text_kv(b, "from", m->from != NULL ? m->from : "", 0);
	for (i = 0; i < m->nrcpt; i++) {
		sb_str(&r, i > 0 ? "," : "");
		sb_str(&r, m->rcpt[i]);
	}
	text_kv(b, "recipients", r.p != NULL ? r.p : "", 0);
	free(r.p);
	if (m->errmsg == NULL)
		sb_printf(b, " mailsize=%llu", m->mailsize);
	if (code != 0) {
		sb_printf(b, " smtpstatus=%d", code);
		text_kv(b, "smtpmsg", m->reply, 1);
	}
	if (m->errmsg != NULL)
		text_kv(b, "errormsg", m->errmsg, 1);
	sb_printf(b, " exitcode=%s", exit_name(m->exitcode));
	/* outbox's own, after msmtp's */
	if (!empty(m->msgid))
		text_kv(b, "messageid", m->msgid, 0);
	if (!empty(m->tls_version))
		text_kv(b, "tlsversion", m->tls_version, 0);
	if (!empty(m->tls_cipher))
		text_kv(b, "tlscipher", m->tls_cipher, 0);
	if (!empty(m->auth_mech))
		text_kv(b, "authmech", m->auth_mech, 0);
	sb_printf(b, " duration=%lld.%03llds exitstatus=%d",
	    m->duration_ms / 1000, m->duration_ms % 1000, m->exitcode);
}

/* A JSON string of s (escaped for the terminal first, so no control
 * character and no invalid UTF-8 is left). */
static void
json_str(struct sb *b, const char *s)
{
	char *v = safe(s != NULL ? s : ""), *p;

	sb_str(b, "\"");
	for (p = v; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			sb_str(b, "\\");
		if ((unsigned char)*p < 0x20)
			sb_printf(b, "\\u%04x", (unsigned char)*p);
		else
			sb_add(b, p, 1);
	}
	sb_str(b, "\"");
	free(v);
}

static void
json_kv(struct sb *b, const char *key, const char *value)
{
	sb_printf(b, ",\"%s\":", key);
	json_str(b, value);
}

static void
json_line(struct sb *b, const struct log_entry *m, const char *time)
{
	size_t i;
	int code = reply_code(m->reply);

	sb_str(b, "{");
	if (time != NULL) {
		sb_str(b, "\"time\":");
		json_str(b, time);
		sb_str(b, ",");
	}
	sb_str(b, "\"host\":");
	json_str(b, m->host);
	sb_printf(b, ",\"tls\":%s,\"auth\":%s", m->tls ? "true" : "false",
	    m->auth ? "true" : "false");
	if (m->auth && !empty(m->user))
		json_kv(b, "user", m->user);
	json_kv(b, "from", m->from);
	sb_str(b, ",\"recipients\":[");
	for (i = 0; i < m->nrcpt; i++) {
		sb_str(b, i > 0 ? "," : "");
		json_str(b, m->rcpt[i]);
	}
	sb_str(b, "]");
	if (m->errmsg == NULL)
		sb_printf(b, ",\"mailsize\":%llu", m->mailsize);
	if (code != 0) {
		sb_printf(b, ",\"smtpstatus\":%d", code);
		json_kv(b, "smtpmsg", m->reply);
	}
	if (m->errmsg != NULL)
		json_kv(b, "errormsg", m->errmsg);
	json_kv(b, "exitcode", exit_name(m->exitcode));
	sb_printf(b, ",\"exitstatus\":%d", m->exitcode);
	if (!empty(m->msgid))
		json_kv(b, "messageid", m->msgid);
	if (!empty(m->tls_version))
		json_kv(b, "tls_version", m->tls_version);
	if (!empty(m->tls_cipher))
		json_kv(b, "tls_cipher", m->tls_cipher);
	if (!empty(m->auth_mech))
		json_kv(b, "auth_mechanism", m->auth_mech);
	sb_printf(b, ",\"duration_ms\":%lld}", m->duration_ms);
}

char *
log_format_entry(const struct log_entry *m, int json, const char *time)
{
	struct sb b = { NULL, 0, 0 };

	if (json)
		json_line(&b, m, time);
	else
		text_line(&b, m);
	if (b.p == NULL)
		sb_str(&b, "");
	/* text lines start with the separator of the time before them */
	if (!json && b.p[0] == ' ')
		memmove(b.p, b.p + 1, b.len--);
	return b.p;
}

/* The time now in fmt (local time), or in the default format when fmt
 * gives nothing. */
static void
time_now(char *buf, size_t cap, const char *fmt, const char *dflt)
{
	time_t t = time(NULL);
	struct tm tm;

	localtime_r(&t, &tm);
	/* the account's format: strftime(3) is what msmtp documents */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	if (fmt == NULL || *fmt == '\0' || strftime(buf, cap, fmt, &tm) == 0)
		if (strftime(buf, cap, dflt, &tm) == 0)
			buf[0] = '\0';
#pragma GCC diagnostic pop
}

static void
to_file(const char *path, const char *line, size_t len)
{
	int fd, stdout_ = strcmp(path, "-") == 0;
	ssize_t w;

	if (stdout_)
		fd = STDOUT_FILENO;
	else
		fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW |
		    O_CLOEXEC | O_NOCTTY, 0600);
	if (fd == -1) {
		log_warn("cannot open the log file %s: %s", path,
		    strerror(errno));
		return;
	}
	/* one write: with O_APPEND, lines of concurrent runs do not mix */
	do {
		w = write(fd, line, len);
	} while (w == -1 && errno == EINTR);
	if (w != (ssize_t)len)
		log_warn("cannot write to the log file %s: %s", path,
		    w == -1 ? strerror(errno) : "short write");
	if (!stdout_ && close(fd) == -1)
		log_warn("cannot write to the log file %s: %s", path,
		    strerror(errno));
}

static int
facility(const char *name)
{
	static const struct { const char *name; int f; } tab[] = {
		{ "LOG_USER", LOG_USER }, { "LOG_MAIL", LOG_MAIL },
		{ "LOG_LOCAL0", LOG_LOCAL0 }, { "LOG_LOCAL1", LOG_LOCAL1 },
		{ "LOG_LOCAL2", LOG_LOCAL2 }, { "LOG_LOCAL3", LOG_LOCAL3 },
		{ "LOG_LOCAL4", LOG_LOCAL4 }, { "LOG_LOCAL5", LOG_LOCAL5 },
		{ "LOG_LOCAL6", LOG_LOCAL6 }, { "LOG_LOCAL7", LOG_LOCAL7 },
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strcmp(tab[i].name, name) == 0)
			return tab[i].f;
	return LOG_USER;
}

void
log_message(const struct log_dest *d, const struct log_entry *m)
{
	int json = d->format != NULL && strcmp(d->format, "json") == 0;
	char when[256], *line, *full;

	if (d->logfile != NULL && *d->logfile != '\0') {
		if (json)
			time_now(when, sizeof(when), d->time_format,
			    TIME_FORMAT_JSON);
		else
			time_now(when, sizeof(when), d->time_format,
			    TIME_FORMAT_DEFAULT);
		line = log_format_entry(m, json, when);
		full = json ? xasprintf("%s\n", line) :
		    xasprintf("%s %s\n", when, line);
		to_file(d->logfile, full, strlen(full));
		free(full);
		free(line);
	}
	if (d->syslog != NULL) {
		/* syslog stamps its own time */
		line = log_format_entry(m, json, NULL);
		openlog("outbox", LOG_PID, facility(d->syslog));
		syslog(m->errmsg == NULL ? LOG_INFO : LOG_ERR, "%s", line);
		closelog();
		free(line);
	}
}
