/*
 * test_secret.c - where the password comes from: account, passwordeval
 * (real /bin/sh helpers), netrc files in a private directory, and the
 * prompt on a pseudo-terminal; the keyring step as a program run (fake
 * helpers named by $OUTBOX_KEYRING_HELPER: each exit status, bad output,
 * a timeout, none installed); the real outbox-keyring's guards, when
 * built (no bus: not asked; a bus that never answers: given up at the
 * timeout, netrc asked next).  The test runs in a session of its own,
 * without a controlling terminal, so "nothing found" is really NULL.  A
 * real keyring is in e2e/keyring.sh.
 */
#include "autoconfig.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "config.h"
#include "secret.h"
#include "status.h"
#include "util.h"
#include "../tap.h"

static char dir[] = "/tmp/test_secret.XXXXXX";
/* The real outbox-keyring, as secret.c would find it before the tests
 * point $OUTBOX_KEYRING_HELPER elsewhere; NULL when there is none. */
static char *real_helper;

/* secret_password() for an account built here. */
static int
get(const char *user, const char *host, const char *password,
    const char *eval, char **out, struct err *e)
{
	struct account a;

	memset(&a, 0, sizeof(a));
	a.user = (char *)(uintptr_t)user;
	a.host = (char *)(uintptr_t)host;
	a.password = (char *)(uintptr_t)password;
	a.passwordeval = (char *)(uintptr_t)eval;
	err_clear(e);
	return secret_password(&a, host, out, e);
}

/* One passwordeval helper: want is the password, or NULL with a part
 * of the error message in msg. */
static const struct ecase {
	const char	*cmd;
	const char	*want;
	size_t		wantlen;
	const char	*msg;
} ecases[] = {
	{ "echo secret", "secret", 6, NULL },
	{ "printf 'no newline'", "no newline", 10, NULL },
	{ "printf 'sec ret\\r\\n'", "sec ret", 7, NULL },
	{ "printf ''", "", 0, NULL },
	{ "printf '\\n'", "", 0, NULL },
	{ "printf 'p\\303\\244ss \"q\"\\n'", "p\xc3\xa4ss \"q\"", 9, NULL },
	{ "cat", "", 0, NULL },
	{ "echo noise >&2; echo pw", "pw", 2, NULL },
	{ "head -c 4096 /dev/zero | tr '\\0' a", NULL, 4096, NULL },
	{ "printf 'secret\\n\\n'", NULL, 0, "contains a line break" },
	{ "printf 'a\\nb\\n'", NULL, 0, "contains a line break" },
	{ "printf 'a\\rb'", NULL, 0, "contains a line break" },
	{ "printf 'secret\\r'", NULL, 0, "contains a line break" },
	{ "printf 'a\\000b'", NULL, 0, "NUL" },
	{ "head -c 4097 /dev/zero | tr '\\0' a", NULL, 0, "PASSWORD_EVAL_MAX" },
	{ "yes", NULL, 0, "PASSWORD_EVAL_MAX" },
	{ "exit 3", NULL, 0, "passwordeval command failed (exit 3)" },
	{ "echo secret; exit 1", NULL, 0, "passwordeval command failed (exit 1)" },
	{ "/nonexistent/helper", NULL, 0, "(exit 127)" },
	{ "kill -9 $$", NULL, 0, "killed by signal 9" },
};

static void
test_eval(void)
{
	const struct ecase *c;
	struct err e;
	char *out;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(ecases) / sizeof(ecases[0]); i++) {
		c = &ecases[i];
		out = NULL;
		rc = get("u", "h", NULL, c->cmd, &out, &e);
		if (c->msg == NULL && c->want == NULL)
			tap_ok(rc == 0 && out != NULL && strlen(out) == c->wantlen &&
			    strspn(out, "a") == c->wantlen, "eval [%s]: %zu bytes",
			    c->cmd, c->wantlen);
		else if (c->msg == NULL) {
			if (rc == 0 && out != NULL)
				tap_mem_eq(out, strlen(out), c->want, c->wantlen,
				    c->cmd);
			else
				tap_ok(0, "eval [%s]: %s", c->cmd, e.msg);
		} else if (!tap_ok(rc == -1 && e.kind == ERR_CONFIG && out == NULL &&
		    strstr(e.msg, c->msg) != NULL, "eval [%s] refused", c->cmd))
			tap_diag("rc %d: %s", rc, e.msg);
		free_secret(out);
	}
}

/* Helpers that outlive the timeout, with and without their output open. */
static const char *const slow[] = {
	"sleep 30",
	"(sleep 30; echo late) & echo early",
	"exec >&-; sleep 30",
};

static void
test_timeout(void)
{
	struct err e;
	char *out = NULL;
	long long t0;
	size_t i;
	int rc;

	secret_set_eval_timeout(1);
	for (i = 0; i < sizeof(slow) / sizeof(slow[0]); i++) {
		t0 = now_ms();
		rc = get("u", "h", NULL, slow[i], &out, &e);
		tap_ok(rc == -1 && e.kind == ERR_CONFIG && out == NULL &&
		    strstr(e.msg, "timed out") && now_ms() - t0 < 5000,
		    "[%s] killed after the timeout (%lld ms)", slow[i],
		    now_ms() - t0);
	}
	secret_set_eval_timeout(0);
	rc = get("u", "h", NULL, "echo fast", &out, &e);
	tap_ok(rc == 0 && out && strcmp(out, "fast") == 0, "default timeout "
	    "restored");
	free_secret(out);
}

static void
test_order(void)
{
	struct err e;
	char *out = NULL;
	int rc;

	rc = get("u", "h", "pw1", "echo other", &out, &e);
	tap_ok(rc == 0 && out && strcmp(out, "pw1") == 0,
	    "password wins over passwordeval");
	free_secret(out);
	rc = get("u", "h", NULL, "exit 3", &out, &e);
	tap_ok(rc == -1 && strcmp(e.msg, "passwordeval command failed (exit 3)")
	    == 0, "failed helper: exact message");
}

static const char netrc_text[] =
    "# a comment-like word is just a token\n"
    "machine other.example login bob password wrong\n"
    "machine smtp.example.org\n"
    "\tlogin alice\n"
    "\tpassword \"s3cret word\"\n"
    "machine smtp.example.org login carol account x password carolpw\n"
    "macdef init\n"
    "machine smtp.example.org login mallory password macro\n"
    "password nope\n"
    "\n"
    "machine smtp.example.org login erin password \"q\\\"uote\"\n"
    "default login dave password davepw\n";

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f;

	unlink(path);
	if ((f = fopen(path, "w")) == NULL || fputs(text, f) == EOF ||
	    fclose(f) == EOF || chmod(path, mode) == -1)
		tap_diag("cannot write %s", path);
}

/* user, host -> want (NULL: none found, and no error). */
static const struct ncase {
	const char	*user;
	const char	*host;
	const char	*want;
} ncases[] = {
	{ "alice", "smtp.example.org", "s3cret word" },
	{ "carol", "smtp.example.org", "carolpw" },
	{ NULL, "smtp.example.org", "s3cret word" },
	{ "alice", "SMTP.Example.ORG", "s3cret word" },
	{ "erin", "smtp.example.org", "q\"uote" },
	{ "bob", "other.example", "wrong" },
	{ "mallory", "smtp.example.org", NULL },
	{ "dave", "unknown.example", "davepw" },
	{ "dave", "smtp.example.org", "davepw" },
	{ NULL, "unknown.example", "davepw" },
	{ "alice", "unknown.example", NULL },
	{ "nobody", "other.example", NULL },
};

static void
test_netrc(void)
{
	const struct ncase *c;
	struct err e;
	char path[64], *out;
	size_t i;
	int rc;

	snprintf(path, sizeof(path), "%s/netrc", dir);
	write_file(path, netrc_text, 0600);
	setenv("NETRC", path, 1);
	for (i = 0; i < sizeof(ncases) / sizeof(ncases[0]); i++) {
		c = &ncases[i];
		out = NULL;
		rc = get(c->user, c->host, NULL, NULL, &out, &e);
		if (!tap_ok(rc == 0 && (c->want == NULL ? out == NULL :
		    out != NULL && strcmp(out, c->want) == 0), "netrc %s at %s "
		    "-> %s", c->user ? c->user : "(any)", c->host,
		    c->want ? c->want : "none"))
			tap_diag("rc %d out %s: %s", rc, out ? out : "NULL", e.msg);
		free_secret(out);
	}
	chmod(path, 0644);
	out = NULL;
	rc = get("alice", "smtp.example.org", NULL, NULL, &out, &e);
	tap_ok(rc == -1 && e.kind == ERR_CONFIG && out == NULL &&
	    strstr(e.msg, "readable by others") && !strstr(e.msg, "s3cret"),
	    "netrc mode 0644 holding the password: %s", e.msg);
	rc = get("nobody", "nowhere.example", NULL, NULL, &out, &e);
	tap_ok(rc == 0 && out == NULL, "netrc mode 0644 without a match: "
	    "nothing, no error");
	chmod(path, 0640);
	rc = get("alice", "smtp.example.org", NULL, NULL, &out, &e);
	tap_ok(rc == -1 && e.kind == ERR_CONFIG, "netrc mode 0640 refused");
	chmod(path, 0600);

	snprintf(path, sizeof(path), "%s/.netrc", dir);
	write_file(path, "machine h.example login u password homepw\n", 0600);
	unsetenv("NETRC");
	setenv("HOME", dir, 1);
	rc = get("u", "h.example", NULL, NULL, &out, &e);
	tap_ok(rc == 0 && out && strcmp(out, "homepw") == 0,
	    "$HOME/.netrc when $NETRC is unset");
	free_secret(out);
	snprintf(path, sizeof(path), "%s/netrc", dir);
	setenv("NETRC", path, 1);
	rc = get("u", "h.example", NULL, NULL, &out, &e);
	tap_ok(rc == 0 && out == NULL, "$NETRC overrides $HOME/.netrc");
	setenv("NETRC", "/nonexistent/netrc", 1);
	rc = get("alice", "smtp.example.org", NULL, NULL, &out, &e);
	tap_ok(rc == 0 && out == NULL, "missing netrc and no terminal: NULL");
	rc = get("alice", "smtp.example.org", NULL, "echo evalpw", &out, &e);
	tap_ok(rc == 0 && out && strcmp(out, "evalpw") == 0,
	    "passwordeval wins over netrc");
	free_secret(out);
}

/* Read the pty master until want appears (or it closes); returns what
 * was read, NUL-terminated, in buf. */
static void
master_read(int m, char *buf, size_t cap, const char *want)
{
	struct pollfd pfd = { .fd = m, .events = POLLIN };
	size_t len = 0;
	ssize_t n;

	buf[0] = '\0';
	while (len + 1 < cap && strstr(buf, want) == NULL &&
	    poll(&pfd, 1, 10000) == 1) {
		if ((n = read(m, buf + len, cap - 1 - len)) <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
	}
}

/* The prompt on a pseudo-terminal made the controlling terminal of a
 * child in a new session; the child reports the result through a pipe. */
static void
prompt_case(const char *typed, const char *want, const char *name)
{
	char seen[512], got[256];
	struct termios t;
	int m, s, p[2], status;
	ssize_t n;
	pid_t pid;

	if ((m = posix_openpt(O_RDWR | O_NOCTTY)) == -1 || grantpt(m) == -1 ||
	    unlockpt(m) == -1 || pipe(p) == -1) {
		tap_ok(0, "%s: no pty", name);
		return;
	}
	if ((pid = fork()) == 0) {
		struct err e;
		char *out = NULL;
		int rc;

		close(p[0]);
		setsid();
		if ((s = open(ptsname(m), O_RDWR)) == -1)
			_exit(2);
		close(m);
		rc = get("alice", "smtp.example.org", NULL, NULL, &out, &e);
		tcgetattr(s, &t);
		dprintf(p[1], "%d %d %s", rc, (t.c_lflag & ECHO) != 0,
		    rc == 0 && out ? out : e.msg);
		_exit(0);
	}
	close(p[1]);
	master_read(m, seen, sizeof(seen), "password for alice at "
	    "smtp.example.org: ");
	tap_ok(strstr(seen, "password for alice at smtp.example.org: ") != NULL,
	    "%s: prompt shown", name);
	if (write(m, typed, strlen(typed)) == -1)
		tap_diag("write to pty failed");
	master_read(m, seen, sizeof(seen), "\n");
	n = read(p[0], got, sizeof(got) - 1);
	got[n > 0 ? n : 0] = '\0';
	waitpid(pid, &status, 0);
	tap_str_eq(got, want, name);
	tap_ok(strspn(seen, "\r\n") == strlen(seen) && strchr(seen, '\n'),
	    "%s: nothing echoed, one line end", name);
	close(p[0]);
	close(m);
}

static void
test_prompt(void)
{
	setenv("NETRC", "/nonexistent/netrc", 1);
	prompt_case("pa\x7fx\xc3\xa4\x7fss\r", "0 1 pxss",
	    "typed password with erase (UTF-8), echo restored");
	prompt_case("pass\x15" "sesame\n", "0 1 sesame", "kill character");
	prompt_case("pass\x03", "-1 1 no password: the prompt was cancelled",
	    "interrupt cancels, echo restored");
}

/* A fake keyring helper (the body of a /bin/sh script), what the
 * lookup gives: want is the password (netrc's "np" when the keyring step
 * is skipped), or NULL with a part of the ERR_CONFIG message in msg.
 * slow: it must end at the keyring timeout (1 s here).  A want holding
 * '|' asks for the user "a;lice $(x)", which no shell may see. */
static const struct fcase {
	const char	*body;
	const char	*want;
	const char	*msg;
	int		slow;
	const char	*name;
} fcases[] = {
	{ "printf 'kpw\\n'", "kpw", NULL, 0, "found (exit 0)" },
	{ "printf 'k p\\303\\244w'", "k p\xc3\xa4w", NULL, 0,
	    "found without a newline, bytes kept" },
	{ "printf 'kpw\\r\\n'", "kpw", NULL, 0, "found, CRLF stripped" },
	{ "printf '\\n'", "", NULL, 0, "found, empty" },
	{ "printf '%s|%s|%s\\n' \"$#\" \"$1\" \"$2\"",
	    "2|smtp.example.org|a;lice $(x)", NULL, 0,
	    "argv HOST USER, no shell" },
	{ "exit 1", "np", NULL, 0, "not found (exit 1): netrc" },
	{ "echo junk; exit 1", "np", NULL, 0, "not found, output ignored" },
	{ "echo junk; exit 3", "np", NULL, 0, "exit 3: skipped" },
	{ "exit 127", "np", NULL, 0, "exit 127: skipped" },
	{ "kill -9 $$", "np", NULL, 0, "killed by a signal: skipped" },
	{ "head -c 5000 /dev/zero | tr '\\0' a", "np", NULL, 0,
	    "output over PASSWORD_EVAL_MAX: skipped" },
	{ "if read -r x; then echo \"$x\"; exit 0; fi; exit 1", "np", NULL, 0,
	    "stdin is /dev/null" },
	{ "exit 2", NULL, "contains a line break or a NUL byte", 0,
	    "entry holding CR/LF/NUL (exit 2): 78" },
	{ "printf 'a\\rb\\n'", NULL, "outbox-keyring output contains a line "
	    "break", 0, "CR in the output: 78" },
	{ "printf 'a\\nb\\n'", NULL, "line break", 0, "LF in the output: 78" },
	{ "printf 'ab\\n\\n'", NULL, "line break", 0, "two newlines: 78" },
	{ "printf 'a\\000b'", NULL, "NUL", 0, "NUL in the output: 78" },
	{ "sleep 30; echo late", "np", NULL, 1, "timeout: killed, skipped" },
	{ "(sleep 30; echo late) & echo early", "np", NULL, 1,
	    "timeout with its output held open: skipped" },
	{ "exec >&-; sleep 30", "np", NULL, 1,
	    "timeout after closing its output: skipped" },
};

/* secret_password() for user at smtp.example.org with no password and
 * no passwordeval: the keyring step, then netrc ("np"). */
static void
fake_case(const char *name, const char *want, const char *msg, int timed)
{
	struct err e;
	char *out = NULL;
	long long t0 = now_ms(), ms;
	int rc;

	rc = get(want != NULL && strchr(want, '|') ? "a;lice $(x)" : "alice",
	    "smtp.example.org", NULL, NULL, &out, &e);
	ms = now_ms() - t0;
	if (msg != NULL) {
		if (!tap_ok(rc == -1 && e.kind == ERR_CONFIG && out == NULL &&
		    strstr(e.msg, msg) != NULL, "keyring %s", name))
			tap_diag("rc %d: %s", rc, e.msg);
	} else if (!tap_ok(rc == 0 && out != NULL && strcmp(out, want) == 0 &&
	    e.kind == ERR_NONE && (timed ? ms >= 900 && ms < 5000 : ms < 800),
	    "keyring %s (%lld ms)", name, ms))
		tap_diag("rc %d out %s: %s", rc, out ? out : "NULL", e.msg);
	free_secret(out);
}

static void
test_fake_keyring(void)
{
	const struct fcase *c;
	struct err e;
	char path[64], body[256], mark[64], *out = NULL;
	size_t i;
	int rc;

	snprintf(path, sizeof(path), "%s/netrc", dir);
	write_file(path, "machine smtp.example.org login alice password np\n",
	    0600);
	setenv("NETRC", path, 1);
	snprintf(path, sizeof(path), "%s/helper", dir);
	setenv("OUTBOX_KEYRING_HELPER", path, 1);
	secret_set_keyring_timeout(1);
	for (i = 0; i < sizeof(fcases) / sizeof(fcases[0]); i++) {
		c = &fcases[i];
		snprintf(body, sizeof(body), "#!/bin/sh\n%s\n", c->body);
		write_file(path, body, 0755);
		fake_case(c->name, c->want, c->msg, c->slow);
	}
	write_file(path, "#!/bin/sh\necho kpw\n", 0644);
	fake_case("helper not executable: skipped", "np", NULL, 0);
	unlink(path);
	fake_case("helper missing: skipped", "np", NULL, 0);

	/* password and passwordeval come first: the keyring is not run */
	snprintf(mark, sizeof(mark), "%s/ran", dir);
	snprintf(body, sizeof(body), "#!/bin/sh\n: >%s\necho kpw\n", mark);
	write_file(path, body, 0755);
	rc = get("alice", "smtp.example.org", "pw1", NULL, &out, &e);
	tap_ok(rc == 0 && out && strcmp(out, "pw1") == 0 &&
	    access(mark, F_OK) == -1, "password: the keyring not run");
	free_secret(out);
	out = NULL;
	rc = get("alice", "smtp.example.org", NULL, "echo evalpw", &out, &e);
	tap_ok(rc == 0 && out && strcmp(out, "evalpw") == 0 &&
	    access(mark, F_OK) == -1, "passwordeval: the keyring not run");
	free_secret(out);
	out = NULL;
	rc = get("alice", "smtp.example.org", NULL, NULL, &out, &e);
	tap_ok(rc == 0 && out && strcmp(out, "kpw") == 0 &&
	    access(mark, F_OK) == 0, "neither: the keyring is run, before "
	    "netrc");
	free_secret(out);
	unlink(mark);
	unlink(path);
	secret_set_keyring_timeout(0);
	unsetenv("OUTBOX_KEYRING_HELPER");
}

/* The keyring's guards, each followed by netrc's answer. bus: NULL
 * unsets DBUS_SESSION_BUS_ADDRESS, "" empties it, a path below the
 * test's directory makes it unix:path=that; xdg: NULL unsets
 * XDG_RUNTIME_DIR, else a path below the directory, whose "bus" is a
 * socket listened on but never answered. asked: the bus is tried, so
 * the lookup ends at the timeout.  The real outbox-keyring is run. */
static const struct kcase {
	const char	*bus;
	const char	*xdg;
	int		asked;
	const char	*name;
} kcases[] = {
	{ NULL, "/nobus", 0, "no session bus: not asked" },
	{ "", "/nobus", 0, "empty bus address: not asked" },
	{ NULL, "/file", 0, "$XDG_RUNTIME_DIR/bus not a socket: not asked" },
	{ "/nobus/bus", NULL, 0, "dead bus address: fails at once" },
	{ "/bus", NULL, 1, "silent bus: given up at the timeout" },
	{ NULL, "", 1, "$XDG_RUNTIME_DIR/bus is asked" },
};

/* A socket at dir/bus that accepts connections into its backlog and
 * never answers them; dir/file/bus a regular file. */
static int
silent_bus(void)
{
	struct sockaddr_un sa;
	char path[64];
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/bus", dir);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(fd, 16) == -1)
		tap_diag("cannot listen on %s", sa.sun_path);
	snprintf(path, sizeof(path), "%s/file", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/file/bus", dir);
	write_file(path, "not a socket\n", 0600);
	return fd;
}

/* name=prefix<dir>path; unset when path is NULL, empty when both are. */
static void
set_env(const char *name, const char *prefix, const char *path)
{
	char buf[128];

	if (path == NULL)
		unsetenv(name);
	else if (prefix != NULL && *path == '\0')
		setenv(name, "", 1);
	else {
		snprintf(buf, sizeof(buf), "%s%s%s", prefix ? prefix : "", dir,
		    path);
		setenv(name, buf, 1);
	}
}

static void
test_keyring(void)
{
	const struct kcase *c;
	struct err e;
	char path[64], *out;
	long long t0, ms;
	size_t i;
	int fd, rc, asked;

	fd = silent_bus();
	snprintf(path, sizeof(path), "%s/netrc", dir);
	write_file(path, "machine smtp.example.org login alice password np\n",
	    0600);
	setenv("NETRC", path, 1);
	if (real_helper != NULL)
		setenv("OUTBOX_KEYRING_HELPER", real_helper, 1);
	secret_set_keyring_timeout(1);
	for (i = 0; i < sizeof(kcases) / sizeof(kcases[0]); i++) {
		c = &kcases[i];
		asked = c->asked && real_helper != NULL;
		set_env("DBUS_SESSION_BUS_ADDRESS", "unix:path=", c->bus);
		set_env("XDG_RUNTIME_DIR", NULL, c->xdg);
		out = NULL;
		t0 = now_ms();
		rc = get("alice", "smtp.example.org", NULL, NULL, &out, &e);
		ms = now_ms() - t0;
		tap_ok(rc == 0 && out != NULL && strcmp(out, "np") == 0 &&
		    (asked ? ms >= 900 && ms < 5000 : ms < 800) &&
		    (c->bus != NULL || getenv("DBUS_SESSION_BUS_ADDRESS") ==
		    NULL), "%s%s, then netrc (%lld ms)", c->name,
		    real_helper != NULL ? "" : " (no outbox-keyring built)",
		    ms);
		free_secret(out);
	}
	secret_set_keyring_timeout(0);
	unsetenv("OUTBOX_KEYRING_HELPER");
	unsetenv("DBUS_SESSION_BUS_ADDRESS");
	unsetenv("XDG_RUNTIME_DIR");
	close(fd);
}

/* The helper secret.c would run: $OUTBOX_KEYRING_HELPER (make check
 * names the one built), else the installed one when built with it. */
static void
find_real_helper(void)
{
	const char *s = getenv("OUTBOX_KEYRING_HELPER");

#ifdef HAVE_LIBSECRET
	if (s == NULL || *s == '\0')
		s = KEYRING_HELPER;
#endif
	if (s != NULL && *s != '\0' && access(s, X_OK) == 0)
		real_helper = xstrdup(s);
	else
		tap_diag("no outbox-keyring to run: the keyring's guards are "
		    "checked as skipped");
}

static void
cleanup(void)
{
	char path[64];

	snprintf(path, sizeof(path), "%s/bus", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/file/bus", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/file", dir);
	rmdir(path);

	snprintf(path, sizeof(path), "%s/netrc", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/.netrc", dir);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	int p[2], status;
	pid_t pid;

	/* A session without a controlling terminal: /dev/tty cannot open. */
	if ((pid = fork()) > 0) {
		waitpid(pid, &status, 0);
		return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
	}
	setsid();
	/* stdin holds data the helpers must never see. */
	if (pipe(p) == 0 && write(p[1], "LEAK\n", 5) == 5) {
		dup2(p[0], STDIN_FILENO);
		close(p[0]);
		close(p[1]);
	}
	if (mkdtemp(dir) == NULL)
		return 99;
	find_real_helper();
	test_order();
	test_eval();
	test_timeout();
	test_netrc();
	test_fake_keyring();
	test_keyring();
	test_prompt();
	status = tap_done();
	cleanup();
	free(real_helper);
	return status;
}
