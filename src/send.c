/*
 * send.c - the session: connect, TLS (implicit or STARTTLS), AUTH, and
 * the transaction; --serverinfo.  The engine (smtp.c) speaks the
 * protocol; this file decides the order of the steps for an account.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "idn.h"
#include "log.h"
#include "mailparam.h"
#include "message.h"
#include "net.h"
#include "progress.h"
#include "reply.h"
#include "run.h"
#include "sasl.h"
#include "secret.h"
#include "smtp.h"
#include "stream.h"
#include "tls.h"
#include "util.h"

/* One connection to the smarthost and what was learned on it. */
struct session {
	struct stream	*s;
	struct smtp	*sm;
	struct tls	*tls;		/* owned by s; NULL without TLS */
	struct tls_info	 info;
	char		*host;		/* A-label form of the account's host */
	char		*tls_name;	/* ... of the name the certificate must show */
	char		 helo[256];	/* the EHLO domain (the engine borrows it) */
};

static void
session_close(struct session *ss)
{
	if (ss->sm != NULL)
		smtp_quit(ss->sm);
	smtp_free(ss->sm);
	stream_free(ss->s);
	free(ss->host);
	free(ss->tls_name);
	memset(ss, 0, sizeof(*ss));
}

/* The timeout for one step: the account's, else dflt seconds; never
 * past the run's deadline. */
static long
step_ms(const struct run *r, long dflt)
{
	long ms = r->acct->timeout > 0 ? r->acct->timeout * 1000 : dflt * 1000;
	long long left = r->deadline - now_ms();

	if (r->deadline > 0 && left < ms)
		ms = left > 0 ? (long)left : 1;
	return ms;
}

static int
start_tls(struct run *r, struct session *ss, struct err *e)
{
	const struct account *a = r->acct;
	struct tls_params p;

	memset(&p, 0, sizeof(p));
	p.host = ss->tls_name;
	p.trust_file = a->tls_trust_file;
	p.crl_file = a->tls_crl_file;
	p.fingerprint = a->tls_fingerprint;
	p.pin = a->tls_pin;
	p.cert_file = a->tls_cert_file;
	p.key_file = a->tls_key_file;
	p.priorities = a->tls_priorities;
	p.min_version = a->tls_min_version;
	p.certcheck = a->tls_certcheck;
	p.timeout_ms = step_ms(r, TIMEOUT_OTHER);
	if (!a->tls_certcheck)
		log_warn("tls_certcheck is off: the server's certificate is "
		    "not verified");
	ss->tls = tls_start(ss->s, &p, &ss->info, e);
	if (ss->tls == NULL)
		return -1;
	log_debug(r->log, "-- %s with %s", ss->info.version, ss->info.cipher);
	snprintf(r->res.tls_version, sizeof(r->res.tls_version), "%s",
	    ss->info.version);
	snprintf(r->res.tls_cipher, sizeof(r->res.tls_cipher), "%s",
	    ss->info.cipher);
	return 0;
}

static int
session_names(struct run *r, struct session *ss, struct err *e)
{
	const struct account *a = r->acct;
	const char *name = a->tls_host_override != NULL ?
	    a->tls_host_override : a->host;

	if (a->host != NULL &&
	    idn_to_ascii(a->host, &ss->host, ERR_CONFIG, e) < 0)
		return -1;
	if (name != NULL && idn_to_ascii(name, &ss->tls_name, ERR_CONFIG, e) < 0)
		return -1;
	return 0;
}

/* Connect, run implicit TLS when the account asks for it, and read the
 * greeting and the capabilities. */
static int
session_open(struct run *r, struct session *ss, struct err *e)
{
	const struct account *a = r->acct;
	struct net_target t = { 0 };
	struct smtp_config sc = { 0 };
	char peer[128];
	int fd;

	if (session_names(r, ss, e) < 0)
		return -1;
	t.host = ss->host;
	t.port = account_port(a);
	t.socket = a->socket;
	t.source_ip = a->source_ip;
	t.proxy_host = a->proxy_host;
	t.proxy_port = a->proxy_port > 0 ? a->proxy_port : 1080;
	t.timeout_ms = step_ms(r, TIMEOUT_CONNECT);
	t.deadline_ms = r->deadline;
	if ((fd = net_connect(&t, peer, sizeof(peer), e)) < 0)
		return -1;
	log_debug(r->log, "-- connected to %s", peer);
	ss->s = stream_new(fd);
	stream_set_overall(ss->s, r->deadline);
	if (account_tls(a) && !a->tls_starttls && start_tls(r, ss, e) < 0)
		return -1;
	if (a->domain != NULL)
		snprintf(ss->helo, sizeof(ss->helo), "%s", a->domain);
	else
		net_hostname(ss->helo, sizeof(ss->helo));
	sc.helo = ss->helo;
	sc.lmtp = a->protocol == PROTO_LMTP;
	sc.timeout_ms = a->timeout > 0 ? a->timeout * 1000 : 0;
	sc.trace = log_trace;
	sc.trace_ctx = r->log;
	ss->sm = smtp_new(ss->s, &sc);
	return smtp_open(ss->sm, e);
}

/* STARTTLS when the account asks for it: never opportunistic. */
static int
session_starttls(struct run *r, struct session *ss, struct err *e)
{
	const struct account *a = r->acct;

	if (!account_tls(a) || !a->tls_starttls)
		return 0;
	if (smtp_starttls(ss->sm, e) < 0) {
		if (e->kind == ERR_UNAVAILABLE && !a->set[KW_TLS])
			err_set(e, ERR_UNAVAILABLE, "%s (outbox uses TLS by "
			    "default, msmtp does not: set 'tls off' to send "
			    "without it)", e->msg);
		return -1;
	}
	if (start_tls(r, ss, e) < 0)
		return -1;
	return smtp_reopen(ss->sm, e);
}

static int
session_auth(struct run *r, struct session *ss, struct err *e)
{
	const struct account *a = r->acct;
	struct sasl_params p;
	char used[64];

	if (a->auth == NULL)
		return 0;
	memset(&p, 0, sizeof(p));
	p.mech = a->auth;
	p.user = a->user;
	p.password = r->password;
	p.host = ss->tls_name;
	p.tls = ss->tls;
	if (sasl_auth(ss->sm, smtp_caps(ss->sm), &p, used, sizeof(used), e) < 0)
		return -1;
	log_debug(r->log, "-- authenticated with %s", used);
	snprintf(r->res.auth_mech, sizeof(r->res.auth_mech), "%s", used);
	return 0;
}

/* A session ready for transactions: the password found first (a prompt
 * or a helper must not race the server's timeouts), then connected,
 * secured and authenticated as the account asks. */
static int
session_ready(struct run *r, struct session *ss, struct err *e)
{
	const char *auth = r->acct->auth;

	/* EXTERNAL (the client certificate) and GSSAPI (a Kerberos
	 * ticket) take no password: never ask for one. */
	if (auth != NULL && ascii_casecmp(auth, "external") != 0 &&
	    ascii_casecmp(auth, "gssapi") != 0 && r->password == NULL &&
	    secret_password(r->acct, r->acct->host, &r->password, e) < 0)
		return -1;
	if (session_open(r, ss, e) < 0 || session_starttls(r, ss, e) < 0)
		return -1;
	return session_auth(r, ss, e);
}

/* ------------------------------------------------------------ the envelope */

/* What became of each recipient, as the engine told it (smtp.h). */
struct fate {
	int		 known;
	enum rcpt_fate	 fate;
	enum err_kind	 kind;
	char		*reply;
};

static void
fate_note(void *ctx, size_t i, enum rcpt_fate f, enum err_kind kind,
    const char *reply)
{
	struct fate *ft = ctx;

	ft[i].known = 1;
	ft[i].fate = f;
	ft[i].kind = kind;
	free(ft[i].reply);
	ft[i].reply = xstrdup(reply);
}

static void
fates_free(struct fate *ft, size_t n)
{
	size_t i;

	for (i = 0; ft != NULL && i < n; i++)
		free(ft[i].reply);
	free(ft);
}

/* An smtp_rewind_fn for the run's message (another transaction). */
static void
rewind_message(void *ctx)
{
	struct run *r = ctx;

	message_rewind(r->msg);
}

/* -B: 7BIT, 8BITMIME or BINARYMIME, in any case (sendmail's values). */
static int
body_type(const char *v, enum body_type *bt, struct err *e)
{
	*bt = BODY_UNSET;
	if (v == NULL)
		return 0;
	if (ascii_casecmp(v, "7BIT") == 0)
		*bt = BODY_7BIT;
	else if (ascii_casecmp(v, "8BITMIME") == 0)
		*bt = BODY_8BITMIME;
	else if (ascii_casecmp(v, "BINARYMIME") == 0)
		*bt = BODY_BINARYMIME;
	else
		return err_set(e, ERR_USAGE, "-B%s: the body type is 7BIT, "
		    "8BITMIME or BINARYMIME", v);
	return 0;
}

/* The envelope for the run, checked as far as it can be before
 * connecting (-B, -V, the sender's IDN: CONTRACT 1, 64). */
static int
make_envelope(struct run *r, struct envelope *env, char *field, size_t cap,
    struct err *e)
{
	const struct account *a = r->acct;

	memset(env, 0, sizeof(*env));
	env->from = r->from;
	env->rcpt = (const char *const *)r->rcpt;
	env->nrcpt = r->nrcpt;
	env->dsn_notify = a->dsn_notify;
	env->dsn_return = a->dsn_return;
	env->envid = r->opt.envid;
	env->dsn_required = a->dsn_required == SET_ON;
	env->allow_partial = r->opt.allow_partial;
	if (body_type(r->opt.body_type, &env->body, e) < 0 ||
	    mailparam_check(env, e) < 0 ||
	    idn_check_address(env->from, ERR_USAGE, e) < 0)
		return -1;
	if (r->msg == NULL)
		return 0;
	env->size = message_wire_size(r->msg);
	env->body_8bit = message_facts(r->msg)->body_8bit;
	if (message_8bit_field(r->msg, field, cap))
		env->utf8_field = field;
	env->quit_after = 1;
	env->rewind = rewind_message;
	return 0;
}

/* A list of recipients whose fate is (or is not) f, on one line. */
static void
list_rcpts(const struct run *r, const struct fate *ft, int delivered)
{
	size_t i, n = 0, len = 0;
	char *buf;

	for (i = 0; i < r->nrcpt; i++)
		len += strlen(r->rcpt[i]) + 4;
	buf = xmalloc(len + 1);
	buf[0] = '\0';
	for (i = 0; i < r->nrcpt; i++) {
		if ((ft[i].known && ft[i].fate == RCPT_DELIVERED) != delivered)
			continue;
		strcat(buf, n++ > 0 ? ", <" : "<");
		strcat(buf, r->rcpt[i]);
		strcat(buf, ">");
	}
	if (n > 0)
		log_error("%s %zu recipient%s: %s", delivered ? "delivered to" :
		    "NOT delivered to", n, n == 1 ? "" : "s", buf);
	free(buf);
}

/* After the transaction(s): what the user must know. */
static void
tell_outcome(const struct run *r, const struct smtp_result *res,
    const struct fate *ft, int rc)
{
	size_t i;

	if (res->dsn_dropped)
		log_warn("the server does not offer DSN: the message went "
		    "without the delivery status notification requests "
		    "(-N, -R, -V, dsn_notify, dsn_return; 'dsn_required on' "
		    "refuses instead)");
	if (rc < 0 && res->delivered > 0) {
		/* CONTRACT 1: who got the message and who did not */
		list_rcpts(r, ft, 1);
		list_rcpts(r, ft, 0);
		return;
	}
	for (i = 0; rc == 0 && i < r->nrcpt; i++)
		if (ft[i].known && ft[i].fate == RCPT_REFUSED)
			log_warn("<%s> refused, not delivered (--allow-partial): "
			    "%s", r->rcpt[i], ft[i].reply);
}

int
run_deliver(struct run *r, struct err *e)
{
	struct session ss = { 0 };
	struct smtp_result res;
	struct envelope env;
	struct fate *ft = NULL;
	char field[128];
	int rc = -1;

	if (make_envelope(r, &env, field, sizeof(field), e) < 0)
		return -1;
	if (session_ready(r, &ss, e) < 0)
		goto out;
	ft = xcalloc(r->nrcpt, sizeof(*ft));
	env.report = fate_note;
	env.report_ctx = ft;
	message_rewind(r->msg);
	memset(&res, 0, sizeof(res));
	rc = smtp_send(ss.sm, &env, progress_reader, r, &res, e);
	r->res.bytes = res.bytes;
	tell_outcome(r, &res, ft, rc);
	if (rc < 0)
		goto out;
	log_debug(r->log, "-- accepted: %s", res.final);
	memcpy(r->final, res.final, sizeof(r->final));
	if (res.long_lines > 0)
		log_debug(r->log, "-- %lu lines longer than %d octets sent "
		    "unchanged", res.long_lines, LINE_SOFT_MAX);
out:
	fates_free(ft, r->nrcpt);
	session_close(&ss);
	return rc;
}

static void
print_caps(const char *when, const struct caps *c)
{
	static const struct { unsigned flag; const char *name; } names[] = {
		{ CAP_PIPELINING, "PIPELINING" }, { CAP_SIZE, "SIZE" },
		{ CAP_8BITMIME, "8BITMIME" }, { CAP_SMTPUTF8, "SMTPUTF8" },
		{ CAP_CHUNKING, "CHUNKING" }, { CAP_BINARYMIME, "BINARYMIME" },
		{ CAP_DSN, "DSN" },
		{ CAP_ENHANCEDSTATUSCODES, "ENHANCEDSTATUSCODES" },
		{ CAP_STARTTLS, "STARTTLS" }, { CAP_AUTH, "AUTH" },
	};
	size_t i;

	printf("capabilities%s:", when);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (c->flags & names[i].flag)
			printf(" %s", names[i].name);
	printf("\n");
	if (c->flags & CAP_SIZE)
		printf("  maximum message size: %llu%s\n", c->size_max,
		    c->size_max == 0 ? " (no limit)" : "");
	if (c->flags & CAP_AUTH)
		printf("  authentication: %s\n", c->auth);
}

static void
print_tls(const struct tls_info *i)
{
	printf("TLS: %s, %s\n", i->version, i->cipher);
	printf("  subject: %s\n  issuer: %s\n", i->subject, i->issuer);
	printf("  valid: %s to %s\n", i->not_before, i->not_after);
	printf("  SHA-256 fingerprint: %s\n  SHA-1 fingerprint: %s\n",
	    i->sha256, i->sha1);
}

int
run_serverinfo(struct run *r, struct err *e)
{
	struct session ss = { 0 };
	int starttls, rc = -1;

	if (run_load_config(r, e) < 0 || run_pick_account(r, e) < 0 ||
	    account_check(r->acct, e) < 0)
		return -1;
	starttls = account_tls(r->acct) && r->acct->tls_starttls;
	if (session_open(r, &ss, e) < 0)
		goto out;
	printf("greeting: %s\n", smtp_greeting(ss.sm));
	if (ss.tls != NULL)
		print_tls(&ss.info);
	print_caps(starttls ? " before STARTTLS" : "", smtp_caps(ss.sm));
	if (starttls) {
		if (session_starttls(r, &ss, e) < 0)
			goto out;
		print_tls(&ss.info);
		print_caps(" after STARTTLS", smtp_caps(ss.sm));
	}
	rc = 0;
out:
	session_close(&ss);
	return rc;
}

/* ------------------------------------------------------------ -bv */

/* The exit status of -bv: the worst refusal, a permanent one before a
 * temporary one. */
static enum err_kind
worse(enum err_kind a, enum err_kind b)
{
	if (a == ERR_NONE || (a == ERR_TEMP && b != ERR_NONE))
		return b;
	return a;
}

/* One line per recipient on stdout, in the order given. */
static enum err_kind
print_verdicts(const struct run *r, const struct fate *ft)
{
	enum err_kind worst = ERR_NONE;
	size_t i;

	for (i = 0; i < r->nrcpt; i++) {
		if (ft[i].known && ft[i].fate == RCPT_ACCEPTED) {
			printf("%s: deliverable\n", r->rcpt[i]);
			continue;
		}
		printf("%s: %s\n", r->rcpt[i], ft[i].known ? ft[i].reply :
		    "no answer");
		worst = worse(worst, ft[i].known ? ft[i].kind : ERR_TEMP);
	}
	fflush(stdout);
	return worst;
}

int
run_verify(struct run *r, struct err *e)
{
	struct session ss = { 0 };
	struct envelope env;
	struct fate *ft = NULL;
	enum err_kind worst;
	int rc = -1;

	if (r->opt.read_rcpts)
		return err_set(e, ERR_USAGE, "-bv takes its recipients from "
		    "the command line, not -t");
	if (run_load_config(r, e) < 0 || run_pick_account(r, e) < 0 ||
	    account_check(r->acct, e) < 0)
		return -1;
	r->deadline = now_ms() + r->acct->deadline * 1000LL;
	if (run_envelope_from(r, e) < 0 || run_recipients(r, e) < 0 ||
	    make_envelope(r, &env, NULL, 0, e) < 0)
		return -1;
	if (session_ready(r, &ss, e) < 0)
		goto out;
	ft = xcalloc(r->nrcpt, sizeof(*ft));
	env.report = fate_note;
	env.report_ctx = ft;
	/* nothing is sent, so nothing about DSN needs saying */
	env.dsn_notify = env.dsn_return = env.envid = NULL;
	if (smtp_verify(ss.sm, &env, e) < 0)
		goto out;
	worst = print_verdicts(r, ft);
	rc = 0;
	if (worst != ERR_NONE)
		rc = err_set(e, worst, "not every recipient is deliverable");
out:
	fates_free(ft, r->nrcpt);
	session_close(&ss);
	return rc;
}
