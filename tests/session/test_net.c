/*
 * test_net.c - net.c against peers the test makes itself: listeners on
 * 127.0.0.1 and ::1, a refused port, a full backlog (timeout), a Unix
 * socket, source addresses, and a SOCKS5 proxy in a forked child.  Name
 * resolution outcomes are tested without DNS traffic leaving the machine:
 * when root, the test runs itself again (--resolve-suite) inside the
 * private resolver of tests/e2e/resolve-helper.sh and relays its results.
 */
#include "autoconfig.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net.h"
#include "util.h"
#include "../tap.h"

#define B(s)	s, sizeof(s) - 1

static const char *const kind_names[] = {
	"ERR_NONE", "ERR_USAGE", "ERR_DATA", "ERR_NOINPUT", "ERR_NOUSER",
	"ERR_NOHOST", "ERR_UNAVAILABLE", "ERR_SOFTWARE", "ERR_OSERR",
	"ERR_CANTCREAT", "ERR_IO", "ERR_TEMP", "ERR_PROTOCOL", "ERR_NOPERM",
	"ERR_CONFIG",
};

static const char *
kind_name(enum err_kind k)
{
	if ((size_t)k < sizeof(kind_names) / sizeof(kind_names[0]))
		return kind_names[k];
	return "?";
}

/* Check an expected failure: fd -1, the kind, and (when given) a piece
 * of the message. */
static void
want_err(int fd, const struct err *e, enum err_kind kind, const char *part,
    const char *name)
{
	int ok = fd == -1 && e->kind == kind &&
	    (part == NULL || strstr(e->msg, part) != NULL);

	if (!tap_ok(ok, "%s: %s", name, kind_name(kind)))
		tap_diag("got fd %d, %s: %s", fd, kind_name(e->kind), e->msg);
	if (fd != -1)
		close(fd);
}

static struct net_target
target(const char *host, int port)
{
	struct net_target t;

	memset(&t, 0, sizeof(t));
	t.host = host;
	t.port = port;
	t.timeout_ms = 5000;
	return t;
}

/* A listening TCP socket on addr, port 0; its port in *port. */
static int
listener(int family, const char *addr, int backlog, int *port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	socklen_t len = family == AF_INET ? sizeof(*s4) : sizeof(*s6);
	int fd;

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = (sa_family_t)family;
	if (inet_pton(family, addr, family == AF_INET ?
	    (void *)&s4->sin_addr : (void *)&s6->sin6_addr) != 1)
		return -1;
	if ((fd = socket(family, SOCK_STREAM, 0)) == -1)
		return -1;
	if (bind(fd, (struct sockaddr *)&ss, len) == -1 ||
	    listen(fd, backlog) == -1 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) == -1) {
		close(fd);
		return -1;
	}
	*port = ntohs(family == AF_INET ? s4->sin_port : s6->sin6_port);
	return fd;
}

/* A port on 127.0.0.1 where nothing listens (just closed). */
static int
closed_port(void)
{
	int port = 0, fd = listener(AF_INET, "127.0.0.1", 1, &port);

	if (fd != -1)
		close(fd);
	return port;
}

static int
read_full(int fd, void *buf, size_t n)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	char *p = buf;
	ssize_t r;

	while (n > 0) {
		if (poll(&pfd, 1, 5000) != 1)
			return -1;
		if ((r = read(fd, p, n)) == -1 && errno == EAGAIN)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int
write_full(int fd, const void *buf, size_t n)
{
	return write(fd, buf, n) == (ssize_t)n ? 0 : -1;
}

/* The local port of fd is the peer port of the accepted end. */
static int
same_connection(int fd, int afd)
{
	struct sockaddr_storage a, b;
	socklen_t la = sizeof(a), lb = sizeof(b);

	if (getsockname(fd, (struct sockaddr *)&a, &la) == -1 ||
	    getpeername(afd, (struct sockaddr *)&b, &lb) == -1 || la != lb)
		return 0;
	return memcmp(&a, &b, la) == 0;
}

static void
test_loopback(void)
{
	static const struct {
		const char	*host;
		int		 want;
	} cases[] = {
		{ "localhost", 1 },
		{ "LocalHost", 1 },
		{ "localhost.", 1 },
		{ "127.0.0.1", 1 },
		{ "127.1.2.3", 1 },
		{ "127.255.255.255", 1 },
		{ "::1", 1 },
		{ "0:0:0:0:0:0:0:1", 1 },
		{ "::ffff:127.0.0.1", 1 },
		{ "126.255.255.255", 0 },
		{ "128.0.0.1", 0 },
		{ "10.0.0.1", 0 },
		{ "::2", 0 },
		{ "[::1]", 0 },
		{ "localhost.example.org", 0 },
		{ "localhostx", 0 },
		{ "mail.example.org", 0 },
		{ "127.0.0.1.example.org", 0 },
		{ "", 0 },
		{ NULL, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		tap_ok(!!net_is_loopback(cases[i].host) == cases[i].want,
		    "net_is_loopback(%s) == %d",
		    cases[i].host ? cases[i].host : "NULL", cases[i].want);
}

/* Connect to a listener on addr; check the peer text, TCP_NODELAY,
 * FD_CLOEXEC and that the listener got this very connection. */
static void
test_connect(int family, const char *addr)
{
	struct net_target t;
	struct err e;
	char peer[128];
	int lfd, fd, afd, port, nodelay = 0;
	socklen_t len = sizeof(nodelay);

	if ((lfd = listener(family, addr, 8, &port)) == -1) {
		tap_ok(1, "connect to %s # SKIP cannot listen there: %s", addr,
		    strerror(errno));
		return;
	}
	t = target(addr, port);
	fd = net_connect(&t, peer, sizeof(peer), &e);
	if (!tap_ok(fd >= 0, "connect to %s", addr)) {
		tap_diag("%s: %s", kind_name(e.kind), e.msg);
		close(lfd);
		return;
	}
	tap_str_eq(peer, addr, "peer names the address");
	getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &len);
	tap_ok(nodelay != 0, "TCP_NODELAY set on %s", addr);
	tap_ok((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0, "FD_CLOEXEC set");
	afd = accept(lfd, NULL, NULL);
	tap_ok(afd >= 0 && same_connection(fd, afd), "listener accepted it");
	if (afd >= 0)
		close(afd);
	close(fd);
	close(lfd);
}

static void
test_refused(void)
{
	struct net_target t;
	struct err e;
	char want[256];
	int port = closed_port(), fd;

	t = target("127.0.0.1", port);
	fd = net_connect(&t, NULL, 0, &e);
	snprintf(want, sizeof(want), "cannot connect to 127.0.0.1 port %d: "
	    "127.0.0.1: %s", port, strerror(ECONNREFUSED));
	want_err(fd, &e, ERR_TEMP, NULL, "refused port");
	tap_str_eq(e.msg, want, "refusal message names host, port, address");
}

/* A listener that never accepts, with backlog 0, holds at most a
 * connection or two; the next SYN is dropped, so connect times out. */
static void
test_timeout(int by_deadline)
{
	const char *name = by_deadline ? "run deadline" : "connect timeout";
	struct net_target t;
	struct err e;
	int lfd, port, fds[16], n = 0, fd = -1, i;
	long long start = 0, took = 0;

	if ((lfd = listener(AF_INET, "127.0.0.1", 0, &port)) == -1) {
		tap_ok(0, "%s: listen", name);
		return;
	}
	t = target("127.0.0.1", port);
	while (n < 16) {
		t.timeout_ms = by_deadline ? 0 : 300;
		start = now_ms();
		t.deadline_ms = by_deadline ? start + 300 : 0;
		if ((fd = net_connect(&t, NULL, 0, &e)) == -1)
			break;
		fds[n++] = fd;
	}
	took = now_ms() - start;
	if (fd != -1)
		tap_ok(1, "%s # SKIP the backlog never filled here", name);
	else {
		want_err(fd, &e, ERR_TEMP, strerror(ETIMEDOUT), name);
		if (!tap_ok(took >= 290 && took < 3000,
		    "%s: gave up after the time allowed", name))
			tap_diag("took %lld ms", took);
	}
	for (i = 0; i < n; i++)
		close(fds[i]);
	close(lfd);
}

/* "localhost" with both families here: listen on the one tried last
 * only, so that success proves the first was tried and passed over. */
static void
test_every_address(const char *host)
{
	struct net_target t;
	struct err e;
	char peer[128], want[512];
	int lfd, fd, port;

	if ((lfd = listener(AF_INET, "127.0.0.1", 8, &port)) == -1) {
		tap_ok(0, "every address: listen");
		return;
	}
	t = target(host, port);
	fd = net_connect(&t, peer, sizeof(peer), &e);
	if (!tap_ok(fd >= 0, "%s: ::1 refused, 127.0.0.1 tried next", host))
		tap_diag("%s: %s", kind_name(e.kind), e.msg);
	else
		tap_str_eq(peer, "127.0.0.1", "peer is the address that took it");
	if (fd != -1)
		close(fd);
	close(lfd);
	fd = net_connect(&t, NULL, 0, &e);
	snprintf(want, sizeof(want), "cannot connect to %s port %d: ::1: %s; "
	    "127.0.0.1: %s", host, port, strerror(ECONNREFUSED),
	    strerror(ECONNREFUSED));
	want_err(fd, &e, ERR_TEMP, NULL, "no address listening");
	tap_str_eq(e.msg, want, "message names every address tried");
}

/* On the host, only when "localhost" has ::1 first and 127.0.0.1 next. */
static void
test_every_address_host(void)
{
	struct addrinfo hints, *res = NULL;
	int ok;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	ok = getaddrinfo("localhost", "25", &hints, &res) == 0 &&
	    res->ai_family == AF_INET6 && res->ai_next != NULL &&
	    res->ai_next->ai_family == AF_INET && res->ai_next->ai_next == NULL;
	if (res != NULL)
		freeaddrinfo(res);
	if (ok)
		test_every_address("localhost");
	else
		tap_ok(1, "every address # SKIP localhost is not ::1 then "
		    "127.0.0.1 here (tested in the resolver namespace)");
}

static void
test_unix(void)
{
	char dir[] = "/tmp/test_net.XXXXXX", path[64], peer[256], *longp;
	struct sockaddr_un sun;
	struct net_target t;
	struct err e;
	int lfd = -1, fd, afd;

	if (mkdtemp(dir) == NULL) {
		tap_ok(0, "unix: mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/smtp.sock", dir);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	memset(&t, 0, sizeof(t));
	t.socket = path;
	t.timeout_ms = 5000;
	want_err(net_connect(&t, NULL, 0, &e), &e, ERR_TEMP, path,
	    "unix socket missing");
	if ((lfd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(lfd, 4) == -1) {
		tap_ok(0, "unix: listen on %s", path);
		goto out;
	}
	fd = net_connect(&t, peer, sizeof(peer), &e);
	if (tap_ok(fd >= 0, "connect to unix socket"))
		tap_str_eq(peer, path, "peer is the socket path");
	else
		tap_diag("%s: %s", kind_name(e.kind), e.msg);
	afd = accept(lfd, NULL, NULL);
	tap_ok(afd >= 0, "unix listener accepted it");
	if (afd >= 0)
		close(afd);
	if (fd >= 0)
		close(fd);
	longp = xmalloc(sizeof(sun.sun_path) + 1);
	memset(longp, 'a', sizeof(sun.sun_path));
	longp[0] = '/';
	longp[sizeof(sun.sun_path)] = '\0';
	t.socket = longp;
	want_err(net_connect(&t, NULL, 0, &e), &e, ERR_CONFIG, "length",
	    "unix socket path too long");
	free(longp);
out:
	if (lfd != -1)
		close(lfd);
	unlink(path);
	rmdir(dir);
}

/* Is this sysctl on (Linux)? Then a non-local bind succeeds. */
static int
nonlocal_bind_allowed(void)
{
	FILE *fp = fopen("/proc/sys/net/ipv4/ip_nonlocal_bind", "r");
	int c = '0';

	if (fp != NULL) {
		c = fgetc(fp);
		fclose(fp);
	}
	return c == '1';
}

static void
test_source(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	struct net_target t;
	struct err e;
	int lfd, port, fd, afd;
	char got[INET_ADDRSTRLEN] = "";
#ifdef __linux__
	const char *src = "127.0.0.2";	/* all of 127/8 is local on Linux */
#else
	const char *src = "127.0.0.1";
#endif

	if ((lfd = listener(AF_INET, "127.0.0.1", 8, &port)) == -1) {
		tap_ok(0, "source: listen");
		return;
	}
	t = target("127.0.0.1", port);
	t.source_ip = src;
	fd = net_connect(&t, NULL, 0, &e);
	if (!tap_ok(fd >= 0, "source_ip %s accepted", src))
		tap_diag("%s: %s", kind_name(e.kind), e.msg);
	afd = accept(lfd, (struct sockaddr *)&sin, &len);
	if (afd >= 0)
		inet_ntop(AF_INET, &sin.sin_addr, got, sizeof(got));
	tap_str_eq(got, src, "the connection comes from the source address");
	if (afd >= 0)
		close(afd);
	if (fd >= 0)
		close(fd);
	close(lfd);

	t.source_ip = "203.0.113.1";
	if (nonlocal_bind_allowed())
		tap_ok(1, "non-local source # SKIP ip_nonlocal_bind is on");
	else
		want_err(net_connect(&t, NULL, 0, &e), &e, ERR_CONFIG,
		    "cannot bind to source address 203.0.113.1: ",
		    "non-local source_ip");
	t.source_ip = "::1";
	want_err(net_connect(&t, NULL, 0, &e), &e, ERR_CONFIG,
	    "from source address ::1", "source of the other family");
	t.source_ip = "not.an.address";
	want_err(net_connect(&t, NULL, 0, &e), &e, ERR_CONFIG,
	    "source address not.an.address", "source_ip not numeric");
}

static void
test_usage(void)
{
	struct net_target t;
	struct err e;
	char name[300];

	t = target(NULL, 25);
	want_err(net_connect(&t, NULL, 0, &e), &e, ERR_USAGE, NULL, "no host");
	t = target("a\r\nb", 25);
	want_err(net_connect(&t, NULL, 0, &e), &e, ERR_USAGE, NULL,
	    "control character in host");
	t = target("127.0.0.1", 0);
	want_err(net_connect(&t, NULL, 0, &e), &e, ERR_CONFIG, "port 0",
	    "port 0");
	t = target("127.0.0.1", 65536);
	want_err(net_connect(&t, NULL, 0, &e), &e, ERR_CONFIG, "port 65536",
	    "port 65536");
	memset(name, 'a', 256);
	name[256] = '\0';
	t = target(name, 25);
	t.proxy_host = "127.0.0.1";
	t.proxy_port = closed_port();
	want_err(net_connect(&t, NULL, 0, &e), &e, ERR_USAGE, "256",
	    "256-octet name through a SOCKS5 proxy");
	name[255] = '\0';
	want_err(net_connect(&t, NULL, 0, &e), &e, ERR_TEMP, "proxy 127.0.0.1",
	    "255-octet name goes on to the (refusing) proxy");
}

/* ---------------------------------------------------------- SOCKS5 */

struct socks_case {
	const char	*name;
	const char	*host;
	int		 port;
	const char	*method;	/* the proxy's method reply */
	size_t		 methodlen;	/* 0: stays silent */
	const char	*req;		/* CONNECT expected; NULL: none */
	size_t		 reqlen;
	const char	*reply;		/* the proxy's CONNECT reply */
	size_t		 replylen;
	enum err_kind	 want;
};

#define REQ_NAME "\x05\x01\x00\x03\x0a" "mx.example" "\x00\x19"
#define V4_ZERO "\x00\x01\x00\x00\x00\x00\x00\x00"

static const struct socks_case socks_cases[] = {
	{ "domain name", "mail.example.org", 587, B("\x05\x00"),
	  B("\x05\x01\x00\x03\x10" "mail.example.org" "\x02\x4b"),
	  B("\x05\x00" V4_ZERO), ERR_NONE },
	{ "IPv4 literal", "192.0.2.7", 25, B("\x05\x00"),
	  B("\x05\x01\x00\x01\xc0\x00\x02\x07\x00\x19"),
	  B("\x05\x00\x00\x03\x04" "abcd" "\x00\x19"), ERR_NONE },
	{ "IPv6 literal", "2001:db8::1", 465, B("\x05\x00"),
	  B("\x05\x01\x00\x04\x20\x01\x0d\xb8\x00\x00\x00\x00"
	    "\x00\x00\x00\x00\x00\x00\x00\x01\x01\xd1"),
	  B("\x05\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00"
	    "\x00\x00\x00\x00\x00\x00\x00\x01\x01\xd1"), ERR_NONE },
	{ "0x01 general failure", "mx.example", 25, B("\x05\x00"),
	  B(REQ_NAME), B("\x05\x01" V4_ZERO), ERR_TEMP },
	{ "0x02 not allowed", "mx.example", 25, B("\x05\x00"),
	  B(REQ_NAME), B("\x05\x02" V4_ZERO), ERR_UNAVAILABLE },
	{ "0x03 network unreachable", "mx.example", 25, B("\x05\x00"),
	  B(REQ_NAME), B("\x05\x03" V4_ZERO), ERR_TEMP },
	{ "0x04 host unreachable", "mx.example", 25, B("\x05\x00"),
	  B(REQ_NAME), B("\x05\x04" V4_ZERO), ERR_TEMP },
	{ "0x05 refused", "mx.example", 25, B("\x05\x00"),
	  B(REQ_NAME), B("\x05\x05" V4_ZERO), ERR_TEMP },
	{ "0x06 TTL expired", "mx.example", 25, B("\x05\x00"),
	  B(REQ_NAME), B("\x05\x06" V4_ZERO), ERR_TEMP },
	{ "0x07 command not supported", "mx.example", 25, B("\x05\x00"),
	  B(REQ_NAME), B("\x05\x07" V4_ZERO), ERR_UNAVAILABLE },
	{ "0x42 unknown code", "mx.example", 25, B("\x05\x00"),
	  B(REQ_NAME), B("\x05\x42" V4_ZERO), ERR_PROTOCOL },
	{ "reply version 4", "mx.example", 25, B("\x05\x00"),
	  B(REQ_NAME), B("\x04\x00" V4_ZERO), ERR_PROTOCOL },
	{ "reply address type 9", "mx.example", 25, B("\x05\x00"),
	  B(REQ_NAME), B("\x05\x00\x00\x09\x00\x00\x00\x00\x00\x00"),
	  ERR_PROTOCOL },
	{ "reply cut short", "mx.example", 25, B("\x05\x00"),
	  B(REQ_NAME), B("\x05\x00\x00\x01\x00"), ERR_TEMP },
	{ "authentication required", "mx.example", 25, B("\x05\xff"),
	  NULL, 0, NULL, 0, ERR_UNAVAILABLE },
	{ "bad method reply", "mx.example", 25, B("\x01\x00"),
	  NULL, 0, NULL, 0, ERR_PROTOCOL },
	{ "silent proxy", "mx.example", 25, NULL, 0,
	  NULL, 0, NULL, 0, ERR_TEMP },
};

/* The proxy's side of one case; the exit status says what it saw. */
static int
socks_peer(int lfd, const struct socks_case *c)
{
	unsigned char buf[600];
	ssize_t r;
	int fd;

	alarm(10);
	if ((fd = accept(lfd, NULL, NULL)) == -1)
		return 2;
	if (read_full(fd, buf, 3) == -1 || memcmp(buf, "\x05\x01\x00", 3) != 0)
		return 3;	/* greeting: version 5, one method, none */
	if (c->methodlen > 0 && write_full(fd, c->method, c->methodlen) == -1)
		return 4;
	if (c->req != NULL) {
		if (read_full(fd, buf, c->reqlen) == -1 ||
		    memcmp(buf, c->req, c->reqlen) != 0)
			return 5;
		if (write_full(fd, c->reply, c->replylen) == -1)
			return 6;
		if (c->want == ERR_NONE && write_full(fd, B("220 ok\r\n")) == -1)
			return 7;
		shutdown(fd, SHUT_WR);	/* a reply cut short ends here */
	}
	/* the client sends nothing more and closes (with a reset when it
	 * left part of a failure reply unread) */
	r = read(fd, buf, 1);
	return r == 0 || (r == -1 && errno == ECONNRESET) ? 0 : 8;
}

static void
test_socks_case(const struct socks_case *c)
{
	struct net_target t;
	struct err e;
	char peer[128], greet[8];
	int lfd, pport, fd, status = -1;
	pid_t pid;

	if ((lfd = listener(AF_INET, "127.0.0.1", 1, &pport)) == -1 ||
	    (pid = fork()) == -1) {
		tap_ok(0, "socks %s: listen and fork", c->name);
		return;
	}
	if (pid == 0)
		_exit(socks_peer(lfd, c));
	close(lfd);
	t = target(c->host, c->port);
	t.proxy_host = "127.0.0.1";
	t.proxy_port = pport;
	t.timeout_ms = c->methodlen == 0 ? 300 : 5000;
	fd = net_connect(&t, peer, sizeof(peer), &e);
	if (c->want == ERR_NONE) {
		if (!tap_ok(fd >= 0, "socks %s: connected", c->name))
			tap_diag("%s: %s", kind_name(e.kind), e.msg);
		tap_ok(fd >= 0 && read_full(fd, greet, 8) == 0 &&
		    memcmp(greet, "220 ok\r\n", 8) == 0,
		    "socks %s: the server's bytes come through", c->name);
		tap_str_eq(peer, "127.0.0.1 (SOCKS5 proxy)", "socks peer text");
		if (fd >= 0)
			close(fd);
	} else
		want_err(fd, &e, c->want, NULL, c->name);
	waitpid(pid, &status, 0);
	if (!tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "socks %s: the proxy saw the expected bytes", c->name))
		tap_diag("proxy status %d", status);
}

static void
test_socks(void)
{
	struct net_target t;
	struct err e;
	size_t i;

	for (i = 0; i < sizeof(socks_cases) / sizeof(socks_cases[0]); i++)
		test_socks_case(&socks_cases[i]);
	t = target("mx.example", 25);
	t.proxy_host = "127.0.0.1";
	t.proxy_port = closed_port();
	want_err(net_connect(&t, NULL, 0, &e), &e, ERR_TEMP,
	    "cannot connect to proxy 127.0.0.1 port", "proxy refuses");
}

static void
test_hostname(void)
{
	char plain[256] = "", buf[256] = "", tiny[1];
	int rc;

	gethostname(plain, sizeof(plain) - 1);
	rc = net_hostname(buf, sizeof(buf));
	tap_ok(rc == 0 && buf[0] != '\0' && !has_ctl(buf, strlen(buf)) &&
	    strchr(buf, ' ') == NULL, "net_hostname gives a name (%s)", buf);
	if (strcmp(plain, "localhost") != 0 && plain[0] != '\0')
		tap_ok(strcmp(buf, "localhost") != 0,
		    "net_hostname is not localhost when the host is %s", plain);
	if (strchr(plain, '.') != NULL)
		tap_str_eq(buf, plain, "a qualified host name is kept");
	tap_ok(net_hostname(tiny, sizeof(tiny)) == -1 && tiny[0] == '\0',
	    "net_hostname reports truncation");
}

/* ------------------------------------------- resolver namespace */

/* Inside resolve-helper.sh's namespace: see that script for the names. */
static int
resolve_suite(void)
{
	struct net_target t;
	struct err e;
	long long start;

	t = target("nx.outbox.test", 25);
	want_err(net_connect(&t, NULL, 0, &e), &e, ERR_NOHOST, NULL, "NXDOMAIN");
	tap_str_eq(e.msg, "host nx.outbox.test not found", "no-host message");
	t = target("foo.invalid", 25);
	want_err(net_connect(&t, NULL, 0, &e), &e, ERR_NOHOST, NULL,
	    ".invalid");
	t = target("tf.outbox.test", 25);
	want_err(net_connect(&t, NULL, 0, &e), &e, ERR_TEMP,
	    "temporary failure resolving tf.outbox.test", "REFUSED");
	t = target("slow.outbox.test", 25);
	start = now_ms();
	want_err(net_connect(&t, NULL, 0, &e), &e, ERR_TEMP,
	    "temporary failure resolving", "resolver timeout");
	tap_ok(now_ms() - start < 10000, "resolver timeout is bounded");
	t = target("mx.outbox.test", 25);
	t.proxy_host = "nx.outbox.test";
	t.proxy_port = 1080;
	want_err(net_connect(&t, NULL, 0, &e), &e, ERR_NOHOST,
	    "proxy host nx.outbox.test not found", "proxy name NXDOMAIN");
	test_every_address("mx.outbox.test");
	test_every_address("localhost");
	return tap_done();
}

/* Relay the TAP lines of the suite run inside the namespace. */
static void
relay(FILE *fp)
{
	char line[1024], *p;
	size_t n;
	int seen = 0;

	while (fgets(line, sizeof(line), fp) != NULL) {
		n = strcspn(line, "\n");
		line[n] = '\0';
		if (strncmp(line, "ok ", 3) == 0 ||
		    strncmp(line, "not ok ", 7) == 0) {
			seen++;
			p = line + (line[0] == 'n' ? 7 : 3);
			p += strspn(p, "0123456789");
			if (strncmp(p, " - ", 3) == 0)
				p += 3;
			tap_ok(line[0] == 'o', "namespace: %s", p);
		} else if (line[0] == '#')
			printf("%s\n", line);
	}
	tap_ok(seen > 0, "the resolver namespace ran the suite");
}

static void
test_resolver_namespace(const char *self)
{
	const char *top = getenv("top_srcdir");
	char helper[1024], cmd[3072], reason[256] = "";
	FILE *fp;
	int status;

	if (top == NULL) {
		tap_ok(1, "resolver namespace # SKIP top_srcdir not set "
		    "(run through make check)");
		return;
	}
	snprintf(helper, sizeof(helper), "%s/tests/e2e/resolve-helper.sh", top);
	snprintf(cmd, sizeof(cmd), "sh '%s' check", helper);
	if ((fp = popen(cmd, "r")) == NULL)
		return (void)tap_ok(0, "popen %s", cmd);
	if (fgets(reason, sizeof(reason), fp) != NULL)
		reason[strcspn(reason, "\n")] = '\0';
	if (pclose(fp) != 0) {
		tap_ok(1, "resolver namespace # SKIP %s", reason);
		return;
	}
	snprintf(cmd, sizeof(cmd), "sh '%s' run '%s' --resolve-suite", helper,
	    self);
	if ((fp = popen(cmd, "r")) == NULL)
		return (void)tap_ok(0, "popen %s", cmd);
	relay(fp);
	status = pclose(fp);
	tap_ok(WIFEXITED(status) && WEXITSTATUS(status) <= 1,
	    "the namespace run ended normally (status %d)", status);
}

int
main(int argc, char **argv)
{
	char self[1024];
	ssize_t n;

	signal(SIGPIPE, SIG_IGN);
	if (argc > 1 && strcmp(argv[1], "--resolve-suite") == 0)
		return resolve_suite();
	test_loopback();
	test_connect(AF_INET, "127.0.0.1");
	test_connect(AF_INET6, "::1");
	test_refused();
	test_timeout(0);
	test_timeout(1);
	test_every_address_host();
	test_unix();
	test_source();
	test_usage();
	test_socks();
	test_hostname();
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) > 0)
		self[n] = '\0';
	else
		snprintf(self, sizeof(self), "%s", argv[0]);
	test_resolver_namespace(self);
	return tap_done();
}
