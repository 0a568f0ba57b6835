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

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addr.h"
#include "config.h"
#include "deadletter.h"
#include "log.h"
#include "message.h"
#include "net.h"
#include "options.h"
#include "reply.h"
#include "sasl.h"
#include "secret.h"
#include "smtp.h"
#include "stream.h"
#include "tls.h"
#include "util.h"

/* Everything one invocation owns. */
struct run {
	struct options	 opt;
	struct config	*cfg;
	struct account	*acct;
	struct message	*msg;
	struct log	*log;
	char		*from;		/* envelope sender; "" for <> */
	char		**rcpt;
	size_t		 nrcpt;
	long long	 deadline;	/* absolute now_ms() */
};

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

/* ------------------------------------------------------------ config */

static const char *
home_dir(void)
{
	const char *h = getenv("HOME");
	struct passwd *pw;

	if (h != NULL && *h != '\0')
		return h;
	pw = getpwuid(getuid());
	return pw != NULL ? pw->pw_dir : "/";
}

/* Read path if it exists: 1 read, 0 missing, -1 error. */
static int
read_if_exists(struct config *c, const char *path, int is_system, struct err *e)
{
	if (config_read(c, path, is_system, e) == 0)
		return 1;
	if (e->kind == ERR_NOINPUT) {
		err_clear(e);
		return 0;
	}
	return -1;
}

/* The lookup order of outboxrc(5): the system file as the base, then the
 * first user file found (or exactly -C FILE). */
static int
load_config(struct run *r, struct err *e)
{
	const char *home = home_dir(), *xdg = getenv("XDG_CONFIG_HOME");
	char *xdgdir, *user[4];
	int found = 0, rc, i;

	r->cfg = config_new();
	rc = read_if_exists(r->cfg, SYSCONFDIR "/outboxrc", 1, e);
	if (rc == 0)
		rc = read_if_exists(r->cfg, "/etc/msmtprc", 1, e);
	if (rc < 0)
		return -1;
	if (r->opt.config_file != NULL) {
		if (config_read(r->cfg, r->opt.config_file, 0, e) < 0) {
			if (e->kind == ERR_NOINPUT)
				e->kind = ERR_CONFIG;
			return -1;
		}
		return 0;
	}
	xdgdir = xdg != NULL && *xdg == '/' ? xstrdup(xdg) :
	    xasprintf("%s/.config", home);
	user[0] = xasprintf("%s/outbox/config", xdgdir);
	user[1] = xasprintf("%s/.outboxrc", home);
	user[2] = xasprintf("%s/.msmtprc", home);
	user[3] = xasprintf("%s/msmtp/config", xdgdir);
	for (i = 0, rc = 0; i < 4 && rc == 0; i++)
		if ((rc = read_if_exists(r->cfg, user[i], 0, e)) > 0)
			found = 1;
	for (i = 0; i < 4; i++)
		free(user[i]);
	free(xdgdir);
	(void)found;
	return rc < 0 ? -1 : 0;
}

static int
has_override(const struct options *o, enum kw kw)
{
	size_t i;

	for (i = 0; i < o->nov; i++)
		if (o->ov[i].kw == kw)
			return 1;
	return 0;
}

/* -a, else the account whose from matches -f, else "default"; with no
 * account at all, --host on the command line works from the defaults. */
static int
pick_account(struct run *r, struct err *e)
{
	const struct account *a = NULL;
	size_t i;

	if (r->opt.account != NULL) {
		if ((a = config_account(r->cfg, r->opt.account)) == NULL)
			return err_set(e, ERR_CONFIG, "account %s not found",
			    r->opt.account);
	} else {
		if (r->opt.from != NULL)
			a = config_account_by_from(r->cfg, r->opt.from);
		if (a == NULL)
			a = config_account(r->cfg, "default");
		if (a == NULL && !has_override(&r->opt, KW_HOST) &&
		    !has_override(&r->opt, KW_SOCKET))
			return err_set(e, ERR_CONFIG, "no account chosen and no "
			    "default account (use -a, 'account default : NAME', "
			    "or --host)");
		if (a == NULL)
			a = config_defaults(r->cfg);
	}
	r->acct = account_dup(a);
	for (i = 0; i < r->opt.nov; i++)
		if (account_set(r->acct, r->opt.ov[i].kw, r->opt.ov[i].value,
		    r->opt.ov[i].where, e) < 0)
			return -1;
	return 0;
}

/* ------------------------------------------------------------ envelope */

static char *
mail_domain(void)
{
	char buf[256];
	FILE *f = fopen("/etc/mailname", "r");

	if (f != NULL) {
		if (fgets(buf, sizeof(buf), f) != NULL) {
			buf[strcspn(buf, "\r\n")] = '\0';
			if (buf[0] != '\0') {
				fclose(f);
				return xstrdup(buf);
			}
		}
		fclose(f);
	}
	net_hostname(buf, sizeof(buf));
	return xstrdup(buf);
}

/* msmtp's substitutions in `from`: %U user, %H host, %C canonical host,
 * %M mail domain, %% a percent sign. Caller frees. */
static char *
expand_from(const char *tmpl)
{
	char *out = xstrdup(""), *piece, *tmp, host[256];
	struct passwd *pw;
	const char *p;

	for (p = tmpl; *p != '\0'; p++) {
		if (*p != '%' || p[1] == '\0') {
			piece = xstrndup(p, 1);
		} else switch (*++p) {
		case 'U':
			pw = getpwuid(getuid());
			piece = xstrdup(pw != NULL ? pw->pw_name : "unknown");
			break;
		case 'H':
			if (gethostname(host, sizeof(host)) != 0)
				strcpy(host, "localhost");
			host[sizeof(host) - 1] = '\0';
			piece = xstrdup(host);
			break;
		case 'C':
			net_hostname(host, sizeof(host));
			piece = xstrdup(host);
			break;
		case 'M':
			piece = mail_domain();
			break;
		case '%':
			piece = xstrdup("%");
			break;
		default:
			piece = xasprintf("%%%c", *p);
			break;
		}
		tmp = xasprintf("%s%s", out, piece);
		free(out);
		free(piece);
		out = tmp;
	}
	return out;
}

/* A single address as given by the user (or the account) into *out. */
static int
parse_address(const char *s, const char *what, enum err_kind kind, char **out,
    struct err *e)
{
	char buf[ADDR_MAX + 1], why[200];

	if (strcmp(s, "") == 0 || strcmp(s, "<>") == 0) {
		*out = xstrdup("");
		return 0;
	}
	if (addr_parse_one(s, buf, sizeof(buf), why, sizeof(why)) < 0 ||
	    addr_check_path(buf, why, sizeof(why)) < 0)
		return err_set(e, kind, "invalid %s '%s': %s", what, s, why);
	*out = xstrdup(buf);
	return 0;
}

static int
envelope_from(struct run *r, struct err *e)
{
	const struct account *a = r->acct;
	char *tmpl = NULL;
	int rc;

	if (r->opt.from != NULL && (a->allow_from_override || a->from == NULL))
		return parse_address(r->opt.from, "sender", ERR_USAGE, &r->from, e);
	if (r->opt.read_envelope_from) {
		if (message_header_from(r->msg, &tmpl, e) < 0)
			return -1;
		if (tmpl != NULL) {
			rc = parse_address(tmpl, "sender", ERR_DATA, &r->from, e);
			free(tmpl);
			return rc;
		}
	}
	if (a->from == NULL)
		return err_set(e, ERR_CONFIG, "no envelope sender: set 'from' "
		    "in account %s or use -f", a->name != NULL ? a->name : "default");
	tmpl = expand_from(a->from);
	rc = parse_address(tmpl, "from address", ERR_CONFIG, &r->from, e);
	free(tmpl);
	return rc;
}

static void
add_rcpt(struct run *r, const char *addr)
{
	size_t i;

	for (i = 0; i < r->nrcpt; i++)
		if (strcmp(r->rcpt[i], addr) == 0)
			return;
	r->rcpt = xrealloc(r->rcpt, (r->nrcpt + 1) * sizeof(*r->rcpt));
	r->rcpt[r->nrcpt++] = xstrdup(addr);
}

/* Every argument is an address list ("a@x, Name <b@y>"). */
static int
argv_rcpts(struct run *r, struct err *e)
{
	struct addrlist l;
	char why[200];
	size_t i, j;

	for (i = 0; i < r->opt.nrcpt; i++) {
		const char *s = r->opt.rcpt[i];

		memset(&l, 0, sizeof(l));
		if (addrlist_parse(&l, s, strlen(s), why, sizeof(why)) < 0) {
			addrlist_free(&l);
			return err_set(e, ERR_USAGE, "invalid recipient '%s': %s",
			    s, why);
		}
		for (j = 0; j < l.n; j++) {
			if (addr_check_path(l.addr[j], why, sizeof(why)) < 0) {
				err_set(e, ERR_USAGE, "invalid recipient '%s': %s",
				    l.addr[j], why);
				addrlist_free(&l);
				return -1;
			}
			add_rcpt(r, l.addr[j]);
		}
		addrlist_free(&l);
	}
	return 0;
}

static int
header_rcpts(struct run *r, struct err *e)
{
	char **v = NULL, why[200];
	size_t n = 0, i;
	int rc = 0;

	if (message_header_rcpts(r->msg, &v, &n, e) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (rc == 0 && addr_check_path(v[i], why, sizeof(why)) < 0)
			rc = err_set(e, ERR_DATA, "invalid recipient '%s' in the "
			    "message header: %s", v[i], why);
		if (rc == 0)
			add_rcpt(r, v[i]);
		free(v[i]);
	}
	free(v);
	return rc;
}

static int
recipients(struct run *r, struct err *e)
{
	if (argv_rcpts(r, e) < 0)
		return -1;
	if (r->opt.read_rcpts && header_rcpts(r, e) < 0)
		return -1;
	if (r->nrcpt == 0)
		return err_set(e, ERR_USAGE, "no recipients%s",
		    r->opt.read_rcpts ? " (none on the command line, in To, "
		    "Cc or Bcc)" : " given (use -t to read them from the message)");
	if (r->nrcpt > RCPTS_MAX)
		return err_set(e, ERR_USAGE, "too many recipients (%zu; the "
		    "limit is %d)", r->nrcpt, RCPTS_MAX);
	return 0;
}

/* ------------------------------------------------------------ message */

/* "Full Name <addr>" for an added From header; caller frees. */
static char *
from_header(const struct run *r)
{
	const char *name = r->opt.full_name != NULL ? r->opt.full_name :
	    r->acct->from_full_name;
	char *q, *p, *out;
	const char *s;

	if (name == NULL || *name == '\0')
		return xasprintf("<%s>", r->from);
	/* a quoted-string: backslash before '"' and '\\' */
	q = p = xmalloc(strlen(name) * 2 + 1);
	for (s = name; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			*p++ = '\\';
		*p++ = *s;
	}
	*p = '\0';
	out = xasprintf("\"%s\" <%s>", q, r->from);
	free(q);
	return out;
}

static int
prepare_message(struct run *r, struct err *e)
{
	const struct account *a = r->acct;
	struct message_edits ed;
	char *fh = NULL, *dom, host[256];
	int rc;

	memset(&ed, 0, sizeof(ed));
	if (*r->from != '\0' && a->set_from_header != SET_OFF)
		ed.from_header = fh = from_header(r);
	ed.replace_from = a->set_from_header == SET_ON;
	ed.add_date = a->set_date_header != SET_OFF;
	dom = strrchr(r->from, '@');
	if (dom == NULL) {
		net_hostname(host, sizeof(host));
		dom = host;
	} else {
		dom++;
	}
	if (a->set_msgid_header != SET_OFF)
		ed.msgid_domain = dom;
	ed.remove_bcc = a->remove_bcc_headers;
	rc = message_prepare(r->msg, &ed, e);
	free(fh);
	return rc;
}

/* --dry-run: the envelope and the message exactly as they would go. */
static int
dry_run(struct run *r, struct err *e)
{
	char buf[SPOOL_CHUNK];
	ssize_t n;
	size_t i;

	printf("MAIL FROM:<%s>\n", r->from);
	for (i = 0; i < r->nrcpt; i++)
		printf("RCPT TO:<%s>\n", r->rcpt[i]);
	printf("DATA\n");
	fflush(stdout);
	message_rewind(r->msg);
	while ((n = message_reader(r->msg, buf, sizeof(buf), e)) > 0)
		if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
			return err_set(e, ERR_IO, "cannot write to stdout");
	fflush(stdout);
	return n < 0 ? -1 : 0;
}

/* ------------------------------------------------------------ session */

static long
timeout_ms(const struct account *a)
{
	return a->timeout > 0 ? a->timeout * 1000 : 0;
}

static int
start_tls(struct run *r, struct stream *s, struct tls **tls, struct err *e)
{
	const struct account *a = r->acct;
	struct tls_params p;

	memset(&p, 0, sizeof(p));
	p.host = a->tls_host_override != NULL ? a->tls_host_override : a->host;
	p.trust_file = a->tls_trust_file;
	p.crl_file = a->tls_crl_file;
	p.fingerprint = a->tls_fingerprint;
	p.pin = a->tls_pin;
	p.cert_file = a->tls_cert_file;
	p.key_file = a->tls_key_file;
	p.priorities = a->tls_priorities;
	p.min_version = a->tls_min_version;
	p.certcheck = a->tls_certcheck;
	p.timeout_ms = timeout_ms(a) > 0 ? timeout_ms(a) : TIMEOUT_OTHER * 1000L;
	if (!a->tls_certcheck)
		log_warn("tls_certcheck is off: the server's certificate is "
		    "not verified");
	*tls = tls_start(s, &p, NULL, e);
	return *tls != NULL ? 0 : -1;
}

static int
authenticate(struct run *r, struct smtp *sm, struct tls *tls, struct err *e)
{
	const struct account *a = r->acct;
	struct sasl_params p;
	char *password = NULL, used[64];
	int rc;

	if (secret_password(a, a->host, &password, e) < 0)
		return -1;
	memset(&p, 0, sizeof(p));
	p.mech = a->auth;
	p.user = a->user;
	p.password = password;
	p.host = a->host;
	p.tls = tls;
	rc = sasl_auth(sm, smtp_caps(sm), &p, used, sizeof(used), e);
	free_secret(password);
	if (rc == 0)
		log_debug(r->log, "-- authenticated with %s", used);
	return rc;
}

/* Connect, greet, secure, authenticate: a ready session in *smp. */
static int
open_session(struct run *r, struct stream **sp, struct smtp **smp, struct err *e)
{
	const struct account *a = r->acct;
	struct net_target t = { 0 };
	struct smtp_config sc = { 0 };
	struct tls *tls = NULL;
	char peer[128], host[256];
	int fd, tls_on = account_tls(a);

	t.host = a->host;
	t.port = account_port(a);
	t.socket = a->socket;
	t.source_ip = a->source_ip;
	t.proxy_host = a->proxy_host;
	t.proxy_port = a->proxy_port > 0 ? a->proxy_port : 1080;
	t.timeout_ms = timeout_ms(a) > 0 ? timeout_ms(a) : TIMEOUT_CONNECT * 1000L;
	t.deadline_ms = r->deadline;
	if ((fd = net_connect(&t, peer, sizeof(peer), e)) < 0)
		return -1;
	log_debug(r->log, "-- connected to %s", peer);
	*sp = stream_new(fd);
	stream_set_overall(*sp, r->deadline);
	if (tls_on && !a->tls_starttls && start_tls(r, *sp, &tls, e) < 0)
		return -1;
	if (a->domain == NULL)
		net_hostname(host, sizeof(host));
	sc.helo = a->domain != NULL ? a->domain : host;
	sc.lmtp = a->protocol == PROTO_LMTP;
	sc.timeout_ms = timeout_ms(a);
	sc.trace = log_trace;
	sc.trace_ctx = r->log;
	*smp = smtp_new(*sp, &sc);
	if (smtp_open(*smp, e) < 0)
		return -1;
	if (tls_on && a->tls_starttls) {
		if (smtp_starttls(*smp, e) < 0 || start_tls(r, *sp, &tls, e) < 0 ||
		    smtp_reopen(*smp, e) < 0)
			return -1;
	}
	if (a->auth != NULL && authenticate(r, *smp, tls, e) < 0)
		return -1;
	return 0;
}

static int
deliver(struct run *r, struct err *e)
{
	struct stream *s = NULL;
	struct smtp *sm = NULL;
	struct smtp_result res;
	struct envelope env;
	int rc = -1;

	if (open_session(r, &s, &sm, e) < 0)
		goto out;
	memset(&env, 0, sizeof(env));
	env.from = r->from;
	env.rcpt = (const char *const *)r->rcpt;
	env.nrcpt = r->nrcpt;
	env.size = message_wire_size(r->msg);
	env.quit_after = 1;
	message_rewind(r->msg);
	memset(&res, 0, sizeof(res));
	if (smtp_send(sm, &env, message_reader, r->msg, &res, e) < 0)
		goto out;
	log_debug(r->log, "-- accepted: %s", res.final);
	if (res.long_lines > 0)
		log_debug(r->log, "-- %lu lines longer than %d octets sent "
		    "unchanged", res.long_lines, LINE_SOFT_MAX);
	rc = 0;
out:
	if (sm != NULL)
		smtp_quit(sm);
	smtp_free(sm);
	stream_free(s);
	return rc;
}

/* ------------------------------------------------------------ modes */

static int
pretend(struct run *r, struct err *e)
{
	if (load_config(r, e) < 0 || pick_account(r, e) < 0)
		return -1;
	account_print(r->acct);
	return 0;
}

static int
serverinfo(struct run *r, struct err *e)
{
	struct stream *s = NULL;
	struct smtp *sm = NULL;
	const struct caps *c;
	int rc = -1;

	if (load_config(r, e) < 0 || pick_account(r, e) < 0 ||
	    account_check(r->acct, e) < 0)
		return -1;
	if (open_session(r, &s, &sm, e) < 0)
		goto out;
	c = smtp_caps(sm);
	printf("greeting: %s\n", smtp_greeting(sm));
	printf("capabilities:%s%s%s%s%s%s%s%s%s\n",
	    c->flags & CAP_PIPELINING ? " PIPELINING" : "",
	    c->flags & CAP_SIZE ? " SIZE" : "",
	    c->flags & CAP_8BITMIME ? " 8BITMIME" : "",
	    c->flags & CAP_SMTPUTF8 ? " SMTPUTF8" : "",
	    c->flags & CAP_CHUNKING ? " CHUNKING" : "",
	    c->flags & CAP_BINARYMIME ? " BINARYMIME" : "",
	    c->flags & CAP_DSN ? " DSN" : "",
	    c->flags & CAP_ENHANCEDSTATUSCODES ? " ENHANCEDSTATUSCODES" : "",
	    c->flags & CAP_STARTTLS ? " STARTTLS" : "");
	if (c->flags & CAP_SIZE)
		printf("maximum message size: %llu\n", c->size_max);
	if (c->flags & CAP_AUTH)
		printf("authentication: %s\n", c->auth);
	rc = 0;
out:
	if (sm != NULL)
		smtp_quit(sm);
	smtp_free(sm);
	stream_free(s);
	return rc;
}

/* Read the message, then everything that needs the configuration. */
static int
send_mode(struct run *r, struct err *e)
{
	const struct message_facts *f;

	if (message_read(&r->msg, STDIN_FILENO, r->opt.dot_ends, NULL, e) < 0)
		return -1;
	f = message_facts(r->msg);
	if (f->data_after_dot)
		log_warn("input continued after a line holding only \".\"; "
		    "that line ended the message (use -i to send it all)");
	if (load_config(r, e) < 0 || pick_account(r, e) < 0 ||
	    account_check(r->acct, e) < 0)
		return -1;
	if (r->acct->undisclosed_recipients)
		return err_set(e, ERR_CONFIG,
		    "'undisclosed_recipients' is not supported yet");
	if (r->opt.envid != NULL || r->acct->dsn_notify != NULL ||
	    r->acct->dsn_return != NULL)
		log_warn("delivery status notifications (-N, -R, -V, dsn_notify, "
		    "dsn_return) are not supported yet: sending without them");
	r->deadline = now_ms() + r->acct->deadline * 1000LL;
	if (envelope_from(r, e) < 0 || recipients(r, e) < 0 ||
	    prepare_message(r, e) < 0)
		return -1;
	if (r->opt.dry_run)
		return dry_run(r, e);
	return deliver(r, e);
}

/* The dead_letter setting when the run failed before an account was
 * chosen (an unreadable message, a broken configuration): the command
 * line's, else the account's or the default account's, as far as the
 * configuration could be read. Borrowed; NULL for the built-in default. */
static const char *
dead_letter_setting(struct run *r)
{
	const struct account *a = NULL;
	struct err ignored;
	size_t i;

	if (r->acct != NULL)
		return r->acct->dead_letter;
	for (i = r->opt.nov; i > 0; i--)
		if (r->opt.ov[i - 1].kw == KW_DEAD_LETTER)
			return r->opt.ov[i - 1].value;
	if (r->cfg == NULL)
		load_config(r, &ignored);
	if (r->opt.account != NULL)
		a = config_account(r->cfg, r->opt.account);
	if (a == NULL)
		a = config_account(r->cfg, "default");
	if (a == NULL)
		a = config_defaults(r->cfg);
	return a->dead_letter;
}

/* CONTRACT 2: a message that was read is never lost. */
static void
keep_message(struct run *r)
{
	struct err e2;
	char *path;

	path = deadletter_path(dead_letter_setting(r));
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
		printf("outbox %s\n", PACKAGE_VERSION);
		break;
	case MODE_HELP:
		options_usage();
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
		rc = serverinfo(&r, &e);
		break;
	case MODE_SEND:
		rc = send_mode(&r, &e);
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
