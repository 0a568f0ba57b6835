/*
 * fuzz_header.c - libFuzzer target for header_parse() and header_unfold()
 * on every field found: offsets must stay in the buffer and in order.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "header.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct headers h;
	size_t i, prev = 0;
	char *v;

	if (header_parse(&h, buf, size, NULL) == -1)
		return 0;
	if (h.len > size || h.body > size || h.len > h.body)
		abort();
	for (i = 0; i < h.n; i++) {
		const struct hfield *f = &h.f[i];

		if (f->start != prev || f->value <= f->start + f->name_len ||
		    f->end > h.len || f->value > f->end || f->name_len == 0)
			abort();
		prev = f->end;
		if (header_unfold(f, buf, &v, NULL) == 0) {
			if (strchr(v, '\n') != NULL)
				abort();
			free(v);
		}
		(void)header_is(f, buf, "To");
	}
	if (prev != h.len)
		abort();
	(void)header_find(&h, buf, "from", 0);
	headers_free(&h);
	return 0;
}
