/*
 * header.c - the RFC 5322 header section: where it ends, where each field
 * starts and ends, and a field's value unfolded into one line.
 *
 * Pure: works on a buffer of bytes and returns offsets into it.  It does
 * not interpret values (addr.c does) and never changes the bytes, so the
 * message can be sent exactly as written.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "header.h"
#include "limits.h"
#include "util.h"

/* One line of the buffer: [start, eol) is its text, next the offset
 * after its line end (LF or CRLF; a CR alone is an ordinary byte). */
struct line {
	size_t	start;
	size_t	eol;
	size_t	next;
};

static void
next_line(const char *buf, size_t len, size_t pos, struct line *l)
{
	const char *nl = memchr(buf + pos, '\n', len - pos);

	l->start = pos;
	if (nl == NULL) {
		l->eol = l->next = len;
		return;
	}
	l->next = (size_t)(nl - buf) + 1;
	l->eol = l->next - 1;
	if (l->eol > pos && buf[l->eol - 1] == '\r')
		l->eol--;
}

static int
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* The length of the field name if the line starts a field ("name:",
 * obsolete white space allowed before the colon), else 0. */
static size_t
field_name_len(const char *buf, const struct line *l)
{
	size_t i, name;

	for (i = l->start; i < l->eol; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c <= 0x20 || c >= 0x7f || c == ':')
			break;
	}
	name = i - l->start;
	if (name == 0)
		return 0;
	while (i < l->eol && is_wsp(buf[i]))
		i++;
	if (i >= l->eol || buf[i] != ':')
		return 0;
	return name;
}

static int
add_field(struct headers *h, size_t *cap, const struct line *l, size_t name,
    const char *buf, struct err *e)
{
	struct hfield *f;

	if (h->n >= HEADER_FIELDS_MAX)
		return err_set(e, ERR_DATA, "more than %d header fields",
		    HEADER_FIELDS_MAX);
	if (h->n == *cap) {
		*cap = *cap ? *cap * 2 : 32;
		h->f = xrealloc(h->f, *cap * sizeof(*h->f));
	}
	f = &h->f[h->n++];
	f->start = l->start;
	f->name_len = name;
	f->value = (size_t)((const char *)memchr(buf + l->start + name, ':',
	    l->eol - l->start - name) - buf) + 1;
	f->end = l->next;
	return 0;
}

int
header_parse(struct headers *h, const char *buf, size_t len, struct err *e)
{
	struct line l;
	size_t pos = 0, cap = 0, name;

	memset(h, 0, sizeof(*h));
	while (pos < len) {
		next_line(buf, len, pos, &l);
		if (l.eol == l.start && l.next > l.start) {
			h->separator = 1;
			h->len = pos;
			h->body = l.next;
			return 0;
		}
		if (is_wsp(buf[pos]) && h->n > 0)
			h->f[h->n - 1].end = l.next;
		else if (is_wsp(buf[pos]) ||
		    (name = field_name_len(buf, &l)) == 0)
			break;
		else if (add_field(h, &cap, &l, name, buf, e) == -1) {
			headers_free(h);
			return -1;
		}
		pos = l.next;
	}
	h->len = h->body = pos;
	return 0;
}

void
headers_free(struct headers *h)
{
	if (h == NULL)
		return;
	free(h->f);
	memset(h, 0, sizeof(*h));
}

int
header_is(const struct hfield *f, const char *buf, const char *name)
{
	size_t n = strlen(name);

	return f->name_len == n && ascii_ncasecmp(buf + f->start, name, n) == 0;
}

long
header_find(const struct headers *h, const char *buf, const char *name,
    size_t from)
{
	size_t i;

	for (i = from; i < h->n; i++)
		if (header_is(&h->f[i], buf, name))
			return (long)i;
	return -1;
}

int
header_unfold(const struct hfield *f, const char *buf, char **out,
    struct err *e)
{
	size_t pos = f->value, o = 0, a, b;
	struct line l;
	char *s;

	*out = NULL;
	s = xmalloc(f->end - f->value + 1);
	while (pos < f->end) {
		next_line(buf, f->end, pos, &l);
		memcpy(s + o, buf + l.start, l.eol - l.start);
		o += l.eol - l.start;
		pos = l.next;
	}
	for (a = 0; a < o && is_wsp(s[a]); a++)
		;
	for (b = o; b > a && is_wsp(s[b - 1]); b--)
		;
	if (b - a > HEADER_FIELD_MAX) {
		free(s);
		return err_set(e, ERR_DATA, "header field %.*s longer than "
		    "%d bytes", (int)f->name_len, buf + f->start,
		    HEADER_FIELD_MAX);
	}
	memmove(s, s + a, b - a);
	s[b - a] = '\0';
	*out = s;
	return 0;
}
