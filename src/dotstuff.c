/*
 * dotstuff.c - the DATA encoder and the BDAT line-end normaliser (pure).
 *
 * Owns the one promise of CONTRACT 4 that concerns message bytes: what
 * goes on the wire has only CRLF line ends, no bare CR or LF, and (for
 * DATA) no end-of-data sequence but the final one.  The state in struct
 * dotenc carries across calls, so any split of the input gives the same
 * output; a CR that ends one buffer waits for the next to learn whether
 * it starts a CRLF.  Runs of ordinary bytes are found with memchr() and
 * copied with memcpy(): the common case never looks at bytes one by one.
 */
#include "autoconfig.h"

#include <string.h>

#include "dotstuff.h"
#include "limits.h"

void
dotenc_init(struct dotenc *d)
{
	memset(d, 0, sizeof(*d));
	d->bol = 1;
}

/* Emit CRLF and account for the line it ends. */
static unsigned char *
end_line(struct dotenc *d, unsigned char *o)
{
	*o++ = '\r';
	*o++ = '\n';
	if (d->linelen > LINE_SOFT_MAX)
		d->long_lines++;
	d->lines++;
	d->linelen = 0;
	d->bol = 1;
	return o;
}

/* Emit n bytes of line content (no CR, no LF). */
static unsigned char *
put_text(struct dotenc *d, unsigned char *o, const unsigned char *p, size_t n)
{
	if (n == 0)
		return o;
	memcpy(o, p, n);
	d->linelen += n;
	d->bol = 0;
	return o + n;
}

static const unsigned char *
find_lf(const unsigned char *p, const unsigned char *end)
{
	const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl != NULL ? nl : end;
}

/*
 * The shared core.  nl is the next LF (or end) and is looked up again
 * only once p has passed it, so that many bare CRs in one long line do
 * not make the scan quadratic.  Output per input byte is at most two
 * bytes, plus one for a CR held over from the previous call.
 */
static size_t
encode(struct dotenc *d, const unsigned char *in, size_t n, unsigned char *out,
    int stuff)
{
	const unsigned char *p = in, *end = in + n, *nl, *stop;
	unsigned char *o = out;

	if (n == 0)
		return 0;
	if (d->cr) {
		d->cr = 0;
		if (*p == '\n') {
			o = end_line(d, o);
			p++;
		} else
			o = put_text(d, o, (const unsigned char *)" ", 1);
	}
	nl = find_lf(p, end);
	while (p < end) {
		if (p > nl)
			nl = find_lf(p, end);
		if (stuff && d->bol && *p == '.') {
			*o++ = '.';
			d->linelen++;
		}
		if ((stop = memchr(p, '\r', (size_t)(nl - p))) == NULL)
			stop = nl;
		o = put_text(d, o, p, (size_t)(stop - p));
		if ((p = stop) == end)
			break;
		if (*p == '\n') {
			o = end_line(d, o);
			p++;
		} else if (p + 1 == end) {	/* CR: is it a CRLF? ask later */
			d->cr = 1;
			p++;
		} else if (p[1] == '\n') {
			o = end_line(d, o);
			p += 2;
		} else {			/* bare CR */
			o = put_text(d, o, (const unsigned char *)" ", 1);
			p++;
		}
	}
	return (size_t)(o - out);
}

/* The pending CR as a space, then the line end the input lacked. */
static unsigned char *
finish_line(struct dotenc *d, unsigned char *o)
{
	if (d->cr) {
		d->cr = 0;
		o = put_text(d, o, (const unsigned char *)" ", 1);
	}
	if (!d->bol)
		o = end_line(d, o);
	return o;
}

size_t
dotenc_feed(struct dotenc *d, const unsigned char *in, size_t n,
    unsigned char *out)
{
	return encode(d, in, n, out, 1);
}

/* lines counts message lines only, not the terminating ".". */
size_t
dotenc_finish(struct dotenc *d, unsigned char *out)
{
	unsigned char *o = finish_line(d, out);

	memcpy(o, ".\r\n", 3);
	return (size_t)(o + 3 - out);
}

size_t
crlf_feed(struct dotenc *d, const unsigned char *in, size_t n,
    unsigned char *out)
{
	return encode(d, in, n, out, 0);
}

/* BDAT data must end with CRLF too; empty input stays empty. */
size_t
crlf_finish(struct dotenc *d, unsigned char *out)
{
	return (size_t)(finish_line(d, out) - out);
}
