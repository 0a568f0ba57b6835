/*
 * config.c - msmtp's configuration language: the keyword table, the line
 * tokenizer, defaults sections, accounts and their inheritance, the
 * checks on the file that holds a password, and the account rules of
 * CONTRACT 3 (TLS on unless the traffic stays on this machine, never
 * credentials in the clear).
 *
 * Everything a keyword is (its type, where it is stored, its default,
 * its flags) lives in one table, kwtab[]; parsing, defaults, inheritance,
 * copying, freeing and printing all walk that table.  This file reads
 * files and nothing else: no sockets, no helper processes.
 */
#include "autoconfig.h"

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "limits.h"
#include "net.h"
#include "status.h"
#include "util.h"

enum kwtype {
	T_NONE,		/* refused keyword (eval) */
	T_STR,		/* text without control characters */
	T_SECRET,	/* like T_STR, never printed, wiped */
	T_FILE,		/* file name: "~" and "~/" expanded from $HOME */
	T_ADDR,		/* a mail address (or a pattern for by-from matching) */
	T_ENUM,		/* one word of vals, stored as its string */
	T_INT,		/* int in [min, max] */
	T_LONG,		/* long in [min, max], "off" is 0 with F_OFF */
	T_BOOL,		/* on|off, an empty argument is on */
	T_TRI,		/* one word of vals, stored as its int */
};

#define F_SECRET	0x01	/* value shown as "*" */
#define F_FILENAME	0x02	/* documented as a file name */
#define F_NOT_YET	0x04	/* accepted by msmtp, refused here for now */
#define F_OBSOLETE	0x08	/* msmtp calls it obsolete or deprecated */
#define F_EMPTY_OK	0x10	/* an empty argument resets to unset */
#define F_EMPTY_KEEP	0x20	/* an empty argument is stored as "" */
#define F_OFF		0x40	/* T_LONG: "off" means 0 */
#define F_ALIAS		0x80	/* an older name of another keyword */

struct kwval {
	const char	*word;	/* as written ("" for an empty argument) */
	int		 ival;	/* T_TRI */
	const char	*sval;	/* T_ENUM: what is stored (NULL: unset) */
};

struct kwdef {
	const char	*name;
	enum kw		 kw;	/* the keyword set; KW_COUNT for none */
	enum kwtype	 type;
	size_t		 off;	/* offsetof(struct account, field) */
	unsigned	 flags;
	long		 min, max;
	const struct kwval *vals;
	/* Extra validation of a non-empty value: NULL, or what is wrong. */
	const char	*(*check)(const char *);
	long		 dnum;	/* default of a number */
	const char	*dstr;	/* default of a string */
	const char	*desc;
};

static const char *chk_host(const char *);
static const char *chk_domain(const char *);
static const char *chk_addr(const char *);
static const char *chk_fingerprint(const char *);
static const char *chk_pin(const char *);
static const char *chk_dsn_notify(const char *);
static const char *chk_name(const char *);

#define END { NULL, 0, NULL }
static const struct kwval v_bool[] = {
	{ "on", SET_ON, NULL }, { "off", SET_OFF, NULL }, { "", SET_ON, NULL }, END
};
static const struct kwval v_from_hdr[] = {
	{ "auto", SET_AUTO, NULL }, { "on", SET_ON, NULL },
	{ "off", SET_OFF, NULL }, { "", SET_ON, NULL }, END
};
static const struct kwval v_auto_off[] = {
	{ "auto", SET_AUTO, NULL }, { "off", SET_OFF, NULL },
	{ "", SET_AUTO, NULL }, END
};
static const struct kwval v_add_missing[] = {
	{ "on", SET_AUTO, NULL }, { "off", SET_OFF, NULL },
	{ "", SET_AUTO, NULL }, END
};
static const struct kwval v_protocol[] = {
	{ "smtp", PROTO_SMTP, NULL }, { "lmtp", PROTO_LMTP, NULL }, END
};
static const struct kwval v_auth[] = {
	{ "on", 0, "on" }, { "off", 0, NULL }, { "plain", 0, "plain" },
	{ "login", 0, "login" }, { "cram-md5", 0, "cram-md5" },
	{ "digest-md5", 0, "digest-md5" }, { "scram-sha-1", 0, "scram-sha-1" },
	{ "scram-sha-1-plus", 0, "scram-sha-1-plus" },
	{ "scram-sha-256", 0, "scram-sha-256" },
	{ "scram-sha-256-plus", 0, "scram-sha-256-plus" },
	{ "gssapi", 0, "gssapi" }, { "external", 0, "external" },
	{ "oauthbearer", 0, "oauthbearer" }, { "xoauth2", 0, "xoauth2" },
	{ "ntlm", 0, "ntlm" }, { "", 0, "on" }, END
};
static const struct kwval v_dsn_return[] = {
	{ "off", 0, NULL }, { "headers", 0, "headers" }, { "full", 0, "full" },
	END
};
static const struct kwval v_tls_version[] = {
	{ "tls1.2", 0, "tls1.2" }, { "tls1.3", 0, "tls1.3" }, { "", 0, NULL },
	END
};
static const struct kwval v_log_format[] = {
	{ "text", 0, "text" }, { "json", 0, "json" }, END
};
static const struct kwval v_syslog[] = {
	{ "on", 0, "LOG_USER" }, { "off", 0, NULL },
	{ "LOG_USER", 0, "LOG_USER" }, { "LOG_MAIL", 0, "LOG_MAIL" },
	{ "LOG_LOCAL0", 0, "LOG_LOCAL0" }, { "LOG_LOCAL1", 0, "LOG_LOCAL1" },
	{ "LOG_LOCAL2", 0, "LOG_LOCAL2" }, { "LOG_LOCAL3", 0, "LOG_LOCAL3" },
	{ "LOG_LOCAL4", 0, "LOG_LOCAL4" }, { "LOG_LOCAL5", 0, "LOG_LOCAL5" },
	{ "LOG_LOCAL6", 0, "LOG_LOCAL6" }, { "LOG_LOCAL7", 0, "LOG_LOCAL7" },
	{ "", 0, "LOG_USER" }, END
};

#define O(f)	offsetof(struct account, f)
/* A string-valued keyword: check may be NULL, ds is the default. */
#define S(k, n, t, f, fl, chk, ds, d) [k] = { .name = n, .kw = k, \
	.type = t, .off = O(f), .flags = fl, .check = chk, .dstr = ds, .desc = d }
/* A number: int, long or bool. */
#define N(k, n, t, f, fl, lo, hi, dn, d) [k] = { .name = n, .kw = k, \
	.type = t, .off = O(f), .flags = fl, .min = lo, .max = hi, \
	.dnum = dn, .desc = d }
/* One word of a list: a T_TRI stores its int, a T_ENUM its string. */
#define E(k, n, t, f, fl, v, dn, ds, d) [k] = { .name = n, .kw = k, \
	.type = t, .off = O(f), .flags = fl, .vals = v, .dnum = dn, \
	.dstr = ds, .desc = d }

#define KW_ALIAS0	KW_COUNT
#define KW_ALIAS1	(KW_COUNT + 1)
#define KW_EVAL		(KW_COUNT + 2)
#define KWTAB_SIZE	(KW_COUNT + 3)

/* The keyword table: entry i < KW_COUNT is keyword i. */
static const struct kwdef kwtab[KWTAB_SIZE] = {
S(KW_HOST, "host", T_STR, host, 0, chk_host, NULL, "the SMTP server"),
N(KW_PORT, "port", T_INT, port, 0, 1, 65535, 0, "the server's port"),
S(KW_SOURCE_IP, "source_ip", T_STR, source_ip, F_EMPTY_OK, chk_host, NULL,
    "local address to connect from"),
S(KW_PROXY_HOST, "proxy_host", T_STR, proxy_host, F_EMPTY_OK, chk_host, NULL,
    "SOCKS5 proxy"),
N(KW_PROXY_PORT, "proxy_port", T_INT, proxy_port, F_EMPTY_OK, 1, 65535, 0,
    "SOCKS5 proxy port (1080)"),
S(KW_SOCKET, "socket", T_FILE, socket, F_EMPTY_OK | F_FILENAME, NULL, NULL,
    "Unix socket to connect to instead of host"),
N(KW_TIMEOUT, "timeout", T_LONG, timeout, F_OFF, 1, 86400, 0,
    "network timeout in seconds"),
E(KW_PROTOCOL, "protocol", T_TRI, protocol, 0, v_protocol, PROTO_SMTP, NULL,
    "smtp or lmtp"),
S(KW_DOMAIN, "domain", T_STR, domain, F_EMPTY_OK, chk_domain, NULL,
    "argument of EHLO"),
E(KW_AUTH, "auth", T_ENUM, auth, 0, v_auth, 0, NULL,
    "authentication method"),
S(KW_USER, "user", T_STR, user, F_EMPTY_OK, NULL, NULL,
    "user name for authentication"),
S(KW_PASSWORD, "password", T_SECRET, password, F_EMPTY_OK | F_SECRET, NULL,
    NULL, "password for authentication"),
S(KW_PASSWORDEVAL, "passwordeval", T_STR, passwordeval, F_EMPTY_OK, NULL, NULL,
    "command that prints the password"),
S(KW_NTLMDOMAIN, "ntlmdomain", T_STR, ntlmdomain, F_EMPTY_OK | F_OBSOLETE,
    NULL, NULL, "domain for NTLM"),
N(KW_TLS, "tls", T_BOOL, tls, 0, 0, 1, SET_ON, "use TLS"),
N(KW_TLS_STARTTLS, "tls_starttls", T_BOOL, tls_starttls, 0, 0, 1, SET_ON,
    "STARTTLS (on) or TLS from the start (off)"),
S(KW_TLS_TRUST_FILE, "tls_trust_file", T_FILE, tls_trust_file,
    F_EMPTY_KEEP | F_FILENAME, NULL, "system", "trusted CAs"),
S(KW_TLS_CRL_FILE, "tls_crl_file", T_FILE, tls_crl_file,
    F_EMPTY_OK | F_FILENAME | F_OBSOLETE, NULL, NULL, "revocation list"),
S(KW_TLS_FINGERPRINT, "tls_fingerprint", T_STR, tls_fingerprint, F_EMPTY_OK,
    chk_fingerprint, NULL, "trust exactly this certificate"),
S(KW_TLS_KEY_FILE, "tls_key_file", T_FILE, tls_key_file,
    F_EMPTY_OK | F_FILENAME, NULL, NULL, "client certificate's key"),
S(KW_TLS_CERT_FILE, "tls_cert_file", T_FILE, tls_cert_file,
    F_EMPTY_OK | F_FILENAME, NULL, NULL, "client certificate"),
N(KW_TLS_CERTCHECK, "tls_certcheck", T_BOOL, tls_certcheck, 0, 0, 1, SET_ON,
    "verify the server's certificate"),
S(KW_TLS_PRIORITIES, "tls_priorities", T_STR, tls_priorities, F_EMPTY_OK,
    NULL, NULL, "GnuTLS priority string"),
S(KW_TLS_HOST_OVERRIDE, "tls_host_override", T_STR, tls_host_override,
    F_EMPTY_OK, chk_host, NULL, "name to verify the certificate against"),
N(KW_TLS_MIN_DH_PRIME_BITS, "tls_min_dh_prime_bits", T_INT,
    tls_min_dh_prime_bits, F_EMPTY_OK | F_OBSOLETE, 1, 65536, 0,
    "minimum Diffie-Hellman prime size"),
S(KW_FROM, "from", T_ADDR, from, F_EMPTY_OK, chk_addr, NULL,
    "envelope-from address"),
S(KW_FROM_FULL_NAME, "from_full_name", T_STR, from_full_name, F_EMPTY_OK,
    NULL, NULL, "display name for a generated From header"),
N(KW_ALLOW_FROM_OVERRIDE, "allow_from_override", T_BOOL, allow_from_override,
    0, 0, 1, SET_ON, "let -f override from"),
S(KW_DSN_NOTIFY, "dsn_notify", T_STR, dsn_notify, 0, chk_dsn_notify, NULL,
    "DSN NOTIFY conditions"),
E(KW_DSN_RETURN, "dsn_return", T_ENUM, dsn_return, 0, v_dsn_return, 0, NULL,
    "DSN RET amount"),
E(KW_SET_FROM_HEADER, "set_from_header", T_TRI, set_from_header, 0,
    v_from_hdr, SET_AUTO, NULL, "when to set a From header"),
E(KW_SET_DATE_HEADER, "set_date_header", T_TRI, set_date_header, 0,
    v_auto_off, SET_AUTO, NULL, "when to set a Date header"),
E(KW_SET_MSGID_HEADER, "set_msgid_header", T_TRI, set_msgid_header, 0,
    v_auto_off, SET_AUTO, NULL, "when to set a Message-ID header"),
N(KW_REMOVE_BCC_HEADERS, "remove_bcc_headers", T_BOOL, remove_bcc_headers,
    0, 0, 1, SET_ON, "remove Bcc headers"),
N(KW_UNDISCLOSED_RECIPIENTS, "undisclosed_recipients", T_BOOL,
    undisclosed_recipients, 0, 0, 1, SET_OFF, "replace To, Cc and Bcc"),
S(KW_LOGFILE, "logfile", T_FILE, logfile, F_EMPTY_OK | F_FILENAME, NULL, NULL,
    "log file (- is standard output)"),
S(KW_LOGFILE_TIME_FORMAT, "logfile_time_format", T_STR, logfile_time_format,
    F_EMPTY_OK, NULL, NULL, "strftime format of log lines"),
E(KW_SYSLOG, "syslog", T_ENUM, syslog, 0, v_syslog, 0, NULL,
    "syslog facility"),
S(KW_ALIASES, "aliases", T_FILE, aliases, F_EMPTY_OK | F_FILENAME, NULL, NULL,
    "aliases file"),
N(KW_AUTO_FROM, "auto_from", T_BOOL, auto_from, F_OBSOLETE, 0, 1, SET_OFF,
    "generate the envelope-from"),
S(KW_MAILDOMAIN, "maildomain", T_STR, maildomain, F_EMPTY_OK | F_OBSOLETE,
    chk_domain, NULL, "domain for auto_from"),
S(KW_DEAD_LETTER, "dead_letter", T_FILE, dead_letter, F_EMPTY_OK | F_FILENAME,
    NULL, NULL, "where unsent mail is kept (none: nowhere)"),
N(KW_DEADLINE, "deadline", T_LONG, deadline, 0, 1, 86400, DEADLINE_DEFAULT,
    "seconds for the whole run"),
S(KW_TLS_PIN, "tls_pin", T_STR, tls_pin, F_EMPTY_OK, chk_pin, NULL,
    "SPKI pin(s) the certificate must match"),
E(KW_TLS_MIN_VERSION, "tls_min_version", T_ENUM, tls_min_version, 0,
    v_tls_version, 0, NULL, "oldest TLS version accepted"),
S(KW_QUALIFY_DOMAIN, "qualify_domain", T_STR, qualify_domain, F_EMPTY_OK,
    chk_domain, NULL, "domain added to unqualified recipients"),
E(KW_LOG_FORMAT, "log_format", T_ENUM, log_format, 0, v_log_format, 0,
    "text", "log line format"),
N(KW_DSN_REQUIRED, "dsn_required", T_BOOL, dsn_required, 0, 0, 1, SET_OFF,
    "refuse a server without DSN when DSN is asked for"),
E(KW_SET_TO_HEADER, "set_to_header", T_TRI, set_to_header, 0, v_auto_off,
    SET_AUTO, NULL, "when to add To: undisclosed-recipients:;"),
/* older names and refused keywords */
[KW_ALIAS0] = { .name = "add_missing_from_header", .kw = KW_SET_FROM_HEADER,
    .type = T_TRI, .off = O(set_from_header), .flags = F_ALIAS | F_OBSOLETE,
    .vals = v_add_missing, .desc = "old name: on is auto" },
[KW_ALIAS1] = { .name = "add_missing_date_header", .kw = KW_SET_DATE_HEADER,
    .type = T_TRI, .off = O(set_date_header), .flags = F_ALIAS | F_OBSOLETE,
    .vals = v_add_missing, .desc = "old name: on is auto" },
[KW_EVAL] = { .name = "eval", .kw = KW_COUNT, .type = T_NONE,
    .flags = F_NOT_YET, .desc = "replace the line by a command's output" },
};

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

/* ------------------------------------------------------------ fields */

static char **
fstr(struct account *a, const struct kwdef *d)
{
	return (char **)(void *)((char *)a + d->off);
}

static int *
fint(struct account *a, const struct kwdef *d)
{
	return (int *)(void *)((char *)a + d->off);
}

static long *
flong(struct account *a, const struct kwdef *d)
{
	return (long *)(void *)((char *)a + d->off);
}

static const char *
cstr(const struct account *a, const struct kwdef *d)
{
	return *(char *const *)(const void *)((const char *)a + d->off);
}

static long
cnum(const struct account *a, const struct kwdef *d)
{
	const void *p = (const char *)a + d->off;

	return d->type == T_LONG ? *(const long *)p : *(const int *)p;
}

static int
is_str(enum kwtype t)
{
	return t == T_STR || t == T_SECRET || t == T_FILE || t == T_ADDR ||
	    t == T_ENUM;
}

/* Replace a string field; the old value is wiped if it was a secret. */
static void
put_str(struct account *a, const struct kwdef *d, char *v)
{
	char **p = fstr(a, d);

	if (d->flags & F_SECRET)
		free_secret(*p);
	else
		free(*p);
	*p = v;
}

static void
put_num(struct account *a, const struct kwdef *d, long v)
{
	if (d->type == T_LONG)
		*flong(a, d) = v;
	else
		*fint(a, d) = (int)v;
}

/* Copy the value of keyword d from src to dst. */
static void
copy_field(struct account *dst, const struct account *src,
    const struct kwdef *d)
{
	const char *s;

	if (is_str(d->type)) {
		s = cstr(src, d);
		put_str(dst, d, s != NULL ? xstrdup(s) : NULL);
	} else
		put_num(dst, d, cnum(src, d));
}

/* An account holding only the built-in defaults. */
static struct account *
account_builtin(void)
{
	struct account *a = xcalloc(1, sizeof(*a));
	size_t i;

	for (i = 0; i < KW_COUNT; i++) {
		if (is_str(kwtab[i].type))
			*fstr(a, &kwtab[i]) = kwtab[i].dstr != NULL ?
			    xstrdup(kwtab[i].dstr) : NULL;
		else
			put_num(a, &kwtab[i], kwtab[i].dnum);
	}
	return a;
}

struct account *
account_dup(const struct account *a)
{
	struct account *d = xmalloc(sizeof(*d));
	const char *s;
	size_t i;

	memcpy(d, a, sizeof(*d));
	d->name = a->name != NULL ? xstrdup(a->name) : NULL;
	d->file = a->file != NULL ? xstrdup(a->file) : NULL;
	for (i = 0; i < KW_COUNT; i++) {
		if (!is_str(kwtab[i].type))
			continue;
		s = cstr(a, &kwtab[i]);
		*fstr(d, &kwtab[i]) = s != NULL ? xstrdup(s) : NULL;
	}
	return d;
}

void
account_free(struct account *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < KW_COUNT; i++)
		if (is_str(kwtab[i].type))
			put_str(a, &kwtab[i], NULL);
	free(a->name);
	free(a->file);
	wipe(a, sizeof(*a));
	free(a);
}

/* ------------------------------------------------------------ values */

static int
is_space(int c)
{
	return c == ' ' || c == '\t';
}

static const char *
chk_host(const char *v)
{
	size_t i;

	if (strlen(v) > ADDR_DOMAIN_MAX)
		return "too long";
	for (i = 0; v[i] != '\0'; i++)
		if (is_space((unsigned char)v[i]) || v[i] == '/' || v[i] == '@')
			return "not a host name or address";
	return NULL;
}

static const char *
chk_domain(const char *v)
{
	size_t len = strlen(v);

	if (len > ADDR_DOMAIN_MAX)
		return "too long";
	/* a name, or an address literal in brackets */
	if (strpbrk(v, " \t<>@") != NULL || (v[0] == '[') != (v[len - 1] == ']') ||
	    strpbrk(v + 1, "[") != NULL || memchr(v, ']', len - 1) != NULL)
		return "not a domain name or address literal";
	return NULL;
}

static const char *
chk_addr(const char *v)
{
	if (strlen(v) > ADDR_MAX)
		return "too long";
	if (strpbrk(v, " \t<>") != NULL)
		return "an address has no spaces or angle brackets";
	return NULL;
}

static const char *
chk_name(const char *v)
{
	if (*v == '\0')
		return "empty";
	if (strpbrk(v, " \t:,") != NULL)
		return "no spaces, ':' or ','";
	return NULL;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* "01:23:...": the SHA256, SHA1 or MD5 of a certificate. */
static const char *
chk_fingerprint(const char *v)
{
	size_t len = strlen(v), i, bytes = (len + 1) / 3;

	if ((len + 1) % 3 != 0 || (bytes != 32 && bytes != 20 && bytes != 16))
		goto bad;
	for (i = 0; i < len; i++) {
		if (i % 3 == 2 ? v[i] != ':' : hexval((unsigned char)v[i]) < 0)
			goto bad;
	}
	return NULL;
bad:
	return "want hex pairs separated by ':' (SHA256, SHA1 or MD5)";
}

/* "sha256//" + base64 of 32 bytes, several separated by ';'. */
static const char *
chk_pin(const char *v)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = v;
	size_t n;

	for (;;) {
		if (strncmp(p, "sha256//", 8) != 0)
			goto bad;
		p += 8;
		n = strspn(p, b64);
		if (n != 43 || p[43] != '=')
			goto bad;
		/* 32 bytes: the last character carries 2 bits, low 4 zero */
		if ((strchr(b64, p[42]) - b64) % 4 != 0)
			goto bad;
		p += 44;
		if (*p == '\0')
			return NULL;
		if (*p++ != ';')
			goto bad;
	}
bad:
	return "want sha256// and the base64 SHA-256 of the public key";
}

/* off, never, or a comma list of success, failure, delay. */
static const char *
chk_dsn_notify(const char *v)
{
	static const char *const words[] = { "success", "failure", "delay" };
	const char *p = v;
	size_t n, i;

	if (strcmp(v, "off") == 0 || strcmp(v, "never") == 0)
		return NULL;
	for (;;) {
		n = strcspn(p, ",");
		for (i = 0; i < 3; i++)
			if (strlen(words[i]) == n && strncmp(p, words[i], n) == 0)
				break;
		if (i == 3)
			return "want off, never, or success, failure and delay "
			    "separated by commas";
		if (p[n] == '\0')
			return NULL;
		p += n + 1;
	}
}

/* "~" and "~/..." become $HOME (the passwd entry's home without it). */
static char *
expand_tilde(const char *v)
{
	const char *home;
	struct passwd *pw;

	if (v[0] != '~' || (v[1] != '\0' && v[1] != '/'))
		return xstrdup(v);
	home = getenv("HOME");
	if (home == NULL || *home == '\0') {
		pw = getpwuid(getuid());
		home = pw != NULL ? pw->pw_dir : "/";
	}
	return xasprintf("%s%s", home, v + 1);
}

/* Digits only, no sign or space; -1 if not a number or too large. */
static long
parse_num(const char *v)
{
	long n = 0;

	if (*v == '\0' || strlen(v) > 9)
		return -1;
	for (; *v != '\0'; v++) {
		if (*v < '0' || *v > '9')
			return -1;
		n = n * 10 + (*v - '0');
	}
	return n;
}

/* "a, b or c" from the words of a list. */
static void
words_of(const struct kwval *vals, char *buf, size_t cap)
{
	size_t i, n = 0, len;

	for (i = 0; vals[i].word != NULL; i++)
		if (vals[i].word[0] != '\0')
			n++;
	buf[0] = '\0';
	for (i = 0; vals[i].word != NULL && n > 0; i++) {
		if (vals[i].word[0] == '\0')
			continue;
		len = strlen(buf);
		snprintf(buf + len, cap - len, "%s%s", vals[i].word,
		    n == 1 ? "" : n == 2 ? " or " : ", ");
		n--;
	}
}

/* ------------------------------------------------------------ setting */

static const struct kwval *
find_word(const struct kwval *vals, const char *v)
{
	size_t i;

	for (i = 0; vals[i].word != NULL; i++)
		if (ascii_casecmp(vals[i].word, v) == 0)
			return &vals[i];
	return NULL;
}

static int
set_number(struct account *a, const struct kwdef *d, const char *v,
    const char *where, struct err *e)
{
	char q[128];
	long n;

	if (*v == '\0' && (d->flags & F_EMPTY_OK)) {
		put_num(a, d, 0);
		return 0;
	}
	if (*v == '\0')
		return err_set(e, ERR_CONFIG, "%s: '%s' needs an argument",
		    where, d->name);
	n = (d->flags & F_OFF) && strcmp(v, "off") == 0 ? 0 : parse_num(v);
	if (n < 0 || (n < d->min && !((d->flags & F_OFF) && n == 0)) ||
	    n > d->max)
		return err_set(e, ERR_CONFIG, "%s: invalid %s '%s' (%s%ld to %ld)",
		    where, d->name, escape_text(q, sizeof(q), v, strlen(v)),
		    d->flags & F_OFF ? "off or " : "", d->min, d->max);
	put_num(a, d, n);
	return 0;
}

static int
set_word(struct account *a, const struct kwdef *d, const char *v,
    const char *where, struct err *e)
{
	const struct kwval *w;
	char list[512];

	if (d->type == T_BOOL)
		w = find_word(v_bool, v);
	else
		w = find_word(d->vals, v);
	if (w == NULL) {
		words_of(d->type == T_BOOL ? v_bool : d->vals, list,
		    sizeof(list));
		return err_set(e, ERR_CONFIG, "%s: '%s' needs %s", where,
		    d->name, list);
	}
	if (d->type == T_ENUM)
		put_str(a, d, w->sval != NULL ? xstrdup(w->sval) : NULL);
	else
		put_num(a, d, w->ival);
	return 0;
}

static int
set_string(struct account *a, const struct kwdef *d, const char *v,
    const char *where, struct err *e)
{
	const char *why;
	char q[128];

	if (*v == '\0') {
		if (!(d->flags & (F_EMPTY_OK | F_EMPTY_KEEP)))
			return err_set(e, ERR_CONFIG,
			    "%s: '%s' needs an argument", where, d->name);
		put_str(a, d, d->flags & F_EMPTY_KEEP ? xstrdup("") : NULL);
		return 0;
	}
	if (d->check != NULL && (why = d->check(v)) != NULL)
		return err_set(e, ERR_CONFIG, "%s: invalid %s '%s': %s", where,
		    d->name, escape_text(q, sizeof(q), v, strlen(v)), why);
	/* dsn_notify's "off" (msmtp's word for unset) is the one free-form
	 * value that means "unset" */
	if (d->kw == KW_DSN_NOTIFY && strcmp(v, "off") == 0)
		put_str(a, d, NULL);
	else
		put_str(a, d, d->type == T_FILE ? expand_tilde(v) : xstrdup(v));
	return 0;
}

/* Set keyword row d of a from v; the one place values are validated. */
static int
set_row(struct account *a, const struct kwdef *d, const char *v,
    const char *where, struct err *e)
{
	int r;

	if (d->flags & F_NOT_YET)
		return err_set(e, ERR_CONFIG, "%s: '%s' is not supported yet",
		    where, d->name);
	if (has_ctl(v, strlen(v)))
		return err_set(e, ERR_CONFIG,
		    "%s: '%s' holds a control character", where, d->name);
	switch (d->type) {
	case T_INT:
	case T_LONG:
		r = set_number(a, d, v, where, e);
		break;
	case T_BOOL:
	case T_TRI:
	case T_ENUM:
		r = set_word(a, d, v, where, e);
		break;
	default:
		r = set_string(a, d, v, where, e);
		break;
	}
	if (r == 0)
		a->set[d->kw] = 1;
	if (r == 0 && d->kw == KW_PASSWORD)
		a->has_secret = a->password != NULL;
	return r;
}

int
account_set(struct account *a, enum kw kw, const char *value,
    const char *where, struct err *e)
{
	if ((int)kw < 0 || kw >= KW_COUNT)
		return err_set(e, ERR_SOFTWARE, "%s: no such keyword", where);
	return set_row(a, &kwtab[kw], value != NULL ? value : "", where, e);
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
		copy_field(a, parent, &kwtab[i]);
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

static const struct kwdef *
lookup(const char *name)
{
	size_t i;

	for (i = 0; i < KWTAB_SIZE; i++)
		if (strcmp(kwtab[i].name, name) == 0)
			return &kwtab[i];
	return NULL;
}

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
	if ((d = lookup(kw)) == NULL)
		return err_set(e, ERR_CONFIG, "%s:%d: unknown keyword '%s'",
		    p->file, p->line, escape_text(q, sizeof(q), kw, strlen(kw)));
	/* msmtp puts keywords before any account in one called default */
	if (p->cur == NULL && add_account(p, new_account(p, "default"), e) < 0)
		return -1;
	snprintf(where, sizeof(where), "%s:%d", p->file, p->line);
	if (set_row(p->cur, d, arg, where, e) < 0)
		return -1;
	if (d->kw == KW_PASSWORD && *arg != '\0')
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

/* ------------------------------------------------------------ printing */

size_t
config_keyword_count(void)
{
	return KWTAB_SIZE;
}

const char *
config_keyword_name(size_t i)
{
	return i < KWTAB_SIZE ? kwtab[i].name : NULL;
}

static const char *
word_for(const struct kwval *vals, long v)
{
	size_t i;

	for (i = 0; vals[i].word != NULL; i++)
		if (vals[i].word[0] != '\0' && vals[i].ival == v)
			return vals[i].word;
	return "?";
}

static void
print_value(const struct account *a, const struct kwdef *d)
{
	char buf[1024];
	const char *s;
	long n;

	if (is_str(d->type)) {
		s = cstr(a, d);
		printf("%s", s == NULL ? "(not set)" : (d->flags & F_SECRET) ?
		    "*" : escape_text(buf, sizeof(buf), s, strlen(s)));
		return;
	}
	n = cnum(a, d);
	if (d->type == T_BOOL)
		printf("%s", n ? "on" : "off");
	else if (d->type == T_TRI)
		printf("%s", word_for(d->vals, n));
	else if (n == 0 && d->kw == KW_PORT)
		printf("%d (default)", account_port(a));
	else if (n == 0 && (d->flags & F_OFF))
		printf("off");
	else if (n == 0 && (d->flags & F_EMPTY_OK))
		printf("(not set)");
	else
		printf("%ld", n);
}

void
account_print(const struct account *a)
{
	size_t i;

	printf("account = %s\n", a->name != NULL ? a->name : "(command line)");
	if (a->file != NULL)
		printf("defined at = %s:%d\n", a->file, a->line);
	for (i = 0; i < KW_COUNT; i++) {
		printf("%s = ", kwtab[i].name);
		print_value(a, &kwtab[i]);
		if (i == KW_TLS && account_tls(a) != a->tls)
			printf(" (off: loopback or socket)");
		printf("\n");
	}
}
