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
#include "message.h"
#include "net.h"
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
	return 0;
}

int
run_deliver(struct run *r, struct err *e)
{
	struct session ss = { 0 };
	struct smtp_result res;
	struct envelope env;
	int rc = -1;

	/* The password first: a prompt or a helper must not race the
	 * server's timeouts. */
	if (r->acct->auth != NULL && r->password == NULL &&
	    secret_password(r->acct, r->acct->host, &r->password, e) < 0)
		return -1;
	if (session_open(r, &ss, e) < 0 || session_starttls(r, &ss, e) < 0 ||
	    session_auth(r, &ss, e) < 0)
		goto out;
	memset(&env, 0, sizeof(env));
	env.from = r->from;
	env.rcpt = (const char *const *)r->rcpt;
	env.nrcpt = r->nrcpt;
	env.size = message_wire_size(r->msg);
	env.quit_after = 1;
	message_rewind(r->msg);
	memset(&res, 0, sizeof(res));
	if (smtp_send(ss.sm, &env, message_reader, r->msg, &res, e) < 0)
		goto out;
	log_debug(r->log, "-- accepted: %s", res.final);
	if (res.long_lines > 0)
		log_debug(r->log, "-- %lu lines longer than %d octets sent "
		    "unchanged", res.long_lines, LINE_SOFT_MAX);
	rc = 0;
out:
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

int
run_verify(struct run *r, struct err *e)
{
	(void)r;
	return err_set(e, ERR_USAGE, "-bv is not supported yet");
}
