/*
 * tap.h - a tiny TAP producer for the C tests: one "ok N - name" line per
 * check, a plan at the end, exit status 1 when any check failed.
 */
#ifndef OUTBOX_TAP_H
#define OUTBOX_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

/* Record one check; returns cond so callers can add diagnostics. */
static inline int
tap_ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#include <stdarg.h>
static inline int
tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", cond ? "ok" : "not ok", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		tap_failed++;
	fflush(stdout);
	return cond;
}

/* A diagnostic line, shown by the harness in the log. */
#define tap_diag(...) do { printf("# "); printf(__VA_ARGS__); printf("\n"); } while (0)

/* Compare two byte strings; on mismatch print both escaped. */
static inline int
tap_mem_eq(const void *got, size_t gotlen, const void *want, size_t wantlen,
    const char *name)
{
	int ok = gotlen == wantlen && memcmp(got, want, gotlen) == 0;
	size_t i;

	if (!tap_ok(ok, "%s", name)) {
		printf("#   got  (%zu): ", gotlen);
		for (i = 0; i < gotlen && i < 400; i++) {
			unsigned char c = ((const unsigned char *)got)[i];
			printf(c >= 0x20 && c < 0x7f ? "%c" : "\\x%02x", c);
		}
		printf("\n#   want (%zu): ", wantlen);
		for (i = 0; i < wantlen && i < 400; i++) {
			unsigned char c = ((const unsigned char *)want)[i];
			printf(c >= 0x20 && c < 0x7f ? "%c" : "\\x%02x", c);
		}
		printf("\n");
	}
	return ok;
}

#define tap_str_eq(got, want, name) \
	tap_mem_eq((got), strlen(got), (want), strlen(want), (name))

/* Print the plan and return the exit status for main(). */
static inline int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
