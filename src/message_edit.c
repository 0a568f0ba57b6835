/*
 * message_edit.c - the header edits an account asks for (From, Date,
 * Message-ID and To added when missing, Bcc removed, recipients
 * undisclosed), kept as a plan over the unchanged spool: fields added at
 * the top, fields dropped, a separator added.  The plan gives the size
 * on the wire, and message_reader() hands out the edited message in
 * bounded pieces.  No encoding for the wire here (dotstuff.c does it).
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "header.h"
#include "message.h"
#include "message_impl.h"
#include "util.h"

/* ---------------------------------------------------------------- edits */

static void
add_field(struct message *m, const char *name, const char *value)
{
	char *f = xasprintf("%s: %s\n", name, value);
	size_t n = strlen(f);

	m->added = xrealloc(m->added, m->addedlen + n + 1);
	memcpy(m->added + m->addedlen, f, n + 1);
	m->addedlen += n;
	free(f);
}

/* RFC 5322 3.3 date-time in local time with a numeric zone; English
 * names from tables, whatever the locale. */
static void
rfc5322_date(char *out, size_t cap, time_t t)
{
	static const char days[7][4] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
	};
	static const char months[12][4] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
	};
	struct tm tm;
	long off;

	localtime_r(&t, &tm);
	off = tm.tm_gmtoff / 60;
	snprintf(out, cap, "%s, %d %s %d %02d:%02d:%02d %c%02ld%02ld",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
}

static int
random_bytes(unsigned char *p, size_t n, struct err *e)
{
	ssize_t r;

	while (n > 0) {
		r = getrandom(p, n, 0);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return err_set(e, ERR_OSERR, "getrandom: %s",
			    strerror(errno));
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* "<YYYYMMDDhhmmss.RANDOMHEX@domain>", caller frees. */
static int
make_msgid(char **out, const char *domain, struct err *e)
{
	unsigned char rnd[16];
	char hex[2 * sizeof(rnd) + 1];
	struct tm tm;
	time_t t = time(NULL);
	size_t i;

	if (random_bytes(rnd, sizeof(rnd), e) == -1)
		return -1;
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
	gmtime_r(&t, &tm);
	*out = xasprintf("<%04d%02d%02d%02d%02d%02d.%s@%s>",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, hex, domain);
	return 0;
}

static int
check_edits(const struct message_edits *ed, struct err *e)
{
	const char *d = ed->msgid_domain;

	if (ed->from_header != NULL &&
	    has_ctl(ed->from_header, strlen(ed->from_header)))
		return err_set(e, ERR_USAGE, "control character in the From "
		    "header to add");
	if (ed->to_header != NULL &&
	    has_ctl(ed->to_header, strlen(ed->to_header)))
		return err_set(e, ERR_USAGE, "control character in the To "
		    "header to add");
	if (d != NULL && (*d == '\0' || has_ctl(d, strlen(d)) ||
	    strpbrk(d, " <>@()\"") != NULL))
		return err_set(e, ERR_USAGE, "invalid Message-ID domain");
	return 0;
}

/* Mark every field named name as dropped. */
static void
drop_all(struct message *m, const char *name)
{
	long i = -1;

	while ((i = header_find(&m->h, m->hdr, name, (size_t)(i + 1))) != -1)
		m->drop[i] = 1;
}

/* The Message-ID the message has, or NULL. */
static char *
found_msgid(const struct message *m)
{
	long i = header_find(&m->h, m->hdr, "Message-ID", 0);
	char *v;

	if (i == -1 || header_unfold(&m->h.f[i], m->hdr, &v, NULL) == -1)
		return NULL;
	if (*v == '\0') {
		free(v);
		return NULL;
	}
	return v;
}

static int
has_field(const struct message *m, const char *name)
{
	return header_find(&m->h, m->hdr, name, 0) != -1;
}

int
message_prepare(struct message *m, const struct message_edits *ed,
    struct err *e)
{
	char date[64];

	if (check_edits(ed, e) == -1)
		return -1;
	free(m->added);
	free(m->msgid);
	m->added = m->msgid = NULL;
	m->addedlen = 0;
	memset(m->drop, 0, m->h.n);
	if (ed->remove_bcc) {
		drop_all(m, "Bcc");
		drop_all(m, "Resent-Bcc");
	}
	if (ed->from_header != NULL &&
	    (ed->replace_from || !has_field(m, "From"))) {
		drop_all(m, "From");
		add_field(m, "From", ed->from_header);
	}
	if (ed->add_date && !has_field(m, "Date")) {
		rfc5322_date(date, sizeof(date), time(NULL));
		add_field(m, "Date", date);
	}
	m->msgid = found_msgid(m);
	if (ed->msgid_domain != NULL && !has_field(m, "Message-ID")) {
		if (make_msgid(&m->msgid, ed->msgid_domain, e) == -1)
			return -1;
		add_field(m, "Message-ID", m->msgid);
	}
	/* as Postfix's undisclosed_recipients_header: a Bcc does not
	 * count, it is removed or meant to stay unseen */
	if (ed->to_header != NULL && !has_field(m, "To") &&
	    !has_field(m, "Cc"))
		add_field(m, "To", ed->to_header);
	msg_plan(m);
	message_rewind(m);
	return 0;
}

int
message_undisclose(struct message *m, const char *to, struct err *e)
{
	if (has_ctl(to, strlen(to)))
		return err_set(e, ERR_USAGE, "control character in the To "
		    "header to add");
	drop_all(m, "To");
	drop_all(m, "Cc");
	drop_all(m, "Bcc");
	add_field(m, "To", to);
	msg_plan(m);
	message_rewind(m);
	return 0;
}

const char *
message_id(const struct message *m)
{
	return m->msgid;
}

/* ----------------------------------------------------------------- plan */

/* Line ends in s[0..n) that are a bare LF. */
static unsigned long long
bare_lf(const char *s, size_t n)
{
	const char *p = s, *nl;
	unsigned long long c = 0;

	if (n == 0)
		return 0;
	while ((nl = memchr(p, '\n', n - (size_t)(p - s))) != NULL) {
		if (nl == s || nl[-1] != '\r')
			c++;
		p = nl + 1;
	}
	return c;
}

/* The last byte of the edited message, or -1 if it is empty. */
static int
last_byte(const struct message *m)
{
	size_t i;

	if (m->facts.size > m->h.len)
		return m->last;
	if (m->add_sep)
		return '\n';
	for (i = m->h.n; i > 0; i--)
		if (!m->drop[i - 1])
			return (unsigned char)m->hdr[m->h.f[i - 1].end - 1];
	return m->addedlen > 0 ? '\n' : -1;
}

/* Decide the separator and the size on the wire (every line end CRLF,
 * and a final CRLF added when the message lacks one). */
void
msg_plan(struct message *m)
{
	const struct hfield *f;
	unsigned long long w, hdr_lf;
	size_t i;
	int last;

	m->add_sep = !m->h.separator && (m->facts.size > m->h.body ||
	    (m->h.n == 0 && m->addedlen > 0));
	w = m->addedlen + bare_lf(m->added, m->addedlen);
	for (i = 0; i < m->h.n; i++) {
		f = &m->h.f[i];
		if (!m->drop[i])
			w += f->end - f->start +
			    bare_lf(m->hdr + f->start, f->end - f->start);
	}
	if (m->add_sep)
		w += 2;
	hdr_lf = bare_lf(m->hdr, m->h.len);
	w += m->facts.size - m->h.len;
	if (m->facts.lf_lines > hdr_lf)
		w += m->facts.lf_lines - hdr_lf;
	last = last_byte(m);
	if (last != -1 && last != '\n')
		w += 2;
	m->wire = w;
}

unsigned long long
message_wire_size(const struct message *m)
{
	return m->wire;
}

void
message_rewind(struct message *m)
{
	m->piece = 0;
	m->pos = 0;
}

/* The current piece of the edited message: memory at *p, or the body
 * from the spool when *p is NULL; *len bytes. Returns 0 past the end. */
static int
piece(const struct message *m, const char **p, unsigned long long *len)
{
	size_t k = m->piece;

	*p = NULL;
	if (k == 0) {
		*p = m->added;
		*len = m->addedlen;
	} else if (k <= m->h.n) {
		*p = m->hdr + m->h.f[k - 1].start;
		*len = m->drop[k - 1] ? 0 :
		    m->h.f[k - 1].end - m->h.f[k - 1].start;
	} else if (k == m->h.n + 1) {
		*p = "\n";
		*len = (unsigned long long)m->add_sep;
	} else if (k == m->h.n + 2)
		*len = m->facts.size - m->h.len;
	else
		return 0;
	return 1;
}

ssize_t
message_reader(void *ctx, void *buf, size_t n, struct err *e)
{
	struct message *m = ctx;
	char *out = buf;
	const char *p;
	unsigned long long len;
	size_t o = 0, k;

	while (o < n && piece(m, &p, &len)) {
		if (m->pos >= len) {
			m->piece++;
			m->pos = 0;
			continue;
		}
		k = len - m->pos < n - o ? (size_t)(len - m->pos) : n - o;
		if (p != NULL)
			memcpy(out + o, p + m->pos, k);
		else if (msg_spool_pread(m, out + o, k, m->h.len + m->pos,
		    e) == -1)
			return -1;
		m->pos += k;
		o += k;
	}
	return (ssize_t)o;
}

/* ---------------------------------------------------------------- 8-bit field */

/* The field starting at f (up to end) holds a byte >= 0x80: its name. */
static int
name_of_8bit(const char *f, const char *end, char *name, size_t cap)
{
	size_t n;

	if (!msg_has_high(f, (size_t)(end - f)))
		return 0;
	for (n = 0; f + n < end && f[n] != ':' && f[n] != '\n'; n++)
		;
	snprintf(name, cap, "%.*s", (int)n, f);
	return 1;
}

int
message_8bit_field(const struct message *m, char *name, size_t cap)
{
	const char *p = m->added, *end = m->added + m->addedlen, *nl;
	size_t i;

	while (p != NULL && p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		nl = nl != NULL ? nl + 1 : end;
		if (name_of_8bit(p, nl, name, cap))
			return 1;
		p = nl;
	}
	for (i = 0; i < m->h.n; i++)
		if (!m->drop[i] && name_of_8bit(m->hdr + m->h.f[i].start,
		    m->hdr + m->h.f[i].end, name, cap))
			return 1;
	return 0;
}
