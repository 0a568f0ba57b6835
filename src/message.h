/*
 * message.h - the message: read from stdin into a private spool, then
 * sent from there with its header edited.
 *
 * message_read() takes all of the input (CONTRACT 2: up to a line holding
 * only "." unless -i) into an unlinked temporary file before anything is
 * sent, keeps the header section in memory for parsing, and records facts
 * learned on the way (8-bit body, UTF-8 headers, NUL, long lines, line
 * count).  The raw input stays as it was read, for the dead letter.
 * message_prepare() decides the edits an account asks for (From, Date,
 * Message-ID added when missing, Bcc removed, ...); message_reader() then
 * yields the edited message in bounded buffers: memory does not grow
 * with message size.
 */
#ifndef OUTBOX_MESSAGE_H
#define OUTBOX_MESSAGE_H

#include <stddef.h>
#include <sys/types.h>
#include "status.h"

struct message;

struct message_facts {
	unsigned long long	size;		/* raw bytes taken from input */
	unsigned long long	lf_lines;	/* lines ending in a bare LF */
	unsigned long		long_lines;	/* over LINE_SOFT_MAX octets */
	int	body_8bit;			/* a byte >= 0x80 in the body */
	int	header_8bit;			/* a byte >= 0x80 in the header */
	int	dot_ended;			/* a lone "." line ended the input */
	int	data_after_dot;			/* ... and more input followed it */
};

/* Read fd to its end (or to a lone "." line when dot_ends) into a spool
 * in tmpdir (NULL: $TMPDIR or /tmp). A NUL byte is ERR_DATA, a read error
 * ERR_IO; the raw input is kept in either case where it was readable, so
 * that it can go to the dead letter (*m is set whenever anything was
 * read). Caller frees with message_free(). */
int message_read(struct message **m, int fd, int dot_ends, const char *tmpdir,
    struct err *e);
/* A source of input for message_read_src(), as read(2): > 0 bytes, 0 at
 * the end, -1 with errno set. */
typedef ssize_t (*message_src_fn)(void *ctx, void *buf, size_t n);
/* message_read() from a function instead of a descriptor (-bs: serve.c
 * undoes the SMTP dot-stuffing and ends the input at the final dot). */
int message_read_src(struct message **m, message_src_fn src, void *ctx,
    int dot_ends, const char *tmpdir, struct err *e);
void message_free(struct message *m);

const struct message_facts *message_facts(const struct message *m);
/* The name of the first field of the edited header (fields added
 * included, fields dropped left out) holding a byte >= 0x80, into name
 * (capacity cap): 1, or 0 when there is none (SMTPUTF8 decides on it). */
int message_8bit_field(const struct message *m, char *name, size_t cap);

/* Copy the raw input, as read, to fd (the dead letter). */
int message_copy_raw(const struct message *m, int fd, struct err *e);
/* Copy the raw input to fd in mboxrd form: lines matching ^>*From  get
 * one more '>'. */
int message_copy_mbox(const struct message *m, int fd, struct err *e);

/* Recipients for -t, appended to *rcpt (n *nrcpt, caller frees each and
 * the array): from To, Cc, Bcc, or, when Resent- fields exist, from the
 * newest Resent- block's Resent-To, Resent-Cc, Resent-Bcc (RFC 5322
 * 3.6.6). An unparseable list is ERR_DATA naming the field. */
int message_header_rcpts(const struct message *m, char ***rcpt, size_t *nrcpt,
    struct err *e);
/* The first address of the From header (--read-envelope-from), caller
 * frees; NULL when there is none. ERR_DATA when unparseable. */
int message_header_from(const struct message *m, char **from, struct err *e);

struct message_edits {
	const char	*from_header;	/* whole From: value to add when missing (NULL: none) */
	int		replace_from;	/* set_from_header on: replace an existing From */
	int		add_date;	/* add Date: when missing */
	const char	*msgid_domain;	/* add Message-ID: when missing (NULL: don't) */
	int		remove_bcc;	/* drop Bcc: and Resent-Bcc: */
	const char	*to_header;	/* add To: when there is no To or Cc (NULL: don't) */
};

/* Apply the edits (decided once, before sending). The Message-ID in use
 * (added or found) is available afterwards from message_id(). */
int message_prepare(struct message *m, const struct message_edits *ed,
    struct err *e);
/* After message_prepare(): drop To, Cc and Bcc and add "To: to" (msmtp's
 * undisclosed_recipients). A control character in to is ERR_USAGE. */
int message_undisclose(struct message *m, const char *to, struct err *e);
/* The Message-ID (with <>), or NULL. */
const char *message_id(const struct message *m);

/* The edited message's size in bytes with CRLF line ends, for SIZE=. */
unsigned long long message_wire_size(const struct message *m);

/* Start reading the edited message from the beginning. */
void message_rewind(struct message *m);
/* An smtp_read_fn: the edited message (header edits applied, separator
 * added when missing, then the body from the spool), not yet encoded. */
ssize_t message_reader(void *m, void *buf, size_t n, struct err *e);

#endif
