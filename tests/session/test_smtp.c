/*
 * test_smtp.c - the session engine against a scripted server.
 *
 * Each case runs smtp_open / smtp_send / smtp_quit (or STARTTLS, AUTH)
 * over script.c's transport and checks the exit status the error maps
 * to, the message, that the client sent exactly the scripted bytes (and
 * nothing more), the number of write flights, and the engine's state.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "limits.h"
#include "mailparam.h"
#include "reply.h"
#include "smtp.h"
#include "status.h"
#include "stream.h"
#include "util.h"
#include "script.h"
#include "../tap.h"

/* ------------------------------------------------------------ fixtures */

#define HELO		"client.example"
#define GREET		"S: 220 mx.example ESMTP\n"
#define EHLO_C		"C: EHLO " HELO "\n"
#define EHLO_PIPE	EHLO_C "S: 250-mx.example\nS: 250-PIPELINING\n" \
			"S: 250-SIZE 1000000\nS: 250 8BITMIME\n"
#define EHLO_PLAIN	EHLO_C "S: 250-mx.example\nS: 250 8BITMIME\n"
#define EHLO_TLS	EHLO_C "S: 250-mx.example\nS: 250 STARTTLS\n"
#define MAIL_A		"C: MAIL FROM:<a@example.org>\n"
#define RCPT_B		"C: RCPT TO:<b@example.org>\n"
#define RCPT_C		"C: RCPT TO:<c@example.org>\n"
#define RCPT_D		"C: RCPT TO:<d@example.org>\n"
#define DATA_C		"C: DATA\n"
#define OK		"S: 250 2.1.0 ok\n"
#define GO		"S: 354 go ahead\n"
/* The default body "Subject: hi\n\nhello\n" as it must be sent. */
#define BODY_ENC	"C: Subject: hi\nC:\nC: hello\nC: .\n"
#define QUEUED		"S: 250 2.0.0 Ok: queued as ABC\n"
#define QUIT		"C: QUIT\nS: 221 2.0.0 bye\n"

#define DEF_BODY	"Subject: hi\n\nhello\n"
#define DEF_RCPTS	"b@example.org,c@example.org"

enum {
	F_NOPIPE = 0x01,	/* cfg.no_pipelining */
	F_LMTP = 0x02,		/* cfg.lmtp */
	F_QUITAFTER = 0x04,	/* env.quit_after */
	F_STARTTLS = 0x08,	/* smtp_starttls after smtp_open */
	F_NOSEND = 0x10,	/* no smtp_send */
};

struct tbuf {
	char	buf[65536];
	size_t	len;
};

static void
tbuf_trace(void *ctx, const char *dir, const char *line, size_t len)
{
	struct tbuf *t = ctx;
	int n;

	n = snprintf(t->buf + t->len, sizeof(t->buf) - t->len, "%s %.*s\n",
	    dir, (int)len, line);
	if (n > 0 && (size_t)n < sizeof(t->buf) - t->len)
		t->len += (size_t)n;
}

struct body {
	const char	*p;
	size_t		 len, off;
	size_t		 chunk;		/* bytes per read, 0: as asked */
	int		 fail;		/* fail after the first read */
};

static ssize_t
body_read(void *ctx, void *buf, size_t n, struct err *e)
{
	struct body *b = ctx;

	if (b->fail && b->off > 0)
		return err_set(e, ERR_IO, "spool read failed");
	if (b->chunk > 0 && n > b->chunk)
		n = b->chunk;
	if (n > b->len - b->off)
		n = b->len - b->off;
	memcpy(buf, b->p + b->off, n);
	b->off += n;
	return (ssize_t)n;
}

/* Split a comma-separated list into argv-style pointers into copy. */
static size_t
split(char *copy, const char **v, size_t max)
{
	size_t n = 0;
	char *p;

	for (p = strtok(copy, ","); p != NULL && n < max; p = strtok(NULL, ","))
		v[n++] = p;
	return n;
}

/* ------------------------------------------------------------ one session */

struct run {
	struct script	*sc;
	struct stream	*s;
	struct smtp	*sm;
	struct smtp_config cfg;
	struct tbuf	 t;
	struct err	 e;
	struct smtp_result res;
	char		 state[32];	/* after the operations, before QUIT */
	int		 rc;
	long long	 ms;		/* elapsed */
};

struct sess_case {
	const char	*name;
	unsigned	 flags;
	const char	*from;		/* NULL: a@example.org */
	const char	*rcpts;		/* comma-separated; NULL: DEF_RCPTS */
	const char	*body;		/* NULL: DEF_BODY */
	unsigned long long size;
	const char	*script;
	int		 want_exit;
	const char	*want_msg;	/* substring of the error, or NULL */
	int		 want_flights;	/* -1: not checked */
	const char	*want_state;	/* NULL: not checked */
};

static void
run_start(struct run *r, const char *script, unsigned flags, long timeout)
{
	memset(r, 0, sizeof(*r));
	r->sc = script_new(script);
	r->s = script_stream(r->sc);
	r->cfg.helo = HELO;
	r->cfg.lmtp = (flags & F_LMTP) != 0;
	r->cfg.no_pipelining = (flags & F_NOPIPE) != 0;
	r->cfg.timeout_ms = timeout;
	r->cfg.trace = tbuf_trace;
	r->cfg.trace_ctx = &r->t;
	r->sm = smtp_new(r->s, &r->cfg);
	err_clear(&r->e);
}

static void
run_end(struct run *r)
{
	smtp_free(r->sm);
	stream_free(r->s);
	script_free(r->sc);
}

static void
run_case(const struct sess_case *c, struct run *r)
{
	char rcopy[1024];
	const char *rcpt[16];
	struct envelope env;
	struct body b;
	long long t0 = now_ms();

	run_start(r, c->script, c->flags, 3000);
	memset(&env, 0, sizeof(env));
	snprintf(rcopy, sizeof(rcopy), "%s", c->rcpts ? c->rcpts : DEF_RCPTS);
	env.from = c->from ? c->from : "a@example.org";
	env.rcpt = rcpt;
	env.nrcpt = split(rcopy, rcpt, 16);
	env.size = c->size;
	env.quit_after = (c->flags & F_QUITAFTER) != 0;
	memset(&b, 0, sizeof(b));
	b.p = c->body ? c->body : DEF_BODY;
	b.len = strlen(b.p);

	r->rc = smtp_open(r->sm, &r->e);
	if (r->rc == 0 && (c->flags & F_STARTTLS))
		r->rc = smtp_starttls(r->sm, &r->e);
	if (r->rc == 0 && !(c->flags & F_NOSEND))
		r->rc = smtp_send(r->sm, &env, body_read, &b, &r->res, &r->e);
	snprintf(r->state, sizeof(r->state), "%s", smtp_state_name(r->sm));
	smtp_quit(r->sm);
	r->ms = now_ms() - t0;
}

static int
exit_of(const struct run *r)
{
	return r->rc == 0 ? 0 : err_exit_code(r->e.kind);
}

/* The checks every session gets. */
static void
check_run(const struct sess_case *c, struct run *r)
{
	char why[2048];

	if (!tap_ok(exit_of(r) == c->want_exit, "%s: exit %d", c->name,
	    c->want_exit))
		tap_diag("got exit %d: %s", exit_of(r), r->e.msg);
	if (c->want_msg != NULL && !tap_ok(r->rc == -1 &&
	    strstr(r->e.msg, c->want_msg) != NULL, "%s: message has \"%s\"",
	    c->name, c->want_msg))
		tap_diag("got: %s", r->e.msg);
	if (!tap_ok(script_done(r->sc, why, sizeof(why)),
	    "%s: exactly the scripted bytes", c->name))
		tap_diag("%s", why);
	if (c->want_flights >= 0 && !tap_ok(script_flights(r->sc) ==
	    (unsigned long)c->want_flights, "%s: %d flights", c->name,
	    c->want_flights))
		tap_diag("got %lu", script_flights(r->sc));
	if (c->want_state != NULL) {
		snprintf(why, sizeof(why), "%s: state %s", c->name,
		    c->want_state);
		tap_str_eq(r->state, c->want_state, why);
	}
}

/* ------------------------------------------------------------ the table */

static const struct sess_case cases[] = {
	{ "pipelined session", 0, NULL, NULL, NULL, 0,
	  GREET EHLO_PIPE MAIL_A RCPT_B RCPT_C DATA_C OK OK OK GO BODY_ENC
	  QUEUED QUIT,
	  0, NULL, 4, "READY" },
	{ "serial session (no PIPELINING offered)", 0, NULL, NULL, NULL, 0,
	  GREET EHLO_PLAIN MAIL_A OK RCPT_B OK RCPT_C OK DATA_C GO BODY_ENC
	  QUEUED QUIT,
	  0, NULL, 7, "READY" },
	{ "PIPELINING offered, turned off", F_NOPIPE, NULL, NULL, NULL, 0,
	  GREET EHLO_PIPE MAIL_A OK RCPT_B OK RCPT_C OK DATA_C GO BODY_ENC
	  QUEUED QUIT,
	  0, NULL, 7, "READY" },
	{ "HELO after 500 to EHLO", 0, NULL, "b@example.org", NULL, 0,
	  GREET EHLO_C "S: 500 5.5.1 command unrecognized\n"
	  "C: HELO " HELO "\nS: 250 mx.example\n"
	  MAIL_A OK RCPT_B OK DATA_C GO BODY_ENC QUEUED QUIT,
	  0, NULL, 7, "READY" },
	{ "HELO after 502 to EHLO", F_NOSEND, NULL, NULL, NULL, 0,
	  GREET EHLO_C "S: 502 5.5.2 not implemented\n"
	  "C: HELO " HELO "\nS: 250 mx.example\n" QUIT,
	  0, NULL, 3, "READY" },
	{ "EHLO and HELO both refused", F_NOSEND, NULL, NULL, NULL, 0,
	  GREET EHLO_C "S: 502 5.5.2 no\nC: HELO " HELO "\n"
	  "S: 554 5.7.1 go away\n" QUIT,
	  69, "HELO: 554 5.7.1 go away", 3, NULL },
	{ "multi-line replies", 0, NULL, "b@example.org", NULL, 0,
	  "S: 220-mx.example ESMTP\nS: 220-no UCE\nS: 220 really\n"
	  EHLO_PIPE MAIL_A RCPT_B DATA_C "S: 250-2.1.0 sender\nS: 250 ok\n"
	  "S: 250-2.1.5 recipient\nS: 250-ok\nS: 250 ok\n"
	  "S: 354-start\nS: 354 end with .\n" BODY_ENC
	  "S: 250-2.0.0 queued\nS: 250 as ABC\n" QUIT,
	  0, NULL, 4, "READY" },
	{ "SIZE declared when offered", 0, NULL, "b@example.org", NULL, 42,
	  GREET EHLO_PIPE "C: MAIL FROM:<a@example.org> SIZE=42\n" RCPT_B
	  DATA_C OK OK GO BODY_ENC QUEUED QUIT,
	  0, NULL, 4, "READY" },
	{ "SIZE not declared when not offered", 0, NULL, "b@example.org",
	  NULL, 42,
	  GREET EHLO_PLAIN MAIL_A OK RCPT_B OK DATA_C GO BODY_ENC QUEUED QUIT,
	  0, NULL, 6, "READY" },
	{ "SIZE over the server's limit", 0, NULL, NULL, NULL, 5000,
	  GREET EHLO_C "S: 250-mx.example\nS: 250-PIPELINING\n"
	  "S: 250 SIZE 1000\n" QUIT,
	  69, "message size 5000 exceeds the server's limit 1000", 2,
	  "READY" },
	{ "dot-stuffing and CRLF", 0, NULL, "b@example.org",
	  "a\n.b\r\n.\nc\rd\r\n..e", 0,
	  GREET EHLO_PIPE MAIL_A RCPT_B DATA_C OK OK GO
	  "C= a\\r\\n..b\\r\\n..\\r\\nc d\\r\\n...e\\r\\n.\\r\\n\n"
	  QUEUED QUIT,
	  0, NULL, 4, "READY" },
	{ "QUIT travels with the final dot", F_QUITAFTER, NULL,
	  "b@example.org", NULL, 0,
	  GREET EHLO_PIPE MAIL_A RCPT_B DATA_C OK OK GO BODY_ENC "C: QUIT\n"
	  QUEUED "S: 221 bye\n",
	  0, NULL, 3, "CLOSED" },
	{ "QUIT with the dot: failing QUIT ignored", F_QUITAFTER, NULL,
	  "b@example.org", NULL, 0,
	  GREET EHLO_PIPE MAIL_A RCPT_B DATA_C OK OK GO BODY_ENC "C: QUIT\n"
	  QUEUED "EOF\n",
	  0, NULL, 3, "CLOSED" },
	{ "one RCPT of three refused, pipelined, 354", 0, NULL,
	  "b@example.org,c@example.org,d@example.org", NULL, 0,
	  GREET EHLO_PIPE MAIL_A RCPT_B RCPT_C RCPT_D DATA_C
	  OK OK "S: 550 5.1.1 <c@example.org>: Recipient address rejected\n"
	  OK GO,
	  67, "RCPT TO:<c@example.org>: 550 5.1.1 <c@example.org>: "
	  "Recipient address rejected", 2, "BROKEN" },
	{ "two RCPTs refused: first named, permanent decides", 0, NULL,
	  "b@example.org,c@example.org,d@example.org", NULL, 0,
	  GREET EHLO_PIPE MAIL_A RCPT_B RCPT_C RCPT_D DATA_C
	  OK "S: 451 4.3.0 try later\n" OK "S: 550 5.1.1 unknown\n"
	  "S: 554 5.5.1 no valid recipients\n" QUIT,
	  67, "RCPT TO:<b@example.org>: 451 4.3.0 try later (and 1 more "
	  "refused)", 3, "READY" },
	{ "all RCPTs refused temporarily", 0, NULL, NULL, NULL, 0,
	  GREET EHLO_PIPE MAIL_A RCPT_B RCPT_C DATA_C OK
	  "S: 450 4.2.0 busy\nS: 452 4.5.3 too many\n"
	  "S: 554 5.5.1 no valid recipients\n" QUIT,
	  75, "RCPT TO:<b@example.org>: 450 4.2.0 busy (and 1 more", 3,
	  "READY" },
	{ "one RCPT refused, serial: DATA never sent", F_NOPIPE, NULL,
	  "b@example.org,c@example.org,d@example.org", NULL, 0,
	  GREET EHLO_PIPE MAIL_A OK RCPT_B OK RCPT_C
	  "S: 553 5.1.3 bad address\n" QUIT,
	  67, "RCPT TO:<c@example.org>: 553 5.1.3 bad address", 5, "READY" },
	{ "MAIL refused, pipelined, DATA refused", 0, NULL, NULL, NULL, 0,
	  GREET EHLO_PIPE MAIL_A RCPT_B RCPT_C DATA_C
	  "S: 553 5.7.1 sender rejected\nS: 503 5.5.1 need MAIL\n"
	  "S: 503 5.5.1 need MAIL\nS: 503 5.5.1 need RCPT\n" QUIT,
	  69, "MAIL FROM:<a@example.org>: 553 5.7.1 sender rejected", 3,
	  "READY" },
	{ "MAIL refused, pipelined, DATA 354", 0, NULL, "b@example.org",
	  NULL, 0,
	  GREET EHLO_PIPE MAIL_A RCPT_B DATA_C "S: 452 4.3.1 Insufficient "
	  "system storage\n" OK GO,
	  75, "MAIL FROM:<a@example.org>: 452 4.3.1 Insufficient system "
	  "storage", 2, "BROKEN" },
	{ "421 to MAIL, pipelined: no more replies read", 0, NULL, NULL,
	  NULL, 0,
	  GREET EHLO_PIPE MAIL_A RCPT_B RCPT_C DATA_C
	  "S: 421 4.3.2 shutting down\nEOF\n",
	  75, "MAIL FROM:<a@example.org>: 421 4.3.2", 2, "CLOSED" },
	{ "3xx to MAIL is a protocol error", F_NOPIPE, NULL, NULL, NULL, 0,
	  GREET EHLO_PLAIN MAIL_A "S: 354 what\n",
	  76, "MAIL FROM:<a@example.org>: unexpected reply 354", 2,
	  "BROKEN" },
	{ "2xx where 354 is expected", 0, NULL, "b@example.org", NULL, 0,
	  GREET EHLO_PIPE MAIL_A RCPT_B DATA_C OK OK "S: 250 ok\n",
	  76, "DATA: unexpected reply 250", 2, "BROKEN" },
	{ "EOF after the dot", 0, NULL, "b@example.org", NULL, 0,
	  GREET EHLO_PIPE MAIL_A RCPT_B DATA_C OK OK GO BODY_ENC "EOF\n",
	  75, "the message may have been delivered and a retry may "
	  "duplicate it", 3, "BROKEN" },
	{ "reset after the dot", 0, NULL, "b@example.org", NULL, 0,
	  GREET EHLO_PIPE MAIL_A RCPT_B DATA_C OK OK GO BODY_ENC "RESET\n",
	  75, "connection lost after the end of data", 3, "BROKEN" },
	{ "STARTTLS not offered", F_STARTTLS | F_NOSEND, NULL, NULL, NULL, 0,
	  GREET EHLO_PLAIN QUIT,
	  69, "server does not offer STARTTLS", 2, "READY" },
	{ "STARTTLS 454", F_STARTTLS | F_NOSEND, NULL, NULL, NULL, 0,
	  GREET EHLO_TLS "C: STARTTLS\nS: 454 4.7.0 TLS not available\n"
	  QUIT,
	  75, "STARTTLS: 454 4.7.0 TLS not available", 3, "READY" },
	{ "data after the STARTTLS 220", F_STARTTLS | F_NOSEND, NULL, NULL,
	  NULL, 0,
	  GREET EHLO_TLS "C: STARTTLS\nS: 220 2.0.0 go ahead\n"
	  "S: 250-mx.example\nS: 250 AUTH PLAIN\n",
	  76, "server sent data after STARTTLS reply (possible injection)",
	  2, "BROKEN" },
	{ "STARTTLS 220 clean", F_STARTTLS | F_NOSEND, NULL, NULL, NULL, 0,
	  GREET EHLO_TLS "C: STARTTLS\nS: 220 2.0.0 go ahead\n" QUIT,
	  0, NULL, 3, "STARTTLS" },
	{ "LMTP: per-recipient replies", F_LMTP, NULL,
	  "b@example.org,c@example.org,d@example.org", NULL, 0,
	  GREET "C: LHLO " HELO "\nS: 250-mx.example\nS: 250 PIPELINING\n"
	  MAIL_A RCPT_B RCPT_C RCPT_D DATA_C OK OK OK OK GO BODY_ENC
	  "S: 250 2.1.5 <b@example.org> delivered\n"
	  "S: 550 5.1.1 <c@example.org> unknown\n"
	  "S: 452 4.2.2 <d@example.org> over quota\n" QUIT,
	  67, "end of data: <c@example.org>: 550 5.1.1 <c@example.org> "
	  "unknown; <d@example.org>: 452 4.2.2", 4, "READY" },
	{ "LMTP: all delivered", F_LMTP, NULL, NULL, NULL, 0,
	  GREET "C: LHLO " HELO "\nS: 250 mx.example\n"
	  MAIL_A OK RCPT_B OK RCPT_C OK DATA_C GO BODY_ENC
	  "S: 250 2.1.5 ok\nS: 250 2.1.5 ok\n" QUIT,
	  0, NULL, 7, "READY" },
	{ "LMTP: no HELO fallback", F_LMTP | F_NOSEND, NULL, NULL, NULL, 0,
	  GREET "C: LHLO " HELO "\nS: 500 5.5.1 what\n" QUIT,
	  69, "LHLO: 500 5.5.1 what", 2, NULL },
	{ "control character in a recipient", 0, NULL,
	  "b@example.org\r\nRSET", NULL, 0,
	  GREET EHLO_PIPE QUIT,
	  64, "control characters", 2, "READY" },
	{ "control character in the sender", 0, "a@example.org\n", NULL,
	  NULL, 0,
	  GREET EHLO_PIPE QUIT,
	  64, "control characters", 2, "READY" },
	{ "no recipients", 0, NULL, "", NULL, 0,
	  GREET EHLO_PIPE QUIT,
	  64, "no recipients", 2, "READY" },
};

/* ------------------------------------------------------------ the matrix */

/* Every reply class at every phase of a serial session. */
static const struct phase_case {
	const char	*name;
	const char	*prefix;	/* the script up to the reply */
	const char	*label;		/* the command named in the error */
	int		 exit5;		/* exit for 550 */
} phases[] = {
	{ "greeting", "", "greeting", 69 },
	{ "EHLO", GREET EHLO_C, "EHLO", 69 },
	{ "MAIL", GREET EHLO_PLAIN MAIL_A, "MAIL FROM:<a@example.org>", 69 },
	{ "RCPT", GREET EHLO_PLAIN MAIL_A OK RCPT_B, "RCPT TO:<b@example.org>",
	  67 },
	{ "DATA", GREET EHLO_PLAIN MAIL_A OK RCPT_B OK DATA_C, "DATA", 69 },
	{ "dot", GREET EHLO_PLAIN MAIL_A OK RCPT_B OK DATA_C GO BODY_ENC,
	  "end of data", 69 },
};

static const struct reply_kind {
	const char	*name;
	const char	*reply;
	int		 usable;	/* QUIT follows */
	int		 exit;		/* 0: the phase's exit5 */
	const char	*want;		/* after "<label>: " */
} kinds[] = {
	{ "4xx", "S: 451 4.3.0 try again later\n", 1, 75, "451 4.3.0 try" },
	{ "5xx", "S: 550 5.7.1 refused\n", 1, 0, "550 5.7.1 refused" },
	{ "421", "S: 421 4.4.2 closing\nEOF\n", 0, 75, "421 4.4.2 closing" },
	{ "malformed", "S: 99 what\n", 0, 76, NULL },
	{ "EOF", "EOF\n", 0, 75, "connection closed by server" },
};

static void
test_matrix(void)
{
	char script[4096], want[256], name[128], why[2048];
	const struct phase_case *p;
	const struct reply_kind *k;
	struct sess_case c;
	struct run r;
	size_t i, j;
	int ehlo5;

	for (i = 0; i < sizeof(phases) / sizeof(phases[0]); i++) {
		for (j = 0; j < sizeof(kinds) / sizeof(kinds[0]); j++) {
			p = &phases[i];
			k = &kinds[j];
			/* A 5xx to EHLO means HELO; refuse that too. */
			ehlo5 = i == 1 && j == 1;
			snprintf(script, sizeof(script), "%s%s%s%s", p->prefix,
			    k->reply, ehlo5 ? "C: HELO " HELO "\n"
			    "S: 550 5.7.1 refused\n" : "",
			    k->usable ? QUIT : "");
			snprintf(name, sizeof(name), "%s at %s", k->name,
			    p->name);
			if (k->want == NULL)
				snprintf(want, sizeof(want), "malformed reply "
				    "to %s: ", p->label);
			else if (i == 5 && j == 4)
				snprintf(want, sizeof(want), "connection lost "
				    "after the end of data");
			else
				snprintf(want, sizeof(want), "%s: %s",
				    ehlo5 ? "HELO" : p->label, k->want);
			memset(&c, 0, sizeof(c));
			c.name = name;
			c.rcpts = "b@example.org";
			c.script = script;
			c.want_exit = k->exit ? k->exit : p->exit5;
			run_case(&c, &r);
			if (!tap_ok(exit_of(&r) == c.want_exit,
			    "%s: exit %d", name, c.want_exit))
				tap_diag("got %d: %s", exit_of(&r), r.e.msg);
			if (!tap_ok(strncmp(r.e.msg, want, strlen(want)) == 0,
			    "%s: message starts \"%s\"", name, want))
				tap_diag("got: %s", r.e.msg);
			if (!tap_ok(script_done(r.sc, why, sizeof(why)),
			    "%s: QUIT %s", name, k->usable ? "sent" :
			    "not sent"))
				tap_diag("%s", why);
			run_end(&r);
		}
	}
}

/* ------------------------------------------------------------ special */

static void
test_pipelined_flights(void)
{
	struct sess_case c = cases[0];
	struct run r;
	const char *sent;
	size_t len;

	/* Without smtp_quit: EHLO, then the envelope, then message + dot. */
	c.flags = F_QUITAFTER;
	c.script = GREET EHLO_PIPE MAIL_A RCPT_B RCPT_C DATA_C OK OK OK GO
	    BODY_ENC "C: QUIT\n" QUEUED "S: 221 bye\n";
	run_case(&c, &r);
	tap_ok(r.rc == 0, "pipelined: success");
	tap_ok(script_flights(r.sc) == 3, "pipelined: 3 flights in all");
	tap_ok(r.res.round_trips == 2, "pipelined: 2 round trips in "
	    "smtp_send (got %d)", r.res.round_trips);
	sent = script_sent(r.sc, &len);
	tap_ok(strstr(sent, "MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example."
	    "org>\r\nRCPT TO:<c@example.org>\r\nDATA\r\n") != NULL,
	    "pipelined: MAIL, RCPT, RCPT, DATA together");
	tap_str_eq(r.res.final, "250 2.0.0 Ok: queued as ABC",
	    "pipelined: the final reply is kept");
	tap_ok(r.res.bytes == strlen("Subject: hi\r\n\r\nhello\r\n.\r\n"),
	    "pipelined: message bytes counted (%llu)", r.res.bytes);
	tap_ok(strstr(r.t.buf, "hello") == NULL, "trace: no message text");
	tap_ok(strstr(r.t.buf, "-> [25 bytes of message data]") != NULL,
	    "trace: the message noted by size");
	tap_ok(strstr(r.t.buf, "-- READY -> MAIL\n") != NULL &&
	    strstr(r.t.buf, "-- DOT -> QUIT\n") != NULL,
	    "trace: state transitions");
	tap_ok(strstr(r.t.buf, "<- 354 go ahead\n") != NULL &&
	    strstr(r.t.buf, "-> RCPT TO:<c@example.org>\n") != NULL,
	    "trace: lines both ways");
	run_end(&r);
}

static void
test_partial_io(void)
{
	struct sess_case c = cases[0];
	struct run r;
	char why[2048];

	/* The same session with every read and write cut to 3 bytes. */
	memset(&r, 0, sizeof(r));
	run_start(&r, c.script, 0, 3000);
	script_set_max_io(r.sc, 3);
	{
		const char *rcpt[] = { "b@example.org", "c@example.org" };
		struct envelope env = { .from = "a@example.org", .rcpt = rcpt,
		    .nrcpt = 2 };
		struct body b = { DEF_BODY, strlen(DEF_BODY), 0, 5, 0 };

		r.rc = smtp_open(r.sm, &r.e);
		if (r.rc == 0)
			r.rc = smtp_send(r.sm, &env, body_read, &b, &r.res,
			    &r.e);
		smtp_quit(r.sm);
	}
	if (!tap_ok(r.rc == 0, "3-byte I/O: success"))
		tap_diag("%s", r.e.msg);
	if (!tap_ok(script_done(r.sc, why, sizeof(why)),
	    "3-byte I/O: exactly the scripted bytes"))
		tap_diag("%s", why);
	run_end(&r);
}

static void
test_stall(void)
{
	static const char *const scripts[] = {
		"STALL\n",
		GREET EHLO_PIPE MAIL_A RCPT_B DATA_C OK "STALL\n",
		GREET EHLO_PIPE MAIL_A RCPT_B DATA_C OK OK GO BODY_ENC "STALL\n",
	};
	static const char *const wants[] = {
		"greeting: timed out after 0.2 s",
		"RCPT TO:<b@example.org>: timed out after 0.2 s",
		"connection lost after the end of data",
	};
	const char *rcpt[] = { "b@example.org" };
	struct envelope env = { .from = "a@example.org", .rcpt = rcpt,
	    .nrcpt = 1 };
	struct body b;
	struct run r;
	size_t i;

	for (i = 0; i < 3; i++) {
		long long t0;

		run_start(&r, scripts[i], 0, 200);
		memset(&b, 0, sizeof(b));
		b.p = DEF_BODY;
		b.len = strlen(DEF_BODY);
		t0 = now_ms();
		r.rc = smtp_open(r.sm, &r.e);
		if (r.rc == 0)
			r.rc = smtp_send(r.sm, &env, body_read, &b, &r.res,
			    &r.e);
		r.ms = now_ms() - t0;
		smtp_quit(r.sm);
		if (!tap_ok(r.rc == -1 && r.e.kind == ERR_TEMP,
		    "stall %zu: ERR_TEMP", i))
			tap_diag("%s", r.e.msg);
		if (!tap_ok(strstr(r.e.msg, wants[i]) != NULL,
		    "stall %zu: \"%s\"", i, wants[i]))
			tap_diag("%s", r.e.msg);
		tap_ok(r.ms >= 150 && r.ms <= 2000, "stall %zu: gave up "
		    "after %lld ms", i, r.ms);
		tap_str_eq(smtp_state_name(r.sm), "BROKEN", "stall: BROKEN");
		run_end(&r);
	}
}

static void
test_auth_trace(void)
{
	static const char secret[] = "AUTH PLAIN AGJvYgBzM2NyZXQ=";
	struct reply rep;
	struct run r;
	const char *sent;
	char why[2048];
	int rc1, rc2, rc3;

	run_start(&r, GREET EHLO_C "S: 250-mx.example\nS: 250 AUTH PLAIN LOGIN"
	    "\nC: AUTH PLAIN AGJvYgBzM2NyZXQ=\nS: 535 5.7.8 bad credentials\n"
	    "C: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC: Ym9i\nS: 235 2.7.0 ok\n"
	    QUIT, 0, 3000);
	rc1 = smtp_open(r.sm, &r.e);
	rc2 = smtp_auth_step(r.sm, secret, 1, &rep, &r.e);
	tap_ok(rc1 == 0 && rc2 == 0 && rep.code == 535,
	    "AUTH: a refusal is a reply, not an error");
	tap_ok((smtp_caps(r.sm)->flags & CAP_AUTH) != 0, "AUTH: offered");
	tap_str_eq(smtp_state_name(r.sm), "READY", "AUTH: READY after 535");
	rc3 = smtp_auth_step(r.sm, "AUTH LOGIN", 0, &rep, &r.e);
	tap_ok(rc3 == 0 && rep.code == 334, "AUTH: 334 continues");
	tap_str_eq(smtp_state_name(r.sm), "AUTH", "AUTH: inside the exchange");
	rc3 = smtp_auth_step(r.sm, "Ym9i", 1, &rep, &r.e);
	tap_ok(rc3 == 0 && rep.code == 235, "AUTH: 235");
	smtp_quit(r.sm);
	sent = script_sent(r.sc, NULL);
	tap_ok(strstr(sent, "AGJvYgBzM2NyZXQ=") != NULL, "AUTH: secret sent");
	if (!tap_ok(strstr(r.t.buf, "AGJvYgBzM2NyZXQ") == NULL &&
	    strstr(r.t.buf, "Ym9i") == NULL, "AUTH: no secret in the trace"))
		tap_diag("%s", r.t.buf);
	tap_ok(strstr(r.t.buf, "-> [redacted]\n") != NULL &&
	    strstr(r.t.buf, "-> AUTH LOGIN\n") != NULL,
	    "AUTH: secret lines traced as [redacted]");
	if (!tap_ok(script_done(r.sc, why, sizeof(why)), "AUTH: script"))
		tap_diag("%s", why);
	run_end(&r);
}

static void
test_reopen(void)
{
	struct run r;
	char why[2048];
	int rc;

	run_start(&r, GREET EHLO_C "S: 250-mx.example\nS: 250-PIPELINING\n"
	    "S: 250 STARTTLS\nC: STARTTLS\nS: 220 go ahead\n"
	    EHLO_C "S: 250-mx.example\nS: 250 AUTH PLAIN\n" QUIT, 0, 3000);
	rc = smtp_open(r.sm, &r.e);
	tap_ok(rc == 0 && (smtp_caps(r.sm)->flags & CAP_PIPELINING),
	    "reopen: PIPELINING before TLS");
	rc = smtp_starttls(r.sm, &r.e);
	tap_ok(rc == 0, "reopen: STARTTLS 220");
	rc = smtp_reopen(r.sm, &r.e);
	tap_ok(rc == 0 && smtp_caps(r.sm)->flags == CAP_AUTH,
	    "reopen: capabilities forgotten and learned again");
	tap_str_eq(smtp_greeting(r.sm), "220 mx.example ESMTP",
	    "reopen: greeting kept for --serverinfo");
	smtp_quit(r.sm);
	if (!tap_ok(script_done(r.sc, why, sizeof(why)), "reopen: script"))
		tap_diag("%s", why);
	run_end(&r);

	/* After TLS a refused EHLO is final: no HELO. */
	run_start(&r, GREET EHLO_TLS "C: STARTTLS\nS: 220 go ahead\n"
	    EHLO_C "S: 502 5.5.2 no\n" QUIT, 0, 3000);
	rc = smtp_open(r.sm, &r.e);
	rc = rc == 0 ? smtp_starttls(r.sm, &r.e) : rc;
	rc = rc == 0 ? smtp_reopen(r.sm, &r.e) : rc;
	tap_ok(rc == -1 && err_exit_code(r.e.kind) == 69,
	    "reopen: 502 to EHLO after TLS is 69, no HELO");
	smtp_quit(r.sm);
	if (!tap_ok(script_done(r.sc, why, sizeof(why)), "reopen: no HELO"))
		tap_diag("%s", why);
	run_end(&r);
}

static void
test_rset_reuse(void)
{
	const char *rcpt[] = { "b@example.org" };
	struct envelope env = { .from = "a@example.org", .rcpt = rcpt,
	    .nrcpt = 1 };
	struct body b = { DEF_BODY, strlen(DEF_BODY), 0, 0, 0 };
	struct run r;
	char why[2048];
	int rc;

	run_start(&r, GREET EHLO_PLAIN MAIL_A OK RCPT_B
	    "S: 450 4.2.1 later\nC: RSET\nS: 250 ok\n"
	    MAIL_A OK RCPT_B OK DATA_C GO BODY_ENC QUEUED QUIT, 0, 3000);
	rc = smtp_open(r.sm, &r.e);
	rc = rc == 0 ? smtp_send(r.sm, &env, body_read, &b, &r.res, &r.e) : 0;
	tap_ok(rc == -1 && r.e.kind == ERR_TEMP, "reuse: first 450");
	rc = smtp_rset(r.sm, &r.e);
	tap_ok(rc == 0, "reuse: RSET");
	rc = smtp_send(r.sm, &env, body_read, &b, &r.res, &r.e);
	tap_ok(rc == 0, "reuse: second transaction delivered");
	smtp_quit(r.sm);
	if (!tap_ok(script_done(r.sc, why, sizeof(why)), "reuse: script"))
		tap_diag("%s", why);
	run_end(&r);
}

static void
test_body_failure(void)
{
	const char *rcpt[] = { "b@example.org" };
	struct envelope env = { .from = "a@example.org", .rcpt = rcpt,
	    .nrcpt = 1 };
	struct body b = { DEF_BODY, strlen(DEF_BODY), 0, 4, 1 };
	struct run r;
	char why[2048];
	const char *sent;
	int rc;

	/* The source fails after 4 bytes: no final dot may ever follow. */
	run_start(&r, GREET EHLO_PIPE MAIL_A RCPT_B DATA_C OK OK GO, 0, 3000);
	rc = smtp_open(r.sm, &r.e);
	rc = rc == 0 ? smtp_send(r.sm, &env, body_read, &b, &r.res, &r.e) : 0;
	tap_ok(rc == -1 && r.e.kind == ERR_IO, "source failure: ERR_IO");
	tap_str_eq(smtp_state_name(r.sm), "BROKEN", "source failure: BROKEN");
	smtp_quit(r.sm);
	sent = script_sent(r.sc, NULL);
	tap_ok(strstr(sent, "\r\n.\r\n") == NULL && strstr(sent, "QUIT") ==
	    NULL, "source failure: no dot, no QUIT");
	if (!tap_ok(script_done(r.sc, why, sizeof(why)), "source: script"))
		tap_diag("%s", why);
	run_end(&r);
}

static void
test_long_line(void)
{
	struct run r;
	char *line = xmalloc(REPLY_LINE_MAX + 100);

	memcpy(line, "220 ", 4);
	memset(line + 4, 'x', REPLY_LINE_MAX + 50);
	memcpy(line + REPLY_LINE_MAX + 54, "\r\n", 2);
	run_start(&r, NULL, 0, 3000);
	script_add(r.sc, SC_SEND, line, REPLY_LINE_MAX + 56);
	tap_ok(smtp_open(r.sm, &r.e) == -1 && err_exit_code(r.e.kind) == 76,
	    "reply line over REPLY_LINE_MAX: 76 (%s)", r.e.msg);
	run_end(&r);
	free(line);
}

static void
test_big_message(void)
{
	size_t n = 80 * 40000, i;
	char *msg = xmalloc(n);
	struct body b;
	struct run r;
	const char *rcpt[] = { "b@example.org" };
	struct envelope env = { .from = "a@example.org", .rcpt = rcpt,
	    .nrcpt = 1, .quit_after = 1 };
	char *enc;
	size_t elen = 0;

	/* 3.2 MB of 80-octet lines, some starting with a dot. */
	for (i = 0; i < n; i++)
		msg[i] = i % 80 == 79 ? '\n' : i % 800 == 0 ? '.' : 'm';
	enc = xmalloc(2 * n + 8);
	for (i = 0; i < n; i++) {
		if (msg[i] == '\n')
			enc[elen++] = '\r';
		if (msg[i] == '.' && (i == 0 || msg[i - 1] == '\n'))
			enc[elen++] = '.';
		enc[elen++] = msg[i];
	}
	memcpy(enc + elen, ".\r\n", 3);
	elen += 3;
	run_start(&r, GREET EHLO_PIPE MAIL_A RCPT_B DATA_C OK OK GO, 0, 3000);
	script_add(r.sc, SC_EXPECT, enc, elen);
	script_add_text(r.sc, "C: QUIT\n" QUEUED "S: 221 bye\n");
	memset(&b, 0, sizeof(b));
	b.p = msg;
	b.len = n;
	r.rc = smtp_open(r.sm, &r.e);
	r.rc = r.rc == 0 ? smtp_send(r.sm, &env, body_read, &b, &r.res,
	    &r.e) : -1;
	tap_ok(r.rc == 0 && r.res.bytes == elen, "3 MiB message: %llu bytes",
	    r.res.bytes);
	tap_ok(script_flights(r.sc) <= 2 + elen / (256 * 1024) + 1,
	    "3 MiB message: few writes (%lu)", script_flights(r.sc));
	tap_ok(script_failure(r.sc) == NULL, "3 MiB message: exact bytes");
	tap_ok(r.res.long_lines == 0 && strstr(r.t.buf, "lines over") == NULL,
	    "3 MiB message: no long lines noted");
	run_end(&r);

	/* One line of 1200 octets: sent unchanged, counted and traced. */
	memset(msg, 'L', 1200);
	msg[1200] = '\n';
	memcpy(enc, msg, 1200);
	memcpy(enc + 1200, "\r\n.\r\n", 5);
	run_start(&r, GREET EHLO_PIPE MAIL_A RCPT_B DATA_C OK OK GO, 0, 3000);
	script_add(r.sc, SC_EXPECT, enc, 1205);
	script_add_text(r.sc, QUEUED QUIT);
	memset(&b, 0, sizeof(b));
	b.p = msg;
	b.len = 1201;
	env.quit_after = 0;
	r.rc = smtp_open(r.sm, &r.e);
	r.rc = r.rc == 0 ? smtp_send(r.sm, &env, body_read, &b, &r.res,
	    &r.e) : -1;
	smtp_quit(r.sm);
	tap_ok(r.rc == 0 && r.res.long_lines == 1 && script_failure(r.sc) ==
	    NULL, "long line: sent unchanged and counted");
	tap_ok(strstr(r.t.buf, "1 lines over 998 octets") != NULL,
	    "long line: noted in the trace");
	run_end(&r);
	free(enc);
	free(msg);
}

/* The stream alone: line ends, end of stream, deadlines, counters. */
static void
test_stream(void)
{
	static const struct {
		const char	*want;	/* line, or NULL: an error */
		int		 kind;
	} lines[] = {
		{ "a", 0 },		/* CRLF */
		{ "b", 0 },		/* bare LF */
		{ "", 0 },		/* empty line */
		{ "c\r", 0 },		/* only the last CR goes */
		{ NULL, ERR_TEMP },	/* "d" then EOF */
		{ NULL, ERR_TEMP },	/* still EOF */
	};
	struct script *sc;
	struct stream *s;
	struct stream_stats st;
	struct err e;
	const char *line;
	size_t len, i;
	long long t0;
	int rc;

	sc = script_new("S= a\\r\\nb\\n\\r\\nc\\r\\r\\nd\nEOF\n");
	s = script_stream(sc);
	script_set_max_io(sc, 2);
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		err_clear(&e);
		rc = stream_getline(s, &line, &len, &e);
		if (lines[i].want != NULL)
			tap_mem_eq(rc == 0 ? line : "(error)", rc == 0 ? len :
			    7, lines[i].want, strlen(lines[i].want),
			    "stream: line split across 2-byte reads");
		else
			tap_ok(rc == -1 && (int)e.kind == lines[i].kind &&
			    strcmp(e.msg, "connection closed by server") == 0,
			    "stream: end of stream is ERR_TEMP (%s)", e.msg);
	}
	stream_stats(s, &st);
	tap_ok(st.bytes_in == 12 && st.reads == 6,
	    "stream: counts bytes and reads (%llu, %lu)", st.bytes_in,
	    st.reads);
	stream_free(s);
	script_free(sc);

	/* The run's deadline caps a longer operation deadline. */
	sc = script_new("S= 220 mx\nSTALL\n");
	s = script_stream(sc);
	stream_set_timeout(s, 10000);
	stream_set_overall(s, now_ms() + 200);
	t0 = now_ms();
	rc = stream_getline(s, &line, &len, &e);
	tap_ok(rc == -1 && e.kind == ERR_TEMP && strstr(e.msg,
	    "run's deadline") != NULL && now_ms() - t0 >= 150 &&
	    now_ms() - t0 < 2000, "stream: the run's deadline fires (%s)",
	    e.msg);
	tap_ok(stream_unread(s) == 6, "stream: a partial line stays unread");
	stream_free(s);
	script_free(sc);

	/* A write larger than the buffer goes out whole, in few writes. */
	{
		size_t n = 600 * 1024;
		char *big = xmalloc(n);

		memset(big, 'x', n);
		sc = script_new(NULL);
		script_add(sc, SC_EXPECT, "hi", 2);
		script_add(sc, SC_EXPECT, big, n);
		s = script_stream(sc);
		rc = stream_write(s, "hi", 2, &e);
		rc = rc == 0 ? stream_write(s, big, n, &e) : rc;
		rc = rc == 0 ? stream_flush(s, &e) : rc;
		tap_ok(rc == 0 && script_failure(sc) == NULL &&
		    script_flights(sc) == 2, "stream: 600 KiB in 2 writes "
		    "(%lu)", script_flights(sc));
		stream_stats(s, &st);
		tap_ok(st.bytes_out == n + 2 && st.writes == 2,
		    "stream: counts bytes and writes");
		stream_free(s);
		script_free(sc);
		free(big);
	}
}

/* ------------------------------------------------------------ extensions */

#define EHLO_ALL	EHLO_C "S: 250-mx.example\nS: 250-PIPELINING\n" \
			"S: 250-SIZE 1000000\nS: 250-8BITMIME\nS: 250-SMTPUTF8\n" \
			"S: 250-CHUNKING\nS: 250-BINARYMIME\nS: 250-DSN\n" \
			"S: 250 ENHANCEDSTATUSCODES\n"
#define EHLO_CHUNK	EHLO_C "S: 250-mx.example\nS: 250-PIPELINING\n" \
			"S: 250-8BITMIME\nS: 250 CHUNKING\n"
#define EHLO_CHUNK1	EHLO_C "S: 250-mx.example\nS: 250 CHUNKING\n"
#define EHLO_7BIT	EHLO_C "S: 250-mx.example\nS: 250 PIPELINING\n"
#define EHLO_UTF8	EHLO_C "S: 250-mx.example\nS: 250-PIPELINING\n" \
			"S: 250-8BITMIME\nS: 250 SMTPUTF8\n"
#define EHLO_DSN	EHLO_C "S: 250-mx.example\nS: 250-PIPELINING\n" \
			"S: 250 DSN\n"
#define LHLO_CHUNK	"C: LHLO " HELO "\nS: 250-mx.example\n" \
			"S: 250-PIPELINING\nS: 250 CHUNKING\n"
/* DEF_BODY with CRLF line ends, as BDAT carries it. */
#define BDAT_DEF	"C: BDAT 22 LAST\nC= Subject: hi\\r\\n\\r\\nhello\\r\\n\n"
#define BYE		"S: 221 2.0.0 bye\n"
#define TOO_MANY	"S: 452 4.5.3 Error: too many recipients\n"

enum {
	X_PARTIAL = 0x100,	/* env.allow_partial */
	X_REWIND = 0x200,	/* env.rewind set */
	X_VERIFY = 0x400,	/* smtp_verify instead of smtp_send */
	X_DSNREQ = 0x800,	/* env.dsn_required */
};

struct ext_case {
	const char	*name;
	unsigned	 flags;		/* F_* and X_* */
	const char	*from;		/* NULL: a@example.org */
	const char	*rcpts;		/* NULL: DEF_RCPTS */
	const char	*body;		/* NULL: DEF_BODY */
	int		 body_8bit;
	const char	*utf8_field;
	enum body_type	 bt;
	const char	*notify, *ret, *envid;
	const char	*script;
	int		 want_exit;
	const char	*want_msg;	/* substring of the error, or NULL */
	const char	*want_fates;	/* per recipient: D R A or -, or NULL */
	int		 want_flights;	/* -1: not checked */
};

/* The fates heard through env.report, one letter per recipient. */
static void
fate_letter(void *ctx, size_t i, enum rcpt_fate f, enum err_kind k,
    const char *reply)
{
	char *s = ctx;

	(void)k;
	(void)reply;
	s[i] = f == RCPT_DELIVERED ? 'D' : f == RCPT_REFUSED ? 'R' : 'A';
}

static void
body_rewind(void *ctx)
{
	((struct body *)ctx)->off = 0;
}

static void
run_ext(const struct ext_case *c, struct run *r, char *fates)
{
	char rcopy[1024];
	const char *rcpt[16];
	struct envelope env;
	struct body b;

	run_start(r, c->script, c->flags, 3000);
	memset(&env, 0, sizeof(env));
	snprintf(rcopy, sizeof(rcopy), "%s", c->rcpts ? c->rcpts : DEF_RCPTS);
	env.from = c->from ? c->from : "a@example.org";
	env.rcpt = rcpt;
	env.nrcpt = split(rcopy, rcpt, 16);
	env.quit_after = (c->flags & F_QUITAFTER) != 0;
	env.body_8bit = c->body_8bit;
	env.utf8_field = c->utf8_field;
	env.body = c->bt;
	env.dsn_notify = c->notify;
	env.dsn_return = c->ret;
	env.envid = c->envid;
	env.dsn_required = (c->flags & X_DSNREQ) != 0;
	env.allow_partial = (c->flags & X_PARTIAL) != 0;
	env.rewind = (c->flags & X_REWIND) ? body_rewind : NULL;
	env.report = fate_letter;
	env.report_ctx = fates;
	memset(fates, '-', env.nrcpt);
	fates[env.nrcpt] = '\0';
	memset(&b, 0, sizeof(b));
	b.p = c->body ? c->body : DEF_BODY;
	b.len = strlen(b.p);
	r->rc = smtp_open(r->sm, &r->e);
	if (r->rc == 0 && (c->flags & X_VERIFY))
		r->rc = smtp_verify(r->sm, &env, &r->e);
	else if (r->rc == 0)
		r->rc = smtp_send(r->sm, &env, body_read, &b, &r->res, &r->e);
	snprintf(r->state, sizeof(r->state), "%s", smtp_state_name(r->sm));
	smtp_quit(r->sm);
}

static const struct ext_case ext_cases[] = {
	/* CHUNKING (RFC 3030) */
	{ "BDAT LAST with the envelope and QUIT: one flight",
	  F_QUITAFTER, NULL, "b@example.org", NULL, 0, NULL, 0, NULL, NULL,
	  NULL,
	  GREET EHLO_CHUNK MAIL_A RCPT_B BDAT_DEF "C: QUIT\n" OK OK QUEUED BYE,
	  0, NULL, "D", 2 },
	{ "BDAT: two recipients wait for the RCPT replies", F_QUITAFTER,
	  NULL, NULL, NULL, 0, NULL, 0, NULL, NULL, NULL,
	  GREET EHLO_CHUNK MAIL_A RCPT_B RCPT_C OK OK OK BDAT_DEF "C: QUIT\n"
	  QUEUED BYE,
	  0, NULL, "DD", 3 },
	{ "BDAT: a refused recipient, nothing sent", F_QUITAFTER, NULL, NULL,
	  NULL, 0, NULL, 0, NULL, NULL, NULL,
	  GREET EHLO_CHUNK MAIL_A RCPT_B RCPT_C OK OK
	  "S: 550 5.1.1 <c@example.org>: unknown\n" QUIT,
	  67, "RCPT TO:<c@example.org>: 550 5.1.1", "-R", 3 },
	{ "BDAT with the envelope, one recipient refused", F_QUITAFTER, NULL,
	  "b@example.org", NULL, 0, NULL, 0, NULL, NULL, NULL,
	  GREET EHLO_CHUNK MAIL_A RCPT_B BDAT_DEF "C: QUIT\n" OK
	  "S: 550 5.1.1 unknown user\nS: 554 5.5.1 no valid recipients\n" BYE,
	  67, "RCPT TO:<b@example.org>: 550 5.1.1 unknown user", "R", 2 },
	{ "BDAT with the envelope, MAIL refused 451", F_QUITAFTER, NULL,
	  "b@example.org", NULL, 0, NULL, 0, NULL, NULL, NULL,
	  GREET EHLO_CHUNK MAIL_A RCPT_B BDAT_DEF "C: QUIT\n"
	  "S: 451 4.3.0 later\nS: 503 5.5.1 need MAIL\n"
	  "S: 503 5.5.1 need RCPT\n" BYE,
	  75, "MAIL FROM:<a@example.org>: 451 4.3.0 later", "-", 2 },
	{ "BDAT --allow-partial: with the envelope, no QUIT along",
	  F_QUITAFTER | X_PARTIAL, NULL, NULL, NULL, 0, NULL, 0, NULL, NULL,
	  NULL,
	  GREET EHLO_CHUNK MAIL_A RCPT_B RCPT_C BDAT_DEF OK
	  "S: 550 5.1.1 no such user\n" OK QUEUED QUIT,
	  0, NULL, "RD", 3 },
	{ "BDAT: empty message", F_QUITAFTER, NULL, "b@example.org", "", 0,
	  NULL, 0, NULL, NULL, NULL,
	  GREET EHLO_CHUNK MAIL_A RCPT_B "C: BDAT 0 LAST\nC: QUIT\n" OK OK
	  QUEUED BYE,
	  0, NULL, "D", 2 },
	{ "BDAT: line ends made CRLF, no dot-stuffing", 0, NULL,
	  "b@example.org", ".a\n..\r\nb\rc", 0, NULL, 0, NULL, NULL, NULL,
	  GREET EHLO_CHUNK MAIL_A RCPT_B
	  "C: BDAT 13 LAST\nC= .a\\r\\n..\\r\\nb c\\r\\n\n" OK OK QUEUED QUIT,
	  0, NULL, "D", -1 },
	{ "BDAT LAST refused 552", 0, NULL, "b@example.org", NULL, 0, NULL, 0,
	  NULL, NULL, NULL,
	  GREET EHLO_CHUNK MAIL_A RCPT_B BDAT_DEF OK OK
	  "S: 552 5.3.4 message too big\n" QUIT,
	  69, "end of data: 552 5.3.4 message too big", "-", -1 },
	{ "BDAT LAST 451", 0, NULL, "b@example.org", NULL, 0, NULL, 0, NULL,
	  NULL, NULL,
	  GREET EHLO_CHUNK MAIL_A RCPT_B BDAT_DEF OK OK
	  "S: 451 4.3.0 try later\n" QUIT,
	  75, "end of data: 451 4.3.0 try later", "-", -1 },
	{ "BDAT LAST: connection lost", 0, NULL, "b@example.org", NULL, 0,
	  NULL, 0, NULL, NULL, NULL,
	  GREET EHLO_CHUNK MAIL_A RCPT_B BDAT_DEF OK OK "EOF\n",
	  75, "the message may have been delivered", "-", -1 },
	{ "BDAT LAST: malformed reply", 0, NULL, "b@example.org", NULL, 0,
	  NULL, 0, NULL, NULL, NULL,
	  GREET EHLO_CHUNK MAIL_A RCPT_B BDAT_DEF OK OK "S: 2x0 what\n",
	  76, "malformed reply", "-", -1 },
	{ "BDAT without PIPELINING: serial", F_QUITAFTER, NULL,
	  "b@example.org", NULL, 0, NULL, 0, NULL, NULL, NULL,
	  GREET EHLO_CHUNK1 MAIL_A OK RCPT_B OK BDAT_DEF "C: QUIT\n" QUEUED BYE,
	  0, NULL, "D", 4 },
	/* BINARYMIME */
	{ "BINARYMIME: header CRLF, body byte for byte", 0, NULL,
	  "b@example.org", "Subject: b\n\n\x01x\r\ny\n\rz", 1, NULL,
	  BODY_BINARYMIME, NULL, NULL, NULL,
	  GREET EHLO_ALL "C: MAIL FROM:<a@example.org> BODY=BINARYMIME\n"
	  RCPT_B "C: BDAT 22 LAST\nC= Subject: b\\r\\n\\r\\n\\x01x\\r\\ny\\n\\rz\n"
	  OK OK QUEUED QUIT,
	  0, NULL, "D", -1 },
	{ "BINARYMIME not offered, 8-bit body: 69 before MAIL", 0, NULL,
	  "b@example.org", "\xc3\xa9\n", 1, NULL, BODY_BINARYMIME, NULL,
	  NULL, NULL,
	  GREET EHLO_CHUNK QUIT,
	  69, "declared BINARYMIME (-B) and holds 8-bit bytes, but the "
	  "server does not offer BINARYMIME", "-", -1 },
	{ "BINARYMIME not offered, ASCII body: sent as usual", 0, NULL,
	  "b@example.org", NULL, 0, NULL, BODY_BINARYMIME, NULL, NULL, NULL,
	  GREET EHLO_PIPE MAIL_A RCPT_B DATA_C OK OK GO BODY_ENC QUEUED QUIT,
	  0, NULL, "D", -1 },
	/* 8BITMIME */
	{ "8-bit body: BODY=8BITMIME", 0, NULL, "b@example.org",
	  "Subject: x\n\n\xc3\xa9t\xc3\xa9\n", 1, NULL, 0, NULL, NULL, NULL,
	  GREET EHLO_PIPE "C: MAIL FROM:<a@example.org> BODY=8BITMIME\n"
	  RCPT_B DATA_C OK OK GO
	  "C= Subject: x\\r\\n\\r\\n\\xc3\\xa9t\\xc3\\xa9\\r\\n.\\r\\n\n"
	  QUEUED QUIT,
	  0, NULL, "D", -1 },
	{ "8-bit body, no 8BITMIME: 69 before MAIL", 0, NULL, "b@example.org",
	  "\xc3\xa9\n", 1, NULL, 0, NULL, NULL, NULL,
	  GREET EHLO_7BIT QUIT,
	  69, "the message body holds 8-bit bytes, but the server does not "
	  "offer 8BITMIME", "-", 2 },
	{ "-B8BITMIME, ASCII body, no 8BITMIME: sent as it is", 0, NULL,
	  "b@example.org", NULL, 0, NULL, BODY_8BITMIME, NULL, NULL, NULL,
	  GREET EHLO_7BIT MAIL_A RCPT_B DATA_C OK OK GO BODY_ENC QUEUED QUIT,
	  0, NULL, "D", -1 },
	{ "-B8BITMIME, ASCII body, 8BITMIME offered: declared", 0, NULL,
	  "b@example.org", NULL, 0, NULL, BODY_8BITMIME, NULL, NULL, NULL,
	  GREET EHLO_PIPE "C: MAIL FROM:<a@example.org> BODY=8BITMIME\n"
	  RCPT_B DATA_C OK OK GO BODY_ENC QUEUED QUIT,
	  0, NULL, "D", -1 },
	/* SMTPUTF8 (RFC 6531) and the A-label downgrade */
	{ "UTF-8 recipient, SMTPUTF8 offered", 0, NULL,
	  "j\xc3\xb6rg@b\xc3\xbc" "cher.example", NULL, 0, NULL, 0, NULL,
	  NULL, NULL,
	  GREET EHLO_UTF8 "C: MAIL FROM:<a@example.org> SMTPUTF8\n"
	  "C: RCPT TO:<j\xc3\xb6rg@b\xc3\xbc" "cher.example>\n" DATA_C OK OK
	  GO BODY_ENC QUEUED QUIT,
	  0, NULL, "D", -1 },
	{ "UTF-8 domain, no SMTPUTF8: its A-label", 0,
	  "s@B\xc3\xbc" "cher.example", "b@fa\xc3\x9f.de", NULL, 0, NULL, 0,
	  NULL, NULL, NULL,
	  GREET EHLO_PIPE "C: MAIL FROM:<s@xn--bcher-kva.example>\n"
	  "C: RCPT TO:<b@xn--fa-hia.de>\n" DATA_C OK OK GO BODY_ENC QUEUED
	  QUIT,
	  0, NULL, "D", -1 },
	{ "UTF-8 local part, no SMTPUTF8: 69 naming it", 0, NULL,
	  "b@example.org,j\xc3\xb6rg@example.org", NULL, 0, NULL, 0, NULL,
	  NULL, NULL,
	  GREET EHLO_PIPE QUIT,
	  69, "the address <j\xc3\xb6rg@example.org> has a non-ASCII local "
	  "part, and the server does not offer SMTPUTF8", "--", 2 },
	{ "UTF-8 sender local part, no SMTPUTF8: 69", 0,
	  "\xc3\xa9@example.org", "b@example.org", NULL, 0, NULL, 0, NULL,
	  NULL, NULL,
	  GREET EHLO_PIPE QUIT,
	  69, "the address <\xc3\xa9@example.org> has a non-ASCII", "-", 2 },
	{ "UTF-8 header, no SMTPUTF8: 69 naming the field", 0, NULL,
	  "b@example.org", "Subject: \xc3\xa9\n\nx\n", 0, "Subject", 0, NULL,
	  NULL, NULL,
	  GREET EHLO_PIPE QUIT,
	  69, "the header field Subject holds UTF-8, but the server does "
	  "not offer SMTPUTF8", "-", 2 },
	{ "UTF-8 header, SMTPUTF8: SMTPUTF8 and 8BITMIME", 0, NULL,
	  "b@example.org", "Subject: \xc3\xa9\n\nx\n", 0, "Subject", 0, NULL,
	  NULL, NULL,
	  GREET EHLO_UTF8 "C: MAIL FROM:<a@example.org> BODY=8BITMIME "
	  "SMTPUTF8\n" RCPT_B DATA_C OK OK GO
	  "C= Subject: \\xc3\\xa9\\r\\n\\r\\nx\\r\\n.\\r\\n\n" QUEUED QUIT,
	  0, NULL, "D", -1 },
	{ "ASCII only: no SMTPUTF8 even when offered", 0, NULL,
	  "b@example.org", NULL, 0, NULL, 0, NULL, NULL, NULL,
	  GREET EHLO_UTF8 MAIL_A RCPT_B DATA_C OK OK GO BODY_ENC QUEUED QUIT,
	  0, NULL, "D", -1 },
	/* DSN (RFC 3461) */
	{ "DSN: RET, ENVID in xtext, NOTIFY, ORCPT", 0, NULL,
	  "b+x@example.org", NULL, 0, NULL, 0, "success,failure", "headers",
	  "id+1=x y",
	  GREET EHLO_DSN "C: MAIL FROM:<a@example.org> RET=HDRS "
	  "ENVID=id+2B1+3Dx+20y\n"
	  "C: RCPT TO:<b+x@example.org> NOTIFY=SUCCESS,FAILURE "
	  "ORCPT=rfc822;b+2Bx@example.org\n" DATA_C OK OK GO BODY_ENC QUEUED
	  QUIT,
	  0, NULL, "D", -1 },
	{ "DSN: NOTIFY=NEVER, RET=FULL", 0, NULL, "b@example.org", NULL, 0,
	  NULL, 0, "never", "full", NULL,
	  GREET EHLO_DSN "C: MAIL FROM:<a@example.org> RET=FULL\n"
	  "C: RCPT TO:<b@example.org> NOTIFY=NEVER "
	  "ORCPT=rfc822;b@example.org\n" DATA_C OK OK GO BODY_ENC QUEUED QUIT,
	  0, NULL, "D", -1 },
	{ "DSN: utf-8 ORCPT under SMTPUTF8 (RFC 6533)", 0, NULL,
	  "\xc3\xbc+1@b\xc3\xbc" "cher.example", NULL, 0, NULL, 0, "delay",
	  NULL, NULL,
	  GREET EHLO_ALL "C: MAIL FROM:<a@example.org> SMTPUTF8\n"
	  "C: RCPT TO:<\xc3\xbc+1@b\xc3\xbc" "cher.example> NOTIFY=DELAY "
	  "ORCPT=utf-8;\xc3\xbc\\\\x{2B}1@b\xc3\xbc" "cher.example\n"
	  "C: BDAT 22 LAST\nC= Subject: hi\\r\\n\\r\\nhello\\r\\n\n" OK OK
	  QUEUED QUIT,
	  0, NULL, "D", -1 },
	{ "DSN not offered: sent without", 0, NULL, "b@example.org", NULL, 0,
	  NULL, 0, "success", "full", "x",
	  GREET EHLO_PIPE MAIL_A RCPT_B DATA_C OK OK GO BODY_ENC QUEUED QUIT,
	  0, NULL, "D", -1 },
	{ "DSN not offered, dsn_required: 69", X_DSNREQ, NULL,
	  "b@example.org", NULL, 0, NULL, 0, "success", NULL, NULL,
	  GREET EHLO_PIPE QUIT,
	  69, "delivery status notifications are required (dsn_required), "
	  "but the server does not offer DSN", "-", 2 },
	/* Many recipients: 452 (RFC 5321 4.5.3.1.10) */
	{ "452: the rest in a second transaction", F_QUITAFTER | X_REWIND,
	  NULL, "b@example.org,c@example.org,d@example.org", NULL, 0, NULL, 0,
	  NULL, NULL, NULL,
	  GREET EHLO_PIPE MAIL_A RCPT_B RCPT_C RCPT_D DATA_C OK OK TOO_MANY
	  TOO_MANY GO BODY_ENC QUEUED
	  MAIL_A RCPT_C RCPT_D DATA_C OK OK OK GO BODY_ENC "C: QUIT\n" QUEUED
	  BYE,
	  0, NULL, "DDD", 5 },
	{ "452: a later transaction fails: 75, not 67", X_REWIND, NULL,
	  "b@example.org,c@example.org,d@example.org", NULL, 0, NULL, 0, NULL,
	  NULL, NULL,
	  GREET EHLO_PIPE MAIL_A RCPT_B RCPT_C RCPT_D DATA_C OK OK TOO_MANY
	  TOO_MANY GO BODY_ENC QUEUED
	  MAIL_A RCPT_C RCPT_D DATA_C OK "S: 550 5.1.1 unknown\n" OK GO,
	  75, "RCPT TO:<c@example.org>: 550 5.1.1 unknown; the server "
	  "limited the recipients per transaction and an earlier transaction "
	  "already delivered to 1 recipient", "DR-", -1 },
	{ "452: the later end of data refused: 75", X_REWIND, NULL, NULL,
	  NULL, 0, NULL, 0, NULL, NULL, NULL,
	  GREET EHLO_PIPE MAIL_A RCPT_B RCPT_C DATA_C OK OK TOO_MANY GO
	  BODY_ENC QUEUED MAIL_A RCPT_C DATA_C OK OK GO BODY_ENC
	  "S: 554 5.7.1 rejected\n" QUIT,
	  75, "end of data: 554 5.7.1 rejected; the server limited", "D-",
	  -1 },
	{ "452 to the first recipient: temporary", X_REWIND, NULL, NULL, NULL,
	  0, NULL, 0, NULL, NULL, NULL,
	  GREET EHLO_PIPE MAIL_A RCPT_B RCPT_C DATA_C OK TOO_MANY TOO_MANY
	  "S: 554 5.5.1 no valid recipients\n" QUIT,
	  75, "RCPT TO:<b@example.org>: 452 4.5.3 Error: too many", "--",
	  -1 },
	{ "452 without PIPELINING: the rest not even asked", X_REWIND, NULL,
	  "b@example.org,c@example.org,d@example.org", NULL, 0, NULL, 0, NULL,
	  NULL, NULL,
	  GREET EHLO_PLAIN MAIL_A OK RCPT_B OK RCPT_C TOO_MANY DATA_C GO
	  BODY_ENC QUEUED MAIL_A OK RCPT_C OK RCPT_D OK DATA_C GO BODY_ENC
	  QUEUED QUIT,
	  0, NULL, "DDD", -1 },
	{ "452 with BDAT and --allow-partial", X_REWIND | X_PARTIAL |
	  F_QUITAFTER, NULL, NULL, NULL, 0, NULL, 0, NULL, NULL, NULL,
	  GREET EHLO_CHUNK MAIL_A RCPT_B RCPT_C BDAT_DEF OK OK TOO_MANY QUEUED
	  MAIL_A RCPT_C BDAT_DEF "C: QUIT\n" OK OK QUEUED BYE,
	  0, NULL, "DD", -1 },
	/* --allow-partial */
	{ "--allow-partial: DATA to the accepted ones", X_PARTIAL, NULL,
	  "b@example.org,c@example.org,d@example.org", NULL, 0, NULL, 0, NULL,
	  NULL, NULL,
	  GREET EHLO_PIPE MAIL_A RCPT_B RCPT_C RCPT_D DATA_C OK OK
	  "S: 550 5.1.1 unknown\n" OK GO BODY_ENC QUEUED QUIT,
	  0, NULL, "DRD", -1 },
	{ "--allow-partial: all refused", X_PARTIAL, NULL, NULL, NULL, 0,
	  NULL, 0, NULL, NULL, NULL,
	  GREET EHLO_PIPE MAIL_A RCPT_B RCPT_C DATA_C OK
	  "S: 550 5.1.1 unknown\nS: 451 4.3.0 later\n"
	  "S: 554 5.5.1 no valid recipients\n" QUIT,
	  67, "RCPT TO:<b@example.org>: 550 5.1.1 unknown", "RR", -1 },
	{ "--allow-partial without PIPELINING goes on after a refusal",
	  X_PARTIAL, NULL, NULL, NULL, 0, NULL, 0, NULL, NULL, NULL,
	  GREET EHLO_PLAIN MAIL_A OK RCPT_B "S: 550 5.1.1 unknown\n" RCPT_C OK
	  DATA_C GO BODY_ENC QUEUED QUIT,
	  0, NULL, "RD", -1 },
	/* LMTP (RFC 2033) */
	{ "LMTP with BDAT: one reply per recipient", F_LMTP, NULL,
	  "b@example.org,c@example.org,d@example.org", NULL, 0, NULL, 0, NULL,
	  NULL, NULL,
	  GREET LHLO_CHUNK MAIL_A RCPT_B RCPT_C RCPT_D OK OK OK OK BDAT_DEF
	  "S: 250 2.0.0 <b@example.org> saved\n"
	  "S: 250 2.0.0 <c@example.org> saved\n"
	  "S: 250 2.0.0 <d@example.org> saved\n" QUIT,
	  0, NULL, "DDD", -1 },
	{ "LMTP --allow-partial: mixed replies", F_LMTP | X_PARTIAL, NULL,
	  "b@example.org,c@example.org,d@example.org", NULL, 0, NULL, 0, NULL,
	  NULL, NULL,
	  GREET "C: LHLO " HELO "\nS: 250-mx.example\nS: 250 PIPELINING\n"
	  MAIL_A RCPT_B RCPT_C RCPT_D DATA_C OK "S: 550 5.1.1 unknown\n" OK OK
	  GO BODY_ENC "S: 250 2.0.0 saved\nS: 452 4.2.2 over quota\n" QUIT,
	  0, NULL, "RDR", -1 },
	{ "LMTP: mixed replies, all-or-nothing", F_LMTP, NULL, NULL, NULL, 0,
	  NULL, 0, NULL, NULL, NULL,
	  GREET LHLO_CHUNK MAIL_A RCPT_B RCPT_C OK OK OK BDAT_DEF
	  "S: 452 4.2.2 over quota\nS: 250 2.0.0 saved\n" QUIT,
	  75, "end of data: <b@example.org>: 452 4.2.2 over quota (delivered "
	  "to 1 other recipient)", "RD", -1 },
	/* -bv */
	{ "verify: pipelined, then RSET", X_VERIFY, NULL, NULL, NULL, 0, NULL,
	  0, NULL, NULL, NULL,
	  GREET EHLO_PIPE MAIL_A RCPT_B RCPT_C OK OK "S: 550 5.1.1 unknown\n"
	  "C: RSET\nS: 250 2.0.0 ok\n" QUIT,
	  0, NULL, "AR", 4 },
	{ "verify: serial asks every recipient", X_VERIFY, NULL, NULL, NULL, 0,
	  NULL, 0, NULL, NULL, NULL,
	  GREET EHLO_PLAIN MAIL_A OK RCPT_B "S: 550 5.1.1 unknown\n" RCPT_C OK
	  "C: RSET\nS: 250 2.0.0 ok\n" QUIT,
	  0, NULL, "RA", -1 },
	{ "verify: 452 splits into rounds", X_VERIFY, NULL,
	  "b@example.org,c@example.org,d@example.org", NULL, 0, NULL, 0, NULL,
	  NULL, NULL,
	  GREET EHLO_PIPE MAIL_A RCPT_B RCPT_C RCPT_D OK OK TOO_MANY TOO_MANY
	  "C: RSET\nS: 250 ok\n" MAIL_A RCPT_C RCPT_D OK OK OK
	  "C: RSET\nS: 250 ok\n" QUIT,
	  0, NULL, "AAA", -1 },
	{ "verify: MAIL refused", X_VERIFY, NULL, NULL, NULL, 0, NULL, 0, NULL,
	  NULL, NULL,
	  GREET EHLO_PIPE MAIL_A RCPT_B RCPT_C "S: 553 5.7.1 sender refused\n"
	  "S: 503 5.5.1 need MAIL\nS: 503 5.5.1 need MAIL\n" QUIT,
	  69, "MAIL FROM:<a@example.org>: 553 5.7.1 sender refused", "--",
	  -1 },
	{ "verify: UTF-8 domain without SMTPUTF8", X_VERIFY, NULL,
	  "b@b\xc3\xbc" "cher.example", NULL, 0, NULL, 0, NULL, NULL, NULL,
	  GREET EHLO_PIPE MAIL_A "C: RCPT TO:<b@xn--bcher-kva.example>\n" OK OK
	  "C: RSET\nS: 250 ok\n" QUIT,
	  0, NULL, "A", -1 },
};

static void
test_ext_table(void)
{
	const struct ext_case *c;
	char fates[32], why[2048];
	struct run r;
	size_t i;

	for (i = 0; i < sizeof(ext_cases) / sizeof(ext_cases[0]); i++) {
		c = &ext_cases[i];
		run_ext(c, &r, fates);
		if (!tap_ok(exit_of(&r) == c->want_exit, "%s: exit %d",
		    c->name, c->want_exit))
			tap_diag("got exit %d: %s", exit_of(&r), r.e.msg);
		if (c->want_msg != NULL && !tap_ok(r.rc == -1 &&
		    strstr(r.e.msg, c->want_msg) != NULL,
		    "%s: message has \"%s\"", c->name, c->want_msg))
			tap_diag("got: %s", r.e.msg);
		if (!tap_ok(script_done(r.sc, why, sizeof(why)),
		    "%s: exactly the scripted bytes", c->name))
			tap_diag("%s", why);
		if (c->want_fates != NULL) {
			snprintf(why, sizeof(why), "%s: recipients %s",
			    c->name, c->want_fates);
			tap_str_eq(fates, c->want_fates, why);
		}
		if (c->want_flights >= 0 && !tap_ok(script_flights(r.sc) ==
		    (unsigned long)c->want_flights, "%s: %d flights", c->name,
		    c->want_flights))
			tap_diag("got %lu", script_flights(r.sc));
		run_end(&r);
	}
}

/* A large message in BDAT chunks: the first one goes with the
 * envelope, the rest once the envelope's replies are in, each chunk one
 * spool read with its line ends made CRLF. */
static void
test_bdat_chunks(int fail_first)
{
	size_t n = 300 * 1024, i, k, o;
	char *msg = xmalloc(n), *enc = xmalloc(2 * SPOOL_CHUNK), line[64];
	const char *rcpt[] = { "b@example.org" };
	struct envelope env = { 0 };
	struct body b;
	struct run r;
	char why[2048];

	for (i = 0; i < n; i++)
		msg[i] = i % 64 == 63 ? '\n' : 'a' + (char)(i % 26);
	run_start(&r, fail_first ? GREET EHLO_CHUNK1 MAIL_A OK RCPT_B OK :
	    GREET EHLO_CHUNK MAIL_A RCPT_B, 0, 3000);
	for (i = 0; i < n; i += k) {
		k = n - i < SPOOL_CHUNK ? n - i : SPOOL_CHUNK;
		for (o = 0; o < k; o++) {
			if (msg[i + o] == '\n')
				enc[o + (o / 64)] = '\r';
			enc[o + (o + 1) / 64] = msg[i + o];
		}
		o = k + k / 64;
		snprintf(line, sizeof(line), "C: BDAT %zu%s\n", o,
		    i + k == n ? " LAST" : "");
		script_add_text(r.sc, line);
		script_add(r.sc, SC_EXPECT, enc, o);
		if (fail_first) {
			script_add_text(r.sc, "S: 552 5.3.4 too big\n" QUIT);
			break;
		}
		if (i == 0)
			script_add_text(r.sc, OK OK);
	}
	if (!fail_first)
		script_add_text(r.sc, "C: QUIT\nS: 250 ok\nS: 250 ok\n" QUEUED
		    BYE);
	env.from = "a@example.org";
	env.rcpt = rcpt;
	env.nrcpt = 1;
	env.quit_after = 1;
	memset(&b, 0, sizeof(b));
	b.p = msg;
	b.len = n;
	r.rc = smtp_open(r.sm, &r.e);
	r.rc = r.rc == 0 ? smtp_send(r.sm, &env, body_read, &b, &r.res,
	    &r.e) : -1;
	smtp_quit(r.sm);
	if (fail_first) {
		tap_ok(r.rc == -1 && err_exit_code(r.e.kind) == 69 &&
		    strstr(r.e.msg, "BDAT: 552 5.3.4 too big") != NULL,
		    "BDAT chunk refused: 69, no more chunks (%s)", r.e.msg);
	} else {
		if (!tap_ok(r.rc == 0 && r.res.chunked && r.res.bytes ==
		    n + n / 64, "300 KiB in 3 BDAT chunks (%llu bytes)",
		    r.res.bytes))
			tap_diag("%s", r.e.msg);
	}
	if (!tap_ok(script_done(r.sc, why, sizeof(why)), "BDAT chunks %s: "
	    "exactly the scripted bytes", fail_first ? "refused" : "sent"))
		tap_diag("%s", why);
	run_end(&r);
	free(msg);
	free(enc);
}

/* xtext (RFC 3461) and RFC 6533's unitext, and the parameter lines. */
static void
test_params(void)
{
	static const struct {
		const char	*in, *xtext, *unitext;
	} t[] = {
		{ "plain@example.org", "plain@example.org", "plain@example.org" },
		{ "a+b=c@x", "a+2Bb+3Dc@x", "a\\x{2B}b\\x{3D}c@x" },
		{ "\"a b\"@x", "\"a+20b\"@x", "\"a\\x{20}b\"@x" },
		{ "a\\b@x", "a\\b@x", "a\\x{5C}b@x" },
		{ "\xc3\xbc@x", "+C3+BC@x", "\xc3\xbc@x" },
		{ "", "", "" },
	};
	struct mail_plan p;
	struct envelope env;
	struct caps c;
	struct err e;
	char buf[CMD_LINE_PARAM_MAX], big[ADDR_MAX + 1];
	const char *rcpt[1];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		xtext_encode(t[i].in, buf, sizeof(buf));
		tap_str_eq(buf, t[i].xtext, "xtext");
		unitext_encode(t[i].in, buf, sizeof(buf));
		tap_str_eq(buf, t[i].unitext, "unitext");
	}
	tap_ok(xtext_encode("a=b", buf, 3) == 5 && strcmp(buf, "a") == 0 &&
	    xtext_encode("a=b", buf, 5) == 5 && strcmp(buf, "a+3D") == 0 &&
	    xtext_encode("a=b", buf, 6) == 5 && strcmp(buf, "a+3Db") == 0,
	    "xtext: truncated safely, length needed returned");
	/* An ORCPT over 500 characters is left out (RFC 3461 4.2). */
	memset(big, '=', 200);
	strcpy(big + 200, "@example.org");
	rcpt[0] = big;
	memset(&env, 0, sizeof(env));
	memset(&c, 0, sizeof(c));
	env.from = "";
	env.rcpt = rcpt;
	env.nrcpt = 1;
	env.dsn_notify = "failure";
	c.flags = CAP_DSN;
	tap_ok(mailparam_plan(&p, &env, &c, &e) == 0 &&
	    mailparam_rcpt(&p, &env, 0, buf, sizeof(buf)) == 0 &&
	    strcmp(buf, " NOTIFY=FAILURE") == 0, "ORCPT over 500 left out "
	    "(%s)", buf);
	mailparam_free(&p);
	env.envid = "x\xc3\xa9";
	tap_ok(mailparam_check(&env, &e) == -1 && e.kind == ERR_USAGE,
	    "ENVID: non-ASCII is 64");
	memset(big, 'e', 101);
	big[101] = '\0';
	env.envid = big;
	tap_ok(mailparam_check(&env, &e) == -1 && e.kind == ERR_USAGE &&
	    strstr(e.msg, "longer than 100") != NULL, "ENVID: over 100 is 64");
}

int
main(void)
{
	struct run r;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		run_case(&cases[i], &r);
		check_run(&cases[i], &r);
		run_end(&r);
	}
	test_matrix();
	test_pipelined_flights();
	test_partial_io();
	test_stall();
	test_auth_trace();
	test_reopen();
	test_rset_reuse();
	test_body_failure();
	test_long_line();
	test_big_message();
	test_stream();
	test_ext_table();
	test_bdat_chunks(0);
	test_bdat_chunks(1);
	test_params();
	return tap_done();
}
