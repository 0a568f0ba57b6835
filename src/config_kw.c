/*
 * config_kw.c - the keyword table of msmtp's configuration language and
 * everything that walks it: each keyword's type, field, default and
 * flags; validating and storing a value (account_set); the built-in
 * defaults, copying and freeing an account; printing the effective
 * account (-P) and the keyword list.
 *
 * Files, lines, sections and inheritance are config.c's; this file sees
 * one keyword and one value at a time and does no I/O but printing.
 */
#include "autoconfig.h"

#include <ctype.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "config_kw.h"
#include "limits.h"
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

void
account_copy_kw(struct account *dst, const struct account *src, enum kw kw)
{
	const struct kwdef *d = &kwtab[kw];
	const char *s;

	if (is_str(d->type)) {
		s = cstr(src, d);
		put_str(dst, d, s != NULL ? xstrdup(s) : NULL);
	} else
		put_num(dst, d, cnum(src, d));
}

struct account *
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

static const char *
chk_host(const char *v)
{
	if (strlen(v) > ADDR_DOMAIN_MAX)
		return "too long";
	if (strpbrk(v, " \t/@") != NULL)
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

/* The one place values are validated. */
int
kw_set(struct account *a, const struct kwdef *d, const char *v,
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
	return kw_set(a, &kwtab[kw], value != NULL ? value : "", where, e);
}

/* ------------------------------------------------------------ table */

const struct kwdef *
kw_lookup(const char *name)
{
	size_t i;

	for (i = 0; i < KWTAB_SIZE; i++)
		if (strcmp(kwtab[i].name, name) == 0)
			return &kwtab[i];
	return NULL;
}

enum kw
kw_keyword(const struct kwdef *d)
{
	return d->kw;
}

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

/* ------------------------------------------------------------ printing */

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
