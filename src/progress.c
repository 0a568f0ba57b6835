/*
 * progress.c - progress of a large message on the terminal with -v:
 * bytes handed to the engine so far, the total, and the rate.  It only
 * wraps message_reader(); it never changes the bytes, and it prints
 * nothing unless -v was given and stderr is a terminal.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "message.h"
#include "progress.h"
#include "run.h"
#include "util.h"

/* Smaller messages go out faster than a progress line is worth. */
#define PROGRESS_MIN_BYTES	(1024 * 1024)
/* Redraw at most five times a second. */
#define PROGRESS_EVERY_MS	200

struct progress {
	unsigned long long	done, total;
	long long		t0, last;
	int			on;	/* -v and stderr is a terminal */
	int			shown;	/* a line is on the screen */
};

void
progress_free(struct progress *p)
{
	free(p);
}

static struct progress *
progress_get(struct run *r)
{
	struct progress *p = r->progress;

	if (p == NULL) {
		p = r->progress = xcalloc(1, sizeof(*p));
		p->on = r->opt.verbose > 0 && isatty(STDERR_FILENO);
	}
	return p;
}

static void
show(struct progress *p, long long now, int last)
{
	double secs = (double)(now - p->t0) / 1000.0;
	double mib = 1024.0 * 1024.0;
	double rate = secs > 0 ? (double)p->done / secs : 0;

	fprintf(stderr, "\r-- sent %.1f of %.1f MiB (%3d%%), %.1f MiB/s%s",
	    (double)p->done / mib, (double)p->total / mib,
	    p->total > 0 ? (int)(p->done * 100 / p->total) : 100,
	    rate / mib, last ? "\n" : "");
	fflush(stderr);
	p->shown = !last;
	p->last = now;
}

ssize_t
progress_reader(void *ctx, void *buf, size_t n, struct err *e)
{
	struct run *r = ctx;
	struct progress *p = progress_get(r);
	ssize_t got = message_reader(r->msg, buf, n, e);
	long long now;

	if (!p->on)
		return got;
	now = now_ms();
	if (p->done == 0 || p->done > p->total) {
		/* a new transaction: message_rewind() was called */
		p->total = message_wire_size(r->msg);
		p->done = 0;
		p->t0 = p->last = now;
	}
	if (got > 0)
		p->done += (unsigned long long)got;
	if (p->total < PROGRESS_MIN_BYTES)
		return got;
	if (got == 0 && p->done > 0) {
		/* done counts bytes before CRLF encoding; total after */
		p->done = p->total;
		show(p, now, 1);
	}
	else if (got > 0 && now - p->last >= PROGRESS_EVERY_MS)
		show(p, now, 0);
	if (got <= 0)
		p->done = 0;
	return got;
}
