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
#include "message.h"
#include "net.h"
#include "run.h"
#include "util.h"

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
	return 0;
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

/* msmtp's substitutions in `from`: %U user, %H host, %C canonical host,
 * %M mail domain, %% a percent sign. Caller frees. */
static char *
expand_from(const char *tmpl)
{
	char *out = xstrdup(""), *piece, *tmp, host[256];
	struct passwd *pw;
	const char *p;

	for (p = tmpl; *p != '\0'; p++) {
		if (*p != '%' || p[1] == '\0') {
			piece = xstrndup(p, 1);
		} else switch (*++p) {
		case 'U':
			pw = getpwuid(getuid());
			piece = xstrdup(pw != NULL ? pw->pw_name : "unknown");
			break;
		case 'H':
			if (gethostname(host, sizeof(host)) != 0)
				strcpy(host, "localhost");
			host[sizeof(host) - 1] = '\0';
			piece = xstrdup(host);
			break;
		case 'C':
			net_hostname(host, sizeof(host));
			piece = xstrdup(host);
			break;
		case 'M':
			piece = mail_domain();
			break;
		case '%':
			piece = xstrdup("%");
			break;
		default:
			piece = xasprintf("%%%c", *p);
			break;
		}
		tmp = xasprintf("%s%s", out, piece);
		free(out);
		free(piece);
		out = tmp;
	}
	return out;
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
	int rc;

	if (r->opt.from != NULL && (a->allow_from_override || a->from == NULL))
		return parse_address(r->opt.from, "sender", ERR_USAGE, &r->from, e);
	if (r->opt.read_envelope_from) {
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
	tmpl = expand_from(a->from);
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

