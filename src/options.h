/*
 * options.h - the sendmail-compatible command line, parsed into a
 * struct options without any I/O.
 *
 * Short options follow Postfix's sendmail(1) (clusters like -ti, values
 * attached or in the next argument, -oX and -bX families); long options
 * are msmtp's, and every msmtp long option that names a configuration
 * keyword (--tls-trust-file -> tls_trust_file) is kept as an override to
 * be applied to the chosen account.  Options may follow recipients; after
 * "--" everything is a recipient.
 */
#ifndef OUTBOX_OPTIONS_H
#define OUTBOX_OPTIONS_H

#include <stddef.h>
#include "config.h"
#include "status.h"

enum mode {
	MODE_SEND,		/* -bm, the default */
	MODE_VERSION,		/* --version */
	MODE_HELP,		/* --help */
	MODE_PRETEND,		/* -P, --pretend */
	MODE_SERVERINFO,	/* -S, --serverinfo */
	MODE_QUEUE_LIST,	/* -bp, mailq */
	MODE_QUEUE_RUN,		/* -q... */
	MODE_NEWALIASES,	/* -bi, newaliases */
	MODE_SMTP_SERVER,	/* -bs: SMTP on stdin/stdout */
	MODE_VERIFY,		/* -bv: ask RCPT for each recipient, send nothing */
	MODE_LIST_OPTIONS,	/* --list-options: the option table */
	MODE_LIST_KEYWORDS,	/* --list-keywords: the keyword table */
};

struct override {
	enum kw		kw;
	const char	*value;		/* borrowed from argv, or a literal */
	const char	*where;		/* "--host", "-f", ... for messages */
};

struct options {
	enum mode	mode;
	int		read_rcpts;		/* -t */
	int		dot_ends;		/* a lone "." ends input (no -i) */
	int		verbose;		/* -v, -d, --debug */
	int		read_envelope_from;	/* --read-envelope-from */
	int		dry_run;		/* --dry-run */
	int		allow_partial;		/* --allow-partial */
	const char	*config_file;		/* -C */
	const char	*account;		/* -a */
	const char	*from;			/* -f, -r, --from */
	const char	*full_name;		/* -F */
	const char	*dsn_notify;		/* -N */
	const char	*dsn_return;		/* -R */
	const char	*envid;			/* -V */
	const char	*body_type;		/* -B */
	const char	**rcpt;			/* borrowed from argv */
	size_t		nrcpt;
	struct override	*ov;			/* keyword overrides, in order */
	size_t		nov;
};

/* Parse argv into o (zeroed first). progname selects the mode for
 * "mailq" and "newaliases". Errors are ERR_USAGE with one line. */
int options_parse(struct options *o, const char *progname, int argc,
    char **argv, struct err *e);
void options_free(struct options *o);

/* The --help text. */
void options_usage(void);
/* --list-options: every option the parser knows, one per line, with its
 * status ("implemented", "ignored" or "refused"); --list-keywords: every
 * configuration keyword that is also an option. For the documentation
 * test (tests/e2e/docs.sh). */
void options_list(void);
void options_list_keywords(void);

#endif
