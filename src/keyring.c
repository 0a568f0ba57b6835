/*
 * keyring.c - outbox-keyring HOST USER: the password for USER at HOST
 * from the system keyring (the Secret Service, through libsecret), in a
 * process of its own so that outbox itself never loads GLib: secret.c
 * runs it only when an account needs a password that neither `password`
 * nor `passwordeval` gives.
 *
 * Owns: the lookup (msmtp's schema and attribute names, then the older
 * libgnome-keyring schema; never without a session bus, never
 * unlocking, bounded by KEYRING_SECONDS) and the exit status protocol of
 * secret.h (enum keyring_exit).  It writes the password, and nothing
 * else, to stdout with one newline after it; it reads nothing, and
 * leaves the timeout that kills it and the checks on its output to
 * secret.c.
 */
#include "autoconfig.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libsecret/secret.h>

#include "limits.h"
#include "secret.h"
#include "util.h"

/*
 * The keyring, as msmtp reads it: its own schema, not matched by name so
 * that `secret-tool store --label=msmtp host H service smtp user U` is
 * found, then libgnome-keyring's network password schema, which older
 * msmtp versions wrote.  Nothing here may block for long or ask anyone
 * anything: no session bus means no lookup (GLib would otherwise try to
 * autolaunch one), a timer cancels the lookup at KEYRING_SECONDS, and
 * locked items are skipped rather than unlocked (an unlock is a desktop
 * prompt, which a cron job must not raise).  Every failure means "not
 * in the keyring" (KEYRING_NONE): outbox asks the next source.
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

/* Write all of buf to stdout. */
static int
write_all(const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(STDOUT_FILENO, buf, len)) == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Hand a keyring value to outbox: bytes as stored, then a newline.  A
 * line break or a NUL could never have been meant (and would not survive
 * AUTH), so such a value is refused, unwritten.  The value lives in
 * libsecret's secure memory, wiped when it is unreferenced; it is never
 * copied here. */
static int
keyring_value(SecretValue *v)
{
	gsize len = 0;
	const char *s = secret_value_get(v, &len);

	if (s == NULL || memchr(s, '\0', len) != NULL ||
	    memchr(s, '\n', len) != NULL || memchr(s, '\r', len) != NULL)
		return KEYRING_UNUSABLE;
	if (write_all(s, len) == -1 || write_all("\n", 1) == -1)
		return KEYRING_FAILED;
	return KEYRING_FOUND;
}

/* Search one schema; the first unlocked item with a secret wins. */
static int
keyring_search(SecretService *svc, const struct kschema *k, const char *host,
    const char *user, GCancellable *cancel)
{
	GHashTable *attrs;
	GList *items, *l;
	SecretValue *v = NULL;
	int ret = KEYRING_NONE;

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
		ret = keyring_value(v);
		secret_value_unref(v);
	}
	g_list_free_full(items, g_object_unref);
	g_hash_table_unref(attrs);
	return ret;
}

/* Ask the keyring for user at host, each schema in turn, within
 * KEYRING_SECONDS; an enum keyring_exit. */
static int
keyring_lookup(const char *host, const char *user)
{
	struct ktimer t;
	SecretService *svc;
	GThread *th;
	size_t i;
	int ret = KEYRING_NONE;

	if (!keyring_bus())
		return KEYRING_NONE;
	memset(&t, 0, sizeof(t));
	g_mutex_init(&t.lock);
	g_cond_init(&t.cond);
	t.cancel = g_cancellable_new();
	t.until = g_get_monotonic_time() + KEYRING_SECONDS * G_TIME_SPAN_SECOND;
	if ((th = g_thread_try_new("keyring-timer", ktimer_run, &t, NULL)) == NULL)
		goto done;
	svc = secret_service_get_sync(SECRET_SERVICE_OPEN_SESSION, t.cancel,
	    NULL);
	for (i = 0; svc != NULL && ret == KEYRING_NONE &&
	    i < sizeof(kschemas) / sizeof(kschemas[0]); i++)
		ret = keyring_search(svc, &kschemas[i], host, user, t.cancel);
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

int
main(int argc, char *argv[])
{
	if (argc != 3 || argv[1][0] == '\0') {
		static const char usage[] = "usage: outbox-keyring host user\n"
		    "(run by outbox: the exit status says whether the keyring "
		    "has a password)\n";

		(void)!write(STDERR_FILENO, usage, sizeof(usage) - 1);
		return KEYRING_FAILED;
	}
	return keyring_lookup(argv[1], argv[2]);
}
