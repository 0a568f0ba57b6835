/*
 * config.h - msmtp's configuration language, read into accounts.
 *
 * One keyword table (config.c) drives parsing, defaults, inheritance
 * ("account a : b,c"), printing the effective account (-P) and the test
 * that the man page documents every keyword.  Every msmtp keyword is
 * accepted and stored; one whose behaviour outbox does not have yet and
 * whose absence would change where or how mail goes is refused (78,
 * "not supported yet").  Errors name file:line.
 *
 * This module reads files and nothing else: it opens no sockets and
 * runs no helpers (passwordeval is run by the authentication code).
 */
#ifndef OUTBOX_CONFIG_H
#define OUTBOX_CONFIG_H

#include <stddef.h>
#include "status.h"

/* Keyword identifiers: the index of a keyword's entry in the table.
 * Every msmtp keyword, then outbox's own. */
enum kw {
	KW_HOST, KW_PORT, KW_SOURCE_IP, KW_PROXY_HOST, KW_PROXY_PORT, KW_SOCKET,
	KW_TIMEOUT, KW_PROTOCOL, KW_DOMAIN,
	KW_AUTH, KW_USER, KW_PASSWORD, KW_PASSWORDEVAL, KW_NTLMDOMAIN,
	KW_TLS, KW_TLS_STARTTLS, KW_TLS_TRUST_FILE, KW_TLS_CRL_FILE,
	KW_TLS_FINGERPRINT, KW_TLS_KEY_FILE, KW_TLS_CERT_FILE, KW_TLS_CERTCHECK,
	KW_TLS_PRIORITIES, KW_TLS_HOST_OVERRIDE, KW_TLS_MIN_DH_PRIME_BITS,
	KW_FROM, KW_FROM_FULL_NAME, KW_ALLOW_FROM_OVERRIDE,
	KW_DSN_NOTIFY, KW_DSN_RETURN,
	KW_SET_FROM_HEADER, KW_SET_DATE_HEADER, KW_SET_MSGID_HEADER,
	KW_REMOVE_BCC_HEADERS, KW_UNDISCLOSED_RECIPIENTS,
	KW_LOGFILE, KW_LOGFILE_TIME_FORMAT, KW_SYSLOG, KW_ALIASES,
	KW_AUTO_FROM, KW_MAILDOMAIN,
	/* outbox's own */
	KW_DEAD_LETTER, KW_DEADLINE, KW_TLS_PIN, KW_TLS_MIN_VERSION,
	KW_QUALIFY_DOMAIN, KW_LOG_FORMAT, KW_DSN_REQUIRED, KW_SET_TO_HEADER,
	KW_COUNT
};

/* Tri-state and enumerated values. */
enum setting { SET_AUTO = -1, SET_OFF = 0, SET_ON = 1 };
enum protocol { PROTO_SMTP, PROTO_LMTP };

struct account {
	char	*name;
	/* where: file and line that defined the account, for messages */
	char	*file;
	int	line;
	unsigned char set[KW_COUNT];	/* 1 where the keyword was written */

	char	*host;
	int	port;			/* 0: default from tls/tls_starttls */
	char	*source_ip;
	char	*proxy_host;
	int	proxy_port;		/* 0: 1080 */
	char	*socket;
	long	timeout;		/* seconds; 0 = RFC 5321 defaults ("off") */
	enum protocol protocol;
	char	*domain;		/* EHLO; NULL = the host's name */

	char	*auth;			/* NULL = off, "on", or a mechanism */
	char	*user;
	char	*password;		/* secret: wiped by account_free() */
	char	*passwordeval;
	char	*ntlmdomain;

	int	tls;			/* SET_ON/SET_OFF (default on) */
	int	tls_starttls;		/* SET_ON/SET_OFF (default on) */
	char	*tls_trust_file;	/* "system" (default) or a file */
	char	*tls_crl_file;
	char	*tls_fingerprint;
	char	*tls_key_file;
	char	*tls_cert_file;
	int	tls_certcheck;		/* default on */
	char	*tls_priorities;
	char	*tls_host_override;
	int	tls_min_dh_prime_bits;
	char	*tls_pin;
	char	*tls_min_version;

	char	*from;			/* envelope-from, may hold %U %H %C %M */
	char	*from_full_name;
	int	allow_from_override;	/* default on */
	char	*dsn_notify;		/* NULL = off */
	char	*dsn_return;		/* NULL = off */
	int	dsn_required;
	int	set_from_header;	/* SET_AUTO (default), SET_ON, SET_OFF */
	int	set_date_header;	/* SET_AUTO (default), SET_OFF */
	int	set_msgid_header;	/* SET_AUTO (default), SET_OFF */
	int	set_to_header;		/* SET_AUTO (default), SET_OFF */
	int	remove_bcc_headers;	/* default on */
	int	undisclosed_recipients;	/* default off */

	char	*logfile;
	char	*logfile_time_format;
	char	*log_format;		/* "text" (default) or "json" */
	char	*syslog;		/* NULL = off, or a facility */
	char	*aliases;
	int	auto_from;		/* obsolete msmtp keyword, stored */
	char	*maildomain;		/* obsolete msmtp keyword, stored */
	char	*qualify_domain;

	char	*dead_letter;		/* NULL = default; "none" disables */
	long	deadline;		/* seconds for the whole run */
	/* Secret-holding keywords came from a file that was checked. */
	int	has_secret;
};

struct config;

/* An empty configuration with only the built-in defaults. */
struct config *config_new(void);
void config_free(struct config *c);

/* Read file path into c (accounts of later files override earlier
 * ones with the same name). is_system: the system-wide file (secret
 * check: not world-readable; user file: owned by us, mode 0600 or
 * stricter, checked on the opened descriptor). A missing file is
 * ERR_NOINPUT so the caller can try the next one. */
int config_read(struct config *c, const char *path, int is_system, struct err *e);

/* Parse one configuration from memory (tests and fuzzing); name is used
 * in messages as the file name. No permission checks. */
int config_parse_buffer(struct config *c, const char *name, const char *buf,
    size_t len, struct err *e);

/* The account called name, or NULL. "default" follows "account default : x". */
const struct account *config_account(const struct config *c, const char *name);
/* The first account whose from matches addr by msmtp's rules (wildcards
 * * and ? as in fnmatch, case-insensitive), or NULL. */
const struct account *config_account_by_from(const struct config *c, const char *addr);
/* The values of the defaults section as an account (never NULL). */
const struct account *config_defaults(const struct config *c);

/* A deep copy of a; caller frees with account_free(). */
struct account *account_dup(const struct account *a);
/* Free a and wipe its secrets; NULL is fine. */
void account_free(struct account *a);

/* Set keyword kw of a from its string value as written in a file or
 * on the command line (--host=...); where names the origin for errors
 * ("--host" or "file:12"). */
int account_set(struct account *a, enum kw kw, const char *value,
    const char *where, struct err *e);

/* Check an account is complete and safe before it is used: a host or
 * socket, TLS rules of CONTRACT 3 (auth without TLS is ERR_CONFIG naming
 * the keyword to set), keywords not supported yet. */
int account_check(const struct account *a, struct err *e);

/* Keyword table access, for -P, --help and the documentation test. */
size_t config_keyword_count(void);
const char *config_keyword_name(size_t i);
/* Write "keyword = value" lines for a (secrets masked) to stdout. */
void account_print(const struct account *a);

/* The effective port: port if set, else 465 for implicit TLS, 587 for
 * STARTTLS, 25 without TLS (24 for LMTP over TCP? no: LMTP needs port). */
int account_port(const struct account *a);
/* The effective TLS: the loopback/socket exception of CONTRACT 3 applied. */
int account_tls(const struct account *a);

#endif
