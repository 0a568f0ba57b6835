/*
 * account.c - from configuration files to the account in use: the lookup
 * order of outboxrc(5), the choice of the account, the command-line
 * overrides, and the envelope sender with msmtp's substitutions.
 */
#include "autoconfig.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "config.h"
#include "idn.h"
#include "limits.h"
#include "message.h"
#include "net.h"
#include "run.h"
#include "util.h"

static int ehlo_domain(struct account *, struct err *);

static const char *
home_dir(void)
{
	const char *h = getenv("HOME");
	struct passwd *pw;

	if (h != NULL && *h != '\0')
		return h;
	pw = getpwuid(getuid());
	return pw != NULL ? pw->pw_dir : "/";
}

/* Read path if it exists: 1 read, 0 missing, -1 error. */
static int
read_if_exists(struct config *c, const char *path, int is_system, struct err *e)
{
	if (config_read(c, path, is_system, e) == 0)
		return 1;
	if (e->kind == ERR_NOINPUT) {
		err_clear(e);
		return 0;
	}
	return -1;
}

/* The lookup order of outboxrc(5): the system file as the base, then the
 * first user file found (or exactly -C FILE). */
int
run_load_config(struct run *r, struct err *e)
{
	const char *home = home_dir(), *xdg = getenv("XDG_CONFIG_HOME");
	char *xdgdir, *user[4];
	int found = 0, rc, i;

	r->cfg = config_new();
	rc = read_if_exists(r->cfg, SYSCONFDIR "/outboxrc", 1, e);
	if (rc == 0)
		rc = read_if_exists(r->cfg, "/etc/msmtprc", 1, e);
	if (rc < 0)
		return -1;
	if (r->opt.config_file != NULL) {
		if (config_read(r->cfg, r->opt.config_file, 0, e) < 0) {
			if (e->kind == ERR_NOINPUT)
				e->kind = ERR_CONFIG;
			return -1;
		}
		return 0;
	}
	xdgdir = xdg != NULL && *xdg == '/' ? xstrdup(xdg) :
	    xasprintf("%s/.config", home);
	user[0] = xasprintf("%s/outbox/config", xdgdir);
	user[1] = xasprintf("%s/.outboxrc", home);
	user[2] = xasprintf("%s/.msmtprc", home);
	user[3] = xasprintf("%s/msmtp/config", xdgdir);
	for (i = 0, rc = 0; i < 4 && rc == 0; i++)
		if ((rc = read_if_exists(r->cfg, user[i], 0, e)) > 0)
			found = 1;
	for (i = 0; i < 4; i++)
		free(user[i]);
	free(xdgdir);
	(void)found;
	return rc < 0 ? -1 : 0;
}

static int
has_override(const struct options *o, enum kw kw)
{
	size_t i;

	for (i = 0; i < o->nov; i++)
		if (o->ov[i].kw == kw)
			return 1;
	return 0;
}

/* -a, else the account whose from matches -f, else "default"; with no
 * account at all, --host on the command line works from the defaults. */
int
run_pick_account(struct run *r, struct err *e)
{
	const struct account *a = NULL;
	size_t i;

	if (r->opt.account != NULL) {
		if ((a = config_account(r->cfg, r->opt.account)) == NULL)
			return err_set(e, ERR_CONFIG, "account %s not found",
			    r->opt.account);
	} else {
		if (r->opt.from != NULL)
			a = config_account_by_from(r->cfg, r->opt.from);
		if (a == NULL)
			a = config_account(r->cfg, "default");
		if (a == NULL && !has_override(&r->opt, KW_HOST) &&
		    !has_override(&r->opt, KW_SOCKET))
			return err_set(e, ERR_CONFIG, "no account chosen and no "
			    "default account (use -a, 'account default : NAME', "
			    "or --host)");
		if (a == NULL)
			a = config_defaults(r->cfg);
	}
	r->acct = account_dup(a);
	for (i = 0; i < r->opt.nov; i++)
		if (account_set(r->acct, r->opt.ov[i].kw, r->opt.ov[i].value,
		    r->opt.ov[i].where, e) < 0)
			return -1;
	return ehlo_domain(r->acct, e);
}

static char *
mail_domain(void)
{
	char buf[256];
	FILE *f = fopen("/etc/mailname", "r");

	if (f != NULL) {
		if (fgets(buf, sizeof(buf), f) != NULL) {
			buf[strcspn(buf, "\r\n")] = '\0';
			if (buf[0] != '\0') {
				fclose(f);
				return xstrdup(buf);
			}
		}
		fclose(f);
	}
	net_hostname(buf, sizeof(buf));
	return xstrdup(buf);
}

/* The first of the environment variables a and b that is set and not
 * empty, or NULL. */
static const char *
env2(const char *a, const char *b)
{
	const char *v = getenv(a);

	if (v == NULL || *v == '\0')
		v = b != NULL ? getenv(b) : NULL;
	return v != NULL && *v != '\0' ? v : NULL;
}

/* One substitution of msmtp's (%U only when user is set); caller frees;
 * NULL for an unknown letter. */
static char *
substitute(char c, int user)
{
	const char *v;
	struct passwd *pw;
	char host[256];

	switch (c) {
	case 'U':
		if (!user)
			return NULL;
		if ((v = env2("USER", "LOGNAME")) != NULL)
			return xstrdup(v);
		pw = getpwuid(getuid());
		return xstrdup(pw != NULL ? pw->pw_name : "unknown");
	case 'H':
		if ((v = env2("HOSTNAME", NULL)) != NULL)
			return xstrdup(v);
		if (gethostname(host, sizeof(host)) != 0)
			snprintf(host, sizeof(host), "localhost");
		host[sizeof(host) - 1] = '\0';
		return xstrdup(host);
	case 'C':
		net_hostname(host, sizeof(host));
		return xstrdup(host);
	case 'M':
		return mail_domain();
	case '%':
		return xstrdup("%");
	default:
		return NULL;
	}
}

/* msmtp's substitutions: %U user ($USER, $LOGNAME, the login name; in
 * `from` only), %H host ($HOSTNAME or the host name), %C the canonical
 * host name, %M the mail domain (/etc/mailname), %% a percent sign; any
 * other %x stays as it is. Caller frees. */
static char *
expand_pattern(const char *tmpl, int user)
{
	char *out = xstrdup(""), *piece, *tmp;
	const char *p;

	for (p = tmpl; *p != '\0'; p++) {
		piece = NULL;
		if (*p == '%' && p[1] != '\0' &&
		    (piece = substitute(p[1], user)) != NULL)
			p++;
		tmp = piece != NULL ? xasprintf("%s%s", out, piece) :
		    xasprintf("%s%c", out, *p);
		free(out);
		free(piece);
		out = tmp;
	}
	return out;
}

/* An EHLO domain: an address literal, or labels of letters, digits,
 * hyphens (and the underscores some host names have), 1-63 octets. */
static int
ehlo_domain_ok(const char *d)
{
	size_t len = strlen(d), label = 0, i;

	if (len == 0 || len > ADDR_DOMAIN_MAX || has_ctl(d, len))
		return 0;
	if (d[0] == '[')
		return len > 2 && d[len - 1] == ']' &&
		    strpbrk(d + 1, "[\\ ") == NULL &&
		    strchr(d + 1, ']') == d + len - 1;
	for (i = 0; i < len; i++) {
		if (d[i] == '.') {
			if (label == 0 || d[i - 1] == '-')
				return 0;
			label = 0;
		} else if ((d[i] >= 'a' && d[i] <= 'z') || d[i] == '_' ||
		    (d[i] >= 'A' && d[i] <= 'Z') || (d[i] >= '0' && d[i] <= '9') ||
		    (d[i] == '-' && label > 0)) {
			if (++label > 63)
				return 0;
		} else {
			return 0;
		}
	}
	return label > 0 && d[len - 1] != '-';
}

/* The EHLO domain into a->domain: the account's with msmtp's %H %C %M
 * substitutions, as A-labels, checked (78 when wrong); by default this
 * host's name, or "localhost" when that name is no valid domain. */
static int
ehlo_domain(struct account *a, struct err *e)
{
	char host[256], *x, *ascii;

	if (a->domain == NULL) {
		net_hostname(host, sizeof(host));
		a->domain = xstrdup(ehlo_domain_ok(host) ? host : "localhost");
		return 0;
	}
	x = expand_pattern(a->domain, 0);
	if (idn_to_ascii(x, &ascii, ERR_CONFIG, e) < 0) {
		free(x);
		return -1;
	}
	free(x);
	if (!ehlo_domain_ok(ascii)) {
		err_set(e, ERR_CONFIG, "invalid 'domain' '%s': not a domain name "
		    "or address literal", ascii);
		free(ascii);
		return -1;
	}
	free(a->domain);
	a->domain = ascii;
	return 0;
}

/* A single address as given by the user (or the account) into *out. */
static int
parse_address(const char *s, const char *what, enum err_kind kind, char **out,
    struct err *e)
{
	char buf[ADDR_MAX + 1], why[200];

	if (strcmp(s, "") == 0 || strcmp(s, "<>") == 0) {
		*out = xstrdup("");
		return 0;
	}
	if (addr_parse_one(s, buf, sizeof(buf), why, sizeof(why)) < 0 ||
	    addr_check_path(buf, why, sizeof(why)) < 0)
		return err_set(e, kind, "invalid %s '%s': %s", what, s, why);
	*out = xstrdup(buf);
	return 0;
}

int
run_envelope_from(struct run *r, struct err *e)
{
	const struct account *a = r->acct;
	char *tmpl = NULL;
	/* a pattern ("*@example.org") only chooses the account */
	int pattern = a->from != NULL && strpbrk(a->from, "*?[") != NULL;
	int rc, may = a->allow_from_override || a->from == NULL || pattern;

	/* allow_from_override off: the account's from, whatever -f or
	 * --read-envelope-from say (as in msmtp) */
	if (r->opt.from != NULL && may)
		return parse_address(r->opt.from, "sender", ERR_USAGE, &r->from, e);
	if (r->opt.read_envelope_from && may) {
		if (message_header_from(r->msg, &tmpl, e) < 0)
			return -1;
		if (tmpl != NULL) {
			rc = parse_address(tmpl, "sender", ERR_DATA, &r->from, e);
			free(tmpl);
			return rc;
		}
	}
	if (a->from == NULL)
		return err_set(e, ERR_CONFIG, "no envelope sender: set 'from' "
		    "in account %s or use -f", a->name != NULL ? a->name : "default");
	if (pattern)
		return err_set(e, ERR_CONFIG, "'from %s' of account %s is a "
		    "pattern, not an address: use -f", a->from,
		    a->name != NULL ? a->name : "default");
	tmpl = expand_pattern(a->from, 1);
	rc = parse_address(tmpl, "from address", ERR_CONFIG, &r->from, e);
	free(tmpl);
	return rc;
}

/* The dead_letter setting when the run failed before an account was
 * chosen (an unreadable message, a broken configuration): the command
 * line's, else the account's or the default account's, as far as the
 * configuration could be read. Borrowed; NULL for the built-in default. */
const char *
run_dead_letter_setting(struct run *r)
{
	const struct account *a = NULL;
	struct err ignored;
	size_t i;

	if (r->acct != NULL)
		return r->acct->dead_letter;
	for (i = r->opt.nov; i > 0; i--)
		if (r->opt.ov[i - 1].kw == KW_DEAD_LETTER)
			return r->opt.ov[i - 1].value;
	if (r->cfg == NULL)
		(void)run_load_config(r, &ignored);
	if (r->opt.account != NULL)
		a = config_account(r->cfg, r->opt.account);
	if (a == NULL)
		a = config_account(r->cfg, "default");
	if (a == NULL)
		a = config_defaults(r->cfg);
	return a->dead_letter;
}

