/*
 * reply.h - SMTP reply parsing and validation (pure: bytes in, facts out).
 *
 * A reply is accepted only if every line is well formed: three digits,
 * the first 2-5, the same code on every line, '-' on all lines but the
 * last and ' ' (or nothing) on the last, and within the REPLY_* limits.
 * Capabilities are parsed from an EHLO reply by caps_parse().
 */
#ifndef OUTBOX_REPLY_H
#define OUTBOX_REPLY_H

#include <stddef.h>
#include "limits.h"

struct reply {
	int	code;			/* e.g. 250; 0 until the first line */
	char	enh[16];		/* enhanced status "5.1.1", or "" */
	size_t	nlines;
	size_t	textlen;
	/* The text after "NNN-"/"NNN " of every line, joined by '\n',
	 * raw (escape with escape_text() before printing). */
	char	text[REPLY_TEXT_MAX];
};

enum reply_status { REPLY_MORE, REPLY_DONE, REPLY_BAD };

void reply_init(struct reply *r);

/* Feed one line (without its line end). REPLY_MORE: a continuation line
 * was consumed; REPLY_DONE: the reply is complete; REPLY_BAD: malformed or
 * over a limit, with the reason written to why (capacity whylen). */
enum reply_status reply_feed(struct reply *r, const char *line, size_t len,
    char *why, size_t whylen);

/* The reply as one printable line: "CODE text", the text of every
 * non-empty line joined by " / ", escaped, cut to cap. */
const char *reply_summary(const struct reply *r, char *buf, size_t cap);

/* ESMTP capabilities learned from an EHLO reply. */
#define CAP_PIPELINING		0x0001u
#define CAP_SIZE		0x0002u
#define CAP_8BITMIME		0x0004u
#define CAP_SMTPUTF8		0x0008u
#define CAP_CHUNKING		0x0010u
#define CAP_BINARYMIME		0x0020u
#define CAP_DSN			0x0040u
#define CAP_ENHANCEDSTATUSCODES	0x0080u
#define CAP_STARTTLS		0x0100u
#define CAP_AUTH		0x0200u

struct caps {
	unsigned	flags;
	unsigned long long size_max;	/* SIZE n; 0 when none or no limit */
	char	auth[512];		/* AUTH mechanisms, space-separated, upper case */
};

/* Fill c from a complete EHLO reply (lines after the first). */
void caps_parse(struct caps *c, const struct reply *r);

#endif
