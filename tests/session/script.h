/*
 * script.h - a scripted SMTP peer for in-process session tests.
 *
 * A script is a list of events in the order the server sees them:
 *
 *	S: text		the server sends text + CRLF
 *	S= text		the server sends text exactly (no CRLF added)
 *	C: text		the client must send text + CRLF, byte for byte
 *	C= text		the client must send text exactly
 *	EOF		the server closes the connection
 *	STALL		the server goes silent: reads would block forever
 *	RESET		the server resets the connection (a read fails)
 *	# ...		a comment; blank lines are ignored
 *
 * Text may hold C escapes: \r \n \t \\ \0 \xHH.  Consecutive C events
 * form one expected byte stream however the client splits its writes.
 *
 * The script installs itself as a struct transport (stream.h).  Reading
 * while the next event is C (the client waits for a reply before sending
 * what it should), or writing bytes other than the expected C bytes,
 * records a failure with both sides escaped and fails the I/O call.
 * STALL answers T_WANT_READ over one end of a socketpair whose other end
 * never writes, so the stream's own deadline fires.
 */
#ifndef OUTBOX_TEST_SCRIPT_H
#define OUTBOX_TEST_SCRIPT_H

#include <stddef.h>

struct stream;
struct script;

enum script_kind { SC_SEND, SC_EXPECT, SC_EOF, SC_STALL, SC_RESET };

/* A script from text in the syntax above (NULL: empty); exits the test
 * program with a message on a syntax error. */
struct script *script_new(const char *text);
void script_free(struct script *sc);

/* Append more text, or one raw event (data copied; len bytes). */
void script_add_text(struct script *sc, const char *text);
void script_add(struct script *sc, enum script_kind kind, const void *data,
    size_t len);

/* A stream whose transport is this script; the caller frees the stream
 * (before the script). */
struct stream *script_stream(struct script *sc);

/* Cap every read and write at n bytes (0: no cap), to exercise partial
 * I/O in the stream. */
void script_set_max_io(struct script *sc, size_t n);

/* Transport write calls that moved bytes: a pipelined group is one. */
unsigned long script_flights(const struct script *sc);
/* Everything the client wrote, in order. */
const char *script_sent(const struct script *sc, size_t *len);
/* The first failure recorded, or NULL. */
const char *script_failure(const struct script *sc);
/* 1 if no failure was recorded and every event was consumed (a trailing
 * EOF, STALL or RESET may be left unread); else 0 with the reason in why. */
int script_done(const struct script *sc, char *why, size_t cap);

#endif
