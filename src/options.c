/*
 * options.c - the command line of a sendmail replacement.
 *
 * No I/O here: argv goes in, a struct options (or one ERR_USAGE line)
 * comes out.  The short options are sendmail's as Postfix documents
 * them; the long ones are msmtp's.  Values are borrowed from argv.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "util.h"

/* Short options that take a value (attached, or the next argument). */
static const char short_with_value[] = "aCfrFNRVBboXhLOAepq";
/* Short options without a value. */
static const char short_flags[] = "tivdPSnmGUIcx";
/* Those of both that are accepted and ignored: they tune a local MTA
 * (hop counts, aliasing, logging tags, daemon behaviour). */
static const char short_ignored[] = "hLOAepnmGUIcx";
/* -b modes: those outbox has, and those it refuses (a daemon's). */
static const char b_modes[] = "mpisv";
static const char b_refused[] = "dlhH";

/* Long options that are not configuration keywords. */
enum special {
	SP_VERSION, SP_HELP, SP_PRETEND, SP_DEBUG, SP_SERVERINFO, SP_FILE,
	SP_ACCOUNT, SP_FROM, SP_READ_RCPTS, SP_READ_FROM, SP_DRY_RUN,
	SP_ALLOW_PARTIAL, SP_UNSUPPORTED, SP_LIST_OPTIONS, SP_LIST_KEYWORDS,
};

struct long_opt {
	const char	*name;
	enum special	sp;
	int		has_value;	/* 0 none, 1 required */
};

static const struct long_opt long_opts[] = {
	{ "version",		SP_VERSION,	0 },
	{ "help",		SP_HELP,	0 },
	{ "pretend",		SP_PRETEND,	0 },
	{ "debug",		SP_DEBUG,	0 },
	{ "serverinfo",		SP_SERVERINFO,	0 },
	{ "file",		SP_FILE,	1 },
	{ "account",		SP_ACCOUNT,	1 },
	{ "from",		SP_FROM,	1 },
	{ "read-recipients",	SP_READ_RCPTS,	0 },
	{ "read-envelope-from",	SP_READ_FROM,	0 },
	{ "dry-run",		SP_DRY_RUN,	0 },
	{ "allow-partial",	SP_ALLOW_PARTIAL, 0 },
	{ "configure",		SP_UNSUPPORTED,	1 },
	{ "rmqs",		SP_UNSUPPORTED,	1 },
	{ "list-options",	SP_LIST_OPTIONS, 0 },
	{ "list-keywords",	SP_LIST_KEYWORDS, 0 },
};

/* Keyword options whose value may be left out (msmtp's "--tls[=on]"). */
static const char *const optional_value[] = {
	"tls", "tls-starttls", "tls-certcheck", "auth", "syslog",
	"set-from-header", "set-date-header", "set-msgid-header",
	"remove-bcc-headers", "undisclosed-recipients", "auto-from",
	"dsn-required", NULL,
};

static void
add_override(struct options *o, enum kw kw, const char *value, const char *where)
{
	o->ov = xrealloc(o->ov, (o->nov + 1) * sizeof(*o->ov));
	o->ov[o->nov].kw = kw;
	o->ov[o->nov].value = value;
	o->ov[o->nov].where = where;
	o->nov++;
}

/* The keyword a long option names ("tls-trust-file"), or -1. */
static int
keyword_for(const char *name, size_t len)
{
	char buf[64];
	size_t i;

	if (len >= sizeof(buf))
		return -1;
	for (i = 0; i < len; i++)
		buf[i] = name[i] == '-' ? '_' : name[i];
	buf[len] = '\0';
	/* Never a password on the command line: it would show in ps(1). */
	if (strcmp(buf, "password") == 0)
		return -1;
	/* the table's first KW_COUNT entries are the keywords; the rest
	 * (old names, refused words) are for configuration files only */
	for (i = 0; i < KW_COUNT && i < config_keyword_count(); i++)
		if (strcmp(config_keyword_name(i), buf) == 0)
			return (int)i;
	return -1;
}

static int
is_optional_value(const char *name, size_t len)
{
	size_t i;

	for (i = 0; optional_value[i] != NULL; i++)
		if (strlen(optional_value[i]) == len &&
		    strncmp(optional_value[i], name, len) == 0)
			return 1;
	return 0;
}

static int
apply_special(struct options *o, enum special sp, const char *arg,
    const char *opt, struct err *e)
{
	switch (sp) {
	case SP_VERSION:	o->mode = MODE_VERSION; break;
	case SP_HELP:		o->mode = MODE_HELP; break;
	case SP_PRETEND:	o->mode = MODE_PRETEND; break;
	case SP_SERVERINFO:	o->mode = MODE_SERVERINFO; break;
	case SP_DEBUG:		o->verbose++; break;
	case SP_FILE:		o->config_file = arg; break;
	case SP_ACCOUNT:	o->account = arg; break;
	case SP_FROM:		o->from = arg; break;
	case SP_READ_RCPTS:	o->read_rcpts = 1; break;
	case SP_READ_FROM:	o->read_envelope_from = 1; break;
	case SP_DRY_RUN:	o->dry_run = 1; break;
	case SP_ALLOW_PARTIAL:	o->allow_partial = 1; break;
	case SP_UNSUPPORTED:
		return err_set(e, ERR_USAGE, "option --%s is not supported", opt);
	case SP_LIST_OPTIONS:	o->mode = MODE_LIST_OPTIONS; break;
	case SP_LIST_KEYWORDS:	o->mode = MODE_LIST_KEYWORDS; break;
	}
	return 0;
}

/* One "--name[=value]" argument; may consume argv[*i + 1]. */
static int
parse_long(struct options *o, int argc, char **argv, int *i, struct err *e)
{
	const char *name = argv[*i] + 2, *eq = strchr(name, '=');
	size_t len = eq != NULL ? (size_t)(eq - name) : strlen(name);
	const char *value = eq != NULL ? eq + 1 : NULL;
	size_t k;
	int kw;

	for (k = 0; k < sizeof(long_opts) / sizeof(long_opts[0]); k++) {
		const struct long_opt *lo = &long_opts[k];

		if (strlen(lo->name) != len || strncmp(lo->name, name, len) != 0)
			continue;
		if (!lo->has_value && value != NULL)
			return err_set(e, ERR_USAGE,
			    "option --%s takes no value", lo->name);
		if (lo->has_value && value == NULL) {
			if (*i + 1 >= argc)
				return err_set(e, ERR_USAGE,
				    "option --%s needs a value", lo->name);
			value = argv[++*i];
		}
		return apply_special(o, lo->sp, value, lo->name, e);
	}
	if ((kw = keyword_for(name, len)) < 0)
		return err_set(e, ERR_USAGE, "unknown option --%.*s", (int)len, name);
	if (value == NULL && !is_optional_value(name, len)) {
		if (*i + 1 >= argc)
			return err_set(e, ERR_USAGE, "option --%.*s needs a value",
			    (int)len, name);
		value = argv[++*i];
	}
	add_override(o, (enum kw)kw, value != NULL ? value : "", argv[*i]);
	return 0;
}

/* -b MODE */
static int
apply_b(struct options *o, const char *v, struct err *e)
{
	if (strlen(v) != 1 || (strchr(b_modes, *v) == NULL &&
	    strchr(b_refused, *v) == NULL))
		return err_set(e, ERR_USAGE, "unknown mode -b%s", v);
	if (strcmp(v, "m") == 0)
		o->mode = MODE_SEND;
	else if (strcmp(v, "p") == 0)
		o->mode = MODE_QUEUE_LIST;
	else if (strcmp(v, "i") == 0)
		o->mode = MODE_NEWALIASES;
	else if (strcmp(v, "s") == 0)
		o->mode = MODE_SMTP_SERVER;
	else if (strcmp(v, "v") == 0)
		o->mode = MODE_VERIFY;
	else if (strcmp(v, "d") == 0 || strcmp(v, "l") == 0 ||
	    strcmp(v, "h") == 0 || strcmp(v, "H") == 0)
		return err_set(e, ERR_USAGE,
		    "-b%s: outbox is a submission client, not a mail server", v);
	else
		return err_set(e, ERR_USAGE, "unknown mode -b%s", v);
	return 0;
}

/* A short option c with its value v (NULL for flags). */
static int
apply_short(struct options *o, char c, const char *v, struct err *e)
{
	switch (c) {
	case 't': o->read_rcpts = 1; break;
	case 'i': o->dot_ends = 0; break;
	case 'v': case 'd': o->verbose++; break;
	case 'P': o->mode = MODE_PRETEND; break;
	case 'S': o->mode = MODE_SERVERINFO; break;
	case 'a': o->account = v; break;
	case 'C': o->config_file = v; break;
	case 'f': case 'r': o->from = v; break;
	case 'F': o->full_name = v; break;
	case 'N': add_override(o, KW_DSN_NOTIFY, v, "-N"); break;
	case 'R':
		/* Postfix and mutt say "hdrs" where msmtp says "headers" */
		add_override(o, KW_DSN_RETURN, strcmp(v, "hdrs") == 0 ?
		    "headers" : v, "-R");
		break;
	case 'V': o->envid = v; break;
	case 'B': o->body_type = v; break;
	case 'X': add_override(o, KW_LOGFILE, v, "-X"); break;
	case 'b': return apply_b(o, v, e);
	case 'q': o->mode = MODE_QUEUE_RUN; break;
	case 'o':
		/* -oi is -i; every other -o option is sendmail.cf tuning
		 * that means nothing to a submission client. */
		if (strcmp(v, "i") == 0)
			o->dot_ends = 0;
		break;
	default:
		/* -n -m -G -U -I -c -x -h -L -O -A -e -p: accepted, ignored */
		if (strchr(short_ignored, c) == NULL)
			return err_set(e, ERR_SOFTWARE, "option -%c has no "
			    "meaning", c);
		break;
	}
	return 0;
}

/* One "-xyz" cluster; may consume argv[*i + 1]. */
static int
parse_short(struct options *o, int argc, char **argv, int *i, struct err *e)
{
	const char *p = argv[*i] + 1;

	/* Postfix's -XV (verbose logging) is not msmtp's -X FILE. */
	if (strcmp(p, "XV") == 0)
		return 0;
	for (; *p != '\0'; p++) {
		const char *v;

		if (strchr(short_flags, *p) != NULL) {
			if (apply_short(o, *p, NULL, e) < 0)
				return -1;
			continue;
		}
		if (strchr(short_with_value, *p) == NULL)
			return err_set(e, ERR_USAGE, "unknown option -%c", *p);
		if (p[1] != '\0')
			v = p + 1;
		else if (*p == 'q')
			v = "";		/* -q alone: its value is optional */
		else if (*i + 1 < argc)
			v = argv[++*i];
		else
			return err_set(e, ERR_USAGE, "option -%c needs a value", *p);
		return apply_short(o, *p, v, e);
	}
	return 0;
}

static int
check_values(const struct options *o, struct err *e)
{
	size_t i;

	for (i = 0; i < o->nrcpt; i++)
		if (has_ctl(o->rcpt[i], strlen(o->rcpt[i])))
			return err_set(e, ERR_USAGE,
			    "recipient %zu contains a control character", i + 1);
	for (i = 0; i < o->nov; i++)
		if (has_ctl(o->ov[i].value, strlen(o->ov[i].value)))
			return err_set(e, ERR_USAGE,
			    "%s: value contains a control character", o->ov[i].where);
	if ((o->from != NULL && has_ctl(o->from, strlen(o->from))) ||
	    (o->full_name != NULL && has_ctl(o->full_name, strlen(o->full_name))) ||
	    (o->envid != NULL && has_ctl(o->envid, strlen(o->envid))))
		return err_set(e, ERR_USAGE,
		    "a sender, name or envelope id contains a control character");
	return 0;
}

int
options_parse(struct options *o, const char *progname, int argc, char **argv,
    struct err *e)
{
	int i, rest = 0;

	memset(o, 0, sizeof(*o));
	o->dot_ends = 1;
	if (strcmp(progname, "mailq") == 0)
		o->mode = MODE_QUEUE_LIST;
	else if (strcmp(progname, "newaliases") == 0)
		o->mode = MODE_NEWALIASES;
	o->rcpt = xcalloc((size_t)argc + 1, sizeof(*o->rcpt));
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		int r = 0;

		if (rest || a[0] != '-' || a[1] == '\0')
			o->rcpt[o->nrcpt++] = a;
		else if (strcmp(a, "--") == 0)
			rest = 1;
		else if (a[1] == '-')
			r = parse_long(o, argc, argv, &i, e);
		else
			r = parse_short(o, argc, argv, &i, e);
		if (r < 0)
			return -1;
	}
	return check_values(o, e);
}

void
options_free(struct options *o)
{
	free(o->rcpt);
	free(o->ov);
	o->rcpt = NULL;
	o->ov = NULL;
}

void
options_usage(void)
{
	fputs(
"Usage: outbox [options] [--] recipient...\n"
"Send the message on standard input through the account's smarthost.\n"
"\n"
"Sendmail options:\n"
"  -t                 also take recipients from To, Cc and Bcc\n"
"  -i, -oi            a line holding only \".\" does not end the message\n"
"  -f ADDR, -r ADDR   envelope sender\n"
"  -F NAME            full name for an added From header\n"
"  -N DSN, -R RET, -V ENVID, -B TYPE\n"
"                     delivery status notification and body type\n"
"  -bm                send (the default)\n"
"  -bs                speak SMTP on standard input and output\n"
"  -bv                verify the recipients with the smarthost, send nothing\n"
"  -bp, -q            the queue (empty)\n"
"  -bi                nothing to rebuild (there is no aliases database)\n"
"  -X FILE            log file\n"
"  -v, -d, --debug    print the session (secrets redacted)\n"
"  accepted and ignored (they tune a local MTA):\n"
"    -o... (but -oi), -e, -h, -L, -XV, -n, -A, -m, -G, -U, -I, -O, -c, -x, -p\n"
"  refused (a mail server's modes): -bd, -bl, -bh, -bH\n"
"\n"
"General options:\n"
"  -C FILE, --file=FILE       configuration file\n"
"  -a NAME, --account=NAME    account to use\n"
"  -P, --pretend              print the effective account and exit\n"
"  -S, --serverinfo           print what the server offers\n"
"  --read-recipients          as -t\n"
"  --read-envelope-from       envelope sender from the From header\n"
"  --from=ADDR                as -f\n"
"  --dry-run                  print what would be sent, send nothing\n"
"  --allow-partial            deliver to the recipients accepted\n"
"  --version, --help\n"
"  --list-options, --list-keywords   the parser's tables (for tests)\n"
"  refused (msmtp's): --configure, --rmqs\n"
"\n"
"Every configuration keyword is also an option, with '-' for '_':\n"
"  --host=HOST --port=N --tls[=on|off] --tls-starttls[=on|off]\n"
"  --tls-trust-file=FILE --auth[=on|off|METHOD] --user=NAME --timeout=N\n"
"  --domain=NAME --logfile=FILE --syslog[=on|off|FACILITY] ...\n"
"  (never --password: use passwordeval or ~/.netrc)\n"
"\n"
"See outbox(1) and outboxrc(5).\n", stdout);
}

void
options_list(void)
{
	const char *p;
	size_t k;

	/* option, status, and whether it takes a value in the next
	 * argument (-q's is optional and must be attached) */
	for (p = short_flags; *p != '\0'; p++)
		printf("-%c\t%s\t-\n", *p, strchr(short_ignored, *p) != NULL ?
		    "ignored" : "implemented");
	for (p = short_with_value; *p != '\0'; p++)
		if (*p != 'b' && *p != 'o')
			printf("-%c\t%s\t%s\n", *p, strchr(short_ignored, *p) !=
			    NULL ? "ignored" : "implemented",
			    *p == 'q' ? "-" : "value");
	for (p = b_modes; *p != '\0'; p++)
		printf("-b%c\timplemented\t-\n", *p);
	for (p = b_refused; *p != '\0'; p++)
		printf("-b%c\trefused\t-\n", *p);
	printf("-oi\timplemented\t-\n-o\tignored\t-\n-XV\tignored\t-\n");
	for (k = 0; k < sizeof(long_opts) / sizeof(long_opts[0]); k++)
		printf("--%s\t%s\t%s\n", long_opts[k].name,
		    long_opts[k].sp == SP_UNSUPPORTED ? "refused" :
		    "implemented", long_opts[k].has_value ? "value" : "-");
}

void
options_list_keywords(void)
{
	size_t i;

	for (i = 0; i < KW_COUNT && i < config_keyword_count(); i++)
		printf("%s\n", config_keyword_name(i));
}
