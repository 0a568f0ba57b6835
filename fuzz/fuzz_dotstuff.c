/*
 * fuzz_dotstuff.c - libFuzzer target for dotstuff.c: the input (after its
 * first byte, which picks the piece size) is encoded for DATA and for BDAT
 * in pieces and whole; the outputs must agree and keep CONTRACT 4's wire
 * invariants (abort() on a violation).
 */
#include "autoconfig.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dotstuff.h"

/* Encode in[0..n) in pieces of step bytes (0: whole); returns the length. */
static size_t
encode(int dot, const unsigned char *in, size_t n, size_t step,
    unsigned char *out, struct dotenc *d)
{
	size_t from = 0, o = 0, k;

	dotenc_init(d);
	if (step == 0)
		step = n ? n : 1;
	for (from = 0; from < n; from += k) {
		k = n - from < step ? n - from : step;
		o += (dot ? dotenc_feed : crlf_feed)(d, in + from, k, out + o);
	}
	return o + (dot ? dotenc_finish : crlf_finish)(d, out + o);
}

static void
check_wire(int dot, const unsigned char *o, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (o[i] == '\r' && (i + 1 == n || o[i + 1] != '\n'))
			abort();
		if (o[i] == '\n' && (i == 0 || o[i - 1] != '\r'))
			abort();
	}
	if (!dot) {
		if (n > 0 && o[n - 1] != '\n')
			abort();
		return;
	}
	if (n == 3 && memcmp(o, ".\r\n", 3) == 0)
		return;
	if (n < 5 || memcmp(o + n - 5, "\r\n.\r\n", 5) != 0 ||
	    memcmp(o, ".\r\n", 3) == 0)
		abort();
	for (i = 0; i + 5 < n; i++)
		if (memcmp(o + i, "\r\n.\r\n", 5) == 0)
			abort();
}

static void
one(int dot, const unsigned char *in, size_t n, size_t step,
    unsigned char *a, unsigned char *b)
{
	struct dotenc d1, d2;
	size_t la, lb;

	la = encode(dot, in, n, 0, a, &d1);
	lb = encode(dot, in, n, step, b, &d2);
	if (la != lb || memcmp(a, b, la) != 0 || d1.lines != d2.lines ||
	    d1.long_lines != d2.long_lines || la > 2 * n + 8)
		abort();
	check_wire(dot, a, la);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *a, *b;
	size_t step, n, cap;

	if (size == 0)
		return 0;
	step = data[0];
	data++;
	n = size - 1;
	/* room for every piece's worst case plus the finish */
	cap = DOTENC_OUT_MAX(n) + n + 8;
	if ((a = malloc(cap)) == NULL || (b = malloc(cap)) == NULL)
		abort();
	one(1, data, n, step, a, b);
	one(0, data, n, step, a, b);
	free(a);
	free(b);
	return 0;
}
