/*
 * smtp.h - the SMTP session engine.
 *
 * The engine speaks SMTP/LMTP over a struct stream and never sees a
 * socket: connecting, TLS and the choice of timeouts' clock belong to
 * the caller.  It is an explicit state machine with one state setter and
 * a name table, so that -v can trace every transition.  It validates
 * every reply (reply.c), learns capabilities per session (forgetting
 * them after STARTTLS), pipelines the envelope when the server offers
 * PIPELINING, decides the ESMTP parameters with mailparam.c (SIZE, BODY,
 * SMTPUTF8 or A-labels, DSN), sends the message with DATA (dotstuff.c)
 * or BDAT (CHUNKING), and maps every failure onto the error record with
 * the phase and the quoted reply.  Its files: smtp.c (the session),
 * smtp_tx.c (transactions, -bv), smtp_data.c (the message); smtp_impl.h
 * is theirs alone.
 */
#ifndef OUTBOX_SMTP_H
#define OUTBOX_SMTP_H

#include <stddef.h>
#include <sys/types.h>
#include "status.h"
#include "reply.h"

struct stream;
struct smtp;

/* Trace hook: dir is "<-" (server) or "->" (client); line excludes CRLF.
 * The engine passes secrets only as "[redacted]". */
typedef void (*smtp_trace_fn)(void *ctx, const char *dir, const char *line,
    size_t len);

struct smtp_config {
	const char	*helo;		/* EHLO/LHLO domain, already validated */
	int		lmtp;		/* LHLO and one reply per recipient */
	long		timeout_ms;	/* > 0 replaces every RFC 5321 timeout */
	int		no_pipelining;	/* never pipeline, even when offered */
	smtp_trace_fn	trace;		/* may be NULL */
	void		*trace_ctx;
};

/* A source of message bytes (headers edited, body from the spool), not
 * yet encoded: > 0 bytes, 0 at the end, -1 on error (fill e). */
typedef ssize_t (*smtp_read_fn)(void *ctx, void *buf, size_t n, struct err *e);
/* Start the source again from the first byte (another transaction). */
typedef void (*smtp_rewind_fn)(void *ctx);

/* What became of one recipient, told through envelope.report. */
enum rcpt_fate {
	RCPT_DELIVERED,		/* the server took the message for it */
	RCPT_REFUSED,		/* refused at RCPT (or, LMTP, after the data) */
	RCPT_ACCEPTED,		/* smtp_verify: RCPT accepted, nothing sent */
};
/* i indexes env->rcpt; kind is the refusal's (ERR_NONE otherwise); reply
 * is the server's reply as one escaped line. */
typedef void (*smtp_rcpt_fn)(void *ctx, size_t i, enum rcpt_fate fate,
    enum err_kind kind, const char *reply);

/* What -B declared (sendmail's body type). */
enum body_type { BODY_UNSET, BODY_7BIT, BODY_8BITMIME, BODY_BINARYMIME };

struct envelope {
	const char	*from;		/* reverse-path without <>; "" for <> */
	const char *const *rcpt;	/* forward-paths without <> */
	size_t		nrcpt;
	unsigned long long size;	/* for SIZE=; 0: unknown, not declared */
	int		quit_after;	/* send QUIT in the same flight as the dot */
	/* Facts of the message (message.h) and what the run asked for;
	 * the engine decides the parameters from them (mailparam.h). */
	int		body_8bit;	/* a byte >= 0x80 in the body */
	const char	*utf8_field;	/* a header field holding UTF-8, or NULL */
	enum body_type	body;		/* -B */
	const char	*dsn_notify;	/* "never" or e.g. "success,failure"; NULL */
	const char	*dsn_return;	/* "headers" or "full"; NULL */
	const char	*envid;		/* -V, raw (xtext-encoded when sent); NULL */
	int		dsn_required;	/* no DSN offered: fail instead of warning */
	int		allow_partial;	/* deliver to the accepted recipients */
	smtp_rewind_fn	rewind;		/* NULL: no second transaction (452) */
	smtp_rcpt_fn	report;		/* may be NULL */
	void		*report_ctx;
};

struct smtp_result {
	char		final[REPLY_LINE_MAX];	/* reply to the final dot, escaped */
	unsigned long long bytes;		/* message bytes sent after encoding */
	unsigned long	long_lines;		/* lines over LINE_SOFT_MAX octets */
	int		round_trips;		/* flights that waited for a reply */
	int		transactions;		/* MAIL transactions (452 splits) */
	size_t		delivered;		/* recipients the message went to */
	size_t		refused;		/* recipients refused (--allow-partial) */
	int		dsn_dropped;		/* DSN asked for, not offered: sent without */
	int		chunked;		/* sent with BDAT */
};

/* A session over s (borrowed: the caller frees it after smtp_free). */
struct smtp *smtp_new(struct stream *s, const struct smtp_config *cfg);
void smtp_free(struct smtp *sm);

/* Read the greeting and send EHLO (HELO when EHLO is refused with 5xx). */
int smtp_open(struct smtp *sm, struct err *e);
/* Capabilities of the current session (after smtp_open). */
const struct caps *smtp_caps(const struct smtp *sm);
/* The greeting's first line, escaped (for --serverinfo). */
const char *smtp_greeting(const struct smtp *sm);

/* Send STARTTLS and read its 220; then the caller runs the handshake and
 * calls smtp_reopen(). Bytes already received after the 220 are
 * ERR_PROTOCOL (CONTRACT 3). Not offered: ERR_UNAVAILABLE. */
int smtp_starttls(struct smtp *sm, struct err *e);
/* After the TLS handshake: forget everything learned, EHLO again. */
int smtp_reopen(struct smtp *sm, struct err *e);

/* One AUTH exchange step for sasl.c: send line (NULL for none), read the
 * reply into r. secret: the line is traced as [redacted]. */
int smtp_auth_step(struct smtp *sm, const char *line, int secret,
    struct reply *r, struct err *e);

/* Send one message: MAIL, RCPT..., DATA or BDAT (pipelined when
 * offered), the message read from src, the end of data (and QUIT in the
 * same flight when env->quit_after).  The parameters (SIZE, BODY,
 * SMTPUTF8, DSN) and the checks before MAIL come from mailparam.h.
 * All-or-nothing unless env->allow_partial: any refused recipient fails
 * the transaction and no message text is sent (after a pipelined 354 the
 * connection is unusable: the caller closes it).  A 452 "too many
 * recipients" after accepted ones starts another transaction for the
 * rest (needs env->rewind); when a later one fails after an earlier one
 * delivered, the error is ERR_TEMP.  env->report hears of every
 * recipient delivered or refused. */
int smtp_send(struct smtp *sm, const struct envelope *env, smtp_read_fn src,
    void *src_ctx, struct smtp_result *res, struct err *e);

/* -bv: MAIL FROM, RCPT for each recipient (pipelined when offered; more
 * transactions after a 452 "too many recipients"), then RSET; nothing is
 * sent.  env->report hears RCPT_ACCEPTED or RCPT_REFUSED for every
 * recipient.  -1 when the session or MAIL failed. */
int smtp_verify(struct smtp *sm, const struct envelope *env, struct err *e);

/* RSET (to reuse the session after a failed transaction). */
int smtp_rset(struct smtp *sm, struct err *e);
/* QUIT and read its reply unless already sent; failures are ignored. */
void smtp_quit(struct smtp *sm);

/* The name of the engine's current state, for traces. */
const char *smtp_state_name(const struct smtp *sm);

#endif
