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

#endif
