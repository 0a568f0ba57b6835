/*
 * limits.h - every input limit outbox enforces, named, with the reason.
 *
 * Each limit is checked where the input crosses into outbox, and a value
 * over it gets an error message of its own that names the limit.
 */
#ifndef OUTBOX_LIMITS_H
#define OUTBOX_LIMITS_H

/* RFC 5321 4.5.3.1.5: 512 octets per reply line; we allow generous slack
 * for servers that exceed it, but never unbounded. */
#define REPLY_LINE_MAX		4096
/* A reply (EHLO's is the longest) rarely has more than 30 lines. */
#define REPLY_LINES_MAX		100
/* The text of one whole reply, all lines together. */
#define REPLY_TEXT_MAX		16384

/* RFC 5321 4.5.3.1.1-3: local part 64, domain 255, path 256 octets. */
#define ADDR_LOCAL_MAX		64
#define ADDR_DOMAIN_MAX		255
#define ADDR_MAX		256
/* One unfolded header field (an address list of many recipients). */
#define HEADER_FIELD_MAX	(256 * 1024)
/* The whole header section, which is kept in memory to be parsed. */
#define HEADER_SECTION_MAX	(4 * 1024 * 1024)
/* Number of header fields in one message. */
#define HEADER_FIELDS_MAX	10000
/* Recipients of one message, from the command line and headers. */
#define RCPTS_MAX		10000
/* RFC 5322 2.1.1: lines SHOULD be at most 998 octets; longer ones are
 * sent unchanged and noted in the trace and the log. */
#define LINE_SOFT_MAX		998

/* One line of a configuration file. */
#define CONFIG_LINE_MAX		8192
/* A whole configuration file: real ones are a few kilobytes. */
#define CONFIG_FILE_MAX		(1024 * 1024)
/* Nesting of account inheritance (account a : b, b : c, ...). */
#define CONFIG_INHERIT_MAX	16
/* Output of a passwordeval helper. */
#define PASSWORD_EVAL_MAX	4096
/* How long a passwordeval helper may run, in seconds. */
#define PASSWORD_EVAL_SECONDS	60
/* How long a keyring lookup may take, in seconds: D-Bus's own timeout
 * is 25 s per call and a lookup makes several; a live daemon answers in
 * milliseconds, activating one takes about a second. */
#define KEYRING_SECONDS		10
/* A ~/.netrc larger than this is not a netrc (it is read whole). */
#define NETRC_MAX		(1024 * 1024)
/* One AUTH command line with its initial response, CRLF included:
 * Postfix's default line_length_limit; longer goes after a 334. */
#define SASL_LINE_MAX		2048
/* A server's base64 AUTH challenge: SCRAM, DIGEST-MD5 and OAuth error
 * challenges are well under 1 KiB; anything longer is refused. */
#define SASL_CHALLENGE_MAX	2048

/* An aliases file is read whole; one line may list many addresses. */
#define ALIASES_FILE_MAX	(4 * 1024 * 1024)
#define ALIASES_LINE_MAX	(64 * 1024)
/* A display name in a generated From header: its encoded line must stay
 * within RFC 5322's 998 octets. */
#define FULL_NAME_MAX		256

/* How long to wait for another process's lock on the dead-letter file. */
#define DEADLETTER_LOCK_SECONDS	10

/* Buffers for the network stream: one write per pipelined group, and
 * large enough that a big message goes in few system calls. */
#define STREAM_RBUF_SIZE	(16 * 1024)
#define STREAM_WBUF_SIZE	(256 * 1024)
/* Chunk read from the spool when sending the message. */
#define SPOOL_CHUNK		(128 * 1024)

/* RFC 5321 4.5.3.1.4: a command line is at most 512 octets with its CRLF
 * (AUTH lines are exempt: RFC 4954 allows 12288). */
#define CMD_LINE_MAX		512
/* RFC 3461 5: NOTIFY and ORCPT may make RCPT 500 octets longer, RET and
 * ENVID make MAIL 100 longer (with SIZE, BODY and SMTPUTF8 beside). */
#define CMD_LINE_PARAM_MAX	(CMD_LINE_MAX + 600)

/* An error message: one line for stderr, including quoted server text. */
#define ERR_MSG_MAX		1024

/* RFC 5321 4.5.3.2 timeouts, in seconds. */
#define TIMEOUT_CONNECT		60
#define TIMEOUT_GREETING	300
#define TIMEOUT_MAIL		300
#define TIMEOUT_RCPT		300
#define TIMEOUT_DATA_INIT	120
#define TIMEOUT_DATA_BLOCK	180
#define TIMEOUT_DATA_TERM	600
/* EHLO, STARTTLS, AUTH, RSET, QUIT: RFC 5321 gives none; 5 minutes. */
#define TIMEOUT_OTHER		300
/* TLS close_notify on the way out is a courtesy: wait at most this many ms. */
#define TLS_BYE_MS		1000
/* -bs: RFC 5321 4.5.3.2.7, how long a server waits for the client's
 * next command or data, in seconds. */
#define TIMEOUT_SERVE		300
/* The whole run (`deadline`), in seconds. */
#define DEADLINE_DEFAULT	(20 * 60)

#endif
