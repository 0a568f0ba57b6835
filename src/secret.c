/*
 * secret.c - where the password comes from, in msmtp's order: the
 * account's password, a passwordeval helper, the system keyring (when
 * built with libsecret, through the outbox-keyring helper), ~/.netrc,
 * the terminal.
 *
 * Owns: running a helper program (passwordeval through sh -c; the
 * keyring's outbox-keyring, built from keyring.c, directly: stdin
 * /dev/null, stdout through a pipe, stderr inherited, a timeout that
 * kills its process group, output bounded by PASSWORD_EVAL_MAX),
 * reading netrc (owner and mode checked on the opened descriptor), the
 * prompt on /dev/tty with echo off.  It must not link GLib (the keyring
 * helper does, in its own process, only when it is asked), nor read
 * stdin (it carries the message), nor print a secret, and it wipes every
 * buffer that held one, on every path.
 */
#include "autoconfig.h"

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "config.h"
#include "limits.h"
#include "secret.h"
#include "status.h"
#include "util.h"

/* passwordeval's timeout in seconds: PASSWORD_EVAL_SECONDS except in tests. */
static int eval_seconds = PASSWORD_EVAL_SECONDS;
/* The keyring helper's timeout in seconds: KEYRING_SECONDS except in tests. */
static int keyring_seconds = KEYRING_SECONDS;

/* A program run for a password: passwordeval's shell, or the keyring
 * helper run directly (no shell: its arguments are data). */
struct helper {
	const char		*what;	/* names it in messages */
	const char		*path;	/* run with execv() */
	const char *const	*argv;
	int			seconds; /* its time limit */
};

void
secret_set_eval_timeout(int seconds)
{
	eval_seconds = seconds > 0 ? seconds : PASSWORD_EVAL_SECONDS;
}

/* Start h with stdin /dev/null and stdout into a pipe (read end in
 * *rfd), in a process group of its own so a timeout kills it whole. */
static pid_t
helper_spawn(const struct helper *h, int *rfd, struct err *e)
{
	int p[2], nul;
	pid_t pid;

	if ((nul = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1)
		return err_set(e, ERR_OSERR, "/dev/null: %s", strerror(errno));
	if (pipe(p) == -1) {
		close(nul);
		return err_set(e, ERR_OSERR, "pipe: %s", strerror(errno));
	}
	(void)fcntl(p[0], F_SETFD, FD_CLOEXEC);
	(void)fcntl(p[1], F_SETFD, FD_CLOEXEC);
	if ((pid = fork()) == 0) {
		(void)setpgid(0, 0);
		(void)signal(SIGPIPE, SIG_DFL);
		if (dup2(nul, STDIN_FILENO) == -1 ||
		    dup2(p[1], STDOUT_FILENO) == -1)
			_exit(127);
		/* execv() takes char *const[]; it writes none of them. */
		execv(h->path, (char *const *)(uintptr_t)h->argv);
		_exit(127);
	}
	close(nul);
	close(p[1]);
	if (pid == -1) {
		close(p[0]);
		return err_set(e, ERR_OSERR, "fork: %s", strerror(errno));
	}
	(void)setpgid(pid, pid);	/* either side may win the race */
	*rfd = p[0];
	return pid;
}

static int
helper_timed_out(const struct helper *h, struct err *e)
{
	return err_set(e, ERR_CONFIG, "%s command timed out after %d seconds",
	    h->what, h->seconds);
}

/* Read the helper's output into buf until EOF or the deadline; cap is
 * one more than allowed, so that a full buffer means "too long". */
static int
helper_read(const struct helper *h, int fd, char *buf, size_t cap,
    size_t *len, long long deadline, struct err *e)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	long long left;
	ssize_t n;

	for (*len = 0;;) {
		if ((left = deadline - now_ms()) <= 0)
			return helper_timed_out(h, e);
		n = poll(&pfd, 1, left > 1000 ? 1000 : (int)left);
		if (n == -1 && errno != EINTR)
			return err_set(e, ERR_OSERR, "poll: %s", strerror(errno));
		if (n <= 0)
			continue;
		if ((n = read(fd, buf + *len, cap - *len)) == 0)
			return 0;
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return err_set(e, ERR_CONFIG, "%s: reading its output: "
			    "%s", h->what, strerror(errno));
		if ((*len += (size_t)n) == cap)
			return err_set(e, ERR_CONFIG, "%s output is longer than "
			    "PASSWORD_EVAL_MAX (%d bytes)", h->what,
			    PASSWORD_EVAL_MAX);
	}
}

/* Kill the helper's process group and reap it. */
static void
helper_kill(pid_t pid, int *status)
{
	if (kill(-pid, SIGKILL) == -1)
		(void)kill(pid, SIGKILL);
	while (waitpid(pid, status, 0) == -1 && errno == EINTR)
		continue;
}

/* Reap the helper (which may linger after closing its output) by the
 * deadline; past it, kill it. */
static int
helper_wait(const struct helper *h, pid_t pid, long long deadline,
    int *status, struct err *e)
{
	pid_t r;

	for (;;) {
		if ((r = waitpid(pid, status, WNOHANG)) == pid)
			return 0;
		if (r == -1 && errno != EINTR)
			return err_set(e, ERR_OSERR, "waitpid: %s",
			    strerror(errno));
		if (now_ms() >= deadline) {
			helper_kill(pid, status);
			return helper_timed_out(h, e);
		}
		(void)poll(NULL, 0, 10);	/* nothing to wait on but time */
	}
}

/* Run h to its end within its time limit: its output in buf (capacity
 * PASSWORD_EVAL_MAX + 1, wiped by the caller), its wait status in
 * *status. -1 when it could not run, timed out or said too much. */
static int
helper_run(const struct helper *h, char *buf, size_t cap, size_t *len,
    int *status, struct err *e)
{
	long long deadline = now_ms() + h->seconds * 1000LL;
	int fd = -1, ret = -1;
	pid_t pid;

	*len = 0;
	*status = 0;
	if ((pid = helper_spawn(h, &fd, e)) == -1)
		return -1;
	if (helper_read(h, fd, buf, cap, len, deadline, e) == -1)
		helper_kill(pid, status);
	else if (helper_wait(h, pid, deadline, status, e) == 0)
		ret = 0;
	close(fd);
	return ret;
}

/* The password from the helper's output: one trailing LF or CRLF
 * stripped; any other line break, or a NUL, refused. */
static int
helper_output(const struct helper *h, char *buf, size_t len, char **out,
    struct err *e)
{
	if (len > 0 && buf[len - 1] == '\n') {
		len--;
		if (len > 0 && buf[len - 1] == '\r')
			len--;
	}
	if (memchr(buf, '\n', len) != NULL || memchr(buf, '\r', len) != NULL)
		return err_set(e, ERR_CONFIG, "%s output contains a line break",
		    h->what);
	if (memchr(buf, '\0', len) != NULL)
		return err_set(e, ERR_CONFIG, "%s output contains a NUL byte",
		    h->what);
	*out = xstrndup(buf, len);
	return 0;
}

/* Run passwordeval (sh -c cmd); its output is the password. */
static int
run_eval(const char *cmd, char **out, struct err *e)
{
	const char *argv[] = { "sh", "-c", cmd, NULL };
	const struct helper h = { "passwordeval", "/bin/sh", argv,
	    eval_seconds };
	char buf[PASSWORD_EVAL_MAX + 1];
	size_t len;
	int status, ret;

	ret = helper_run(&h, buf, sizeof(buf), &len, &status, e);
	if (ret == 0 && WIFSIGNALED(status))
		ret = err_set(e, ERR_CONFIG, "passwordeval command killed by "
		    "signal %d", WTERMSIG(status));
	else if (ret == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
		ret = err_set(e, ERR_CONFIG, "passwordeval command failed "
		    "(exit %d)", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	else if (ret == 0)
		ret = helper_output(&h, buf, len, out, e);
	wipe(buf, sizeof(buf));
	return ret;
}

/* The next netrc token at *pp into tok (room for the rest of the file):
 * a word, or a "quoted string" whose backslash takes the next byte. */
static int
netrc_token(const char **pp, const char *end, char *tok)
{
	const char *p = *pp;
	char *q = tok;

	while (p < end && isspace((unsigned char)*p))
		p++;
	if (p == end) {
		*pp = p;
		return 0;
	}
	if (*p == '"') {
		for (p++; p < end && *p != '"'; p++) {
			if (*p == '\\' && p + 1 < end)
				p++;
			*q++ = *p;
		}
		if (p < end)
			p++;
	} else
		while (p < end && !isspace((unsigned char)*p))
			*q++ = *p++;
	*q = '\0';
	*pp = p;
	return 1;
}

/* One netrc entry being read ("machine x" or "default"). */
struct entry {
	int	host_ok;
	int	is_default;
	char	*login;
	char	*password;
};

static void
entry_clear(struct entry *en)
{
	free(en->login);
	free_secret(en->password);
	memset(en, 0, sizeof(*en));
}

/* Keep a finished entry that fits; a machine beats default. */
static void
entry_done(struct entry *en, const char *user, char **mach, char **dflt)
{
	char **slot = en->is_default ? dflt : mach;

	if (en->host_ok && en->password != NULL && *slot == NULL &&
	    (user == NULL || (en->login != NULL && strcmp(en->login, user) == 0))) {
		*slot = en->password;
		en->password = NULL;
	}
	entry_clear(en);
}

/* Skip a macdef body: everything up to an empty line. */
static const char *
skip_macdef(const char *p, const char *end)
{
	const char *q = p;

	while (q < end && *q != '\n')	/* rest of the macdef line */
		q++;
	while (q < end && !(q[0] == '\n' && q + 1 < end && q[1] == '\n'))
		q++;
	return q;
}

/* Find the password for user at host in buf; *pw NULL when none. */
static void
netrc_parse(const char *buf, size_t len, const char *host, const char *user,
    char **pw)
{
	const char *p = buf, *end = buf + len;
	char *tok = xmalloc(len + 1), *mach = NULL, *dflt = NULL;
	struct entry en;

	memset(&en, 0, sizeof(en));
	while (mach == NULL && netrc_token(&p, end, tok)) {
		if (strcmp(tok, "machine") == 0 || strcmp(tok, "default") == 0) {
			entry_done(&en, user, &mach, &dflt);
			en.is_default = tok[0] == 'd';
			en.host_ok = en.is_default || (netrc_token(&p, end, tok) &&
			    ascii_casecmp(tok, host) == 0);
		} else if (strcmp(tok, "login") == 0 && netrc_token(&p, end, tok)) {
			free(en.login);
			en.login = xstrdup(tok);
		} else if (strcmp(tok, "password") == 0 &&
		    netrc_token(&p, end, tok)) {
			free_secret(en.password);
			en.password = xstrdup(tok);
		} else if (strcmp(tok, "account") == 0)
			(void)netrc_token(&p, end, tok);
		else if (strcmp(tok, "macdef") == 0)
			p = skip_macdef(p, end);
	}
	entry_done(&en, user, &mach, &dflt);
	*pw = mach != NULL ? mach : dflt;
	free_secret(mach != NULL ? dflt : NULL);
	wipe(tok, len + 1);
	free(tok);
}

/* The netrc path: $NETRC, else ~/.netrc (caller frees), or NULL. */
static char *
netrc_path(void)
{
	const char *s = getenv("NETRC"), *home = getenv("HOME");
	struct passwd *pw;

	if (s != NULL && *s != '\0')
		return xstrdup(s);
	if ((home == NULL || *home == '\0') && (pw = getpwuid(getuid())) != NULL)
		home = pw->pw_dir;
	return home != NULL && *home != '\0' ? xasprintf("%s/.netrc", home) : NULL;
}

/* Read the opened netrc whole (caller wipes and frees). */
static char *
netrc_load(int fd, const char *path, const struct stat *st, size_t *len,
    struct err *e)
{
	char *buf;
	ssize_t n;

	if (!S_ISREG(st->st_mode) || st->st_size > NETRC_MAX) {
		err_set(e, ERR_CONFIG, "%s: not a regular file or larger than "
		    "NETRC_MAX", path);
		return NULL;
	}
	buf = xmalloc((size_t)st->st_size + 1);
	for (*len = 0; *len <= (size_t)st->st_size; *len += (size_t)n) {
		n = read(fd, buf + *len, (size_t)st->st_size + 1 - *len);
		if (n == -1 && errno == EINTR)
			n = 0;
		else if (n == -1) {
			err_set(e, ERR_CONFIG, "%s: %s", path, strerror(errno));
			wipe(buf, *len);
			free(buf);
			return NULL;
		} else if (n == 0)
			break;
	}
	return buf;
}

/* The password for user at host from netrc; *out NULL when none. The
 * file must be ours and readable by nobody else when it gives one. */
static int
netrc_lookup(const char *host, const char *user, char **out, struct err *e)
{
	char *path = netrc_path(), *buf = NULL;
	struct stat st;
	size_t len = 0;
	int fd = -1, ret = -1;

	if (path == NULL || host == NULL)
		ret = 0;
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		ret = errno == ENOENT || errno == ENOTDIR ? 0 : err_set(e,
		    ERR_CONFIG, "%s: %s", path, strerror(errno));
	else if (fstat(fd, &st) == -1)
		err_set(e, ERR_CONFIG, "%s: %s", path, strerror(errno));
	else if ((buf = netrc_load(fd, path, &st, &len, e)) != NULL) {
		netrc_parse(buf, len, host, user, out);
		ret = 0;
		if (*out != NULL && st.st_uid != geteuid())
			ret = err_set(e, ERR_CONFIG, "%s holds a password but "
			    "is not owned by you", path);
		else if (*out != NULL && (st.st_mode & (S_IRGRP | S_IROTH)))
			ret = err_set(e, ERR_CONFIG, "%s holds a password but "
			    "is readable by others: chmod 600 %s", path, path);
	}
	if (ret == -1) {
		free_secret(*out);
		*out = NULL;
	}
	if (buf != NULL)
		wipe(buf, len);
	free(buf);
	if (fd != -1)
		close(fd);
	free(path);
	return ret;
}

int
secret_have_keyring(void)
{
#ifdef HAVE_LIBSECRET
	return 1;
#else
	return 0;
#endif
}

void
secret_set_keyring_timeout(int seconds)
{
	keyring_seconds = seconds > 0 ? seconds : KEYRING_SECONDS;
}

/* The keyring helper to run: $OUTBOX_KEYRING_HELPER, which the test
 * suite sets to the one in the build tree (harmless: outbox never runs
 * with privileges its caller does not have, main.c drops set-id ones
 * first), else the installed one when this build has it. */
static const char *
keyring_helper(void)
{
	const char *s = getenv("OUTBOX_KEYRING_HELPER");

	if (s != NULL && *s != '\0')
		return s;
#ifdef HAVE_LIBSECRET
	return KEYRING_HELPER;
#else
	return NULL;
#endif
}

/*
 * The password for user at host from the system keyring; *out NULL when
 * none.  outbox-keyring (keyring.c) asks it, so that GLib and libsecret
 * are loaded only by the runs that reach this step.  Its exit status:
 * KEYRING_FOUND with the password on stdout, KEYRING_NONE, or
 * KEYRING_UNUSABLE for an entry holding CR, LF or NUL (78).  Anything
 * else, a timeout, or a helper that is not installed counts as "not in
 * the keyring", as every keyring failure always has: the next source is
 * asked.
 */
static int
keyring_lookup(const char *host, const char *user, char **out, struct err *e)
{
	const char *path = keyring_helper();
	const char *argv[] = { "outbox-keyring", host, user, NULL };
	const struct helper h = { "outbox-keyring", path, argv,
	    keyring_seconds };
	char buf[PASSWORD_EVAL_MAX + 1];
	size_t len;
	int status, ret = 0;

	if (path == NULL || host == NULL || user == NULL ||
	    access(path, X_OK) == -1)
		return 0;
	if (helper_run(&h, buf, sizeof(buf), &len, &status, e) == -1)
		err_clear(e);
	else if (WIFEXITED(status) && WEXITSTATUS(status) == KEYRING_FOUND)
		ret = helper_output(&h, buf, len, out, e);
	else if (WIFEXITED(status) && WEXITSTATUS(status) == KEYRING_UNUSABLE)
		ret = err_set(e, ERR_CONFIG, "the keyring entry for user %s at "
		    "host %s contains a line break or a NUL byte", user, host);
	wipe(buf, sizeof(buf));
	return ret;
}

/* Read a line without echo: 1 on Enter, 0 when cancelled (interrupt
 * character, end of file), -1 when longer than cap - 1. Erase removes
 * one UTF-8 character, kill the whole line. */
static int
tty_line(int fd, const struct termios *t, char *buf, size_t cap, size_t *len)
{
	unsigned char c;
	ssize_t n;

	for (*len = 0;;) {
		if ((n = read(fd, &c, 1)) == -1 && errno == EINTR)
			continue;
		if (n <= 0 || c == t->c_cc[VINTR] || c == t->c_cc[VQUIT] ||
		    (c == t->c_cc[VEOF] && *len == 0))
			return 0;
		if (c == '\r' || c == '\n')
			return 1;
		if (c == t->c_cc[VERASE] || c == 0x7f || c == 0x08) {
			while (*len > 0 && (((unsigned char)buf[--*len]) &
			    0xc0) == 0x80)
				continue;
		} else if (c == t->c_cc[VKILL])
			*len = 0;
		else if (*len + 1 >= cap)
			return -1;
		else if (c != '\0' && c != t->c_cc[VEOF])
			buf[(*len)++] = (char)c;
	}
}

/* Ask on the controlling terminal, if there is one; the terminal's
 * settings are restored on every path out of here. */
static int
prompt(const char *user, const char *host, char **out, struct err *e)
{
	struct termios old, quiet;
	char buf[PASSWORD_EVAL_MAX + 1], u[256], h[256], *msg;
	size_t len = 0;
	int fd, rc;

	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1)
		return 0;
	if (!isatty(fd) || tcgetattr(fd, &old) == -1) {
		close(fd);
		return 0;
	}
	escape_text(u, sizeof(u), user ? user : "", user ? strlen(user) : 0);
	escape_text(h, sizeof(h), host ? host : "", host ? strlen(host) : 0);
	msg = xasprintf("password for %s at %s: ", user ? u : "you", h);
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ICANON | ISIG);
	quiet.c_cc[VMIN] = 1;
	quiet.c_cc[VTIME] = 0;
	if (tcsetattr(fd, TCSAFLUSH, &quiet) == -1) {
		close(fd);
		free(msg);
		return 0;
	}
	/* Echo is off before the prompt shows, so typing ahead is safe. */
	rc = write(fd, msg, strlen(msg)) == -1 ? 0 :
	    tty_line(fd, &old, buf, sizeof(buf), &len);
	(void)tcsetattr(fd, TCSAFLUSH, &old);
	(void)!write(fd, "\n", 1);
	close(fd);
	free(msg);
	if (rc == 1)
		*out = xstrndup(buf, len);
	wipe(buf, sizeof(buf));
	if (rc == -1)
		return err_set(e, ERR_CONFIG, "password typed is longer than "
		    "PASSWORD_EVAL_MAX (%d bytes)", PASSWORD_EVAL_MAX);
	if (rc == 0)
		return err_set(e, ERR_CONFIG, "no password: the prompt was "
		    "cancelled");
	return 0;
}

int
secret_password(const struct account *a, const char *host, char **out,
    struct err *e)
{
	*out = NULL;
	if (host == NULL)
		host = a->host;
	if (a->password != NULL) {
		*out = xstrdup(a->password);
		return 0;
	}
	if (a->passwordeval != NULL)
		return run_eval(a->passwordeval, out, e);
	if (keyring_lookup(host, a->user, out, e) == -1)
		return -1;
	if (*out != NULL)
		return 0;
	if (netrc_lookup(host, a->user, out, e) == -1)
		return -1;
	if (*out != NULL)
		return 0;
	return prompt(a->user, host, out, e);
}
