/*
 * deadletter.c - keeping a message that could not be sent (CONTRACT 2).
 *
 * Owns the dead-letter path and appending one mbox message to it: the
 * file is opened O_APPEND|O_NOFOLLOW with mode 0600, must be a regular
 * file, is locked with fcntl for the whole append (bounded wait), and is
 * fsync'd before unlocking.  A failed append is cut back off, so the file
 * stays a valid mbox.  The message body comes from message.c as read.
 */
#include "autoconfig.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "deadletter.h"
#include "message.h"
#include "util.h"

/* Between two tries to take the lock. */
#define LOCK_RETRY_MS	50

char *
deadletter_path(const char *setting)
{
	const char *home;
	struct passwd *pw;
	size_t n;

	if (setting != NULL)
		return strcmp(setting, "none") == 0 ? NULL : xstrdup(setting);
	home = getenv("HOME");
	if (home == NULL || *home == '\0') {
		pw = getpwuid(getuid());
		if (pw == NULL || pw->pw_dir == NULL || *pw->pw_dir == '\0')
			return NULL;
		home = pw->pw_dir;
	}
	n = strlen(home);
	return xasprintf("%s%sdead.letter", home,
	    home[n - 1] == '/' ? "" : "/");
}

static int
write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	ssize_t r;

	while (n > 0) {
		if ((r = write(fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Take a write lock on the whole file, waiting at most
 * DEADLETTER_LOCK_SECONDS for another writer to finish. */
static int
lock_file(int fd)
{
	struct flock fl;
	long long end = now_ms() + DEADLETTER_LOCK_SECONDS * 1000LL;
	struct timespec pause = { 0, LOCK_RETRY_MS * 1000000L };

	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	while (fcntl(fd, F_SETLK, &fl) == -1) {
		if (errno != EACCES && errno != EAGAIN && errno != EINTR)
			return -1;
		if (now_ms() >= end) {
			errno = ETIMEDOUT;
			return -1;
		}
		nanosleep(&pause, NULL);
	}
	return 0;
}

static void
unlock_file(int fd)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_UNLCK;
	fl.l_whence = SEEK_SET;
	(void)fcntl(fd, F_SETLK, &fl);
}

/* Make a non-empty file end in a blank line, so that the next "From "
 * line starts a message (mboxrd) whatever the last message ended with. */
static int
end_with_blank_line(int fd)
{
	struct stat st;
	char tail[2];
	size_t n, have = 0;

	if (fstat(fd, &st) == -1)
		return -1;
	if (st.st_size == 0)
		return 0;
	n = st.st_size >= 2 ? 2 : 1;
	errno = EIO;	/* for a short read */
	if (pread(fd, tail, n, st.st_size - (off_t)n) != (ssize_t)n)
		return -1;
	if (tail[n - 1] == '\n')
		have = n == 2 && tail[0] == '\n' ? 2 : 1;
	return write_all(fd, "\n\n", 2 - have);
}

/* "From SENDER DATE": asctime's layout in the C locale, local time. */
static int
write_from_line(int fd, const char *sender)
{
	static const char days[][4] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[][4] = { "Jan", "Feb", "Mar", "Apr", "May",
		"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t now = time(NULL);
	struct tm tm;
	char *line, *p, *end;
	int rc;

	if (sender == NULL || *sender == '\0')
		sender = "MAILER-DAEMON";
	if (localtime_r(&now, &tm) == NULL)
		return -1;
	line = xasprintf("From %s %s %s %2d %02d:%02d:%02d %d\n", sender,
	    days[tm.tm_wday % 7], months[tm.tm_mon % 12], tm.tm_mday,
	    tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_year + 1900);
	/* The sender is one word of the line: no blanks, no controls. */
	end = line + 5 + strlen(sender);
	for (p = line + 5; p < end; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p == 0x7f)
			*p = '_';
	rc = write_all(fd, line, strlen(line));
	free(line);
	return rc;
}

/* Open path for appending: never through a symbolic link, never
 * anything but a regular file. */
static int
open_dead_letter(const char *path, struct err *e)
{
	struct stat st;
	int fd;

	fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1)
		return err_set(e, ERR_CANTCREAT, "cannot open dead letter %s: %s",
		    path, strerror(errno));
	if (fstat(fd, &st) == -1)
		err_set(e, ERR_CANTCREAT, "cannot use dead letter %s: %s", path,
		    strerror(errno));
	else if (!S_ISREG(st.st_mode))
		err_set(e, ERR_CANTCREAT, "cannot use dead letter %s: not a "
		    "regular file", path);
	else
		return fd;
	close(fd);
	return -1;
}

/* The append itself, under the lock; on failure the file is cut back
 * to its old size. message_copy_mbox() ends the message with a blank
 * line. */
static int
append(int fd, const char *path, const struct message *m,
    const char *sender, struct err *e)
{
	struct err inner;
	struct stat st;

	if (fstat(fd, &st) == -1)
		return err_set(e, ERR_CANTCREAT, "cannot write dead letter %s: "
		    "%s", path, strerror(errno));
	err_clear(&inner);
	if (end_with_blank_line(fd) == -1 || write_from_line(fd, sender) == -1)
		err_set(&inner, ERR_CANTCREAT, "%s", strerror(errno));
	else if (message_copy_mbox(m, fd, &inner) == -1)
		;	/* inner says why */
	else if (fsync(fd) == -1)
		err_set(&inner, ERR_CANTCREAT, "%s", strerror(errno));
	else
		return 0;
	if (ftruncate(fd, st.st_size) == -1) {
		/* best effort: the error below is the one to report */
	}
	return err_set(e, ERR_CANTCREAT, "cannot write dead letter %s: %s",
	    path, inner.msg);
}

int
deadletter_save(const char *path, const struct message *m,
    const char *envelope_from, struct err *e)
{
	int fd, rc = -1;

	if (path == NULL)
		return err_set(e, ERR_CANTCREAT, "no dead letter file");
	if ((fd = open_dead_letter(path, e)) == -1)
		return -1;
	if (lock_file(fd) == -1) {
		err_set(e, ERR_CANTCREAT, "cannot lock dead letter %s: %s",
		    path, strerror(errno));
		goto out;
	}
	rc = append(fd, path, m, envelope_from, e);
	unlock_file(fd);
out:
	close(fd);
	return rc;
}
