/*
 * dotstuff.h - the DATA encoder (pure).
 *
 * Turns message bytes into what goes between DATA's 354 and the final
 * dot: every line end becomes CRLF (CRLF and bare LF alike), a bare CR
 * becomes a space, a line starting with '.' gets another '.', and
 * dotenc_finish() ends the data with exactly one "\r\n.\r\n" (adding the
 * line end the input lacked).  The state carries across calls, so any
 * split of the input into buffers gives the same output.  NUL bytes are
 * refused before this point (CONTRACT 4) and never reach the encoder.
 */
#ifndef OUTBOX_DOTSTUFF_H
#define OUTBOX_DOTSTUFF_H

#include <stddef.h>

struct dotenc {
	int	bol;		/* at the beginning of a line */
	int	cr;		/* the previous input byte was a CR, not yet emitted */
	size_t	linelen;	/* octets in the current output line so far */
	unsigned long	long_lines;	/* lines over LINE_SOFT_MAX octets */
	unsigned long long	lines;	/* lines emitted */
};

/* Worst case output for n input bytes: every byte a line end or a dot. */
#define DOTENC_OUT_MAX(n)	(2 * (n) + 8)

void dotenc_init(struct dotenc *d);
/* Encode n bytes of in into out (room for DOTENC_OUT_MAX(n)); returns
 * the number of bytes written. */
size_t dotenc_feed(struct dotenc *d, const unsigned char *in, size_t n,
    unsigned char *out);
/* Finish: pending CR, the missing line end, ".\r\n"; out needs room for
 * DOTENC_OUT_MAX(0). Returns the number of bytes written. */
size_t dotenc_finish(struct dotenc *d, unsigned char *out);

/* The same normalisation without dot-stuffing or terminator, for BDAT
 * (CRLF line ends, bare CR to space). */
size_t crlf_feed(struct dotenc *d, const unsigned char *in, size_t n,
    unsigned char *out);
size_t crlf_finish(struct dotenc *d, unsigned char *out);

#endif
