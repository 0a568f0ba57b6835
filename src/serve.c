/*
 * serve.c - -bs: SMTP on stdin/stdout as a submission server, each
 * accepted message relayed through the account (Laravel's and Symfony's
 * default transport runs "sendmail -bs").
 *
 * The local user is trusted as sendmail trusts it: no AUTH.  Commands
 * come through one input buffer, so that pipelined commands wait their
 * turn, and replies are flushed only before blocking on input (RFC
 * 2920).  A command line is at most CMD_LINE_MAX octets; a bare LF ends
 * a line as CRLF does.  DATA is unstuffed here and spooled by
 * message_read_src(); the message is relayed with run_deliver() before
 * the reply to the final dot, which carries the outcome: 250 with the
 * smarthost's reply, 4xx when a retry may succeed, 5xx when none will.
 * The client holds the message until that reply, so nothing goes to the
 * dead letter: this file returns with r->msg NULL (main.c would save it).
 */
#include "autoconfig.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "config.h"
#include "limits.h"
#include "log.h"
#include "message.h"
#include "net.h"
#include "run.h"
#include "util.h"

/* Where the DATA decoder is on its line. */
enum dstate { D_BOL, D_MID, D_DOT, D_DOTCR, D_END };

/* What next_line() found. */
enum line { LINE_OK, LINE_LONG, LINE_END };

struct serve {
	struct run	*r;
	int		 fd;		/* the client's commands: stdin */
	char		 buf[STREAM_RBUF_SIZE];
	size_t		 off, len;	/* unread input: buf[off..len) */
	int		 eof;		/* the input ended */
	int		 rerr;		/* errno of a failed read, or ETIMEDOUT */
	int		 werr;		/* a reply could not be written */
	enum dstate	 ds;
	int		 greeted;	/* HELO or EHLO seen */
	int		 esmtp;		/* EHLO: enhanced status codes in replies */
	int		 mail;		/* MAIL accepted: a transaction is open */
	int		 quit;
	char		*sender;	/* MAIL FROM's address, "" for <> */
	char		 name[256];	/* ours, in the greeting and EHLO */
};

/* ------------------------------------------------------------ replies */

static void put(struct serve *, const char *, ...)
    __attribute__((format(printf, 2, 3)));
static void say(struct serve *, int, const char *, const char *, ...)
    __attribute__((format(printf, 4, 5)));

/* One reply line: control characters in the text (quoted server or
 * error text) become spaces, so that a reply is always one line. */
static void
put(struct serve *sv, const char *fmt, ...)
{
	char text[CMD_LINE_MAX - 2];
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	for (i = 0; text[i] != '\0'; i++)
		if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
			text[i] = ' ';
	if (printf("%s\r\n", text) < 0)
		sv->werr = 1;
	log_debug(sv->r->log, "bs -> %s", text);
}

/* A reply with the enhanced status code when the client said EHLO. */
static void
say(struct serve *sv, int code, const char *enh, const char *fmt, ...)
{
	char text[CMD_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (sv->esmtp && enh != NULL)
		put(sv, "%d %s %s", code, enh, text);
	else
		put(sv, "%d %s", code, text);
}

static void
flush_out(struct serve *sv)
{
	if (fflush(stdout) == EOF)
		sv->werr = 1;
}

/* -------------------------------------------------------------- input */

/* More input into buf, the replies flushed first (the client may be
 * waiting for them).  1: got some; 0: the input ended, failed or timed
 * out (sv->eof, sv->rerr). */
static int
fill(struct serve *sv)
{
	struct pollfd p;
	ssize_t n;
	int pr;

	flush_out(sv);
	if (sv->off > 0) {
		memmove(sv->buf, sv->buf + sv->off, sv->len - sv->off);
		sv->len -= sv->off;
		sv->off = 0;
	}
	for (;;) {
		p.fd = sv->fd;
		p.events = POLLIN;
		p.revents = 0;
		pr = poll(&p, 1, TIMEOUT_SERVE * 1000);
		if (pr == -1 && errno == EINTR)
			continue;
		if (pr <= 0) {
			sv->rerr = pr == 0 ? ETIMEDOUT : errno;
			return 0;
		}
		n = read(sv->fd, sv->buf + sv->len, sizeof(sv->buf) - sv->len);
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			if (n == 0)
				sv->eof = 1;
			else
				sv->rerr = errno;
			return 0;
		}
		sv->len += (size_t)n;
		return 1;
	}
}

/* The next command line into line (capacity CMD_LINE_MAX) without its
 * CRLF or LF.  A longer line is skipped whole: LINE_LONG.  An unfinished
 * line at the end of the input is dropped. */
static enum line
next_line(struct serve *sv, char *line)
{
	const char *nl;
	size_t n, len;
	int skipping = 0;

	for (;;) {
		nl = memchr(sv->buf + sv->off, '\n', sv->len - sv->off);
		if (nl != NULL) {
			n = (size_t)(nl - (sv->buf + sv->off));
			len = n > 0 && nl[-1] == '\r' ? n - 1 : n;
			skipping |= len + 2 > CMD_LINE_MAX;
			if (!skipping) {
				memcpy(line, sv->buf + sv->off, len);
				line[len] = '\0';
			}
			sv->off += n + 1;
			return skipping ? LINE_LONG : LINE_OK;
		}
		/* never more than one line's worth held: the buffer
		 * cannot fill up with a line that is too long anyway */
		if (sv->len - sv->off > CMD_LINE_MAX) {
			skipping = 1;
			sv->off = sv->len;
		}
		if (!fill(sv))
			return LINE_END;
	}
}

/* A message_src_fn: the lines of DATA with the dot-stuffing undone, up
 * to (not including) the line holding only "." (CRLF or bare LF); then
 * 0.  -1 (errno set) when the input ends or fails before it. */
static ssize_t
data_src(void *ctx, void *out, size_t n)
{
	struct serve *sv = ctx;
	char *o = out;
	const char *p, *nl;
	size_t k = 0, take;

	while (k < n && sv->ds != D_END) {
		if (sv->off == sv->len) {
			if (k > 0)
				break;
			if (!fill(sv)) {
				errno = sv->rerr != 0 ? sv->rerr : EPIPE;
				return -1;
			}
		}
		p = sv->buf + sv->off;
		switch (sv->ds) {
		case D_MID:
			take = sv->len - sv->off;
			if ((nl = memchr(p, '\n', take)) != NULL)
				take = (size_t)(nl - p) + 1;
			if (take > n - k) {
				take = n - k;
				nl = NULL;
			}
			memcpy(o + k, p, take);
			k += take;
			sv->off += take;
			if (nl != NULL)
				sv->ds = D_BOL;
			break;
		case D_BOL:
			sv->ds = *p == '.' ? D_DOT : D_MID;
			sv->off += *p == '.';
			break;
		case D_DOT:
			/* RFC 5321 4.5.2: a leading dot on any other line
			 * was added by the client; it is dropped */
			sv->ds = *p == '\r' ? D_DOTCR : *p == '\n' ? D_END : D_MID;
			sv->off += *p == '\r' || *p == '\n';
			break;
		case D_DOTCR:
			if (*p == '\n') {
				sv->ds = D_END;
				sv->off++;
			} else {
				o[k++] = '\r';
				sv->ds = D_MID;
			}
			break;
		case D_END:
			break;
		}
	}
	return (ssize_t)k;
}

/* Read what is left of DATA and throw it away, so that none of it is
 * taken for a command. 0 at the final dot, -1 when the input ended. */
static int
drain_data(struct serve *sv)
{
	char scratch[4096];
	ssize_t n;

	while ((n = data_src(sv, scratch, sizeof(scratch))) > 0)
		;
	return n == 0 ? 0 : -1;
}

/* ------------------------------------------------------ transactions */

static void
reset(struct serve *sv)
{
	struct run *r = sv->r;
	size_t i;

	for (i = 0; i < r->nrcpt; i++)
		free(r->rcpt[i]);
	free(r->rcpt);
	r->rcpt = NULL;
	r->nrcpt = 0;
	free(r->from);
	r->from = NULL;
	message_free(r->msg);
	r->msg = NULL;
	free(sv->sender);
	sv->sender = NULL;
	sv->mail = 0;
}

static int
same_name(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* The account for this message, as send mode picks it with MAIL FROM's
 * address in the place of -f: -a's, else the one whose from matches,
 * else the default.  A password is kept while the account stays. */
static int
pick_account(struct serve *sv, struct err *e)
{
	struct run *r = sv->r;
	char *old = r->acct != NULL && r->acct->name != NULL ?
	    xstrdup(r->acct->name) : NULL;
	int rc;

	account_free(r->acct);
	r->acct = NULL;
	rc = run_pick_account(r, e);
	if (rc == 0)
		rc = account_check(r->acct, e);
	if (rc < 0 || !same_name(old, r->acct->name)) {
		free_secret(r->password);
		r->password = NULL;
	}
	free(old);
	return rc;
}

/* The reply for a message that was not relayed: 5xx only when the
 * smarthost (or the message itself) says it can never go; whatever
 * may be fixed (configuration, credentials, the network) is 4xx. */
static void
say_failure(struct serve *sv, const struct err *e)
{
	static const struct {
		enum err_kind	kind;
		int		code;
		const char	*enh;
	} map[] = {
		{ ERR_NOUSER,		550, "5.1.1" },
		{ ERR_DATA,		554, "5.6.0" },
		{ ERR_UNAVAILABLE,	554, "5.0.0" },
		{ ERR_TEMP,		451, "4.4.0" },
		{ ERR_PROTOCOL,		451, "4.4.0" },
		{ ERR_NOHOST,		451, "4.4.0" },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].kind == e->kind)
			break;
	if (i == sizeof(map) / sizeof(map[0]))
		say(sv, 451, "4.3.0", "not relayed: %s", e->msg);
	else
		say(sv, map[i].code, map[i].enh, "not relayed: %s", e->msg);
}

/* Relay the spooled message (r->msg) for the envelope, and answer. */
static void
relay(struct serve *sv)
{
	struct run *r = sv->r;
	const char *saved = r->opt.from;
	struct err e;
	int rc;

	err_clear(&e);
	r->opt.from = sv->sender;
	r->final[0] = '\0';
	memset(&r->res, 0, sizeof(r->res));
	rc = pick_account(sv, &e);
	if (rc == 0) {
		r->start_ms = now_ms();
		r->deadline = r->start_ms + r->acct->deadline * 1000LL;
		rc = run_envelope_from(r, &e);
	}
	if (rc == 0)
		rc = run_prepare_message(r, &e);
	if (rc == 0) {
		rc = run_deliver(r, &e);
		run_log(r, rc, &e);
	}
	r->opt.from = saved;
	if (rc == 0) {
		say(sv, 250, "2.0.0", "Ok: relayed: %s", r->final);
		return;
	}
	log_debug(r->log, "-- not relayed: %s", e.msg);
	say_failure(sv, &e);
}

/* ------------------------------------------------------------ commands */

static int
because(char *why, size_t whylen, const char *reason)
{
	snprintf(why, whylen, "%s", reason);
	return -1;
}

/* "FROM:<path> params" (kw "FROM:") into addr (capacity ADDR_MAX + 1);
 * *params is what follows the path.  Tolerated: spaces after the colon,
 * a path without <>, a source route (RFC 5321 4.1.1.3: ignored). */
static int
parse_path(const char *arg, const char *kw, char *addr, const char **params,
    char *why, size_t whylen)
{
	size_t kl = strlen(kw), n;
	const char *p, *end, *colon;
	int quoted = 0;

	if (ascii_ncasecmp(arg, kw, kl) != 0)
		return because(why, whylen, "the command must be followed by "
		    "FROM: or TO:");
	for (p = arg + kl; *p == ' '; p++)
		;
	if (*p == '<') {
		for (end = ++p; *end != '\0' && (quoted || *end != '>'); end++)
			if (*end == '\\' && quoted && end[1] != '\0')
				end++;
			else if (*end == '"')
				quoted = !quoted;
		if (*end != '>')
			return because(why, whylen, "no closing '>'");
		*params = end + 1;
	} else {
		end = p + strcspn(p, " ");
		if (end == p)
			return because(why, whylen, "no address");
		*params = end;
	}
	if (*p == '@') {
		if ((colon = memchr(p, ':', (size_t)(end - p))) == NULL)
			return because(why, whylen, "bad source route");
		p = colon + 1;
	}
	if ((n = (size_t)(end - p)) > ADDR_MAX)
		return because(why, whylen, "longer than 256 octets");
	memcpy(addr, p, n);
	addr[n] = '\0';
	if (**params != '\0' && **params != ' ')
		return because(why, whylen, "junk after the address");
	while (**params == ' ')
		(*params)++;
	return 0;
}

/* MAIL's parameters: BODY=7BIT|8BITMIME and SIZE=n are understood (the
 * relay declares its own from the message); anything else is refused. */
static int
mail_params(const char *p, char *why, size_t whylen)
{
	size_t n;

	for (; *p != '\0'; p += n, p += strspn(p, " ")) {
		n = strcspn(p, " ");
		if ((n == 9 && ascii_ncasecmp(p, "BODY=7BIT", 9) == 0) ||
		    (n == 13 && ascii_ncasecmp(p, "BODY=8BITMIME", 13) == 0))
			continue;
		if (n > 5 && n < 25 && ascii_ncasecmp(p, "SIZE=", 5) == 0 &&
		    strspn(p + 5, "0123456789") == n - 5)
			continue;
		snprintf(why, whylen, "parameter %.*s is not supported",
		    (int)(n > 64 ? 64 : n), p);
		return -1;
	}
	return 0;
}

static int
cmd_helo(struct serve *sv, const char *arg, int esmtp)
{
	if (*arg == '\0') {
		say(sv, 501, "5.5.4", "%s needs a domain", esmtp ? "EHLO" : "HELO");
		return 0;
	}
	reset(sv);
	sv->greeted = 1;
	sv->esmtp = esmtp;
	if (!esmtp) {
		put(sv, "250 %s", sv->name);
		return 0;
	}
	put(sv, "250-%s", sv->name);
	put(sv, "250-PIPELINING");
	put(sv, "250-8BITMIME");
	put(sv, "250 ENHANCEDSTATUSCODES");
	return 0;
}

static int
cmd_ehlo(struct serve *sv, const char *arg, struct err *e)
{
	(void)e;
	return cmd_helo(sv, arg, 1);
}

static int
cmd_helo_plain(struct serve *sv, const char *arg, struct err *e)
{
	(void)e;
	return cmd_helo(sv, arg, 0);
}

static int
cmd_mail(struct serve *sv, const char *arg, struct err *e)
{
	char addr[ADDR_MAX + 1], why[200];
	const char *params;

	(void)e;
	if (!sv->greeted)
		say(sv, 503, "5.5.1", "send HELO or EHLO first");
	else if (sv->mail)
		say(sv, 503, "5.5.1", "nested MAIL command");
	else if (parse_path(arg, "FROM:", addr, &params, why, sizeof(why)) < 0)
		say(sv, 501, "5.5.4", "syntax: MAIL FROM:<address> (%s)", why);
	else if (*addr != '\0' && addr_check_path(addr, why, sizeof(why)) < 0)
		say(sv, 553, "5.1.7", "invalid sender: %s", why);
	else if (mail_params(params, why, sizeof(why)) < 0)
		say(sv, 555, "5.5.4", "%s", why);
	else {
		sv->sender = xstrdup(addr);
		sv->mail = 1;
		say(sv, 250, "2.1.0", "Ok");
	}
	return 0;
}

static int
add_rcpt(struct serve *sv, const char *addr)
{
	struct run *r = sv->r;
	size_t i;

	for (i = 0; i < r->nrcpt; i++)
		if (strcmp(r->rcpt[i], addr) == 0)
			return 0;
	if (r->nrcpt >= RCPTS_MAX)
		return -1;
	r->rcpt = xrealloc(r->rcpt, (r->nrcpt + 1) * sizeof(*r->rcpt));
	r->rcpt[r->nrcpt++] = xstrdup(addr);
	return 0;
}

static int
cmd_rcpt(struct serve *sv, const char *arg, struct err *e)
{
	char addr[ADDR_MAX + 1], why[200];
	const char *params;

	(void)e;
	if (!sv->mail)
		say(sv, 503, "5.5.1", "need MAIL before RCPT");
	else if (parse_path(arg, "TO:", addr, &params, why, sizeof(why)) < 0)
		say(sv, 501, "5.5.4", "syntax: RCPT TO:<address> (%s)", why);
	else if (*addr == '\0')
		say(sv, 501, "5.1.3", "the recipient is empty");
	else if (addr_check_path(addr, why, sizeof(why)) < 0)
		say(sv, 553, "5.1.3", "invalid recipient: %s", why);
	else if (*params != '\0')
		say(sv, 555, "5.5.4", "RCPT parameters are not supported");
	else if (add_rcpt(sv, addr) < 0)
		say(sv, 452, "4.5.3", "too many recipients (the limit is %d)",
		    RCPTS_MAX);
	else
		say(sv, 250, "2.1.5", "Ok");
	return 0;
}

/* The input ended or failed: fine between transactions, an error inside
 * one (nothing was relayed). */
static int
input_ended(struct serve *sv, struct err *e)
{
	if (sv->rerr == ETIMEDOUT) {
		put(sv, "421 4.4.2 %s no input for %d seconds: closing",
		    sv->name, TIMEOUT_SERVE);
		flush_out(sv);
		return err_set(e, ERR_TEMP, "-bs: no input for %d seconds",
		    TIMEOUT_SERVE);
	}
	if (sv->rerr != 0)
		return err_set(e, ERR_IO, "-bs: cannot read standard input: %s",
		    strerror(sv->rerr));
	if (sv->mail)
		return err_set(e, ERR_IO, "-bs: the input ended in the middle "
		    "of a transaction (nothing was sent)");
	return 0;
}

static int
cmd_data(struct serve *sv, const char *arg, struct err *e)
{
	struct run *r = sv->r;
	struct err me;
	int rc;

	if (*arg != '\0') {
		say(sv, 501, "5.5.4", "DATA takes no argument");
		return 0;
	}
	if (!sv->mail || r->nrcpt == 0) {
		say(sv, 503, "5.5.1", "need %s before DATA", sv->mail ?
		    "RCPT" : "MAIL");
		return 0;
	}
	say(sv, 354, NULL, "End data with <CR><LF>.<CR><LF>");
	sv->ds = D_BOL;
	err_clear(&me);
	rc = message_read_src(&r->msg, data_src, sv, 0, NULL, &me);
	if (drain_data(sv) < 0) {
		/* sv->mail is set: this is an error */
		rc = input_ended(sv, e);
		reset(sv);
		return rc;
	}
	if (rc < 0)
		say_failure(sv, &me);
	else
		relay(sv);
	reset(sv);
	return 0;
}

static int
cmd_rset(struct serve *sv, const char *arg, struct err *e)
{
	(void)arg;
	(void)e;
	reset(sv);
	say(sv, 250, "2.0.0", "Ok");
	return 0;
}

static int
cmd_noop(struct serve *sv, const char *arg, struct err *e)
{
	(void)arg;
	(void)e;
	say(sv, 250, "2.0.0", "Ok");
	return 0;
}

static int
cmd_quit(struct serve *sv, const char *arg, struct err *e)
{
	(void)arg;
	(void)e;
	put(sv, sv->esmtp ? "221 2.0.0 %s closing" : "221 %s closing", sv->name);
	sv->quit = 1;
	return 0;
}

static int
cmd_help(struct serve *sv, const char *arg, struct err *e)
{
	(void)arg;
	(void)e;
	say(sv, 214, "2.0.0", "outbox relays mail through its account; "
	    "commands: HELO EHLO MAIL RCPT DATA RSET NOOP VRFY HELP QUIT");
	return 0;
}

static int
cmd_vrfy(struct serve *sv, const char *arg, struct err *e)
{
	(void)e;
	if (*arg == '\0')
		say(sv, 501, "5.5.4", "VRFY needs an argument");
	else
		say(sv, 252, "2.5.2", "cannot VRFY, but will try to relay "
		    "the message");
	return 0;
}

static int
cmd_unimplemented(struct serve *sv, const char *arg, struct err *e)
{
	(void)arg;
	(void)e;
	say(sv, 502, "5.5.1", "command not implemented");
	return 0;
}

static const struct {
	const char	*verb;
	int		(*fn)(struct serve *, const char *, struct err *);
} commands[] = {
	{ "EHLO", cmd_ehlo },		{ "HELO", cmd_helo_plain },
	{ "MAIL", cmd_mail },		{ "RCPT", cmd_rcpt },
	{ "DATA", cmd_data },		{ "RSET", cmd_rset },
	{ "NOOP", cmd_noop },		{ "QUIT", cmd_quit },
	{ "HELP", cmd_help },		{ "VRFY", cmd_vrfy },
	/* known to SMTP, not offered here */
	{ "EXPN", cmd_unimplemented },	{ "BDAT", cmd_unimplemented },
	{ "AUTH", cmd_unimplemented },	{ "STARTTLS", cmd_unimplemented },
	{ "ETRN", cmd_unimplemented },	{ "TURN", cmd_unimplemented },
};

/* One command line; -1 only when the session must end with an error. */
static int
command(struct serve *sv, char *line, struct err *e)
{
	size_t vl, i, n;
	char *arg;

	if (has_ctl(line, strlen(line))) {
		say(sv, 500, "5.5.2", "control character in the command");
		return 0;
	}
	log_debug(sv->r->log, "bs <- %s", line);
	vl = strcspn(line, " ");
	for (arg = line + vl; *arg == ' '; arg++)
		;
	for (n = strlen(arg); n > 0 && arg[n - 1] == ' '; n--)
		arg[n - 1] = '\0';
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strlen(commands[i].verb) == vl &&
		    ascii_ncasecmp(line, commands[i].verb, vl) == 0)
			return commands[i].fn(sv, arg, e);
	say(sv, 500, "5.5.2", "command unrecognized");
	return 0;
}

/* The configuration and the account, before the greeting: a session
 * that cannot relay anything says so at once (421). */
static int
serve_start(struct serve *sv, struct err *e)
{
	struct run *r = sv->r;

	if (run_load_config(r, e) < 0 || run_pick_account(r, e) < 0 ||
	    account_check(r->acct, e) < 0) {
		put(sv, "421 outbox cannot relay: %s", e->msg);
		flush_out(sv);
		return -1;
	}
	if (r->acct->domain != NULL)
		snprintf(sv->name, sizeof(sv->name), "%s", r->acct->domain);
	else
		net_hostname(sv->name, sizeof(sv->name));
	put(sv, "220 %s ESMTP outbox", sv->name);
	return 0;
}

int
run_serve(struct run *r, struct err *e)
{
	struct serve *sv;
	char line[CMD_LINE_MAX];
	int rc;

	sv = xcalloc(1, sizeof(*sv));
	sv->r = r;
	sv->fd = STDIN_FILENO;
	setvbuf(stdout, NULL, _IOFBF, BUFSIZ);
	rc = serve_start(sv, e);
	while (rc == 0 && !sv->quit) {
		if (sv->werr) {
			/* nobody hears the replies: as if the input ended */
			rc = input_ended(sv, e);
			break;
		}
		switch (next_line(sv, line)) {
		case LINE_END:
			rc = input_ended(sv, e);
			sv->quit = 1;
			break;
		case LINE_LONG:
			say(sv, 500, "5.5.2", "line too long (the limit is %d "
			    "octets)", CMD_LINE_MAX);
			break;
		case LINE_OK:
			rc = command(sv, line, e);
			break;
		}
	}
	flush_out(sv);
	reset(sv);
	free(sv);
	return rc;
}
