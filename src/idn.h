/*
 * idn.h - the libidn2 adapter: internationalised domain names to the
 * A-label form that DNS, SNI, certificate checks and servers without
 * SMTPUTF8 use (IDNA2008 with UTS #46 mapping, nontransitional: "faß.de"
 * is "xn--fa-hia.de").  Nothing else includes idn2.h.
 */
#ifndef OUTBOX_IDN_H
#define OUTBOX_IDN_H

#include "status.h"

/* Nonzero if s is all ASCII. */
int idn_is_ascii(const char *s);

/* The ASCII form of a host or domain name into *out (caller frees): an
 * ASCII name is copied as it is; a UTF-8 one is converted and checked.
 * An invalid name is -1 with e set to kind and the reason. */
int idn_to_ascii(const char *name, char **out, enum err_kind kind,
    struct err *e);

/* The A-label form of a mail domain into *out (caller frees): a domain
 * holding UTF-8 or an A-label ("xn--", any case) is converted and
 * validated (IDNA2008 + UTS #46, and the result must be an RFC 5321
 * domain: letters, digits and inner hyphens, labels of 1-63 octets, 253
 * in all); any other ASCII domain, or an address literal, is copied as
 * it is.  Invalid: -1 with e set to kind and the reason. */
int idn_mail_domain(const char *domain, char **out, enum err_kind kind,
    struct err *e);

/* Check the domain of an address (after its last '@') with
 * idn_mail_domain(); the error names the address. */
int idn_check_address(const char *addr, enum err_kind kind, struct err *e);

/* The address with its domain as an A-label, for a server without
 * SMTPUTF8, into *out (caller frees).  A local part that is not ASCII has
 * no such form: ERR_UNAVAILABLE naming the address.  An invalid domain is
 * ERR_DATA (callers check addresses with idn_check_address() first). */
int idn_address_to_ascii(const char *addr, char **out, struct err *e);

#endif
