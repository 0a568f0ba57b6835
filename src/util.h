/*
 * util.h - small helpers every module may use: allocation that does not
 * return NULL, secret wiping, and the checks for control characters that
 * keep injected bytes off the wire and off the terminal.
 */
#ifndef OUTBOX_UTIL_H
#define OUTBOX_UTIL_H

#include <stddef.h>

/* Allocation: on failure print one line and exit 71 (EX_OSERR). */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);			/* caller frees */
char *xstrndup(const char *s, size_t n);	/* caller frees */
char *xasprintf(const char *fmt, ...)		/* caller frees */
    __attribute__((format(printf, 1, 2)));

/* Overwrite n bytes at p in a way the compiler may not elide. */
void wipe(void *p, size_t n);
/* Wipe and free a NUL-terminated secret; NULL is fine. */
void free_secret(char *s);

/* Nonzero if s[0..n) holds any byte < 0x20 or 0x7f (controls, NUL, CR, LF). */
int has_ctl(const char *s, size_t n);

/* Copy src[0..n) into dst (capacity cap, always NUL-terminated) with
 * control characters and bytes >= 0x80 that are not valid UTF-8 shown as
 * \xHH, so that server text is safe on a terminal. Returns dst. */
char *escape_text(char *dst, size_t cap, const char *src, size_t n);

/* Monotonic clock in milliseconds. */
long long now_ms(void);

/* Case-insensitive ASCII comparisons (locale independent). */
int ascii_casecmp(const char *a, const char *b);
int ascii_ncasecmp(const char *a, const char *b, size_t n);

#endif
