/*
 * smtp_data.c - the SMTP/LMTP session engine: the message.
 *
 * Owns sending the message after the envelope: DATA with dotstuff.c's
 * encoder, or BDAT chunks (RFC 3030) with CRLF line ends and no
 * dot-stuffing (BINARYMIME: the body byte for byte), one spool read per
 * chunk so that memory stays bounded; QUIT in the same flight as the end
 * of data when nothing can follow (PERFORMANCE.md); the reply to the end
 * of data, or LMTP's one reply per accepted recipient (RFC 2033).  The
 * message text is never traced, only its size.
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
#include "smtp_impl.h"
#include "stream.h"
#include "util.h"

/* ------------------------------------------------------------ message */

/* Read the reply to QUIT if one was sent; its failures never matter. */
static void
quit_reply(struct smtp *sm)
{
	struct err ignored;

	if (!sm->quit_sent || sm->st == ST_BROKEN || sm->st == ST_CLOSED)
		return;
	sm_set_state(sm, ST_QUIT);
	(void)sm_read_reply(sm, &sm->r, PH_QUIT, "QUIT", &ignored);
	sm_set_state(sm, ST_CLOSED);
}

/* Where the final reply leaves the session: waiting for QUIT's reply
 * when QUIT went with the dot, else ready for another transaction. */
static enum state
after_dot(const struct smtp *sm)
{
	return sm->quit_sent ? ST_QUIT : ST_READY;
}

/* Every accepted recipient got the message. */
static void
tx_delivered(struct tx *tx, const char *reply)
{
	size_t j;

	for (j = 0; j < tx->n; j++)
		if (tx->rs[j] == RS_OK) {
			tx_report(tx, j, RCPT_DELIVERED, ERR_NONE, reply);
			tx->delivered++;
		}
}

/* The one reply to the end of the data (SMTP; LMTP when the envelope
 * failed). */
static int
on_final(struct smtp *sm, struct tx *tx, struct smtp_result *res,
    struct err *e)
{
	int cls = sm->r.code / 100;

	if (tx_ok(tx))
		reply_summary(&sm->r, res->final, sizeof(res->final));
	if (cls != 2 && cls != 4 && cls != 5)
		return sm_reply_error(sm, PH_DOT, "end of data", e);
	sm_set_state(sm, after_dot(sm));
	if (cls == 2 && tx_ok(tx))
		tx_delivered(tx, res->final);
	else if (cls != 2)
		tx_fail_body(sm, tx, PH_DOT, "end of data");
	return 0;
}

/* One LMTP reply (RFC 2033 4.2) for accepted recipient j: a refusal is
 * that recipient's, its kind taken as for RCPT. */
static int
on_final_lmtp(struct smtp *sm, struct tx *tx, size_t j, int *bad,
    struct smtp_result *res, struct err *e)
{
	char sum[REPLY_LINE_MAX];
	int cls = sm->r.code / 100;
	enum err_kind k;

	if (cls != 2 && cls != 4 && cls != 5)
		return sm_reply_error(sm, PH_DOT, "end of data", e);
	reply_summary(&sm->r, sum, sizeof(sum));
	if (cls == 2) {
		if (res->final[0] == '\0')
			snprintf(res->final, sizeof(res->final), "%s", sum);
		tx_report(tx, j, RCPT_DELIVERED, ERR_NONE, sum);
		tx->delivered++;
		return 0;
	}
	k = err_kind_for_reply(PH_RCPT, sm->r.code, sm->r.enh);
	tx_report(tx, j, RCPT_REFUSED, k, sum);
	tx->rs[j] = RS_REFUSED;
	tx->refused++;
	if ((*bad)++ == 0) {
		snprintf(res->final, sizeof(res->final), "%s", sum);
		err_set_reply(&tx->err, k, sum, "end of data: <%s>",
		    tx_rcpt(tx, j));
		tx->kind = k;
	} else
		sm_msg_append(&tx->err, "; <%s>: %s", tx_rcpt(tx, j), sum);
	return 0;
}

/* LMTP: one reply per accepted recipient after the data.  A refusal
 * fails the transaction unless refusals are allowed, naming every
 * refused recipient and how many others got the message. */
static int
final_lmtp(struct smtp *sm, struct tx *tx, struct smtp_result *res,
    struct err *e)
{
	size_t j;
	int bad = 0;

	res->final[0] = '\0';
	for (j = 0; j < tx->n; j++) {
		if (tx->rs[j] != RS_OK)
			continue;
		if (sm_read_reply(sm, &sm->r, PH_DOT, "end of data", e) == -1 ||
		    on_final_lmtp(sm, tx, j, &bad, res, e) == -1)
			return -1;
	}
	sm_set_state(sm, after_dot(sm));
	if (bad == 0 || (tx->partial && tx->delivered > 0))
		return 0;
	tx->failed = 1;
	tx->body_failed = 1;
	if (tx->delivered > 0)
		sm_msg_append(&tx->err, " (delivered to %zu other recipient%s)",
		    tx->delivered, tx->delivered == 1 ? "" : "s");
	return 0;
}

/* Every reply after the message: those still unread, then the final
 * one(s), then QUIT's when it went along. */
static int
read_final(struct smtp *sm, struct tx *tx, struct smtp_result *res,
    struct err *e)
{
	int rc;

	if (tx_drain(sm, tx, 0, e) == -1)
		return -1;
	if (sm->closing) {
		sm_set_state(sm, ST_CLOSED);
		return 0;
	}
	if (sm->cfg.lmtp && tx_ok(tx))
		rc = final_lmtp(sm, tx, res, e);
	else if ((rc = sm_read_reply(sm, &sm->r, PH_DOT, "end of data", e)) == 0)
		rc = on_final(sm, tx, res, e);
	if (rc == 0)
		quit_reply(sm);
	return rc;
}

/* QUIT may travel with the end of the data when nothing can follow. */
static int
quit_along(const struct tx *tx, int inflight)
{
	return tx->env->quit_after && tx->deferred == 0 &&
	    (!inflight || tx->n == 1);
}

/* The content is never traced; its size is, and long lines are noted
 * (CONTRACT 4). */
static void
trace_note(struct smtp *sm, unsigned long long bytes, unsigned long lines)
{
	char note[128];

	if (lines > 0)
		snprintf(note, sizeof(note), "[%llu bytes of message data, "
		    "%lu lines over %d octets]", bytes, lines, LINE_SOFT_MAX);
	else
		snprintf(note, sizeof(note), "[%llu bytes of message data]",
		    bytes);
	sm_trace(sm, "->", note, strlen(note));
}

static void
buffers(struct smtp *sm)
{
	if (sm->in == NULL) {
		sm->in = xmalloc(SPOOL_CHUNK);
		sm->out = xmalloc(DOTENC_OUT_MAX(SPOOL_CHUNK));
	}
}

/* The end of data is out: QUIT along when allowed, then one flush under
 * the block timeout. */
static int
end_flight(struct smtp *sm, int quit, struct err *e)
{
	sm_set_state(sm, ST_DOT);
	if (quit) {
		if (sm_send_cmd(sm, e, "QUIT") == -1)
			return sm_io_fail(sm, PH_DOT, "QUIT", e);
		sm->quit_sent = 1;
	}
	stream_set_timeout(sm->s, sm_block_timeout(sm));
	if (stream_flush(sm->s, e) == -1)
		return sm_io_fail(sm, PH_DOT, "end of data", e);
	sm->flights++;
	return 0;
}

/* DATA: encode the message from src into the stream, then the final dot
 * (and QUIT in the same flight when allowed: PERFORMANCE.md). */
static int
send_body(struct smtp *sm, struct tx *tx, const struct source *src,
    struct smtp_result *res, struct err *e)
{
	unsigned long long before = res->bytes;
	struct dotenc d;
	ssize_t n;
	size_t o;

	buffers(sm);
	sm_set_state(sm, ST_BODY);
	dotenc_init(&d);
	for (;;) {
		/* No dot may follow a failed read: the session is dropped. */
		if ((n = src->read(src->ctx, sm->in, SPOOL_CHUNK, e)) < 0) {
			sm_set_state(sm, ST_BROKEN);
			return -1;
		}
		o = n == 0 ? dotenc_finish(&d, sm->out) :
		    dotenc_feed(&d, sm->in, (size_t)n, sm->out);
		res->bytes += o;
		stream_set_timeout(sm->s, sm_block_timeout(sm));
		if (stream_write(sm->s, sm->out, o, e) == -1)
			return sm_io_fail(sm, n == 0 ? PH_DOT : PH_DATA,
			    "sending the message", e);
		if (n == 0)
			break;
	}
	res->long_lines = d.long_lines;
	trace_note(sm, res->bytes - before, d.long_lines);
	return end_flight(sm, quit_along(tx, 0), e);
}

/* ------------------------------------------------------------ BDAT */

/* RFC 3030 4.2 lets BDAT chunks be pipelined: at most this many chunks
 * (each up to 256 KiB) wait for their replies at a time, so that a large
 * message keeps the link busy while the server's replies never pile up
 * unread. */
#define BDAT_WINDOW	4

/* The BDAT encoder (RFC 3030): CRLF line ends, no dot-stuffing.  For
 * BINARYMIME only the header section is normalised and the body goes
 * byte for byte (CONTRACT 4's one exception: BDAT frames by length, so
 * no sequence can end the data early). */
struct chunker {
	struct dotenc	d;
	int		binary;
	int		in_body;	/* binary: the header section is over */
	int		lb;		/* the line so far: 0 empty, 1 "\r", 2 more */
};

/* How many bytes of in[0..n) still belong to the header section. */
static size_t
header_part(struct chunker *c, const unsigned char *in, size_t n)
{
	size_t i;

	for (i = 0; i < n && !c->in_body; i++) {
		if (in[i] == '\n') {
			c->in_body = c->lb < 2;
			c->lb = 0;
		} else
			c->lb = in[i] == '\r' && c->lb == 0 ? 1 : 2;
	}
	return i;
}

static size_t
chunk_encode(struct chunker *c, const unsigned char *in, size_t n,
    unsigned char *out)
{
	size_t k, o;

	if (!c->binary)
		return crlf_feed(&c->d, in, n, out);
	k = header_part(c, in, n);
	o = crlf_feed(&c->d, in, k, out);
	memcpy(out + o, in + k, n - k);
	return o + n - k;
}

static size_t
chunk_finish(struct chunker *c, unsigned char *out)
{
	return c->binary && c->in_body ? 0 : crlf_finish(&c->d, out);
}

/* One BDAT command and its chunk (in sm->out); the last one ends the
 * data and flushes, QUIT along when allowed. */
static int
send_chunk(struct smtp *sm, struct tx *tx, size_t len, int last, int quit,
    struct smtp_result *res, struct err *e)
{
	if (sm_send_cmd(sm, e, "BDAT %zu%s", len, last ? " LAST" : "") == -1)
		return -1;
	stream_set_timeout(sm->s, sm_block_timeout(sm));
	if (stream_write(sm->s, sm->out, len, e) == -1)
		return sm_io_fail(sm, last ? PH_DOT : PH_BDAT,
		    "sending the message", e);
	res->bytes += len;
	tx->bdat_unread++;
	if (!last)
		return 0;
	tx->last_sent = 1;
	return end_flight(sm, quit, e);
}

int
sm_pipelining(const struct smtp *sm)
{
	return (sm->caps.flags & CAP_PIPELINING) && !sm->cfg.no_pipelining;
}

/* Between chunks: the envelope's replies first (a failed transaction
 * gets no more chunks: RFC 3030 2), then at most the window of chunks
 * unanswered (none without PIPELINING). */
static int
after_chunk(struct smtp *sm, struct tx *tx, struct err *e)
{
	unsigned window = sm_pipelining(sm) ? BDAT_WINDOW : 0;

	if (tx_env_pending(tx) && (sm_flush_wait(sm, PH_RCPT, "RCPT", e) == -1 ||
	    tx_drain(sm, tx, 1, e) == -1))
		return -1;
	while (!sm->closing && tx_ok(tx) && tx->bdat_unread > window)
		if (sm_flush_wait(sm, PH_BDAT, "BDAT", e) == -1 ||
		    tx_read_next(sm, tx, e) == -1)
			return -1;
	return 0;
}

/* The message in BDAT chunks of one spool read each, the last one
 * marked LAST: one chunk is read ahead to know which is last, so memory
 * stays bounded whatever the size.  inflight: the envelope's replies are
 * still unread (BDAT travels with MAIL and RCPT). */
static int
send_chunks(struct smtp *sm, struct tx *tx, const struct source *src,
    int inflight, struct smtp_result *res, struct err *e)
{
	struct chunker c;
	ssize_t n;
	size_t o;

	buffers(sm);
	memset(&c, 0, sizeof(c));
	dotenc_init(&c.d);
	c.binary = tx->plan->binary;
	sm_set_state(sm, ST_BODY);
	if ((n = src->read(src->ctx, sm->in, SPOOL_CHUNK, e)) < 0)
		goto broken;
	o = chunk_encode(&c, sm->in, (size_t)n, sm->out);
	while (n > 0) {
		if ((n = src->read(src->ctx, sm->in, SPOOL_CHUNK, e)) < 0)
			goto broken;
		if (n == 0)
			break;
		if (send_chunk(sm, tx, o, 0, 0, res, e) == -1 ||
		    after_chunk(sm, tx, e) == -1)
			return -1;
		if (sm->closing || !tx_ok(tx))
			return 0;
		o = chunk_encode(&c, sm->in, (size_t)n, sm->out);
	}
	o += chunk_finish(&c, sm->out + o);
	res->long_lines = c.d.long_lines;
	if (c.d.long_lines > 0)
		trace_note(sm, res->bytes + o, c.d.long_lines);
	res->chunked = 1;
	return send_chunk(sm, tx, o, 1, quit_along(tx, inflight), res, e);
broken:
	/* No LAST may follow a failed read: the session is dropped. */
	sm_set_state(sm, ST_BROKEN);
	return -1;
}

int
tx_send_message(struct smtp *sm, struct tx *tx, const struct source *src,
    int inflight, struct smtp_result *res, struct err *e)
{
	int rc;

	if (tx->plan->chunking)
		rc = send_chunks(sm, tx, src, inflight, res, e);
	else
		rc = send_body(sm, tx, src, res, e);
	if (rc == -1)
		return -1;
	tx->go = 0;		/* the 354 was answered with the message */
	if (tx->plan->chunking && !tx->last_sent)
		return tx_drain(sm, tx, 0, e);	/* stopped early: it failed */
	return read_final(sm, tx, res, e);
}
