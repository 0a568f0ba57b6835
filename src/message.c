/*
 * message.c - the message: all of the input in a private spool, its header
 * section in memory, the edits an account asks for, and the edited
 * message handed out in bounded pieces.
 *
 * The spool is an unlinked temporary file (mode 0600), so the message
 * never lingers on disk and memory does not grow with its size.  The raw
 * input is never changed: edits are a plan (fields added at the top,
 * fields dropped, a separator added) applied while reading it back.
 * This file does no encoding for the wire (dotstuff.c does).
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "header.h"
#include "limits.h"
#include "message.h"
#include "util.h"

struct message {
	int		fd;		/* the unlinked spool */
	char		*hdr;		/* the input up to the header's end */
	size_t		hdrlen;
	struct headers	h;		/* parsed from hdr */
	struct message_facts facts;
	int		last;		/* the input's last byte, or -1 */

	/* the edit plan (message_prepare) */
	char		*added;		/* fields added at the top */
	size_t		addedlen;
	unsigned char	*drop;		/* per field: not sent */
	int		add_sep;	/* an empty line follows the header */
	char		*msgid;
	unsigned long long wire;

	/* message_reader's position */
	size_t		piece;		/* added, each field, separator, body */
	unsigned long long pos;		/* offset in the piece */
};

/* message_read's state while it takes the input. */
struct rstate {
	char		*buf;		/* SPOOL_CHUNK + 2 bytes */
	size_t		carry;		/* held back: a possible "." line */
	int		bol;		/* buf[carry] would start a line */
	int		hdr_done;	/* m->hdr is complete */
	size_t		scan;		/* the unfinished line in m->hdr */
	size_t		hdrcap;
	unsigned long long line;	/* complete lines so far */
	unsigned long long cur;		/* length of the line being read */
	int		high_after;	/* a byte >= 0x80 after m->hdr */
	struct err	data;		/* the first data error */
};

static int
write_all(int fd, const char *p, size_t n, const char *what, struct err *e)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			return err_set(e, ERR_IO, "cannot write %s: %s", what,
			    strerror(errno));
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Read exactly n spool bytes at off. */
static int
spool_pread(const struct message *m, char *p, size_t n, unsigned long long off,
    struct err *e)
{
	ssize_t r;

	while (n > 0) {
		r = pread(m->fd, p, n, (off_t)off);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return err_set(e, ERR_IO, "cannot read the spool "
			    "file: %s", strerror(errno));
		if (r == 0)
			return err_set(e, ERR_IO, "the spool is truncated");
		p += r;
		n -= (size_t)r;
		off += (unsigned long long)r;
	}
	return 0;
}

/* Nonzero if s[0..n) holds a byte >= 0x80; a word at a time. */
static int
has_high(const char *s, size_t n)
{
	uint64_t w;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		if (w & UINT64_C(0x8080808080808080))
			return 1;
	}
	for (; i < n; i++)
		if ((unsigned char)s[i] & 0x80)
			return 1;
	return 0;
}

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

static int
spool_open(struct message *m, const char *tmpdir, struct err *e)
{
	char *path;

	if (tmpdir == NULL || *tmpdir == '\0')
		tmpdir = getenv("TMPDIR");
	if (tmpdir == NULL || *tmpdir == '\0')
		tmpdir = "/tmp";
	path = xasprintf("%s/outbox.XXXXXX", tmpdir);
	m->fd = mkstemp(path);
	if (m->fd == -1) {
		err_set(e, ERR_IO, "cannot create a spool file in %s: %s",
		    tmpdir, strerror(errno));
		free(path);
		return -1;
	}
	(void)unlink(path);
	(void)fcntl(m->fd, F_SETFD, FD_CLOEXEC);
	free(path);
	return 0;
}

/* With dot_ends: the bytes of b[0..n) that belong to the message.  A
 * lone "." line found there starts at the returned offset and is
 * *dotlen bytes long; otherwise the bytes after the returned offset are
 * a line start that may still become one (held back until more input). */
static size_t
find_dot(int bol, const char *b, size_t n, int eof, size_t *dotlen)
{
	size_t pos = 0, rem;
	const char *nl;

	*dotlen = 0;
	while (pos < n) {
		if (bol && b[pos] == '.') {
			rem = n - pos;
			if (rem >= 2 && b[pos + 1] == '\n')
				*dotlen = 2;
			else if (rem >= 3 && b[pos + 1] == '\r' &&
			    b[pos + 2] == '\n')
				*dotlen = 3;
			else if (rem == 1 && eof)
				*dotlen = 1;
			if (*dotlen > 0 || (!eof && (rem == 1 ||
			    (rem == 2 && b[pos + 1] == '\r'))))
				return pos;
		}
		if ((nl = memchr(b + pos, '\n', n - pos)) == NULL)
			return n;
		pos = (size_t)(nl - b) + 1;
		bol = 1;
	}
	return n;
}

static unsigned long long
count_lf(const char *s, size_t n)
{
	const char *p = s, *nl;
	unsigned long long c = 0;

	while ((nl = memchr(p, '\n', n - (size_t)(p - s))) != NULL) {
		c++;
		p = nl + 1;
	}
	return c;
}

/* Line facts (bare LF ends, long lines) and a NUL's line number. */
static void
walk_lines(struct message *m, struct rstate *st, const char *b, size_t n)
{
	const char *p = b, *end = b + n, *nl, *z;
	size_t seg;
	int crlf;

	if (st->data.kind == ERR_NONE && (z = memchr(b, '\0', n)) != NULL)
		err_set(&st->data, ERR_DATA, "message contains a NUL byte "
		    "(line %llu)", st->line + 1 + count_lf(b, (size_t)(z - b)));
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		seg = (size_t)((nl != NULL ? nl : end) - p);
		st->cur += seg;
		if (nl == NULL)
			break;
		if (seg > 0)
			crlf = p[seg - 1] == '\r';
		else
			crlf = p > b ? p[-1] == '\r' : m->last == '\r';
		if (!crlf)
			m->facts.lf_lines++;
		if (st->cur - (unsigned)crlf > LINE_SOFT_MAX)
			m->facts.long_lines++;
		st->line++;
		st->cur = 0;
		p = nl + 1;
	}
}

/* Keep the start of the input in memory up to the first empty line (or
 * HEADER_SECTION_MAX bytes): the header section is within it. */
static void
collect_header(struct message *m, struct rstate *st, const char *b, size_t n)
{
	const char *nl;
	size_t take, ll;

	take = HEADER_SECTION_MAX - m->hdrlen < n ?
	    HEADER_SECTION_MAX - m->hdrlen : n;
	if (m->hdrlen + take > st->hdrcap) {
		while (m->hdrlen + take > st->hdrcap)
			st->hdrcap = st->hdrcap ? st->hdrcap * 2 : 16384;
		if (st->hdrcap > HEADER_SECTION_MAX)
			st->hdrcap = HEADER_SECTION_MAX;
		m->hdr = xrealloc(m->hdr, st->hdrcap);
	}
	memcpy(m->hdr + m->hdrlen, b, take);
	m->hdrlen += take;
	while ((nl = memchr(m->hdr + st->scan, '\n', m->hdrlen - st->scan))
	    != NULL) {
		ll = (size_t)(nl - (m->hdr + st->scan));
		if (ll == 0 || (ll == 1 && m->hdr[st->scan] == '\r')) {
			m->hdrlen = (size_t)(nl - m->hdr) + 1;
			st->hdr_done = 1;
			return;
		}
		st->scan = (size_t)(nl - m->hdr) + 1;
	}
	if (m->hdrlen == HEADER_SECTION_MAX)
		st->hdr_done = 1;
}

/* Take b[0..n) into the message: spool, header, facts. */
static int
take(struct message *m, struct rstate *st, const char *b, size_t n,
    struct err *e)
{
	unsigned long long off = m->facts.size;
	size_t skip;

	if (n == 0)
		return 0;
	if (write_all(m->fd, b, n, "the spool file", e) == -1)
		return -1;
	walk_lines(m, st, b, n);
	if (!st->hdr_done)
		collect_header(m, st, b, n);
	if (st->hdr_done && !st->high_after) {
		skip = m->hdrlen > off ? (size_t)(m->hdrlen - off) : 0;
		if (skip < n)
			st->high_after = has_high(b + skip, n - skip);
	}
	m->facts.size += n;
	m->last = (unsigned char)b[n - 1];
	return 0;
}

/* One read's worth: n bytes at st->buf (held bytes included). Returns 1
 * when a lone "." line ended the message, 0 to go on, -1 on error. */
static int
take_chunk(struct message *m, struct rstate *st, size_t n, int dot_ends,
    int eof, struct err *e)
{
	size_t acc = n, dotlen = 0;

	if (dot_ends)
		acc = find_dot(st->bol, st->buf, n, eof, &dotlen);
	if (take(m, st, st->buf, acc, e) == -1)
		return -1;
	if (acc > 0)
		st->bol = st->buf[acc - 1] == '\n';
	if (dotlen > 0) {
		m->facts.dot_ended = 1;
		m->facts.data_after_dot = acc + dotlen < n;
		return 1;
	}
	memmove(st->buf, st->buf + acc, n - acc);
	st->carry = n - acc;
	return 0;
}

/* Read the source to its end; after a lone "." line, read and discard. */
static int
read_input(struct message *m, struct rstate *st, message_src_fn src, void *ctx,
    int dot_ends, struct err *e)
{
	ssize_t got;
	int ended = 0, r;

	for (;;) {
		got = src(ctx, st->buf + (ended ? 0 : st->carry), SPOOL_CHUNK);
		if (got == -1 && errno == EINTR)
			continue;
		if (got == -1)
			return err_set(e, ERR_IO, "cannot read the message: %s",
			    strerror(errno));
		if (ended) {
			if (got == 0)
				return 0;
			m->facts.data_after_dot = 1;
			continue;
		}
		r = take_chunk(m, st, st->carry + (size_t)got, dot_ends,
		    got == 0, e);
		if (r == -1)
			return -1;
		if (got == 0)
			return 0;
		ended = r == 1;
	}
}

static void plan(struct message *);

/* After the input: parse the header, check its size, the 8-bit facts. */
static void
finish_read(struct message *m, struct rstate *st)
{
	struct err pe;

	if (st->cur - (m->last == '\r') > LINE_SOFT_MAX)
		m->facts.long_lines++;
	if (header_parse(&m->h, m->hdr, m->hdrlen, &pe) == -1 &&
	    st->data.kind == ERR_NONE)
		st->data = pe;
	if (!m->h.separator && m->h.len == m->hdrlen &&
	    m->facts.size > m->hdrlen && st->data.kind == ERR_NONE)
		err_set(&st->data, ERR_DATA, "header section longer than %d "
		    "bytes", HEADER_SECTION_MAX);
	m->facts.header_8bit = has_high(m->hdr, m->h.len);
	m->facts.body_8bit = st->high_after ||
	    has_high(m->hdr + m->h.body, m->hdrlen - m->h.body);
	m->drop = xcalloc(m->h.n, 1);
	plan(m);
}

/* A message_src_fn over a descriptor. */
static ssize_t
fd_src(void *ctx, void *buf, size_t n)
{
	return read(*(int *)ctx, buf, n);
}

int
message_read(struct message **mp, int fd, int dot_ends, const char *tmpdir,
    struct err *e)
{
	return message_read_src(mp, fd_src, &fd, dot_ends, tmpdir, e);
}

int
message_read_src(struct message **mp, message_src_fn src, void *ctx,
    int dot_ends, const char *tmpdir, struct err *e)
{
	struct message *m;
	struct rstate st;
	int r;

	*mp = NULL;
	m = xcalloc(1, sizeof(*m));
	m->last = -1;
	if (spool_open(m, tmpdir, e) == -1) {
		message_free(m);
		return -1;
	}
	memset(&st, 0, sizeof(st));
	st.bol = 1;
	st.buf = xmalloc(SPOOL_CHUNK + 2);
	r = read_input(m, &st, src, ctx, dot_ends, e);
	finish_read(m, &st);
	free(st.buf);
	if (r == -1 && m->facts.size == 0) {
		message_free(m);
		return -1;
	}
	*mp = m;
	if (r == 0 && st.data.kind != ERR_NONE) {
		if (e != NULL)
			*e = st.data;
		r = -1;
	}
	return r;
}

void
message_free(struct message *m)
{
	if (m == NULL)
		return;
	if (m->fd != -1)
		close(m->fd);
	free(m->hdr);
	headers_free(&m->h);
	free(m->added);
	free(m->drop);
	free(m->msgid);
	free(m);
}

const struct message_facts *
message_facts(const struct message *m)
{
	return &m->facts;
}

int
message_copy_raw(const struct message *m, int fd, struct err *e)
{
	unsigned long long off = 0;
	size_t n;
	char *buf = xmalloc(SPOOL_CHUNK);
	int r = 0;

	while (r == 0 && off < m->facts.size) {
		n = m->facts.size - off < SPOOL_CHUNK ?
		    (size_t)(m->facts.size - off) : SPOOL_CHUNK;
		if (spool_pread(m, buf, n, off, e) == -1 ||
		    write_all(fd, buf, n, "the message", e) == -1)
			r = -1;
		off += n;
	}
	free(buf);
	return r;
}

/* ---------------------------------------------------------------- mbox */

/* Buffered output to a file descriptor. */
struct obuf {
	int	fd;
	char	*b;
	size_t	len;
	int	last;		/* the last byte put, -1 before any */
};

static int
out_flush(struct obuf *o, struct err *e)
{
	size_t n = o->len;

	o->len = 0;
	return write_all(o->fd, o->b, n, "the message", e);
}

static int
out_put(struct obuf *o, const char *s, size_t n, struct err *e)
{
	if (n == 0)
		return 0;
	o->last = (unsigned char)s[n - 1];
	if (o->len + n > SPOOL_CHUNK && out_flush(o, e) == -1)
		return -1;
	if (n > SPOOL_CHUNK)
		return write_all(o->fd, s, n, "the message", e);
	memcpy(o->b + o->len, s, n);
	o->len += n;
	return 0;
}

/* mboxrd: the start of a line, held while it may still be ^>*From  */
struct mboxrd {
	int			pending;
	unsigned long long	gt;	/* '>' seen */
	size_t			j;	/* bytes of "From " matched */
};

static int
mbox_release(struct mboxrd *st, struct obuf *o, struct err *e)
{
	static const char gts[] = ">>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>";
	size_t k;

	for (; st->gt > 0; st->gt -= k) {
		k = st->gt < sizeof(gts) - 1 ? (size_t)st->gt : sizeof(gts) - 1;
		if (out_put(o, gts, k, e) == -1)
			return -1;
	}
	if (out_put(o, "From ", st->j, e) == -1)
		return -1;
	st->j = 0;
	st->pending = 0;
	return 0;
}

static int
mbox_chunk(struct mboxrd *st, struct obuf *o, const char *b, size_t n,
    struct err *e)
{
	const char *nl;
	size_t i = 0, end;

	while (i < n) {
		if (st->pending) {
			if (st->j == 0 && b[i] == '>') {
				st->gt++;
				i++;
				continue;
			}
			if (b[i] == "From "[st->j]) {
				i++;
				if (++st->j < 5)
					continue;
				if (out_put(o, ">", 1, e) == -1)
					return -1;
			}
			if (mbox_release(st, o, e) == -1)
				return -1;
			continue;
		}
		nl = memchr(b + i, '\n', n - i);
		end = nl != NULL ? (size_t)(nl - b) + 1 : n;
		if (out_put(o, b + i, end - i, e) == -1)
			return -1;
		i = end;
		st->pending = nl != NULL;
	}
	return 0;
}

int
message_copy_mbox(const struct message *m, int fd, struct err *e)
{
	struct mboxrd st = { 1, 0, 0 };
	struct obuf o = { fd, NULL, 0, -1 };
	unsigned long long off = 0;
	char *buf = xmalloc(SPOOL_CHUNK);
	size_t n;
	int r = -1;

	o.b = xmalloc(SPOOL_CHUNK);
	for (; off < m->facts.size; off += n) {
		n = m->facts.size - off < SPOOL_CHUNK ?
		    (size_t)(m->facts.size - off) : SPOOL_CHUNK;
		if (spool_pread(m, buf, n, off, e) == -1 ||
		    mbox_chunk(&st, &o, buf, n, e) == -1)
			goto out;
	}
	if (mbox_release(&st, &o, e) == -1 ||
	    (o.last != -1 && o.last != '\n' && out_put(&o, "\n", 1, e) == -1) ||
	    out_put(&o, "\n", 1, e) == -1 || out_flush(&o, e) == -1)
		goto out;
	r = 0;
out:
	free(buf);
	free(o.b);
	return r;
}

/* ---------------------------------------------------------- header reads */

/* Parse field i's address list and append it to l. */
static int
field_addrs(const struct message *m, size_t i, const char *name,
    struct addrlist *l, struct err *e)
{
	char why[256], *v;
	int r;

	if (header_unfold(&m->h.f[i], m->hdr, &v, e) == -1)
		return -1;
	r = addrlist_parse(l, v, strlen(v), why, sizeof(why));
	free(v);
	if (r == -1)
		return err_set(e, ERR_DATA, "cannot parse the %s header: %s",
		    name, why);
	return 0;
}

static int
is_resent(const struct hfield *f, const char *buf)
{
	return f->name_len > 7 &&
	    ascii_ncasecmp(buf + f->start, "Resent-", 7) == 0;
}

/* The fields [*from, *to) that -t reads, and the names to read there. */
static const char *const *
rcpt_fields(const struct message *m, size_t *from, size_t *to)
{
	static const char *const plain[] = { "To", "Cc", "Bcc", NULL };
	static const char *const resent[] = {
		"Resent-To", "Resent-Cc", "Resent-Bcc", NULL
	};
	size_t i;

	for (i = 0; i < m->h.n && !is_resent(&m->h.f[i], m->hdr); i++)
		;
	if (i == m->h.n) {
		*from = 0;
		*to = m->h.n;
		return plain;
	}
	*from = i;
	while (i < m->h.n && is_resent(&m->h.f[i], m->hdr))
		i++;
	*to = i;
	return resent;
}

int
message_header_rcpts(const struct message *m, char ***rcpt, size_t *nrcpt,
    struct err *e)
{
	struct addrlist l = { NULL, 0 };
	const char *const *names;
	size_t i, from, to, k;
	int r = -1;

	names = rcpt_fields(m, &from, &to);
	for (i = from; i < to; i++)
		for (k = 0; names[k] != NULL; k++)
			if (header_is(&m->h.f[i], m->hdr, names[k]) &&
			    field_addrs(m, i, names[k], &l, e) == -1)
				goto out;
	if (l.n > RCPTS_MAX || *nrcpt > RCPTS_MAX - l.n) {
		err_set(e, ERR_DATA, "more than %d recipients", RCPTS_MAX);
		goto out;
	}
	if (l.n > 0) {
		*rcpt = xrealloc(*rcpt, (*nrcpt + l.n) * sizeof(**rcpt));
		memcpy(*rcpt + *nrcpt, l.addr, l.n * sizeof(*l.addr));
		*nrcpt += l.n;
		l.n = 0;
	}
	r = 0;
out:
	addrlist_free(&l);
	return r;
}

int
message_header_from(const struct message *m, char **from, struct err *e)
{
	struct addrlist l = { NULL, 0 };
	long i;

	*from = NULL;
	if ((i = header_find(&m->h, m->hdr, "From", 0)) == -1)
		return 0;
	if (field_addrs(m, (size_t)i, "From", &l, e) == -1)
		return -1;
	if (l.n > 0) {
		*from = l.addr[0];
		l.addr[0] = NULL;
	}
	addrlist_free(&l);
	return 0;
}

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
	if (ed->to_header != NULL && !has_field(m, "To") &&
	    !has_field(m, "Cc") && !has_field(m, "Bcc"))
		add_field(m, "To", ed->to_header);
	plan(m);
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
	plan(m);
	message_rewind(m);
	return 0;
}

const char *
message_id(const struct message *m)
{
	return m->msgid;
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
static void
plan(struct message *m)
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
		else if (spool_pread(m, out + o, k, m->h.len + m->pos, e) == -1)
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

	if (!has_high(f, (size_t)(end - f)))
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
