/*
 * log.h - diagnostics: the one-line error on stderr, warnings, the -v
 * session trace (secrets redacted), and the per-message log line.
 */
#ifndef OUTBOX_LOG_H
#define OUTBOX_LOG_H

#include <stddef.h>

struct log;

/* verbose: 0 quiet, >= 1 trace to stderr. */
struct log *log_new(int verbose);
void log_free(struct log *l);

/* "outbox: " + message to stderr. */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* An smtp_trace_fn: prints the line escaped, with its direction. */
void log_trace(void *ctx, const char *dir, const char *line, size_t len);
/* Trace free text when verbose. */
void log_debug(struct log *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One message's outcome, for the log line (borrowed strings; NULL or
 * "" where a step was not reached). */
struct log_entry {
	const char	*host;		/* the smarthost, or the socket's path */
	int		tls, auth;
	const char	*user;		/* shown only with auth */
	const char	*from;
	char *const	*rcpt;
	size_t		nrcpt;
	unsigned long long mailsize;	/* shown only on success */
	const char	*reply;		/* the server's reply ("250 2.0.0 Ok ...") */
	const char	*errmsg;	/* NULL on success */
	int		exitcode;	/* sysexits.h value; 0 on success */
	const char	*msgid;
	const char	*tls_version, *tls_cipher, *auth_mech;
	long long	duration_ms;
};

/* Where the log line goes: the account's logfile, logfile_time_format,
 * log_format and syslog settings (NULL: not set). */
struct log_dest {
	const char	*logfile;	/* NULL: none; "-": standard output */
	const char	*time_format;	/* strftime(3); NULL: "%b %d %H:%M:%S" */
	const char	*format;	/* "json" or NULL/"text" */
	const char	*syslog;	/* facility ("LOG_MAIL"), NULL: off */
};

/* The line for m without its time and newline: msmtp's key=value form,
 * then outbox's fields (json: one JSON object, time included when time
 * is not NULL). Caller frees. Never holds a secret: none is passed in. */
char *log_format_entry(const struct log_entry *m, int json, const char *time);

/* Append the line for m to the log file (created 0600, O_APPEND, one
 * write) and/or send it to syslog. A failure is a warning on stderr: it
 * never changes the exit status. */
void log_message(const struct log_dest *d, const struct log_entry *m);

#endif
