/*
 * header.h - RFC 5322 header section parsing (pure: bytes in, offsets out).
 *
 * The header section is every line from the start of the message that is
 * a header field or the continuation of one.  It ends at the first empty
 * line (the separator, not part of the section) or at the first line
 * that is neither; in that case the message has no separator and one is
 * added when the message is sent.  Fields keep their raw bytes: folding,
 * comments and encoded words are left as they are; header_unfold() gives
 * the value as one line for parsing.
 */
#ifndef OUTBOX_HEADER_H
#define OUTBOX_HEADER_H

#include <stddef.h>
#include "status.h"

struct hfield {
	size_t	start;		/* offset of the field name */
	size_t	name_len;	/* bytes of the name (before ':', no trailing WSP) */
	size_t	value;		/* offset just after the ':' */
	size_t	end;		/* offset after the field's last line end */
};

struct headers {
	struct hfield	*f;	/* fields in order */
	size_t		n;
	size_t		len;	/* bytes of the header section */
	size_t		body;	/* offset where the body starts (after the separator) */
	int		separator;	/* 1 if an empty line ended the section */
};

/* Parse the header section at the start of buf[0..len). Fails with
 * ERR_DATA only over HEADER_FIELDS_MAX fields; an absent header section
 * is n == 0. Caller frees with headers_free(). */
int header_parse(struct headers *h, const char *buf, size_t len, struct err *e);
void headers_free(struct headers *h);

/* Nonzero if field f of buf is named name (case-insensitive). */
int header_is(const struct hfield *f, const char *buf, const char *name);
/* The index of the first field named name at or after index from, or -1. */
long header_find(const struct headers *h, const char *buf, const char *name, size_t from);

/* The field's value unfolded: line ends removed (the folding white space
 * kept), leading and trailing white space trimmed. Caller frees. Fails
 * with ERR_DATA over HEADER_FIELD_MAX. */
int header_unfold(const struct hfield *f, const char *buf, char **out, struct err *e);

#endif
