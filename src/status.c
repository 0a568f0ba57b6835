/*
 * status.c - the error record and the single mapping onto sysexits.h.
 */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "status.h"

int
err_set(struct err *e, enum err_kind kind, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	e->kind = kind;
	e->reply = 0;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int
err_set_reply(struct err *e, enum err_kind kind, const char *reply,
    const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (e == NULL)
		return -1;
	e->kind = kind;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	n = strlen(e->msg);
	if (n + 3 >= sizeof(e->msg)) {
		e->reply = 0;
		return -1;
	}
	snprintf(e->msg + n, sizeof(e->msg) - n, ": %s", reply);
	e->reply = n + 2;
	return -1;
}

const char *
err_reply(const struct err *e)
{
	return e->reply > 0 && e->reply < sizeof(e->msg) ? e->msg + e->reply :
	    NULL;
}

void
err_clear(struct err *e)
{
	e->kind = ERR_NONE;
	e->reply = 0;
	e->msg[0] = '\0';
}

int
err_exit_code(enum err_kind kind)
{
	switch (kind) {
	case ERR_NONE:		return EX_OK;
	case ERR_USAGE:		return EX_USAGE;
	case ERR_DATA:		return EX_DATAERR;
	case ERR_NOINPUT:	return EX_NOINPUT;
	case ERR_NOUSER:	return EX_NOUSER;
	case ERR_NOHOST:	return EX_NOHOST;
	case ERR_UNAVAILABLE:	return EX_UNAVAILABLE;
	case ERR_SOFTWARE:	return EX_SOFTWARE;
	case ERR_OSERR:		return EX_OSERR;
	case ERR_CANTCREAT:	return EX_CANTCREAT;
	case ERR_IO:		return EX_IOERR;
	case ERR_TEMP:		return EX_TEMPFAIL;
	case ERR_PROTOCOL:	return EX_PROTOCOL;
	case ERR_NOPERM:	return EX_NOPERM;
	case ERR_CONFIG:	return EX_CONFIG;
	}
	return EX_SOFTWARE;
}

enum err_kind
err_kind_for_reply(enum phase ph, int code, const char *enh)
{
	int cls = code / 100;

	if (cls == 4)
		return ERR_TEMP;
	if (cls != 5)
		return ERR_PROTOCOL;
	if (ph == PH_RCPT) {
		if (code == 550 || code == 551 || code == 553)
			return ERR_NOUSER;
		if (enh != NULL && strncmp(enh, "5.1.", 4) == 0)
			return ERR_NOUSER;
	}
	if (ph == PH_AUTH) {
		if (code == 534 || code == 535)
			return ERR_NOPERM;
		if (enh != NULL && strcmp(enh, "5.7.8") == 0)
			return ERR_NOPERM;
	}
	return ERR_UNAVAILABLE;
}

const char *
phase_name(enum phase ph)
{
	static const char *const names[] = {
		[PH_CONNECT] = "connect",
		[PH_GREETING] = "greeting",
		[PH_EHLO] = "EHLO",
		[PH_HELO] = "HELO",
		[PH_STARTTLS] = "STARTTLS",
		[PH_AUTH] = "AUTH",
		[PH_MAIL] = "MAIL FROM",
		[PH_RCPT] = "RCPT TO",
		[PH_DATA] = "DATA",
		[PH_BDAT] = "BDAT",
		[PH_DOT] = "end of data",
		[PH_RSET] = "RSET",
		[PH_QUIT] = "QUIT",
	};

	if ((unsigned)ph < sizeof(names) / sizeof(names[0]) && names[ph] != NULL)
		return names[ph];
	return "?";
}
