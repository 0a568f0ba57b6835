/*
 * smtp_tx.c - the SMTP/LMTP session engine: transactions.
 *
 * Owns MAIL and RCPT with their parameters (decided by mailparam.c), the
 * replies read in command order whether pipelined (RFC 2920) or not, the
 * all-or-nothing rule (CONTRACT 1) and --allow-partial, the 452 "too many
 * recipients" split into more transactions (RFC 5321 4.5.3.1.10), and
 * -bv's rounds of MAIL, RCPT and RSET.  The message itself is
 * smtp_data.c's.  A refused RCPT fails the transaction unless refusals
 * are allowed, and after a pipelined 354 the session goes BROKEN with no
 * message byte sent, so the caller drops the connection.
 */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "limits.h"
#include "mailparam.h"
#include "reply.h"
#include "smtp.h"
#include "smtp_impl.h"
#include "util.h"

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
tx_init(struct tx *tx, const struct envelope *env,
    const struct mail_plan *plan, const size_t *idx, size_t n, int verify)
{
	memset(tx, 0, sizeof(*tx));
	tx->env = env;
	tx->plan = plan;
	tx->idx = xcalloc(n, sizeof(*tx->idx));
	memcpy(tx->idx, idx, n * sizeof(*idx));
	tx->rs = xcalloc(n, 1);
	tx->n = n;
	tx->partial = verify || env->allow_partial;
	tx->can_defer = verify || env->rewind != NULL;
}

static void
tx_free(struct tx *tx)
{
	free(tx->idx);
	free(tx->rs);
	tx->idx = NULL;
	tx->rs = NULL;
}

/* The envelope can carry a message: MAIL taken, someone accepted, and
 * nobody refused unless that is allowed. */
int
tx_envelope_ok(const struct tx *tx)
{
	return !tx->mail_failed && tx->accepted > 0 &&
	    (tx->refused == 0 || tx->partial);
}

int
tx_ok(const struct tx *tx)
{
	return tx_envelope_ok(tx) && !tx->body_failed;
}

const char *
tx_rcpt(const struct tx *tx, size_t j)
{
	return tx->plan->rcpt[tx->idx[j]];
}

static void
label_mail(char *buf, size_t cap, const struct tx *tx)
{
	snprintf(buf, cap, "MAIL FROM:<%s>", tx->plan->from);
}

static void
label_rcpt(char *buf, size_t cap, const struct tx *tx, size_t j)
{
	snprintf(buf, cap, "RCPT TO:<%s>", tx_rcpt(tx, j));
}

void
tx_report(const struct tx *tx, size_t j, enum rcpt_fate f, enum err_kind k,
    const char *reply)
{
	if (tx->env->report != NULL)
		tx->env->report(tx->env->report_ctx, tx->idx[j], f, k, reply);
}

static int
cmd_mail(struct smtp *sm, struct tx *tx, struct err *e)
{
	char par[CMD_LINE_PARAM_MAX];

	if (mailparam_mail(tx->plan, tx->env, &sm->caps, par,
	    sizeof(par)) == -1)
		return err_set(e, ERR_USAGE, "MAIL parameters longer than %d "
		    "octets", CMD_LINE_PARAM_MAX);
	sm_set_state(sm, ST_MAIL);
	tx->mail_sent = 1;
	return sm_send_cmd(sm, e, "MAIL FROM:<%s>%s", tx->plan->from, par);
}

static int
cmd_rcpt(struct smtp *sm, struct tx *tx, struct err *e)
{
	char par[CMD_LINE_PARAM_MAX];
	size_t j = tx->sent;

	if (mailparam_rcpt(tx->plan, tx->env, tx->idx[j], par,
	    sizeof(par)) == -1)
		return err_set(e, ERR_USAGE, "RCPT parameters longer than %d "
		    "octets", CMD_LINE_PARAM_MAX);
	sm_set_state(sm, ST_RCPT);
	tx->sent++;
	return sm_send_cmd(sm, e, "RCPT TO:<%s>%s", tx_rcpt(tx, j), par);
}

static int
cmd_data(struct smtp *sm, struct tx *tx, struct err *e)
{
	sm_set_state(sm, ST_DATA);
	tx->data_sent = 1;
	return sm_send_cmd(sm, e, "DATA");
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
		err_set_reply(&tx->err, k, sum, "%s", label);
	}
	if (tx->kind == ERR_NONE || (tx->kind == ERR_TEMP && k != ERR_TEMP))
		tx->kind = k;
	tx->failed = 1;
}

/* DATA, a BDAT chunk or the end of data refused: when the envelope was
 * good this refusal is the transaction's error; else it is an echo of
 * the earlier one and changes nothing. */
void
tx_fail_body(struct smtp *sm, struct tx *tx, enum phase ph, const char *label)
{
	char sum[REPLY_LINE_MAX];

	if (!tx_ok(tx))
		return;
	reply_summary(&sm->r, sum, sizeof(sum));
	tx->kind = err_kind_for_reply(ph, sm->r.code, sm->r.enh);
	err_set_reply(&tx->err, tx->kind, sum, "%s", label);
	tx->failed = 1;
	tx->body_failed = 1;
}

static int
on_mail(struct smtp *sm, struct tx *tx, struct err *e)
{
	char label[ADDR_MAX + 32];
	int cls = sm->r.code / 100;

	label_mail(label, sizeof(label), tx);
	if (cls == 2)
		return 0;
	if (cls != 4 && cls != 5)
		return sm_reply_error(sm, PH_MAIL, label, e);
	tx_refuse(sm, tx, PH_MAIL, label);
	tx->mail_failed = 1;
	return 0;
}

/* RFC 5321 4.5.3.1.10: "452 too many recipients" asks for another
 * transaction, not a refusal (4.5.3 is its enhanced code, RFC 3463). */
static int
too_many(const struct smtp *sm)
{
	return sm->r.code == 452 && (strcmp(sm->r.enh, "4.5.3") == 0 ||
	    strstr(sm->r.text, "too many recipients") != NULL ||
	    strstr(sm->r.text, "Too many recipients") != NULL);
}

static int
on_rcpt(struct smtp *sm, struct tx *tx, struct err *e)
{
	char label[ADDR_MAX + 32], sum[REPLY_LINE_MAX];
	int cls = sm->r.code / 100;
	size_t j = tx->answered++;

	label_rcpt(label, sizeof(label), tx, j);
	if (tx->mail_failed)
		return 0;	/* after a refused MAIL, RCPT replies are noise */
	if (cls == 2) {
		tx->rs[j] = RS_OK;
		tx->accepted++;
		return 0;
	}
	if (cls != 4 && cls != 5)
		return sm_reply_error(sm, PH_RCPT, label, e);
	reply_summary(&sm->r, sum, sizeof(sum));
	if (tx->can_defer && too_many(sm)) {
		if (tx->deferred++ == 0) {
			err_set_reply(&tx->defer, ERR_TEMP, sum, "%s", label);
			snprintf(tx->defer_sum, sizeof(tx->defer_sum), "%s",
			    sum);
		}
		tx->rs[j] = RS_DEFERRED;
		return 0;
	}
	tx->rs[j] = RS_REFUSED;
	tx->refused++;
	tx_refuse(sm, tx, PH_RCPT, label);
	tx_report(tx, j, RCPT_REFUSED, err_kind_for_reply(PH_RCPT, sm->r.code,
	    sm->r.enh), sum);
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
		return sm_reply_error(sm, PH_DATA, "DATA", e);
	tx_fail_body(sm, tx, PH_DATA, "DATA");
	return 0;
}

/* A chunk before the last one. */
static int
on_bdat(struct smtp *sm, struct tx *tx, struct err *e)
{
	int cls = sm->r.code / 100;

	if (cls == 2)
		return 0;
	if (cls != 4 && cls != 5)
		return sm_reply_error(sm, PH_BDAT, "BDAT", e);
	tx_fail_body(sm, tx, PH_BDAT, "BDAT");
	return 0;
}

/* Replies still to come before the final one; the envelope's alone. */
int
tx_env_pending(const struct tx *tx)
{
	return (tx->mail_sent && !tx->mail_read) || tx->answered < tx->sent;
}

static int
pending(const struct tx *tx)
{
	return tx_env_pending(tx) || tx->data_sent ||
	    tx->bdat_unread > (tx->last_sent ? 1u : 0u);
}

/* Read the next reply in command order and decide what it means. */
int
tx_read_next(struct smtp *sm, struct tx *tx, struct err *e)
{
	char label[ADDR_MAX + 32];

	if (tx->mail_sent && !tx->mail_read) {
		tx->mail_read = 1;
		label_mail(label, sizeof(label), tx);
		if (sm_read_reply(sm, &sm->r, PH_MAIL, label, e) == -1)
			return -1;
		return on_mail(sm, tx, e);
	}
	if (tx->answered < tx->sent) {
		label_rcpt(label, sizeof(label), tx, tx->answered);
		if (sm_read_reply(sm, &sm->r, PH_RCPT, label, e) == -1)
			return -1;
		return on_rcpt(sm, tx, e);
	}
	if (tx->data_sent) {
		tx->data_sent = 0;
		if (sm_read_reply(sm, &sm->r, PH_DATA, "DATA", e) == -1)
			return -1;
		return on_data(sm, tx, e);
	}
	tx->bdat_unread--;
	if (sm_read_reply(sm, &sm->r, PH_BDAT, "BDAT", e) == -1)
		return -1;
	return on_bdat(sm, tx, e);
}

/* Read every reply but the final one; after a 421 none come. */
int
tx_drain(struct smtp *sm, struct tx *tx, int env_only, struct err *e)
{
	while (!sm->closing && (env_only ? tx_env_pending(tx) : pending(tx)))
		if (tx_read_next(sm, tx, e) == -1)
			return -1;
	return 0;
}

/* The transaction failed: report it, and leave the session usable
 * unless the server is already waiting for the message (354). */
static int
tx_result(struct smtp *sm, const struct tx *tx, struct err *e)
{
	if (!tx->failed && tx->deferred > 0) {
		*e = tx->defer;
	} else {
		*e = tx->err;
		e->kind = tx->kind;
		if (!tx->mail_failed && !tx->body_failed && tx->refused > 1)
			sm_msg_append(e, " (and %zu more refused)",
			    tx->refused - 1);
	}
	if (sm->st != ST_CLOSED && sm->st != ST_BROKEN)
		sm_set_state(sm, tx->go ? ST_BROKEN : sm->closing ? ST_CLOSED :
		    ST_READY);
	return -1;
}

/* MAIL, every RCPT and (without CHUNKING) DATA queued as one group
 * (RFC 2920); the caller flushes. */
static int
queue_envelope(struct smtp *sm, struct tx *tx, int data, struct err *e)
{
	if (cmd_mail(sm, tx, e) == -1)
		return -1;
	while (tx->sent < tx->n)
		if (cmd_rcpt(sm, tx, e) == -1)
			return -1;
	return data ? cmd_data(sm, tx, e) : 0;
}

/* Without PIPELINING: one command, one reply; stop at the first refusal
 * (unless refusals are allowed) or at a 452 "too many recipients", which
 * defers the rest to the next transaction. */
static int
envelope_serial(struct smtp *sm, struct tx *tx, struct err *e)
{
	char label[ADDR_MAX + 32];
	size_t j;

	label_mail(label, sizeof(label), tx);
	if (cmd_mail(sm, tx, e) == -1 ||
	    sm_flush_wait(sm, PH_MAIL, label, e) == -1 ||
	    tx_read_next(sm, tx, e) == -1)
		return -1;
	while (!tx->mail_failed && !sm->closing && tx->sent < tx->n &&
	    tx->deferred == 0 && (tx->refused == 0 || tx->partial)) {
		label_rcpt(label, sizeof(label), tx, tx->sent);
		if (cmd_rcpt(sm, tx, e) == -1 ||
		    sm_flush_wait(sm, PH_RCPT, label, e) == -1 ||
		    tx_read_next(sm, tx, e) == -1)
			return -1;
	}
	if (tx->deferred > 0)
		for (j = tx->sent; j < tx->n; j++) {
			tx->rs[j] = RS_DEFERRED;
			tx->deferred++;
		}
	return 0;
}

/* ------------------------------------------------------------ transactions */

/* One transaction: the envelope, the message, the replies.  0 also when
 * the transaction failed (tx says how); -1 when the session did. */
static int
tx_run(struct smtp *sm, struct tx *tx, const struct source *src,
    struct smtp_result *res, struct err *e)
{
	int chunk = tx->plan->chunking;
	char label[ADDR_MAX + 32];

	label_mail(label, sizeof(label), tx);
	if (!sm_pipelining(sm)) {
		if (envelope_serial(sm, tx, e) == -1)
			return -1;
		if (!chunk && !sm->closing && tx_envelope_ok(tx) &&
		    (cmd_data(sm, tx, e) == -1 ||
		    sm_flush_wait(sm, PH_DATA, "DATA", e) == -1 ||
		    tx_read_next(sm, tx, e) == -1))
			return -1;
	} else {
		if (queue_envelope(sm, tx, !chunk, e) == -1)
			return -1;
		/* BDAT LAST travels with the envelope only when that cannot
		 * deliver to a subset (CONTRACT 1). */
		if (chunk && (tx->n == 1 || tx->partial))
			return tx_send_message(sm, tx, src, 1, res, e);
		if (sm_flush_wait(sm, PH_MAIL, label, e) == -1 ||
		    tx_drain(sm, tx, 0, e) == -1)
			return -1;
	}
	if (sm->closing || !tx_ok(tx) || (!chunk && !tx->go))
		return 0;
	return tx_send_message(sm, tx, src, 0, res, e);
}

/* The recipients deferred by a 452 "too many", into idx; how many. */
static size_t
tx_deferred(const struct tx *tx, size_t *idx)
{
	size_t j, n = 0;

	for (j = 0; j < tx->n; j++)
		if (tx->rs[j] == RS_DEFERRED)
			idx[n++] = tx->idx[j];
	return n;
}

/* CONTRACT 1: when a later transaction fails after an earlier one
 * delivered, a retry must be possible: temporary, whatever the reply. */
static void
later_failed(struct err *e, size_t before)
{
	e->kind = ERR_TEMP;
	sm_msg_append(e, "; the server limited the recipients per transaction "
	    "and an earlier transaction already delivered to %zu recipient%s",
	    before, before == 1 ? "" : "s");
}

static void
trace_plan(struct smtp *sm, const struct mail_plan *p,
    struct smtp_result *res)
{
	static const char down[] = "SMTPUTF8 not offered: domains sent as "
	    "A-labels";
	static const char nodsn[] = "DSN not offered: sending without "
	    "NOTIFY, RET, ENVID and ORCPT";

	if (p->downgraded)
		sm_trace(sm, "--", down, strlen(down));
	if (p->dsn_dropped) {
		sm_trace(sm, "--", nodsn, strlen(nodsn));
		res->dsn_dropped = 1;
	}
}

/* Transactions until every recipient had its turn: a 452 "too many
 * recipients" leaves the rest to the next one. */
static int
transactions(struct smtp *sm, const struct envelope *env,
    const struct mail_plan *plan, const struct source *src, size_t *idx,
    size_t n, struct smtp_result *res, struct err *e)
{
	char note[96];
	struct tx tx;
	size_t before;
	int rc = 0;

	while (n > 0 && rc == 0) {
		if (res->transactions > 0) {
			snprintf(note, sizeof(note), "452 too many recipients: "
			    "%zu more in another transaction", n);
			sm_trace(sm, "--", note, strlen(note));
			env->rewind(src->ctx);
		}
		res->transactions++;
		before = res->delivered;
		tx_init(&tx, env, plan, idx, n, 0);
		rc = tx_run(sm, &tx, src, res, e);
		if (rc == 0 && !tx_ok(&tx))
			rc = tx_result(sm, &tx, e);
		res->delivered += tx.delivered;
		res->refused += tx.refused;
		if (rc == -1 && before > 0)
			later_failed(e, before);
		n = tx_deferred(&tx, idx);
		tx_free(&tx);
	}
	return rc;
}

int
smtp_send(struct smtp *sm, const struct envelope *env, smtp_read_fn read,
    void *src_ctx, struct smtp_result *res, struct err *e)
{
	struct source src = { read, src_ctx };
	struct mail_plan plan;
	int first = sm->flights, rc;
	size_t *idx, i;

	memset(res, 0, sizeof(*res));
	if (check_envelope(sm, env, e) == -1)
		return -1;
	if (sm->st != ST_READY)
		return err_set(e, ERR_SOFTWARE, "smtp_send in state %s",
		    sm_state_name(sm->st));
	if ((rc = mailparam_plan(&plan, env, &sm->caps, e)) == 0) {
		trace_plan(sm, &plan, res);
		idx = xcalloc(env->nrcpt, sizeof(*idx));
		for (i = 0; i < env->nrcpt; i++)
			idx[i] = i;
		rc = transactions(sm, env, &plan, &src, idx, env->nrcpt, res,
		    e);
		free(idx);
	}
	mailparam_free(&plan);
	res->round_trips = sm->flights - first;
	return rc;
}

/* ------------------------------------------------------------ -bv */

/* One round of -bv: MAIL and the RCPTs, every reply read. */
static int
verify_round(struct smtp *sm, struct tx *tx, struct err *e)
{
	char label[ADDR_MAX + 32];

	if (!sm_pipelining(sm))
		return envelope_serial(sm, tx, e);
	label_mail(label, sizeof(label), tx);
	if (queue_envelope(sm, tx, 0, e) == -1 ||
	    sm_flush_wait(sm, PH_MAIL, label, e) == -1)
		return -1;
	return tx_drain(sm, tx, 0, e);
}

/* Tell what the round learned; the deferred go into idx for the next
 * round, unless nobody was accepted (no progress: they are refused). */
static size_t
verify_report(const struct tx *tx, size_t *idx)
{
	size_t j, n = 0;

	for (j = 0; j < tx->n; j++) {
		if (tx->rs[j] == RS_OK)
			tx_report(tx, j, RCPT_ACCEPTED, ERR_NONE, "");
		else if (tx->rs[j] == RS_DEFERRED && tx->accepted == 0)
			tx_report(tx, j, RCPT_REFUSED, ERR_TEMP, tx->defer_sum);
		else if (tx->rs[j] == RS_DEFERRED)
			idx[n++] = tx->idx[j];
	}
	return n;
}

int
smtp_verify(struct smtp *sm, const struct envelope *env, struct err *e)
{
	struct mail_plan plan;
	struct tx tx;
	size_t *idx = NULL, n, i;
	int rc;

	if (check_envelope(sm, env, e) == -1)
		return -1;
	if (sm->st != ST_READY)
		return err_set(e, ERR_SOFTWARE, "smtp_verify in state %s",
		    sm_state_name(sm->st));
	if ((rc = mailparam_plan(&plan, env, &sm->caps, e)) == -1)
		goto out;
	idx = xcalloc(env->nrcpt, sizeof(*idx));
	for (i = 0; i < env->nrcpt; i++)
		idx[i] = i;
	for (n = env->nrcpt; n > 0 && rc == 0;) {
		tx_init(&tx, env, &plan, idx, n, 1);
		rc = verify_round(sm, &tx, e);
		if (rc == 0 && (tx.mail_failed || sm->closing))
			rc = tx_result(sm, &tx, e);
		if (rc == 0) {
			n = verify_report(&tx, idx);
			sm_set_state(sm, ST_READY);
			rc = smtp_rset(sm, e);
		}
		tx_free(&tx);
	}
out:
	free(idx);
	mailparam_free(&plan);
	return rc;
}
