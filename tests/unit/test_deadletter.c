/*
 * test_deadletter.c - the dead letter (CONTRACT 2): mbox appends with
 * mode 0600, the "From " line, >From escaping, refusal of symbolic links
 * and of anything but a regular file, the bounded lock, and the default
 * path from $HOME or the passwd entry.
 */
#include "autoconfig.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "deadletter.h"
#include "message.h"
#include "util.h"
#include "../tap.h"

#define B(s)	s, sizeof(s) - 1

static char dir[] = "/tmp/test_deadletter.XXXXXX";

/* A message read from the bytes given, as main.c reads stdin. */
static struct message *
message_of(const char *bytes, size_t n)
{
	char path[128];
	struct message *m = NULL;
	struct err e;
	int fd;

	snprintf(path, sizeof(path), "%s/input", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd == -1 || write(fd, bytes, n) != (ssize_t)n ||
	    lseek(fd, 0, SEEK_SET) != 0)
		return NULL;
	(void)message_read(&m, fd, 0, dir, &e);
	close(fd);
	unlink(path);
	return m;
}

/* The whole file, or NULL; its length in *n. */
static char *
slurp(const char *path, size_t *n)
{
	struct stat st;
	char *buf;
	int fd = open(path, O_RDONLY);

	if (fd == -1 || fstat(fd, &st) == -1) {
		if (fd != -1)
			close(fd);
		return NULL;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	*n = (size_t)read(fd, buf, (size_t)st.st_size);
	buf[*n] = '\0';
	close(fd);
	return buf;
}

/* "From SENDER DATE\n" as strftime makes it in the C locale. */
static void
from_line(char *buf, size_t cap, const char *sender, time_t t)
{
	struct tm tm;
	char date[64];

	localtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a %b %e %H:%M:%S %Y", &tm);
	snprintf(buf, cap, "From %s %s\n", sender, date);
}

/* Save m to path and check the appended bytes: the From line (the clock
 * may tick during the save) followed by body. */
static void
save_and_check(const char *path, const struct message *m, const char *from,
    const char *sender, const char *body, size_t bodylen, const char *name)
{
	char want[4096], alt[4096], line[256];
	size_t before = 0, after = 0, n;
	struct err e;
	char *old, *got;
	time_t t0;
	int rc;

	old = slurp(path, &before);
	t0 = time(NULL);
	rc = deadletter_save(path, m, from, &e);
	if (!tap_ok(rc == 0, "%s: saved", name))
		tap_diag("%s", e.msg);
	got = slurp(path, &after);
	from_line(line, sizeof(line), sender, t0);
	n = strlen(line);
	memcpy(want, line, n);
	memcpy(want + n, body, bodylen);
	from_line(line, sizeof(line), sender, t0 + 1);
	memcpy(alt, line, n);
	memcpy(alt + n, body, bodylen);
	if (got != NULL && after >= before && after - before == n + bodylen &&
	    (memcmp(got + before, want, n + bodylen) == 0 ||
	    memcmp(got + before, alt, n + bodylen) == 0))
		tap_ok(1, "%s: appended as mbox", name);
	else
		tap_mem_eq(got ? got + before : "", got ? after - before : 0,
		    want, n + bodylen, "appended as mbox");
	tap_ok(old == NULL || (got != NULL && memcmp(got, old, before) == 0),
	    "%s: what was there is kept", name);
	free(old);
	free(got);
}

static void
test_append(void)
{
	char path[128];
	struct message *m1, *m2, *m3;
	struct stat st;

	snprintf(path, sizeof(path), "%s/dead.letter", dir);
	m1 = message_of(B("Subject: one\n\nFrom here\n>From there\n"
	    "From: not at line start From \nbody\n"));
	m2 = message_of(B("Subject: two\n\nno newline at the end"));
	m3 = message_of(B("Subject: nul\n\na\0b\n"));
	if (!tap_ok(m1 != NULL && m2 != NULL && m3 != NULL, "messages read"))
		return;
	umask(0);
	save_and_check(path, m1, "alice@example.org", "alice@example.org",
	    B("Subject: one\n\n>From here\n>>From there\n"
	    "From: not at line start From \nbody\n\n"), "first");
	umask(022);
	if (stat(path, &st) == -1)
		st.st_mode = 0;
	tap_ok((st.st_mode & 07777) == 0600,
	    "created with mode 0600 whatever the umask (%o)",
	    (unsigned)(st.st_mode & 07777));
	save_and_check(path, m2, NULL, "MAILER-DAEMON",
	    B("Subject: two\n\nno newline at the end\n\n"), "second, no sender");
	save_and_check(path, m2, "", "MAILER-DAEMON",
	    B("Subject: two\n\nno newline at the end\n\n"), "empty sender");
	save_and_check(path, m3, "a b\nc@x", "a_b_c@x",
	    B("Subject: nul\n\na\0b\n\n"), "raw input kept, sender one word");
	message_free(m1);
	message_free(m2);
	message_free(m3);
	unlink(path);
}

/* A file that does not end in a blank line gets one before "From ". */
static void
test_separator(void)
{
	static const struct {
		const char	*old;
		const char	*sep;
	} cases[] = {
		{ "x", "\n\n" },
		{ "\n", "\n" },
		{ "x\n", "\n" },
		{ "x\n\n", "" },
	};
	char path[128], want[64];
	struct message *m = message_of(B("S: s\n\nb\n"));
	size_t i, n;
	struct err e;
	char *got;
	int fd;

	snprintf(path, sizeof(path), "%s/sep", dir);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd == -1 || write(fd, cases[i].old, strlen(cases[i].old)) < 0)
			tap_ok(0, "separator: prepare");
		if (fd != -1)
			close(fd);
		deadletter_save(path, m, "s@x", &e);
		got = slurp(path, &n);
		snprintf(want, sizeof(want), "%s%sFrom s@x ", cases[i].old,
		    cases[i].sep);
		tap_ok(got != NULL && strncmp(got, want, strlen(want)) == 0,
		    "separator after %zu old bytes", strlen(cases[i].old));
		free(got);
	}
	message_free(m);
	unlink(path);
}

static void
want_refusal(const char *path, const struct message *m, const char *part,
    const char *name)
{
	struct err e;
	int rc;

	err_clear(&e);
	rc = deadletter_save(path, m, "a@b", &e);
	if (!tap_ok(rc == -1 && e.kind == ERR_CANTCREAT &&
	    strstr(e.msg, path) != NULL && strstr(e.msg, part) != NULL,
	    "%s: refused", name))
		tap_diag("rc %d kind %d: %s", rc, e.kind, e.msg);
}

static void
test_refusals(void)
{
	char path[128], target[128], missing[128];
	struct message *m = message_of(B("S: s\n\nb\n"));
	struct stat st;

	snprintf(target, sizeof(target), "%s/target", dir);
	snprintf(path, sizeof(path), "%s/link", dir);
	if (symlink(target, path) == -1)
		tap_ok(0, "symlink");
	want_refusal(path, m, strerror(ELOOP), "symbolic link (O_NOFOLLOW)");
	tap_ok(lstat(target, &st) == -1 && errno == ENOENT,
	    "nothing created through the link");
	unlink(path);
	snprintf(path, sizeof(path), "%s/fifo", dir);
	if (mkfifo(path, 0600) == -1)
		tap_ok(0, "mkfifo");
	want_refusal(path, m, "not a regular file", "a FIFO");
	unlink(path);
	want_refusal(dir, m, strerror(EISDIR), "a directory");
	snprintf(missing, sizeof(missing), "%s/no/such/dir", dir);
	want_refusal(missing, m, strerror(ENOENT), "a missing directory");
	message_free(m);
}

/* Another process holds the lock: the save waits a bounded time, then
 * fails without touching the file. */
static void
test_lock(void)
{
	char path[128], go;
	struct message *m = message_of(B("S: s\n\nb\n"));
	struct flock fl;
	int fd, pfd[2], status;
	long long start;
	struct stat st;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/locked", dir);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	if (fd == -1 || pipe(pfd) == -1 || (pid = fork()) == -1) {
		tap_ok(0, "lock: setup");
		return;
	}
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (pid == 0) {
		close(pfd[0]);
		if (fcntl(fd, F_SETLK, &fl) == -1)
			_exit(1);
		if (write(pfd[1], "L", 1) != 1)
			_exit(1);
		for (;;)	/* hold the lock until the parent kills us */
			pause();
	}
	close(pfd[1]);
	tap_ok(read(pfd[0], &go, 1) == 1, "lock: the other process holds it");
	start = now_ms();
	want_refusal(path, m, "lock", "a lock held elsewhere");
	tap_ok(now_ms() - start >= DEADLETTER_LOCK_SECONDS * 1000LL - 100,
	    "lock: waited %d s first", DEADLETTER_LOCK_SECONDS);
	tap_ok(fstat(fd, &st) == 0 && st.st_size == 0, "lock: file untouched");
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	tap_ok(deadletter_save(path, m, "a@b", NULL) == 0,
	    "lock: saved once it is free");
	close(pfd[0]);
	close(fd);
	unlink(path);
	message_free(m);
}

static void
check_path(const char *setting, const char *want, const char *name)
{
	char *got = deadletter_path(setting);

	if (want == NULL)
		tap_ok(got == NULL, "deadletter_path: %s", name);
	else if (got == NULL)
		tap_ok(0, "deadletter_path: %s (got NULL)", name);
	else
		tap_str_eq(got, want, name);
	free(got);
}

static void
test_path(void)
{
	struct passwd *pw = getpwuid(getuid());
	char home[512] = "";

	if (pw != NULL)
		snprintf(home, sizeof(home), "%s%sdead.letter", pw->pw_dir,
		    strcmp(pw->pw_dir, "/") == 0 ? "" : "/");
	check_path("none", NULL, "none disables it");
	check_path("/var/mail/keep", "/var/mail/keep", "a path is kept");
	check_path("~x/none", "~x/none", "only \"none\" exactly disables");
	setenv("HOME", "/home/tester", 1);
	check_path(NULL, "/home/tester/dead.letter", "default from $HOME");
	setenv("HOME", "/", 1);
	check_path(NULL, "/dead.letter", "HOME=/");
	setenv("HOME", "", 1);
	check_path(NULL, pw != NULL ? home : NULL, "HOME empty: passwd entry");
	unsetenv("HOME");
	check_path(NULL, pw != NULL ? home : NULL, "HOME unset: passwd entry");
}

int
main(void)
{
	if (mkdtemp(dir) == NULL) {
		tap_ok(0, "mkdtemp");
		return tap_done();
	}
	test_append();
	test_separator();
	test_refusals();
	test_path();
	test_lock();
	rmdir(dir);
	return tap_done();
}
