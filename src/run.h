/*
 * run.h - one invocation of outbox, shared by the front end's files:
 * main.c (process, modes, exit status, the dead letter), account.c (the
 * configuration files and the account), rcpt.c (the recipients), edit.c
 * (the header edits and --dry-run) and send.c (the session).  Only
 * main.c creates a struct run; the others fill or read its fields.
 */
#ifndef OUTBOX_RUN_H
#define OUTBOX_RUN_H

#include <stddef.h>
#include "options.h"
#include "status.h"

struct config;
struct account;
struct message;
struct log;
struct progress;

/* What the session learned, for the log line (log.c): send.c fills it
 * as the steps succeed; empty strings for steps not taken.  The reply
 * to the final dot is struct run's final. */
struct run_result {
	char		tls_version[32];	/* "TLSv1.3"; "" without TLS */
	char		tls_cipher[128];
	char		auth_mech[64];		/* "SCRAM-SHA-256"; "" without AUTH */
	unsigned long long bytes;		/* message bytes sent (0: not sent) */
};

/* Everything one invocation owns (main.c frees it). */
struct run {
	struct options	 opt;
	struct config	*cfg;
	struct account	*acct;
	struct message	*msg;
	struct log	*log;
	char		*from;		/* envelope sender; "" for <> */
	char		*password;	/* secret: wiped in run_free() */
	char		**rcpt;
	size_t		 nrcpt;
	long long	 deadline;	/* absolute now_ms() */
	char		 final[REPLY_LINE_MAX];	/* run_deliver: the smarthost's
					 * reply to the final dot, escaped */
	long long	 start_ms;	/* now_ms() when delivery began */
	struct run_result res;		/* filled by send.c, for the log */
	struct progress	*progress;	/* progress.c's, freed in run_free() */
};


/* account.c: read the files of outboxrc(5)'s lookup order into r->cfg. */
int run_load_config(struct run *r, struct err *e);
/* account.c: choose the account (-a, -f's match, "default", or the
 * defaults with --host) into r->acct and apply the command-line overrides. */
int run_pick_account(struct run *r, struct err *e);
/* account.c: the envelope sender into r->from ("" for <>). */
int run_envelope_from(struct run *r, struct err *e);
/* account.c: the dead_letter setting as far as it can be known, even
 * when no account was chosen; borrowed, NULL for the default. */
const char *run_dead_letter_setting(struct run *r);

/* rcpt.c: the recipients from argv and (-t) the header into r->rcpt. */
int run_recipients(struct run *r, struct err *e);

/* edit.c: decide the header edits for the chosen account. */
int run_prepare_message(struct run *r, struct err *e);
/* edit.c: --dry-run: print the envelope and the message to stdout. */
int run_dry_run(struct run *r, struct err *e);

/* send.c: submit the message: connect, TLS, AUTH, the transaction. */
int run_deliver(struct run *r, struct err *e);
/* send.c: --serverinfo: what the server offers, before and after TLS. */
int run_serverinfo(struct run *r, struct err *e);

/* send.c: -bv: connect, authenticate, ask RCPT for each recipient, RSET;
 * prints one line per recipient; nothing is sent. */
int run_verify(struct run *r, struct err *e);

/* main.c: the account's log file and syslog get one line per message
 * tried (log.c), whatever the outcome (rc < 0: e says why), once the
 * account is known. */
void run_log(struct run *r, int rc, const struct err *e);

/* serve.c: -bs: speak SMTP on stdin/stdout as a submission server and
 * relay each accepted message through the account. */
int run_serve(struct run *r, struct err *e);

#endif
