/*
 * idn.h - the libidn2 adapter: internationalised domain names to the
 * A-label form that DNS, SNI and certificate checks use (IDNA2008 with
 * UTS #46 mapping).  Nothing else includes idn2.h.
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

#endif
