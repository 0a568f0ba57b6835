/*
 * smtp.c - the SMTP/LMTP session engine: the session.
 *
 * Owns the session's state machine (one setter, a name table, every
 * transition traced), the capabilities learned from EHLO, the plumbing
 * every command and reply goes through, the greeting, STARTTLS, AUTH,
 * RSET and QUIT.  It reads lines and writes bytes through a struct
 * stream only: it never sees a socket, and connecting, TLS and the run's
 * clock belong to the caller.  Commands are sent by one function each
 * (cmd_*); what a reply means is decided by one function per reply
 * (on_*).  Every failure lands in the error record as one line:
 * "<command>: <escaped reply>".  Transactions are smtp_tx.c's, the
 * message smtp_data.c's (smtp_impl.h).
 */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "limits.h"
#include "reply.h"
#include "smtp.h"
#include "smtp_impl.h"
#include "stream.h"
#include "util.h"

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

const char *
sm_state_name(enum state st)
{
	return state_names[st];
}

/* A QUIT reply is not worth waiting long for. */
#define QUIT_WAIT_MS	5000L

/* ------------------------------------------------------------ plumbing */

void
sm_trace(struct smtp *sm, const char *dir, const char *line, size_t len)
{
	if (sm->cfg.trace != NULL)
		sm->cfg.trace(sm->cfg.trace_ctx, dir, line, len);
}

/* The one state setter: every transition is traced as "--". */
void
sm_set_state(struct smtp *sm, enum state st)
{
	char buf[64];
	int n;

	if (sm->st == st)
		return;
	n = snprintf(buf, sizeof(buf), "%s -> %s", state_names[sm->st],
	    state_names[st]);
	sm->st = st;
	if (n > 0)
		sm_trace(sm, "--", buf, strlen(buf));
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

long
sm_block_timeout(const struct smtp *sm)
{
	return sm->cfg.timeout_ms > 0 ? sm->cfg.timeout_ms :
	    TIMEOUT_DATA_BLOCK * 1000L;
}

/* Append to the error's message (truncating at its capacity). */
void
sm_msg_append(struct err *e, const char *fmt, ...)
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
int
sm_io_fail(struct smtp *sm, enum phase ph, const char *label, struct err *e)
{
	char cause[ERR_MSG_MAX];

	sm_set_state(sm, ST_BROKEN);
	snprintf(cause, sizeof(cause), "%s", e->msg);
	if (ph == PH_DOT && e->kind == ERR_TEMP)
		return err_set(e, ERR_TEMP, "connection lost after the end of "
		    "data: the message may have been delivered and a retry "
		    "may duplicate it (%s)", cause);
	return err_set(e, e->kind, "%s: %s", label, cause);
}

/* Queue one command line (without CRLF) and trace it. */
int
sm_send_cmd(struct smtp *sm, struct err *e, const char *fmt, ...)
{
	char line[CMD_LINE_PARAM_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n + 2 > sizeof(line))
		return err_set(e, ERR_USAGE, "SMTP command longer than %d "
		    "octets", CMD_LINE_PARAM_MAX);
	sm_trace(sm, "->", line, (size_t)n);
	memcpy(line + n, "\r\n", 2);
	return stream_write(sm->s, line, (size_t)n + 2, e);
}

/* Send what is queued and arm the deadline for the reply to come. */
int
sm_flush_wait(struct smtp *sm, enum phase ph, const char *label, struct err *e)
{
	stream_set_timeout(sm->s, phase_timeout(sm, ph));
	if (stream_flush(sm->s, e) == -1)
		return sm_io_fail(sm, ph, label, e);
	sm->flights++;
	return 0;
}

/* Read one complete, well-formed reply into r within the phase's
 * deadline (per reply, not per read: CONTRACT 5). */
int
sm_read_reply(struct smtp *sm, struct reply *r, enum phase ph,
    const char *label, struct err *e)
{
	enum reply_status rs;
	const char *line;
	char why[256], shown[128];
	size_t len;

	reply_init(r);
	stream_set_timeout(sm->s, phase_timeout(sm, ph));
	do {
		if (stream_getline(sm->s, &line, &len, e) == -1)
			return sm_io_fail(sm, ph, label, e);
		sm_trace(sm, "<-", line, len);
		why[0] = '\0';
		rs = reply_feed(r, line, len, why, sizeof(why));
	} while (rs == REPLY_MORE);
	if (rs == REPLY_BAD) {
		sm_set_state(sm, ST_BROKEN);
		/* the offending line, escaped and cut (CONTRACT 4) */
		escape_text(shown, sizeof(shown), line, len < 100 ? len : 100);
		return err_set(e, ERR_PROTOCOL, "malformed reply to %s: %s "
		    "('%s')", label, why, shown);
	}
	/* RFC 5321 3.8: 421 means the server is closing the channel. */
	if (r->code == 421)
		sm->closing = 1;
	return 0;
}

/* The reply in sm->r is not the class wanted: a 4xx/5xx refusal keeps
 * the session usable; anything else means we are out of step. */
int
sm_reply_error(struct smtp *sm, enum phase ph, const char *label, struct err *e)
{
	char sum[REPLY_LINE_MAX];
	int cls = sm->r.code / 100;

	reply_summary(&sm->r, sum, sizeof(sum));
	if (cls == 4 || cls == 5)
		return err_set_reply(e, err_kind_for_reply(ph, sm->r.code,
		    sm->r.enh), sum, "%s", label);
	sm_set_state(sm, ST_BROKEN);
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
	sm_set_state(sm, ST_EHLO);
	if (sm_send_cmd(sm, e, "%s %s", ehlo_word(sm), sm->helo) == -1)
		return -1;
	return sm_flush_wait(sm, PH_EHLO, ehlo_word(sm), e);
}

static int
cmd_helo(struct smtp *sm, struct err *e)
{
	sm_set_state(sm, ST_HELO);
	if (sm_send_cmd(sm, e, "HELO %s", sm->helo) == -1)
		return -1;
	return sm_flush_wait(sm, PH_HELO, "HELO", e);
}

static int
on_greeting(struct smtp *sm, struct err *e)
{
	reply_summary(&sm->r, sm->greeting, sizeof(sm->greeting));
	if (sm->r.code / 100 != 2)
		return sm_reply_error(sm, PH_GREETING, "greeting", e);
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
		sm_set_state(sm, ST_READY);
		return 0;
	}
	if (cls != 5 || !allow_helo || sm->cfg.lmtp)
		return sm_reply_error(sm, PH_EHLO, ehlo_word(sm), e);
	if (cmd_helo(sm, e) == -1 ||
	    sm_read_reply(sm, &sm->r, PH_HELO, "HELO", e) == -1)
		return -1;
	if (sm->r.code / 100 != 2)
		return sm_reply_error(sm, PH_HELO, "HELO", e);
	memset(&sm->caps, 0, sizeof(sm->caps));
	sm_set_state(sm, ST_READY);
	return 0;
}

static int
hello(struct smtp *sm, int allow_helo, struct err *e)
{
	memset(&sm->caps, 0, sizeof(sm->caps));
	if (cmd_ehlo(sm, e) == -1 ||
	    sm_read_reply(sm, &sm->r, PH_EHLO, ehlo_word(sm), e) == -1)
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
	sm_set_state(sm, ST_GREETING);
	if (sm_read_reply(sm, &sm->r, PH_GREETING, "greeting", e) == -1 ||
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
	sm_set_state(sm, ST_STARTTLS);
	if (sm_send_cmd(sm, e, "STARTTLS") == -1 ||
	    sm_flush_wait(sm, PH_STARTTLS, "STARTTLS", e) == -1 ||
	    sm_read_reply(sm, &sm->r, PH_STARTTLS, "STARTTLS", e) == -1)
		return -1;
	if (sm->r.code / 100 != 2) {
		if (sm->r.code / 100 == 4 || sm->r.code / 100 == 5)
			sm_set_state(sm, ST_READY);
		return sm_reply_error(sm, PH_STARTTLS, "STARTTLS", e);
	}
	/* Bytes after the 220 came before TLS protects anything: an
	 * attacker's commands or replies riding along (CVE-2011-0411). */
	if (stream_unread(sm->s) > 0) {
		sm_set_state(sm, ST_BROKEN);
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
	sm_set_state(sm, ST_AUTH);
	if (line != NULL) {
		len = strlen(line);
		if (secret)
			sm_trace(sm, "->", "[redacted]", strlen("[redacted]"));
		else
			sm_trace(sm, "->", line, len);
		if (stream_write(sm->s, line, len, e) == -1 ||
		    stream_write(sm->s, "\r\n", 2, e) == -1)
			return sm_io_fail(sm, PH_AUTH, "AUTH", e);
	}
	if (sm_flush_wait(sm, PH_AUTH, "AUTH", e) == -1 ||
	    sm_read_reply(sm, r, PH_AUTH, "AUTH", e) == -1)
		return -1;
	if (r->code / 100 != 3)
		sm_set_state(sm, ST_READY);
	return 0;
}

/* ------------------------------------------------------------ RSET, QUIT */

int
smtp_rset(struct smtp *sm, struct err *e)
{
	if (sm->st != ST_READY)
		return err_set(e, ERR_SOFTWARE, "RSET in state %s",
		    state_names[sm->st]);
	if (sm_send_cmd(sm, e, "RSET") == -1 ||
	    sm_flush_wait(sm, PH_RSET, "RSET", e) == -1 ||
	    sm_read_reply(sm, &sm->r, PH_RSET, "RSET", e) == -1)
		return -1;
	if (sm->r.code / 100 != 2)
		return sm_reply_error(sm, PH_RSET, "RSET", e);
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
		sm_set_state(sm, ST_CLOSED);
		return;
	}
	sm_set_state(sm, ST_QUIT);
	sm->quit_sent = 1;
	if (sm_send_cmd(sm, &ignored, "QUIT") == 0 &&
	    sm_flush_wait(sm, PH_QUIT, "QUIT", &ignored) == 0)
		(void)sm_read_reply(sm, &sm->r, PH_QUIT, "QUIT", &ignored);
	sm_set_state(sm, ST_CLOSED);
}
