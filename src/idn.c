/*
 * idn.c - libidn2 behind one small interface (STYLE 5): host names and
 * mail domains to their A-label form, and the checks that an IDN is
 * valid before anything is sent.  The mail-domain check is stricter than
 * libidn2's own (which lets "ü..example" and "ü_x.example" through): the
 * ASCII result must be an RFC 5321 domain.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>
#include <idn2.h>

#include "idn.h"
#include "limits.h"
#include "util.h"

/* RFC 1035 2.3.4: a label is at most 63 octets, a name at most 253
 * characters written without the final dot. */
#define LABEL_MAX	63
#define NAME_MAX_ASCII	253

int
idn_is_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

int
idn_to_ascii(const char *name, char **out, enum err_kind kind, struct err *e)
{
	char *a = NULL;
	int rc;

	*out = NULL;
	if (idn_is_ascii(name)) {
		*out = xstrdup(name);
		return 0;
	}
	rc = idn2_to_ascii_8z(name, &a, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
	if (rc != IDN2_OK)
		return err_set(e, kind, "invalid internationalised domain "
		    "name '%s': %s", name, idn2_strerror(rc));
	*out = xstrdup(a);
	idn2_free(a);
	return 0;
}

/* Does the ASCII name hold a label starting with "xn--" (any case)? */
static int
has_alabel(const char *s)
{
	const char *p = s;

	for (;;) {
		if (ascii_ncasecmp(p, "xn--", 4) == 0)
			return 1;
		if ((p = strchr(p, '.')) == NULL)
			return 0;
		p++;
	}
}

/* RFC 5321 4.1.2: sub-domain = Let-dig [Ldh-str], dot-separated;
 * NULL when s is one, else the reason. */
static const char *
ldh_reason(const char *s)
{
	size_t n = 0, total = strlen(s);
	const char *p;

	if (total == 0 || total > NAME_MAX_ASCII)
		return "the domain is empty or longer than 253 octets";
	for (p = s;; p++) {
		if (*p == '.' || *p == '\0') {
			if (n == 0)
				return "the domain has an empty label";
			if (p[-1] == '-')
				return "a label ends with a hyphen";
			if (*p == '\0')
				return NULL;
			n = 0;
			continue;
		}
		if (n == 0 && *p == '-')
			return "a label starts with a hyphen";
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-'))
			return "a label holds a character other than a letter, "
			    "digit or hyphen";
		if (++n > LABEL_MAX)
			return "a label is longer than 63 octets";
	}
}

int
idn_mail_domain(const char *domain, char **out, enum err_kind kind,
    struct err *e)
{
	const char *why;
	char *a = NULL;
	int rc;

	*out = NULL;
	if (domain[0] == '[' || (idn_is_ascii(domain) && !has_alabel(domain))) {
		*out = xstrdup(domain);
		return 0;
	}
	rc = idn2_to_ascii_8z(domain, &a, IDN2_NONTRANSITIONAL |
	    IDN2_NFC_INPUT);
	if (rc != IDN2_OK)
		return err_set(e, kind, "invalid internationalised domain "
		    "name '%s': %s", domain, idn2_strerror(rc));
	if ((why = ldh_reason(a)) != NULL) {
		err_set(e, kind, "invalid internationalised domain name '%s': "
		    "%s (as '%s')", domain, why, a);
		idn2_free(a);
		return -1;
	}
	*out = xstrdup(a);
	idn2_free(a);
	return 0;
}

int
idn_check_address(const char *addr, enum err_kind kind, struct err *e)
{
	const char *at = strrchr(addr, '@');
	char *out = NULL;
	struct err e2;

	if (at == NULL)
		return 0;
	if (idn_mail_domain(at + 1, &out, kind, &e2) == -1)
		return err_set(e, kind, "<%s>: %s", addr, e2.msg);
	free(out);
	return 0;
}

int
idn_address_to_ascii(const char *addr, char **out, struct err *e)
{
	const char *at = strrchr(addr, '@');
	size_t local = at != NULL ? (size_t)(at - addr) : strlen(addr);
	char *dom = NULL, *l;

	*out = NULL;
	l = xmalloc(local + 1);
	memcpy(l, addr, local);
	l[local] = '\0';
	if (!idn_is_ascii(l)) {
		free(l);
		return err_set(e, ERR_UNAVAILABLE, "the address <%s> has a "
		    "non-ASCII local part, and the server does not offer "
		    "SMTPUTF8", addr);
	}
	if (at != NULL && idn_mail_domain(at + 1, &dom, ERR_DATA, e) == -1) {
		free(l);
		return -1;
	}
	*out = at != NULL ? xasprintf("%s@%s", l, dom) : xstrdup(l);
	free(l);
	free(dom);
	return 0;
}
