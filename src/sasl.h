/*
 * sasl.h - authentication: libgsasl behind one adapter, plus XOAUTH2 and
 * OAUTHBEARER framed here (libgsasl has neither).
 *
 * The exchange runs through smtp_auth_step(), so this module never sees
 * the stream.  Secrets are wiped after use and never traced.
 */
#ifndef OUTBOX_SASL_H
#define OUTBOX_SASL_H

#include <stddef.h>
#include "status.h"

struct smtp;
struct caps;
struct tls;

struct sasl_params {
	const char	*mech;		/* "on" or NULL: choose; else a mechanism name */
	const char	*user;
	const char	*password;	/* borrowed secret (a token for the OAuth mechanisms) */
	const char	*host;		/* the server's name (service "smtp") */
	struct tls	*tls;		/* for channel binding; NULL without TLS */
};

/* Authenticate: pick the mechanism (strongest offered, in the order
 * SCRAM-SHA-256-PLUS, SCRAM-SHA-256, SCRAM-SHA-1-PLUS, SCRAM-SHA-1, PLAIN,
 * LOGIN; CRAM-MD5, DIGEST-MD5, XOAUTH2, OAUTHBEARER, EXTERNAL, GSSAPI only
 * when named), run it. The chosen mechanism's name goes to used (cap).
 * Refused: ERR_NOPERM; mechanism not offered: ERR_UNAVAILABLE; malformed
 * challenge: answered with "*", then ERR_PROTOCOL. */
int sasl_auth(struct smtp *sm, const struct caps *c, const struct sasl_params *p,
    char *used, size_t cap, struct err *e);

#endif
