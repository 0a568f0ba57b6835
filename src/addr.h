/*
 * addr.h - RFC 5322 address lists (pure).
 *
 * Parses address-list values (To, Cc, Bcc, From, Resent-*): mailboxes
 * with and without display names, angle addresses, groups ("undisclosed
 * recipients:;"), comments (nested), quoted strings and quoted local
 * parts, and the obsolete forms RFC 5322 section 4 says to accept (route
 * prefixes, CFWS between atoms).  Encoded words stay as they are in
 * display names.  The result is the addr-spec of each mailbox, in its
 * canonical form for an SMTP path: comments and folding removed, a local
 * part quoted only if it needs quoting.
 */
#ifndef OUTBOX_ADDR_H
#define OUTBOX_ADDR_H

#include <stddef.h>

struct addrlist {
	char	**addr;		/* addr-specs "local@domain" (or "local") */
	size_t	n;
};

/* Parse value[0..len) (an unfolded header value) and append every
 * mailbox to l. Returns 0, or -1 with the reason in why. An empty list
 * and an empty group are fine. Caller frees with addrlist_free(). */
int addrlist_parse(struct addrlist *l, const char *value, size_t len,
    char *why, size_t whylen);
void addrlist_free(struct addrlist *l);

/* Check an address for use as an SMTP path: no controls, within the
 * ADDR_* limits, local part dot-atom or quoted string, domain a
 * dot-atom or address literal. Non-ASCII (UTF-8) is allowed here; IDN
 * checks are idn.c's. Returns 0, or -1 with the reason in why. */
int addr_check_path(const char *addr, char *why, size_t whylen);

/* Parse a single address given on the command line ("-f", recipients):
 * accepts "a@b", "<a@b>", "Name <a@b>" and "a@b (comment)". The bare
 * addr-spec is written to out (capacity cap). Returns 0 or -1 (why). */
int addr_parse_one(const char *s, char *out, size_t cap, char *why, size_t whylen);

#endif
