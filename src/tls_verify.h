/*
 * tls_verify.h - private to tls.c and tls_verify.c: checking the peer of
 * a finished handshake.  Include it after GnuTLS's gnutls.h; it includes
 * no GnuTLS header itself, and no other file includes it (everyone else
 * sees only tls.h).
 */
#ifndef OUTBOX_TLS_VERIFY_H
#define OUTBOX_TLS_VERIFY_H

#include "status.h"
#include "tls.h"

/* Verify the peer of session as p asks (tls.h: the chain and host, or
 * the fingerprint instead, plus the pin); host is the name to verify
 * (NULL: none, and messages say "the server").  A failed check sends a
 * bad_certificate alert, best effort, and is ERR_UNAVAILABLE with a
 * one-line reason.  On success info, when not NULL, is filled. */
int tls_verify(gnutls_session_t session, const char *host,
    const struct tls_params *p, struct tls_info *info, struct err *e);

#endif
