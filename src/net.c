/*
 * net.c - resolving and connecting (net.h).
 *
 * Owns name resolution, trying every address of a host in turn with a
 * bounded non-blocking connect, binding a source address, Unix sockets,
 * and the SOCKS5 CONNECT handshake (RFC 1928, no authentication).  It
 * never speaks SMTP: the descriptor it returns goes to stream.c, which
 * makes it non-blocking again anyway.  Every wait is bounded by the
 * attempt's timeout and the run's deadline.
 */
#include "autoconfig.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "net.h"
#include "util.h"

/* RFC 1928 */
#define SOCKS_VER		5
#define SOCKS_AUTH_NONE		0x00
#define SOCKS_AUTH_REFUSED	0xff
#define SOCKS_CMD_CONNECT	1
#define SOCKS_ATYP_V4		1
#define SOCKS_ATYP_NAME		3
#define SOCKS_ATYP_V6		4
#define SOCKS_NAME_MAX		255	/* one length octet */

/* poll() takes an int: longer waits are done in steps of a day. */
#define POLL_MS_MAX		(24 * 3600 * 1000)

/* Looked up by net_hostname() before asking the resolver. */
#define HOSTS_FILE		"/etc/hosts"

/* What a failed SOCKS5 CONNECT means for the exit status. */
static const struct {
	unsigned char	 code;
	enum err_kind	 kind;
	const char	*text;
} socks_replies[] = {
	{ 0x01, ERR_TEMP,	 "general SOCKS server failure" },
	{ 0x02, ERR_UNAVAILABLE, "connection not allowed by ruleset" },
	{ 0x03, ERR_TEMP,	 "network unreachable" },
	{ 0x04, ERR_TEMP,	 "host unreachable" },
	{ 0x05, ERR_TEMP,	 "connection refused" },
	{ 0x06, ERR_TEMP,	 "TTL expired" },
	{ 0x07, ERR_UNAVAILABLE, "command not supported" },
	{ 0x08, ERR_UNAVAILABLE, "address type not supported" },
};

/* The addresses tried so far and why each failed, for the final error. */
struct tried {
	char	text[ERR_MSG_MAX];
	size_t	len;
};

static void
tried_add(struct tried *tr, const char *addr, const char *why)
{
	int n;

	if (tr->len >= sizeof(tr->text) - 1)
		return;
	n = snprintf(tr->text + tr->len, sizeof(tr->text) - tr->len, "%s%s: %s",
	    tr->len > 0 ? "; " : "", addr, why);
	if (n > 0)
		tr->len += (size_t)n;
	if (tr->len >= sizeof(tr->text))
		tr->len = sizeof(tr->text) - 1;
}

static void
put_peer(char *peer, size_t cap, const char *text)
{
	if (peer != NULL && cap > 0)
		snprintf(peer, cap, "%s", text);
}

/* Milliseconds left before an attempt begun at start times out
 * (timeout_ms, when positive) or the run's deadline passes: -1 for no
 * limit, 0 when already over. */
static int
ms_left(long timeout_ms, long long start, long long deadline)
{
	long long now = now_ms(), left = 0;
	int limited = 0;

	if (timeout_ms > 0) {
		left = start + timeout_ms - now;
		limited = 1;
	}
	if (deadline > 0 && (!limited || deadline - now < left)) {
		left = deadline - now;
		limited = 1;
	}
	if (!limited)
		return -1;
	if (left <= 0)
		return 0;
	return left > POLL_MS_MAX ? POLL_MS_MAX : (int)left;
}

/* Wait until fd is ready for events; -1 with errno ETIMEDOUT when the
 * time runs out. */
static int
wait_fd(int fd, short events, const struct net_target *t, long long start)
{
	struct pollfd pfd;
	int ms, n;

	for (;;) {
		if ((ms = ms_left(t->timeout_ms, start, t->deadline_ms)) == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		n = poll(&pfd, 1, ms);
		if (n > 0)
			return 0;
		if (n == -1 && errno != EINTR)
			return -1;
	}
}

/* Close-on-exec, non-blocking, and for TCP no Nagle delay: the SMTP
 * engine writes whole command groups and waits for the reply. */
static int
tune_socket(int fd, int family)
{
	int one = 1, fl;

	if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
		return -1;
	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		return -1;
	if (family != AF_INET && family != AF_INET6)
		return 0;
	return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* One connection attempt to sa, bound to src when given, within the
 * target's timeout and deadline. Returns the descriptor, or -1 with
 * errno set; *bind_failed tells a bad source address from the rest. */
static int
connect_addr(const struct sockaddr *sa, socklen_t salen,
    const struct addrinfo *src, const struct net_target *t, int *bind_failed)
{
	long long start = now_ms();
	int fd, saved, soerr = 0;
	socklen_t len = sizeof(soerr);

	*bind_failed = 0;
	if ((fd = socket(sa->sa_family, SOCK_STREAM, 0)) == -1)
		return -1;
	if (tune_socket(fd, sa->sa_family) == -1)
		goto fail;
	if (src != NULL && bind(fd, src->ai_addr, src->ai_addrlen) == -1) {
		*bind_failed = 1;
		goto fail;
	}
	if (connect(fd, sa, salen) == 0)
		return fd;
	if (errno != EINPROGRESS && errno != EINTR)
		goto fail;
	if (wait_fd(fd, POLLOUT, t, start) == -1)
		goto fail;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == -1)
		goto fail;
	if (soerr == 0)
		return fd;
	errno = soerr;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

static void
addr_text(const struct sockaddr *sa, socklen_t len, char *buf, size_t cap)
{
	if (getnameinfo(sa, len, buf, cap, NULL, 0, NI_NUMERICHOST) != 0)
		snprintf(buf, cap, "(address family %d)", sa->sa_family);
}

/* The first source address of the given family, or NULL. */
static const struct addrinfo *
source_for(const struct addrinfo *src, int family)
{
	for (; src != NULL; src = src->ai_next)
		if (src->ai_family == family)
			return src;
	return NULL;
}

/* Try every address of res in order; what prefixes the host's name in
 * messages ("" or "proxy "). */
static int
try_all(const char *what, const char *host, int port,
    const struct addrinfo *res, const struct addrinfo *src,
    const struct net_target *t, char *peer, size_t cap, struct err *e)
{
	struct tried tr = { "", 0 };
	const struct addrinfo *ai, *s;
	char addr[NI_MAXHOST];
	int fd, bind_failed, attempts = 0;

	for (ai = res; ai != NULL; ai = ai->ai_next) {
		addr_text(ai->ai_addr, ai->ai_addrlen, addr, sizeof(addr));
		s = NULL;
		if (src != NULL && (s = source_for(src, ai->ai_family)) == NULL) {
			tried_add(&tr, addr, "not the source address's family");
			continue;
		}
		attempts++;
		fd = connect_addr(ai->ai_addr, ai->ai_addrlen, s, t, &bind_failed);
		if (fd != -1) {
			put_peer(peer, cap, addr);
			return fd;
		}
		if (bind_failed)
			return err_set(e, ERR_CONFIG,
			    "cannot bind to source address %s: %s",
			    t->source_ip, strerror(errno));
		tried_add(&tr, addr, strerror(errno));
	}
	if (attempts == 0)
		return err_set(e, ERR_CONFIG, "cannot connect to %s%s port %d "
		    "from source address %s: %s", what, host, port,
		    t->source_ip, tr.text);
	return err_set(e, ERR_TEMP, "cannot connect to %s%s port %d: %s",
	    what, host, port, tr.text);
}

/* getaddrinfo() with its failures sorted into "no such host" and
 * "try again later". */
static int
resolve(const char *what, const char *host, int port, struct addrinfo **res,
    struct err *e)
{
	struct addrinfo hints;
	char serv[16];
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(serv, sizeof(serv), "%d", port);
	*res = NULL;
	if ((rc = getaddrinfo(host, serv, &hints, res)) == 0)
		return 0;
	*res = NULL;
	if (rc == EAI_NONAME)
		return err_set(e, ERR_NOHOST, "%shost %s not found", what, host);
#ifdef EAI_NODATA
	if (rc == EAI_NODATA)
		return err_set(e, ERR_NOHOST, "%shost %s not found", what, host);
#endif
	if (rc == EAI_AGAIN)
		return err_set(e, ERR_TEMP, "temporary failure resolving %s%s: %s",
		    what, host, gai_strerror(rc));
#ifdef EAI_SYSTEM
	if (rc == EAI_SYSTEM)
		return err_set(e, ERR_TEMP, "cannot resolve %s%s: %s",
		    what, host, strerror(errno));
#endif
	return err_set(e, ERR_TEMP, "cannot resolve %s%s: %s", what, host,
	    gai_strerror(rc));
}

static int
resolve_source(const char *ip, struct addrinfo **src, struct err *e)
{
	struct addrinfo hints;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
	*src = NULL;
	if ((rc = getaddrinfo(ip, NULL, &hints, src)) == 0)
		return 0;
	*src = NULL;
	return err_set(e, ERR_CONFIG, "cannot bind to source address %s: %s",
	    ip, gai_strerror(rc));
}

/* Resolve host and connect to one of its addresses. */
static int
tcp_connect(const char *what, const char *host, int port,
    const struct net_target *t, char *peer, size_t cap, struct err *e)
{
	struct addrinfo *res = NULL, *src = NULL;
	int fd = -1;

	if (port < 1 || port > 65535) {
		err_set(e, ERR_CONFIG, "invalid port %d for %s%s", port, what,
		    host);
		goto out;
	}
	if (t->source_ip != NULL && resolve_source(t->source_ip, &src, e) == -1)
		goto out;
	if (resolve(what, host, port, &res, e) == -1)
		goto out;
	fd = try_all(what, host, port, res, src, t, peer, cap, e);
out:
	if (res != NULL)
		freeaddrinfo(res);
	if (src != NULL)
		freeaddrinfo(src);
	return fd;
}

static int
unix_connect(const struct net_target *t, char *peer, size_t cap,
    struct err *e)
{
	struct sockaddr_un sun;
	size_t n = strlen(t->socket);
	int fd, bind_failed;

	if (n == 0 || n >= sizeof(sun.sun_path))
		return err_set(e, ERR_CONFIG, "socket path %s: length %zu is "
		    "not between 1 and %zu", t->socket, n,
		    sizeof(sun.sun_path) - 1);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, t->socket, n + 1);
	fd = connect_addr((const struct sockaddr *)&sun, sizeof(sun), NULL, t,
	    &bind_failed);
	if (fd == -1)
		return err_set(e, ERR_TEMP, "cannot connect to socket %s: %s",
		    t->socket, strerror(errno));
	put_peer(peer, cap, t->socket);
	return fd;
}

/* Read or write exactly n bytes on the proxy connection within the
 * handshake's time. -1 with errno 0 means the proxy closed it. */
static int
proxy_io(int fd, void *buf, size_t n, int writing, const struct net_target *t,
    long long start)
{
	unsigned char *p = buf;
	ssize_t r;

	while (n > 0) {
		r = writing ? write(fd, p, n) : read(fd, p, n);
		if (r == 0 && !writing) {
			errno = 0;
			return -1;
		}
		if (r > 0) {
			p += r;
			n -= (size_t)r;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		if (wait_fd(fd, writing ? POLLOUT : POLLIN, t, start) == -1)
			return -1;
	}
	return 0;
}

static int
proxy_io_error(const struct net_target *t, struct err *e)
{
	return err_set(e, ERR_TEMP, "SOCKS5 proxy %s port %d: %s",
	    t->proxy_host, t->proxy_port,
	    errno == 0 ? "connection closed by the proxy" : strerror(errno));
}

/* The CONNECT request: the name goes to the proxy to resolve; an address
 * literal goes as one. Returns its length. */
static size_t
socks_request(unsigned char *req, const char *host, int port)
{
	struct in_addr a4;
	struct in6_addr a6;
	size_t n = 0, len;

	req[n++] = SOCKS_VER;
	req[n++] = SOCKS_CMD_CONNECT;
	req[n++] = 0;
	if (inet_pton(AF_INET, host, &a4) == 1) {
		req[n++] = SOCKS_ATYP_V4;
		memcpy(req + n, &a4, 4);
		n += 4;
	} else if (inet_pton(AF_INET6, host, &a6) == 1) {
		req[n++] = SOCKS_ATYP_V6;
		memcpy(req + n, &a6, 16);
		n += 16;
	} else {
		len = strlen(host);
		req[n++] = SOCKS_ATYP_NAME;
		req[n++] = (unsigned char)len;
		memcpy(req + n, host, len);
		n += len;
	}
	req[n++] = (unsigned char)(port >> 8);
	req[n++] = (unsigned char)(port & 0xff);
	return n;
}

static int
socks_refused(const struct net_target *t, unsigned char code, struct err *e)
{
	size_t i;

	for (i = 0; i < sizeof(socks_replies) / sizeof(socks_replies[0]); i++)
		if (socks_replies[i].code == code)
			return err_set(e, socks_replies[i].kind, "SOCKS5 proxy "
			    "%s port %d cannot connect to %s port %d: %s",
			    t->proxy_host, t->proxy_port, t->host, t->port,
			    socks_replies[i].text);
	return err_set(e, ERR_PROTOCOL, "SOCKS5 proxy %s port %d: unknown "
	    "reply code 0x%02x", t->proxy_host, t->proxy_port, code);
}

/* Read the CONNECT reply: VER REP RSV ATYP BND.ADDR BND.PORT. */
static int
socks_reply(int fd, const struct net_target *t, long long start,
    struct err *e)
{
	unsigned char r[4 + 1 + SOCKS_NAME_MAX + 2];
	size_t rest;

	if (proxy_io(fd, r, 4, 0, t, start) == -1)
		return proxy_io_error(t, e);
	if (r[0] != SOCKS_VER)
		return err_set(e, ERR_PROTOCOL, "SOCKS5 proxy %s port %d: "
		    "malformed reply", t->proxy_host, t->proxy_port);
	if (r[1] != 0)
		return socks_refused(t, r[1], e);
	switch (r[3]) {
	case SOCKS_ATYP_V4:
		rest = 4 + 2;
		break;
	case SOCKS_ATYP_V6:
		rest = 16 + 2;
		break;
	case SOCKS_ATYP_NAME:
		if (proxy_io(fd, r + 4, 1, 0, t, start) == -1)
			return proxy_io_error(t, e);
		rest = (size_t)r[4] + 2;
		break;
	default:
		return err_set(e, ERR_PROTOCOL, "SOCKS5 proxy %s port %d: "
		    "malformed reply (address type %u)", t->proxy_host,
		    t->proxy_port, r[3]);
	}
	if (proxy_io(fd, r + 5, rest, 0, t, start) == -1)
		return proxy_io_error(t, e);
	return 0;
}

/* Method negotiation (no authentication only), then CONNECT. */
static int
socks_handshake(int fd, const struct net_target *t, struct err *e)
{
	unsigned char hello[] = { SOCKS_VER, 1, SOCKS_AUTH_NONE };
	unsigned char buf[4 + 1 + SOCKS_NAME_MAX + 2];
	long long start = now_ms();
	size_t n;

	if (proxy_io(fd, hello, sizeof(hello), 1, t,
	    start) == -1 || proxy_io(fd, buf, 2, 0, t, start) == -1)
		return proxy_io_error(t, e);
	if (buf[0] == SOCKS_VER && buf[1] == SOCKS_AUTH_REFUSED)
		return err_set(e, ERR_UNAVAILABLE, "SOCKS5 proxy %s port %d "
		    "requires authentication, which outbox does not offer",
		    t->proxy_host, t->proxy_port);
	if (buf[0] != SOCKS_VER || buf[1] != SOCKS_AUTH_NONE)
		return err_set(e, ERR_PROTOCOL, "SOCKS5 proxy %s port %d: "
		    "malformed method reply", t->proxy_host, t->proxy_port);
	n = socks_request(buf, t->host, t->port);
	if (proxy_io(fd, buf, n, 1, t, start) == -1)
		return proxy_io_error(t, e);
	return socks_reply(fd, t, start, e);
}

static int
socks_connect(const struct net_target *t, char *peer, size_t cap,
    struct err *e)
{
	char paddr[NI_MAXHOST + 32];
	size_t len = strlen(t->host);
	int fd;

	if (len > SOCKS_NAME_MAX)
		return err_set(e, ERR_USAGE, "host name of %zu octets is too "
		    "long for a SOCKS5 proxy (at most %d)", len,
		    SOCKS_NAME_MAX);
	if (t->port < 1 || t->port > 65535)
		return err_set(e, ERR_CONFIG, "invalid port %d for %s",
		    t->port, t->host);
	fd = tcp_connect("proxy ", t->proxy_host, t->proxy_port, t, paddr,
	    sizeof(paddr), e);
	if (fd == -1)
		return -1;
	if (socks_handshake(fd, t, e) == -1) {
		close(fd);
		return -1;
	}
	strncat(paddr, " (SOCKS5 proxy)", sizeof(paddr) - strlen(paddr) - 1);
	put_peer(peer, cap, paddr);
	return fd;
}

int
net_connect(const struct net_target *t, char *peer, size_t cap,
    struct err *e)
{
	put_peer(peer, cap, "");
	if (t->socket != NULL)
		return unix_connect(t, peer, cap, e);
	if (t->host == NULL || *t->host == '\0' ||
	    has_ctl(t->host, strlen(t->host)))
		return err_set(e, ERR_USAGE, "no valid host to connect to");
	if (t->proxy_host != NULL)
		return socks_connect(t, peer, cap, e);
	return tcp_connect("", t->host, t->port, t, peer, cap, e);
}

int
net_is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (host == NULL)
		return 0;
	if (ascii_casecmp(host, "localhost") == 0 ||
	    ascii_casecmp(host, "localhost.") == 0)
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) ||
		    (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	return 0;
}

/* Nonzero if the hosts file lists name: then the resolver answers from
 * local files, without waiting for DNS. */
static int
hosts_file_knows(const char *name)
{
	char line[1024], *p, *tok, *save = NULL;
	FILE *fp;
	int found = 0;

	if ((fp = fopen(HOSTS_FILE, "re")) == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), fp) != NULL) {
		if ((p = strchr(line, '#')) != NULL)
			*p = '\0';
		if (strtok_r(line, " \t\r\n", &save) == NULL)
			continue;	/* blank; the first field is the address */
		while (!found && (tok = strtok_r(NULL, " \t\r\n", &save)) != NULL)
			found = ascii_casecmp(tok, name) == 0;
	}
	fclose(fp);
	return found;
}

/* A canonical name worth using: qualified, printable, not localhost. */
static int
good_fqdn(const char *s)
{
	return s != NULL && strchr(s, '.') != NULL && s[0] != '.' &&
	    !has_ctl(s, strlen(s)) && ascii_ncasecmp(s, "localhost", 9) != 0;
}

int
net_hostname(char *buf, size_t cap)
{
	char name[NI_MAXHOST];
	struct addrinfo hints, *res = NULL;
	const char *best = name;
	int n;

	if (buf == NULL || cap == 0)
		return -1;
	if (gethostname(name, sizeof(name)) == -1 || name[0] == '\0' ||
	    has_ctl(name, strnlen(name, sizeof(name) - 1)))
		snprintf(name, sizeof(name), "localhost");
	name[sizeof(name) - 1] = '\0';
	if (strchr(name, '.') == NULL && hosts_file_knows(name)) {
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = AF_UNSPEC;
		hints.ai_flags = AI_CANONNAME;
		if (getaddrinfo(name, NULL, &hints, &res) == 0 &&
		    good_fqdn(res->ai_canonname))
			best = res->ai_canonname;
	}
	n = snprintf(buf, cap, "%s", best);
	if (res != NULL)
		freeaddrinfo(res);
	return n >= 0 && (size_t)n < cap ? 0 : -1;
}
