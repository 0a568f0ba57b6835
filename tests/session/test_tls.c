/*
 * test_tls.c - tls.c against real peers on 127.0.0.1: gnutls-serv (from
 * gnutls-bin) in echo mode with the throwaway certificates made by
 * tests/harness/certs.sh, a plaintext listener that greets like an SMTP
 * server, and a listener that never answers.  Expected fingerprints and
 * pins come from certtool, not from GnuTLS calls like the ones under
 * test.  Client certificates: gnutls-serv requiring and verifying one
 * against the test CA, offered none, one it trusts, one it does not, and
 * files that cannot be loaded.  Revocation: a CA-signed certificate that
 * the CA's CRL (certs.sh: revoked.pem, crl.pem) revokes, with and without
 * tls_crl_file, the good certificate with it, CRL files that cannot be
 * loaded, and CRLs that must not be believed: one out of date, and one
 * in the CA's name that another key signed.
 * Every child is killed by pid and reaped at exit, failure or not.
 * Skips (TAP "1..0 # SKIP") when gnutls-serv or certtool is missing.
 */
#include "autoconfig.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "status.h"
#include "stream.h"
#include "tls.h"
#include "util.h"
#include "../tap.h"

enum srv { S_GOOD, S_TLS12, S_EXPIRED, S_WRONG, S_SELF, S_PLAIN, S_RESET,
	S_SILENT, S_CCERT, S_CCERT12, S_REVOKED, S_COUNT };

/* The peers; cert NULL: not gnutls-serv.  ccert: requires a client
 * certificate that the test CA signed. */
static struct server {
	const char	*cert;
	const char	*prio;
	int		ccert;
	int		port;
	pid_t		pid;
	int		fd;	/* our listening socket (plain, silent) */
} srv[S_COUNT] = {
	[S_GOOD] =	{ "good.pem", NULL, 0, 0, -1, -1 },
	[S_TLS12] =	{ "good.pem", "NORMAL:-VERS-TLS1.3", 0, 0, -1, -1 },
	[S_EXPIRED] =	{ "expired.pem", NULL, 0, 0, -1, -1 },
	[S_WRONG] =	{ "wrongname.pem", NULL, 0, 0, -1, -1 },
	[S_SELF] =	{ "selfsigned.pem", NULL, 0, 0, -1, -1 },
	[S_PLAIN] =	{ NULL, NULL, 0, 0, -1, -1 },
	[S_RESET] =	{ NULL, NULL, 0, 0, -1, -1 },
	[S_SILENT] =	{ NULL, NULL, 0, 0, -1, -1 },
	[S_CCERT] =	{ "good.pem", NULL, 1, 0, -1, -1 },
	[S_CCERT12] =	{ "good.pem", "NORMAL:-VERS-TLS1.3", 1, 0, -1, -1 },
	[S_REVOKED] =	{ "revoked.pem", NULL, 0, 0, -1, -1 },
};

static char dir[256];		/* the temporary directory */

/* Values read from certtool, referred to by the table. */
enum key { K_NONE, K_SELF_SHA256, K_SELF_SHA1, K_GOOD_SHA256, K_GOOD_MD5,
	K_SERVER_PIN, K_CA_PIN, K_REVOKED_SHA256, K_COUNT };
static char keys[K_COUNT][200];

enum trust { T_CA, T_SYSTEM, T_MISSING };

static const struct tcase {
	const char	*name;
	enum srv	srv;
	const char	*host;
	enum trust	trust;
	int		certcheck;
	enum key	fp, pin;
	const char	*minv, *prio;
	long		timeout_ms;
	enum err_kind	kind;
	const char	*msg1, *msg2;	/* in the error message */
	const char	*version;	/* on success */
	const char	*cb;		/* channel binding type on success */
	int		echo;		/* round trip through gnutls-serv */
} cases[] = {
	{ "good cert, CA trust", S_GOOD, "localhost", T_CA, 1, K_NONE, K_NONE,
	  NULL, NULL, 5000, ERR_NONE, NULL, NULL, "TLSv1.3", "tls-exporter", 1 },
	{ "TLS 1.2-only server", S_TLS12, "localhost", T_CA, 1, K_NONE, K_NONE,
	  NULL, NULL, 5000, ERR_NONE, NULL, NULL, "TLSv1.2", "tls-unique", 1 },
	{ "second DNS name", S_GOOD, "mx.outbox.test", T_CA, 1, K_NONE, K_NONE,
	  NULL, NULL, 5000, ERR_NONE, NULL, NULL, "TLSv1.3", NULL, 0 },
	{ "IP literal host (no SNI)", S_GOOD, "127.0.0.1", T_CA, 1, K_NONE,
	  K_NONE, NULL, NULL, 5000, ERR_NONE, NULL, NULL, NULL, NULL, 0 },
	{ "min tls1.3 against 1.3", S_GOOD, "localhost", T_CA, 1, K_NONE,
	  K_NONE, "tls1.3", NULL, 5000, ERR_NONE, NULL, NULL, "TLSv1.3", NULL,
	  0 },
	{ "host not in the cert", S_GOOD, "other.test", T_CA, 1, K_NONE, K_NONE,
	  NULL, NULL, 5000, ERR_UNAVAILABLE, "name mismatch: expected "
	  "other.test", "presented localhost, mx.outbox.test, 127.0.0.1",
	  NULL, NULL, 0 },
	{ "expired", S_EXPIRED, "localhost", T_CA, 1, K_NONE, K_NONE, NULL,
	  NULL, 5000, ERR_UNAVAILABLE, "certificate of localhost not trusted",
	  "expired on 2020-02-01 00:00:00 UTC", NULL, NULL, 0 },
	{ "wrong name", S_WRONG, "localhost", T_CA, 1, K_NONE, K_NONE, NULL,
	  NULL, 5000, ERR_UNAVAILABLE, "expected localhost",
	  "presented wrong.example", NULL, NULL, 0 },
	{ "self-signed, CA trust", S_SELF, "localhost", T_CA, 1, K_NONE,
	  K_NONE, NULL, NULL, 5000, ERR_UNAVAILABLE, "not trusted",
	  "unknown issuer", NULL, NULL, 0 },
	{ "self-signed, system trust", S_SELF, "localhost", T_SYSTEM, 1,
	  K_NONE, K_NONE, NULL, NULL, 5000, ERR_UNAVAILABLE, "unknown issuer",
	  NULL, NULL, NULL, 0 },
	{ "self-signed, SHA256 fingerprint", S_SELF, "localhost", T_SYSTEM, 1,
	  K_SELF_SHA256, K_NONE, NULL, NULL, 5000, ERR_NONE, NULL, NULL,
	  "TLSv1.3", NULL, 1 },
	{ "self-signed, SHA1 fingerprint", S_SELF, "localhost", T_SYSTEM, 1,
	  K_SELF_SHA1, K_NONE, NULL, NULL, 5000, ERR_NONE, NULL, NULL, NULL,
	  NULL, 0 },
	{ "fingerprint of another cert", S_SELF, "localhost", T_SYSTEM, 1,
	  K_GOOD_SHA256, K_NONE, NULL, NULL, 5000, ERR_UNAVAILABLE,
	  "does not match tls_fingerprint", "presented SHA256 ", NULL, NULL,
	  0 },
	{ "a wrong MD5 fingerprint", S_SELF, "localhost", T_SYSTEM, 1,
	  K_GOOD_MD5, K_NONE, NULL, NULL, 5000, ERR_UNAVAILABLE,
	  "does not match tls_fingerprint", "presented MD5 ", NULL, NULL, 0 },
	{ "pin matches", S_GOOD, "localhost", T_CA, 1, K_NONE, K_SERVER_PIN,
	  NULL, NULL, 5000, ERR_NONE, NULL, NULL, NULL, NULL, 0 },
	{ "wrong pin", S_GOOD, "localhost", T_CA, 1, K_NONE, K_CA_PIN, NULL,
	  NULL, 5000, ERR_UNAVAILABLE, "public key pin mismatch for localhost",
	  "expected sha256//", NULL, NULL, 0 },
	{ "pin does not replace the chain", S_SELF, "localhost", T_CA, 1,
	  K_NONE, K_SERVER_PIN, NULL, NULL, 5000, ERR_UNAVAILABLE,
	  "unknown issuer", NULL, NULL, NULL, 0 },
	{ "fingerprint and pin", S_SELF, "localhost", T_CA, 1, K_SELF_SHA256,
	  K_SERVER_PIN, NULL, NULL, 5000, ERR_NONE, NULL, NULL, NULL, NULL, 0 },
	{ "certcheck off, self-signed", S_SELF, "localhost", T_CA, 0, K_NONE,
	  K_NONE, NULL, NULL, 5000, ERR_NONE, NULL, NULL, "TLSv1.3", NULL, 0 },
	{ "certcheck off, expired", S_EXPIRED, "localhost", T_CA, 0, K_NONE,
	  K_NONE, NULL, NULL, 5000, ERR_NONE, NULL, NULL, NULL, NULL, 0 },
	{ "certcheck off still checks a pin", S_SELF, "localhost", T_CA, 0,
	  K_NONE, K_CA_PIN, NULL, NULL, 5000, ERR_UNAVAILABLE, "pin mismatch",
	  NULL, NULL, NULL, 0 },
	{ "min tls1.3 against a 1.2 server", S_TLS12, "localhost", T_CA, 1,
	  K_NONE, K_NONE, "tls1.3", NULL, 5000, ERR_PROTOCOL,
	  "TLS handshake with localhost failed", NULL, NULL, NULL, 0 },
	{ "unknown min version", S_GOOD, "localhost", T_CA, 1, K_NONE, K_NONE,
	  "tls1.1", NULL, 5000, ERR_CONFIG, "tls_min_version", NULL, NULL,
	  NULL, 0 },
	{ "bad priority string", S_GOOD, "localhost", T_CA, 1, K_NONE, K_NONE,
	  NULL, "NORMAL:+NO-SUCH-THING", 5000, ERR_CONFIG, "tls_priorities",
	  NULL, NULL, NULL, 0 },
	{ "explicit priority string", S_GOOD, "localhost", T_CA, 1, K_NONE,
	  K_NONE, NULL, "SECURE128", 5000, ERR_NONE, NULL, NULL, NULL, NULL,
	  0 },
	{ "RSA-2048 too weak for SECURE256", S_GOOD, "localhost", T_CA, 1,
	  K_NONE, K_NONE, NULL, "SECURE256", 5000, ERR_UNAVAILABLE,
	  "insecure algorithm or key size", NULL, NULL, NULL, 0 },
	{ "trust file missing", S_GOOD, "localhost", T_MISSING, 1, K_NONE,
	  K_NONE, NULL, NULL, 5000, ERR_CONFIG, "tls_trust_file", NULL, NULL,
	  NULL, 0 },
	{ "plaintext server on implicit TLS", S_PLAIN, "localhost", T_CA, 1,
	  K_NONE, K_NONE, NULL, NULL, 5000, ERR_PROTOCOL,
	  "TLS handshake with localhost failed",
	  "(465 is implicit TLS, 587 STARTTLS)", NULL, NULL, 0 },
	{ "reset during the handshake", S_RESET, "localhost", T_CA, 1, K_NONE,
	  K_NONE, NULL, NULL, 5000, ERR_TEMP, "TLS handshake with localhost "
	  "failed", NULL, NULL, NULL, 0 },
	{ "silent server", S_SILENT, "localhost", T_CA, 1, K_NONE, K_NONE, NULL,
	  NULL, 200, ERR_TEMP, "timed out after 200 ms", NULL, NULL, NULL, 0 },
};

/*
 * Client certificates (files in dir; NULL: none).  kind is what
 * tls_start() says.  After a handshake that succeeded, io is what the
 * first read says: ERR_NONE means the echo round trips work, anything
 * else that the server's alert arrives there (TLS 1.3 sends it after the
 * client's Finished, so the client's handshake is already over).
 */
static const struct ccase {
	const char	*name;
	enum srv	srv;
	const char	*cert, *key;
	enum err_kind	kind;
	const char	*msg1, *msg2;	/* in tls_start's message */
	enum err_kind	io;
	const char	*io_msg1, *io_msg2;	/* in the first read's message */
} ccases[] = {
	{ "client cert, TLS 1.3", S_CCERT, "client.pem", "client-key.pem",
	  ERR_NONE, NULL, NULL, ERR_NONE, NULL, NULL },
	{ "client cert, TLS 1.2", S_CCERT12, "client.pem", "client-key.pem",
	  ERR_NONE, NULL, NULL, ERR_NONE, NULL, NULL },
	{ "client cert, server asks none", S_GOOD, "client.pem",
	  "client-key.pem", ERR_NONE, NULL, NULL, ERR_NONE, NULL, NULL },
	{ "no client cert, TLS 1.3", S_CCERT, NULL, NULL, ERR_NONE, NULL, NULL,
	  ERR_PROTOCOL, "TLS error reading from localhost: the server sent "
	  "the alert \"Certificate is required\"", "the server requires a "
	  "client certificate (set tls_cert_file and tls_key_file)" },
	{ "no client cert, TLS 1.2", S_CCERT12, NULL, NULL, ERR_PROTOCOL,
	  "TLS handshake with localhost failed", "the server requires a "
	  "client certificate (set tls_cert_file and tls_key_file)", ERR_NONE,
	  NULL, NULL },
	{ "client cert from another CA, TLS 1.3", S_CCERT, "client-self.pem",
	  "client-key.pem", ERR_NONE, NULL, NULL, ERR_PROTOCOL,
	  "is not from a CA it accepts, so none was sent", "/client-self.pem "
	  "(tls_cert_file)" },
	{ "client cert from another CA, TLS 1.2", S_CCERT12,
	  "client-self.pem", "client-key.pem", ERR_PROTOCOL,
	  "is not from a CA it accepts, so none was sent", "/client-self.pem "
	  "(tls_cert_file)", ERR_NONE, NULL, NULL },
	{ "expired client cert, TLS 1.3", S_CCERT, "client-expired.pem",
	  "client-key.pem", ERR_NONE, NULL, NULL, ERR_PROTOCOL,
	  "the server did not accept the client certificate ",
	  "/client-expired.pem (tls_cert_file)" },
	{ "expired client cert, TLS 1.2", S_CCERT12, "client-expired.pem",
	  "client-key.pem", ERR_PROTOCOL, "the server did not accept the "
	  "client certificate ", "/client-expired.pem (tls_cert_file)",
	  ERR_NONE, NULL, NULL },
	{ "key of another certificate", S_CCERT, "client.pem",
	  "server-key.pem", ERR_CONFIG, "/server-key.pem is not the key",
	  "tls_cert_file ", ERR_NONE, NULL, NULL },
	{ "certificate file missing", S_CCERT, "no-such-cert.pem",
	  "client-key.pem", ERR_CONFIG, "cannot read tls_cert_file ",
	  "/no-such-cert.pem: No such file", ERR_NONE, NULL, NULL },
	{ "key file missing", S_CCERT, "client.pem", "no-such-key.pem",
	  ERR_CONFIG, "cannot read tls_key_file ",
	  "/no-such-key.pem: No such file", ERR_NONE, NULL, NULL },
	{ "certificate without a key", S_CCERT, "client.pem", NULL, ERR_CONFIG,
	  "/client.pem needs tls_key_file", NULL, ERR_NONE, NULL, NULL },
	{ "a key as the certificate", S_CCERT, "client-key.pem",
	  "client-key.pem", ERR_CONFIG, "cannot load client certificate ",
	  "/client-key.pem", ERR_NONE, NULL, NULL },
};

/*
 * Revocation (files in dir; crl NULL: no tls_crl_file).  On success fp
 * is the certificate the server presented, as certtool computes it: the
 * revoked one is accepted without the CRL, so the CRL is what refuses it.
 */
static const struct rcase {
	const char	*name;
	enum srv	srv;
	const char	*crl;
	enum err_kind	kind;
	const char	*msg1, *msg2;	/* in the error message */
	enum key	fp;		/* on success */
} rcases[] = {
	{ "revoked cert, with the CRL", S_REVOKED, "crl.pem", ERR_UNAVAILABLE,
	  "certificate of localhost not trusted: revoked", NULL, K_NONE },
	{ "revoked cert, without a CRL", S_REVOKED, NULL, ERR_NONE, NULL, NULL,
	  K_REVOKED_SHA256 },
	{ "good cert, with the CRL", S_GOOD, "crl.pem", ERR_NONE, NULL, NULL,
	  K_GOOD_SHA256 },
	{ "CRL file missing", S_GOOD, "no-such-crl.pem", ERR_CONFIG,
	  "cannot load tls_crl_file ", "/no-such-crl.pem", K_NONE },
	{ "CRL file a directory", S_GOOD, ".", ERR_CONFIG,
	  "cannot load tls_crl_file ", "/.:", K_NONE },
	{ "a certificate as the CRL file", S_GOOD, "good.pem", ERR_CONFIG,
	  "tls_crl_file ", "/good.pem", K_NONE },
	{ "CRL signed by another key", S_REVOKED, "crl-forged.pem",
	  ERR_CONFIG, "/crl-forged.pem: a CRL in it is not signed by a "
	  "trusted CA", NULL, K_NONE },
	{ "CRL out of date", S_REVOKED, "crl-old.pem", ERR_CONFIG,
	  "/crl-old.pem: a CRL in it ", "or is out of date", K_NONE },
};

/* ------------------------------------------------------------ cleanup */

static void
cleanup(void)
{
	char cmd[sizeof(dir) + 32];
	int i;

	for (i = 0; i < S_COUNT; i++) {
		if (srv[i].pid > 0) {
			kill(srv[i].pid, SIGTERM);
			waitpid(srv[i].pid, NULL, 0);
			srv[i].pid = -1;
		}
		if (srv[i].fd >= 0)
			close(srv[i].fd);
	}
	if (dir[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "test_tls: could not remove %s\n", dir);
		dir[0] = '\0';
	}
}

static void
bail(const char *what)
{
	printf("Bail out! %s\n", what);
	exit(1);	/* atexit: cleanup() */
}

/* In a child: die with the test even when it crashes before atexit. */
static void
die_with_parent(void)
{
#ifdef __linux__
	prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
}

/* ------------------------------------------------------------ sockets */

/* A socket listening on 127.0.0.1 at a free port, or -1. */
static int
listen_local(int *port)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(fd, 8) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) == -1) {
		close(fd);
		return -1;
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

static int
connect_local(int port)
{
	struct sockaddr_in sa;
	int fd;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((unsigned short)port);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Poll-connect until the child listens (0) or died / 10 s passed (-1). */
static int
wait_listening(pid_t pid, int port)
{
	long long end = now_ms() + 10000;
	int fd;

	while (now_ms() < end) {
		if ((fd = connect_local(port)) >= 0) {
			close(fd);
			return 0;
		}
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return -1;	/* exited: the port was taken */
		poll(NULL, 0, 20);	/* poll interval, not synchronisation */
	}
	return -1;
}

/* -------------------------------------------------------------- peers */

static void
exec_serv(const struct server *sv, int port)
{
	char cert[sizeof(dir) + 32], key[sizeof(dir) + 32];
	char portstr[16], log[sizeof(dir) + 32];
	char ca[sizeof(dir) + 32];
	const char *argv[20];
	int n = 0, fd;

	die_with_parent();
	snprintf(cert, sizeof(cert), "%s/%s", dir, sv->cert);
	snprintf(key, sizeof(key), "%s/server-key.pem", dir);
	snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
	snprintf(log, sizeof(log), "%s/serv-%d.log", dir, port);
	snprintf(portstr, sizeof(portstr), "%d", port);
	if ((fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600)) >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
	}
	argv[n++] = "gnutls-serv";
	argv[n++] = "--echo";
	argv[n++] = "--crlf";
	if (sv->ccert) {
		argv[n++] = "--require-client-cert";
		argv[n++] = "--verify-client-cert";
		argv[n++] = "--x509cafile";
		argv[n++] = ca;
	} else
		argv[n++] = "--disable-client-cert";
	argv[n++] = "--port";
	argv[n++] = portstr;
	argv[n++] = "--x509certfile";
	argv[n++] = cert;
	argv[n++] = "--x509keyfile";
	argv[n++] = key;
	if (sv->prio != NULL) {
		argv[n++] = "--priority";
		argv[n++] = sv->prio;
	}
	argv[n] = NULL;
	execvp(argv[0], (char *const *)(void *)argv);
	_exit(127);
}

/* gnutls-serv on a free port; a port taken meanwhile is retried. */
static int
start_serv(struct server *sv)
{
	int attempt, fd;

	for (attempt = 0; attempt < 5; attempt++) {
		if ((fd = listen_local(&sv->port)) == -1)
			return -1;
		close(fd);	/* the port was free a moment ago */
		fflush(stdout);
		if ((sv->pid = fork()) == -1)
			return -1;
		if (sv->pid == 0)
			exec_serv(sv, sv->port);
		if (wait_listening(sv->pid, sv->port) == 0)
			return 0;
		kill(sv->pid, SIGTERM);
		waitpid(sv->pid, NULL, 0);
		sv->pid = -1;
	}
	return -1;
}

/* The child of a non-TLS listener.  plain: greet every client like an
 * SMTP server, then read until the client goes away.  Otherwise: read
 * the ClientHello and reset the connection (SO_LINGER 0). */
static void
plain_child(int lfd, int plain)
{
	static const char greeting[] = "220 plain\r\n";
	struct linger lg = { 1, 0 };
	char buf[512];
	int c;

	die_with_parent();
	for (;;) {
		if ((c = accept(lfd, NULL, NULL)) == -1)
			continue;
		if (plain && write(c, greeting, sizeof(greeting) - 1) < 0)
			_exit(1);
		while (read(c, buf, sizeof(buf)) > 0 && plain)
			;
		if (!plain)
			setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(c);
	}
}

static int
start_plain(struct server *sv, int plain)
{
	if ((sv->fd = listen_local(&sv->port)) == -1)
		return -1;
	fflush(stdout);
	if ((sv->pid = fork()) == -1)
		return -1;
	if (sv->pid == 0)
		plain_child(sv->fd, plain);
	return 0;
}

/* ---------------------------------------------------------- certtool */

/* "6a74cf..." -> "6A:74:CF:..." */
static void
colon_hex(char *dst, size_t cap, const char *hex)
{
	size_t o = 0;

	for (; hex[0] != '\0' && hex[1] != '\0' && o + 4 < cap; hex += 2) {
		if (o > 0)
			dst[o++] = ':';
		dst[o++] = (char)toupper((unsigned char)hex[0]);
		dst[o++] = (char)toupper((unsigned char)hex[1]);
	}
	dst[o] = '\0';
}

/* Read the certificate's fingerprints and pin from `certtool -i`. */
static int
certtool_info(const char *cert, char *sha256, char *sha1, char *pin,
    size_t cap)
{
	char cmd[sizeof(dir) + 96], line[512], *p;
	int in_fp = 0, n = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "certtool -i --infile '%s/%s' 2>/dev/null",
	    dir, cert);
	if ((f = popen(cmd, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		for (p = line; *p == '\t' || *p == ' '; p++)
			;
		if (*p != '\0' && p[strlen(p) - 1] == ':')	/* a section */
			in_fp = strcmp(p, "Fingerprint:") == 0;
		else if (in_fp && strncmp(p, "sha256:", 7) == 0 && ++n)
			colon_hex(sha256, cap, p + 7);
		else if (in_fp && strncmp(p, "sha1:", 5) == 0 && ++n)
			colon_hex(sha1, cap, p + 5);
		else if (strncmp(p, "pin-sha256:", 11) == 0 && ++n)
			snprintf(pin, cap, "sha256//%s", p + 11);
	}
	pclose(f);
	return n == 3 ? 0 : -1;
}

static int
make_certs(void)
{
	const char *top = getenv("top_srcdir");
	char script[1024], cmd[2048], unused[200], *slash;

	if (top != NULL)
		snprintf(script, sizeof(script), "%s/tests/harness/certs.sh",
		    top);
	else {		/* next to this source file */
		snprintf(script, sizeof(script), "%s", __FILE__);
		if ((slash = strrchr(script, '/')) != NULL)
			*slash = '\0';
		else
			snprintf(script, sizeof(script), ".");
		strncat(script, "/../harness/certs.sh",
		    sizeof(script) - strlen(script) - 1);
	}
	snprintf(cmd, sizeof(cmd), "sh '%s' '%s'", script, dir);
	if (system(cmd) != 0)
		return -1;
	if (certtool_info("selfsigned.pem", keys[K_SELF_SHA256],
	    keys[K_SELF_SHA1], keys[K_SERVER_PIN], sizeof(keys[0])) == -1 ||
	    certtool_info("good.pem", keys[K_GOOD_SHA256], unused, unused,
	    sizeof(unused)) == -1 ||
	    certtool_info("revoked.pem", keys[K_REVOKED_SHA256], unused,
	    unused, sizeof(unused)) == -1 ||
	    certtool_info("ca.pem", unused, unused, keys[K_CA_PIN],
	    sizeof(keys[0])) == -1)
		return -1;
	return 0;
}

/* certtool -i does not print MD5; a fixed wrong one does for the test. */
static void
fake_md5(void)
{
	snprintf(keys[K_GOOD_MD5], sizeof(keys[0]),
	    "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF");
}

/* -------------------------------------------------------------- cases */

static void
check_echo(struct stream *s, const char *name)
{
	struct err e;
	const char *line;
	size_t len;
	char want[600];
	int i, ok = 1;

	err_clear(&e);
	stream_set_timeout(s, 5000);
	/* 128 lines of 500 octets: many records, reads across records */
	for (i = 0; i < 128 && ok; i++) {
		memset(want, 'a' + i % 26, 500);
		snprintf(want, 16, "%04d", i);
		want[4] = ' ';
		want[500] = '\0';
		ok = stream_printf(s, &e, "%s\r\n", want) == 0;
	}
	ok = ok && stream_flush(s, &e) == 0;
	for (i = 0; i < 128 && ok; i++) {
		memset(want, 'a' + i % 26, 500);
		snprintf(want, 16, "%04d", i);
		want[4] = ' ';
		ok = stream_getline(s, &line, &len, &e) == 0 && len == 500 &&
		    memcmp(line, want, 500) == 0;
	}
	if (!tap_ok(ok, "%s: 128 lines echoed through TLS", name))
		tap_diag("failed at line %d: %s", i, e.msg);
}

static void
check_binding(struct tls *t, const struct tcase *c)
{
	const char *type = NULL;
	unsigned char *data = NULL;
	size_t len = 0;
	struct err e;
	int r;

	r = tls_channel_binding(t, &type, &data, &len, &e);
	if (!tap_ok(r == 0 && type != NULL && strcmp(type, c->cb) == 0,
	    "%s: channel binding type %s", c->name, c->cb))
		tap_diag("got %s (%s)", type ? type : "none", r ? e.msg : "");
	tap_ok(r == 0 && len >= 12, "%s: channel binding data (%zu octets)",
	    c->name, len);
	free(data);
}

static void
check_success(struct stream *s, struct tls *t, const struct tcase *c,
    const struct tls_info *in)
{
	const char *fp = c->srv == S_SELF ? keys[K_SELF_SHA256] :
	    c->srv == S_GOOD || c->srv == S_TLS12 ? keys[K_GOOD_SHA256] : NULL;

	char what[200];

	snprintf(what, sizeof(what), "%s: version %s", c->name, c->version);
	if (c->version != NULL)
		tap_str_eq(in->version, c->version, what);
	if (c->echo) {
		tap_ok(in->cipher[0] != '\0' && strncmp(in->cipher, "TLS_", 4)
		    == 0, "%s: cipher suite %s", c->name, in->cipher);
		snprintf(what, sizeof(what), "%s: SHA-256 fingerprint as "
		    "certtool's", c->name);
		if (fp != NULL)
			tap_str_eq(in->sha256, fp, what);
		tap_ok(strlen(in->sha1) == 59, "%s: SHA-1 fingerprint %s",
		    c->name, in->sha1);
		tap_ok(strstr(in->subject, "CN=localhost") != NULL &&
		    in->issuer[0] != '\0', "%s: subject %s, issuer %s", c->name,
		    in->subject, in->issuer);
		tap_ok(strlen(in->not_after) == 23 && strcmp(in->not_after + 19,
		    " UTC") == 0, "%s: valid until %s", c->name, in->not_after);
		check_echo(s, c->name);
	}
	if (c->cb != NULL)
		check_binding(t, c);
}

static void
run_case(const struct tcase *c)
{
	char trust[sizeof(dir) + 32];
	struct tls_params p;
	struct tls_info info;
	struct stream *s;
	struct tls *t;
	struct err e;
	long long t0;
	int fd;

	memset(&p, 0, sizeof(p));
	snprintf(trust, sizeof(trust), "%s/%s", dir,
	    c->trust == T_CA ? "ca.pem" : "no-such-file.pem");
	p.host = c->host;
	p.trust_file = c->trust == T_SYSTEM ? "system" : trust;
	p.fingerprint = c->fp != K_NONE ? keys[c->fp] : NULL;
	p.pin = c->pin != K_NONE ? keys[c->pin] : NULL;
	p.min_version = c->minv;
	p.priorities = c->prio;
	p.certcheck = c->certcheck;
	p.timeout_ms = c->timeout_ms;
	err_clear(&e);
	if ((fd = connect_local(srv[c->srv].port)) == -1) {
		tap_ok(0, "%s: connect: %s", c->name, strerror(errno));
		return;
	}
	s = stream_new(fd);
	t0 = now_ms();
	t = tls_start(s, &p, &info, &e);
	t0 = now_ms() - t0;
	if (!tap_ok((t != NULL) == (c->kind == ERR_NONE) && e.kind == c->kind,
	    "%s: %s", c->name, c->kind == ERR_NONE ? "accepted" :
	    "refused with the right kind"))
		tap_diag("kind %d (want %d): %s", e.kind, c->kind, e.msg);
	if (t == NULL)
		tap_diag("%s", e.msg);
	if (c->msg1 != NULL && !tap_ok(strstr(e.msg, c->msg1) != NULL,
	    "%s: message names \"%s\"", c->name, c->msg1))
		tap_diag("message: %s", e.msg);
	if (c->msg2 != NULL && !tap_ok(strstr(e.msg, c->msg2) != NULL,
	    "%s: message names \"%s\"", c->name, c->msg2))
		tap_diag("message: %s", e.msg);
	if (c->kind == ERR_TEMP)
		tap_ok(t0 < c->timeout_ms + 1000 && (c->srv != S_SILENT ||
		    t0 >= c->timeout_ms - 5),
		    "%s: gave up after %lld ms (timeout %ld)", c->name, t0,
		    c->timeout_ms);
	if (t != NULL)
		check_success(s, t, c, &info);
	stream_free(s);
}

/* "dir/name" into buf, or NULL for no file. */
static const char *
in_dir(char *buf, size_t cap, const char *name)
{
	if (name == NULL)
		return NULL;
	snprintf(buf, cap, "%s/%s", dir, name);
	return buf;
}

/* The first read after a handshake the server's alert follows. */
static void
check_first_read(struct stream *s, const struct ccase *c)
{
	const char *line;
	size_t len;
	struct err e;
	int r;

	err_clear(&e);
	stream_set_timeout(s, 5000);
	r = stream_getline(s, &line, &len, &e);
	tap_diag("%s", e.msg);
	if (!tap_ok(r == -1 && e.kind == c->io, "%s: the first read fails "
	    "with the right kind", c->name))
		tap_diag("r %d, kind %d (want %d): %s", r, e.kind, c->io, e.msg);
	if (!tap_ok(strstr(e.msg, c->io_msg1) != NULL && (c->io_msg2 == NULL ||
	    strstr(e.msg, c->io_msg2) != NULL), "%s: the message says why",
	    c->name))
		tap_diag("message: %s", e.msg);
}

static void
run_ccase(const struct ccase *c)
{
	char trust[sizeof(dir) + 32], cert[sizeof(dir) + 32];
	char key[sizeof(dir) + 32];
	struct tls_params p;
	struct stream *s;
	struct tls *t;
	struct err e;
	int fd;

	memset(&p, 0, sizeof(p));
	p.host = "localhost";
	p.trust_file = in_dir(trust, sizeof(trust), "ca.pem");
	p.cert_file = in_dir(cert, sizeof(cert), c->cert);
	p.key_file = in_dir(key, sizeof(key), c->key);
	p.certcheck = 1;
	p.timeout_ms = 5000;
	err_clear(&e);
	if ((fd = connect_local(srv[c->srv].port)) == -1) {
		tap_ok(0, "%s: connect: %s", c->name, strerror(errno));
		return;
	}
	s = stream_new(fd);
	t = tls_start(s, &p, NULL, &e);
	if (!tap_ok((t != NULL) == (c->kind == ERR_NONE) && e.kind == c->kind,
	    "%s: handshake %s", c->name, c->kind == ERR_NONE ? "done" :
	    "refused with the right kind"))
		tap_diag("kind %d (want %d): %s", e.kind, c->kind, e.msg);
	if (t == NULL)
		tap_diag("%s", e.msg);
	if (c->msg1 != NULL && !tap_ok(strstr(e.msg, c->msg1) != NULL &&
	    (c->msg2 == NULL || strstr(e.msg, c->msg2) != NULL),
	    "%s: the message says why", c->name))
		tap_diag("message: %s", e.msg);
	if (t != NULL && c->io == ERR_NONE)
		check_echo(s, c->name);
	else if (t != NULL)
		check_first_read(s, c);
	stream_free(s);
}

static void
run_rcase(const struct rcase *c)
{
	char trust[sizeof(dir) + 32], crl[sizeof(dir) + 32], what[200];
	struct tls_params p;
	struct tls_info info;
	struct stream *s;
	struct tls *t;
	struct err e;
	int fd;

	memset(&p, 0, sizeof(p));
	memset(&info, 0, sizeof(info));
	p.host = "localhost";
	p.trust_file = in_dir(trust, sizeof(trust), "ca.pem");
	p.crl_file = in_dir(crl, sizeof(crl), c->crl);
	p.certcheck = 1;
	p.timeout_ms = 5000;
	err_clear(&e);
	if ((fd = connect_local(srv[c->srv].port)) == -1) {
		tap_ok(0, "%s: connect: %s", c->name, strerror(errno));
		return;
	}
	s = stream_new(fd);
	t = tls_start(s, &p, &info, &e);
	if (!tap_ok((t != NULL) == (c->kind == ERR_NONE) && e.kind == c->kind,
	    "%s: %s", c->name, c->kind == ERR_NONE ? "accepted" :
	    "refused with the right kind"))
		tap_diag("kind %d (want %d): %s", e.kind, c->kind, e.msg);
	if (t == NULL)
		tap_diag("%s", e.msg);
	if (c->msg1 != NULL && !tap_ok(strstr(e.msg, c->msg1) != NULL &&
	    (c->msg2 == NULL || strstr(e.msg, c->msg2) != NULL),
	    "%s: the message says why", c->name))
		tap_diag("message: %s", e.msg);
	snprintf(what, sizeof(what), "%s: the certificate presented",
	    c->name);
	if (t != NULL && c->fp != K_NONE)
		tap_str_eq(info.sha256, keys[c->fp], what);
	stream_free(s);
}

/* ------------------------------------------------------------- set-up */

static int
have(const char *prog)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", prog);
	return system(cmd) == 0;
}

static void
start_all(void)
{
	int i;

	for (i = 0; i < S_COUNT; i++) {
		if (srv[i].cert != NULL && start_serv(&srv[i]) == -1)
			bail("gnutls-serv did not start");
		if ((i == S_PLAIN || i == S_RESET) &&
		    start_plain(&srv[i], i == S_PLAIN) == -1)
			bail("cannot start a plaintext listener");
		if (i == S_SILENT && (srv[i].fd = listen_local(&srv[i].port))
		    == -1)
			bail("cannot listen on 127.0.0.1");
	}
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR"), *type;
	unsigned char *data = NULL;
	struct err e;
	size_t i;

	if (!have("gnutls-serv") || !have("certtool")) {
		printf("1..0 # SKIP gnutls-serv or certtool missing\n");
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);
	snprintf(dir, sizeof(dir), "%s/outbox-tls-XXXXXX", tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		dir[0] = '\0';
		bail("mkdtemp failed");
	}
	atexit(cleanup);
	if (make_certs() == -1)
		bail("certs.sh or certtool -i failed");
	fake_md5();
	if (tls_global_init(&e) == -1)
		bail(e.msg);
	start_all();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
	for (i = 0; i < sizeof(ccases) / sizeof(ccases[0]); i++)
		run_ccase(&ccases[i]);
	for (i = 0; i < sizeof(rcases) / sizeof(rcases[0]); i++)
		run_rcase(&rcases[i]);
	tap_ok(tls_channel_binding(NULL, &type, &data, &i, &e) == -1 &&
	    e.kind == ERR_SOFTWARE && data == NULL,
	    "channel binding without a session is refused");
	tls_global_done();
	return tap_done();
}
