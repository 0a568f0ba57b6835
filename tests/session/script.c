/*
 * script.c - a scripted SMTP peer as a struct transport (see script.h).
 *
 * Owns the event list, the cursor into it, the log of what the client
 * wrote and the first failure.  It never blocks: a stalled server is a
 * T_WANT_READ over a socketpair that stays silent, and the stream under
 * test does the waiting with its own deadline.
 */
#include "autoconfig.h"

#include <sys/socket.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "script.h"
#include "status.h"
#include "stream.h"
#include "util.h"

struct event {
	enum script_kind	 kind;
	unsigned char		*data;
	size_t			 len;
};

struct script {
	struct event	*ev;
	size_t		 n, cap;
	size_t		 cur, off;	/* next event, bytes of it consumed */
	int		 closed;	/* EOF or RESET was read */
	int		 peer;		/* silent end of the socketpair */
	size_t		 max_io;
	unsigned long	 flights;
	char		*sent;
	size_t		 sentlen, sentcap;
	int		 failed;
	char		 fail[2048];
};

static const char *const kind_names[] = {
	[SC_SEND] = "S", [SC_EXPECT] = "C", [SC_EOF] = "EOF",
	[SC_STALL] = "STALL", [SC_RESET] = "RESET",
};

/* Escape at most 300 bytes of p for a failure message. */
static char *
esc(char *dst, size_t cap, const unsigned char *p, size_t n)
{
	size_t o = 0, i;

	dst[0] = '\0';
	for (i = 0; i < n && o + 8 < cap; i++) {
		if (i == 300) {
			o += (size_t)snprintf(dst + o, cap - o, "...");
			break;
		}
		if (p[i] == '\r')
			o += (size_t)snprintf(dst + o, cap - o, "\\r");
		else if (p[i] == '\n')
			o += (size_t)snprintf(dst + o, cap - o, "\\n");
		else if (p[i] < 0x20 || p[i] >= 0x7f || p[i] == '\\')
			o += (size_t)snprintf(dst + o, cap - o, "\\x%02x", p[i]);
		else
			dst[o++] = (char)p[i];
		dst[o] = '\0';
	}
	return dst;
}

/* Record the first failure; every later I/O call fails too. */
static ssize_t
fail(struct script *sc, struct err *e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static ssize_t
fail(struct script *sc, struct err *e, const char *fmt, ...)
{
	va_list ap;

	if (!sc->failed) {
		va_start(ap, fmt);
		vsnprintf(sc->fail, sizeof(sc->fail), fmt, ap);
		va_end(ap);
		sc->failed = 1;
	}
	return err_set(e, ERR_SOFTWARE, "script: %s", sc->fail);
}

/* What the next event expects, for failure messages. */
static const char *
describe(const struct script *sc, char *buf, size_t cap)
{
	const struct event *ev;
	char tmp[1600];

	if (sc->cur >= sc->n)
		return "the end of the script";
	ev = &sc->ev[sc->cur];
	if (ev->kind != SC_SEND && ev->kind != SC_EXPECT)
		return kind_names[ev->kind];
	snprintf(buf, cap, "%s \"%s\"", kind_names[ev->kind],
	    esc(tmp, sizeof(tmp), ev->data + sc->off, ev->len - sc->off));
	return buf;
}

/* ------------------------------------------------------------ transport */

static ssize_t
sc_read(void *ctx, void *buf, size_t n, struct err *e)
{
	struct script *sc = ctx;
	struct event *ev;
	size_t got = 0, k;
	char d[1700];

	if (sc->failed)
		return fail(sc, e, "%s", sc->fail);
	if (sc->closed)
		return 0;
	if (sc->max_io > 0 && n > sc->max_io)
		n = sc->max_io;
	/* Bytes of consecutive S events arrive together, as TCP would. */
	while (got < n && sc->cur < sc->n &&
	    (ev = &sc->ev[sc->cur])->kind == SC_SEND) {
		k = ev->len - sc->off < n - got ? ev->len - sc->off : n - got;
		memcpy((char *)buf + got, ev->data + sc->off, k);
		got += k;
		if ((sc->off += k) == ev->len) {
			sc->cur++;
			sc->off = 0;
		}
	}
	if (got > 0)
		return (ssize_t)got;
	if (sc->cur >= sc->n)
		return fail(sc, e, "client reads after the end of the script");
	ev = &sc->ev[sc->cur];
	switch (ev->kind) {
	case SC_EOF:
		sc->cur++;
		sc->closed = 1;
		return 0;
	case SC_RESET:
		sc->cur++;
		sc->closed = 1;
		return err_set(e, ERR_TEMP, "reading from the server: "
		    "Connection reset by peer");
	case SC_STALL:
		return T_WANT_READ;
	default:
		return fail(sc, e, "client reads while the script expects %s",
		    describe(sc, d, sizeof(d)));
	}
}

static void
log_sent(struct script *sc, const void *buf, size_t n)
{
	if (sc->sentlen + n + 1 > sc->sentcap) {
		sc->sentcap = (sc->sentlen + n + 1) * 2;
		sc->sent = xrealloc(sc->sent, sc->sentcap);
	}
	memcpy(sc->sent + sc->sentlen, buf, n);
	sc->sentlen += n;
	sc->sent[sc->sentlen] = '\0';
}

static ssize_t
sc_write(void *ctx, const void *buf, size_t n, struct err *e)
{
	struct script *sc = ctx;
	const unsigned char *p = buf;
	struct event *ev;
	size_t done = 0, k;
	char got[1600], d[1700];

	if (sc->failed)
		return fail(sc, e, "%s", sc->fail);
	if (sc->closed)
		return err_set(e, ERR_TEMP, "connection closed by server "
		    "while sending");
	if (sc->max_io > 0 && n > sc->max_io)
		n = sc->max_io;
	while (done < n) {
		if (sc->cur >= sc->n ||
		    (ev = &sc->ev[sc->cur])->kind != SC_EXPECT)
			return fail(sc, e, "client sends \"%s\" while the "
			    "script expects %s", esc(got, sizeof(got), p + done,
			    n - done), describe(sc, d, sizeof(d)));
		k = ev->len - sc->off < n - done ? ev->len - sc->off : n - done;
		if (memcmp(p + done, ev->data + sc->off, k) != 0)
			return fail(sc, e, "client sends \"%s\" where the "
			    "script expects %s", esc(got, sizeof(got), p + done,
			    n - done), describe(sc, d, sizeof(d)));
		done += k;
		if ((sc->off += k) == ev->len) {
			sc->cur++;
			sc->off = 0;
		}
	}
	log_sent(sc, buf, n);
	sc->flights++;
	return (ssize_t)n;
}

/* Server bytes already "sent": those of the S events up to the next
 * event of another kind (what FIONREAD reports on a socket). */
static size_t
sc_pending(void *ctx)
{
	struct script *sc = ctx;
	size_t i, n = 0, off = sc->off;

	if (sc->closed)
		return 0;
	for (i = sc->cur; i < sc->n && sc->ev[i].kind == SC_SEND; i++) {
		n += sc->ev[i].len - off;
		off = 0;
	}
	return n;
}

static const struct transport script_transport = {
	.name = "script",
	.read = sc_read,
	.write = sc_write,
	.pending = sc_pending,
	.shutdown = NULL,
	.free = NULL,
};

/* ------------------------------------------------------------ building */

static void
bail(const char *what, const char *line, size_t len)
{
	printf("Bail out! script: %s: %.*s\n", what, (int)len, line);
	exit(1);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Undo the C escapes of s[0..n) into out (room for n bytes). */
static size_t
unescape(const char *s, size_t n, unsigned char *out)
{
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < n; i++) {
		if (s[i] != '\\' || i + 1 == n) {
			out[o++] = (unsigned char)s[i];
			continue;
		}
		switch (s[++i]) {
		case 'r':	out[o++] = '\r'; break;
		case 'n':	out[o++] = '\n'; break;
		case 't':	out[o++] = '\t'; break;
		case '0':	out[o++] = '\0'; break;
		case 'x':
			if (i + 2 < n && (hi = hexval(s[i + 1])) >= 0 &&
			    (lo = hexval(s[i + 2])) >= 0) {
				out[o++] = (unsigned char)(hi * 16 + lo);
				i += 2;
				break;
			}
			bail("bad \\x escape", s, n);
			break;
		default:	out[o++] = (unsigned char)s[i]; break;
		}
	}
	return o;
}

void
script_add(struct script *sc, enum script_kind kind, const void *data,
    size_t len)
{
	struct event *ev;

	if (sc->n == sc->cap) {
		sc->cap = sc->cap ? sc->cap * 2 : 32;
		sc->ev = xrealloc(sc->ev, sc->cap * sizeof(*sc->ev));
	}
	ev = &sc->ev[sc->n++];
	ev->kind = kind;
	ev->len = len;
	ev->data = xmalloc(len + 1);
	if (len > 0)
		memcpy(ev->data, data, len);
}

static void
add_line(struct script *sc, const char *l, size_t len)
{
	enum script_kind kind;
	unsigned char *buf;
	size_t n;

	if (len == 0 || l[0] == '#')
		return;
	if ((len == 3 && memcmp(l, "EOF", 3) == 0) ||
	    (len == 5 && memcmp(l, "STALL", 5) == 0) ||
	    (len == 5 && memcmp(l, "RESET", 5) == 0)) {
		kind = l[0] == 'E' ? SC_EOF : l[0] == 'S' ? SC_STALL : SC_RESET;
		script_add(sc, kind, "", 0);
		return;
	}
	if (len < 2 || (l[0] != 'S' && l[0] != 'C') ||
	    (l[1] != ':' && l[1] != '='))
		bail("bad line", l, len);
	kind = l[0] == 'S' ? SC_SEND : SC_EXPECT;
	buf = xmalloc(len + 2);
	n = len > 2 && l[2] == ' ' ? 3 : 2;
	n = unescape(l + n, len - n, buf);
	if (l[1] == ':') {
		memcpy(buf + n, "\r\n", 2);
		n += 2;
	}
	script_add(sc, kind, buf, n);
	free(buf);
}

void
script_add_text(struct script *sc, const char *text)
{
	const char *nl;

	while (text != NULL && *text != '\0') {
		if ((nl = strchr(text, '\n')) == NULL)
			nl = text + strlen(text);
		add_line(sc, text, (size_t)(nl - text));
		text = *nl == '\n' ? nl + 1 : nl;
	}
}

struct script *
script_new(const char *text)
{
	struct script *sc = xcalloc(1, sizeof(*sc));

	sc->peer = -1;
	script_add_text(sc, text);
	return sc;
}

void
script_free(struct script *sc)
{
	size_t i;

	if (sc == NULL)
		return;
	for (i = 0; i < sc->n; i++)
		free(sc->ev[i].data);
	free(sc->ev);
	free(sc->sent);
	if (sc->peer >= 0)
		close(sc->peer);
	free(sc);
}

struct stream *
script_stream(struct script *sc)
{
	struct stream *s;
	int sp[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == -1) {
		printf("Bail out! socketpair failed\n");
		exit(1);
	}
	if (sc->peer >= 0)
		close(sc->peer);
	sc->peer = sp[1];
	s = stream_new(sp[0]);
	stream_set_transport(s, &script_transport, sc);
	return s;
}

void
script_set_max_io(struct script *sc, size_t n)
{
	sc->max_io = n;
}

unsigned long
script_flights(const struct script *sc)
{
	return sc->flights;
}

const char *
script_sent(const struct script *sc, size_t *len)
{
	if (len != NULL)
		*len = sc->sentlen;
	return sc->sent != NULL ? sc->sent : "";
}

const char *
script_failure(const struct script *sc)
{
	return sc->failed ? sc->fail : NULL;
}

int
script_done(const struct script *sc, char *why, size_t cap)
{
	char d[1700];
	size_t i;

	if (sc->failed) {
		snprintf(why, cap, "%s", sc->fail);
		return 0;
	}
	for (i = sc->cur; i < sc->n; i++) {
		if (sc->ev[i].kind == SC_SEND || sc->ev[i].kind == SC_EXPECT) {
			snprintf(why, cap, "script not finished: next %s",
			    describe(sc, d, sizeof(d)));
			return 0;
		}
	}
	if (cap > 0)
		why[0] = '\0';
	return 1;
}
