/*
 * test_message.c - the spool: raw input kept exactly, the facts learned
 * while reading, a lone "." line, NUL bytes, -t recipients, header edits,
 * the edited message read back in pieces of any size, the mbox copy and
 * the wire size.  Inputs come through a pipe (small ones) or a file.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include "limits.h"
#include "message.h"
#include "util.h"
#include "../tap.h"

static char tmpdir[] = "/tmp/test_message.XXXXXX";

/* A test name safe for TAP: at most n bytes of s, controls escaped. */
static const char *
safe(const char *s, size_t n)
{
	static char buf[4][200];
	static int k;

	k = (k + 1) % 4;
	n = strnlen(s, n < 60 ? n : 60);
	return escape_text(buf[k], sizeof(buf[k]), s, n);
}

/* An fd from which in[0..n) can be read: a pipe when it fits, else an
 * unlinked file. */
static int
input_fd(const char *in, size_t n, int use_pipe)
{
	char path[256];
	int p[2], fd;

	if (use_pipe && n <= 4096) {
		if (pipe(p) == -1 || write(p[1], in, n) != (ssize_t)n)
			return -1;
		close(p[1]);
		return p[0];
	}
	snprintf(path, sizeof(path), "%s/../test_message_in.XXXXXX", tmpdir);
	if ((fd = mkstemp(path)) == -1)
		return -1;
	unlink(path);
	if (write(fd, in, n) != (ssize_t)n || lseek(fd, 0, SEEK_SET) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
load(struct message **m, const char *in, size_t n, int dot_ends,
    struct err *e)
{
	int fd = input_fd(in, n, 1), r;

	*m = NULL;
	if (fd == -1) {
		err_set(e, ERR_SOFTWARE, "test input: %s", strerror(errno));
		return -1;
	}
	r = message_read(m, fd, dot_ends, tmpdir, e);
	close(fd);
	return r;
}

/* Everything a copy function writes, caller frees. */
static char *
copy_out(const struct message *m, int mbox, size_t *len)
{
	char path[256], *buf;
	struct err e;
	off_t size;
	int fd, r;

	snprintf(path, sizeof(path), "%s/../test_message_out.XXXXXX", tmpdir);
	if ((fd = mkstemp(path)) == -1)
		return NULL;
	unlink(path);
	r = mbox ? message_copy_mbox(m, fd, &e) : message_copy_raw(m, fd, &e);
	size = lseek(fd, 0, SEEK_END);
	buf = xmalloc((size_t)size + 1);
	if (r == -1 || pread(fd, buf, (size_t)size, 0) != size) {
		free(buf);
		buf = NULL;
	}
	close(fd);
	*len = (size_t)size;
	return buf;
}

/* The edited message read with pieces of n bytes, caller frees. */
static char *
edited(struct message *m, size_t n, size_t *len)
{
	size_t cap = 4096, o = 0;
	char *out = xmalloc(cap), *piece = xmalloc(n);
	struct err e;
	ssize_t r;

	message_rewind(m);
	while ((r = message_reader(m, piece, n, &e)) > 0) {
		if (o + (size_t)r > cap)
			out = xrealloc(out, cap = 2 * (o + (size_t)r));
		memcpy(out + o, piece, (size_t)r);
		o += (size_t)r;
	}
	free(piece);
	if (r == -1) {
		free(out);
		return NULL;
	}
	*len = o;
	return out;
}

/* ------------------------------------------------------- raw round trip */

static const struct {
	const char	*name;
	const char	*in;
} raws[] = {
	{ "empty", "" },
	{ "one byte", "x" },
	{ "header and body", "From: a@b\nTo: c@d\n\nHello\n" },
	{ "CRLF and bare CR", "A: b\r\n\r\nline\rwith CR\r\n\r\n" },
	{ "no final newline", "A: b\n\nlast" },
	{ "8-bit", "Subject: \xc3\xa9\n\n\xff\xfe\n" },
	{ "dot lines kept without dot_ends", "a\n.\nb\n" },
};

static void
test_raw(void)
{
	struct message *m;
	struct err e;
	char *out;
	size_t i, len, n;

	for (i = 0; i < sizeof(raws) / sizeof(raws[0]); i++) {
		n = strlen(raws[i].in);
		if (load(&m, raws[i].in, n, 0, &e) == -1) {
			tap_ok(0, "raw %s: %s", raws[i].name, e.msg);
			message_free(m);
			continue;
		}
		out = copy_out(m, 0, &len);
		tap_ok(out != NULL && len == n &&
		    memcmp(out, raws[i].in, n) == 0 &&
		    message_facts(m)->size == n, "raw round trip: %s",
		    raws[i].name);
		free(out);
		message_free(m);
	}
}

/* A big input (several spool chunks, CRLF, 8-bit) comes back exactly. */
static void
test_raw_big(void)
{
	size_t n = 3 * SPOOL_CHUNK + 12345, i, len;
	char *in = xmalloc(n), *out;
	struct message *m;
	struct err e;
	int fd, r;

	for (i = 0; i < n; i++)
		in[i] = (char)(i % 97 == 0 ? '\n' : i % 89 == 0 ? '\r' :
		    'A' + (int)(i % 61));
	memcpy(in, "Subject: big\n\n", 14);
	fd = input_fd(in, n, 0);
	r = message_read(&m, fd, 0, tmpdir, &e);
	close(fd);
	out = r == 0 ? copy_out(m, 0, &len) : NULL;
	tap_ok(out != NULL && len == n && memcmp(out, in, n) == 0,
	    "raw round trip of %zu bytes", n);
	free(out);
	free(in);
	message_free(m);
}

/* ---------------------------------------------------------------- facts */

static const struct {
	const char		*name;
	const char		*in;
	unsigned long long	lf_lines;
	unsigned long		long_lines;
	int			body_8bit, header_8bit;
} factcases[] = {
	{ "LF lines", "A: b\n\nc\n", 3, 0, 0, 0 },
	{ "CRLF lines", "A: b\r\n\r\nc\r\n", 0, 0, 0, 0 },
	{ "mixed", "A: b\r\n\nc\nd", 2, 0, 0, 0 },
	{ "8-bit header", "A: \xc3\xa9\n\nc\n", 3, 0, 0, 1 },
	{ "8-bit body", "A: b\n\n\xc3\xa9\n", 3, 0, 1, 0 },
	{ "8-bit body, no header", "\xc3\xa9\n", 1, 0, 1, 0 },
	{ "8-bit after a non-field line", "A: b\nno field \xc3\xa9\n", 2, 0,
	    1, 0 },
};

static void
test_facts(void)
{
	const struct message_facts *f;
	struct message *m;
	struct err e;
	size_t i;

	for (i = 0; i < sizeof(factcases) / sizeof(factcases[0]); i++) {
		if (load(&m, factcases[i].in, strlen(factcases[i].in), 0,
		    &e) == -1) {
			tap_ok(0, "facts %s: %s", factcases[i].name, e.msg);
			message_free(m);
			continue;
		}
		f = message_facts(m);
		if (!tap_ok(f->lf_lines == factcases[i].lf_lines &&
		    f->long_lines == factcases[i].long_lines &&
		    f->body_8bit == factcases[i].body_8bit &&
		    f->header_8bit == factcases[i].header_8bit &&
		    !f->dot_ended && !f->data_after_dot,
		    "facts: %s", factcases[i].name))
			tap_diag("lf %llu long %lu body8 %d header8 %d",
			    f->lf_lines, f->long_lines, f->body_8bit,
			    f->header_8bit);
		message_free(m);
	}
}

/* Long lines: over LINE_SOFT_MAX octets, line end not counted. */
static void
test_long_lines(void)
{
	static const struct {
		size_t		len;
		const char	*end;
		unsigned long	want;
	} ll[] = {
		{ LINE_SOFT_MAX, "\n", 0 },
		{ LINE_SOFT_MAX, "\r\n", 0 },
		{ LINE_SOFT_MAX + 1, "\n", 1 },
		{ LINE_SOFT_MAX + 1, "\r\n", 1 },
		{ LINE_SOFT_MAX + 1, "", 1 },
		{ LINE_SOFT_MAX, "", 0 },
	};
	struct message *m;
	struct err e;
	char buf[2 * LINE_SOFT_MAX];
	size_t i, n;

	for (i = 0; i < sizeof(ll) / sizeof(ll[0]); i++) {
		memcpy(buf, "A: b\n\n", 6);
		memset(buf + 6, 'x', ll[i].len);
		memcpy(buf + 6 + ll[i].len, ll[i].end, strlen(ll[i].end));
		n = 6 + ll[i].len + strlen(ll[i].end);
		if (*ll[i].end != '\0') {
			memcpy(buf + n, "short\n", 6);
			n += 6;
		}
		load(&m, buf, n, 0, &e);
		tap_ok(m != NULL && message_facts(m)->long_lines == ll[i].want,
		    "line of %zu octets + \"%s\": %lu long", ll[i].len,
		    safe(ll[i].end, strlen(ll[i].end)), ll[i].want);
		message_free(m);
	}
}

/* 8-bit in the body beyond the first spool chunk. */
static void
test_body_8bit_late(void)
{
	size_t n = 2 * SPOOL_CHUNK + 100;
	char *in = xmalloc(n);
	struct message *m;
	struct err e;
	int fd;

	memset(in, 'a', n);
	memcpy(in, "A: b\n\n", 6);
	in[n - 2] = (char)0xe9;
	in[n - 1] = '\n';
	fd = input_fd(in, n, 0);
	message_read(&m, fd, 0, tmpdir, &e);
	close(fd);
	tap_ok(m != NULL && message_facts(m)->body_8bit &&
	    !message_facts(m)->header_8bit, "8-bit body byte after %d bytes",
	    2 * SPOOL_CHUNK);
	message_free(m);
	free(in);
}

/* ------------------------------------------------------------- dot_ends */

static const struct {
	const char	*in;
	int		dot_ends;
	const char	*want;	/* the raw message kept */
	int		dot_ended, after;
} dots[] = {
	{ "a\n.\nb\n", 1, "a\n", 1, 1 },
	{ "a\n.\n", 1, "a\n", 1, 0 },
	{ "a\n.", 1, "a\n", 1, 0 },
	{ "a\r\n.\r\nb", 1, "a\r\n", 1, 1 },
	{ "a\n.\r\n", 1, "a\n", 1, 0 },
	{ ".\n", 1, "", 1, 0 },
	{ ".", 1, "", 1, 0 },
	{ "A: b\n.\nrest\n", 1, "A: b\n", 1, 1 },
	{ "a\n..\n", 1, "a\n..\n", 0, 0 },
	{ "a\n.x\n", 1, "a\n.x\n", 0, 0 },
	{ "a\n.\r", 1, "a\n.\r", 0, 0 },
	{ "a\n .\n", 1, "a\n .\n", 0, 0 },
	{ "a.\nb\n", 1, "a.\nb\n", 0, 0 },
	{ "a\n.\nb\n", 0, "a\n.\nb\n", 0, 0 },
	{ "a\n.\r\r\n", 1, "a\n.\r\r\n", 0, 0 },
};

static void
check_dot(const char *in, size_t n, int dot_ends, const char *want,
    size_t wantlen, int ended, int after, const char *name)
{
	struct message *m;
	struct err e;
	char *out = NULL;
	size_t len = 0;
	int fd, r;

	fd = input_fd(in, n, n <= 4096);
	r = message_read(&m, fd, dot_ends, tmpdir, &e);
	close(fd);
	if (r == 0)
		out = copy_out(m, 0, &len);
	if (!tap_ok(r == 0 && out != NULL && len == wantlen &&
	    memcmp(out, want, len) == 0 &&
	    message_facts(m)->dot_ended == ended &&
	    message_facts(m)->data_after_dot == after &&
	    message_facts(m)->size == wantlen, "dot_ends=%d %s", dot_ends,
	    name))
		tap_diag("r=%d len=%zu ended=%d after=%d", r, len,
		    m ? message_facts(m)->dot_ended : -1,
		    m ? message_facts(m)->data_after_dot : -1);
	free(out);
	message_free(m);
}

static void
test_dots(void)
{
	size_t i;

	for (i = 0; i < sizeof(dots) / sizeof(dots[0]); i++)
		check_dot(dots[i].in, strlen(dots[i].in), dots[i].dot_ends,
		    dots[i].want, strlen(dots[i].want), dots[i].dot_ended,
		    dots[i].after, safe(dots[i].in, strlen(dots[i].in)));
}

/* A "." line across the boundary of two reads of SPOOL_CHUNK bytes. */
static void
test_dots_boundary(void)
{
	static const struct {
		size_t		at;	/* offset of the '.' */
		const char	*line;
		const char	*tail;
		int		ended;
	} b[] = {
		{ SPOOL_CHUNK - 1, ".\n", "more\n", 1 },
		{ SPOOL_CHUNK - 2, ".\r\n", "", 1 },
		{ SPOOL_CHUNK - 1, ".\r\n", "x", 1 },
		{ SPOOL_CHUNK - 1, ".", "", 1 },
		{ SPOOL_CHUNK - 1, ".x\n", "", 0 },
		{ SPOOL_CHUNK - 2, ".\r", "", 0 },
		{ SPOOL_CHUNK, ".\n", "", 1 },
	};
	size_t i, n, ll;
	char *in, name[64];

	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
		ll = strlen(b[i].line);
		n = b[i].at + ll + strlen(b[i].tail);
		in = xmalloc(n);
		memset(in, 'y', b[i].at);
		in[b[i].at - 1] = '\n';
		memcpy(in + b[i].at, b[i].line, ll);
		memcpy(in + b[i].at + ll, b[i].tail, strlen(b[i].tail));
		snprintf(name, sizeof(name), "\"%s\" at offset %zu",
		    safe(b[i].line, ll), b[i].at);
		check_dot(in, n, 1, in, b[i].ended ? b[i].at : n, b[i].ended,
		    b[i].ended && *b[i].tail != '\0', name);
		free(in);
	}
}

/* ----------------------------------------------------------------- NUL */

static void
test_nul(void)
{
	static const char in[] = "A: b\n\nline\nx\0y\nafter\n";
	size_t n = sizeof(in) - 1, len, big = 200000, i;
	struct message *m;
	struct err e;
	char *out, *bin;
	int r, fd;

	r = load(&m, in, n, 0, &e);
	tap_ok(r == -1 && e.kind == ERR_DATA &&
	    strcmp(e.msg, "message contains a NUL byte (line 4)") == 0,
	    "NUL is ERR_DATA naming the line (%s)", e.msg);
	out = m != NULL ? copy_out(m, 0, &len) : NULL;
	tap_ok(out != NULL && len == n && memcmp(out, in, n) == 0,
	    "input with a NUL is kept whole");
	free(out);
	message_free(m);

	bin = xmalloc(big + 3);
	for (i = 0; i < big; i += 2)
		memcpy(bin + i, "x\n", 2);
	memcpy(bin + big, "\0\n", 3);
	fd = input_fd(bin, big + 2, 0);
	r = message_read(&m, fd, 1, tmpdir, &e);
	close(fd);
	tap_ok(r == -1 && e.kind == ERR_DATA && m != NULL &&
	    strstr(e.msg, "(line 100001)") != NULL &&
	    message_facts(m)->size == big + 2,
	    "NUL in a later chunk: line counted across reads (%s)", e.msg);
	message_free(m);
	free(bin);
}

/* A header section over HEADER_SECTION_MAX is ERR_DATA; the input is still
 * all read. A long body without a separator is not a long header. */
static void
test_header_cap(void)
{
	size_t n = HEADER_SECTION_MAX + 1000, i;
	struct message *m;
	struct err e;
	char *in = xmalloc(n);
	int fd, r;

	/* fields of 1000 bytes: under HEADER_FIELDS_MAX fields */
	memset(in, 'a', n);
	for (i = 0; i + 1000 <= n; i += 1000) {
		memcpy(in + i, "X: ", 3);
		in[i + 999] = '\n';
	}
	fd = input_fd(in, n, 0);
	r = message_read(&m, fd, 0, tmpdir, &e);
	close(fd);
	tap_ok(r == -1 && e.kind == ERR_DATA && m != NULL &&
	    strstr(e.msg, "header section longer than") != NULL &&
	    message_facts(m)->size == n, "header over HEADER_SECTION_MAX (%s)",
	    e.msg);
	message_free(m);

	for (i = 0; i + 10 <= n; i += 10)
		memcpy(in + i, "body line\n", 10);
	fd = input_fd(in, n, 0);
	r = message_read(&m, fd, 0, tmpdir, &e);
	close(fd);
	tap_ok(r == 0 && message_facts(m)->size == n,
	    "a long body without header or separator is fine");
	message_free(m);
	free(in);
}

static void
test_read_error(void)
{
	struct message *m = NULL;
	struct err e;
	int fd = open(tmpdir, O_RDONLY | O_DIRECTORY), r;

	r = message_read(&m, fd, 0, tmpdir, &e);
	close(fd);
	tap_ok(r == -1 && e.kind == ERR_IO && m == NULL,
	    "unreadable input is ERR_IO (%s)", e.msg);
	r = message_read(&m, 0, 0, "/nonexistent/dir", &e);
	tap_ok(r == -1 && e.kind == ERR_IO && m == NULL,
	    "spool that cannot be created is ERR_IO (%s)", e.msg);
}

/* ---------------------------------------------------------- recipients */

static const struct {
	const char	*in;
	const char	*want;	/* '|'-joined, or "!reason" */
} rcpts[] = {
	{ "To: a@b\nCc: c@d\nBcc: e@f\n\nbody\n", "a@b|c@d|e@f" },
	{ "Bcc: e@f\nTo: a@b\n\n", "e@f|a@b" },
	{ "To: a@b\nSubject: x\nTo: c@d\n\n", "a@b|c@d" },
	{ "TO: a@b\ncc: c@d\nbCC: e@f\n\n", "a@b|c@d|e@f" },
	{ "To: a@b,\n c@d,\r\n\tE <e@f>\n\n", "a@b|c@d|e@f" },
	{ "To: undisclosed-recipients:;\nBcc: x@y\n\n", "x@y" },
	{ "To: team: a@b, c@d;, e@f\n\n", "a@b|c@d|e@f" },
	{ "To: a@b\n\nCc: c@d\n", "a@b" },
	{ "Subject: none\n\n", "" },
	{ "no header\n", "" },
	{ "From: x@y\nReply-To: r@y\nSender: s@y\n\n", "" },
	{ "Resent-To: r@x\nResent-From: q@x\nReceived: by x\n"
	    "Resent-To: old@x\nTo: a@b\n\n", "r@x" },
	{ "Received: by x\nResent-Date: d\nResent-To: r@x\nResent-Cc: s@x\n"
	    "Resent-Bcc: t@x\nReceived: by y\nResent-To: old@x\nTo: a@b\n\n",
	    "r@x|s@x|t@x" },
	{ "Resent-From: q@x\nResent-Date: d\nTo: a@b\n\n", "" },
	{ "resent-to: r@x\nRESENT-CC: s@x\n\n", "r@x|s@x" },
	{ "To: <a@b\n\n", "!cannot parse the To header: missing '>'" },
	{ "To: a@b\nCc: (x\n\n", "!cannot parse the Cc header: unbalanced" },
	{ "Bcc: \"x@y\n\n", "!cannot parse the Bcc header: unterminated" },
	{ "Resent-Bcc: a@b c@d\nTo: e@f\n\n",
	    "!cannot parse the Resent-Bcc header" },
	{ "Resent-To: r@x\nTo: <bad\n\n", "r@x" },
};

static void
test_rcpts(void)
{
	struct message *m;
	struct err e;
	char **r, got[512];
	size_t i, n, k, o;
	int rc;

	for (i = 0; i < sizeof(rcpts) / sizeof(rcpts[0]); i++) {
		n = 1;
		r = xmalloc(sizeof(*r));
		r[0] = xstrdup("pre@x");
		load(&m, rcpts[i].in, strlen(rcpts[i].in), 0, &e);
		rc = message_header_rcpts(m, &r, &n, &e);
		for (k = 1, o = 0, got[0] = '\0'; k < n; k++)
			o += (size_t)snprintf(got + o, sizeof(got) - o, "%s%s",
			    k > 1 ? "|" : "", r[k]);
		if (rcpts[i].want[0] == '!')
			tap_ok(rc == -1 && e.kind == ERR_DATA &&
			    strstr(e.msg, rcpts[i].want + 1) != NULL,
			    "-t refuses: %s (%s)", safe(rcpts[i].in, 40),
			    e.msg);
		else if (rc == -1)
			tap_ok(0, "-t %s: %s", safe(rcpts[i].in, 40), e.msg);
		else
			tap_ok(strcmp(got, rcpts[i].want) == 0 &&
			    strcmp(r[0], "pre@x") == 0, "-t %s -> %s",
			    safe(rcpts[i].in, 40), got);
		for (k = 0; k < n; k++)
			free(r[k]);
		free(r);
		message_free(m);
	}
}

static void
test_rcpts_max(void)
{
	size_t n = 4 + 4 * (RCPTS_MAX + 1) + 2, i, nr = 0;
	struct message *m;
	struct err e;
	char *in = xmalloc(n), **r = NULL;
	int fd, rc;

	memcpy(in, "To: ", 4);
	for (i = 0; i <= RCPTS_MAX; i++)
		memcpy(in + 4 + 4 * i, "a@b,", 4);
	memcpy(in + n - 2, "\n\n", 2);
	fd = input_fd(in, n, 0);
	message_read(&m, fd, 0, tmpdir, &e);
	close(fd);
	rc = message_header_rcpts(m, &r, &nr, &e);
	tap_ok(rc == -1 && e.kind == ERR_DATA && strstr(e.msg, "recipients"),
	    "over RCPTS_MAX from headers is ERR_DATA (%s)", e.msg);
	for (i = 0; i < nr; i++)
		free(r[i]);
	free(r);
	message_free(m);
	free(in);
}

static const struct {
	const char	*in;
	const char	*want;	/* NULL: none, "!": error */
} froms[] = {
	{ "From: Me <me@x>, other@y\n\n", "me@x" },
	{ "To: a@b\nfrom: (c) me@x\n\n", "me@x" },
	{ "To: a@b\n\n", NULL },
	{ "From: undisclosed:;\n\n", NULL },
	{ "From: <bad\n\n", "!" },
};

static void
test_from(void)
{
	struct message *m;
	struct err e;
	char *f;
	size_t i;
	int r;

	for (i = 0; i < sizeof(froms) / sizeof(froms[0]); i++) {
		load(&m, froms[i].in, strlen(froms[i].in), 0, &e);
		r = message_header_from(m, &f, &e);
		if (froms[i].want == NULL)
			tap_ok(r == 0 && f == NULL, "no From address: %s",
			    safe(froms[i].in, 40));
		else if (froms[i].want[0] == '!')
			tap_ok(r == -1 && e.kind == ERR_DATA && f == NULL &&
			    strstr(e.msg, "From header") != NULL,
			    "bad From: %s", e.msg);
		else
			tap_ok(r == 0 && f != NULL && strcmp(f, froms[i].want)
			    == 0, "From address %s", froms[i].want);
		free(f);
		message_free(m);
	}
}

/* ---------------------------------------------------------------- edits */

static regex_t re_date, re_msgid;

/* Replace generated Date and Message-ID values by DATE and MSGID once
 * they were checked against their formats; caller frees. */
static char *
normalize(const char *s, size_t n)
{
	char *out = xmalloc(n + 1), *line;
	const char *p = s, *nl;
	size_t o = 0, ll;

	while (p < s + n) {
		nl = memchr(p, '\n', (size_t)(s + n - p));
		ll = nl != NULL ? (size_t)(nl - p) : (size_t)(s + n - p);
		line = xstrndup(p, ll);
		if (regexec(&re_date, line, 0, NULL, 0) == 0)
			o += (size_t)sprintf(out + o, "Date: DATE");
		else if (regexec(&re_msgid, line, 0, NULL, 0) == 0)
			o += (size_t)sprintf(out + o, "Message-ID: MSGID");
		else {
			memcpy(out + o, p, ll);
			o += ll;
		}
		free(line);
		if (nl != NULL)
			out[o++] = '\n';
		p += ll + (nl != NULL);
	}
	out[o] = '\0';
	return out;
}

/* The size of s[0..n) with every line end CRLF and a final CRLF. */
static unsigned long long
crlf_size(const char *s, size_t n)
{
	unsigned long long w = n;
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
			w++;
	if (n > 0 && s[n - 1] != '\n')
		w += 2;
	return w;
}

static const struct {
	const char		*name;
	const char		*in;
	struct message_edits	ed;
	const char		*want;
} edits[] = {
	{ "no edits", "From: a@b\nSubject: s\n\nbody\n",
	    { NULL, 0, 0, NULL, 0, NULL }, "From: a@b\nSubject: s\n\nbody\n" },
	{ "Bcc removed", "From: a@b\nTo: c@d\nBcc: e@f,\n g@h\nSubject: s\n\n"
	    "body\n", { NULL, 0, 0, NULL, 1, NULL },
	    "From: a@b\nTo: c@d\nSubject: s\n\nbody\n" },
	{ "Bcc and Resent-Bcc removed, any case",
	    "resent-BCC: x@y\nBCC : e@f\nTo: c@d\n\nb\n",
	    { NULL, 0, 0, NULL, 1, NULL },
	    "To: c@d\n\nb\n" },
	{ "Bcc kept without remove_bcc", "Bcc: e@f\n\nb\n",
	    { NULL, 0, 0, NULL, 0, NULL }, "Bcc: e@f\n\nb\n" },
	{ "Date added when missing", "From: a@b\n\nbody\n",
	    { NULL, 0, 1, NULL, 0, NULL }, "Date: DATE\nFrom: a@b\n\nbody\n" },
	{ "Date kept", "DATE: orig\nFrom: a@b\n\nbody\n",
	    { NULL, 0, 1, NULL, 0, NULL }, "DATE: orig\nFrom: a@b\n\nbody\n" },
	{ "Message-ID added", "From: a@b\n\nbody\n",
	    { NULL, 0, 0, "example.org", 0, NULL },
	    "Message-ID: MSGID\nFrom: a@b\n\nbody\n" },
	{ "Message-ID kept", "Message-Id:  <x@y> \nFrom: a@b\n\nbody\n",
	    { NULL, 0, 0, "example.org", 0, NULL },
	    "Message-Id:  <x@y> \nFrom: a@b\n\nbody\n" },
	{ "From added when missing", "To: c@d\n\nbody\n",
	    { "Me <me@x>", 0, 0, NULL, 0, NULL },
	    "From: Me <me@x>\nTo: c@d\n\nbody\n" },
	{ "From kept", "To: c@d\nFrom: a@b\n\nbody\n",
	    { "Me <me@x>", 0, 0, NULL, 0, NULL },
	    "To: c@d\nFrom: a@b\n\nbody\n" },
	{ "From replaced", "To: c@d\nFrom: old\n folded\nfrom: again\n\nbody\n",
	    { "new@x", 1, 0, NULL, 0, NULL },
	    "From: new@x\nTo: c@d\n\nbody\n" },
	{ "everything added, in order", "Subject: s\n\nbody\n",
	    { "me@x", 0, 1, "example.org", 1, "undisclosed-recipients:;" },
	    "From: me@x\nDate: DATE\nMessage-ID: MSGID\n"
	    "To: undisclosed-recipients:;\nSubject: s\n\nbody\n" },
	{ "To added for undisclosed recipients", "Subject: s\n\nb\n",
	    { NULL, 0, 0, NULL, 0, "undisclosed-recipients:;" },
	    "To: undisclosed-recipients:;\nSubject: s\n\nb\n" },
	{ "To not added when Cc", "Cc: a@b\n\nb\n",
	    { NULL, 0, 0, NULL, 0, "undisclosed-recipients:;" },
	    "Cc: a@b\n\nb\n" },
	{ "To added when only Bcc (then removed)", "Bcc: a@b\n\nb\n",
	    { NULL, 0, 0, NULL, 1, "undisclosed-recipients:;" },
	    "To: undisclosed-recipients:;\n\nb\n" },
	{ "separator added before a body line", "From: a\nhello\n",
	    { NULL, 0, 0, NULL, 0, NULL }, "From: a\n\nhello\n" },
	{ "no header: separator first", "hello\nworld\n",
	    { NULL, 0, 0, NULL, 0, NULL }, "\nhello\nworld\n" },
	{ "no header: fields added", "hello\n",
	    { NULL, 0, 1, NULL, 0, NULL }, "Date: DATE\n\nhello\n" },
	{ "empty input, field added", "",
	    { NULL, 0, 1, NULL, 0, NULL }, "Date: DATE\n\n" },
	{ "empty input, nothing added", "",
	    { NULL, 0, 0, NULL, 0, NULL }, "" },
	{ "header only, no separator", "Subject: x\n",
	    { NULL, 0, 1, NULL, 0, NULL }, "Date: DATE\nSubject: x\n" },
	{ "header only, no final newline", "Subject: x",
	    { NULL, 0, 1, NULL, 0, NULL }, "Date: DATE\nSubject: x" },
	{ "empty first line kept", "\nbody\n",
	    { NULL, 0, 1, NULL, 0, NULL }, "Date: DATE\n\nbody\n" },
	{ "CRLF message", "From: a\r\nBcc: b\r\n\r\nbody\r\nbare\rCR",
	    { NULL, 0, 0, NULL, 1, NULL }, "From: a\r\n\r\nbody\r\nbare\rCR" },
	{ "mbox From line is body", "From x@y Sat Jan  1 00:00:00 2000\n"
	    "To: a@b\n\nb\n", { NULL, 0, 0, NULL, 0, NULL },
	    "\nFrom x@y Sat Jan  1 00:00:00 2000\nTo: a@b\n\nb\n" },
};

static void
check_edit(struct message *m, size_t i)
{
	static const size_t sizes[] = { 1, 7, 4096 };
	char *first = NULL, *out, *norm;
	size_t k, len, firstlen = 0;
	int same = 1;

	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		out = edited(m, sizes[k], &len);
		if (out == NULL)
			same = 0;
		else if (first == NULL) {
			first = out;
			firstlen = len;
			continue;
		} else if (len != firstlen || memcmp(out, first, len) != 0)
			same = 0;
		free(out);
	}
	tap_ok(same && first != NULL, "reader: same bytes for n = 1, 7, 4096: "
	    "%s", edits[i].name);
	if (first == NULL)
		return;
	norm = normalize(first, firstlen);
	tap_str_eq(norm, edits[i].want, edits[i].name);
	if (!tap_ok(message_wire_size(m) == crlf_size(first, firstlen),
	    "wire size: %s", edits[i].name))
		tap_diag("wire %llu, CRLF size %llu", message_wire_size(m),
		    crlf_size(first, firstlen));
	free(norm);
	free(first);
}

static void
test_edits(void)
{
	struct message *m;
	struct err e;
	const char *id;
	char line[256];
	size_t i;

	for (i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		load(&m, edits[i].in, strlen(edits[i].in), 0, &e);
		if (m == NULL || message_prepare(m, &edits[i].ed, &e) == -1) {
			tap_ok(0, "prepare %s: %s", edits[i].name, e.msg);
			message_free(m);
			continue;
		}
		check_edit(m, i);
		message_free(m);
	}
	load(&m, "From: a\n\nb\n", 11, 0, &e);
	message_prepare(m, &edits[6].ed, &e);
	id = message_id(m);
	snprintf(line, sizeof(line), "Message-ID: %s", id ? id : "NULL");
	tap_ok(regexec(&re_msgid, line, 0, NULL, 0) == 0,
	    "message_id() is the added one (%s)", line);
	message_free(m);
	load(&m, edits[7].in, strlen(edits[7].in), 0, &e);
	message_prepare(m, &edits[7].ed, &e);
	tap_str_eq(message_id(m) ? message_id(m) : "NULL", "<x@y>",
	    "message_id() is the one found, trimmed");
	message_free(m);
}

/* Values with control characters are refused before anything is built. */
static void
test_bad_edits(void)
{
	static const struct message_edits bad[] = {
		{ "a@b\r\nBcc: x@y", 0, 0, NULL, 0, NULL },
		{ NULL, 0, 0, NULL, 0, "x@y\nX: 1" },
		{ NULL, 0, 0, "exa mple.org", 0, NULL },
		{ NULL, 0, 0, "", 0, NULL },
		{ NULL, 0, 0, "a>b", 0, NULL },
	};
	struct message *m;
	struct err e;
	size_t i;

	load(&m, "A: b\n\nc\n", 8, 0, &e);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		tap_ok(message_prepare(m, &bad[i], &e) == -1 &&
		    e.kind == ERR_USAGE, "bad edit %zu refused (%s)", i, e.msg);
	message_free(m);
}

/* A big body read back through the reader, edited at the top. */
static void
test_reader_big(void)
{
	static const struct message_edits ed = { NULL, 0, 0, NULL, 1, NULL };
	size_t n = 2 * SPOOL_CHUNK + 777, i, len;
	char *in = xmalloc(n), *out;
	struct message *m;
	struct err e;
	int fd;

	for (i = 0; i < n; i++)
		in[i] = (char)(i % 50 == 49 ? '\n' : 'a' + (int)(i % 26));
	memcpy(in, "Bcc: x@y\nTo: z@w\n\n", 18);
	fd = input_fd(in, n, 0);
	message_read(&m, fd, 0, tmpdir, &e);
	close(fd);
	message_prepare(m, &ed, &e);
	out = edited(m, 4093, &len);
	tap_ok(out != NULL && len == n - 9 && memcmp(out, in + 9, len) == 0,
	    "big message through the reader, Bcc removed");
	tap_ok(out != NULL && message_wire_size(m) >= crlf_size(out, len),
	    "big message: wire size %llu >= CRLF size %llu",
	    message_wire_size(m), out ? crlf_size(out, len) : 0);
	free(out);
	out = edited(m, 7, &len);
	tap_ok(out != NULL && len == n - 9 && memcmp(out, in + 9, len) == 0,
	    "big message read 7 bytes at a time after a rewind");
	free(out);
	message_free(m);
	free(in);
}

/* ----------------------------------------------------------------- mbox */

static const struct {
	const char	*in;
	const char	*want;
} mboxes[] = {
	{ "From x\n", ">From x\n\n" },
	{ ">From x\n", ">>From x\n\n" },
	{ "a\nFrom b\n>>From c\nFrom\nFromage\n>From",
	    "a\n>From b\n>>>From c\nFrom\nFromage\n>From\n\n" },
	{ " From x\n", " From x\n\n" },
	{ "a From b\n", "a From b\n\n" },
	{ "", "\n" },
	{ "abc", "abc\n\n" },
	{ "From x\r\nb\r\n", ">From x\r\nb\r\n\n" },
	{ ">>\n>x\nFrom", ">>\n>x\nFrom\n\n" },
	{ "from x\n", "from x\n\n" },
	{ "A: b\n\n>>>From  y\n", "A: b\n\n>>>>From  y\n\n" },
};

static void
test_mbox(void)
{
	struct message *m;
	struct err e;
	char *out;
	size_t i, len;

	for (i = 0; i < sizeof(mboxes) / sizeof(mboxes[0]); i++) {
		load(&m, mboxes[i].in, strlen(mboxes[i].in), 0, &e);
		out = m != NULL ? copy_out(m, 1, &len) : NULL;
		if (out == NULL)
			tap_ok(0, "mbox %s", safe(mboxes[i].in, 40));
		else
			tap_mem_eq(out, len, mboxes[i].want,
			    strlen(mboxes[i].want), safe(mboxes[i].in, 40));
		free(out);
		message_free(m);
	}
}

/* "From " and ">>From " split across two spool reads. */
static void
test_mbox_boundary(void)
{
	static const struct {
		size_t		split;	/* bytes of it in the first read */
		const char	*line;
		const char	*want;
	} b[] = {
		{ 2, "From y\n", ">From y\n" },
		{ 1, ">>From y\n", ">>>From y\n" },
		{ 3, ">>From y\n", ">>>From y\n" },
		{ 4, "Fromx\n", "Fromx\n" },
		{ 5, "From y\n", ">From y\n" },
	};
	size_t i, n, at, ll, wl, len;
	char *in, *want, *out;
	struct message *m;
	struct err e;
	int fd;

	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
		at = SPOOL_CHUNK - b[i].split;
		ll = strlen(b[i].line);
		wl = strlen(b[i].want);
		n = at + ll;
		in = xmalloc(n);
		want = xmalloc(at + wl + 1);
		memset(in, 'z', at);
		in[at - 1] = '\n';
		memcpy(in + at, b[i].line, ll);
		memcpy(want, in, at);
		memcpy(want + at, b[i].want, wl);
		want[at + wl] = '\n';
		fd = input_fd(in, n, 0);
		message_read(&m, fd, 0, tmpdir, &e);
		close(fd);
		out = copy_out(m, 1, &len);
		tap_ok(out != NULL && len == at + wl + 1 &&
		    memcmp(out, want, len) == 0, "mbox: \"%s\" split after %zu "
		    "bytes", safe(b[i].line, ll - 1), b[i].split);
		free(out);
		free(in);
		free(want);
		message_free(m);
	}
}

/* The spool is unlinked at once: nothing is left in tmpdir. */
static void
test_spool_unlinked(void)
{
	struct message *m;
	struct err e;
	struct dirent *d;
	DIR *dir;
	int entries = 0;

	load(&m, "A: b\n\nc\n", 8, 0, &e);
	if ((dir = opendir(tmpdir)) != NULL) {
		while ((d = readdir(dir)) != NULL)
			if (strcmp(d->d_name, ".") && strcmp(d->d_name, ".."))
				entries++;
		closedir(dir);
	}
	tap_ok(m != NULL && dir != NULL && entries == 0,
	    "the spool file is unlinked while the message is open");
	message_free(m);
	message_free(NULL);
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL ||
	    regcomp(&re_date, "^Date: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), "
	    "[0-9]{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
	    "[0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4}$",
	    REG_EXTENDED | REG_NOSUB) != 0 ||
	    regcomp(&re_msgid, "^Message-ID: <[0-9]{14}\\.[0-9a-f]{32}"
	    "@example\\.org>$", REG_EXTENDED | REG_NOSUB) != 0) {
		perror("setup");
		return 1;
	}
	test_raw();
	test_raw_big();
	test_facts();
	test_long_lines();
	test_body_8bit_late();
	test_dots();
	test_dots_boundary();
	test_nul();
	test_header_cap();
	test_read_error();
	test_rcpts();
	test_rcpts_max();
	test_from();
	test_edits();
	test_bad_edits();
	test_reader_big();
	test_mbox();
	test_mbox_boundary();
	test_spool_unlinked();
	regfree(&re_date);
	regfree(&re_msgid);
	rmdir(tmpdir);
	return tap_done();
}
