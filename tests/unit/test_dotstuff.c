/*
 * test_dotstuff.c - the DATA encoder and the BDAT normaliser: a table of
 * line-end and dot mixes, the same output for every split of the input,
 * the wire invariants (CRLF only, one terminator) on random inputs, and
 * long-line counting.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "dotstuff.h"
#include "limits.h"
#include "../tap.h"

#define B(s)	(s), sizeof(s) - 1

/* in, what DATA sends (with the terminator), what BDAT sends, and the
 * number of message lines. */
static const struct dcase {
	const char		*name;
	const char		*in;
	size_t			 inlen;
	const char		*dot;
	size_t			 dotlen;
	const char		*crlf;
	size_t			 crlflen;
	unsigned long long	 lines;
} dcases[] = {
	{ "empty", B(""), B(".\r\n"), B(""), 0 },
	{ "dot", B("."), B("..\r\n.\r\n"), B(".\r\n"), 1 },
	{ "two dots", B(".."), B("...\r\n.\r\n"), B("..\r\n"), 1 },
	{ "dot CRLF", B(".\r\n"), B("..\r\n.\r\n"), B(".\r\n"), 1 },
	{ "dot LF", B(".\n"), B("..\r\n.\r\n"), B(".\r\n"), 1 },
	{ "dot CR", B(".\r"), B(".. \r\n.\r\n"), B(". \r\n"), 1 },
	{ "unterminated", B("a"), B("a\r\n.\r\n"), B("a\r\n"), 1 },
	{ "LF", B("a\n"), B("a\r\n.\r\n"), B("a\r\n"), 1 },
	{ "CRLF", B("a\r\n"), B("a\r\n.\r\n"), B("a\r\n"), 1 },
	{ "CR last byte", B("a\r"), B("a \r\n.\r\n"), B("a \r\n"), 1 },
	{ "CR only", B("\r"), B(" \r\n.\r\n"), B(" \r\n"), 1 },
	{ "LF only", B("\n"), B("\r\n.\r\n"), B("\r\n"), 1 },
	{ "CRLF only", B("\r\n"), B("\r\n.\r\n"), B("\r\n"), 1 },
	{ "bare CR inside", B("a\rb"), B("a b\r\n.\r\n"), B("a b\r\n"), 1 },
	{ "two bare CRs", B("a\r\rb\r\n"), B("a  b\r\n.\r\n"), B("a  b\r\n"), 1 },
	{ "CR CR LF", B("a\r\r\n"), B("a \r\n.\r\n"), B("a \r\n"), 1 },
	{ "LF CR", B("a\n\r"), B("a\r\n \r\n.\r\n"), B("a\r\n \r\n"), 2 },
	{ "LF dot LF", B("\n.\n"), B("\r\n..\r\n.\r\n"), B("\r\n.\r\n"), 2 },
	{ "dot line between", B("a\n.\nb"), B("a\r\n..\r\nb\r\n.\r\n"), B("a\r\n.\r\nb\r\n"), 3 },
	{ "CR before dot", B("\r.\n"), B(" .\r\n.\r\n"), B(" .\r\n"), 1 },
	{ "smuggle CRLF", B("hello\r\n.\r\nworld\r\n"), B("hello\r\n..\r\nworld\r\n.\r\n"), B("hello\r\n.\r\nworld\r\n"), 3 },
	{ "smuggle LF dot CRLF", B("hello\n.\r\nworld"), B("hello\r\n..\r\nworld\r\n.\r\n"), B("hello\r\n.\r\nworld\r\n"), 3 },
	{ "smuggle CR dot CRLF", B("hello\r.\r\n"), B("hello .\r\n.\r\n"), B("hello .\r\n"), 1 },
	{ "smuggle CRLF dot CR", B("hello\r\n.\rx"), B("hello\r\n.. x\r\n.\r\n"), B("hello\r\n. x\r\n"), 2 },
	{ "smuggle LF dot LF", B("hello\n.\n"), B("hello\r\n..\r\n.\r\n"), B("hello\r\n.\r\n"), 2 },
	{ "CRLF dot CR end", B("\r\n.\r"), B("\r\n.. \r\n.\r\n"), B("\r\n. \r\n"), 2 },
	{ "leading dots", B(".a\n..b\r\n...\n"), B("..a\r\n...b\r\n....\r\n.\r\n"), B(".a\r\n..b\r\n...\r\n"), 3 },
	{ "dot mid-line", B("a.b\n a.\n"), B("a.b\r\n a.\r\n.\r\n"), B("a.b\r\n a.\r\n"), 2 },
	{ "empty lines", B("x\n\r\n\n"), B("x\r\n\r\n\r\n.\r\n"), B("x\r\n\r\n\r\n"), 3 },
	{ "CR CR LF dot", B("\r\r\n."), B(" \r\n..\r\n.\r\n"), B(" \r\n.\r\n"), 2 },
	{ "mix", B("\n\n.\r\r\n"), B("\r\n\r\n.. \r\n.\r\n"), B("\r\n\r\n. \r\n"), 3 },
	{ "CR runs", B("\r\r\r"), B("   \r\n.\r\n"), B("   \r\n"), 1 },
	{ "LF runs", B("\n\n\n"), B("\r\n\r\n\r\n.\r\n"), B("\r\n\r\n\r\n"), 3 },
	{ "dot space", B(". \n"), B(".. \r\n.\r\n"), B(". \r\n"), 1 },
	{ "8-bit kept", B("\xc3\xa9\x80\xff\n"), B("\xc3\xa9\x80\xff\r\n.\r\n"), B("\xc3\xa9\x80\xff\r\n"), 1 },
};

typedef size_t (*feed_fn)(struct dotenc *, const unsigned char *, size_t,
    unsigned char *);
typedef size_t (*finish_fn)(struct dotenc *, unsigned char *);

/* Encode in[0..n) in pieces cut at the positions in cuts (ascending, may
 * be empty); returns the output length in out (room DOTENC_OUT_MAX(n)
 * plus 8 per piece for the finish). */
static size_t
encode_cuts(int dot, const unsigned char *in, size_t n, const size_t *cuts,
    size_t ncuts, unsigned char *out, struct dotenc *d)
{
	feed_fn feed = dot ? dotenc_feed : crlf_feed;
	finish_fn finish = dot ? dotenc_finish : crlf_finish;
	size_t i, from = 0, o = 0;

	dotenc_init(d);
	for (i = 0; i <= ncuts; i++) {
		size_t to = i < ncuts ? cuts[i] : n;

		o += feed(d, in + from, to - from, out + o);
		from = to;
	}
	return o + finish(d, out + o);
}

/* Wire invariants: every CR is followed by LF and every LF preceded by
 * CR; with dot, the data ends in the one terminator and holds no other. */
static int
wire_ok(int dot, const unsigned char *o, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (o[i] == '\r' && (i + 1 == n || o[i + 1] != '\n'))
			return 0;
		if (o[i] == '\n' && (i == 0 || o[i - 1] != '\r'))
			return 0;
		if (o[i] == '\0')
			return 0;
	}
	if (!dot)
		return n == 0 || (n >= 2 && o[n - 1] == '\n');
	if (n == 3)
		return memcmp(o, ".\r\n", 3) == 0;
	if (n < 5 || memcmp(o + n - 5, "\r\n.\r\n", 5) != 0)
		return 0;
	if (memcmp(o, ".\r\n", 3) == 0)
		return 0;
	for (i = 0; i + 5 < n; i++)
		if (memcmp(o + i, "\r\n.\r\n", 5) == 0)
			return 0;
	return 1;
}

/* The same output for every single cut, every pair of cuts, and byte by
 * byte; returns 1 when all agree with want. */
static int
splits_agree(int dot, const unsigned char *in, size_t n,
    const unsigned char *want, size_t wantlen, unsigned char *out)
{
	struct dotenc d;
	size_t cuts[64], a, b, i, len;

	for (a = 0; a <= n; a++) {
		for (b = a; b <= n; b++) {
			cuts[0] = a;
			cuts[1] = b;
			len = encode_cuts(dot, in, n, cuts, 2, out, &d);
			if (len != wantlen || memcmp(out, want, len) != 0) {
				tap_diag("differs when cut at %zu and %zu", a, b);
				return 0;
			}
		}
	}
	for (i = 0; i < n && i < 64; i++)
		cuts[i] = i;
	len = encode_cuts(dot, in, n, cuts, i, out, &d);
	return len == wantlen && memcmp(out, want, len) == 0;
}

static void
run_dcase(const struct dcase *c)
{
	const unsigned char *in = (const unsigned char *)c->in;
	unsigned char out[DOTENC_OUT_MAX(64) + 64 * 8];
	struct dotenc d;
	size_t len;

	len = encode_cuts(1, in, c->inlen, NULL, 0, out, &d);
	tap_mem_eq(out, len, c->dot, c->dotlen, c->name);
	tap_ok(d.lines == c->lines && d.long_lines == 0 && wire_ok(1, out, len),
	    "  DATA lines %llu, invariants", d.lines);
	tap_ok(splits_agree(1, in, c->inlen, (const unsigned char *)c->dot,
	    c->dotlen, out), "  DATA same for every split");
	len = encode_cuts(0, in, c->inlen, NULL, 0, out, &d);
	tap_mem_eq(out, len, c->crlf, c->crlflen, "  BDAT output");
	tap_ok(d.lines == c->lines && wire_ok(0, out, len) &&
	    splits_agree(0, in, c->inlen, (const unsigned char *)c->crlf,
	    c->crlflen, out), "  BDAT lines, invariants, every split");
}

/* Long lines: a line of len octets ('a', or starting with '.' when dot),
 * followed by end, then by a short line "x\n" when more. */
static const struct lcase {
	const char	*name;
	size_t		 len;
	int		 dot;
	const char	*end;
	int		 more;
	unsigned long	 long_lines;
} lcases[] = {
	{ "997 octets", 997, 0, "\n", 1, 0 },
	{ "998 octets", 998, 0, "\n", 1, 0 },
	{ "999 octets", 999, 0, "\n", 1, 1 },
	{ "998 CRLF", 998, 0, "\r\n", 1, 0 },
	{ "999 CRLF", 999, 0, "\r\n", 1, 1 },
	{ "997 + stuffed dot", 997, 1, "\n", 1, 0 },
	{ "998 + stuffed dot", 998, 1, "\n", 1, 1 },
	{ "998 + bare CR", 998, 0, "\rb\n", 1, 1 },
	{ "5000 octets", 5000, 0, "\n", 1, 1 },
	{ "998 unterminated", 998, 0, "", 0, 0 },
	{ "999 unterminated", 999, 0, "", 0, 1 },
	{ "998 + trailing CR", 998, 0, "\r", 0, 1 },
};

static void
run_lcase(const struct lcase *c)
{
	size_t elen = strlen(c->end), n = c->len + elen, len;
	unsigned char *in = malloc(n + 2), *out = malloc(DOTENC_OUT_MAX(n + 2));
	struct dotenc d;
	size_t cut = c->len / 2;

	if (in == NULL || out == NULL)
		abort();
	memset(in, 'a', c->len);
	if (c->dot)
		in[0] = '.';
	memcpy(in + c->len, c->end, elen);
	if (c->more) {
		memcpy(in + n, "x\n", 2);
		n += 2;
	}
	len = encode_cuts(1, in, n, &cut, 1, out, &d);
	tap_ok(d.long_lines == c->long_lines && wire_ok(1, out, len) &&
	    d.lines == (c->more ? 2u : 1u), "long lines: %s (%lu, %llu lines)",
	    c->name, d.long_lines, d.lines);
	free(in);
	free(out);
}

/* A byte-at-a-time reference: what the encoder must produce. */
static size_t
reference(int dot, const unsigned char *in, size_t n, unsigned char *out)
{
	size_t i, o = 0;
	int bol = 1;

	for (i = 0; i < n; i++) {
		if (in[i] == '\n' || (in[i] == '\r' && i + 1 < n &&
		    in[i + 1] == '\n')) {
			i += in[i] == '\r';
			out[o++] = '\r';
			out[o++] = '\n';
			bol = 1;
			continue;
		}
		if (dot && bol && in[i] == '.')
			out[o++] = '.';
		out[o++] = in[i] == '\r' ? ' ' : in[i];
		bol = 0;
	}
	if (!bol) {
		out[o++] = '\r';
		out[o++] = '\n';
	}
	if (dot) {
		memcpy(out + o, ".\r\n", 3);
		o += 3;
	}
	return o;
}

static void
sort3(size_t *c)
{
	size_t i, j, t;

	for (i = 0; i < 2; i++)
		for (j = 0; j < 2 - i; j++)
			if (c[j] > c[j + 1]) {
				t = c[j];
				c[j] = c[j + 1];
				c[j + 1] = t;
			}
}

static unsigned long rng = 20240601;

static unsigned
next_rand(void)
{
	rng = rng * 1103515245u + 12345u;
	return (unsigned)(rng >> 16) & 0x7fff;
}

/* Random inputs over {'.', '\r', '\n', 'a'}: the invariants hold, the
 * output matches the reference, and a random split changes nothing. */
static void
random_inputs(int dot, int rounds)
{
	static const unsigned char alpha[] = ".\r\na";
	unsigned char in[64], out[DOTENC_OUT_MAX(64) + 64 * 8];
	unsigned char ref[DOTENC_OUT_MAX(64)];
	struct dotenc d;
	size_t n, i, len, rlen, cuts[3];
	int r, bad = 0;

	for (r = 0; r < rounds && !bad; r++) {
		n = next_rand() % sizeof(in);
		for (i = 0; i < n; i++)
			in[i] = alpha[next_rand() % 4];
		for (i = 0; i < 3; i++)
			cuts[i] = n ? next_rand() % (n + 1) : 0;
		sort3(cuts);
		len = encode_cuts(dot, in, n, cuts, 3, out, &d);
		rlen = reference(dot, in, n, ref);
		if (!wire_ok(dot, out, len) || len != rlen ||
		    memcmp(out, ref, len) != 0 || len > DOTENC_OUT_MAX(n) + 8)
			bad = 1;
	}
	if (!tap_ok(!bad, "%s: %d random inputs keep the invariants",
	    dot ? "DATA" : "BDAT", r))
		tap_mem_eq(out, len, ref, rlen, "  last input");
}

/* The output of one call stays within DOTENC_OUT_MAX: the worst inputs. */
static void
out_max(void)
{
	static const char *worst[] = { "\n\n\n\n", ".\n.\n", "\r\n\n\r", "\r\r\r\n" };
	unsigned char out[DOTENC_OUT_MAX(4)];
	struct dotenc d;
	size_t i, len, ok = 1;

	for (i = 0; i < sizeof(worst) / sizeof(worst[0]); i++) {
		dotenc_init(&d);
		d.cr = 1;	/* a CR held over from the previous call */
		len = dotenc_feed(&d, (const unsigned char *)worst[i], 4, out);
		ok &= len <= DOTENC_OUT_MAX(4);
		ok &= dotenc_finish(&d, out) <= DOTENC_OUT_MAX(0);
	}
	tap_ok(ok, "output within DOTENC_OUT_MAX");
}

int
main(void)
{
	size_t i;

	for (i = 0; i < sizeof(dcases) / sizeof(dcases[0]); i++)
		run_dcase(&dcases[i]);
	for (i = 0; i < sizeof(lcases) / sizeof(lcases[0]); i++)
		run_lcase(&lcases[i]);
	random_inputs(1, 5000);
	random_inputs(0, 5000);
	out_max();
	return tap_done();
}
