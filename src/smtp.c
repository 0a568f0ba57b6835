/*
 * smtp.c - the SMTP/LMTP session engine.
 *
 * Owns the session's state machine (one setter, a name table, every
 * transition traced), the capabilities learned from EHLO, the envelope
 * and the DATA phase.  It reads lines and writes bytes through a struct
 * stream only: it never sees a socket, and connecting, TLS and the run's
 * clock belong to the caller.  Commands are sent by one function each
 * (cmd_*); what a reply means is decided by one function per reply
 * (on_*).  Every failure lands in the error record as one line:
 * "<command>: <escaped reply>".
 *
 * Recipients are all-or-nothing (CONTRACT 1): a refused RCPT fails the
 * transaction, and after a pipelined 354 the session goes BROKEN with no
 * message byte sent, so the caller drops the connection.
 */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dotstuff.h"
#include "limits.h"
#include "reply.h"
#include "smtp.h"
#include "stream.h"
#include "util.h"

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

static const char *const state_names[] = {
	[ST_INIT] = "INIT",
	[ST_GREETING] = "GREETING",
	[ST_EHLO] = "EHLO",
	[ST_HELO] = "HELO",
	[ST_READY] = "READY",
	[ST_STARTTLS] = "STARTTLS",
	[ST_AUTH] = "AUTH",
	[ST_MAIL] = "MAIL",
	[ST_RCPT] = "RCPT",
	[ST_DATA] = "DATA",
	[ST_BODY] = "BODY",
	[ST_DOT] = "DOT",
	[ST_QUIT] = "QUIT",
	[ST_CLOSED] = "CLOSED",
	[ST_BROKEN] = "BROKEN",
};

/* A QUIT reply is not worth waiting long for. */
#define QUIT_WAIT_MS	5000L

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

/* One transaction's failures, gathered while reading pipelined replies. */
struct tx {
	const struct envelope	*env;
	struct err		 err;		/* the first failure's text */
	enum err_kind		 kind;		/* the decisive kind */
	int			 mail_failed;
	size_t			 refused;	/* recipients refused */
	int			 failed;	/* anything failed */
	int			 go;		/* DATA answered 354 */
};

/* ------------------------------------------------------------ plumbing */

static void
trace(struct smtp *sm, const char *dir, const char *line, size_t len)
{
	if (sm->cfg.trace != NULL)
		sm->cfg.trace(sm->cfg.trace_ctx, dir, line, len);
}

/* The one state setter: every transition is traced as "--". */
static void
set_state(struct smtp *sm, enum state st)
{
	char buf[64];
	int n;

	if (sm->st == st)
		return;
	n = snprintf(buf, sizeof(buf), "%s -> %s", state_names[sm->st],
	    state_names[st]);
	sm->st = st;
	if (n > 0)
		trace(sm, "--", buf, strlen(buf));
}

/* The RFC 5321 4.5.3.2 timeout for waiting on a reply in phase ph, in
 * ms, unless the configuration replaces them all; QUIT's is capped. */
static long
phase_timeout(const struct smtp *sm, enum phase ph)
{
	long sec;

	if (ph == PH_QUIT)
		return sm->cfg.timeout_ms > 0 && sm->cfg.timeout_ms <
		    QUIT_WAIT_MS ? sm->cfg.timeout_ms : QUIT_WAIT_MS;
	if (sm->cfg.timeout_ms > 0)
		return sm->cfg.timeout_ms;
	switch (ph) {
	case PH_GREETING:	sec = TIMEOUT_GREETING; break;
	case PH_MAIL:		sec = TIMEOUT_MAIL; break;
	case PH_RCPT:		sec = TIMEOUT_RCPT; break;
	case PH_DATA:		sec = TIMEOUT_DATA_INIT; break;
	case PH_BDAT:		/* FALLTHROUGH */
	case PH_DOT:		sec = TIMEOUT_DATA_TERM; break;
	default:		sec = TIMEOUT_OTHER; break;
	}
	return sec * 1000L;
}

static long
block_timeout(const struct smtp *sm)
{
	return sm->cfg.timeout_ms > 0 ? sm->cfg.timeout_ms :
	    TIMEOUT_DATA_BLOCK * 1000L;
}

/* Append to the error's message (truncating at its capacity). */
static void
msg_append(struct err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
msg_append(struct err *e, const char *fmt, ...)
{
	size_t o = strlen(e->msg);
	va_list ap;

	if (o + 1 >= sizeof(e->msg))
		return;
	va_start(ap, fmt);
	vsnprintf(e->msg + o, sizeof(e->msg) - o, fmt, ap);
	va_end(ap);
}

/* The stream failed while in phase ph: the connection is unusable.
 * Prefix the stream's reason with the command, or, after the final dot,
 * warn that the message may have been delivered (CONTRACT 1). */
static int
io_fail(struct smtp *sm, enum phase ph, const char *label, struct err *e)
{
	char cause[ERR_MSG_MAX];

	set_state(sm, ST_BROKEN);
	snprintf(cause, sizeof(cause), "%s", e->msg);
	if (ph == PH_DOT && e->kind == ERR_TEMP)
		return err_set(e, ERR_TEMP, "connection lost after the end of "
		    "data: the message may have been delivered and a retry "
		    "may duplicate it (%s)", cause);
	return err_set(e, e->kind, "%s: %s", label, cause);
}

/* Queue one command line (without CRLF) and trace it. */
static int
send_cmd(struct smtp *sm, struct err *e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
send_cmd(struct smtp *sm, struct err *e, const char *fmt, ...)
{
	char line[CMD_LINE_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n + 2 > sizeof(line))
		return err_set(e, ERR_USAGE, "SMTP command longer than %d "
		    "octets", CMD_LINE_MAX);
	trace(sm, "->", line, (size_t)n);
	memcpy(line + n, "\r\n", 2);
	return stream_write(sm->s, line, (size_t)n + 2, e);
}

/* Send what is queued and arm the deadline for the reply to come. */
static int
flush_wait(struct smtp *sm, enum phase ph, const char *label, struct err *e)
{
	stream_set_timeout(sm->s, phase_timeout(sm, ph));
	if (stream_flush(sm->s, e) == -1)
		return io_fail(sm, ph, label, e);
	sm->flights++;
	return 0;
}

/* Read one complete, well-formed reply into r within the phase's
 * deadline (per reply, not per read: CONTRACT 5). */
static int
read_reply(struct smtp *sm, struct reply *r, enum phase ph,
    const char *label, struct err *e)
{
	enum reply_status rs;
	const char *line;
	char why[256];
	size_t len;

	reply_init(r);
	stream_set_timeout(sm->s, phase_timeout(sm, ph));
	do {
		if (stream_getline(sm->s, &line, &len, e) == -1)
			return io_fail(sm, ph, label, e);
		trace(sm, "<-", line, len);
		why[0] = '\0';
		rs = reply_feed(r, line, len, why, sizeof(why));
	} while (rs == REPLY_MORE);
	if (rs == REPLY_BAD) {
		set_state(sm, ST_BROKEN);
		return err_set(e, ERR_PROTOCOL, "malformed reply to %s: %s",
		    label, why);
	}
	/* RFC 5321 3.8: 421 means the server is closing the channel. */
	if (r->code == 421)
		sm->closing = 1;
	return 0;
}

/* The reply in sm->r is not the class wanted: a 4xx/5xx refusal keeps
 * the session usable; anything else means we are out of step. */
static int
reply_error(struct smtp *sm, enum phase ph, const char *label, struct err *e)
{
	char sum[REPLY_LINE_MAX];
	int cls = sm->r.code / 100;

	reply_summary(&sm->r, sum, sizeof(sum));
	if (cls == 4 || cls == 5)
		return err_set(e, err_kind_for_reply(ph, sm->r.code,
		    sm->r.enh), "%s: %s", label, sum);
	set_state(sm, ST_BROKEN);
	return err_set(e, ERR_PROTOCOL, "%s: unexpected reply %s", label, sum);
}

/* ------------------------------------------------------------ life */

struct smtp *
smtp_new(struct stream *s, const struct smtp_config *cfg)
{
	struct smtp *sm = xcalloc(1, sizeof(*sm));

	sm->s = s;
	sm->cfg = *cfg;
	sm->helo = cfg->helo != NULL ? cfg->helo : "localhost";
	sm->st = ST_INIT;
	return sm;
}

void
smtp_free(struct smtp *sm)
{
	if (sm == NULL)
		return;
	free(sm->in);
	free(sm->out);
	free(sm);
}

const struct caps *
smtp_caps(const struct smtp *sm)
{
	return &sm->caps;
}

const char *
smtp_greeting(const struct smtp *sm)
{
	return sm->greeting;
}

const char *
smtp_state_name(const struct smtp *sm)
{
	return state_names[sm->st];
}

/* ------------------------------------------------------------ greeting */

static const char *
ehlo_word(const struct smtp *sm)
{
	return sm->cfg.lmtp ? "LHLO" : "EHLO";
}

static int
cmd_ehlo(struct smtp *sm, struct err *e)
{
	set_state(sm, ST_EHLO);
	if (send_cmd(sm, e, "%s %s", ehlo_word(sm), sm->helo) == -1)
		return -1;
	return flush_wait(sm, PH_EHLO, ehlo_word(sm), e);
}

static int
cmd_helo(struct smtp *sm, struct err *e)
{
	set_state(sm, ST_HELO);
	if (send_cmd(sm, e, "HELO %s", sm->helo) == -1)
		return -1;
	return flush_wait(sm, PH_HELO, "HELO", e);
}

static int
on_greeting(struct smtp *sm, struct err *e)
{
	reply_summary(&sm->r, sm->greeting, sizeof(sm->greeting));
	if (sm->r.code / 100 != 2)
		return reply_error(sm, PH_GREETING, "greeting", e);
	return 0;
}

/* EHLO's reply: 2xx gives the capabilities; 5xx falls back to HELO
 * (when allowed: not for LMTP, not after TLS); 4xx is temporary. */
static int
on_ehlo(struct smtp *sm, int allow_helo, struct err *e)
{
	int cls = sm->r.code / 100;

	if (cls == 2) {
		caps_parse(&sm->caps, &sm->r);
		set_state(sm, ST_READY);
		return 0;
	}
	if (cls != 5 || !allow_helo || sm->cfg.lmtp)
		return reply_error(sm, PH_EHLO, ehlo_word(sm), e);
	if (cmd_helo(sm, e) == -1 ||
	    read_reply(sm, &sm->r, PH_HELO, "HELO", e) == -1)
		return -1;
	if (sm->r.code / 100 != 2)
		return reply_error(sm, PH_HELO, "HELO", e);
	memset(&sm->caps, 0, sizeof(sm->caps));
	set_state(sm, ST_READY);
	return 0;
}

static int
hello(struct smtp *sm, int allow_helo, struct err *e)
{
	memset(&sm->caps, 0, sizeof(sm->caps));
	if (cmd_ehlo(sm, e) == -1 ||
	    read_reply(sm, &sm->r, PH_EHLO, ehlo_word(sm), e) == -1)
		return -1;
	return on_ehlo(sm, allow_helo, e);
}

int
smtp_open(struct smtp *sm, struct err *e)
{
	if (has_ctl(sm->helo, strlen(sm->helo)))
		return err_set(e, ERR_USAGE, "the EHLO domain contains "
		    "control characters");
	if (sm->st != ST_INIT)
		return err_set(e, ERR_SOFTWARE, "smtp_open in state %s",
		    state_names[sm->st]);
	set_state(sm, ST_GREETING);
	if (read_reply(sm, &sm->r, PH_GREETING, "greeting", e) == -1 ||
	    on_greeting(sm, e) == -1)
		return -1;
	return hello(sm, 1, e);
}

/* ------------------------------------------------------------ STARTTLS */

int
smtp_starttls(struct smtp *sm, struct err *e)
{
	if (sm->st != ST_READY)
		return err_set(e, ERR_SOFTWARE, "STARTTLS in state %s",
		    state_names[sm->st]);
	if (!(sm->caps.flags & CAP_STARTTLS))
		return err_set(e, ERR_UNAVAILABLE,
		    "server does not offer STARTTLS");
	set_state(sm, ST_STARTTLS);
	if (send_cmd(sm, e, "STARTTLS") == -1 ||
	    flush_wait(sm, PH_STARTTLS, "STARTTLS", e) == -1 ||
	    read_reply(sm, &sm->r, PH_STARTTLS, "STARTTLS", e) == -1)
		return -1;
	if (sm->r.code / 100 != 2) {
		if (sm->r.code / 100 == 4 || sm->r.code / 100 == 5)
			set_state(sm, ST_READY);
		return reply_error(sm, PH_STARTTLS, "STARTTLS", e);
	}
	/* Bytes after the 220 came before TLS protects anything: an
	 * attacker's commands or replies riding along (CVE-2011-0411). */
	if (stream_unread(sm->s) > 0) {
		set_state(sm, ST_BROKEN);
		return err_set(e, ERR_PROTOCOL, "server sent data after "
		    "STARTTLS reply (possible injection)");
	}
	return 0;
}

int
smtp_reopen(struct smtp *sm, struct err *e)
{
	if (sm->st != ST_STARTTLS)
		return err_set(e, ERR_SOFTWARE, "smtp_reopen in state %s",
		    state_names[sm->st]);
	/* Everything learned before TLS is forgotten (CONTRACT 3); no
	 * HELO fallback once TLS is up. */
	return hello(sm, 0, e);
}

/* ------------------------------------------------------------ AUTH */

int
smtp_auth_step(struct smtp *sm, const char *line, int secret,
    struct reply *r, struct err *e)
{
	size_t len;

	if (sm->st != ST_READY && sm->st != ST_AUTH)
		return err_set(e, ERR_SOFTWARE, "AUTH in state %s",
		    state_names[sm->st]);
	if (line != NULL && has_ctl(line, strlen(line)))
		return err_set(e, ERR_USAGE, "AUTH data contains control "
		    "characters");
	set_state(sm, ST_AUTH);
	if (line != NULL) {
		len = strlen(line);
		if (secret)
			trace(sm, "->", "[redacted]", strlen("[redacted]"));
		else
			trace(sm, "->", line, len);
		if (stream_write(sm->s, line, len, e) == -1 ||
		    stream_write(sm->s, "\r\n", 2, e) == -1)
			return io_fail(sm, PH_AUTH, "AUTH", e);
	}
	if (flush_wait(sm, PH_AUTH, "AUTH", e) == -1 ||
	    read_reply(sm, r, PH_AUTH, "AUTH", e) == -1)
		return -1;
	if (r->code / 100 != 3)
		set_state(sm, ST_READY);
	return 0;
}

/* ------------------------------------------------------------ envelope */

/* Nothing goes on the wire unless every value is clean (CONTRACT 4). */
static int
check_envelope(const struct smtp *sm, const struct envelope *env,
    struct err *e)
{
	size_t i;

	if (env->nrcpt == 0)
		return err_set(e, ERR_USAGE, "no recipients");
	if (has_ctl(sm->helo, strlen(sm->helo)))
		return err_set(e, ERR_USAGE, "the EHLO domain contains "
		    "control characters");
	if (has_ctl(env->from, strlen(env->from)))
		return err_set(e, ERR_USAGE, "the envelope sender contains "
		    "control characters");
	if (strlen(env->from) > ADDR_MAX)
		return err_set(e, ERR_USAGE, "the envelope sender is longer "
		    "than %d octets", ADDR_MAX);
	for (i = 0; i < env->nrcpt; i++) {
		if (has_ctl(env->rcpt[i], strlen(env->rcpt[i])))
			return err_set(e, ERR_USAGE, "recipient %zu contains "
			    "control characters", i + 1);
		if (strlen(env->rcpt[i]) > ADDR_MAX)
			return err_set(e, ERR_USAGE, "recipient %zu is longer "
			    "than %d octets", i + 1, ADDR_MAX);
	}
	return 0;
}

static void
label_mail(char *buf, size_t cap, const struct envelope *env)
{
	snprintf(buf, cap, "MAIL FROM:<%s>", env->from);
}

static void
label_rcpt(char *buf, size_t cap, const char *rcpt)
{
	snprintf(buf, cap, "RCPT TO:<%s>", rcpt);
}

static int
cmd_mail(struct smtp *sm, const struct envelope *env, struct err *e)
{
	set_state(sm, ST_MAIL);
	if ((sm->caps.flags & CAP_SIZE) && env->size > 0)
		return send_cmd(sm, e, "MAIL FROM:<%s> SIZE=%llu", env->from,
		    env->size);
	return send_cmd(sm, e, "MAIL FROM:<%s>", env->from);
}

static int
cmd_rcpt(struct smtp *sm, const char *rcpt, struct err *e)
{
	set_state(sm, ST_RCPT);
	return send_cmd(sm, e, "RCPT TO:<%s>", rcpt);
}

static int
cmd_data(struct smtp *sm, struct err *e)
{
	set_state(sm, ST_DATA);
	return send_cmd(sm, e, "DATA");
}

/* Note a refusal (4xx/5xx in sm->r): the first one's text is kept, the
 * first permanent one decides the kind. */
static void
tx_refuse(struct smtp *sm, struct tx *tx, enum phase ph, const char *label)
{
	enum err_kind k = err_kind_for_reply(ph, sm->r.code, sm->r.enh);
	char sum[REPLY_LINE_MAX];

	if (!tx->failed) {
		reply_summary(&sm->r, sum, sizeof(sum));
		err_set(&tx->err, k, "%s: %s", label, sum);
	}
	if (tx->kind == ERR_NONE || (tx->kind == ERR_TEMP && k != ERR_TEMP))
		tx->kind = k;
	tx->failed = 1;
}

static int
on_mail(struct smtp *sm, struct tx *tx, struct err *e)
{
	char label[ADDR_MAX + 32];
	int cls = sm->r.code / 100;

	label_mail(label, sizeof(label), tx->env);
	if (cls == 2)
		return 0;
	if (cls != 4 && cls != 5)
		return reply_error(sm, PH_MAIL, label, e);
	tx_refuse(sm, tx, PH_MAIL, label);
	tx->mail_failed = 1;
	return 0;
}

static int
on_rcpt(struct smtp *sm, struct tx *tx, size_t i, struct err *e)
{
	char label[ADDR_MAX + 32];
	int cls = sm->r.code / 100;

	label_rcpt(label, sizeof(label), tx->env->rcpt[i]);
	if (cls == 2 || tx->mail_failed)
		return 0;	/* after a refused MAIL, RCPT replies are noise */
	if (cls != 4 && cls != 5)
		return reply_error(sm, PH_RCPT, label, e);
	tx_refuse(sm, tx, PH_RCPT, label);
	tx->refused++;
	return 0;
}

static int
on_data(struct smtp *sm, struct tx *tx, struct err *e)
{
	int cls = sm->r.code / 100;

	if (cls == 3) {
		tx->go = 1;
		return 0;
	}
	if (cls != 4 && cls != 5)
		return reply_error(sm, PH_DATA, "DATA", e);
	if (!tx->failed)
		tx_refuse(sm, tx, PH_DATA, "DATA");
	return 0;
}

/* The transaction failed: report it, and leave the session usable
 * unless the server is already waiting for the message (354). */
static int
tx_result(struct smtp *sm, const struct tx *tx, struct err *e)
{
	*e = tx->err;
	e->kind = tx->kind;
	if (!tx->mail_failed && tx->refused > 1)
		msg_append(e, " (and %zu more refused)", tx->refused - 1);
	set_state(sm, tx->go ? ST_BROKEN : sm->closing ? ST_CLOSED :
	    ST_READY);
	return -1;
}

/* With PIPELINING (RFC 2920): MAIL, every RCPT and DATA in one flight,
 * then the replies in order. */
static int
envelope_pipelined(struct smtp *sm, struct tx *tx, struct err *e)
{
	const struct envelope *env = tx->env;
	char label[ADDR_MAX + 32];
	size_t i;

	label_mail(label, sizeof(label), env);
	if (cmd_mail(sm, env, e) == -1)
		return -1;
	for (i = 0; i < env->nrcpt; i++)
		if (cmd_rcpt(sm, env->rcpt[i], e) == -1)
			return -1;
	if (cmd_data(sm, e) == -1 || flush_wait(sm, PH_MAIL, label, e) == -1)
		return -1;
	if (read_reply(sm, &sm->r, PH_MAIL, label, e) == -1 ||
	    on_mail(sm, tx, e) == -1)
		return -1;
	for (i = 0; i < env->nrcpt && !sm->closing; i++) {
		label_rcpt(label, sizeof(label), env->rcpt[i]);
		if (read_reply(sm, &sm->r, PH_RCPT, label, e) == -1 ||
		    on_rcpt(sm, tx, i, e) == -1)
			return -1;
	}
	/* After a 421 no more replies come. */
	if (sm->closing)
		return 0;
	if (read_reply(sm, &sm->r, PH_DATA, "DATA", e) == -1)
		return -1;
	return on_data(sm, tx, e);
}

/* Without PIPELINING: one command, one reply; stop at the first
 * refusal (the caller QUITs). */
static int
envelope_serial(struct smtp *sm, struct tx *tx, struct err *e)
{
	const struct envelope *env = tx->env;
	char label[ADDR_MAX + 32];
	size_t i;

	label_mail(label, sizeof(label), env);
	if (cmd_mail(sm, env, e) == -1 ||
	    flush_wait(sm, PH_MAIL, label, e) == -1 ||
	    read_reply(sm, &sm->r, PH_MAIL, label, e) == -1 ||
	    on_mail(sm, tx, e) == -1)
		return -1;
	for (i = 0; i < env->nrcpt && !tx->failed; i++) {
		label_rcpt(label, sizeof(label), env->rcpt[i]);
		if (cmd_rcpt(sm, env->rcpt[i], e) == -1 ||
		    flush_wait(sm, PH_RCPT, label, e) == -1 ||
		    read_reply(sm, &sm->r, PH_RCPT, label, e) == -1 ||
		    on_rcpt(sm, tx, i, e) == -1)
			return -1;
	}
	if (tx->failed)
		return 0;
	if (cmd_data(sm, e) == -1 ||
	    flush_wait(sm, PH_DATA, "DATA", e) == -1 ||
	    read_reply(sm, &sm->r, PH_DATA, "DATA", e) == -1)
		return -1;
	return on_data(sm, tx, e);
}

/* ------------------------------------------------------------ message */

/* Read the reply to QUIT if one was sent; its failures never matter. */
static void
quit_reply(struct smtp *sm)
{
	struct err ignored;

	if (!sm->quit_sent || sm->st == ST_BROKEN || sm->st == ST_CLOSED)
		return;
	set_state(sm, ST_QUIT);
	(void)read_reply(sm, &sm->r, PH_QUIT, "QUIT", &ignored);
	set_state(sm, ST_CLOSED);
}

/* Where the final reply leaves the session: waiting for QUIT's reply
 * when QUIT went with the dot, else ready for another transaction. */
static enum state
after_dot(const struct smtp *sm)
{
	return sm->quit_sent ? ST_QUIT : ST_READY;
}

/* The reply to the final dot (SMTP: one). */
static int
on_dot(struct smtp *sm, struct smtp_result *res, struct err *e)
{
	reply_summary(&sm->r, res->final, sizeof(res->final));
	if (sm->r.code / 100 == 2) {
		set_state(sm, after_dot(sm));
		return 0;
	}
	if (sm->r.code / 100 == 4 || sm->r.code / 100 == 5) {
		set_state(sm, after_dot(sm));
		return err_set(e, err_kind_for_reply(PH_DOT, sm->r.code,
		    sm->r.enh), "end of data: %s", res->final);
	}
	return reply_error(sm, PH_DOT, "end of data", e);
}

/* LMTP (RFC 2033): one reply per recipient after the dot.  Any refusal
 * fails the run with the first refusal's kind, naming every refused
 * recipient; the kind is taken as for RCPT, since these replies are
 * per-recipient verdicts. */
static int
on_dot_lmtp(struct smtp *sm, const struct envelope *env,
    struct smtp_result *res, struct err *e)
{
	char sum[REPLY_LINE_MAX];
	enum err_kind kind = ERR_NONE;
	size_t i, ok = 0;

	for (i = 0; i < env->nrcpt; i++) {
		if (read_reply(sm, &sm->r, PH_DOT, "end of data", e) == -1)
			return -1;
		reply_summary(&sm->r, sum, sizeof(sum));
		if (i == 0 || (kind == ERR_NONE && sm->r.code / 100 != 2))
			snprintf(res->final, sizeof(res->final), "%s", sum);
		if (sm->r.code / 100 == 2) {
			ok++;
			continue;
		}
		if (sm->r.code / 100 != 4 && sm->r.code / 100 != 5)
			return reply_error(sm, PH_DOT, "end of data", e);
		if (kind == ERR_NONE) {
			kind = err_kind_for_reply(PH_RCPT, sm->r.code,
			    sm->r.enh);
			err_set(e, kind, "end of data: <%s>: %s",
			    env->rcpt[i], sum);
		} else
			msg_append(e, "; <%s>: %s", env->rcpt[i], sum);
	}
	set_state(sm, after_dot(sm));
	if (kind == ERR_NONE)
		return 0;
	if (ok > 0)
		msg_append(e, " (delivered to %zu other recipient%s)", ok,
		    ok == 1 ? "" : "s");
	return -1;
}

/* Encode the message from src into the stream, then the final dot and,
 * when asked, QUIT in the same flight (PERFORMANCE.md). */
static int
send_body(struct smtp *sm, const struct envelope *env, smtp_read_fn src,
    void *src_ctx, struct smtp_result *res, struct err *e)
{
	struct dotenc d;
	char note[128];
	ssize_t n;
	size_t o;

	if (sm->in == NULL) {
		sm->in = xmalloc(SPOOL_CHUNK);
		sm->out = xmalloc(DOTENC_OUT_MAX(SPOOL_CHUNK));
	}
	set_state(sm, ST_BODY);
	dotenc_init(&d);
	for (;;) {
		/* No dot may follow a failed read: the session is dropped. */
		if ((n = src(src_ctx, sm->in, SPOOL_CHUNK, e)) < 0) {
			set_state(sm, ST_BROKEN);
			return -1;
		}
		o = n == 0 ? dotenc_finish(&d, sm->out) :
		    dotenc_feed(&d, sm->in, (size_t)n, sm->out);
		res->bytes += o;
		stream_set_timeout(sm->s, block_timeout(sm));
		if (stream_write(sm->s, sm->out, o, e) == -1)
			return io_fail(sm, n == 0 ? PH_DOT : PH_DATA,
			    "sending the message", e);
		if (n == 0)
			break;
	}
	res->long_lines = d.long_lines;
	/* The content is never traced; long lines are noted (CONTRACT 4). */
	if (d.long_lines > 0)
		snprintf(note, sizeof(note), "[%llu bytes of message data, "
		    "%lu lines over %d octets]", res->bytes, d.long_lines,
		    LINE_SOFT_MAX);
	else
		snprintf(note, sizeof(note), "[%llu bytes of message data]",
		    res->bytes);
	trace(sm, "->", note, strlen(note));
	set_state(sm, ST_DOT);
	if (env->quit_after) {
		if (send_cmd(sm, e, "QUIT") == -1)
			return io_fail(sm, PH_DOT, "QUIT", e);
		sm->quit_sent = 1;
	}
	/* The last block goes out under the block timeout too. */
	stream_set_timeout(sm->s, block_timeout(sm));
	if (stream_flush(sm->s, e) == -1)
		return io_fail(sm, PH_DOT, "end of data", e);
	sm->flights++;
	return 0;
}

static int
send_message(struct smtp *sm, const struct envelope *env, smtp_read_fn src,
    void *src_ctx, struct smtp_result *res, struct err *e)
{
	int rc;

	if (send_body(sm, env, src, src_ctx, res, e) == -1)
		return -1;
	if (sm->cfg.lmtp)
		rc = on_dot_lmtp(sm, env, res, e);
	else if ((rc = read_reply(sm, &sm->r, PH_DOT, "end of data", e)) == 0)
		rc = on_dot(sm, res, e);
	if (sm->st == ST_BROKEN)
		return rc;
	quit_reply(sm);
	return rc;
}

int
smtp_send(struct smtp *sm, const struct envelope *env, smtp_read_fn src,
    void *src_ctx, struct smtp_result *res, struct err *e)
{
	struct tx tx;
	int first = sm->flights, rc;

	memset(res, 0, sizeof(*res));
	memset(&tx, 0, sizeof(tx));
	tx.env = env;
	if (check_envelope(sm, env, e) == -1)
		return -1;
	if (sm->st != ST_READY)
		return err_set(e, ERR_SOFTWARE, "smtp_send in state %s",
		    state_names[sm->st]);
	if (sm->caps.size_max > 0 && env->size > sm->caps.size_max)
		return err_set(e, ERR_UNAVAILABLE, "message size %llu exceeds "
		    "the server's limit %llu", env->size, sm->caps.size_max);
	if ((sm->caps.flags & CAP_PIPELINING) && !sm->cfg.no_pipelining)
		rc = envelope_pipelined(sm, &tx, e);
	else
		rc = envelope_serial(sm, &tx, e);
	if (rc == 0 && tx.failed)
		rc = tx_result(sm, &tx, e);
	if (rc == 0)
		rc = send_message(sm, env, src, src_ctx, res, e);
	res->round_trips = sm->flights - first;
	return rc;
}

/* ------------------------------------------------------------ RSET, QUIT */

int
smtp_rset(struct smtp *sm, struct err *e)
{
	if (sm->st != ST_READY)
		return err_set(e, ERR_SOFTWARE, "RSET in state %s",
		    state_names[sm->st]);
	if (send_cmd(sm, e, "RSET") == -1 ||
	    flush_wait(sm, PH_RSET, "RSET", e) == -1 ||
	    read_reply(sm, &sm->r, PH_RSET, "RSET", e) == -1)
		return -1;
	if (sm->r.code / 100 != 2)
		return reply_error(sm, PH_RSET, "RSET", e);
	return 0;
}

void
smtp_quit(struct smtp *sm)
{
	struct err ignored;

	if (sm == NULL || sm->quit_sent || sm->st == ST_INIT ||
	    sm->st == ST_BROKEN || sm->st == ST_CLOSED)
		return;
	if (sm->closing) {
		set_state(sm, ST_CLOSED);
		return;
	}
	set_state(sm, ST_QUIT);
	sm->quit_sent = 1;
	if (send_cmd(sm, &ignored, "QUIT") == 0 &&
	    flush_wait(sm, PH_QUIT, "QUIT", &ignored) == 0)
		(void)read_reply(sm, &sm->r, PH_QUIT, "QUIT", &ignored);
	set_state(sm, ST_CLOSED);
}
