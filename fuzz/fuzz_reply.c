/*
 * fuzz_reply.c - libFuzzer target for reply.c: the input, split on '\n'
 * (a trailing CR stripped, as the stream does), is fed line by line; each
 * complete reply is summarised and parsed for capabilities, and the facts
 * reply.h promises are checked (abort() on a violation).
 */
#include "autoconfig.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reply.h"

static int
enh_ok(const char *e, int code)
{
	size_t n = strlen(e);

	if (n == 0)
		return 1;
	return n >= 5 && n <= 9 && e[0] == '0' + code / 100 && e[1] == '.';
}

static void
check_done(const struct reply *r)
{
	char sum[256], big[REPLY_TEXT_MAX * 4 + 8];
	struct caps c;
	size_t i;

	if (r->code < 200 || r->code > 599 || r->nlines == 0 ||
	    r->nlines > REPLY_LINES_MAX || r->textlen >= REPLY_TEXT_MAX ||
	    r->text[r->textlen] != '\0' ||
	    memchr(r->text, '\0', r->textlen) != NULL || !enh_ok(r->enh, r->code))
		abort();
	reply_summary(r, sum, sizeof(sum));
	reply_summary(r, big, sizeof(big));
	if (strlen(sum) >= sizeof(sum) || strchr(big, '\n') != NULL ||
	    strchr(big, '\r') != NULL)
		abort();
	caps_parse(&c, r);
	if (strlen(c.auth) >= sizeof(c.auth) ||
	    ((c.flags & CAP_AUTH) != 0) != (c.auth[0] != '\0'))
		abort();
	for (i = 0; c.auth[i] != '\0'; i++)
		if (c.auth[i] >= 'a' && c.auth[i] <= 'z')
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nl;
	struct reply r;
	char why[64];
	size_t len;

	reply_init(&r);
	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		len = (size_t)(nl - p);
		if (len > 0 && p[len - 1] == '\r')
			len--;
		switch (reply_feed(&r, p, len, why, sizeof(why))) {
		case REPLY_DONE:
			check_done(&r);
			reply_init(&r);
			break;
		case REPLY_BAD:
			if (why[0] == '\0')
				abort();
			reply_init(&r);
			break;
		case REPLY_MORE:
			break;
		}
		p = nl + 1;
	}
	return 0;
}
