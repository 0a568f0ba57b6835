/*
 * edit.c - what the account asks to change in the message header (From,
 * Date, Message-ID added when missing, Bcc removed), and --dry-run.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "message.h"
#include "net.h"
#include "run.h"
#include "util.h"

/* "Full Name <addr>" for an added From header; caller frees. */
static char *
from_header(const struct run *r)
{
	const char *name = r->opt.full_name != NULL ? r->opt.full_name :
	    r->acct->from_full_name;
	char *q, *p, *out;
	const char *s;

	if (name == NULL || *name == '\0')
		return xasprintf("<%s>", r->from);
	/* a quoted-string: backslash before '"' and '\\' */
	q = p = xmalloc(strlen(name) * 2 + 1);
	for (s = name; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			*p++ = '\\';
		*p++ = *s;
	}
	*p = '\0';
	out = xasprintf("\"%s\" <%s>", q, r->from);
	free(q);
	return out;
}

int
run_prepare_message(struct run *r, struct err *e)
{
	const struct account *a = r->acct;
	struct message_edits ed;
	char *fh = NULL, *dom, host[256];
	int rc;

	memset(&ed, 0, sizeof(ed));
	if (*r->from != '\0' && a->set_from_header != SET_OFF)
		ed.from_header = fh = from_header(r);
	ed.replace_from = a->set_from_header == SET_ON;
	ed.add_date = a->set_date_header != SET_OFF;
	dom = strrchr(r->from, '@');
	if (dom == NULL) {
		net_hostname(host, sizeof(host));
		dom = host;
	} else {
		dom++;
	}
	if (a->set_msgid_header != SET_OFF)
		ed.msgid_domain = dom;
	ed.remove_bcc = a->remove_bcc_headers;
	rc = message_prepare(r->msg, &ed, e);
	free(fh);
	return rc;
}

/* --dry-run: the envelope and the message exactly as they would go. */
int
run_dry_run(struct run *r, struct err *e)
{
	char buf[SPOOL_CHUNK];
	ssize_t n;
	size_t i;

	printf("MAIL FROM:<%s>\n", r->from);
	for (i = 0; i < r->nrcpt; i++)
		printf("RCPT TO:<%s>\n", r->rcpt[i]);
	printf("DATA\n");
	fflush(stdout);
	message_rewind(r->msg);
	while ((n = message_reader(r->msg, buf, sizeof(buf), e)) > 0)
		if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
			return err_set(e, ERR_IO, "cannot write to stdout");
	fflush(stdout);
	return n < 0 ? -1 : 0;
}

