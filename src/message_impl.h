/*
 * message_impl.h - the message's insides, shared by its two files and by
 * nothing else: message.c (taking the input into the spool, its facts,
 * the raw and mbox copies, the header reads for -t and From) and
 * message_edit.c (the header edits, their plan, and the edited message
 * read back in pieces).  Callers use message.h.
 */
#ifndef OUTBOX_MESSAGE_IMPL_H
#define OUTBOX_MESSAGE_IMPL_H

#include <stddef.h>
#include "header.h"
#include "message.h"
#include "status.h"

struct message {
	int		fd;		/* the unlinked spool */
	char		*hdr;		/* the input up to the header's end */
	size_t		hdrlen;
	struct headers	h;		/* parsed from hdr */
	struct message_facts facts;
	int		last;		/* the input's last byte, or -1 */

	/* the edit plan (message_prepare) */
	char		*added;		/* fields added at the top */
	size_t		addedlen;
	unsigned char	*drop;		/* per field: not sent */
	int		add_sep;	/* an empty line follows the header */
	char		*msgid;
	unsigned long long wire;

	/* message_reader's position */
	size_t		piece;		/* added, each field, separator, body */
	unsigned long long pos;		/* offset in the piece */
};

/* Read exactly n spool bytes at off: a short spool is ERR_IO. */
int msg_spool_pread(const struct message *m, char *p, size_t n,
    unsigned long long off, struct err *e);
/* Nonzero if s[0..n) holds a byte >= 0x80. */
int msg_has_high(const char *s, size_t n);
/* Decide the separator and the size on the wire from the header, the
 * facts and the current edits (m->added, m->drop). */
void msg_plan(struct message *m);

#endif
