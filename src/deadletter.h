/*
 * deadletter.h - keeping a message that could not be sent (CONTRACT 2).
 *
 * The raw input is appended in mbox format to the dead-letter file:
 * mode 0600, O_APPEND|O_NOFOLLOW, locked with fcntl, fsync'd.
 */
#ifndef OUTBOX_DEADLETTER_H
#define OUTBOX_DEADLETTER_H

#include "status.h"

struct message;

/* The dead-letter path for a dead_letter setting (NULL: the default,
 * $HOME/dead.letter, or the passwd entry's home when $HOME is unset).
 * Returns NULL for "none". Caller frees. */
char *deadletter_path(const char *setting);

/* Append m to path as one mbox message whose "From " line names
 * envelope_from (NULL or "": MAILER-DAEMON). */
int deadletter_save(const char *path, const struct message *m,
    const char *envelope_from, struct err *e);

#endif
