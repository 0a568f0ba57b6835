/*
 * aliases.h - msmtp's aliases file and the local recipients it rewrites.
 *
 * The format (msmtp(1), "aliases"): one mapping per line,
 *     local: someone@example.com, person@domain.example
 * '#' starts a comment that runs to the end of the line, blank lines are
 * ignored, and the name "default" matches every local name not listed.
 * Only the envelope changes: headers are never rewritten.
 *
 * aliases_parse() and aliases_expand() are pure functions of their
 * input; aliases_read() is the one place that touches the file system.
 */
#ifndef OUTBOX_ALIASES_H
#define OUTBOX_ALIASES_H

#include <stddef.h>
#include "status.h"

struct aliases;

/* Parse buf[0..len) into *out (caller frees with aliases_free()). Errors
 * are ERR_CONFIG and name "name:line". A name listed twice keeps its
 * first line, as /etc/aliases does. */
int aliases_parse(struct aliases **out, const char *name, const char *buf,
    size_t len, struct err *e);
/* Read and parse the file path (at most ALIASES_FILE_MAX bytes). A file
 * that cannot be read is ERR_CONFIG naming it. */
int aliases_read(struct aliases **out, const char *path, struct err *e);
void aliases_free(struct aliases *a);

/* The addresses listed for local (ASCII case-insensitive), else those of
 * "default", else NULL. *n gets the count. Borrowed from a. */
char *const *aliases_lookup(const struct aliases *a, const char *local,
    size_t *n);

/* Nonzero when addr is a bare local part: no '@' outside a quoted
 * local part. */
int aliases_is_local(const char *addr);

/* The envelope recipients in[0..n) with every bare local part replaced
 * by its aliases (a may be NULL: none) and then, when qualify is not
 * NULL, every bare local part left given "@qualify"; replacements are
 * not expanded again. Order is kept and duplicates are dropped. More
 * than RCPTS_MAX results, or a result that is no valid SMTP path, is
 * ERR_USAGE. *out is new (caller frees each string and the array). */
int aliases_expand(const struct aliases *a, const char *qualify,
    char *const *in, size_t n, char ***out, size_t *nout, struct err *e);

#endif
