/*
 * progress.h - "bytes sent, rate" on the terminal while a large message
 * goes out with -v.  A reader around message_reader(): send.c passes
 * progress_reader with the run as its context instead of message_reader
 * with the message; without -v, or when stderr is not a terminal, it is
 * message_reader and nothing more.
 */
#ifndef OUTBOX_PROGRESS_H
#define OUTBOX_PROGRESS_H

#include <stddef.h>
#include <sys/types.h>
#include "status.h"

struct progress;

/* An smtp_read_fn over the run's message (ctx is the struct run *).
 * Progress lines go to stderr at most every PROGRESS_EVERY_MS, for a
 * message of PROGRESS_MIN_BYTES or more; the last one ends the line. */
ssize_t progress_reader(void *ctx, void *buf, size_t n, struct err *e);

/* Free the state progress_reader() kept in the run; NULL is fine. */
void progress_free(struct progress *p);

#endif
