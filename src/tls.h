/*
 * tls.h - the GnuTLS adapter.
 *
 * tls_start() runs a TLS handshake over a stream's descriptor, verifies
 * the peer (the chain against the trust store and the host name, or the
 * pinned fingerprint that replaces the chain, plus an SPKI pin that adds
 * to the checks), and on success installs itself as the stream's
 * transport.  Nothing but tls.c and tls_verify.c includes a GnuTLS header.
 */
#ifndef OUTBOX_TLS_H
#define OUTBOX_TLS_H

#include <stddef.h>
#include "status.h"

struct stream;
struct tls;

struct tls_params {
	const char	*host;		/* name to verify and send as SNI (A-label),
					 * tls_host_override already applied */
	const char	*trust_file;	/* "system" (NULL too) or a PEM file */
	const char	*crl_file;	/* or NULL */
	const char	*fingerprint;	/* msmtp form: hex pairs with ':' (SHA256, SHA1, MD5) */
	const char	*pin;		/* "sha256//BASE64" of the SPKI, or NULL */
	const char	*cert_file;	/* client certificate, or NULL */
	const char	*key_file;
	const char	*priorities;	/* GnuTLS priority string, or NULL */
	const char	*min_version;	/* "tls1.2" (default) or "tls1.3" */
	int		certcheck;	/* 0: no verification (warned by the caller) */
	long		timeout_ms;	/* for the handshake */
};

struct tls_info {
	char	version[32];		/* "TLSv1.3" */
	char	cipher[128];		/* "TLS_AES_256_GCM_SHA384" */
	char	subject[512];
	char	issuer[512];
	char	not_before[64];
	char	not_after[64];
	char	sha256[128];		/* fingerprint, hex pairs with ':' */
	char	sha1[96];
};

/* Handshake and verify; on success the stream's transport is TLS and a
 * handle is returned (owned by the stream: freed by stream_free or the
 * next stream_set_transport; the caller may keep the pointer until then).
 * Verification failures are ERR_UNAVAILABLE naming the reason (unknown
 * issuer, expired, name mismatch with expected vs presented, pin
 * mismatch); handshake/protocol failures ERR_PROTOCOL with a hint about
 * ports 465/587; timeouts and resets ERR_TEMP. info may be NULL. */
struct tls *tls_start(struct stream *s, const struct tls_params *p,
    struct tls_info *info, struct err *e);

/* Channel binding data for SCRAM-*-PLUS: "tls-exporter" on TLS 1.3,
 * "tls-unique" on TLS 1.2. *type gets the name. Caller frees *data. */
int tls_channel_binding(struct tls *t, const char **type, unsigned char **data,
    size_t *len, struct err *e);

/* Global library set-up and tear-down (once per process). */
int tls_global_init(struct err *e);
void tls_global_done(void);

#endif
