/*
 * serve.c - -bs: SMTP on stdin/stdout as a submission server, each
 * accepted message relayed through the account.
 */
#include "autoconfig.h"

#include "run.h"

int
run_serve(struct run *r, struct err *e)
{
	(void)r;
	return err_set(e, ERR_USAGE, "-bs is not supported yet");
}
