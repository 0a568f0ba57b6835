/*
 * stream.h - buffered, deadline-bounded I/O over a swappable transport.
 *
 * The stream owns a read buffer and a write buffer and nothing about the
 * protocol.  Its bytes move through a transport: a table of functions and
 * a context.  The plain transport reads and writes the file descriptor;
 * tls.c installs its own with stream_set_transport() after STARTTLS or
 * before the greeting on an implicit-TLS port.  Tests install scripted
 * transports that need no descriptor at all.
 *
 * Deadlines: stream_set_timeout() arms a deadline for the next complete
 * operation (a whole reply, a whole flush); the run's overall deadline
 * (stream_set_overall()) caps every one.  Passing a deadline is ERR_TEMP.
 */
#ifndef OUTBOX_STREAM_H
#define OUTBOX_STREAM_H

#include <stddef.h>
#include <sys/types.h>
#include "status.h"

/* Transport return values besides byte counts: wait until the descriptor
 * is readable / writable, then call again. */
#define T_WANT_READ	(-2)
#define T_WANT_WRITE	(-3)

struct transport {
	const char *name;			/* "tcp", "tls", ... for traces */
	/* > 0 bytes, 0 end of stream, -1 error (fill e), or T_WANT_*. */
	ssize_t (*read)(void *ctx, void *buf, size_t n, struct err *e);
	/* > 0 bytes written, -1 error (fill e), or T_WANT_*. */
	ssize_t (*write)(void *ctx, const void *buf, size_t n, struct err *e);
	/* Bytes the transport holds already decoded (TLS records); may be NULL. */
	size_t (*pending)(void *ctx);
	/* Orderly shutdown of the transport layer only (TLS close_notify); may be NULL. */
	void (*shutdown)(void *ctx);
	/* Free the context; may be NULL. Does not close the descriptor. */
	void (*free)(void *ctx);
};

struct stream;

/* A stream over descriptor fd (made non-blocking here) with the plain
 * transport; the stream closes fd in stream_free(). fd may be -1 when a
 * test transport never answers T_WANT_*. */
struct stream *stream_new(int fd);

/* Replace the transport; the old transport's free() is called. */
void stream_set_transport(struct stream *s, const struct transport *t, void *ctx);

/* The descriptor (for tls.c to hand to GnuTLS). */
int stream_fd(const struct stream *s);

/* Bytes received but not yet consumed by stream_getline(): after the
 * STARTTLS 220 this must be 0 (CONTRACT 3). */
size_t stream_unread(const struct stream *s);

/* Deadline for the next operations: now + ms (ms <= 0: none but overall). */
void stream_set_timeout(struct stream *s, long ms);
/* The run's overall deadline, as an absolute now_ms() value (0: none). */
void stream_set_overall(struct stream *s, long long deadline_ms);

/* Read one line; *line points into the stream's buffer (valid until the
 * next call), *len excludes the line end (CRLF or bare LF). A line longer
 * than REPLY_LINE_MAX is ERR_PROTOCOL; end of stream is ERR_TEMP
 * ("connection closed"). Returns 0 or -1. */
int stream_getline(struct stream *s, const char **line, size_t *len, struct err *e);

/* Queue bytes for sending; flushes by itself when the buffer fills. */
int stream_write(struct stream *s, const void *buf, size_t n, struct err *e);
/* printf into the write buffer. */
int stream_printf(struct stream *s, struct err *e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Send everything queued, in as few writes as the transport allows. */
int stream_flush(struct stream *s, struct err *e);

/* Shut the transport down (TLS close_notify), close fd, free; NULL is fine. */
void stream_free(struct stream *s);

/* Counters for traces and benchmarks. */
struct stream_stats {
	unsigned long long bytes_in, bytes_out;
	unsigned long reads, writes;
};
void stream_stats(const struct stream *s, struct stream_stats *st);

#endif
