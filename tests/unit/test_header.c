/*
 * test_header.c - header section parsing: where the section ends, the
 * fields in it, unfolded values, lookups and the caps.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "header.h"
#include "limits.h"
#include "util.h"
#include "../tap.h"

/* Each case: the input and a summary of the parse,
 * "n=N len=L body=B sep=S" then "|name=unfolded value" per field. */
static const struct {
	const char	*name;
	const char	*in;
	const char	*want;
} cases[] = {
	{ "simple LF", "From: a\nTo: b\n\nbody\n",
	    "n=2 len=14 body=15 sep=1|From=a|To=b" },
	{ "CRLF", "From: a\r\nTo: b\r\n\r\nbody\r\n",
	    "n=2 len=16 body=18 sep=1|From=a|To=b" },
	{ "folded with SP and HTAB", "Subject: one\n two\n\tthree\nX: y\n\n",
	    "n=2 len=30 body=31 sep=1|Subject=one two\tthree|X=y" },
	{ "folded CRLF", "Subject: one\r\n two\r\n\r\n",
	    "n=1 len=20 body=22 sep=1|Subject=one two" },
	{ "no separator, end of input", "From: a\nTo: b\n",
	    "n=2 len=14 body=14 sep=0|From=a|To=b" },
	{ "no final line end", "From: a\nTo: b",
	    "n=2 len=13 body=13 sep=0|From=a|To=b" },
	{ "no separator, body line", "From: a\nhello world\nmore\n",
	    "n=1 len=8 body=8 sep=0|From=a" },
	{ "no header at all", "hello world\n\nbody\n",
	    "n=0 len=0 body=0 sep=0" },
	{ "empty input", "", "n=0 len=0 body=0 sep=0" },
	{ "empty first line", "\nbody\n", "n=0 len=0 body=1 sep=1" },
	{ "empty first line CRLF", "\r\nbody\r\n", "n=0 len=0 body=2 sep=1" },
	{ "mbox From line first", "From a@b Mon Jan 1 00:00:00 2024\nTo: b\n\n",
	    "n=0 len=0 body=0 sep=0" },
	{ "continuation first", " Subject: x\nTo: b\n\n",
	    "n=0 len=0 body=0 sep=0" },
	{ "obs WSP before colon", "Subject \t: x\nTo : y\n\n",
	    "n=2 len=20 body=21 sep=1|Subject=x|To=y" },
	{ "empty value", "Subject:\nCc: \n\n",
	    "n=2 len=14 body=15 sep=1|Subject=|Cc=" },
	{ "unfold trims", "Subject:   a  b  \n   \n\n",
	    "n=1 len=22 body=23 sep=1|Subject=a  b" },
	{ "colon first is no field", ": x\n\n", "n=0 len=0 body=0 sep=0" },
	{ "space in name ends section", "From: a\nBad name: x\n\n",
	    "n=1 len=8 body=8 sep=0|From=a" },
	{ "bare CR is a byte", "A: x\ry\nB: z\n\n",
	    "n=2 len=12 body=13 sep=1|A=x\ry|B=z" },
	{ "line of CR only is not empty", "A: x\n\r\n\n",
	    "n=1 len=5 body=7 sep=1|A=x" },
	{ "whitespace line continues", "A: x\n \nB: y\n\nb",
	    "n=2 len=12 body=13 sep=1|A=x|B=y" },
	{ "8-bit value", "Subject: \xc3\xa9t\xc3\xa9\n\n",
	    "n=1 len=15 body=16 sep=1|Subject=\xc3\xa9t\xc3\xa9" },
	{ "name with punctuation", "X-a.b_c!: 1\n\n",
	    "n=1 len=12 body=13 sep=1|X-a.b_c!=1" },
};

static void
summary(char *out, size_t cap, const struct headers *h, const char *buf)
{
	size_t i, o;
	char *v;

	o = (size_t)snprintf(out, cap, "n=%zu len=%zu body=%zu sep=%d", h->n,
	    h->len, h->body, h->separator);
	for (i = 0; i < h->n && o < cap; i++) {
		if (header_unfold(&h->f[i], buf, &v, NULL) == -1)
			v = xstrdup("<unfold failed>");
		o += (size_t)snprintf(out + o, cap - o, "|%.*s=%s",
		    (int)h->f[i].name_len, buf + h->f[i].start, v);
		free(v);
	}
}

static void
test_cases(void)
{
	struct headers h;
	struct err e;
	char got[1024];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (header_parse(&h, cases[i].in, strlen(cases[i].in), &e)) {
			tap_ok(0, "%s: %s", cases[i].name, e.msg);
			continue;
		}
		summary(got, sizeof(got), &h, cases[i].in);
		tap_str_eq(got, cases[i].want, cases[i].name);
		headers_free(&h);
	}
}

/* header_find: case-insensitive, from an index, -1 when absent. */
static const struct {
	const char	*field;
	size_t		from;
	long		want;
} finds[] = {
	{ "to", 0, 1 },
	{ "TO", 0, 1 },
	{ "To", 2, 3 },
	{ "To", 4, -1 },
	{ "bcc", 0, 2 },
	{ "Subject", 0, -1 },
	{ "T", 0, -1 },
	{ "Too", 0, -1 },
	{ "from", 0, 0 },
};

static void
test_find(void)
{
	static const char msg[] =
	    "From: a\ntO: b\nBCC: c\nto : d\n\n";
	struct headers h;
	size_t i;
	long got;

	if (header_parse(&h, msg, sizeof(msg) - 1, NULL) == -1)
		return;
	for (i = 0; i < sizeof(finds) / sizeof(finds[0]); i++) {
		got = header_find(&h, msg, finds[i].field, finds[i].from);
		tap_ok(got == finds[i].want, "header_find(%s, %zu) = %ld",
		    finds[i].field, finds[i].from, got);
	}
	tap_ok(header_is(&h.f[3], msg, "TO") && !header_is(&h.f[3], msg, "To "),
	    "header_is ignores obs WSP before the colon and case");
	headers_free(&h);
}

/* An unfolded value over HEADER_FIELD_MAX fails; one at it succeeds. */
static void
test_field_cap(void)
{
	size_t sizes[] = { HEADER_FIELD_MAX, HEADER_FIELD_MAX + 1 };
	struct headers h;
	struct err e;
	size_t i, n;
	char *buf, *v;
	int r;

	for (i = 0; i < 2; i++) {
		n = 3 + sizes[i] + 2;
		buf = xmalloc(n + 1);
		memcpy(buf, "X: ", 3);
		memset(buf + 3, 'a', sizes[i]);
		memcpy(buf + 3 + sizes[i], "\n\n", 3);
		r = header_parse(&h, buf, n, &e) == 0 && h.n == 1 &&
		    header_unfold(&h.f[0], buf, &v, &e) == 0;
		if (r)
			free(v);
		if (i == 0)
			tap_ok(r, "field of HEADER_FIELD_MAX bytes unfolds");
		else
			tap_ok(!r && e.kind == ERR_DATA &&
			    strstr(e.msg, "longer than") != NULL,
			    "field over HEADER_FIELD_MAX is ERR_DATA (%s)",
			    e.msg);
		headers_free(&h);
		free(buf);
	}
}

/* Over HEADER_FIELDS_MAX fields is ERR_DATA; exactly that many is fine. */
static void
test_fields_cap(void)
{
	size_t counts[] = { HEADER_FIELDS_MAX, HEADER_FIELDS_MAX + 1 };
	struct headers h;
	struct err e;
	size_t i, k;
	char *buf;
	int r;

	for (i = 0; i < 2; i++) {
		buf = xmalloc(counts[i] * 5 + 2);
		for (k = 0; k < counts[i]; k++)
			memcpy(buf + 5 * k, "X: 1\n", 5);
		buf[5 * k] = '\n';
		r = header_parse(&h, buf, 5 * k + 1, &e);
		if (i == 0)
			tap_ok(r == 0 && h.n == HEADER_FIELDS_MAX,
			    "HEADER_FIELDS_MAX fields parse");
		else
			tap_ok(r == -1 && e.kind == ERR_DATA && h.n == 0,
			    "over HEADER_FIELDS_MAX fields is ERR_DATA");
		headers_free(&h);
		free(buf);
	}
}

int
main(void)
{
	test_cases();
	test_find();
	test_field_cap();
	test_fields_cap();
	return tap_done();
}
