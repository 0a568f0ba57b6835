/*
 * config_kw.h - private to config.c and config_kw.c: what the file
 * reader needs from the keyword table.  Other modules use config.h.
 *
 * A row of the table is opaque here: config.c finds one by name, asks
 * which keyword it sets, and hands it a value; only config_kw.c knows
 * types, fields and flags.
 */
#ifndef OUTBOX_CONFIG_KW_H
#define OUTBOX_CONFIG_KW_H

#include "config.h"
#include "status.h"

struct kwdef;

/* The row called name (a keyword, an older name, a refused word), or NULL. */
const struct kwdef *kw_lookup(const char *name);
/* The keyword row d sets (an older name's new one); KW_COUNT for none. */
enum kw kw_keyword(const struct kwdef *d);
/* Check value v for row d and store it in a, marking the keyword set;
 * where ("file:12", "--host") names the origin in errors. */
int kw_set(struct account *a, const struct kwdef *d, const char *v,
    const char *where, struct err *e);

/* A new account holding only the built-in defaults; caller frees with
 * account_free(). */
struct account *account_builtin(void);
/* Replace keyword kw's value in dst by a copy of src's (an old secret
 * is wiped); dst->set is left to the caller. */
void account_copy_kw(struct account *dst, const struct account *src,
    enum kw kw);

#endif
