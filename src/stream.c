/*
 * stream.c - buffered, deadline-bounded I/O over a swappable transport.
 *
 * Owns: the read and write buffers (allocated once), the deadlines, the
 * plain transport over a descriptor, and the counters.  Knows nothing of
 * SMTP: it hands out lines and sends bytes.  A transport answers
 * T_WANT_READ / T_WANT_WRITE when it would block; only then does the
 * stream poll() the descriptor, for no longer than the earlier of the
 * operation's deadline and the run's deadline.
 */
#include "autoconfig.h"

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "limits.h"
#include "stream.h"
#include "util.h"

/* The plain transport's context: the descriptor and what it is. */
struct plain {
	int	fd;
	int	sock;		/* a socket: send() with MSG_NOSIGNAL */
	int	tcp;		/* a TCP socket: re-arm TCP_QUICKACK after reads */
};

struct stream {
	int			 fd;
	const struct transport	*t;
	void			*ctx;
	struct plain		 plain;
	unsigned char		*rbuf;		/* STREAM_RBUF_SIZE */
	size_t			 rpos, rlen;	/* unconsumed: rbuf[rpos..rlen) */
	unsigned char		*wbuf;		/* STREAM_WBUF_SIZE */
	size_t			 wlen;
	long			 timeout_ms;	/* length of the armed deadline */
	long long		 deadline;	/* absolute now_ms(), 0: none */
	long long		 overall;	/* absolute now_ms(), 0: none */
	struct stream_stats	 st;
};

/* ------------------------------------------------------------ plain */

static ssize_t
plain_read(void *ctx, void *buf, size_t n, struct err *e)
{
	struct plain *p = ctx;
	ssize_t r;

	r = read(p->fd, buf, n);
	if (r == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return T_WANT_READ;
		return err_set(e, ERR_TEMP, "reading from the server: %s",
		    strerror(errno));
	}
#ifdef TCP_QUICKACK
	/* Linux turns quick ACKs off again by itself: re-arm after every
	 * read so a server writing a reply in pieces is not held up by our
	 * delayed ACK (PERFORMANCE.md).  Errors do not matter. */
	if (r > 0 && p->tcp) {
		int one = 1;

		(void)setsockopt(p->fd, IPPROTO_TCP, TCP_QUICKACK, &one,
		    sizeof(one));
	}
#endif
	return r;
}

static ssize_t
plain_write(void *ctx, const void *buf, size_t n, struct err *e)
{
	struct plain *p = ctx;
	ssize_t r;

	if (p->sock)
		r = send(p->fd, buf, n, MSG_NOSIGNAL);
	else
		r = write(p->fd, buf, n);
	if (r == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return T_WANT_WRITE;
		if (errno == EPIPE)
			return err_set(e, ERR_TEMP,
			    "connection closed by server while sending");
		return err_set(e, ERR_TEMP, "sending to the server: %s",
		    strerror(errno));
	}
	return r;
}

/* Bytes the kernel already holds for us: received, not yet read. */
static size_t
plain_pending(void *ctx)
{
	struct plain *p = ctx;
	int n = 0;

	if (p->fd < 0 || ioctl(p->fd, FIONREAD, &n) == -1 || n < 0)
		return 0;
	return (size_t)n;
}

static const struct transport plain_transport = {
	.name = "tcp",
	.read = plain_read,
	.write = plain_write,
	.pending = plain_pending,
	.shutdown = NULL,
	.free = NULL,
};

/* Learn what fd is: a socket, and if so whether TCP. */
static void
plain_init(struct plain *p, int fd)
{
	struct stat sb;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int type = 0;
	socklen_t tl = sizeof(type);

	memset(p, 0, sizeof(*p));
	p->fd = fd;
	if (fd < 0 || fstat(fd, &sb) == -1 || !S_ISSOCK(sb.st_mode))
		return;
	p->sock = 1;
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0 &&
	    (ss.ss_family == AF_INET || ss.ss_family == AF_INET6) &&
	    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) == 0 &&
	    type == SOCK_STREAM)
		p->tcp = 1;
}

/* ------------------------------------------------------------ life */

struct stream *
stream_new(int fd)
{
	struct stream *s = xcalloc(1, sizeof(*s));
	int fl;

	s->fd = fd;
	if (fd >= 0 && (fl = fcntl(fd, F_GETFL)) != -1 && !(fl & O_NONBLOCK))
		(void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	plain_init(&s->plain, fd);
	s->t = &plain_transport;
	s->ctx = &s->plain;
	s->rbuf = xmalloc(STREAM_RBUF_SIZE);
	s->wbuf = xmalloc(STREAM_WBUF_SIZE);
	return s;
}

void
stream_set_transport(struct stream *s, const struct transport *t, void *ctx)
{
	if (s->t != NULL && s->t->free != NULL)
		s->t->free(s->ctx);
	s->t = t;
	s->ctx = ctx;
}

void
stream_free(struct stream *s)
{
	if (s == NULL)
		return;
	if (s->t != NULL && s->t->shutdown != NULL)
		s->t->shutdown(s->ctx);
	if (s->t != NULL && s->t->free != NULL)
		s->t->free(s->ctx);
	if (s->fd >= 0)
		close(s->fd);
	/* The buffers may have held an AUTH line. */
	wipe(s->rbuf, STREAM_RBUF_SIZE);
	wipe(s->wbuf, STREAM_WBUF_SIZE);
	free(s->rbuf);
	free(s->wbuf);
	free(s);
}

int
stream_fd(const struct stream *s)
{
	return s->fd;
}

size_t
stream_unread(const struct stream *s)
{
	size_t n = s->rlen - s->rpos;

	if (s->t->pending != NULL)
		n += s->t->pending(s->ctx);
	return n;
}

void
stream_set_timeout(struct stream *s, long ms)
{
	s->timeout_ms = ms > 0 ? ms : 0;
	s->deadline = ms > 0 ? now_ms() + ms : 0;
}

void
stream_set_overall(struct stream *s, long long deadline_ms)
{
	s->overall = deadline_ms > 0 ? deadline_ms : 0;
}

void
stream_stats(const struct stream *s, struct stream_stats *st)
{
	*st = s->st;
}

/* ------------------------------------------------------------ waiting */

static int
timed_out(const struct stream *s, int overall, const char *what,
    struct err *e)
{
	long ms = s->timeout_ms;

	if (overall)
		return err_set(e, ERR_TEMP,
		    "the run's deadline passed waiting for %s", what);
	if (ms % 1000 == 0)
		return err_set(e, ERR_TEMP, "timed out after %ld s waiting "
		    "for %s", ms / 1000, what);
	return err_set(e, ERR_TEMP, "timed out after %.1f s waiting for %s",
	    (double)ms / 1000.0, what);
}

/* Wait until the descriptor is ready for want (T_WANT_*), or fail with
 * ERR_TEMP when the earlier deadline passes. */
static int
wait_ready(struct stream *s, ssize_t want, const char *what, struct err *e)
{
	struct pollfd pfd;
	long long end, left;
	int overall, r;

	for (;;) {
		overall = s->overall > 0 &&
		    (s->deadline == 0 || s->overall < s->deadline);
		end = overall ? s->overall : s->deadline;
		left = -1;
		if (end > 0 && (left = end - now_ms()) <= 0)
			return timed_out(s, overall, what, e);
		if (s->fd < 0 && left < 0)
			return err_set(e, ERR_SOFTWARE, "the %s transport "
			    "would block and has no descriptor", s->t->name);
		pfd.fd = s->fd;
		pfd.events = want == T_WANT_READ ? POLLIN : POLLOUT;
		pfd.revents = 0;
		r = poll(&pfd, 1, left > 0x7fffffff ? 0x7fffffff : (int)left);
		if (r > 0)
			return 0;
		if (r == -1 && errno != EINTR)
			return err_set(e, ERR_TEMP, "poll: %s", strerror(errno));
	}
}

/* ------------------------------------------------------------ reading */

/* Read more bytes into rbuf after rlen; 0 on success, -1 on error or
 * end of stream. */
static int
fill(struct stream *s, struct err *e)
{
	ssize_t r;

	for (;;) {
		r = s->t->read(s->ctx, s->rbuf + s->rlen,
		    STREAM_RBUF_SIZE - s->rlen, e);
		if (r > 0) {
			s->rlen += (size_t)r;
			s->st.bytes_in += (unsigned long long)r;
			s->st.reads++;
			return 0;
		}
		if (r == 0)
			return err_set(e, ERR_TEMP,
			    "connection closed by server");
		if (r != T_WANT_READ && r != T_WANT_WRITE)
			return -1;
		if (wait_ready(s, r, "the server's reply", e) == -1)
			return -1;
	}
}

int
stream_getline(struct stream *s, const char **line, size_t *len,
    struct err *e)
{
	unsigned char *p, *lf;
	size_t n;

	for (;;) {
		p = s->rbuf + s->rpos;
		n = s->rlen - s->rpos;
		if ((lf = memchr(p, '\n', n)) != NULL)
			break;
		/* No line end yet: content (plus a possible CR) too long? */
		if (n >= REPLY_LINE_MAX + 2)
			return err_set(e, ERR_PROTOCOL, "server reply line "
			    "longer than %d octets", REPLY_LINE_MAX);
		if (s->rpos > 0) {
			memmove(s->rbuf, p, n);
			s->rpos = 0;
			s->rlen = n;
		}
		if (fill(s, e) == -1)
			return -1;
	}
	n = (size_t)(lf - p);
	s->rpos += n + 1;
	if (n > 0 && p[n - 1] == '\r')
		n--;
	if (n > REPLY_LINE_MAX)
		return err_set(e, ERR_PROTOCOL, "server reply line longer "
		    "than %d octets", REPLY_LINE_MAX);
	*line = (const char *)p;
	*len = n;
	return 0;
}

/* ------------------------------------------------------------ writing */

/* Send buf[0..n) completely, waiting as the transport asks. */
static int
write_all(struct stream *s, const unsigned char *buf, size_t n,
    struct err *e)
{
	ssize_t r;

	while (n > 0) {
		r = s->t->write(s->ctx, buf, n, e);
		if (r > 0) {
			buf += r;
			n -= (size_t)r;
			s->st.bytes_out += (unsigned long long)r;
			s->st.writes++;
			continue;
		}
		if (r != T_WANT_READ && r != T_WANT_WRITE) {
			if (r == 0)
				err_set(e, ERR_TEMP, "the %s transport wrote "
				    "nothing", s->t->name);
			return -1;
		}
		if (wait_ready(s, r, "the server to accept data", e) == -1)
			return -1;
	}
	return 0;
}

int
stream_flush(struct stream *s, struct err *e)
{
	size_t n = s->wlen;

	/* Emptied even on failure: after a failed write the connection is
	 * unusable and stale bytes must never go out later. */
	s->wlen = 0;
	if (n == 0)
		return 0;
	return write_all(s, s->wbuf, n, e);
}

int
stream_write(struct stream *s, const void *buf, size_t n, struct err *e)
{
	const unsigned char *p = buf;
	size_t room;

	while (n > 0) {
		if (s->wlen == 0 && n >= STREAM_WBUF_SIZE)
			return write_all(s, p, n, e);
		room = STREAM_WBUF_SIZE - s->wlen;
		if (room > n)
			room = n;
		memcpy(s->wbuf + s->wlen, p, room);
		s->wlen += room;
		p += room;
		n -= room;
		if (s->wlen == STREAM_WBUF_SIZE && stream_flush(s, e) == -1)
			return -1;
	}
	return 0;
}

int
stream_printf(struct stream *s, struct err *e, const char *fmt, ...)
{
	char buf[1024], *big = NULL;
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return err_set(e, ERR_SOFTWARE, "stream_printf: bad format");
	if ((size_t)n < sizeof(buf))
		return stream_write(s, buf, (size_t)n, e);
	big = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	rc = stream_write(s, big, (size_t)n, e);
	free(big);
	return rc;
}
