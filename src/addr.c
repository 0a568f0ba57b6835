/*
 * addr.c - RFC 5322 address lists, reduced to the addr-spec of each
 * mailbox in the form an SMTP path wants.
 *
 * A small lexer turns the value into words (atoms, quoted strings),
 * domain literals and specials, skipping comments and white space; a
 * recursive-descent parser on top of it follows RFC 5322 3.4 and the
 * obsolete syntax of section 4.4.  Display names are recognised and
 * dropped; encoded words in them are never decoded.  Pure: no I/O, no
 * locale, nothing but limits.h and util.c.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "limits.h"
#include "util.h"

enum toktype { T_END, T_ATOM, T_QSTR, T_DLIT, T_SPECIAL };

struct tok {
	enum toktype	type;
	size_t		start;	/* raw bytes, quotes and brackets included */
	size_t		len;
	char		c;	/* the character of a T_SPECIAL */
};

struct parser {
	const char	*s;
	size_t		i, n;
	char		*why;
	size_t		whylen;
	int		allow_null;	/* "<>" is an address (parse_one) */
	int		single;		/* one mailbox, no group */
};

/* An address being built: local part, then "@domain". */
struct abuf {
	char	b[ADDR_MAX + 1];
	size_t	len;
};

static int
fail(struct parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	if (p->why != NULL && p->whylen > 0) {
		va_start(ap, fmt);
		vsnprintf(p->why, p->whylen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int
is_wsp(int c)
{
	return c == ' ' || c == '\t';
}

/* RFC 5322 atext, with RFC 6532's UTF-8 (any byte >= 0x80). */
static int
is_atext(unsigned char c)
{
	if (c >= 0x80)
		return 1;
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

static int
is_ctl(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

/* Skip white space and (nested) comments. */
static int
skip_cfws(struct parser *p)
{
	int depth;

	for (;;) {
		while (p->i < p->n && is_wsp(p->s[p->i]))
			p->i++;
		if (p->i >= p->n || p->s[p->i] != '(')
			return 0;
		for (depth = 0; p->i < p->n; p->i++) {
			char c = p->s[p->i];

			if (c == '\\')
				p->i++;
			else if (c == '(')
				depth++;
			else if (c == ')' && --depth == 0)
				break;
		}
		if (p->i >= p->n)
			return fail(p, "unbalanced comment");
		p->i++;
	}
}

/* End of the quoted string or domain literal opening at p->i; 0 if it
 * is unterminated, 1 if a domain literal holds '[' or '\\'. */
static size_t
scan_delimited(const struct parser *p, char close)
{
	size_t i;

	for (i = p->i + 1; i < p->n; i++) {
		if (p->s[i] == '\\' && close == '"')
			i++;
		else if (p->s[i] == close)
			return i + 1;
		else if (close == ']' && (p->s[i] == '[' || p->s[i] == '\\'))
			return 1;
	}
	return 0;
}

/* End of an RFC 2047 encoded word at p->i, or 0 if there is none; it is
 * taken whole so that specials in a broken one do not split the name. */
static size_t
scan_encoded_word(const struct parser *p)
{
	size_t i = p->i + 2;
	int q = 0;

	if (p->i + 1 >= p->n || p->s[p->i] != '=' || p->s[p->i + 1] != '?')
		return 0;
	for (; i + 1 < p->n; i++) {
		unsigned char c = (unsigned char)p->s[i];

		if (c <= 0x20 || c >= 0x7f)
			return 0;
		if (c != '?')
			continue;
		if (q == 2 && p->s[i + 1] == '=')
			return i + 2;
		if (++q > 2)
			return 0;
	}
	return 0;
}

static int
lex_delimited(struct parser *p, struct tok *t, enum toktype type)
{
	char close = type == T_QSTR ? '"' : ']';
	size_t end = scan_delimited(p, close);

	if (end == 0)
		return fail(p, "unterminated %s", type == T_QSTR ?
		    "quoted string" : "domain literal");
	if (end == 1)
		return fail(p, "'[' or '\\' in a domain literal");
	t->type = type;
	t->len = end - p->i;
	p->i = end;
	return 0;
}

/* The next token; comments and white space before it are skipped. */
static int
lex(struct parser *p, struct tok *t)
{
	unsigned char c;
	size_t end;

	if (skip_cfws(p) == -1)
		return -1;
	t->start = p->i;
	t->len = 0;
	if (p->i >= p->n) {
		t->type = T_END;
		return 0;
	}
	c = (unsigned char)p->s[p->i];
	if (c == '"')
		return lex_delimited(p, t, T_QSTR);
	if (c == '[')
		return lex_delimited(p, t, T_DLIT);
	if (is_ctl(c))
		return fail(p, "control character 0x%02x", c);
	if (strchr("<>@,;:.", c) != NULL) {
		t->type = T_SPECIAL;
		t->c = (char)c;
		t->len = 1;
		p->i++;
		return 0;
	}
	if (c == ')')
		return fail(p, "unbalanced comment");
	if (!is_atext(c))
		return fail(p, "unexpected '%c'", c);
	if ((end = scan_encoded_word(p)) == 0)
		for (end = p->i; end < p->n && is_atext(p->s[end]); end++)
			;
	t->type = T_ATOM;
	t->len = end - p->i;
	p->i = end;
	return 0;
}

static int
peek(struct parser *p, struct tok *t)
{
	size_t save = p->i;
	int r = lex(p, t);

	p->i = save;
	return r;
}

static int
is_special(const struct tok *t, char c)
{
	return t->type == T_SPECIAL && t->c == c;
}

static int
unexpected(struct parser *p, const struct tok *t, const char *where)
{
	switch (t->type) {
	case T_END:
		return fail(p, "unexpected end of list%s", where);
	case T_SPECIAL:
		return fail(p, "unexpected '%c'%s", t->c, where);
	default:
		return fail(p, "unexpected \"%.*s\"%s", (int)(t->len > 40 ?
		    40 : t->len), p->s + t->start, where);
	}
}

static int
put(struct parser *p, struct abuf *a, const char *s, size_t n)
{
	if (n > ADDR_MAX - a->len)
		return fail(p, "address longer than %d bytes", ADDR_MAX);
	memcpy(a->b + a->len, s, n);
	a->len += n;
	a->b[a->len] = '\0';
	return 0;
}

/* Append the text of a word: an atom as it is, a quoted string without
 * its quotes and with quoted pairs resolved. */
static int
put_word(struct parser *p, struct abuf *a, const struct tok *t)
{
	size_t i, end;

	if (t->type == T_ATOM)
		return put(p, a, p->s + t->start, t->len);
	end = t->start + t->len - 1;
	for (i = t->start + 1; i < end; i++) {
		if (p->s[i] == '\\')
			i++;
		if (put(p, a, p->s + i, 1) == -1)
			return -1;
	}
	return 0;
}

/* Nonzero if s[0..n) is a dot-atom (needs no quotes). */
static int
is_dot_atom(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '.' && s[i + 1] == '.')
			return 0;
		if (s[i] != '.' && !is_atext((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

/* Quote the local part in a->b[0..a->len) if it is not a dot-atom. */
static int
canonical_local(struct parser *p, struct abuf *a)
{
	char raw[ADDR_MAX + 1];
	size_t i, n = a->len;

	if (has_ctl(a->b, n))
		return fail(p, "control character in address");
	if (!is_dot_atom(a->b, n)) {
		memcpy(raw, a->b, n);
		a->len = 0;
		if (put(p, a, "\"", 1) == -1)
			return -1;
		for (i = 0; i < n; i++)
			if (((raw[i] == '"' || raw[i] == '\\') &&
			    put(p, a, "\\", 1) == -1) ||
			    put(p, a, raw + i, 1) == -1)
				return -1;
		if (put(p, a, "\"", 1) == -1)
			return -1;
	}
	if (a->len > ADDR_LOCAL_MAX)
		return fail(p, "local part longer than %d bytes",
		    ADDR_LOCAL_MAX);
	return 0;
}

/* Words and dots from p->i up to the next other token.  *words counts
 * the words; *adjacent is set when two words follow each other without
 * a dot (a display name, not a local part). */
static int
scan_words(struct parser *p, size_t *words, size_t *dots, int *adjacent)
{
	struct tok t;
	int prev_word = 0;

	*words = *dots = 0;
	*adjacent = 0;
	for (;;) {
		if (peek(p, &t) == -1)
			return -1;
		if (t.type == T_ATOM || t.type == T_QSTR) {
			*adjacent |= prev_word;
			prev_word = 1;
			(*words)++;
		} else if (is_special(&t, '.')) {
			prev_word = 0;
			(*dots)++;
		} else
			return 0;
		(void)lex(p, &t);
	}
}

/* Build the local part from the ntok tokens starting at offset from. */
static int
build_local(struct parser *p, size_t from, size_t ntok, struct abuf *a)
{
	struct tok t;
	size_t save = p->i, k;

	p->i = from;
	a->len = 0;
	for (k = 0; k < ntok; k++) {
		if (lex(p, &t) == -1)
			return -1;
		if ((t.type == T_SPECIAL ? put(p, a, ".", 1) :
		    put_word(p, a, &t)) == -1)
			return -1;
	}
	p->i = save;
	return canonical_local(p, a);
}

static int
put_literal(struct parser *p, struct abuf *a, const struct tok *t)
{
	size_t i;

	for (i = t->start; i < t->start + t->len; i++)
		if (!is_wsp(p->s[i]) && put(p, a, p->s + i, 1) == -1)
			return -1;
	return 0;
}

/* domain = dot-atom / domain-literal / obs-domain, after the '@'. */
static int
parse_domain(struct parser *p, struct abuf *a)
{
	struct tok t;
	size_t start = a->len;

	if (lex(p, &t) == -1)
		return -1;
	if (t.type == T_DLIT) {
		if (put_literal(p, a, &t) == -1)
			return -1;
	} else if (t.type != T_ATOM)
		return fail(p, "missing domain after '@'");
	else if (put(p, a, p->s + t.start, t.len) == -1)
		return -1;
	while (t.type == T_ATOM) {
		if (peek(p, &t) == -1)
			return -1;
		if (!is_special(&t, '.'))
			break;
		(void)lex(p, &t);
		if (lex(p, &t) == -1)
			return -1;
		if (t.type != T_ATOM)
			return fail(p, "invalid domain (empty label)");
		if (put(p, a, ".", 1) == -1 ||
		    put(p, a, p->s + t.start, t.len) == -1)
			return -1;
	}
	if (has_ctl(a->b + start, a->len - start))
		return fail(p, "control character in address");
	if (a->len - start > ADDR_DOMAIN_MAX)
		return fail(p, "domain longer than %d bytes", ADDR_DOMAIN_MAX);
	return 0;
}

/* An addr-spec (or a local part alone) whose words start at from; the
 * token after the words is next. */
static int
parse_spec(struct parser *p, size_t from, size_t ntok, const struct tok *next,
    struct abuf *a)
{
	struct tok t;

	if (build_local(p, from, ntok, a) == -1)
		return -1;
	if (!is_special(next, '@'))
		return 0;
	(void)lex(p, &t);
	return put(p, a, "@", 1) == -1 ? -1 : parse_domain(p, a);
}

static int
append(struct addrlist *l, const struct abuf *a)
{
	l->addr = xrealloc(l->addr, (l->n + 1) * sizeof(*l->addr));
	l->addr[l->n++] = xstrndup(a->b, a->len);
	return 0;
}

/* obs-route: "@a,@b:" before the addr-spec; the domains are dropped. */
static int
skip_route(struct parser *p)
{
	struct tok t;
	struct abuf scratch;

	for (;;) {
		if (lex(p, &t) == -1)
			return -1;
		scratch.len = 0;
		if (is_special(&t, ':'))
			return 0;
		if (is_special(&t, '@')) {
			if (parse_domain(p, &scratch) == -1)
				return -1;
		} else if (!is_special(&t, ','))
			return unexpected(p, &t, " in route");
	}
}

/* angle-addr, after the '<'. */
static int
parse_angle(struct parser *p, struct addrlist *l)
{
	struct tok t;
	struct abuf a;
	size_t from, words, dots;
	int adjacent;

	if (peek(p, &t) == -1)
		return -1;
	if ((is_special(&t, '@') || is_special(&t, ',')) && skip_route(p) == -1)
		return -1;
	from = p->i;
	if (scan_words(p, &words, &dots, &adjacent) == -1 ||
	    peek(p, &t) == -1)
		return -1;
	a.len = 0;
	if (words == 0 && dots == 0 && is_special(&t, '>') && p->allow_null)
		a.b[0] = '\0';
	else if (words == 0 || adjacent)
		return fail(p, words ? "spaces in unquoted local part" :
		    "missing address in <>");
	else if (parse_spec(p, from, words + dots, &t, &a) == -1)
		return -1;
	if (lex(p, &t) == -1)
		return -1;
	if (!is_special(&t, '>'))
		return fail(p, "missing '>'");
	return append(l, &a);
}

static int parse_address(struct parser *, struct addrlist *, int);

/* group-list, after the ':'. A missing ';' at the end is forgiven. */
static int
parse_group(struct parser *p, struct addrlist *l)
{
	struct tok t;

	if (p->single)
		return fail(p, "a group is not a single address");
	for (;;) {
		if (peek(p, &t) == -1)
			return -1;
		if (t.type == T_END)
			return 0;
		if (is_special(&t, ';')) {
			(void)lex(p, &t);
			return 0;
		}
		if (parse_address(p, l, 1) == -1 || peek(p, &t) == -1)
			return -1;
		if (is_special(&t, ','))
			(void)lex(p, &t);
		else if (!is_special(&t, ';') && t.type != T_END)
			return unexpected(p, &t, " in group");
	}
}

/* One mailbox without angle brackets (or an empty list element). */
static int
bare_mailbox(struct parser *p, struct addrlist *l, size_t from, size_t words,
    size_t dots, int adjacent, const struct tok *t)
{
	struct abuf a;
	struct tok u;

	if (words == 0 && dots == 0)
		return 0;
	if (words == 0)
		return fail(p, "unexpected '.'");
	if (adjacent)
		return fail(p, is_special(t, '@') ?
		    "spaces in unquoted local part" :
		    "display name without an address");
	a.len = 0;
	if (parse_spec(p, from, words + dots, t, &a) == -1 || peek(p, &u) == -1)
		return -1;
	if (is_special(&u, '<')) {
		/* "a@b <a@b>": an unquoted address as display name */
		(void)lex(p, &u);
		return parse_angle(p, l);
	}
	return append(l, &a);
}

/* An address: a mailbox or (outside a group) a group. Stops before the
 * ',' or ';' that follows it. */
static int
parse_address(struct parser *p, struct addrlist *l, int in_group)
{
	struct tok t;
	size_t from = p->i, words, dots;
	int adjacent;

	if (scan_words(p, &words, &dots, &adjacent) == -1 || peek(p, &t) == -1)
		return -1;
	if (is_special(&t, '<')) {
		(void)lex(p, &t);
		return parse_angle(p, l);
	}
	if (is_special(&t, ':')) {
		if (in_group)
			return fail(p, "nested group");
		(void)lex(p, &t);
		return parse_group(p, l);
	}
	if (is_special(&t, '@') || is_special(&t, ',') || t.type == T_END ||
	    (in_group && is_special(&t, ';')))
		return bare_mailbox(p, l, from, words, dots, adjacent, &t);
	return unexpected(p, &t, "");
}

static void
truncate_list(struct addrlist *l, size_t n)
{
	while (l->n > n)
		free(l->addr[--l->n]);
}

int
addrlist_parse(struct addrlist *l, const char *value, size_t len, char *why,
    size_t whylen)
{
	struct parser p = { value, 0, len, why, whylen, 0, 0 };
	struct tok t;
	size_t n0 = l->n;

	for (;;) {
		if (parse_address(&p, l, 0) == -1 || lex(&p, &t) == -1)
			break;
		if (t.type == T_END)
			return 0;
		if (!is_special(&t, ',')) {
			unexpected(&p, &t, " after an address");
			break;
		}
	}
	truncate_list(l, n0);
	return -1;
}

void
addrlist_free(struct addrlist *l)
{
	if (l == NULL)
		return;
	truncate_list(l, 0);
	free(l->addr);
	l->addr = NULL;
}

int
addr_parse_one(const char *s, char *out, size_t cap, char *why, size_t whylen)
{
	struct parser p = { s, 0, strlen(s), why, whylen, 1, 1 };
	struct addrlist l = { NULL, 0 };
	struct tok t;
	int r = -1;

	if (parse_address(&p, &l, 0) == -1 || lex(&p, &t) == -1)
		goto out;
	if (t.type != T_END)
		unexpected(&p, &t, " after the address");
	else if (l.n == 0)
		fail(&p, "empty address");
	else if (strlen(l.addr[0]) >= cap)
		fail(&p, "address too long");
	else {
		memcpy(out, l.addr[0], strlen(l.addr[0]) + 1);
		r = 0;
	}
out:
	addrlist_free(&l);
	return r;
}

/* ---------------------------------------------------------------- paths */

/* Length of the valid UTF-8 sequence at s, or 0. */
static size_t
utf8_len(const unsigned char *s)
{
	size_t len, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	for (i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

static int
valid_utf8(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t k;

	while (*u != '\0') {
		if (*u < 0x80)
			u++;
		else if ((k = utf8_len(u)) == 0)
			return 0;
		else
			u += k;
	}
	return 1;
}

/* End of the quoted local part at s (after its closing quote), or NULL. */
static const char *
quoted_end(const char *s)
{
	for (s++; *s != '\0'; s++) {
		if (*s == '\\' && s[1] != '\0')
			s++;
		else if (*s == '"')
			return s + 1;
	}
	return NULL;
}

static int
refuse(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
refuse(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why != NULL && whylen > 0) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int
check_domain(const char *d, char *why, size_t whylen)
{
	size_t n = strlen(d);

	if (n > ADDR_DOMAIN_MAX)
		return refuse(why, whylen, "domain longer than %d bytes",
		    ADDR_DOMAIN_MAX);
	if (n >= 2 && d[0] == '[' && d[n - 1] == ']' &&
	    strcspn(d + 1, "[]\\ ") == n - 2)
		return 0;
	if (!is_dot_atom(d, n))
		return refuse(why, whylen, "invalid domain");
	return 0;
}

int
addr_check_path(const char *addr, char *why, size_t whylen)
{
	const char *at;
	size_t len = strlen(addr), local;

	if (len == 0)
		return refuse(why, whylen, "empty address");
	if (has_ctl(addr, len))
		return refuse(why, whylen, "control character in address");
	if (len > ADDR_MAX)
		return refuse(why, whylen, "address longer than %d bytes",
		    ADDR_MAX);
	if (!valid_utf8(addr))
		return refuse(why, whylen, "invalid UTF-8 in address");
	at = *addr == '"' ? quoted_end(addr) : addr + strcspn(addr, "@");
	if (at == NULL)
		return refuse(why, whylen, "unterminated quoted string");
	local = (size_t)(at - addr);
	if (*addr != '"' && !is_dot_atom(addr, local))
		return refuse(why, whylen, "invalid local part");
	if (local > ADDR_LOCAL_MAX)
		return refuse(why, whylen, "local part longer than %d bytes",
		    ADDR_LOCAL_MAX);
	if (*at == '\0')
		return 0;
	if (*at != '@')
		return refuse(why, whylen,
		    "unexpected text after the quoted local part");
	return check_domain(at + 1, why, whylen);
}
