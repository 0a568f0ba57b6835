/*
 * test_config.c - msmtp's configuration language: every keyword with a
 * valid and an invalid value, defaults, inheritance, quoting, every error
 * with its file:line, the account rules of CONTRACT 3, matching by
 * envelope-from, and the permission checks on real files.
 */
#include "autoconfig.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "util.h"
#include "../tap.h"

static char tmpdir[] = "/tmp/test_config.XXXXXX";

/* Parse text as file "t" into a new config; *r gets the result. */
static struct config *
parse(const char *text, struct err *e, int *r)
{
	struct config *c = config_new();

	err_clear(e);
	*r = config_parse_buffer(c, "t", text, strlen(text), e);
	return c;
}

/* What account_print() writes for a; caller frees. */
static char *
printed(const struct account *a)
{
	char path[64], *buf;
	int fd, saved;
	ssize_t n;
	size_t len = 0, cap = 65536;

	snprintf(path, sizeof(path), "%s/print", tmpdir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	saved = dup(1);
	fflush(stdout);
	dup2(fd, 1);
	account_print(a);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	buf = xmalloc(cap);
	lseek(fd, 0, SEEK_SET);
	while ((n = read(fd, buf + len, cap - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(fd);
	unlink(path);
	return buf;
}

/* The value account_print() shows for keyword kw ("" if absent); static. */
static const char *
shown(const struct account *a, const char *kw)
{
	static char val[1024];
	char *out = printed(a), *p = out, *nl;
	size_t klen = strlen(kw);

	val[0] = '\0';
	for (; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			break;
		if (strncmp(p, kw, klen) == 0 && strncmp(p + klen, " = ", 3) == 0) {
			snprintf(val, sizeof(val), "%.*s", (int)(nl - p - klen - 3),
			    p + klen + 3);
			break;
		}
	}
	free(out);
	return val;
}

#define FP32 "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:ab:cd:ef:" \
	"01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF"
#define FP20 "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67"
#define FP16 "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF"
#define PIN "sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
#define AUTHS "on, off, plain, login, cram-md5, digest-md5, scram-sha-1, " \
	"scram-sha-1-plus, scram-sha-256, scram-sha-256-plus, gssapi, " \
	"external, oauthbearer, xoauth2 or ntlm"
#define SYSLOGS "on, off, LOG_USER, LOG_MAIL, LOG_LOCAL0, LOG_LOCAL1, " \
	"LOG_LOCAL2, LOG_LOCAL3, LOG_LOCAL4, LOG_LOCAL5, LOG_LOCAL6 or LOG_LOCAL7"
#define ONOFF(k) "t:3: '" k "' needs on or off"
#define CTL(k) "t:3: '" k "' holds a control character"

/* Every keyword once: a valid value and how -P shows it, an invalid value
 * and the whole error. The case is "account t / host h / KEYWORD VALUE". */
static const struct kwcase {
	const char	*kw;
	enum kw		 id;
	const char	*good, *shows;
	const char	*bad, *err;
} kwcases[] = {
	{ "host", KW_HOST, "mail.example.org", "mail.example.org", "a b",
	    "t:3: invalid host 'a b': not a host name or address" },
	{ "port", KW_PORT, "2525", "2525", "99999",
	    "t:3: invalid port '99999' (1 to 65535)" },
	{ "source_ip", KW_SOURCE_IP, "192.0.2.1", "192.0.2.1", "a/b",
	    "t:3: invalid source_ip 'a/b': not a host name or address" },
	{ "proxy_host", KW_PROXY_HOST, "127.0.0.1", "127.0.0.1", "x y",
	    "t:3: invalid proxy_host 'x y': not a host name or address" },
	{ "proxy_port", KW_PROXY_PORT, "9050", "9050", "0",
	    "t:3: invalid proxy_port '0' (1 to 65535)" },
	{ "socket", KW_SOCKET, "/run/smtp.sock", "/run/smtp.sock", "a\tb",
	    CTL("socket") },
	{ "timeout", KW_TIMEOUT, "30", "30", "-1",
	    "t:3: invalid timeout '-1' (off or 1 to 86400)" },
	{ "protocol", KW_PROTOCOL, "lmtp", "lmtp", "esmtp",
	    "t:3: 'protocol' needs smtp or lmtp" },
	{ "domain", KW_DOMAIN, "client.example.org", "client.example.org",
	    "a b", "t:3: invalid domain 'a b': not a domain name or address "
	    "literal" },
	{ "auth", KW_AUTH, "scram-sha-256", "scram-sha-256", "foo",
	    "t:3: 'auth' needs " AUTHS },
	{ "user", KW_USER, "joe", "joe", "a\tb", CTL("user") },
	{ "password", KW_PASSWORD, "s3cret", "*", "s3\tcret", CTL("password") },
	{ "passwordeval", KW_PASSWORDEVAL, "pass show mail", "pass show mail",
	    "a\tb", CTL("passwordeval") },
	{ "ntlmdomain", KW_NTLMDOMAIN, "DOM", "DOM", "a\tb", CTL("ntlmdomain") },
	{ "tls", KW_TLS, "off", "off", "maybe", ONOFF("tls") },
	{ "tls_starttls", KW_TLS_STARTTLS, "off", "off", "yes",
	    ONOFF("tls_starttls") },
	{ "tls_trust_file", KW_TLS_TRUST_FILE, "/etc/ssl/ca.pem",
	    "/etc/ssl/ca.pem", "a\tb", CTL("tls_trust_file") },
	{ "tls_crl_file", KW_TLS_CRL_FILE, "/etc/ssl/crl.pem", "/etc/ssl/crl.pem",
	    "a\tb", CTL("tls_crl_file") },
	{ "tls_fingerprint", KW_TLS_FINGERPRINT, FP32, FP32, "00:11",
	    "t:3: invalid tls_fingerprint '00:11': want hex pairs separated by "
	    "':' (SHA256, SHA1 or MD5)" },
	{ "tls_key_file", KW_TLS_KEY_FILE, "/k.pem", "/k.pem", "a\tb",
	    CTL("tls_key_file") },
	{ "tls_cert_file", KW_TLS_CERT_FILE, "/c.pem", "/c.pem", "a\tb",
	    CTL("tls_cert_file") },
	{ "tls_certcheck", KW_TLS_CERTCHECK, "off", "off", "0",
	    ONOFF("tls_certcheck") },
	{ "tls_priorities", KW_TLS_PRIORITIES, "NORMAL:-VERS-TLS1.2",
	    "NORMAL:-VERS-TLS1.2", "a\tb", CTL("tls_priorities") },
	{ "tls_host_override", KW_TLS_HOST_OVERRIDE, "smtp.example.org",
	    "smtp.example.org", "a b",
	    "t:3: invalid tls_host_override 'a b': not a host name or address" },
	{ "tls_min_dh_prime_bits", KW_TLS_MIN_DH_PRIME_BITS, "2048", "2048", "x",
	    "t:3: invalid tls_min_dh_prime_bits 'x' (1 to 65536)" },
	{ "from", KW_FROM, "joe@example.org", "joe@example.org",
	    "Joe <joe@example.org>", "t:3: invalid from 'Joe <joe@example.org>': "
	    "an address has no spaces or angle brackets" },
	{ "from_full_name", KW_FROM_FULL_NAME, "Joe Smith", "Joe Smith", "a\tb",
	    CTL("from_full_name") },
	{ "allow_from_override", KW_ALLOW_FROM_OVERRIDE, "off", "off", "nope",
	    ONOFF("allow_from_override") },
	{ "dsn_notify", KW_DSN_NOTIFY, "failure,delay", "failure,delay",
	    "failure,sometimes", "t:3: invalid dsn_notify 'failure,sometimes': "
	    "want off, never, or success, failure and delay separated by commas" },
	{ "dsn_return", KW_DSN_RETURN, "headers", "headers", "body",
	    "t:3: 'dsn_return' needs off, headers or full" },
	{ "set_from_header", KW_SET_FROM_HEADER, "on", "on", "always",
	    "t:3: 'set_from_header' needs auto, on or off" },
	{ "set_date_header", KW_SET_DATE_HEADER, "off", "off", "on",
	    "t:3: 'set_date_header' needs auto or off" },
	{ "set_msgid_header", KW_SET_MSGID_HEADER, "off", "off", "yes",
	    "t:3: 'set_msgid_header' needs auto or off" },
	{ "remove_bcc_headers", KW_REMOVE_BCC_HEADERS, "off", "off", "x",
	    ONOFF("remove_bcc_headers") },
	{ "undisclosed_recipients", KW_UNDISCLOSED_RECIPIENTS, "on", "on", "x",
	    ONOFF("undisclosed_recipients") },
	{ "logfile", KW_LOGFILE, "/tmp/x.log", "/tmp/x.log", "a\tb",
	    CTL("logfile") },
	{ "logfile_time_format", KW_LOGFILE_TIME_FORMAT, "%F %T", "%F %T",
	    "a\tb", CTL("logfile_time_format") },
	{ "syslog", KW_SYSLOG, "LOG_MAIL", "LOG_MAIL", "LOG_KERN",
	    "t:3: 'syslog' needs " SYSLOGS },
	{ "aliases", KW_ALIASES, "/etc/aliases", "/etc/aliases", "a\tb",
	    CTL("aliases") },
	{ "auto_from", KW_AUTO_FROM, "on", "on", "x", ONOFF("auto_from") },
	{ "maildomain", KW_MAILDOMAIN, "example.org", "example.org", "a b",
	    "t:3: invalid maildomain 'a b': not a domain name or address "
	    "literal" },
	{ "dead_letter", KW_DEAD_LETTER, "none", "none", "a\tb",
	    CTL("dead_letter") },
	{ "deadline", KW_DEADLINE, "60", "60", "0",
	    "t:3: invalid deadline '0' (1 to 86400)" },
	{ "tls_pin", KW_TLS_PIN, PIN, PIN, "sha256//abc",
	    "t:3: invalid tls_pin 'sha256//abc': want sha256// and the base64 "
	    "SHA-256 of the public key" },
	{ "tls_min_version", KW_TLS_MIN_VERSION, "tls1.3", "tls1.3", "tls1.1",
	    "t:3: 'tls_min_version' needs tls1.2 or tls1.3" },
	{ "qualify_domain", KW_QUALIFY_DOMAIN, "example.org", "example.org",
	    "a b", "t:3: invalid qualify_domain 'a b': not a domain name or "
	    "address literal" },
	{ "log_format", KW_LOG_FORMAT, "json", "json", "xml",
	    "t:3: 'log_format' needs text or json" },
	{ "dsn_required", KW_DSN_REQUIRED, "on", "on", "x",
	    ONOFF("dsn_required") },
	{ "set_to_header", KW_SET_TO_HEADER, "off", "off", "on",
	    "t:3: 'set_to_header' needs auto or off" },
};

static void
test_keywords(void)
{
	const struct account *a;
	struct config *c;
	struct err e;
	char text[512];
	size_t i;
	int r;

	for (i = 0; i < sizeof(kwcases) / sizeof(kwcases[0]); i++) {
		const struct kwcase *k = &kwcases[i];

		snprintf(text, sizeof(text), "account t\nhost h\n%s %s\n",
		    k->kw, k->good);
		c = parse(text, &e, &r);
		a = config_account(c, "t");
		if (tap_ok(r == 0 && a != NULL && a->set[k->id], "%s %s accepted",
		    k->kw, k->good))
			tap_str_eq(shown(a, k->kw), k->shows, k->kw);
		else
			tap_diag("%s", e.msg);
		config_free(c);

		snprintf(text, sizeof(text), "account t\nhost h\n%s %s\n",
		    k->kw, k->bad);
		c = parse(text, &e, &r);
		tap_ok(r == -1 && e.kind == ERR_CONFIG, "%s %s refused", k->kw,
		    k->bad);
		tap_str_eq(e.msg, k->err, k->err);
		config_free(c);
	}
}

/* The test table covers every keyword of the table but the old names. */
static void
test_keyword_table(void)
{
	size_t i, j, n = config_keyword_count(), found = 0;

	tap_ok(n == KW_COUNT + 3, "keyword count %zu", n);
	tap_ok(config_keyword_name(n) == NULL, "name past the end is NULL");
	for (i = 0; i < KW_COUNT; i++)
		for (j = 0; j < sizeof(kwcases) / sizeof(kwcases[0]); j++)
			if (strcmp(config_keyword_name(i), kwcases[j].kw) == 0 &&
			    kwcases[j].id == (enum kw)i)
				found++;
	tap_ok(found == KW_COUNT, "every keyword tested at its index (%zu)",
	    found);
	for (i = 0, found = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (strcmp(config_keyword_name(i),
			    config_keyword_name(j)) == 0)
				found++;
	tap_ok(found == 0, "keyword names are unique");
}

/* More values, one line each: keyword, value, shown, or NULL if refused. */
static const struct valcase {
	const char	*kw, *val, *shows;
} valcases[] = {
	{ "tls", "", "on" },
	{ "tls", "ON", "on" },
	{ "auth", "", "on" },
	{ "auth", "PLAIN", "plain" },
	{ "auth", "off", "(not set)" },
	{ "auth", "ntlm", "ntlm" },
	{ "syslog", "", "LOG_USER" },
	{ "syslog", "on", "LOG_USER" },
	{ "syslog", "off", "(not set)" },
	{ "syslog", "LOG_LOCAL7", "LOG_LOCAL7" },
	{ "user", "", "(not set)" },
	{ "password", "", "(not set)" },
	{ "proxy_port", "", "(not set)" },
	{ "tls_trust_file", "", "" },
	{ "tls_trust_file", "system", "system" },
	{ "set_from_header", "", "on" },
	{ "set_from_header", "auto", "auto" },
	{ "set_date_header", "", "auto" },
	{ "add_missing_from_header", "on", "auto" },
	{ "add_missing_from_header", "off", "off" },
	{ "add_missing_date_header", "off", "off" },
	{ "add_missing_date_header", "", "auto" },
	{ "timeout", "off", "off" },
	{ "timeout", "0", "off" },
	{ "timeout", "86400", "86400" },
	{ "timeout", "86401", NULL },
	{ "timeout", "", NULL },
	{ "port", "", NULL },
	{ "port", "+25", NULL },
	{ "port", "25x", NULL },
	{ "port", "1", "1" },
	{ "port", "65535", "65535" },
	{ "port", "12345678901234", NULL },
	{ "host", "", NULL },
	{ "protocol", "", NULL },
	{ "dsn_notify", "", NULL },
	{ "dsn_notify", "off", "(not set)" },
	{ "dsn_notify", "never", "never" },
	{ "dsn_notify", "success,failure,delay", "success,failure,delay" },
	{ "dsn_notify", "success,", NULL },
	{ "dsn_notify", "never,success", NULL },
	{ "dsn_return", "full", "full" },
	{ "dsn_return", "off", "(not set)" },
	{ "dsn_return", "", NULL },
	{ "deadline", "", NULL },
	{ "deadline", "86400", "86400" },
	{ "tls_fingerprint", FP20, FP20 },
	{ "tls_fingerprint", FP16, FP16 },
	{ "tls_fingerprint", "", "(not set)" },
	{ "tls_fingerprint", FP16 ":", NULL },
	{ "tls_fingerprint", "0g:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF",
	    NULL },
	{ "tls_fingerprint", "0123456789ABCDEF0123456789ABCDEF", NULL },
	{ "tls_pin", PIN ";" PIN, PIN ";" PIN },
	{ "tls_pin", PIN ";", NULL },
	{ "tls_pin", "sha1//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", NULL },
	{ "tls_pin", "sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV=",
	    NULL },
	{ "tls_min_version", "", "(not set)" },
	{ "log_format", "", NULL },
	{ "from", "", "(not set)" },
	{ "from", "%U@%H", "%U@%H" },
	{ "from", "*@example.org", "*@example.org" },
	{ "domain", "", "(not set)" },
	{ "domain", "[192.0.2.1]", "[192.0.2.1]" },
	{ "domain", "[IPv6:2001:db8::1]", "[IPv6:2001:db8::1]" },
	{ "domain", "[192.0.2.1", NULL },
	{ "domain", "a]", NULL },
	{ "domain", "[a][b]", NULL },
	{ "domain", "[a b]", NULL },
	{ "domain", "a@b", NULL },
	{ "host", "2001:db8::1", "2001:db8::1" },
	{ "host", "bücher.example", "bücher.example" },
	{ "dead_letter", "", "(not set)" },
	{ "logfile", "-", "-" },
	{ "logfile", "~/mail.log", "/home/tester/mail.log" },
	{ "aliases", "~", "/home/tester" },
	{ "aliases", "~joe/aliases", "~joe/aliases" },
	{ "aliases", "/a~/b", "/a~/b" },
	{ "tls_cert_file", "pkcs11:token=x", "pkcs11:token=x" },
	{ "tls_min_dh_prime_bits", "", "(not set)" },
};

static void
test_values(void)
{
	const struct account *a;
	const char *kw;
	struct config *c;
	struct err e;
	char text[512];
	size_t i;
	int r;

	for (i = 0; i < sizeof(valcases) / sizeof(valcases[0]); i++) {
		const struct valcase *v = &valcases[i];

		snprintf(text, sizeof(text), "account t\nhost h\n%s %s\n",
		    v->kw, v->val);
		c = parse(text, &e, &r);
		a = config_account(c, "t");
		kw = strncmp(v->kw, "add_missing_", 12) == 0 ?
		    (v->kw[12] == 'f' ? "set_from_header" : "set_date_header") :
		    v->kw;
		if (v->shows == NULL)
			tap_ok(r == -1 && e.kind == ERR_CONFIG &&
			    strncmp(e.msg, "t:3: ", 5) == 0, "%s '%s' refused: %s",
			    v->kw, v->val, e.msg);
		else if (tap_ok(r == 0 && a != NULL, "%s '%s' accepted", v->kw,
		    v->val))
			tap_str_eq(shown(a, kw), v->shows, v->kw);
		else
			tap_diag("%s", e.msg);
		config_free(c);
	}
}

static void
test_defaults(void)
{
	struct config *c = config_new();
	const struct account *d = config_defaults(c);

	tap_ok(d != NULL, "defaults exist");
	tap_ok(d->tls == SET_ON && d->tls_starttls == SET_ON &&
	    d->tls_certcheck == SET_ON, "tls, tls_starttls, tls_certcheck on");
	tap_str_eq(d->tls_trust_file, "system", "tls_trust_file system");
	tap_ok(d->auth == NULL && d->port == 0 && d->timeout == 0,
	    "auth off, port 0, timeout 0");
	tap_ok(d->protocol == PROTO_SMTP, "protocol smtp");
	tap_ok(d->allow_from_override == SET_ON && d->remove_bcc_headers ==
	    SET_ON && d->undisclosed_recipients == SET_OFF,
	    "allow_from_override on, remove_bcc_headers on, "
	    "undisclosed_recipients off");
	tap_ok(d->set_from_header == SET_AUTO && d->set_date_header ==
	    SET_AUTO && d->set_msgid_header == SET_AUTO &&
	    d->set_to_header == SET_AUTO, "set_*_header auto");
	tap_ok(d->deadline == DEADLINE_DEFAULT, "deadline default");
	tap_ok(d->logfile_time_format == NULL && d->host == NULL &&
	    d->dead_letter == NULL && d->from == NULL, "unset strings NULL");
	tap_str_eq(d->log_format, "text", "log_format text");
	tap_ok(d->dsn_notify == NULL && d->dsn_return == NULL &&
	    d->syslog == NULL && d->dsn_required == 0, "DSN and syslog off");
	tap_ok(config_account(c, "default") == NULL, "no accounts yet");
	config_free(c);
	config_free(NULL);
}

/* Whole configurations that must fail, with the whole message. */
static const struct errcase {
	const char	*name, *text, *err;
} errcases[] = {
	{ "unknown keyword", "account a\n\n# c\nhots x\n",
	    "t:4: unknown keyword 'hots'" },
	{ "keywords are case-sensitive", "account a\nHost x\n",
	    "t:2: unknown keyword 'Host'" },
	{ "escaped keyword", "account a\nh\xffst x\n",
	    "t:2: unknown keyword 'h\\xffst'" },
	{ "control character", "account a\nhost a\x01z\n",
	    "t:2: control character 0x01 in line" },
	{ "DEL in line", "account a\nfrom a\x7f@b\n",
	    "t:2: control character 0x7f in line" },
	{ "bare CR inside", "account a\nhost a\rb\n",
	    "t:2: control character 0x0d in line" },
	{ "defaults with argument", "defaults x\n",
	    "t:1: 'defaults' takes no argument" },
	{ "account redefined", "account a\nhost x\naccount a\n",
	    "t:3: account 'a' is already defined (line 1)" },
	{ "unknown parent", "account a : b\n",
	    "t:1: account 'b' is not defined (yet)" },
	{ "parent defined later", "account a : b\naccount b\n",
	    "t:1: account 'b' is not defined (yet)" },
	{ "second parent unknown", "account b\naccount a : b, c\n",
	    "t:2: account 'c' is not defined (yet)" },
	{ "self parent", "account a : a\n",
	    "t:1: account 'a' is not defined (yet)" },
	{ "empty account name", "account\n", "t:1: invalid account name ''" },
	{ "name with space", "account a b\n",
	    "t:1: invalid account name 'a b'" },
	{ "parent name with a space", "account b\naccount a : b c\n",
	    "t:2: account 'b c' is not defined (yet)" },
	{ "parents with blanks", "account b\naccount c\naccount a :b ,\tc \n"
	    "account a\n", "t:4: account 'a' is already defined (line 3)" },
	{ "empty parent name", "account b\naccount a : b,\n",
	    "t:2: account '' is not defined (yet)" },
	{ "eval", "account a\neval echo host x\n",
	    "t:2: 'eval' is not supported yet" },
	{ "implicit default redefined", "host a\naccount default\n",
	    "t:2: account 'default' is already defined (line 1)" },
	{ "port needs argument", "account a\nport\n",
	    "t:2: 'port' needs an argument" },
	{ "host needs argument", "defaults\nhost \"\"\n",
	    "t:2: 'host' needs an argument" },
	{ "error in defaults", "defaults\ntls_starttls maybe\n",
	    "t:2: 'tls_starttls' needs on or off" },
	{ "error after CRLF lines", "account a\r\nhost x\r\nport 0\r\n",
	    "t:3: invalid port '0' (1 to 65535)" },
	{ "tab inside value", "account a\nfrom \"a\tb\"\n",
	    "t:2: 'from' holds a control character" },
};

static void
test_errors(void)
{
	struct config *c;
	struct err e;
	size_t i;
	int r;

	for (i = 0; i < sizeof(errcases) / sizeof(errcases[0]); i++) {
		const struct errcase *k = &errcases[i];

		c = parse(k->text, &e, &r);
		tap_ok(r == -1 && e.kind == ERR_CONFIG, "%s: refused", k->name);
		tap_str_eq(e.msg, k->err, k->name);
		config_free(c);
	}
	/* a NUL byte, which a C string cannot hold */
	c = config_new();
	r = config_parse_buffer(c, "t", "account a\nhost a\0z\n", 19, &e);
	tap_ok(r == -1, "NUL in line refused");
	tap_str_eq(e.msg, "t:2: control character 0x00 in line", "NUL message");
	config_free(c);
}

static void
test_long_lines(void)
{
	size_t n = CONFIG_LINE_MAX + 40;
	char *buf = xmalloc(n + 1);
	struct config *c;
	struct err e;
	int r;

	/* "account a\n" + a line of exactly CONFIG_LINE_MAX bytes: fine */
	memset(buf, ' ', n);
	memcpy(buf, "account a\nuser ", 15);
	memset(buf + 15, 'x', CONFIG_LINE_MAX - 5);
	buf[10 + CONFIG_LINE_MAX] = '\n';
	c = config_new();
	r = config_parse_buffer(c, "t", buf, 11 + CONFIG_LINE_MAX, &e);
	tap_ok(r == 0, "line of CONFIG_LINE_MAX bytes accepted");
	config_free(c);
	buf[10 + CONFIG_LINE_MAX] = 'x';
	buf[11 + CONFIG_LINE_MAX] = '\n';
	c = config_new();
	r = config_parse_buffer(c, "t", buf, 12 + CONFIG_LINE_MAX, &e);
	tap_ok(r == -1 && e.kind == ERR_CONFIG, "longer line refused");
	tap_ok(strcmp(e.msg, "t:2: line longer than 8192 bytes") == 0, "%s",
	    e.msg);
	config_free(c);
	free(buf);
}

static void
test_syntax(void)
{
	const char *text =
	    "# a comment\n"
	    "   # an indented comment\n"
	    "\n"
	    " \t \n"
	    "account q\n"
	    "host\tmail.example.org\n"
	    "from \"joe@example.org\"\n"
	    "from_full_name \"  Joe  \"\n"
	    "user \"a\\\"b\"\n"
	    "passwordeval   gpg -d  x  \t\n"
	    "tls_priorities \"NORMAL\n"
	    "logfile_time_format a#b\n"
	    "domain \"\"\n"
	    "  ntlmdomain  \"\"\"\n";
	const struct account *a;
	struct config *c;
	struct err e;
	int r;

	c = parse(text, &e, &r);
	a = config_account(c, "q");
	if (!tap_ok(r == 0 && a != NULL, "syntax sample parses"))
		tap_diag("%s", e.msg);
	if (a == NULL) {
		config_free(c);
		return;
	}
	tap_str_eq(a->host, "mail.example.org", "tab separates");
	tap_str_eq(a->from, "joe@example.org", "quotes removed");
	tap_str_eq(a->from_full_name, "  Joe  ", "blanks kept inside quotes");
	tap_str_eq(a->user, "a\\\"b", "no escapes inside quotes (as msmtp)");
	tap_str_eq(a->passwordeval, "gpg -d  x", "rest of line, trimmed");
	tap_str_eq(a->tls_priorities, "\"NORMAL", "unbalanced quote kept");
	tap_str_eq(a->logfile_time_format, "a#b", "# inside a value");
	tap_ok(a->domain == NULL, "\"\" is an empty argument");
	tap_str_eq(a->ntlmdomain, "\"", "three quotes leave one");
	tap_str_eq(a->file, "t", "account file");
	tap_ok(a->line == 5, "account line %d", a->line);
	config_free(c);
}

static void
test_sections(void)
{
	const char *text =
	    "host early.example\n"
	    "defaults\n"
	    "port 2525\n"
	    "tls_starttls off\n"
	    "account a\n"
	    "host ha\n"
	    "defaults\n"
	    "port 26\n"
	    "account b\n"
	    "host hb\n"
	    "tls_starttls on\n"
	    "defaults\n"
	    "timeout 7\n";
	const struct account *a, *b, *d;
	struct config *c;
	struct err e;
	int r;

	c = parse(text, &e, &r);
	a = config_account(c, "a");
	b = config_account(c, "b");
	d = config_account(c, "default");
	if (!tap_ok(r == 0 && a && b && d, "sections parse"))
		tap_diag("%s", e.msg);
	if (!(a && b && d)) {
		config_free(c);
		return;
	}
	tap_ok(a->port == 2525 && a->set[KW_PORT], "defaults apply to a");
	tap_ok(b->port == 26, "later defaults apply to b");
	tap_ok(a->tls_starttls == SET_OFF && b->tls_starttls == SET_ON,
	    "defaults accumulate; the account overrides");
	tap_ok(a->timeout == 0 && b->timeout == 0,
	    "defaults after an account do not change it");
	tap_str_eq(d->host, "early.example",
	    "keywords before any account make account default");
	tap_ok(d->port == 0 && !d->set[KW_PORT], "default got no later defaults");
	tap_ok(config_defaults(c)->timeout == 7 && config_defaults(c)->port ==
	    26, "config_defaults holds the last values");
	config_free(c);
}

static void
test_inheritance(void)
{
	const char *text =
	    "defaults\n"
	    "timeout 5\n"
	    "account a\n"
	    "host ha\n"
	    "port 2525\n"
	    "from a@example.org\n"
	    "password pa\n"
	    "account b\n"
	    "host hb\n"
	    "user ub\n"
	    "auth plain\n"
	    "defaults\n"
	    "timeout 9\n"
	    "dsn_return full\n"
	    "account c : a, b\n"
	    "from c@example.org\n"
	    "account d : b,a\n"
	    "account e\n"
	    "account default : c\n";
	const struct account *c_, *d, *e_, *def;
	struct config *c;
	struct err e;
	int r;

	c = parse(text, &e, &r);
	c_ = config_account(c, "c");
	d = config_account(c, "d");
	e_ = config_account(c, "e");
	def = config_account(c, "default");
	if (!tap_ok(r == 0 && c_ && d && e_ && def, "inheritance parses"))
		tap_diag("%s", e.msg);
	if (!(c_ && d && e_ && def)) {
		config_free(c);
		return;
	}
	tap_str_eq(c_->host, "hb", "later parent wins (c)");
	tap_str_eq(d->host, "ha", "later parent wins (d)");
	tap_ok(c_->port == 2525 && c_->set[KW_PORT], "port from a");
	tap_str_eq(c_->user, "ub", "user from b");
	tap_str_eq(c_->auth, "plain", "auth from b");
	tap_str_eq(c_->from, "c@example.org", "own keyword after parents");
	tap_str_eq(d->from, "a@example.org", "from from a");
	tap_str_eq(c_->password, "pa", "password inherited");
	tap_ok(c_->has_secret && !e_->has_secret, "has_secret follows password");
	tap_ok(c_->timeout == 5, "parents' defaults travel with them");
	tap_str_eq(c_->dsn_return, "full", "current defaults apply first");
	tap_ok(e_->timeout == 9 && e_->host == NULL, "e from defaults only");
	tap_str_eq(def->host, "hb", "default : c");
	tap_str_eq(def->name, "default", "alias named default");
	tap_str_eq(def->from, "c@example.org", "default has c's from");
	config_free(c);
}

static void
test_files_override(void)
{
	const char *sys = "account a\nhost h1\naccount b\nhost hb\n"
	    "defaults\nport 26\n";
	const char *user = "account a\nhost h2\naccount x : b\n";
	struct config *c = config_new();
	const struct account *a, *b, *x;
	struct err e;
	int r1, r2;

	r1 = config_parse_buffer(c, "sys", sys, strlen(sys), &e);
	r2 = config_parse_buffer(c, "user", user, strlen(user), &e);
	a = config_account(c, "a");
	b = config_account(c, "b");
	x = config_account(c, "x");
	tap_ok(r1 == 0 && r2 == 0, "two files parse");
	tap_ok(a && strcmp(a->host, "h2") == 0 && strcmp(a->file, "user") == 0,
	    "later file overrides account a");
	tap_ok(b && strcmp(b->host, "hb") == 0, "b kept from the first file");
	tap_ok(x && strcmp(x->host, "hb") == 0 && x->port == 0,
	    "inherit across files; defaults are per file");
	config_free(c);
}

/* account_check(), account_tls() and account_port() on one account "t"
 * defined at line 1 ("account t\n" is prepended). */
static const struct chkcase {
	const char	*text;
	const char	*err;	/* NULL: passes */
	int		 tls, port;
} chkcases[] = {
	{ "host mail.example.org\n", NULL, 1, 587 },
	{ "host mail.example.org\ntls_starttls off\n", NULL, 1, 465 },
	{ "host mail.example.org\ntls off\n", NULL, 0, 25 },
	{ "host mail.example.org\nport 2525\n", NULL, 1, 2525 },
	{ "host localhost\n", NULL, 0, 25 },
	{ "host 127.0.0.1\n", NULL, 0, 25 },
	{ "host ::1\n", NULL, 0, 25 },
	{ "host ::1\ntls on\n", NULL, 1, 587 },
	{ "host localhost\ntls on\ntls_starttls off\n", NULL, 1, 465 },
	{ "socket /run/smtp\n", NULL, 0, 25 },
	{ "socket /run/smtp\ntls on\n", NULL, 1, 587 },
	{ "host 127.0.0.1\nauth on\n", "t:1: authentication needs TLS: set "
	    "'tls on' (outbox never sends credentials in the clear)", 0, 25 },
	{ "host mail.example.org\ntls off\nauth plain\n", "t:1: authentication "
	    "needs TLS: set 'tls on' (outbox never sends credentials in the "
	    "clear)", 0, 25 },
	{ "host 127.0.0.1\ntls on\nauth on\n", NULL, 1, 587 },
	{ "host mail.example.org\nauth on\nuser u\n", NULL, 1, 587 },
	{ "host mail.example.org\nport 465\n", "t:1: port 465 is for implicit "
	    "TLS: set 'tls_starttls off'", 1, 465 },
	{ "host mail.example.org\nport 465\ntls_starttls off\n", NULL, 1, 465 },
	{ "host mail.example.org\nport 465\ntls off\n", NULL, 0, 465 },
	{ "from a@b\n", "t:1: no host given: set 'host' in account t", 1, 587 },
	{ "host mail.example.org\nprotocol lmtp\n", "t:1: LMTP has no default "
	    "port: set 'port' in account t", 1, 0 },
	{ "host mail.example.org\nprotocol lmtp\nport 24\n", NULL, 1, 24 },
	{ "socket /run/lmtp\nprotocol lmtp\n", NULL, 0, 0 },
	{ "host mail.example.org\nauth ntlm\nntlmdomain D\n",
	    "t:1: 'auth ntlm' is not supported yet", 1, 587 },
	{ "host mail.example.org\ntls_key_file /k\n", "t:1: 'tls_key_file' and "
	    "'tls_cert_file' go together: set both", 1, 587 },
	{ "host mail.example.org\ntls_cert_file /c\n", "t:1: 'tls_key_file' and "
	    "'tls_cert_file' go together: set both", 1, 587 },
	{ "host mail.example.org\ntls_cert_file /c\ntls_key_file /k\n", NULL,
	    1, 587 },
	{ "host mail.example.org\nsource_ip 192.0.2.1\nproxy_host 127.0.0.1\n",
	    NULL, 1, 587 },
	{ "host mail.example.org\nntlmdomain D\n", NULL, 1, 587 },
	{ "host mail.example.org\ntls_trust_file\n", "t:1: 'tls_trust_file' "
	    "is empty, so no certificate can be verified: set 'tls_fingerprint' "
	    "or 'tls_trust_file system'", 1, 587 },
	{ "host mail.example.org\ntls_trust_file\ntls_fingerprint " FP16 "\n",
	    NULL, 1, 587 },
	{ "host mail.example.org\ntls_trust_file\ntls_certcheck off\n", NULL,
	    1, 587 },
	{ "host localhost\ntls_trust_file \"\"\n", NULL, 0, 25 },
};

static void
test_check(void)
{
	const struct account *a;
	struct config *c;
	struct err e;
	char text[512];
	size_t i;
	int r;

	for (i = 0; i < sizeof(chkcases) / sizeof(chkcases[0]); i++) {
		const struct chkcase *k = &chkcases[i];

		snprintf(text, sizeof(text), "account t\n%s", k->text);
		c = parse(text, &e, &r);
		a = config_account(c, "t");
		if (a == NULL) {
			tap_ok(0, "check case %zu parses: %s", i, e.msg);
			config_free(c);
			continue;
		}
		err_clear(&e);
		r = account_check(a, &e);
		if (k->err == NULL)
			tap_ok(r == 0, "check %zu passes %s", i, e.msg);
		else
			tap_ok(r == -1 && e.kind == ERR_CONFIG &&
			    strcmp(e.msg, k->err) == 0, "check %zu: %s", i,
			    e.msg);
		tap_ok(account_tls(a) == k->tls && account_port(a) == k->port,
		    "check %zu: tls %d port %d", i, account_tls(a),
		    account_port(a));
		config_free(c);
	}
	/* a tls written in the defaults section counts as written */
	c = parse("defaults\ntls on\naccount t\nhost localhost\n", &e, &r);
	a = config_account(c, "t");
	tap_ok(a != NULL && account_tls(a) == 1, "defaults' tls on beats "
	    "the loopback exception");
	config_free(c);
}

/* account_set() as the command line uses it. */
static void
test_account_set(void)
{
	struct config *c = config_new();
	struct account *a = account_dup(config_defaults(c));
	struct err e;

	tap_ok(account_set(a, KW_HOST, "h.example", "--host", &e) == 0 &&
	    a->set[KW_HOST], "--host sets host");
	tap_ok(account_set(a, KW_PORT, "0", "--port", &e) == -1 &&
	    strcmp(e.msg, "--port: invalid port '0' (1 to 65535)") == 0,
	    "%s", e.msg);
	tap_ok(account_set(a, KW_TLS, "maybe", "--tls", &e) == -1 &&
	    strcmp(e.msg, "--tls: 'tls' needs on or off") == 0, "%s", e.msg);
	tap_ok(account_set(a, KW_FROM, "a\r\nRCPT TO:<x>", "--from", &e) == -1 &&
	    strcmp(e.msg, "--from: 'from' holds a control character") == 0,
	    "%s", e.msg);
	tap_ok(account_set(a, KW_COUNT, "x", "--x", &e) == -1 &&
	    e.kind == ERR_SOFTWARE, "KW_COUNT refused");
	tap_ok(account_set(a, KW_TLS, NULL, "--tls", &e) == 0 && a->tls == 1,
	    "NULL value is empty (on)");
	tap_ok(account_set(a, KW_PASSWORD, "pw", "--x", &e) == 0 &&
	    a->has_secret, "password sets has_secret");
	tap_ok(account_set(a, KW_PASSWORD, "", "--x", &e) == 0 &&
	    !a->has_secret && a->password == NULL, "empty password clears it");
	account_free(a);
	a = account_dup(config_defaults(c));
	tap_ok(account_set(a, KW_AUTH, "on", "--auth", &e) == 0 &&
	    account_set(a, KW_HOST, "127.0.0.1", "--host", &e) == 0,
	    "--auth and loopback host set");
	tap_ok(account_check(a, &e) == -1 && strncmp(e.msg, "authentication "
	    "needs TLS", 24) == 0, "no file:line for the command line: %s",
	    e.msg);
	account_free(a);
	a = account_dup(config_defaults(c));
	tap_ok(account_check(a, &e) == -1 && strcmp(e.msg, "no host given: "
	    "set 'host' in account (command line)") == 0, "%s", e.msg);
	account_free(a);
	config_free(c);
}

static const struct fromcase {
	const char	*addr, *want;
} fromcases[] = {
	{ "joe@example.org", "a" },
	{ "JOE@EXAMPLE.ORG", "a" },
	{ "joe+lists@example.org", "a" },
	{ "joe+@example.org", "a" },
	{ "x@example.net", "b" },
	{ "X@Example.NET", "b" },
	{ "x+y@example.net", "b" },
	{ "jim@example.com", "c" },
	{ "KIM@example.com", "c" },
	{ "tim@example.com", NULL },
	{ "ann@example.com", "e2" },
	{ "ann+x@example.com", "e" },
	{ "nobody@else.example", NULL },
	{ "", NULL },
	{ "+@example.org", NULL },
};

static void
test_by_from(void)
{
	const char *text =
	    "account a\nhost h\nfrom joe@example.org\n"
	    "account b\nhost h\nfrom *@example.net\n"
	    "account c\nhost h\nfrom [jk]im@example.com\n"
	    "account d\nhost h\nfrom JOE@example.org\n"
	    "account e\nhost h\nfrom ann+x@example.com\n"
	    "account e2\nhost h\nfrom ann@example.com\n";
	const struct account *a;
	struct config *c;
	struct err e;
	size_t i;
	int r;

	c = parse(text, &e, &r);
	tap_ok(r == 0, "by-from config parses %s", e.msg);
	for (i = 0; i < sizeof(fromcases) / sizeof(fromcases[0]); i++) {
		const struct fromcase *k = &fromcases[i];
		const char *want = k->want;

		a = config_account_by_from(c, k->addr);
		if (want == NULL)
			tap_ok(a == NULL, "'%s' matches nothing", k->addr);
		else
			tap_ok(a != NULL && strcmp(a->name, want) == 0,
			    "'%s' -> %s (%s)", k->addr, want, a ? a->name : "-");
	}
	config_free(c);
}

static int
write_file(const char *path, const char *text, mode_t mode)
{
	int fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return -1;
	close(fd);
	return chmod(path, mode);
}

static const struct permcase {
	const char	*name;
	const char	*text;
	mode_t		 mode;
	int		 is_system;
	const char	*err;	/* FILE is the path; NULL: accepted */
} permcases[] = {
	{ "0600 with password", "account a\nhost h\npassword p\n", 0600, 0,
	    NULL },
	{ "0400 with password", "account a\nhost h\npassword p\n", 0400, 0,
	    NULL },
	{ "0644 with password", "account a\nhost h\npassword p\n", 0644, 0,
	    "FILE: holds a password but is readable by others (mode 0644): "
	    "chmod 600 FILE" },
	{ "0640 with password", "account a\nhost h\npassword p\n", 0640, 0,
	    "FILE: holds a password but is readable by others (mode 0640): "
	    "chmod 600 FILE" },
	{ "0620 with password", "account a\nhost h\npassword p\n", 0620, 0,
	    "FILE: holds a password but is readable by others (mode 0620): "
	    "chmod 600 FILE" },
	{ "0644 without password", "account a\nhost h\npasswordeval x\n", 0644,
	    0, NULL },
	{ "0644 empty password", "account a\nhost h\npassword\n", 0644, 0, NULL },
	{ "system 0640 with password", "account a\nhost h\npassword p\n", 0640,
	    1, NULL },
	{ "system 0644 with password", "account a\nhost h\npassword p\n", 0644,
	    1, "FILE: holds a password but is readable by everyone (mode 0644): "
	    "chmod o-rwx FILE" },
	{ "system 0644 without password", "account a\nhost h\n", 0644, 1, NULL },
	{ "syntax error", "account a\nhost h\nport x\n", 0600, 0,
	    "FILE:3: invalid port 'x' (1 to 65535)" },
};

/* tmpl with every FILE replaced by path. */
static void
subst(char *buf, size_t cap, const char *tmpl, const char *path)
{
	const char *p;
	size_t len;

	buf[0] = '\0';
	while ((p = strstr(tmpl, "FILE")) != NULL) {
		len = strlen(buf);
		snprintf(buf + len, cap - len, "%.*s%s", (int)(p - tmpl), tmpl,
		    path);
		tmpl = p + 4;
	}
	len = strlen(buf);
	snprintf(buf + len, cap - len, "%s", tmpl);
}

static void
test_files(void)
{
	char path[256], want[1024];
	struct config *c;
	struct err e;
	size_t i;
	int r;

	snprintf(path, sizeof(path), "%s/rc", tmpdir);
	for (i = 0; i < sizeof(permcases) / sizeof(permcases[0]); i++) {
		const struct permcase *k = &permcases[i];

		if (write_file(path, k->text, k->mode) < 0) {
			tap_ok(0, "%s: write %s", k->name, strerror(errno));
			continue;
		}
		c = config_new();
		err_clear(&e);
		r = config_read(c, path, k->is_system, &e);
		if (k->err == NULL) {
			tap_ok(r == 0 && config_account(c, "a") != NULL, "%s: %s",
			    k->name, e.msg);
		} else {
			subst(want, sizeof(want), k->err, path);
			tap_ok(r == -1 && e.kind == ERR_CONFIG, "%s refused",
			    k->name);
			tap_str_eq(e.msg, want, k->name);
		}
		config_free(c);
	}
	unlink(path);
}

/* Symbolic links, foreign owners, missing files, directories. */
static void
test_files_misc(void)
{
	char path[256], link[256];
	struct config *c;
	struct err e;
	int r;

	snprintf(path, sizeof(path), "%s/rc", tmpdir);
	/* a symlink to a 0600 file: the target is checked */
	write_file(path, "account a\nhost h\npassword p\n", 0600);
	snprintf(link, sizeof(link), "%s/link", tmpdir);
	r = symlink(path, link);
	c = config_new();
	tap_ok(r == 0 && config_read(c, link, 0, &e) == 0 &&
	    config_account(c, "a")->has_secret, "symlinked dotfile read");
	config_free(c);
	chmod(path, 0644);
	c = config_new();
	tap_ok(config_read(c, link, 0, &e) == -1 && e.kind == ERR_CONFIG,
	    "symlink to a 0644 file refused");
	config_free(c);
	unlink(link);
	/* owned by someone else: only root can make such a file */
	if (getuid() == 0) {
		write_file(path, "account a\nhost h\npassword p\n", 0600);
		c = config_new();
		tap_ok(chown(path, 65534, 65534) == 0 &&
		    config_read(c, path, 0, &e) == -1 &&
		    strstr(e.msg, "holds a password but is owned by uid 65534, "
		    "not by you (uid 0)") != NULL, "foreign owner refused: %s",
		    e.msg);
		config_free(c);
	} else
		tap_diag("not root: foreign-owner case not run");
	unlink(path);
	c = config_new();
	tap_ok(config_read(c, path, 0, &e) == -1 && e.kind == ERR_NOINPUT,
	    "missing file is ERR_NOINPUT");
	tap_ok(config_read(c, tmpdir, 0, &e) == -1 && e.kind == ERR_CONFIG &&
	    strstr(e.msg, "not a regular file") != NULL, "directory refused");
	config_free(c);
}

static void
test_dup_print(void)
{
	const char *text = "account a\nhost localhost\nuser u\n"
	    "password hunter2\nfrom a@example.org\n";
	const struct account *a;
	struct account *d;
	struct config *c;
	struct err e;
	char *out;
	int r;

	c = parse(text, &e, &r);
	a = config_account(c, "a");
	if (a == NULL) {
		tap_ok(0, "dup config parses: %s", e.msg);
		config_free(c);
		return;
	}
	d = account_dup(a);
	tap_ok(d->host != a->host && strcmp(d->host, a->host) == 0 &&
	    d->password != a->password && strcmp(d->password, "hunter2") == 0,
	    "dup copies strings");
	tap_ok(strcmp(d->name, "a") == 0 && d->name != a->name &&
	    d->line == 1 && memcmp(d->set, a->set, sizeof(d->set)) == 0,
	    "dup copies name, line and set");
	account_set(d, KW_HOST, "other", "x", &e);
	tap_str_eq(a->host, "localhost", "original unchanged by the copy");
	account_free(d);
	account_free(NULL);
	tap_str_eq(a->user, "u", "original intact after free of copy");
	out = printed(a);
	tap_ok(strstr(out, "hunter2") == NULL, "-P never shows the password");
	tap_ok(strstr(out, "\npassword = *\n") != NULL, "-P shows * for it");
	tap_ok(strstr(out, "account = a\ndefined at = t:1\n") == out,
	    "-P names the account and where");
	tap_ok(strstr(out, "\ntls = on (off: loopback or socket)\n") != NULL,
	    "-P notes the loopback exception");
	tap_ok(strstr(out, "\nport = 25 (default)\n") != NULL,
	    "-P shows the derived port");
	free(out);
	config_free(c);
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	setenv("HOME", "/home/tester", 1);
	test_defaults();
	test_keyword_table();
	test_keywords();
	test_values();
	test_errors();
	test_long_lines();
	test_syntax();
	test_sections();
	test_inheritance();
	test_files_override();
	test_check();
	test_account_set();
	test_by_from();
	test_files();
	test_files_misc();
	test_dup_print();
	rmdir(tmpdir);
	return tap_done();
}
