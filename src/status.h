/*
 * status.h - the one error convention and its single mapping to sysexits.
 *
 * A function that can fail returns 0 on success and -1 on failure, and on
 * failure fills a caller-supplied struct err: what kind of failure (which
 * decides the exit status) and one line of text for stderr.  Nothing else
 * in outbox knows the numbers of sysexits.h.
 */
#ifndef OUTBOX_STATUS_H
#define OUTBOX_STATUS_H

#include <stddef.h>
#include "limits.h"

enum err_kind {
	ERR_NONE = 0,
	ERR_USAGE,	/* bad option or argument, no recipients: 64 */
	ERR_DATA,	/* message unacceptable (NUL, bad header address): 65 */
	ERR_NOINPUT,	/* a named input file does not exist: 66 */
	ERR_NOUSER,	/* recipient refused permanently: 67 */
	ERR_NOHOST,	/* smarthost name does not exist: 68 */
	ERR_UNAVAILABLE, /* any other permanent refusal: 69 */
	ERR_SOFTWARE,	/* internal error: 70 */
	ERR_OSERR,	/* out of memory, fork failed: 71 */
	ERR_CANTCREAT,	/* cannot create an output file: 73 */
	ERR_IO,		/* stdin or the spool unreadable: 74 */
	ERR_TEMP,	/* anything temporary: 75 */
	ERR_PROTOCOL,	/* malformed or unexpected server replies: 76 */
	ERR_NOPERM,	/* authentication refused: 77 */
	ERR_CONFIG,	/* configuration wrong: 78 */
};

struct err {
	enum err_kind	kind;
	size_t		reply;	/* where in msg the server's reply is quoted; 0: none */
	char		msg[ERR_MSG_MAX];
};

/* The SMTP phase a reply answers; decides how a reply code maps to a kind. */
enum phase {
	PH_CONNECT,
	PH_GREETING,
	PH_EHLO,
	PH_HELO,
	PH_STARTTLS,
	PH_AUTH,
	PH_MAIL,
	PH_RCPT,
	PH_DATA,
	PH_BDAT,
	PH_DOT,
	PH_RSET,
	PH_QUIT,
};

/* Fill e (if not NULL) with kind and a printf-formatted message; returns -1. */
int err_set(struct err *e, enum err_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The same for a server's refusal: the message is the printf-formatted
 * label, ": ", and reply (a reply_summary()), and e remembers where the
 * reply starts, for the log. Returns -1. */
int err_set_reply(struct err *e, enum err_kind kind, const char *reply,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The server's reply quoted in e's message, or NULL when there is none. */
const char *err_reply(const struct err *e);

/* Clear e to ERR_NONE with an empty message. */
void err_clear(struct err *e);

/* The exit status (sysexits.h) for an error kind; 0 for ERR_NONE. */
int err_exit_code(enum err_kind kind);

/* The kind for a non-success reply code (and its enhanced status code,
 * "" when none) received in phase ph: 4xx is always ERR_TEMP; 5xx is
 * ERR_NOUSER for 550/551/553 or 5.1.x at RCPT, ERR_NOPERM for 534/535 or
 * 5.7.8 at AUTH, else ERR_UNAVAILABLE; any other code is ERR_PROTOCOL. */
enum err_kind err_kind_for_reply(enum phase ph, int code, const char *enh);

/* The command name of a phase, for messages ("MAIL FROM", "final dot"). */
const char *phase_name(enum phase ph);

#endif
