/*
 * net.h - resolving and connecting: every address of the host in turn,
 * a connect timeout, an optional source address, a SOCKS5 proxy (the
 * name resolved by the proxy), or a Unix socket.  Returns a connected
 * descriptor with TCP_NODELAY set; nothing here speaks SMTP.
 */
#ifndef OUTBOX_NET_H
#define OUTBOX_NET_H

#include "status.h"

struct net_target {
	const char	*host;		/* name or address literal (A-label form) */
	int		port;
	const char	*socket;	/* Unix socket path: host/port ignored */
	const char	*source_ip;	/* bind before connecting, or NULL */
	const char	*proxy_host;	/* SOCKS5 proxy, or NULL */
	int		proxy_port;
	long		timeout_ms;	/* per connection attempt */
	long long	deadline_ms;	/* absolute now_ms() limit, 0: none */
};

/* Connect; on success returns the descriptor and writes the peer's
 * printable address to peer (capacity cap). Errors: the name does not
 * exist ERR_NOHOST; temporary resolver failure, refused, unreachable,
 * timeout ERR_TEMP; a bad source_ip or proxy reply ERR_CONFIG /
 * ERR_PROTOCOL. The message names the host and every address tried. */
int net_connect(const struct net_target *t, char *peer, size_t cap,
    struct err *e);

/* Nonzero if host is a loopback address literal or "localhost". */
int net_is_loopback(const char *host);

/* This host's name, fully qualified when the resolver knows it (for the
 * EHLO domain and Message-IDs); writes at most cap bytes. */
int net_hostname(char *buf, size_t cap);

#endif
