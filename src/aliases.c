/*
 * aliases.c - msmtp's aliases file: the parser, the lookup, and the
 * rewriting of bare local recipients (aliases, then qualify_domain).
 *
 * Everything but aliases_read() is a pure function of its arguments, so
 * the table test and the fuzz target drive it from memory.  Addresses in
 * the file are parsed with addr.c and checked as SMTP paths before they
 * can reach the envelope.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addr.h"
#include "aliases.h"
#include "limits.h"
#include "util.h"

struct alias {
	char	*name;
	char	**addr;
	size_t	n;
};

struct aliases {
	struct alias	*v;
	size_t		n;
};

void
aliases_free(struct aliases *a)
{
	size_t i, j;

	if (a == NULL)
		return;
	for (i = 0; i < a->n; i++) {
		for (j = 0; j < a->v[i].n; j++)
			free(a->v[i].addr[j]);
		free(a->v[i].addr);
		free(a->v[i].name);
	}
	free(a->v);
	free(a);
}

static int
is_blank(int c)
{
	return c == ' ' || c == '\t';
}

/* s[0..*n) without the blanks around it. */
static const char *
trim(const char *s, size_t *n)
{
	while (*n > 0 && is_blank((unsigned char)*s)) {
		s++;
		(*n)--;
	}
	while (*n > 0 && is_blank((unsigned char)s[*n - 1]))
		(*n)--;
	return s;
}

static const struct alias *
find(const struct aliases *a, const char *name, size_t len)
{
	size_t i;

	for (i = 0; a != NULL && i < a->n; i++)
		if (strlen(a->v[i].name) == len &&
		    ascii_ncasecmp(a->v[i].name, name, len) == 0)
			return &a->v[i];
	return NULL;
}

/* A control character other than a tab in s[0..n)? */
static int
ctl_but_tab(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] < 0x20 && s[i] != '\t') ||
		    s[i] == 0x7f)
			return 1;
	return 0;
}

/* The addresses of one line's value into al; why on failure. */
static int
parse_value(struct alias *al, const char *v, size_t len, char *why,
    size_t whylen)
{
	struct addrlist l = { NULL, 0 };
	size_t i;

	if (addrlist_parse(&l, v, len, why, whylen) < 0)
		goto fail;
	if (l.n == 0) {
		snprintf(why, whylen, "no addresses after the colon");
		goto fail;
	}
	for (i = 0; i < l.n; i++)
		if (addr_check_path(l.addr[i], why, whylen) < 0)
			goto fail;
	al->addr = l.addr;
	al->n = l.n;
	return 0;
fail:
	addrlist_free(&l);
	return -1;
}

/* One line without its comment and line end; blank lines are fine. */
static int
parse_line(struct aliases *a, const char *name, size_t lineno,
    const char *s, size_t len, struct err *e)
{
	const char *colon, *key;
	size_t klen, vlen, i;
	struct alias al;
	char why[200];

	s = trim(s, &len);
	if (len == 0)
		return 0;
	if ((colon = memchr(s, ':', len)) == NULL)
		return err_set(e, ERR_CONFIG, "%s:%zu: no ':' after the alias "
		    "name", name, lineno);
	klen = (size_t)(colon - s);
	key = trim(s, &klen);
	if (klen == 0)
		return err_set(e, ERR_CONFIG, "%s:%zu: empty alias name", name,
		    lineno);
	for (i = 0; i < klen; i++)
		if (is_blank((unsigned char)key[i]) || key[i] == '@' ||
		    key[i] == ',')
			return err_set(e, ERR_CONFIG, "%s:%zu: an alias name is a "
			    "local part (no blanks, '@' or ',')", name, lineno);
	vlen = (size_t)(s + len - (colon + 1));
	memset(&al, 0, sizeof(al));
	if (parse_value(&al, colon + 1, vlen, why, sizeof(why)) < 0)
		return err_set(e, ERR_CONFIG, "%s:%zu: alias '%.*s': %s", name,
		    lineno, (int)klen, key, why);
	if (find(a, key, klen) != NULL) {
		addrlist_free(&(struct addrlist){ al.addr, al.n });
		return 0;		/* the first definition wins */
	}
	al.name = xstrndup(key, klen);
	a->v = xrealloc(a->v, (a->n + 1) * sizeof(*a->v));
	a->v[a->n++] = al;
	return 0;
}

int
aliases_parse(struct aliases **out, const char *name, const char *buf,
    size_t len, struct err *e)
{
	struct aliases *a = xcalloc(1, sizeof(*a));
	const char *p = buf, *end = buf + len, *nl, *hash;
	size_t lineno = 0, n;

	*out = NULL;
	while (p < end) {
		lineno++;
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		if (n > ALIASES_LINE_MAX) {
			err_set(e, ERR_CONFIG, "%s:%zu: line longer than %d bytes",
			    name, lineno, ALIASES_LINE_MAX);
			goto fail;
		}
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if ((hash = memchr(p, '#', n)) != NULL)
			n = (size_t)(hash - p);
		if (ctl_but_tab(p, n)) {
			err_set(e, ERR_CONFIG, "%s:%zu: control character", name,
			    lineno);
			goto fail;
		}
		if (parse_line(a, name, lineno, p, n, e) < 0)
			goto fail;
		p = nl != NULL ? nl + 1 : end;
	}
	*out = a;
	return 0;
fail:
	aliases_free(a);
	return -1;
}

int
aliases_read(struct aliases **out, const char *path, struct err *e)
{
	struct stat st;
	char *buf = NULL;
	ssize_t r;
	size_t len = 0;
	int fd, rc = -1;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return err_set(e, ERR_CONFIG, "aliases file %s: %s", path,
		    strerror(errno));
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		err_set(e, ERR_CONFIG, "aliases file %s: not a regular file", path);
		goto out;
	}
	if (st.st_size > ALIASES_FILE_MAX) {
		err_set(e, ERR_CONFIG, "aliases file %s: larger than %d bytes",
		    path, ALIASES_FILE_MAX);
		goto out;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	while (len <= (size_t)st.st_size &&
	    (r = read(fd, buf + len, (size_t)st.st_size + 1 - len)) != 0) {
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			err_set(e, ERR_CONFIG, "aliases file %s: %s", path,
			    strerror(errno));
			goto out;
		}
		len += (size_t)r;
	}
	if (len > (size_t)st.st_size) {
		err_set(e, ERR_CONFIG, "aliases file %s: changed while read", path);
		goto out;
	}
	rc = aliases_parse(out, path, buf, len, e);
out:
	free(buf);
	close(fd);
	return rc;
}

char *const *
aliases_lookup(const struct aliases *a, const char *local, size_t *n)
{
	const struct alias *al = find(a, local, strlen(local));

	if (al == NULL)
		al = find(a, "default", 7);
	*n = al != NULL ? al->n : 0;
	return al != NULL ? al->addr : NULL;
}

int
aliases_is_local(const char *addr)
{
	const char *p = addr;

	if (*p == '"') {
		for (p++; *p != '\0' && *p != '"'; p++)
			if (*p == '\\' && p[1] != '\0')
				p++;
		if (*p == '"')
			p++;
	}
	return strchr(p, '@') == NULL;
}

/* Append addr (qualified when it is local and qualify is set) to the
 * result unless it is there already. */
static int
put(char ***out, size_t *n, const char *addr, const char *qualify,
    struct err *e)
{
	char *s, why[200];
	size_t i;

	if (qualify != NULL && aliases_is_local(addr))
		s = xasprintf("%s@%s", addr, qualify);
	else
		s = xstrdup(addr);
	for (i = 0; i < *n; i++)
		if (strcmp((*out)[i], s) == 0) {
			free(s);
			return 0;
		}
	if (addr_check_path(s, why, sizeof(why)) < 0) {
		err_set(e, ERR_USAGE, "invalid recipient '%s': %s", s, why);
		free(s);
		return -1;
	}
	if (*n >= RCPTS_MAX) {
		free(s);
		return err_set(e, ERR_USAGE, "too many recipients after the "
		    "aliases (the limit is %d)", RCPTS_MAX);
	}
	*out = xrealloc(*out, (*n + 1) * sizeof(**out));
	(*out)[(*n)++] = s;
	return 0;
}

int
aliases_expand(const struct aliases *a, const char *qualify,
    char *const *in, size_t n, char ***out, size_t *nout, struct err *e)
{
	char *const *rep;
	size_t i, j, nrep;

	*out = NULL;
	*nout = 0;
	for (i = 0; i < n; i++) {
		rep = NULL;
		nrep = 0;
		if (aliases_is_local(in[i]))
			rep = aliases_lookup(a, in[i], &nrep);
		if (rep == NULL && put(out, nout, in[i], qualify, e) < 0)
			goto fail;
		for (j = 0; j < nrep; j++)
			if (put(out, nout, rep[j], qualify, e) < 0)
				goto fail;
	}
	return 0;
fail:
	for (i = 0; i < *nout; i++)
		free((*out)[i]);
	free(*out);
	*out = NULL;
	*nout = 0;
	return -1;
}
