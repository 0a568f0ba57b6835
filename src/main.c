/*
 * main.c - the front end: process hygiene, options -> configuration ->
 * account -> message -> send, and the exit status.
 *
 * This is the one place that decides the exit status (through
 * err_exit_code()) and the one place that keeps a failed message
 * (CONTRACT 2): every path that exits non-zero after the message was
 * read passes through keep_message().
 */
#include "autoconfig.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "deadletter.h"
#include "log.h"
#include "message.h"
#include "options.h"
#include "progress.h"
#include "run.h"
#include "secret.h"
#include "tls.h"
#include "util.h"

static void
hygiene(void)
{
	int fd;

	/* Descriptors 0-2 must be open, or a file we open could become
	 * stdout and receive our diagnostics. */
	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
	umask(077);
	signal(SIGPIPE, SIG_IGN);
	/* Never run with privileges someone else's binary was given. */
	if (getegid() != getgid() && setgid(getgid()) != 0)
		_exit(71);
	if (geteuid() != getuid() && setuid(getuid()) != 0)
		_exit(71);
}

static int
pretend(struct run *r, struct err *e)
{
	if (run_load_config(r, e) < 0 || run_pick_account(r, e) < 0)
		return -1;
	account_print(r->acct);
	return 0;
}

void
run_log(struct run *r, int rc, const struct err *e)
{
	const struct account *a = r->acct;
	struct log_dest d = { a->logfile, a->logfile_time_format,
	    a->log_format, a->syslog };
	struct log_entry m;

	if (d.logfile == NULL && d.syslog == NULL)
		return;
	memset(&m, 0, sizeof(m));
	m.host = a->host != NULL ? a->host : a->socket;
	m.tls = account_tls(a);
	m.auth = a->auth != NULL;
	m.user = a->user;
	m.from = r->from;
	m.rcpt = r->rcpt;
	m.nrcpt = r->nrcpt;
	m.mailsize = r->res.bytes;
	m.exitcode = rc < 0 ? err_exit_code(e->kind) : 0;
	m.errmsg = rc < 0 ? e->msg : NULL;
	/* on failure, the server's refusal when there was one */
	m.reply = rc < 0 ? err_reply(e) : r->final;
	m.msgid = r->msg != NULL ? message_id(r->msg) : NULL;
	m.tls_version = r->res.tls_version;
	m.tls_cipher = r->res.tls_cipher;
	m.auth_mech = r->res.auth_mech;
	m.duration_ms = now_ms() - r->start_ms;
	log_message(&d, &m);
}

/* Everything after the account is chosen: sender, recipients, header
 * edits, then the dry run or the session. */
static int
submit(struct run *r, struct err *e)
{
	if (run_envelope_from(r, e) < 0 || run_recipients(r, e) < 0 ||
	    run_prepare_message(r, e) < 0)
		return -1;
	if (r->opt.dry_run)
		return run_dry_run(r, e);
	return run_deliver(r, e);
}

/* Read the message, then everything that needs the configuration. */
static int
send_mode(struct run *r, struct err *e)
{
	const struct message_facts *f;
	int rc;

	if (message_read(&r->msg, STDIN_FILENO, r->opt.dot_ends, NULL, e) < 0)
		return -1;
	f = message_facts(r->msg);
	if (f->data_after_dot)
		log_warn("input continued after a line holding only \".\"; "
		    "that line ended the message (use -i to send it all)");
	if (run_load_config(r, e) < 0 || run_pick_account(r, e) < 0 ||
	    account_check(r->acct, e) < 0)
		return -1;
	r->start_ms = now_ms();
	r->deadline = r->start_ms + r->acct->deadline * 1000LL;
	if (r->opt.dry_run)
		return submit(r, e);
	rc = submit(r, e);
	run_log(r, rc, e);
	return rc;
}

/* CONTRACT 2: a message that was read is never lost. */
static void
keep_message(struct run *r)
{
	struct err e2;
	char *path;

	path = deadletter_path(run_dead_letter_setting(r));
	if (path == NULL) {
		log_error("the message was not saved (dead_letter none, or no "
		    "home directory)");
		return;
	}
	err_clear(&e2);
	if (deadletter_save(path, r->msg, r->from, &e2) < 0)
		log_error("the message could not be saved: %s", e2.msg);
	else
		log_error("the message was saved in %s", path);
	free(path);
}

static void
run_free(struct run *r)
{
	size_t i;

	for (i = 0; i < r->nrcpt; i++)
		free(r->rcpt[i]);
	free(r->rcpt);
	free(r->from);
	free_secret(r->password);
	progress_free(r->progress);
	message_free(r->msg);
	account_free(r->acct);
	config_free(r->cfg);
	log_free(r->log);
	options_free(&r->opt);
}

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL ? s + 1 : path;
}

int
main(int argc, char **argv)
{
	struct run r;
	struct err e;
	int rc = 0, code;

	hygiene();
	memset(&r, 0, sizeof(r));
	err_clear(&e);
	if (options_parse(&r.opt, base_name(argc > 0 ? argv[0] : "outbox"),
	    argc, argv, &e) < 0) {
		log_error("%s (try 'outbox --help')", e.msg);
		options_free(&r.opt);
		return err_exit_code(ERR_USAGE);
	}
	r.log = log_new(r.opt.verbose);
	if (tls_global_init(&e) < 0) {
		log_error("%s", e.msg);
		run_free(&r);
		return err_exit_code(e.kind);
	}
	switch (r.opt.mode) {
	case MODE_VERSION:
		printf("outbox %s\nkeyring: %s\n", PACKAGE_VERSION,
		    secret_have_keyring() ? "yes" : "no");
		break;
	case MODE_HELP:
		options_usage();
		break;
	case MODE_LIST_OPTIONS:
		options_list();
		break;
	case MODE_LIST_KEYWORDS:
		options_list_keywords();
		break;
	case MODE_NEWALIASES:
		break;
	case MODE_QUEUE_LIST:
	case MODE_QUEUE_RUN:
		printf("outbox: the mail queue is empty\n");
		break;
	case MODE_PRETEND:
		rc = pretend(&r, &e);
		break;
	case MODE_SERVERINFO:
		rc = run_serverinfo(&r, &e);
		break;
	case MODE_SEND:
		rc = send_mode(&r, &e);
		break;
	case MODE_VERIFY:
		rc = run_verify(&r, &e);
		break;
	case MODE_SMTP_SERVER:
		rc = run_serve(&r, &e);
		break;
	}
	code = rc < 0 ? err_exit_code(e.kind) : 0;
	if (rc < 0) {
		log_error("%s", e.msg);
		if (r.msg != NULL)
			keep_message(&r);
	}
	run_free(&r);
	tls_global_done();
	return code;
}
