/*
 * test_idn.c - the libidn2 adapter: IDNA2008 with UTS #46 mapping
 * (nontransitional), the stricter mail-domain check, and the address
 * forms a server without SMTPUTF8 gets.  One line per case.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idn.h"
#include "status.h"
#include "../tap.h"

/* idn_mail_domain(): the A-label, or NULL when the domain is invalid. */
static const struct {
	const char	*in;
	const char	*want;		/* NULL: refused */
	const char	*why;		/* substring of the reason, or NULL */
} domains[] = {
	/* UTS #46 mapping: case folding, width, compatibility forms */
	{ "B\xc3\xbc" "cher.example", "xn--bcher-kva.example", NULL },
	{ "b\xc3\xbc" "cher.example", "xn--bcher-kva.example", NULL },
	{ "\xef\xbc\xa2\xc3\xbc" "cher.example", "xn--bcher-kva.example",
	  NULL },					/* fullwidth B */
	{ "\xe2\x85\xb7.example", "viii.example", NULL },	/* roman numeral */
	/* nontransitional: sharp s and final sigma stay */
	{ "fa\xc3\x9f.de", "xn--fa-hia.de", NULL },
	{ "\xce\xa3\xce\x91\xce\xa3.gr", "xn--mxa9ab.gr", NULL },
	{ "\xc3\xbc.\xe4\xbe\x8b\xe3\x81\x88.\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88",
	  "xn--tda.xn--r8jz45g.xn--zckzah", NULL },
	/* ASCII stays as it is; valid A-labels pass */
	{ "example.org", "example.org", NULL },
	{ "EXAMPLE.org", "EXAMPLE.org", NULL },
	{ "xn--bcher-kva.example", "xn--bcher-kva.example", NULL },
	{ "XN--BCHER-KVA.example", "xn--bcher-kva.example", NULL },
	{ "[192.0.2.1]", "[192.0.2.1]", NULL },
	{ "under_score.example", "under_score.example", NULL },
	/* invalid */
	{ "\xe2\x98\x83.example", NULL, "disallowed" },		/* snowman */
	{ "a\xe2\x80\x8d" "b.example", NULL, "context-j" },	/* ZWJ */
	{ "-\xc3\xbc.example", NULL, "hyphen" },
	{ "\xc3\xbc-.example", NULL, "hyphen" },
	{ "ab--\xc3\xbc.example", NULL, "hyphen" },
	{ "\xd9\xa1\xd9\xa2\xd9\xa3.example", NULL, "bi-directional" },
	{ "xn--abc.example", NULL, NULL },
	{ "xn--zz.example", NULL, "punycode" },
	{ "a\xff" "b.example", NULL, "encoding" },
	{ "\xc3\xbc..example", NULL, "empty label" },
	{ "\xc3\xbc_x.example", NULL, "letter, digit or hyphen" },
	{ "\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc"
	  "\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc"
	  "\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc"
	  "\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc"
	  "\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc"
	  "\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc"
	  "\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc"
	  "\xc3\xbc\xc3\xbc.example", NULL, NULL },		/* label > 63 */
};

/* idn_address_to_ascii(): the form for a server without SMTPUTF8. */
static const struct {
	const char	*in;
	const char	*want;		/* NULL: refused */
	enum err_kind	 kind;
} addrs[] = {
	{ "j@B\xc3\xbc" "cher.example", "j@xn--bcher-kva.example", ERR_NONE },
	{ "j@fa\xc3\x9f.de", "j@xn--fa-hia.de", ERR_NONE },
	{ "\"a@b\"@fa\xc3\x9f.de", "\"a@b\"@xn--fa-hia.de", ERR_NONE },
	{ "plain@example.org", "plain@example.org", ERR_NONE },
	{ "root", "root", ERR_NONE },
	{ "j\xc3\xb6rg@example.org", NULL, ERR_UNAVAILABLE },
	{ "j\xc3\xb6rg@b\xc3\xbc" "cher.example", NULL, ERR_UNAVAILABLE },
	{ "j@\xe2\x98\x83.example", NULL, ERR_DATA },
};

/* idn_check_address(): the kind asked for, the address named. */
static const struct {
	const char	*in;
	enum err_kind	 kind;		/* given; ERR_NONE: valid */
	int		 valid;
} checks[] = {
	{ "a@b\xc3\xbc" "cher.example", ERR_USAGE, 1 },
	{ "\xc3\xa9@example.org", ERR_USAGE, 1 },	/* local part: not IDN */
	{ "a@\xe2\x98\x83.example", ERR_USAGE, 0 },	/* 64 on the command line */
	{ "a@\xe2\x98\x83.example", ERR_DATA, 0 },	/* 65 in a -t header */
	{ "a@xn--zz.example", ERR_DATA, 0 },
	{ "local-only", ERR_USAGE, 1 },
};

int
main(void)
{
	char *out, name[600];
	struct err e;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(domains) / sizeof(domains[0]); i++) {
		err_clear(&e);
		rc = idn_mail_domain(domains[i].in, &out, ERR_DATA, &e);
		snprintf(name, sizeof(name), "domain %zu (%s)", i,
		    domains[i].want != NULL ? domains[i].want : "invalid");
		if (domains[i].want != NULL) {
			if (!tap_ok(rc == 0, "%s: accepted", name))
				tap_diag("%s", e.msg);
			tap_str_eq(rc == 0 ? out : "(error)", domains[i].want,
			    name);
		} else {
			if (!tap_ok(rc == -1 && e.kind == ERR_DATA && out ==
			    NULL, "%s: refused as ERR_DATA", name))
				tap_diag("got %s", out != NULL ? out : "?");
			if (domains[i].why != NULL && !tap_ok(strstr(e.msg,
			    domains[i].why) != NULL, "%s: reason has \"%s\"",
			    name, domains[i].why))
				tap_diag("%s", e.msg);
		}
		free(out);
	}
	for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		err_clear(&e);
		rc = idn_address_to_ascii(addrs[i].in, &out, &e);
		snprintf(name, sizeof(name), "address %zu", i);
		if (addrs[i].want != NULL) {
			tap_str_eq(rc == 0 ? out : e.msg, addrs[i].want, name);
		} else if (!tap_ok(rc == -1 && e.kind == addrs[i].kind &&
		    out == NULL, "%s: refused, kind %d", name,
		    (int)addrs[i].kind))
			tap_diag("%s", e.msg);
		if (addrs[i].kind == ERR_UNAVAILABLE)
			tap_ok(strstr(e.msg, addrs[i].in) != NULL &&
			    strstr(e.msg, "SMTPUTF8") != NULL,
			    "%s: the message names the address and SMTPUTF8",
			    name);
		free(out);
	}
	for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		err_clear(&e);
		rc = idn_check_address(checks[i].in, checks[i].kind, &e);
		if (checks[i].valid)
			tap_ok(rc == 0, "check %zu: valid", i);
		else
			tap_ok(rc == -1 && e.kind == checks[i].kind &&
			    strstr(e.msg, checks[i].in) != NULL,
			    "check %zu: kind %d, naming the address (%s)", i,
			    (int)checks[i].kind, e.msg);
	}
	/* The host-name path keeps ASCII untouched (no A-label check). */
	rc = idn_to_ascii("B\xc3\xbc" "cher.example", &out, ERR_CONFIG, &e);
	tap_str_eq(rc == 0 ? out : e.msg, "xn--bcher-kva.example",
	    "idn_to_ascii: host name");
	free(out);
	rc = idn_to_ascii("\xe2\x98\x83.example", &out, ERR_CONFIG, &e);
	tap_ok(rc == -1 && e.kind == ERR_CONFIG, "idn_to_ascii: invalid is "
	    "the kind asked for");
	tap_ok(idn_is_ascii("abc") && !idn_is_ascii("\xc3\xa9"),
	    "idn_is_ascii");
	return tap_done();
}
