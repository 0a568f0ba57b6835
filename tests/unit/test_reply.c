/*
 * test_reply.c - reply validation, enhanced codes, summaries and EHLO
 * capabilities, one table line per case.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "reply.h"
#include "../tap.h"

/* A byte string with its length, so that cases may hold NUL. */
#define B(s)	(s), sizeof(s) - 1

enum { MORE = REPLY_MORE, DONE = REPLY_DONE, BAD = REPLY_BAD };

/* in: lines separated by '\n'; fed until the first non-MORE status, which
 * must come on the last line. why: a substring of the reason (BAD). */
static const struct rcase {
	const char	*name;
	const char	*in;
	size_t		 inlen;
	int		 want;
	int		 code;
	const char	*enh;
	size_t		 nlines;
	const char	*text;
	const char	*why;
} rcases[] = {
	{ "single line", B("250 OK"), DONE, 250, "", 1, "OK", NULL },
	{ "multi-line", B("250-a\n250-b\n250 c"), DONE, 250, "", 3, "a\nb\nc", NULL },
	{ "bare code", B("250"), DONE, 250, "", 1, "", NULL },
	{ "code and space", B("354 "), DONE, 354, "", 1, "", NULL },
	{ "bare code ends multi", B("250-x\n250"), DONE, 250, "", 2, "x\n", NULL },
	{ "continuation only", B("250-more"), MORE, 250, "", 1, "more", NULL },
	{ "empty continuation", B("250-\n250 ok"), DONE, 250, "", 2, "\nok", NULL },
	{ "421 greeting", B("421 4.3.2 shutting down"), DONE, 421, "4.3.2", 1, "4.3.2 shutting down", NULL },
	{ "wrong separator", B("250+OK"), BAD, 0, "", 0, "", "separator" },
	{ "tab separator", B("250\tOK"), BAD, 0, "", 0, "", "separator" },
	{ "codes differ", B("250-a\n251 b"), BAD, 250, "", 1, "a", "differ" },
	{ "class differs", B("250-a\n550 b"), BAD, 250, "", 1, "a", "differ" },
	{ "first digit 1", B("150 go"), BAD, 0, "", 0, "", "range" },
	{ "first digit 6", B("650 no"), BAD, 0, "", 0, "", "range" },
	{ "first digit 0", B("050 no"), BAD, 0, "", 0, "", "range" },
	{ "letter in code", B("2x0 no"), BAD, 0, "", 0, "", "not a reply" },
	{ "letters only", B("abc def"), BAD, 0, "", 0, "", "not a reply" },
	{ "too short", B("25"), BAD, 0, "", 0, "", "not a reply" },
	{ "empty line", B(""), BAD, 0, "", 0, "", "not a reply" },
	{ "leading space", B(" 250 OK"), BAD, 0, "", 0, "", "not a reply" },
	{ "second line garbage", B("250-a\nhello"), BAD, 250, "", 1, "a", "not a reply" },
	{ "NUL in text", B("250 a\0b"), BAD, 0, "", 0, "", "NUL" },
	{ "NUL in code", B("25\0 x"), BAD, 0, "", 0, "", "not a reply" },
	{ "controls kept raw", B("250 a\tb\x1b[1m\r"), DONE, 250, "", 1, "a\tb\x1b[1m\r", NULL },
	{ "enh 5.1.1", B("550 5.1.1 no such user"), DONE, 550, "5.1.1", 1, "5.1.1 no such user", NULL },
	{ "enh at end", B("250 2.0.0"), DONE, 250, "2.0.0", 1, "2.0.0", NULL },
	{ "enh 3 digits", B("554 5.123.456 x"), DONE, 554, "5.123.456", 1, "5.123.456 x", NULL },
	{ "enh 4 digits", B("554 5.1234.1 x"), DONE, 554, "", 1, "5.1234.1 x", NULL },
	{ "enh detail 4 digits", B("554 5.1.1234 x"), DONE, 554, "", 1, "5.1.1234 x", NULL },
	{ "enh class mismatch", B("250 5.1.1 x"), DONE, 250, "", 1, "5.1.1 x", NULL },
	{ "enh no dot", B("250 2.0 x"), DONE, 250, "", 1, "2.0 x", NULL },
	{ "enh empty part", B("250 2..0 x"), DONE, 250, "", 1, "2..0 x", NULL },
	{ "enh glued text", B("250 2.0.0x"), DONE, 250, "", 1, "2.0.0x", NULL },
	{ "enh class 3", B("354 3.0.0 go"), DONE, 354, "", 1, "3.0.0 go", NULL },
	{ "enh first line only", B("250-hi\n250 2.0.0 ok"), DONE, 250, "", 2, "hi\n2.0.0 ok", NULL },
	{ "enh multi", B("451-4.7.1 a\n451 4.7.1 b"), DONE, 451, "4.7.1", 2, "4.7.1 a\n4.7.1 b", NULL },
	{ "no enh", B("250 ok"), DONE, 250, "", 1, "ok", NULL },
};

/* Generated replies: nlines lines of linelen octets each, the last one
 * lastlen octets (0: linelen). 4 lines of 4000 hold 4 * 3996 octets of
 * text and 4 separators, so a last line of REPLY_TEXT_MAX - 15985 octets
 * fills the text to REPLY_TEXT_MAX - 1, leaving room for the NUL. */
static const struct gcase {
	const char	*name;
	size_t		 nlines;
	size_t		 linelen;
	size_t		 lastlen;
	int		 want;
	const char	*why;
} gcases[] = {
	{ "100 lines", REPLY_LINES_MAX, 10, 0, DONE, NULL },
	{ "101 lines", REPLY_LINES_MAX + 1, 10, 0, BAD, "too many lines" },
	{ "line of REPLY_LINE_MAX", 1, REPLY_LINE_MAX, 0, DONE, NULL },
	{ "line over REPLY_LINE_MAX", 1, REPLY_LINE_MAX + 1, 0, BAD, "line too long" },
	{ "text fills REPLY_TEXT_MAX", 5, 4000, REPLY_TEXT_MAX - 15985, DONE, NULL },
	{ "text over REPLY_TEXT_MAX", 5, 4000, REPLY_TEXT_MAX - 15984, BAD, "reply too long" },
};

static const struct scase {
	const char	*name;
	const char	*in;
	size_t		 cap;
	const char	*want;
} scases[] = {
	{ "summary single", "250 OK", 64, "250 OK" },
	{ "summary multi", "250-mx.example\n250-PIPELINING\n250 SIZE 10", 64, "250 mx.example / PIPELINING / SIZE 10" },
	{ "summary escapes", "550 bad\x1b[31m", 64, "550 bad\\x1b[31m" },
	{ "summary empty lines", "250-\n250 ok", 64, "250 ok" },
	{ "summary bare code", "250", 64, "250" },
	{ "summary cut", "250-abcdef\n250 ghijkl", 12, "250 abcdef" },
	{ "summary cut escape", "250 ab\x01", 10, "250 ab" },
	{ "summary tiny cap", "250 OK", 3, "25" },
};

static const struct ccase {
	const char		*name;
	const char		*in;
	unsigned		 flags;
	unsigned long long	 size;
	const char		*auth;
} ccases[] = {
	{ "postfix EHLO",
	  "250-mail.example.org\n250-PIPELINING\n250-SIZE 10240000\n250-VRFY\n"
	  "250-ETRN\n250-STARTTLS\n250-AUTH PLAIN LOGIN\n250-AUTH=PLAIN LOGIN\n"
	  "250-ENHANCEDSTATUSCODES\n250-8BITMIME\n250-DSN\n250-SMTPUTF8\n"
	  "250 CHUNKING",
	  CAP_PIPELINING | CAP_SIZE | CAP_STARTTLS | CAP_AUTH |
	  CAP_ENHANCEDSTATUSCODES | CAP_8BITMIME | CAP_DSN | CAP_SMTPUTF8 |
	  CAP_CHUNKING, 10240000, "PLAIN LOGIN" },
	{ "greeting only", "250 mx.example", 0, 0, "" },
	{ "first line ignored", "250-PIPELINING\n250 8BITMIME", CAP_8BITMIME, 0, "" },
	{ "SIZE without number", "250-x\n250 SIZE", CAP_SIZE, 0, "" },
	{ "SIZE 0", "250-x\n250 SIZE 0", CAP_SIZE, 0, "" },
	{ "SIZE huge", "250-x\n250 SIZE 99999999999999999999999", CAP_SIZE, ~0ULL, "" },
	{ "SIZE max", "250-x\n250 SIZE 18446744073709551615", CAP_SIZE, ~0ULL, "" },
	{ "SIZE junk", "250-x\n250 SIZE 12k", CAP_SIZE, 0, "" },
	{ "SIZE= ignored", "250-x\n250 SIZE=100", 0, 0, "" },
	{ "SIZEX not SIZE", "250-x\n250 SIZEX 5", 0, 0, "" },
	{ "lower case", "250-x\n250-pipelining\n250-size 42\n250-StartTLS\n250 auth plain cram-md5",
	  CAP_PIPELINING | CAP_SIZE | CAP_STARTTLS | CAP_AUTH, 42, "PLAIN CRAM-MD5" },
	{ "AUTH= form only", "250-x\n250 AUTH=LOGIN PLAIN", CAP_AUTH, 0, "LOGIN PLAIN" },
	{ "AUTH dedup", "250-x\n250-AUTH PLAIN plain LOGIN\n250 AUTH SCRAM-SHA-256 login", CAP_AUTH, 0, "PLAIN LOGIN SCRAM-SHA-256" },
	{ "AUTH empty", "250-x\n250 AUTH", 0, 0, "" },
	{ "AUTH bad mech", "250-x\n250 AUTH PL\x01IN X/Y ABCDEFGHIJKLMNOPQRSTU LOGIN", CAP_AUTH, 0, "LOGIN" },
	{ "AUTH spaces", "250-x\n250 AUTH   PLAIN    XOAUTH2 ", CAP_AUTH, 0, "PLAIN XOAUTH2" },
	{ "binarymime", "250-x\n250-BINARYMIME\n250 CHUNKING", CAP_BINARYMIME | CAP_CHUNKING, 0, "" },
	{ "unknown keywords", "250-x\n250-XCLIENT NAME\n250 HELP", 0, 0, "" },
};

/* Feed the lines of in[0..n) separated by '\n'; stop at the first
 * status that is not MORE; *fed counts lines given. */
static int
feed_lines(struct reply *r, const char *in, size_t n, char *why, size_t whylen,
    size_t *fed)
{
	const char *p = in, *end = in + n, *nl;
	int st = REPLY_MORE;

	*fed = 0;
	for (;;) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		st = reply_feed(r, p, (size_t)(nl - p), why, whylen);
		(*fed)++;
		if (st != REPLY_MORE || nl == end)
			break;
		p = nl + 1;
	}
	return st;
}

static size_t
count_lines(const char *in, size_t n)
{
	size_t i, c = 1;

	for (i = 0; i < n; i++)
		c += in[i] == '\n';
	return c;
}

static void
run_rcase(const struct rcase *c)
{
	struct reply r;
	char why[128] = "";
	size_t fed;
	int st;

	reply_init(&r);
	st = feed_lines(&r, c->in, c->inlen, why, sizeof(why), &fed);
	tap_ok(st == c->want && fed == count_lines(c->in, c->inlen) &&
	    r.code == c->code && r.nlines == c->nlines &&
	    strcmp(r.enh, c->enh) == 0 &&
	    (c->why == NULL ? why[0] == '\0' : strstr(why, c->why) != NULL),
	    "reply: %s", c->name);
	tap_mem_eq(r.text, r.textlen, c->text, strlen(c->text), "  text");
	if (r.text[r.textlen] != '\0')
		tap_diag("text not NUL-terminated");
	if (st != c->want || r.code != c->code || strcmp(r.enh, c->enh) != 0)
		tap_diag("got st %d code %d nlines %zu enh '%s' why '%s'", st,
		    r.code, r.nlines, r.enh, why);
}

static void
run_gcase(const struct gcase *c)
{
	struct reply r;
	char why[128] = "", *line = malloc(c->linelen);
	size_t i;
	int st = REPLY_MORE;

	if (line == NULL)
		abort();
	reply_init(&r);
	memset(line, 'x', c->linelen);
	memcpy(line, "250-", 4);
	for (i = 0; i < c->nlines && st == REPLY_MORE; i++) {
		int last = i + 1 == c->nlines;

		line[3] = last ? ' ' : '-';
		st = reply_feed(&r, line, last && c->lastlen ? c->lastlen :
		    c->linelen, why, sizeof(why));
	}
	tap_ok(st == c->want && r.textlen < REPLY_TEXT_MAX &&
	    i == c->nlines &&
	    (c->why == NULL ? why[0] == '\0' : strstr(why, c->why) != NULL),
	    "reply: %s (st %d, %zu lines, why '%s')", c->name, st, i, why);
	free(line);
}

static void
run_scase(const struct scase *c)
{
	struct reply r;
	char buf[256];
	size_t fed;

	reply_init(&r);
	memset(buf, '#', sizeof(buf));
	feed_lines(&r, c->in, strlen(c->in), NULL, 0, &fed);
	tap_str_eq(reply_summary(&r, buf, c->cap), c->want, c->name);
}

static void
run_ccase(const struct ccase *c)
{
	struct reply r;
	struct caps caps;
	size_t fed;
	int st;

	reply_init(&r);
	st = feed_lines(&r, c->in, strlen(c->in), NULL, 0, &fed);
	memset(&caps, 0xa5, sizeof(caps));
	caps_parse(&caps, &r);
	tap_ok(st == REPLY_DONE && caps.flags == c->flags &&
	    caps.size_max == c->size && strcmp(caps.auth, c->auth) == 0,
	    "caps: %s", c->name);
	if (caps.flags != c->flags || caps.size_max != c->size)
		tap_diag("flags %#x want %#x size %llu auth '%.40s'",
		    caps.flags, c->flags, caps.size_max, caps.auth);
}

/* The AUTH list never overflows, however many mechanisms are offered. */
static void
auth_bounded(void)
{
	struct reply r;
	struct caps caps;
	char line[64];
	int i, st = REPLY_MORE;

	reply_init(&r);
	reply_feed(&r, "250-x", 5, NULL, 0);
	for (i = 0; i < 90 && st == REPLY_MORE; i++) {
		int n = snprintf(line, sizeof(line), "250%cAUTH M%018d",
		    i == 89 ? ' ' : '-', i);
		st = reply_feed(&r, line, (size_t)n, NULL, 0);
	}
	caps_parse(&caps, &r);
	tap_ok(st == REPLY_DONE && strlen(caps.auth) < sizeof(caps.auth) &&
	    strlen(caps.auth) > sizeof(caps.auth) - 21 &&
	    strncmp(caps.auth, "M000000000000000000 M000000000000000001 ", 40) == 0,
	    "caps: AUTH list bounded (%zu)", strlen(caps.auth));
}

/* A short why buffer is cut, still terminated. */
static void
why_small(void)
{
	struct reply r;
	char why[8];

	reply_init(&r);
	memset(why, 'z', sizeof(why));
	tap_ok(reply_feed(&r, "x", 1, why, 5) == REPLY_BAD &&
	    strlen(why) == 4 && why[5] == 'z', "reply: why cut to whylen");
}

int
main(void)
{
	size_t i;

	for (i = 0; i < sizeof(rcases) / sizeof(rcases[0]); i++)
		run_rcase(&rcases[i]);
	for (i = 0; i < sizeof(gcases) / sizeof(gcases[0]); i++)
		run_gcase(&gcases[i]);
	for (i = 0; i < sizeof(scases) / sizeof(scases[0]); i++)
		run_scase(&scases[i]);
	for (i = 0; i < sizeof(ccases) / sizeof(ccases[0]); i++)
		run_ccase(&ccases[i]);
	auth_bounded();
	why_small();
	return tap_done();
}
