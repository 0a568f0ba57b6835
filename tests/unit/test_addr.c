/*
 * test_addr.c - address lists, single addresses and SMTP path checks.
 *
 * Each list case gives the addresses expected, joined by '|', or "!"
 * and a piece of the reason expected for a refusal.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "limits.h"
#include "util.h"
#include "../tap.h"

static const struct {
	const char	*in;
	const char	*want;
} lists[] = {
	/* plain mailboxes and lists */
	{ "a@example.com", "a@example.com" },
	{ "  a@example.com  ", "a@example.com" },
	{ "a@b.c, d@e.f", "a@b.c|d@e.f" },
	{ "a@b,d@e,f@g", "a@b|d@e|f@g" },
	{ "", "" },
	{ "   ", "" },
	{ "<a@b>", "a@b" },
	{ "John Doe <john@example.com>", "john@example.com" },
	{ "\"Doe, John\" <john@example.com>, x@y", "john@example.com|x@y" },
	{ "\"Jo \\\"the\\\" Doe\" <j@x>", "j@x" },
	{ "John Q. Public <jqp@x.org>", "jqp@x.org" },
	/* groups */
	{ "undisclosed-recipients:;", "" },
	{ "undisclosed-recipients: ;", "" },
	{ "undisclosed-recipients:", "" },
	{ "friends: a@b, C <c@d>;", "a@b|c@d" },
	{ "friends: a@b, c@d; e@f", "!unexpected \"e\" after an address" },
	{ "x@y, team: (nobody) ;, z@w", "x@y|z@w" },
	{ "g: a@b,,c@d,;", "a@b|c@d" },
	{ "a: b: c@d;;", "!nested group" },
	/* comments */
	{ "a@b (John Doe)", "a@b" },
	{ "(lead) a@b", "a@b" },
	{ "a(x)@b", "a@b" },
	{ "a@(x)b", "a@b" },
	{ "a@b(c).d", "a@b.d" },
	{ "John (the (nested) one) <j@x>", "j@x" },
	{ "a@b (esc \\) paren)", "a@b" },
	{ "a@b (unclosed", "!unbalanced comment" },
	{ "a@b (x (y)", "!unbalanced comment" },
	{ "a@b)", "!unbalanced comment" },
	/* quoted local parts */
	{ "\"a b\"@x", "\"a b\"@x" },
	{ "\"ab\"@x", "ab@x" },
	{ "\"a.b\"@x", "a.b@x" },
	{ "\"a\".\"b\"@x", "a.b@x" },
	{ "\"a\\\"b\"@x", "\"a\\\"b\"@x" },
	{ "\"a\\\\b\"@x", "\"a\\\\b\"@x" },
	{ "\"a@b\"@x", "\"a@b\"@x" },
	{ "\"a,b\"@x, c@d", "\"a,b\"@x|c@d" },
	{ "\"\"@x", "\"\"@x" },
	{ "\"unterminated@x", "!unterminated quoted string" },
	{ "Name <\"a b\"@x>", "\"a b\"@x" },
	/* folding kept as white space by header_unfold */
	{ "John\r\n Doe <j@x>", "!control character" },
	{ "John\t Doe <j@x>,\t k@y", "j@x|k@y" },
	/* encoded words stay raw in display names */
	{ "=?UTF-8?Q?J=C3=B6rg?= <j@x>", "j@x" },
	{ "=?utf-8?b?Sm9yZw==?= =?utf-8?q?M=C3=BCller?= <j@x>", "j@x" },
	{ "=?iso-8859-1?q?Doe,_J.?= <j@x>, k@y", "j@x|k@y" },
	/* obsolete forms */
	{ "<@a.example,@b.example:user@c.example>", "user@c.example" },
	{ "Name <@a:user@c>", "user@c" },
	{ "<,@a,,@b:u@c>", "u@c" },
	{ "a . b@c", "a.b@c" },
	{ "a (x) . b @ c . d", "a.b@c.d" },
	{ "\"a\" . b@c", "a.b@c" },
	{ "a..b@c", "\"a..b\"@c" },
	{ "<a@b> (trailing comment)", "a@b" },
	/* domain literals */
	{ "a@[1.2.3.4]", "a@[1.2.3.4]" },
	{ "a@[IPv6:2001:db8::1]", "a@[IPv6:2001:db8::1]" },
	{ "a@[ 1.2.3.4 ]", "a@[1.2.3.4]" },
	{ "a@[1.2.3.4", "!unterminated domain literal" },
	{ "a@[1.[2]", "!domain literal" },
	/* empty list elements */
	{ ", ,a@b,, ,", "a@b" },
	{ ",", "" },
	/* no domain: qualified elsewhere */
	{ "root", "root" },
	{ "root, a@b", "root|a@b" },
	{ "<postmaster>", "postmaster" },
	/* UTF-8 (RFC 6532) */
	{ "j\xc3\xb6rg@b\xc3\xbc\x63her.example",
	    "j\xc3\xb6rg@b\xc3\xbc\x63her.example" },
	{ "\xe7\x94\xb0\xe4\xb8\xad <\xe7\x94\xb0@\xe4\xbe\x8b.jp>",
	    "\xe7\x94\xb0@\xe4\xbe\x8b.jp" },
	/* Bcc-style lists */
	{ "Bob <bob@x>, \"Alice\" <alice@y>, carol@z (C)",
	    "bob@x|alice@y|carol@z" },
	{ "a@x.example, a@x.example", "a@x.example|a@x.example" },
	/* unquoted address used as a display name */
	{ "a@b <c@d>", "c@d" },
	/* errors */
	{ "<a@b", "!missing '>'" },
	{ "Name <a@b c>", "!missing '>'" },
	{ "<>", "!missing address" },
	{ "a@", "!missing domain" },
	{ "a@b.", "!invalid domain" },
	{ "a@.b", "!missing domain" },
	{ "@b", "!unexpected '@'" },
	{ "John Doe", "!display name without an address" },
	{ "John Doe@x", "!spaces in unquoted local part" },
	{ "a@b c@d", "!unexpected" },
	{ "a@b; c@d", "!unexpected ';'" },
	{ "a@b>", "!unexpected '>'" },
	{ "a\\b@c", "!unexpected '\\'" },
	{ "a@b]", "!unexpected ']'" },
	{ "a\x01@b", "!control character" },
	{ "<a@b> x", "!unexpected" },
	{ "<@a:>", "!missing address" },
	{ "<@a x:u@c>", "!route" },
	{ "., a@b", "!unexpected '.'" },
	{ ". a@b", "\".a\"@b" },
};

/* A test name safe for TAP: controls escaped. */
static const char *
safe(const char *s)
{
	static char buf[512];

	return escape_text(buf, sizeof(buf), s, strlen(s));
}

static void
join(char *out, size_t cap, const struct addrlist *l)
{
	size_t i, o = 0;

	out[0] = '\0';
	for (i = 0; i < l->n && o < cap; i++)
		o += (size_t)snprintf(out + o, cap - o, "%s%s", i ? "|" : "",
		    l->addr[i]);
}

static void
test_lists(void)
{
	struct addrlist l;
	char got[1024], why[256];
	const char *want;
	size_t i;
	int r;

	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		memset(&l, 0, sizeof(l));
		why[0] = '\0';
		want = lists[i].want;
		r = addrlist_parse(&l, lists[i].in, strlen(lists[i].in), why,
		    sizeof(why));
		if (want[0] == '!') {
			if (!tap_ok(r == -1 && l.n == 0 &&
			    strstr(why, want + 1) != NULL, "refused: %s",
			    safe(lists[i].in)))
				tap_diag("r=%d n=%zu why=%s", r, l.n, why);
		} else if (r == -1)
			tap_ok(0, "%s: %s", safe(lists[i].in), why);
		else {
			join(got, sizeof(got), &l);
			tap_str_eq(got, want, safe(lists[i].in));
		}
		addrlist_free(&l);
	}
}

/* addrlist_parse appends to a list; a failure leaves it as it was. */
static void
test_append(void)
{
	struct addrlist l = { NULL, 0 };
	char why[256], got[256];
	int r;

	r = addrlist_parse(&l, "a@b", 3, why, sizeof(why)) == 0 &&
	    addrlist_parse(&l, "c@d, e@f", 8, why, sizeof(why)) == 0 &&
	    addrlist_parse(&l, "g@h, <x", 7, why, sizeof(why)) == -1;
	join(got, sizeof(got), &l);
	tap_ok(r && strcmp(got, "a@b|c@d|e@f") == 0,
	    "appends; a failed parse leaves the list as it was (%s)", got);
	addrlist_free(&l);
	addrlist_free(NULL);
	tap_ok(l.n == 0 && l.addr == NULL, "addrlist_free empties the list");
}

/* Limits: local part, domain, whole address. */
static void
test_limits(void)
{
	static const struct {
		size_t	local, domain;
		int	ok;
		const char *why;
	} lim[] = {
		{ ADDR_LOCAL_MAX, 20, 1, "" },
		{ ADDR_LOCAL_MAX + 1, 20, 0, "local part longer" },
		{ 1, ADDR_MAX - 2, 1, "" },
		{ 1, ADDR_MAX - 1, 0, "longer than" },
		{ ADDR_LOCAL_MAX, ADDR_MAX - ADDR_LOCAL_MAX - 1, 1, "" },
		{ ADDR_LOCAL_MAX, ADDR_MAX - ADDR_LOCAL_MAX, 0, "longer than" },
	};
	struct addrlist l = { NULL, 0 };
	char buf[1024], why[256];
	size_t i;
	int r;

	for (i = 0; i < sizeof(lim) / sizeof(lim[0]); i++) {
		memset(buf, 'a', lim[i].local);
		buf[lim[i].local] = '@';
		memset(buf + lim[i].local + 1, 'b', lim[i].domain);
		buf[lim[i].local + 1 + lim[i].domain] = '\0';
		why[0] = '\0';
		r = addrlist_parse(&l, buf, strlen(buf), why, sizeof(why));
		tap_ok(lim[i].ok ? r == 0 : r == -1 &&
		    strstr(why, lim[i].why) != NULL,
		    "local %zu, domain %zu: %s", lim[i].local, lim[i].domain,
		    lim[i].ok ? "accepted" : why);
		r = addr_check_path(buf, why, sizeof(why));
		tap_ok(lim[i].ok ? r == 0 : r == -1,
		    "addr_check_path: local %zu, domain %zu", lim[i].local,
		    lim[i].domain);
		addrlist_free(&l);
	}
}

static const struct {
	const char	*addr;
	const char	*why;	/* NULL: accepted */
} paths[] = {
	{ "a@b.example", NULL },
	{ "first.last+tag@example.com", NULL },
	{ "\"a b\"@example.com", NULL },
	{ "\"a\\\"b\"@x", NULL },
	{ "a@[192.0.2.1]", NULL },
	{ "a@[IPv6:2001:db8::1]", NULL },
	{ "postmaster", NULL },
	{ "j\xc3\xb6rg@b\xc3\xbc\x63her.example", NULL },
	{ "", "empty" },
	{ "a b@c", "invalid local part" },
	{ ".a@b", "invalid local part" },
	{ "a.@b", "invalid local part" },
	{ "a..b@c", "invalid local part" },
	{ "a@b@c", "invalid domain" },
	{ "a@", "invalid domain" },
	{ "a@b..c", "invalid domain" },
	{ "a@-", NULL },
	{ "a@b\r\nRCPT TO:<x@y>", "control" },
	{ "a\tb@c", "control" },
	{ "a@b\x7f", "control" },
	{ "\"a@b", "unterminated" },
	{ "\"a\"x@b", "unexpected text" },
	{ "\xff@b", "UTF-8" },
	{ "a@\xc3", "UTF-8" },
	{ "a@[1.2.3.4", "invalid domain" },
	{ "a@[1 2]", "invalid domain" },
	{ "<a@b>", "invalid local part" },
};

static void
test_paths(void)
{
	char why[256];
	size_t i;
	int r;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		why[0] = '\0';
		r = addr_check_path(paths[i].addr, why, sizeof(why));
		if (paths[i].why == NULL)
			tap_ok(r == 0, "path ok: %s%s%s", safe(paths[i].addr),
			    r ? " -- " : "", why);
		else
			tap_ok(r == -1 && strstr(why, paths[i].why) != NULL,
			    "path refused (%s): %s", paths[i].why, why);
	}
}

static const struct {
	const char	*in;
	const char	*want;	/* "!reason" for a refusal */
} ones[] = {
	{ "a@b", "a@b" },
	{ "<a@b>", "a@b" },
	{ "  <a@b>  ", "a@b" },
	{ "Name <a@b>", "a@b" },
	{ "\"Last, First\" <a@b>", "a@b" },
	{ "a@b (comment)", "a@b" },
	{ "<>", "" },
	{ "user", "user" },
	{ "\"a b\"@c", "\"a b\"@c" },
	{ "<@r:a@b>", "a@b" },
	{ "", "!empty address" },
	{ "a@b, c@d", "!unexpected ','" },
	{ "a@b,", "!unexpected ','" },
	{ "g: a@b;", "!group" },
	{ "<a@b", "!missing '>'" },
	{ "a@b\nRCPT TO:<c@d>", "!control" },
	{ "Full Name", "!display name without an address" },
};

static void
test_one(void)
{
	char out[ADDR_MAX + 1], small[4], why[256];
	size_t i;
	int r;

	for (i = 0; i < sizeof(ones) / sizeof(ones[0]); i++) {
		why[0] = out[0] = '\0';
		r = addr_parse_one(ones[i].in, out, sizeof(out), why,
		    sizeof(why));
		if (ones[i].want[0] == '!')
			tap_ok(r == -1 && strstr(why, ones[i].want + 1) != NULL,
			    "parse_one refuses \"%s\" (%s)", safe(ones[i].in),
			    why);
		else if (r == -1)
			tap_ok(0, "parse_one \"%s\": %s", safe(ones[i].in),
			    why);
		else
			tap_str_eq(out, ones[i].want, safe(ones[i].in));
	}
	r = addr_parse_one("abcd@e", small, sizeof(small), why, sizeof(why));
	tap_ok(r == -1 && strstr(why, "too long") != NULL,
	    "parse_one respects the output capacity");
}

int
main(void)
{
	test_lists();
	test_append();
	test_limits();
	test_paths();
	test_one();
	return tap_done();
}
