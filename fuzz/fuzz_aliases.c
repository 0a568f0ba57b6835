/*
 * fuzz_aliases.c - libFuzzer target for aliases_parse() and
 * aliases_expand(): every recipient produced must be a valid SMTP path
 * without control characters, within ADDR_MAX.
 */
#include "autoconfig.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "aliases.h"
#include "limits.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char r0[] = "root", r1[] = "Bob", r2[] = "x@y.org",
	    r3[] = "\"a b\"", r4[] = "default";
	static char *const in[] = { r0, r1, r2, r3, r4 };
	struct aliases *a = NULL;
	struct err e;
	char **out = NULL, why[256];
	size_t nout = 0, i;

	if (aliases_parse(&a, "fuzz", (const char *)data, size, &e) < 0) {
		if (a != NULL)
			abort();
		return 0;
	}
	if (aliases_expand(a, size % 2 ? "q.example" : NULL, in,
	    sizeof(in) / sizeof(in[0]), &out, &nout, &e) == 0) {
		for (i = 0; i < nout; i++) {
			if (strlen(out[i]) > ADDR_MAX ||
			    has_ctl(out[i], strlen(out[i])) ||
			    addr_check_path(out[i], why, sizeof(why)) < 0)
				abort();
			free(out[i]);
		}
		free(out);
	} else if (out != NULL || nout != 0) {
		abort();
	}
	aliases_free(a);
	return 0;
}
