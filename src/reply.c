/*
 * reply.c - SMTP reply validation, enhanced status codes, EHLO capabilities.
 *
 * Pure: lines in, facts out; no I/O, no allocation.  A reply is accepted
 * only when every line is well formed and within the REPLY_* limits of
 * limits.h; anything else is REPLY_BAD with a short reason, which the
 * engine turns into ERR_PROTOCOL.  Server text is kept raw here and only
 * escaped on the way out (reply_summary()).
 */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "reply.h"
#include "util.h"

/* <limits.h> is shadowed by src/limits.h on the include path. */
#define SIZE_SATURATED	(~0ULL)

/* RFC 4422 3.1: a SASL mechanism name is 1 to 20 characters. */
#define SASL_MECH_MAX	20

static const struct {
	const char	*name;
	unsigned	 flag;
} cap_table[] = {
	{ "PIPELINING",		 CAP_PIPELINING },
	{ "SIZE",		 CAP_SIZE },
	{ "8BITMIME",		 CAP_8BITMIME },
	{ "SMTPUTF8",		 CAP_SMTPUTF8 },
	{ "CHUNKING",		 CAP_CHUNKING },
	{ "BINARYMIME",		 CAP_BINARYMIME },
	{ "DSN",		 CAP_DSN },
	{ "ENHANCEDSTATUSCODES", CAP_ENHANCEDSTATUSCODES },
	{ "STARTTLS",		 CAP_STARTTLS },
	{ "AUTH",		 CAP_AUTH },
};

void
reply_init(struct reply *r)
{
	memset(r, 0, sizeof(*r));
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static enum reply_status
bad(char *why, size_t whylen, const char *reason)
{
	if (why != NULL && whylen > 0)
		snprintf(why, whylen, "%s", reason);
	return REPLY_BAD;
}

/* Number of digits at t[*i..n), advancing *i past them. */
static size_t
digits(const char *t, size_t n, size_t *i)
{
	size_t start = *i;

	while (*i < n && is_digit((unsigned char)t[*i]))
		(*i)++;
	return *i - start;
}

/*
 * RFC 3463 enhanced status code at the start of the first line's text:
 * class "." subject "." detail, subject and detail 1-3 digits, followed
 * by a space or the end.  The class must be the reply's own class (2, 4
 * or 5; RFC 3463 defines no class 3), else the code is not trusted.
 */
static void
parse_enh(struct reply *r, const char *t, size_t n)
{
	size_t i = 2, d;
	int class = r->code / 100;

	r->enh[0] = '\0';
	if (class == 3 || n < 5 || t[0] != '0' + class || t[1] != '.')
		return;
	d = digits(t, n, &i);
	if (d < 1 || d > 3 || i >= n || t[i] != '.')
		return;
	i++;
	d = digits(t, n, &i);
	if (d < 1 || d > 3 || (i < n && t[i] != ' '))
		return;
	memcpy(r->enh, t, i);
	r->enh[i] = '\0';
}

/* Check the code and separator of one line; *last is set for the final
 * line. Returns NULL or the reason the line is malformed. */
static const char *
check_head(const char *line, size_t len, int *code, int *last)
{
	if (len < 3 || !is_digit((unsigned char)line[0]) ||
	    !is_digit((unsigned char)line[1]) ||
	    !is_digit((unsigned char)line[2]))
		return "not a reply line";
	if (line[0] < '2' || line[0] > '5')
		return "reply code out of range (not 2xx-5xx)";
	*code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	if (len == 3 || line[3] == ' ')
		*last = 1;
	else if (line[3] == '-')
		*last = 0;
	else
		return "bad separator after reply code";
	return NULL;
}

enum reply_status
reply_feed(struct reply *r, const char *line, size_t len, char *why,
    size_t whylen)
{
	const char *reason, *text;
	size_t tlen, need;
	int code = 0, last = 0;

	if (len > REPLY_LINE_MAX)
		return bad(why, whylen, "reply line too long");
	if (r->nlines >= REPLY_LINES_MAX)
		return bad(why, whylen, "reply has too many lines");
	if ((reason = check_head(line, len, &code, &last)) != NULL)
		return bad(why, whylen, reason);
	if (r->nlines > 0 && code != r->code)
		return bad(why, whylen, "reply codes differ between lines");
	text = len > 3 ? line + 4 : line + 3;
	tlen = len > 3 ? len - 4 : 0;
	if (memchr(text, '\0', tlen) != NULL)
		return bad(why, whylen, "NUL byte in reply");
	/* The lines are joined by '\n', so one inside a line would forge
	 * a line boundary; the stream never passes one. */
	if (memchr(text, '\n', tlen) != NULL)
		return bad(why, whylen, "line feed inside reply line");
	need = r->textlen + (r->nlines > 0) + tlen;
	if (need >= sizeof(r->text))	/* room for the final NUL */
		return bad(why, whylen, "reply too long");

	if (r->nlines > 0)
		r->text[r->textlen++] = '\n';
	memcpy(r->text + r->textlen, text, tlen);
	r->textlen += tlen;
	r->text[r->textlen] = '\0';
	if (r->nlines++ == 0) {
		r->code = code;
		parse_enh(r, text, tlen);
	}
	return last ? REPLY_DONE : REPLY_MORE;
}

/* Append sep and the escaped t[0..n) at buf+*o; 0 once buf is full. */
static int
summary_add(char *buf, size_t cap, size_t *o, const char *sep,
    const char *t, size_t n)
{
	size_t slen = strlen(sep);

	if (*o + slen + 1 >= cap)
		return 0;
	memcpy(buf + *o, sep, slen + 1);
	*o += slen;
	escape_text(buf + *o, cap - *o, t, n);
	*o += strlen(buf + *o);
	return *o + 1 < cap;
}

/*
 * "CODE text": the text of every non-empty line, escaped, joined by
 * " / " so that the summary stays on one line; cut to fit cap.
 */
const char *
reply_summary(const struct reply *r, char *buf, size_t cap)
{
	const char *t = r->text, *end = r->text + r->textlen, *nl;
	const char *sep = " ";
	size_t o;

	if (cap == 0)
		return buf;
	snprintf(buf, cap, "%03d", r->code);
	o = strlen(buf);
	for (; r->nlines > 0; t = nl + 1) {
		if ((nl = memchr(t, '\n', (size_t)(end - t))) == NULL)
			nl = end;
		if (nl > t) {
			if (!summary_add(buf, cap, &o, sep, t, (size_t)(nl - t)))
				break;
			sep = " / ";
		}
		if (nl == end)
			break;
	}
	return buf;
}

/* SIZE's parameter: decimal, saturating at SIZE_SATURATED (a limit nothing
 * reaches); 0 when absent or not a number (no limit known). */
static unsigned long long
parse_size(const char *p, size_t n)
{
	unsigned long long v = 0;
	size_t i = 0, start;

	while (i < n && p[i] == ' ')
		i++;
	start = i;
	for (; i < n && is_digit((unsigned char)p[i]); i++) {
		unsigned d = (unsigned)(p[i] - '0');

		if (v > (SIZE_SATURATED - d) / 10)
			v = SIZE_SATURATED;
		else
			v = v * 10 + d;
	}
	if (i == start || (i < n && p[i] != ' '))
		return 0;
	return v;
}

/* A well-formed SASL mechanism name (RFC 4422 3.1), any case. */
static int
mech_ok(const char *m, size_t n)
{
	size_t i;

	if (n < 1 || n > SASL_MECH_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)m[i];

		if (!is_digit(c) && !(c >= 'A' && c <= 'Z') &&
		    !(c >= 'a' && c <= 'z') && c != '-' && c != '_')
			return 0;
	}
	return 1;
}

/* Whether the list (space-separated, upper case) holds mechanism m. */
static int
mech_known(const char *list, const char *m, size_t n)
{
	const char *p = list;

	while (*p != '\0') {
		size_t len = strcspn(p, " ");

		if (len == n && memcmp(p, m, n) == 0)
			return 1;
		p += len;
		if (*p == ' ')
			p++;
	}
	return 0;
}

/* Add one mechanism, upper-cased; skipped when malformed, known or when
 * it does not fit. */
static void
mech_add(struct caps *c, const char *m, size_t n)
{
	char up[SASL_MECH_MAX];
	size_t i, used = strlen(c->auth), sep = used > 0;

	if (!mech_ok(m, n))
		return;
	for (i = 0; i < n; i++)
		up[i] = (char)(m[i] >= 'a' && m[i] <= 'z' ? m[i] - 32 : m[i]);
	if (mech_known(c->auth, up, n) || used + sep + n >= sizeof(c->auth))
		return;
	if (sep)
		c->auth[used++] = ' ';
	memcpy(c->auth + used, up, n);
	c->auth[used + n] = '\0';
}

static void
parse_auth(struct caps *c, const char *p, size_t n)
{
	size_t i = 0, start;

	while (i < n) {
		while (i < n && p[i] == ' ')
			i++;
		start = i;
		while (i < n && p[i] != ' ')
			i++;
		if (i > start)
			mech_add(c, p + start, i - start);
	}
}

/* One EHLO line: keyword [params]; "AUTH=..." is the pre-RFC form. */
static void
cap_line(struct caps *c, const char *l, size_t n)
{
	size_t w = 0, k;

	while (w < n && l[w] != ' ' && l[w] != '=')
		w++;
	for (k = 0; k < sizeof(cap_table) / sizeof(cap_table[0]); k++) {
		if (strlen(cap_table[k].name) != w ||
		    ascii_ncasecmp(l, cap_table[k].name, w) != 0)
			continue;
		if (w < n && l[w] == '=' && cap_table[k].flag != CAP_AUTH)
			return;
		if (cap_table[k].flag == CAP_AUTH) {
			parse_auth(c, l + w + (w < n), n - w - (w < n));
			return;
		}
		c->flags |= cap_table[k].flag;
		if (cap_table[k].flag == CAP_SIZE)
			c->size_max = parse_size(l + w, n - w);
		return;
	}
}

/*
 * Capabilities from a complete EHLO reply; the first line (the server's
 * name and greeting) is skipped. CAP_AUTH is set only when at least one
 * well-formed mechanism was offered, so that an AUTH line the client
 * could never use does not count as "AUTH offered".
 */
void
caps_parse(struct caps *c, const struct reply *r)
{
	const char *t = r->text, *end = r->text + r->textlen, *nl;

	memset(c, 0, sizeof(*c));
	if (r->nlines < 2)
		return;
	t = memchr(t, '\n', r->textlen);
	while (t != NULL && t < end) {
		t++;
		if ((nl = memchr(t, '\n', (size_t)(end - t))) == NULL)
			nl = end;
		cap_line(c, t, (size_t)(nl - t));
		t = nl;
	}
	if (c->auth[0] != '\0')
		c->flags |= CAP_AUTH;
}
