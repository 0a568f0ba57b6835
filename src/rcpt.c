/*
 * rcpt.c - the recipients: every command-line argument is an address
 * list; with -t the header's (message.c) are added; each is checked for
 * use as an SMTP path, and duplicates are sent once.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "aliases.h"
#include "config.h"
#include "idn.h"
#include "message.h"
#include "run.h"
#include "util.h"

static void
add_rcpt(struct run *r, const char *addr)
{
	size_t i;

	for (i = 0; i < r->nrcpt; i++)
		if (strcmp(r->rcpt[i], addr) == 0)
			return;
	r->rcpt = xrealloc(r->rcpt, (r->nrcpt + 1) * sizeof(*r->rcpt));
	r->rcpt[r->nrcpt++] = xstrdup(addr);
}

/* Every argument is an address list ("a@x, Name <b@y>"). */
static int
argv_rcpts(struct run *r, struct err *e)
{
	struct addrlist l;
	char why[200];
	size_t i, j;

	for (i = 0; i < r->opt.nrcpt; i++) {
		const char *s = r->opt.rcpt[i];

		memset(&l, 0, sizeof(l));
		if (addrlist_parse(&l, s, strlen(s), why, sizeof(why)) < 0) {
			addrlist_free(&l);
			return err_set(e, ERR_USAGE, "invalid recipient '%s': %s",
			    s, why);
		}
		for (j = 0; j < l.n; j++) {
			if (addr_check_path(l.addr[j], why, sizeof(why)) < 0) {
				err_set(e, ERR_USAGE, "invalid recipient '%s': %s",
				    l.addr[j], why);
				addrlist_free(&l);
				return -1;
			}
			add_rcpt(r, l.addr[j]);
		}
		addrlist_free(&l);
	}
	return 0;
}

static int
header_rcpts(struct run *r, struct err *e)
{
	char **v = NULL, why[200];
	size_t n = 0, i;
	int rc = 0;

	if (message_header_rcpts(r->msg, &v, &n, e) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (rc == 0 && addr_check_path(v[i], why, sizeof(why)) < 0)
			rc = err_set(e, ERR_DATA, "invalid recipient '%s' in the "
			    "message header: %s", v[i], why);
		if (rc == 0)
			add_rcpt(r, v[i]);
		free(v[i]);
	}
	free(v);
	return rc;
}

/* The account's aliases file and qualify_domain, applied to the bare
 * local parts among the envelope recipients (aliases.c). */
static int
local_rcpts(struct run *r, struct err *e)
{
	const struct account *a = r->acct;
	struct aliases *al = NULL;
	char **out;
	size_t n, i;

	if (a == NULL || (a->aliases == NULL && a->qualify_domain == NULL))
		return 0;
	if (a->aliases != NULL && aliases_read(&al, a->aliases, e) < 0)
		return -1;
	if (aliases_expand(al, a->qualify_domain, r->rcpt, r->nrcpt, &out, &n,
	    e) < 0) {
		aliases_free(al);
		return -1;
	}
	aliases_free(al);
	for (i = 0; i < r->nrcpt; i++)
		free(r->rcpt[i]);
	free(r->rcpt);
	r->rcpt = out;
	r->nrcpt = n;
	return 0;
}

/* IDN (idn.c): every recipient from index first on must have a valid
 * domain before anything is sent; kind: ERR_USAGE for the command line,
 * ERR_DATA for the header (CONTRACT 1). */
static int
idn_rcpts(struct run *r, size_t first, enum err_kind kind, struct err *e)
{
	size_t i;

	for (i = first; i < r->nrcpt; i++)
		if (idn_check_address(r->rcpt[i], kind, e) < 0)
			return -1;
	return 0;
}

int
run_recipients(struct run *r, struct err *e)
{
	size_t n_argv;

	if (argv_rcpts(r, e) < 0 || idn_rcpts(r, 0, ERR_USAGE, e) < 0)
		return -1;
	n_argv = r->nrcpt;
	if (r->opt.read_rcpts && (header_rcpts(r, e) < 0 ||
	    idn_rcpts(r, n_argv, ERR_DATA, e) < 0))
		return -1;
	if (local_rcpts(r, e) < 0)
		return -1;
	if (r->nrcpt == 0)
		return err_set(e, ERR_USAGE, "no recipients%s",
		    r->opt.read_rcpts ? " (none on the command line, in To, "
		    "Cc or Bcc)" : " given (use -t to read them from the message)");
	if (r->nrcpt > RCPTS_MAX)
		return err_set(e, ERR_USAGE, "too many recipients (%zu; the "
		    "limit is %d)", r->nrcpt, RCPTS_MAX);
	return 0;
}

