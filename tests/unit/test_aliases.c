/*
 * test_aliases.c - msmtp's aliases format and the rewriting of bare local
 * recipients (aliases, default:, qualify_domain).
 *
 * Each case: the file's text, the recipients ('|'-joined), the qualify
 * domain (NULL: none), and the recipients expected ('|'-joined), or "!"
 * and a piece of the error expected (from the parser or the expansion).
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aliases.h"
#include "limits.h"
#include "util.h"
#include "../tap.h"

static const struct {
	const char	*file;
	const char	*in;
	const char	*qualify;
	const char	*want;
} cases[] = {
	/* the format */
	{ "root: a@x.org\n", "root", NULL, "a@x.org" },
	{ "root: a@x.org, b@y.org\n", "root", NULL, "a@x.org|b@y.org" },
	{ "root:a@x.org,b@y.org", "root", NULL, "a@x.org|b@y.org" },
	{ "  root  :  a@x.org  \n", "root", NULL, "a@x.org" },
	{ "\troot\t:\ta@x.org\r\n", "root", NULL, "a@x.org" },
	{ "# comment\n\n   \nroot: a@x.org # trailing\n", "root", NULL, "a@x.org" },
	{ "root: a@x.org\nbob: b@y.org\n", "bob", NULL, "b@y.org" },
	{ "root: Admin <a@x.org>, \"B, C\" <b@y.org>\n", "root", NULL,
	  "a@x.org|b@y.org" },
	{ "ROOT: a@x.org\n", "root", NULL, "a@x.org" },
	{ "root: a@x.org\n", "Root", NULL, "a@x.org" },
	{ "root: a@x.org\nroot: b@y.org\n", "root", NULL, "a@x.org" },
	{ "", "root", NULL, "root" },
	{ "#only a comment", "root", NULL, "root" },
	/* default: */
	{ "default: d@x.org\n", "anyone", NULL, "d@x.org" },
	{ "root: a@x.org\ndefault: d@x.org\n", "root|joe", NULL,
	  "a@x.org|d@x.org" },
	{ "default: d@x.org\n", "joe@else.org", NULL, "joe@else.org" },
	/* only bare local parts are looked up */
	{ "root: a@x.org\n", "root@y.org", NULL, "root@y.org" },
	{ "root: a@x.org\n", "\"root\"@y.org", NULL, "\"root\"@y.org" },
	{ "root: a@x.org\n", "\"a@b\"", "q.org", "\"a@b\"@q.org" },
	/* qualify_domain */
	{ NULL, "bob", "example.org", "bob@example.org" },
	{ NULL, "bob|carol@x.org", "example.org", "bob@example.org|carol@x.org" },
	{ "root: admin\n", "root", "example.org", "admin@example.org" },
	{ "root: a@x.org\n", "root|bob", "q.org", "a@x.org|bob@q.org" },
	{ NULL, "bob", NULL, "bob" },
	/* replacements are not expanded again */
	{ "a: b\nb: c@x.org\n", "a", NULL, "b" },
	/* order kept, duplicates dropped */
	{ "team: a@x.org, b@x.org\n", "b@x.org|team|a@x.org", NULL,
	  "b@x.org|a@x.org" },
	{ NULL, "bob|bob@q.org", "q.org", "bob@q.org" },
	/* errors */
	{ "root a@x.org\n", "root", NULL, "!t:1: no ':'" },
	{ "root: a@x.org\n: b@x.org\n", "root", NULL, "!t:2: empty alias name" },
	{ "ro ot: a@x.org\n", "root", NULL, "!t:1: an alias name is a local part" },
	{ "root@x: a@x.org\n", "root", NULL, "!an alias name is a local part" },
	{ "root:\n", "root", NULL, "!t:1: alias 'root': no addresses" },
	{ "root: ,\n", "root", NULL, "!no addresses" },
	{ "root: a@x.org (unclosed\n", "root", NULL, "!alias 'root'" },
	{ "root: a b@x.org\n", "root", NULL, "!t:1: alias 'root'" },
	{ "root: a@x.org\n\nbad\x01: b@x\n", "root", NULL, "!t:3: control" },
	{ NULL, "bob", "exa mple.org", "!invalid recipient 'bob@exa mple.org'" },
};

/* Split s at '|' into a NULL-terminated array (caller frees both). */
static char **
split(const char *s, size_t *n, char **buf)
{
	char **v = xcalloc(strlen(s) + 2, sizeof(*v)), *p;

	*buf = xstrdup(s);
	*n = 0;
	if (**buf == '\0')
		return v;
	for (p = *buf; p != NULL; ) {
		v[(*n)++] = p;
		if ((p = strchr(p, '|')) != NULL)
			*p++ = '\0';
	}
	return v;
}

static void
check_case(size_t k)
{
	struct aliases *a = NULL;
	struct err e;
	char **in, *buf, **out = NULL, joined[4096] = "";
	size_t n, nout = 0, i;
	int rc = 0;

	err_clear(&e);
	if (cases[k].file != NULL)
		rc = aliases_parse(&a, "t", cases[k].file,
		    strlen(cases[k].file), &e);
	in = split(cases[k].in, &n, &buf);
	if (rc == 0)
		rc = aliases_expand(a, cases[k].qualify, in, n, &out, &nout, &e);
	for (i = 0; rc == 0 && i < nout; i++) {
		strncat(joined, i > 0 ? "|" : "", sizeof(joined) - strlen(joined) - 1);
		strncat(joined, out[i], sizeof(joined) - strlen(joined) - 1);
	}
	if (cases[k].want[0] == '!') {
		if (!tap_ok(rc == -1 && e.kind != ERR_NONE &&
		    strstr(e.msg, cases[k].want + 1) != NULL,
		    "case %zu refused: %s", k, cases[k].want + 1))
			tap_diag("rc %d, got '%s' / '%s'", rc, e.msg, joined);
	} else {
		if (!tap_ok(rc == 0 && strcmp(joined, cases[k].want) == 0,
		    "case %zu: %s -> %s", k, cases[k].in, cases[k].want))
			tap_diag("rc %d, got '%s' (%s)", rc, joined, e.msg);
	}
	for (i = 0; i < nout; i++)
		free(out[i]);
	free(out);
	free(in);
	free(buf);
	aliases_free(a);
}

/* More than RCPTS_MAX recipients after expansion is refused. */
static void
check_cap(void)
{
	static char big1[] = "big1", big2[] = "big2";
	char *const in[2] = { big1, big2 };
	struct aliases *a = NULL;
	struct err e;
	char *file = xmalloc(RCPTS_MAX * 16 + 64), *p = file, **out = NULL;
	size_t i, nout = 0;
	int rc;

	/* two lines of RCPTS_MAX / 2 + 1 addresses, each under the line cap */
	for (i = 0; i < RCPTS_MAX + 2; i++) {
		if (i == 0 || i == RCPTS_MAX / 2 + 1)
			p += sprintf(p, "%sbig%d: ", i > 0 ? "\n" : "",
			    i == 0 ? 1 : 2);
		else
			*p++ = ',';
		p += sprintf(p, "r%zu@x.org", i);
	}
	*p = '\0';
	err_clear(&e);
	rc = aliases_parse(&a, "t", file, strlen(file), &e);
	if (!tap_ok(rc == 0, "long alias lines parse"))
		tap_diag("%s", e.msg);
	rc = aliases_expand(a, NULL, in, 2, &out, &nout, &e);
	tap_ok(rc == -1 && strstr(e.msg, "too many recipients") != NULL &&
	    out == NULL && nout == 0, "more than RCPTS_MAX results refused");
	aliases_free(a);
	free(file);
}

static void
check_misc(void)
{
	struct aliases *a = NULL;
	struct err e;
	size_t n = 99;

	tap_ok(aliases_is_local("bob") && !aliases_is_local("bob@x") &&
	    aliases_is_local("\"b@x\"") && !aliases_is_local("\"b@x\"@y"),
	    "aliases_is_local");
	tap_ok(aliases_lookup(NULL, "x", &n) == NULL && n == 0,
	    "lookup without a file");
	err_clear(&e);
	tap_ok(aliases_read(&a, "/nonexistent/aliases", &e) == -1 &&
	    e.kind == ERR_CONFIG && strstr(e.msg, "/nonexistent/aliases") &&
	    a == NULL, "a missing file is a configuration error naming it");
	aliases_free(NULL);
}

int
main(void)
{
	size_t k;

	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
		check_case(k);
	check_cap();
	check_misc();
	return tap_done();
}
