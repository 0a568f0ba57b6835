/*
 * config.c - msmtp's configuration files read into accounts: the line
 * tokenizer, defaults sections and "account NAME : PARENTS" with their
 * inheritance, the checks on a file that holds a password, choosing an
 * account by envelope-from, and the account rules of CONTRACT 3 (TLS on
 * unless the traffic stays on this machine, never credentials in the
 * clear).
 *
 * What a keyword is and how its value is checked and stored belongs to
 * the keyword table in config_kw.c; this file hands it one keyword and
 * value at a time.  It reads files and nothing else: no sockets, no
 * helper processes.
 */
#include "autoconfig.h"

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "config_kw.h"
#include "limits.h"
#include "net.h"
#include "status.h"
#include "util.h"

struct entry {
	struct account	*a;
	int		 gen;	/* which config_read/parse defined it */
};

struct config {
	struct entry	*v;
	size_t		 n, cap;
	struct account	*defaults;
	int		 gen;
};

/* The state of one file being parsed. */
struct parser {
	struct config	*c;
	const char	*file;
	int		 line;
	struct account	*cur;	/* account or defaults being written */
	int		 secret;	/* a password was set */
};

/* ------------------------------------------------------------ words */

static int
is_space(int c)
{
	return c == ' ' || c == '\t';
}

/* An account name: not empty, no blanks, ':' or ','. */
static const char *
chk_name(const char *v)
{
	if (*v == '\0')
		return "empty";
	if (strpbrk(v, " \t:,") != NULL)
		return "no spaces, ':' or ','";
	return NULL;
}

/* ------------------------------------------------------------ config */

struct config *
config_new(void)
{
	struct config *c = xcalloc(1, sizeof(*c));

	c->defaults = account_builtin();
	return c;
}

void
config_free(struct config *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++)
		account_free(c->v[i].a);
	free(c->v);
	account_free(c->defaults);
	free(c);
}

static struct entry *
find_entry(const struct config *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->v[i].a->name, name) == 0)
			return &c->v[i];
	return NULL;
}

const struct account *
config_account(const struct config *c, const char *name)
{
	const struct entry *en = find_entry(c, name);

	return en != NULL ? en->a : NULL;
}

const struct account *
config_defaults(const struct config *c)
{
	return c->defaults;
}

/* Add a, replacing an account of the same name read from an earlier
 * file; the same name twice in one file is an error. */
static int
add_account(struct parser *p, struct account *a, struct err *e)
{
	struct config *c = p->c;
	struct entry *en = find_entry(c, a->name);

	if (en != NULL && en->gen == c->gen) {
		err_set(e, ERR_CONFIG, "%s:%d: account '%s' is already defined "
		    "(line %d)", p->file, p->line, a->name, en->a->line);
		account_free(a);
		return -1;
	}
	if (en != NULL) {
		account_free(en->a);
	} else {
		if (c->n == c->cap) {
			c->cap = c->cap ? c->cap * 2 : 8;
			c->v = xrealloc(c->v, c->cap * sizeof(*c->v));
		}
		en = &c->v[c->n++];
	}
	en->a = a;
	en->gen = c->gen;
	p->cur = a;
	return 0;
}

/* Apply every keyword written in parent to a. */
static void
inherit(struct account *a, const struct account *parent)
{
	size_t i;

	for (i = 0; i < KW_COUNT; i++) {
		if (!parent->set[i])
			continue;
		account_copy_kw(a, parent, (enum kw)i);
		a->set[i] = 1;
	}
	a->has_secret = a->password != NULL;
}

static struct account *
new_account(struct parser *p, const char *name)
{
	struct account *a = account_dup(p->c->defaults);

	free(a->name);
	free(a->file);
	a->name = xstrdup(name);
	a->file = xstrdup(p->file);
	a->line = p->line;
	return a;
}

/* "account NAME [: PARENT[,PARENT...]]" (arg is modified). */
static int
start_account(struct parser *p, char *arg, struct err *e)
{
	char *name = arg, *list, *par, *end, q[128];
	const struct account *pa;
	struct account *a;
	int n = 0;

	if ((list = strchr(arg, ':')) != NULL)
		*list++ = '\0';
	for (end = name + strlen(name); end > name && is_space(end[-1]); end--)
		end[-1] = '\0';
	if (chk_name(name) != NULL)
		return err_set(e, ERR_CONFIG, "%s:%d: invalid account name '%s'",
		    p->file, p->line, escape_text(q, sizeof(q), name,
		    strlen(name)));
	a = new_account(p, name);
	while (list != NULL) {
		par = list;
		if ((list = strchr(list, ',')) != NULL)
			*list++ = '\0';
		par += strspn(par, " \t");
		for (end = par + strlen(par); end > par && is_space(end[-1]);)
			*--end = '\0';
		if (++n > CONFIG_INHERIT_MAX) {
			err_set(e, ERR_CONFIG, "%s:%d: more than %d parents",
			    p->file, p->line, CONFIG_INHERIT_MAX);
			goto fail;
		}
		if ((pa = config_account(p->c, par)) == NULL) {
			err_set(e, ERR_CONFIG, "%s:%d: account '%s' is not "
			    "defined (yet)", p->file, p->line,
			    escape_text(q, sizeof(q), par, strlen(par)));
			goto fail;
		}
		inherit(a, pa);
	}
	return add_account(p, a, e);
fail:
	account_free(a);
	return -1;
}

/* ------------------------------------------------------------ parsing */

/* Split "keyword argument": the argument is the rest of the line with
 * the blanks around it removed, and one pair of enclosing double
 * quotes removed (no escapes, as msmtp). Returns the argument. */
static char *
split_line(char *s)
{
	char *arg, *end;

	s += strcspn(s, " \t");
	if (*s != '\0')
		*s++ = '\0';
	arg = s + strspn(s, " \t");
	end = arg + strlen(arg);
	while (end > arg && is_space(end[-1]))
		*--end = '\0';
	if (end - arg >= 2 && arg[0] == '"' && end[-1] == '"') {
		end[-1] = '\0';
		arg++;
	}
	return arg;
}

/* One line, without its newline and free of control characters but
 * tabs; s is modified. */
static int
handle_line(struct parser *p, char *s, struct err *e)
{
	const struct kwdef *d;
	char *kw, *arg, q[128], where[ERR_MSG_MAX / 2];

	s += strspn(s, " \t");
	if (*s == '\0' || *s == '#')
		return 0;
	kw = s;
	arg = split_line(s);
	if (strcmp(kw, "defaults") == 0) {
		if (*arg != '\0')
			return err_set(e, ERR_CONFIG, "%s:%d: 'defaults' takes "
			    "no argument", p->file, p->line);
		p->cur = p->c->defaults;
		return 0;
	}
	if (strcmp(kw, "account") == 0)
		return start_account(p, arg, e);
	if ((d = kw_lookup(kw)) == NULL)
		return err_set(e, ERR_CONFIG, "%s:%d: unknown keyword '%s'",
		    p->file, p->line, escape_text(q, sizeof(q), kw, strlen(kw)));
	/* msmtp puts keywords before any account in one called default */
	if (p->cur == NULL && add_account(p, new_account(p, "default"), e) < 0)
		return -1;
	snprintf(where, sizeof(where), "%s:%d", p->file, p->line);
	if (kw_set(p->cur, d, arg, where, e) < 0)
		return -1;
	if (kw_keyword(d) == KW_PASSWORD && *arg != '\0')
		p->secret = 1;
	return 0;
}

/* A control character other than tab in line[0..n), or -1. */
static int
line_ctl(const char *line, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)line[i];

		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return ch;
	}
	return -1;
}

static int
parse(struct parser *p, const char *buf, size_t len, struct err *e)
{
	char *line = xmalloc(CONFIG_LINE_MAX + 1);
	const char *nl;
	size_t pos = 0, n, adv;
	int r = 0, ch;

	account_free(p->c->defaults);
	p->c->defaults = account_builtin();
	p->c->gen++;
	while (r == 0 && pos < len) {
		p->line++;
		nl = memchr(buf + pos, '\n', len - pos);
		n = adv = nl != NULL ? (size_t)(nl - (buf + pos)) : len - pos;
		if (n > CONFIG_LINE_MAX) {
			r = err_set(e, ERR_CONFIG, "%s:%d: line longer than %d "
			    "bytes", p->file, p->line, CONFIG_LINE_MAX);
			break;
		}
		memcpy(line, buf + pos, n);
		if (n > 0 && line[n - 1] == '\r')
			n--;
		line[n] = '\0';
		if ((ch = line_ctl(line, n)) >= 0)
			r = err_set(e, ERR_CONFIG, "%s:%d: control character "
			    "0x%02x in line", p->file, p->line, ch);
		else
			r = handle_line(p, line, e);
		wipe(line, n);
		pos += adv + 1;
	}
	free(line);
	return r;
}

int
config_parse_buffer(struct config *c, const char *name, const char *buf,
    size_t len, struct err *e)
{
	struct parser p;

	memset(&p, 0, sizeof(p));
	p.c = c;
	p.file = name;
	return parse(&p, buf, len, e);
}

/* ------------------------------------------------------------ files */

/* The whole of fd, at most CONFIG_FILE_MAX bytes; caller wipes and frees. */
static int
read_all(int fd, const char *path, char **out, size_t *outlen,
    struct err *e)
{
	size_t cap = 4096, len = 0;
	char *buf = xmalloc(cap), *nbuf;
	ssize_t r;

	for (;;) {
		if (len == cap) {
			if (cap > CONFIG_FILE_MAX) {
				err_set(e, ERR_CONFIG, "%s: larger than %d bytes",
				    path, CONFIG_FILE_MAX);
				goto fail;
			}
			nbuf = xmalloc(cap * 2);
			memcpy(nbuf, buf, len);
			wipe(buf, len);
			free(buf);
			buf = nbuf;
			cap *= 2;
		}
		r = read(fd, buf + len, cap - len);
		if (r == 0)
			break;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err_set(e, ERR_CONFIG, "%s: %s", path, strerror(errno));
			goto fail;
		}
		len += (size_t)r;
	}
	*out = buf;
	*outlen = len;
	return 0;
fail:
	wipe(buf, len);
	free(buf);
	return -1;
}

/* CONTRACT 3: a user's file holding a password is the user's and nobody
 * else's; a system file holding one is not world-readable. */
static int
check_perms(const struct stat *st, const char *path, int is_system,
    struct err *e)
{
	unsigned mode = (unsigned)st->st_mode & 07777;

	if (is_system && (mode & 004))
		return err_set(e, ERR_CONFIG, "%s: holds a password but is "
		    "readable by everyone (mode %04o): chmod o-rwx %s", path,
		    mode, path);
	if (is_system)
		return 0;
	if (st->st_uid != getuid())
		return err_set(e, ERR_CONFIG, "%s: holds a password but is owned "
		    "by uid %u, not by you (uid %u)", path,
		    (unsigned)st->st_uid, (unsigned)getuid());
	if (mode & 077)
		return err_set(e, ERR_CONFIG, "%s: holds a password but is "
		    "readable by others (mode %04o): chmod 600 %s", path, mode,
		    path);
	return 0;
}

int
config_read(struct config *c, const char *path, int is_system, struct err *e)
{
	struct parser p;
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int fd, r = -1;

	/* not O_NOFOLLOW: dotfiles are often symlinks; the checks are on
	 * the opened file. O_NONBLOCK: a FIFO must not hang us. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1) {
		if (errno == ENOENT || errno == ENOTDIR ||
		    (is_system && errno == EACCES))
			return err_set(e, ERR_NOINPUT, "%s: %s", path,
			    strerror(errno));
		return err_set(e, ERR_CONFIG, "%s: %s", path, strerror(errno));
	}
	if (fstat(fd, &st) == -1) {
		err_set(e, ERR_CONFIG, "%s: %s", path, strerror(errno));
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(e, ERR_CONFIG, "%s: not a regular file", path);
		goto done;
	}
	if (read_all(fd, path, &buf, &len, e) < 0)
		goto done;
	memset(&p, 0, sizeof(p));
	p.c = c;
	p.file = path;
	r = parse(&p, buf, len, e);
	if (r == 0 && p.secret)
		r = check_perms(&st, path, is_system, e);
done:
	if (buf != NULL) {
		wipe(buf, len);
		free(buf);
	}
	close(fd);
	return r;
}

/* ------------------------------------------------------------ lookup */

/* msmtp: a from holding *, ? or [ is a pattern; case is ignored. */
static int
from_matches(const char *pat, const char *addr)
{
	char *lp, *la, *s;
	int r;

	if (strpbrk(pat, "*?[") == NULL)
		return ascii_casecmp(pat, addr) == 0;
	lp = xstrdup(pat);
	la = xstrdup(addr);
	for (s = lp; *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
	for (s = la; *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
	r = fnmatch(lp, la, 0) == 0;
	free(lp);
	free(la);
	return r;
}

static const struct account *
by_from(const struct config *c, const char *addr)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->v[i].a->from != NULL &&
		    from_matches(c->v[i].a->from, addr))
			return c->v[i].a;
	return NULL;
}

const struct account *
config_account_by_from(const struct config *c, const char *addr)
{
	const struct account *a;
	const char *at, *plus;
	char *base;

	if ((a = by_from(c, addr)) != NULL)
		return a;
	/* a subaddress user+detail@dom matches the account of user@dom */
	if ((at = strrchr(addr, '@')) == NULL)
		at = addr + strlen(addr);
	if ((plus = memchr(addr, '+', (size_t)(at - addr))) == NULL)
		return NULL;
	base = xasprintf("%.*s%s", (int)(plus - addr), addr, at);
	a = by_from(c, base);
	free(base);
	return a;
}

/* ------------------------------------------------------------ rules */

int
account_tls(const struct account *a)
{
	if (!a->set[KW_TLS] && (a->socket != NULL ||
	    (a->host != NULL && net_is_loopback(a->host))))
		return SET_OFF;
	return a->tls;
}

int
account_port(const struct account *a)
{
	if (a->port != 0)
		return a->port;
	if (a->protocol == PROTO_LMTP)
		return 0;	/* account_check() refuses this */
	if (!account_tls(a))
		return 25;
	return a->tls_starttls ? 587 : 465;
}

/* "file:line: " of a, or "" when it came from the command line. */
static const char *
origin(const struct account *a, char *buf, size_t cap)
{
	if (a->file == NULL)
		return "";
	snprintf(buf, cap, "%s:%d: ", a->file, a->line);
	return buf;
}

int
account_check(const struct account *a, struct err *e)
{
	const char *name = a->name != NULL ? a->name : "(command line)";
	char o[ERR_MSG_MAX / 2];
	const char *w = origin(a, o, sizeof(o));
	int tls = account_tls(a);

	if (a->host == NULL && a->socket == NULL)
		return err_set(e, ERR_CONFIG, "%sno host given: set 'host' in "
		    "account %s", w, name);
	if (a->protocol == PROTO_LMTP && a->port == 0 && a->socket == NULL)
		return err_set(e, ERR_CONFIG, "%sLMTP has no default port: set "
		    "'port' in account %s", w, name);
	if (a->auth != NULL && strcmp(a->auth, "ntlm") == 0)
		return err_set(e, ERR_CONFIG, "%s'auth ntlm' is not supported "
		    "yet", w);
	if (a->auth != NULL && !tls)
		return err_set(e, ERR_CONFIG, "%sauthentication needs TLS: set "
		    "'tls on' (outbox never sends credentials in the clear)", w);
	if (tls && a->tls_starttls && a->port == 465)
		return err_set(e, ERR_CONFIG, "%sport 465 is for implicit TLS: "
		    "set 'tls_starttls off'", w);
	if (tls && a->tls_certcheck && a->tls_fingerprint == NULL &&
	    a->tls_trust_file != NULL && a->tls_trust_file[0] == '\0')
		return err_set(e, ERR_CONFIG, "%s'tls_trust_file' is empty, so "
		    "no certificate can be verified: set 'tls_fingerprint' or "
		    "'tls_trust_file system'", w);
	if ((a->tls_key_file == NULL) != (a->tls_cert_file == NULL))
		return err_set(e, ERR_CONFIG, "%s'tls_key_file' and "
		    "'tls_cert_file' go together: set both", w);
	return 0;
}

