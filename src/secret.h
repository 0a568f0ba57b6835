/*
 * secret.h - where the password comes from, in msmtp's order: password,
 * passwordeval (sh -c, stdin /dev/null, a timeout, bounded output, one
 * trailing newline stripped, CR/LF/NUL refused), the system keyring when
 * built with libsecret (msmtp's entries: host, service smtp, user; asked
 * by the outbox-keyring helper, the same way but without a shell),
 * ~/.netrc ($NETRC, checked for mode), a prompt on the terminal when
 * interactive.
 */
#ifndef OUTBOX_SECRET_H
#define OUTBOX_SECRET_H

#include "status.h"

struct account;

/* The password for a's user at a's host: *out is NULL when none is
 * found (the caller decides whether that is an error). Caller frees
 * with free_secret(). A failing helper is ERR_CONFIG. */
int secret_password(const struct account *a, const char *host, char **out,
    struct err *e);

/* Tests only: the passwordeval timeout in seconds (<= 0: the default,
 * PASSWORD_EVAL_SECONDS). */
void secret_set_eval_timeout(int seconds);

/* Whether this build asks the system keyring (libsecret): it installs
 * outbox-keyring, run only when the keyring step is reached, and skipped
 * silently when it is not there at run time. */
int secret_have_keyring(void);

/* outbox-keyring HOST USER (keyring.c): its exit statuses.  Any other
 * status, or a timeout, is taken as KEYRING_NONE. */
enum keyring_exit {
	KEYRING_FOUND = 0,	/* the password on stdout, one newline after */
	KEYRING_NONE = 1,	/* none (or no session bus, locked, ...) */
	KEYRING_UNUSABLE = 2,	/* found, but holding CR, LF or NUL: 78 */
	KEYRING_FAILED = 3	/* usage or output error */
};

/* Tests only: the keyring helper's timeout in seconds (<= 0: the
 * default, KEYRING_SECONDS). */
void secret_set_keyring_timeout(int seconds);

#endif
