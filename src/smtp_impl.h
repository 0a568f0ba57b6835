/*
 * smtp_impl.h - the engine's insides, shared by its three files and by
 * nothing else: smtp.c (the session: states, plumbing, greeting,
 * STARTTLS, AUTH, RSET, QUIT), smtp_tx.c (transactions: the envelope and
 * its replies, the 452 split, -bv) and smtp_data.c (the message: DATA
 * and BDAT, and the replies to the end of the data, LMTP's included).
 */
#ifndef OUTBOX_SMTP_IMPL_H
#define OUTBOX_SMTP_IMPL_H

#include <stddef.h>
#include "mailparam.h"
#include "reply.h"
#include "smtp.h"
#include "status.h"

enum state {
	ST_INIT,	/* nothing read yet */
	ST_GREETING,	/* waiting for the 220 */
	ST_EHLO,	/* EHLO/LHLO sent */
	ST_HELO,	/* HELO sent after EHLO was refused */
	ST_READY,	/* between transactions */
	ST_STARTTLS,	/* STARTTLS sent / TLS handshake pending */
	ST_AUTH,	/* inside an AUTH exchange */
	ST_MAIL,	/* MAIL sent */
	ST_RCPT,	/* RCPT(s) sent */
	ST_DATA,	/* DATA sent, waiting for 354 */
	ST_BODY,	/* sending the message */
	ST_DOT,		/* final dot sent, waiting for the reply */
	ST_QUIT,	/* QUIT sent */
	ST_CLOSED,	/* the session is over */
	ST_BROKEN,	/* unusable: the caller closes the connection */
};

struct smtp {
	struct stream		*s;		/* borrowed */
	struct smtp_config	 cfg;
	const char		*helo;
	enum state		 st;
	struct caps		 caps;
	struct reply		 r;		/* the reply being read */
	char			 greeting[REPLY_LINE_MAX];
	int			 quit_sent;
	int			 closing;	/* the server said 421 */
	int			 flights;	/* flushes followed by a wait */
	unsigned char		*in;		/* SPOOL_CHUNK, on first use */
	unsigned char		*out;		/* DOTENC_OUT_MAX(SPOOL_CHUNK) */
};

/* What one recipient of a transaction came to. */
enum rstate { RS_WAIT, RS_OK, RS_REFUSED, RS_DEFERRED };

/* One transaction: its recipients, the replies still to read (they come
 * in the order the commands went: MAIL, RCPT..., DATA or BDAT...), and
 * its failures. */
struct tx {
	const struct envelope	*env;
	const struct mail_plan	*plan;
	size_t			*idx;		/* its recipients: env indices */
	unsigned char		*rs;		/* enum rstate, per recipient */
	size_t			 n;
	int			 partial;	/* refused recipients don't fail it */
	int			 can_defer;	/* a 452 "too many" defers */
	int			 mail_sent, mail_read;
	size_t			 sent, answered;	/* RCPTs */
	int			 data_sent;	/* DATA's reply unread */
	unsigned		 bdat_unread;	/* BDAT replies unread */
	int			 last_sent;	/* BDAT LAST among them */
	size_t			 accepted, refused, deferred, delivered;
	struct err		 err;		/* the first failure's text */
	enum err_kind		 kind;		/* the decisive kind */
	struct err		 defer;		/* the first 452 "too many" */
	char			 defer_sum[REPLY_LINE_MAX];	/* its reply */
	int			 mail_failed;
	int			 body_failed;	/* DATA, BDAT or the end refused
						 * (for a good envelope) */
	int			 failed;	/* err holds something */
	int			 go;		/* DATA answered 354 */
};

/* Where the message comes from. */
struct source {
	smtp_read_fn	 read;
	void		*ctx;
};

/* smtp.c: the plumbing every command and reply goes through. */
void sm_trace(struct smtp *sm, const char *dir, const char *line, size_t len);
/* The one state setter: every transition is traced as "--". */
void sm_set_state(struct smtp *sm, enum state st);
long sm_block_timeout(const struct smtp *sm);
void sm_msg_append(struct err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int sm_io_fail(struct smtp *sm, enum phase ph, const char *label,
    struct err *e);
int sm_send_cmd(struct smtp *sm, struct err *e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int sm_flush_wait(struct smtp *sm, enum phase ph, const char *label,
    struct err *e);
int sm_read_reply(struct smtp *sm, struct reply *r, enum phase ph,
    const char *label, struct err *e);
int sm_reply_error(struct smtp *sm, enum phase ph, const char *label,
    struct err *e);
const char *sm_state_name(enum state st);

/* smtp_tx.c: what the message's part needs of a transaction. */
int tx_envelope_ok(const struct tx *tx);
int tx_ok(const struct tx *tx);
const char *tx_rcpt(const struct tx *tx, size_t j);
void tx_report(const struct tx *tx, size_t j, enum rcpt_fate f,
    enum err_kind k, const char *reply);
void tx_fail_body(struct smtp *sm, struct tx *tx, enum phase ph,
    const char *label);
int tx_env_pending(const struct tx *tx);
int tx_read_next(struct smtp *sm, struct tx *tx, struct err *e);
int tx_drain(struct smtp *sm, struct tx *tx, int env_only, struct err *e);

/* smtp_data.c: the message, its end, and the replies to it. */
int sm_pipelining(const struct smtp *sm);
int tx_send_message(struct smtp *sm, struct tx *tx, const struct source *src,
    int inflight, struct smtp_result *res, struct err *e);

#endif
