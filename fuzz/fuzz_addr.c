/*
 * fuzz_addr.c - libFuzzer target for addrlist_parse(), addr_parse_one()
 * and addr_check_path(): every address produced must be free of control
 * characters and within ADDR_MAX.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "limits.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct addrlist l = { NULL, 0 };
	char why[256], out[ADDR_MAX + 1], *s;
	size_t i;

	if (addrlist_parse(&l, (const char *)data, size, why, sizeof(why)) == 0)
		for (i = 0; i < l.n; i++) {
			if (strlen(l.addr[i]) > ADDR_MAX ||
			    has_ctl(l.addr[i], strlen(l.addr[i])))
				abort();
			(void)addr_check_path(l.addr[i], why, sizeof(why));
		}
	addrlist_free(&l);
	s = xstrndup((const char *)data, size);
	if (addr_parse_one(s, out, sizeof(out), why, sizeof(why)) == 0 &&
	    has_ctl(out, strlen(out)))
		abort();
	(void)addr_check_path(s, why, sizeof(why));
	free(s);
	return 0;
}
