/*
 * secret.c - where the password comes from, in msmtp's order: the
 * account's password, a passwordeval helper, the system keyring (when
 * built with libsecret), ~/.netrc, the terminal.
 *
 * Owns: running the helper (sh -c, stdin /dev/null, stdout through a
 * pipe, stderr inherited, a timeout that kills its process group, output
 * bounded by PASSWORD_EVAL_MAX), reading netrc (owner and mode checked on
 * the opened descriptor), the keyring lookup (never when no session bus
 * is there, never unlocking, bounded in time), the prompt on /dev/tty
 * with echo off.  It must not read stdin (it carries the message) nor
 * print a secret, and it wipes every buffer that held one, on every path.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#ifdef HAVE_LIBSECRET
#include <libsecret/secret.h>
#endif

#include "config.h"
#include "limits.h"
#include "secret.h"
#include "status.h"
#include "util.h"

/* The helper's timeout in seconds: PASSWORD_EVAL_SECONDS except in tests. */
static int eval_seconds = PASSWORD_EVAL_SECONDS;
/* The keyring's timeout in seconds: KEYRING_SECONDS except in tests. */
static int keyring_seconds = KEYRING_SECONDS;

void
secret_set_eval_timeout(int seconds)
{
	eval_seconds = seconds > 0 ? seconds : PASSWORD_EVAL_SECONDS;
}

/* Start sh -c cmd with stdin /dev/null and stdout into a pipe (read end
 * in *rfd), in a process group of its own so a timeout kills it whole. */
static pid_t
eval_spawn(const char *cmd, int *rfd, struct err *e)
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
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
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
eval_timed_out(struct err *e)
{
	return err_set(e, ERR_CONFIG, "passwordeval command timed out after "
	    "%d seconds", eval_seconds);
}

/* Read the helper's output into buf until EOF or the deadline; cap is
 * one more than allowed, so that a full buffer means "too long". */
static int
eval_read(int fd, char *buf, size_t cap, size_t *len, long long deadline,
    struct err *e)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	long long left;
	ssize_t n;

	for (*len = 0;;) {
		if ((left = deadline - now_ms()) <= 0)
			return eval_timed_out(e);
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
			return err_set(e, ERR_CONFIG, "passwordeval: reading "
			    "its output: %s", strerror(errno));
		if ((*len += (size_t)n) == cap)
			return err_set(e, ERR_CONFIG, "passwordeval output is "
			    "longer than PASSWORD_EVAL_MAX (%d bytes)",
			    PASSWORD_EVAL_MAX);
	}
}

/* Kill the helper's process group and reap it. */
static void
eval_kill(pid_t pid, int *status)
{
	if (kill(-pid, SIGKILL) == -1)
		(void)kill(pid, SIGKILL);
	while (waitpid(pid, status, 0) == -1 && errno == EINTR)
		continue;
}

/* Reap the helper (which may linger after closing its output) by the
 * deadline; past it, kill it. */
static int
eval_wait(pid_t pid, long long deadline, int *status, struct err *e)
{
	pid_t r;

	for (;;) {
		if ((r = waitpid(pid, status, WNOHANG)) == pid)
			return 0;
		if (r == -1 && errno != EINTR)
			return err_set(e, ERR_OSERR, "waitpid: %s",
			    strerror(errno));
		if (now_ms() >= deadline) {
			eval_kill(pid, status);
			return eval_timed_out(e);
		}
		(void)poll(NULL, 0, 10);	/* nothing to wait on but time */
	}
}

/* One trailing LF or CRLF stripped; any other line break refused. */
static int
eval_output(char *buf, size_t len, char **out, struct err *e)
{
	if (len > 0 && buf[len - 1] == '\n') {
		len--;
		if (len > 0 && buf[len - 1] == '\r')
			len--;
	}
	if (memchr(buf, '\n', len) != NULL || memchr(buf, '\r', len) != NULL)
		return err_set(e, ERR_CONFIG, "passwordeval output contains a "
		    "line break");
	if (memchr(buf, '\0', len) != NULL)
		return err_set(e, ERR_CONFIG, "passwordeval output contains a "
		    "NUL byte");
	*out = xstrndup(buf, len);
	return 0;
}

/* Run passwordeval; its output is the password. */
static int
run_eval(const char *cmd, char **out, struct err *e)
{
	char buf[PASSWORD_EVAL_MAX + 1];
	long long deadline = now_ms() + eval_seconds * 1000LL;
	size_t len = 0;
	int fd = -1, status = 0, ret = -1;
	pid_t pid;

	if ((pid = eval_spawn(cmd, &fd, e)) == -1)
		return -1;
	if (eval_read(fd, buf, sizeof(buf), &len, deadline, e) == -1) {
		eval_kill(pid, &status);
		goto done;
	}
	if (eval_wait(pid, deadline, &status, e) == -1)
		goto done;
	if (WIFSIGNALED(status))
		err_set(e, ERR_CONFIG, "passwordeval command killed by signal "
		    "%d", WTERMSIG(status));
	else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		err_set(e, ERR_CONFIG, "passwordeval command failed (exit %d)",
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	else
		ret = eval_output(buf, len, out, e);
done:
	close(fd);
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

#ifdef HAVE_LIBSECRET
/*
 * The keyring, as msmtp reads it: its own schema, not matched by name so
 * that `secret-tool store --label=msmtp host H service smtp user U` is
 * found, then libgnome-keyring's network password schema, which older
 * msmtp versions wrote.  Nothing here may block for long or ask anyone
 * anything: no session bus means no lookup (GLib would otherwise try to
 * autolaunch one), a timer cancels the lookup at KEYRING_SECONDS, and
 * locked items are skipped rather than unlocked (an unlock is a desktop
 * prompt, which a cron job must not raise).  Every failure means "not
 * in the keyring": the next source is asked.
 */
static const SecretSchema schema_msmtp = {
	.name = "de.marlam.msmtp.password",
	.flags = SECRET_SCHEMA_DONT_MATCH_NAME,
	.attributes = {
		{ "host", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ "service", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ "user", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ NULL, 0 },
	},
};

static const SecretSchema schema_network = {
	.name = "org.gnome.keyring.NetworkPassword",
	.flags = SECRET_SCHEMA_NONE,
	.attributes = {
		{ "user", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ "protocol", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ NULL, 0 },
	},
};

/* Each schema with the names of its host, service and user attributes. */
static const struct kschema {
	const SecretSchema	*schema;
	const char		*host;
	const char		*service;
	const char		*user;
} kschemas[] = {
	{ &schema_msmtp, "host", "service", "user" },
	{ &schema_network, "server", "protocol", "user" },
};

/* Is there a session bus to ask, without GLib autolaunching one?
 * $DBUS_SESSION_BUS_ADDRESS; $XDG_RUNTIME_DIR/bus, which GLib finds by
 * itself; or systemd's /run/user/UID/bus, which a cron job of a user who
 * is logged in can reach without $XDG_RUNTIME_DIR: it is exported for
 * GLib, which looks there only through that variable. */
static int
keyring_bus(void)
{
	const char *addr = getenv("DBUS_SESSION_BUS_ADDRESS");
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	int has_xdg = xdg != NULL && *xdg != '\0', ok;
	struct stat st;
	char *path;

	if (addr != NULL && *addr != '\0')
		return 1;
	path = has_xdg ? xasprintf("%s/bus", xdg) :
	    xasprintf("/run/user/%lu/bus", (unsigned long)geteuid());
	ok = lstat(path, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    st.st_uid == geteuid();
	free(path);
	if (ok && !has_xdg) {
		path = xasprintf("unix:path=/run/user/%lu/bus",
		    (unsigned long)geteuid());
		ok = setenv("DBUS_SESSION_BUS_ADDRESS", path, 1) == 0;
		free(path);
	}
	return ok;
}

/* A thread that cancels the lookup at its deadline: libsecret's sync
 * calls run a main loop of their own, which only a GCancellable stops
 * (D-Bus's own timeout is 25 s per call, and a lookup makes several). */
struct ktimer {
	GMutex		lock;
	GCond		cond;
	int		done;		/* the lookup is over: stop waiting */
	gint64		until;		/* deadline, g_get_monotonic_time() */
	GCancellable	*cancel;
};

static gpointer
ktimer_run(gpointer arg)
{
	struct ktimer *t = arg;

	g_mutex_lock(&t->lock);
	while (!t->done)
		if (!g_cond_wait_until(&t->cond, &t->lock, t->until)) {
			if (!t->done)
				g_cancellable_cancel(t->cancel);
			break;
		}
	g_mutex_unlock(&t->lock);
	return NULL;
}

/* Take a keyring value as the password: bytes as stored, but a line
 * break or a NUL could never have been meant (and would not survive
 * AUTH), so it is refused as passwordeval output would be. The value
 * lives in libsecret's secure memory, wiped when it is unreferenced. */
static int
keyring_value(SecretValue *v, const char *user, const char *host,
    char **out, struct err *e)
{
	gsize len = 0;
	const char *s = secret_value_get(v, &len);

	if (s == NULL || memchr(s, '\0', len) != NULL ||
	    memchr(s, '\n', len) != NULL || memchr(s, '\r', len) != NULL)
		return err_set(e, ERR_CONFIG, "the keyring entry for user %s "
		    "at host %s contains a line break or a NUL byte", user,
		    host);
	*out = xstrndup(s, len);
	return 0;
}

/* Search one schema; the first unlocked item with a secret wins. */
static int
keyring_search(SecretService *svc, const struct kschema *k, const char *host,
    const char *user, GCancellable *cancel, char **out, struct err *e)
{
	GHashTable *attrs;
	GList *items, *l;
	SecretValue *v = NULL;
	int ret = 0;

	attrs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_hash_table_insert(attrs, g_strdup(k->host), g_strdup(host));
	g_hash_table_insert(attrs, g_strdup(k->service), g_strdup("smtp"));
	g_hash_table_insert(attrs, g_strdup(k->user), g_strdup(user));
	items = secret_service_search_sync(svc, k->schema, attrs,
	    SECRET_SEARCH_LOAD_SECRETS, cancel, NULL);
	for (l = items; l != NULL && v == NULL; l = l->next)
		if (!secret_item_get_locked(l->data))
			v = secret_item_get_secret(l->data);
	if (v != NULL) {
		ret = keyring_value(v, user, host, out, e);
		secret_value_unref(v);
	}
	g_list_free_full(items, g_object_unref);
	g_hash_table_unref(attrs);
	return ret;
}

/* The password for user at host from the keyring; *out NULL when none
 * (or no keyring answered in time). */
static int
keyring_lookup(const char *host, const char *user, char **out, struct err *e)
{
	struct ktimer t;
	SecretService *svc;
	GThread *th;
	size_t i;
	int ret = 0;

	if (host == NULL || user == NULL || !keyring_bus())
		return 0;
	memset(&t, 0, sizeof(t));
	g_mutex_init(&t.lock);
	g_cond_init(&t.cond);
	t.cancel = g_cancellable_new();
	t.until = g_get_monotonic_time() + keyring_seconds * G_TIME_SPAN_SECOND;
	if ((th = g_thread_try_new("keyring-timer", ktimer_run, &t, NULL)) == NULL)
		goto done;
	svc = secret_service_get_sync(SECRET_SERVICE_OPEN_SESSION, t.cancel,
	    NULL);
	for (i = 0; svc != NULL && *out == NULL && ret == 0 &&
	    i < sizeof(kschemas) / sizeof(kschemas[0]); i++)
		ret = keyring_search(svc, &kschemas[i], host, user, t.cancel,
		    out, e);
	if (svc != NULL)
		g_object_unref(svc);
	g_mutex_lock(&t.lock);
	t.done = 1;
	g_cond_signal(&t.cond);
	g_mutex_unlock(&t.lock);
	g_thread_join(th);
done:
	g_object_unref(t.cancel);
	g_cond_clear(&t.cond);
	g_mutex_clear(&t.lock);
	return ret;
}
#else
static int
keyring_lookup(const char *host, const char *user, char **out, struct err *e)
{
	return 0;
}
#endif

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
