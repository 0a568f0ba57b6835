/*
 * idn.c - libidn2 behind one small interface (STYLE 5).
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <idn2.h>

#include "idn.h"
#include "util.h"

int
idn_is_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

int
idn_to_ascii(const char *name, char **out, enum err_kind kind, struct err *e)
{
	char *a = NULL;
	int rc;

	*out = NULL;
	if (idn_is_ascii(name)) {
		*out = xstrdup(name);
		return 0;
	}
	rc = idn2_to_ascii_8z(name, &a, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
	if (rc != IDN2_OK)
		return err_set(e, kind, "invalid internationalised domain "
		    "name '%s': %s", name, idn2_strerror(rc));
	*out = xstrdup(a);
	idn2_free(a);
	return 0;
}
