/*
 * message.c - taking the input into a private spool: reading it (to its
 * end, or to a lone "." line), keeping its header section in memory,
 * learning its facts on the way, copying it out raw or as mbox, and
 * reading the header's addresses for -t and --read-envelope-from.
 *
 * The spool is an unlinked temporary file (mode 0600), so the message
 * never lingers on disk and memory does not grow with its size.  The raw
 * input is never changed: the edits (message_edit.c) are a plan applied
 * while reading it back.  This file does no encoding for the wire
 * (dotstuff.c does).
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "header.h"
#include "limits.h"
#include "message.h"
#include "message_impl.h"
#include "util.h"

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
int
msg_spool_pread(const struct message *m, char *p, size_t n,
    unsigned long long off, struct err *e)
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
int
msg_has_high(const char *s, size_t n)
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
			st->high_after = msg_has_high(b + skip, n - skip);
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
	m->facts.header_8bit = msg_has_high(m->hdr, m->h.len);
	m->facts.body_8bit = st->high_after ||
	    msg_has_high(m->hdr + m->h.body, m->hdrlen - m->h.body);
	m->drop = xcalloc(m->h.n, 1);
	msg_plan(m);
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
		if (msg_spool_pread(m, buf, n, off, e) == -1 ||
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
		if (msg_spool_pread(m, buf, n, off, e) == -1 ||
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
