/*
 * mailparam.h - the ESMTP parameters of one transaction, decided from
 * what the message needs (envelope facts) and what the server offers
 * (struct caps): SIZE (RFC 1870), BODY=8BITMIME (RFC 6152), BINARYMIME
 * and CHUNKING (RFC 3030), SMTPUTF8 (RFC 6531) or the A-label downgrade,
 * DSN (RFC 3461: RET, ENVID, NOTIFY, ORCPT in xtext, or RFC 6533's
 * utf-8 form).  It does no I/O; the engine (smtp.c) sends what it says.
 */
#ifndef OUTBOX_MAILPARAM_H
#define OUTBOX_MAILPARAM_H

#include <stddef.h>
#include "reply.h"
#include "smtp.h"
#include "status.h"

/* RFC 3461 4.4: an ENVID is at most 100 characters. */
#define ENVID_MAX	100
/* RFC 3461 4.2: ORCPT's value is at most 500 characters. */
#define ORCPT_MAX	500

struct mail_plan {
	char		*from;		/* reverse-path as sent */
	char		**rcpt;		/* forward-paths as sent (A-labels when downgraded) */
	size_t		 nrcpt;
	const char	*body;		/* "8BITMIME", "BINARYMIME" or NULL */
	int		 smtputf8;	/* SMTPUTF8 on MAIL */
	int		 chunking;	/* the message goes with BDAT */
	int		 binary;	/* BINARYMIME: the body byte for byte */
	int		 dsn;		/* DSN parameters are sent */
	int		 dsn_dropped;	/* asked for, not offered: sent without */
	int		 downgraded;	/* some domain sent as its A-label */
};

/* What can be checked before connecting: the ENVID (printable ASCII, at
 * most ENVID_MAX) is ERR_USAGE. */
int mailparam_check(const struct envelope *env, struct err *e);

/* Decide p for env on a server offering c.  Failures before MAIL:
 * message over SIZE, 8-bit body without 8BITMIME, BINARYMIME of an 8-bit
 * body without CHUNKING and BINARYMIME, UTF-8 in a header field or a
 * local part without SMTPUTF8, DSN missing with dsn_required: all
 * ERR_UNAVAILABLE naming what and why. Caller frees with mailparam_free
 * (also after a failure). */
int mailparam_plan(struct mail_plan *p, const struct envelope *env,
    const struct caps *c, struct err *e);
void mailparam_free(struct mail_plan *p);

/* MAIL's parameters (" SIZE=... BODY=... SMTPUTF8 RET=... ENVID=...",
 * or "") into buf; 0, or -1 when cap is too small. */
int mailparam_mail(const struct mail_plan *p, const struct envelope *env,
    const struct caps *c, char *buf, size_t cap);
/* RCPT's parameters for recipient i (" NOTIFY=... ORCPT=...", or "");
 * ORCPT is left out when its value would exceed ORCPT_MAX. */
int mailparam_rcpt(const struct mail_plan *p, const struct envelope *env,
    size_t i, char *buf, size_t cap);

/* RFC 3461 4: xtext of s into buf ("+" "=" and octets outside "!".."~"
 * as "+HH"); the length it needs (without NUL), as snprintf. */
size_t xtext_encode(const char *s, char *buf, size_t cap);
/* RFC 6533 3: utf-8-addr-unitext of s (UTF-8 kept, "+", "=", "\" and
 * octets outside "!".."~" as "\x{HH}"); the length it needs. */
size_t unitext_encode(const char *s, char *buf, size_t cap);

#endif
