/*
 * edit.c - what the account asks to change in the message header (From,
 * Date, Message-ID added when missing, Bcc removed, To replaced or added
 * by undisclosed_recipients and set_to_header), the display name of an
 * added From (a quoted-string, or RFC 2047 encoded words when it is not
 * ASCII), and --dry-run.
 */
#include "autoconfig.h"

#include <gsasl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "limits.h"
#include "message.h"
#include "net.h"
#include "run.h"
#include "util.h"

/* RFC 2047 2: an encoded word is at most 75 characters; with
 * "=?UTF-8?B?" and "?=" that leaves 63 for base64, i.e. 45 octets. */
#define EW_OCTETS	45
#define UNDISCLOSED	"undisclosed-recipients:;"

/* The length of the valid UTF-8 sequence at s (1 for ASCII), or 0. */
static size_t
utf8_seq(const unsigned char *s)
{
	size_t n, i;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

/* A quoted-string: backslash before '"' and '\\'; caller frees. */
static char *
quoted(const char *s)
{
	char *q = xmalloc(strlen(s) * 2 + 3), *p = q;

	*p++ = '"';
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			*p++ = '\\';
		*p++ = *s;
	}
	*p++ = '"';
	*p = '\0';
	return q;
}

/* RFC 2047 B-encoded words of UTF-8 s, split between characters and
 * separated by spaces; caller frees. NULL when libgsasl fails. */
static char *
encoded_words(const char *s)
{
	char *out = xstrdup(""), *b64, *tmp;
	size_t len = strlen(s), off = 0, n, k, b64len;

	while (off < len) {
		for (n = 0; off + n < len; n += k) {
			k = utf8_seq((const unsigned char *)s + off + n);
			if (n + k > EW_OCTETS)
				break;
		}
		if (gsasl_base64_to(s + off, n, &b64, &b64len) != GSASL_OK) {
			free(out);
			return NULL;
		}
		tmp = xasprintf("%s%s=?UTF-8?B?%s?=", out, off > 0 ? " " : "",
		    b64);
		gsasl_free(b64);
		free(out);
		out = tmp;
		off += n;
	}
	return out;
}

/* The display name of an added From header in its header form into
 * *out (caller frees): as it is, quoted, or encoded. kind is the error
 * for a bad name (-F: ERR_USAGE, from_full_name: ERR_CONFIG). */
static int
display_name(const char *name, const char *what, enum err_kind kind,
    char **out, struct err *e)
{
	const unsigned char *p;
	int ascii = 1;
	size_t k;

	if (strlen(name) > FULL_NAME_MAX)
		return err_set(e, kind, "%s is longer than %d bytes", what,
		    FULL_NAME_MAX);
	for (p = (const unsigned char *)name; *p != '\0'; p += k) {
		if ((k = utf8_seq(p)) == 0)
			return err_set(e, kind, "%s is not valid UTF-8", what);
		if (k > 1)
			ascii = 0;
	}
	/* always quoted when ASCII: valid whatever the name holds, and
	 * never mistaken for an encoded word */
	*out = ascii ? quoted(name) : encoded_words(name);
	if (*out == NULL)
		return err_set(e, ERR_SOFTWARE, "cannot encode the %s", what);
	return 0;
}

/* "Full Name <addr>" for an added From header into *out; caller frees. */
static int
from_header(const struct run *r, char **out, struct err *e)
{
	const char *name = r->opt.full_name != NULL ? r->opt.full_name :
	    r->acct->from_full_name;
	char *dn;

	if (name == NULL || *name == '\0') {
		*out = xasprintf("<%s>", r->from);
		return 0;
	}
	if (display_name(name, r->opt.full_name != NULL ? "the -F name" :
	    "from_full_name", r->opt.full_name != NULL ? ERR_USAGE : ERR_CONFIG,
	    &dn, e) < 0)
		return -1;
	*out = xasprintf("%s <%s>", dn, r->from);
	free(dn);
	return 0;
}

int
run_prepare_message(struct run *r, struct err *e)
{
	const struct account *a = r->acct;
	struct message_edits ed;
	char *fh = NULL, *dom, host[256];
	int rc;

	memset(&ed, 0, sizeof(ed));
	if (*r->from != '\0' && a->set_from_header != SET_OFF &&
	    from_header(r, &fh, e) < 0)
		return -1;
	ed.from_header = fh;
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
	/* outbox's set_to_header: a To when there is no To or Cc;
	 * msmtp's undisclosed_recipients: To, Cc and Bcc replaced by it */
	if (a->set_to_header != SET_OFF && !a->undisclosed_recipients)
		ed.to_header = UNDISCLOSED;
	rc = message_prepare(r->msg, &ed, e);
	if (rc == 0 && a->undisclosed_recipients)
		rc = message_undisclose(r->msg, UNDISCLOSED, e);
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

