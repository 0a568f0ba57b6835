/*
 * fuzz_config.c - libFuzzer target for the configuration parser: any
 * bytes as a configuration file, then the account rules, copying and
 * lookups on whatever accounts came out of it.
 */
#include "autoconfig.h"

#include <stddef.h>
#include <stdint.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
exercise(const struct account *a)
{
	struct account *d;
	struct err e;

	if (a == NULL)
		return;
	(void)account_check(a, &e);
	(void)account_tls(a);
	(void)account_port(a);
	d = account_dup(a);
	(void)account_set(d, KW_HOST, "mail.example.org", "fuzz", &e);
	account_free(d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "default", "a", "b", "x" };
	struct config *c = config_new();
	struct err e;
	size_t i;

	(void)config_parse_buffer(c, "fuzz", (const char *)data, size, &e);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		exercise(config_account(c, names[i]));
	exercise(config_defaults(c));
	exercise(config_account_by_from(c, "joe+x@example.org"));
	config_free(c);
	return 0;
}
