/* SPDX-License-Identifier: ISC */
/*
 * units: parse the value syntaxes of extproxy.ini.  Every parser is
 * strict: trailing junk, signs, overflow and empty strings are errors.
 */
#include "autoconf.h"

#include "units.h"
#include "decimal.h"

#include <string.h>
#include <strings.h>

/* Leading unsigned decimal; *end is set past the digits. */
static int
parse_digits(const char *s, const char **end, uint64_t *v)
{
	size_t n = strspn(s, "0123456789");

	if (parse_decimal(s, n, UINT64_MAX, v) == -1)
		return -1;
	*end = s + n;
	return 0;
}

int
parse_duration(const char *s, long *ms)
{
	const char *u;
	uint64_t n, mult;

	if (parse_digits(s, &u, &n) == -1)
		return -1;
	if (*u == '\0' || strcmp(u, "s") == 0)
		mult = 1000;
	else if (strcmp(u, "ms") == 0)
		mult = 1;
	else if (strcmp(u, "m") == 0)
		mult = 60 * 1000;
	else
		return -1;
	/* a week is more than any timeout needs and fits every long */
	if (n > (uint64_t)7 * 24 * 3600 * 1000 / mult)
		return -1;
	*ms = (long)(n * mult);
	return 0;
}

int
parse_size(const char *s, int64_t *bytes)
{
	const char *u;
	uint64_t n, mult;

	if (parse_digits(s, &u, &n) == -1)
		return -1;
	switch (*u) {
	case '\0':
		mult = 1;
		break;
	case 'k':
	case 'K':
		mult = 1024;
		break;
	case 'M':
		mult = 1024 * 1024;
		break;
	case 'G':
		mult = 1024 * 1024 * 1024;
		break;
	default:
		return -1;
	}
	if (*u != '\0' && u[1] != '\0')
		return -1;
	if (n > (uint64_t)INT64_MAX / mult)
		return -1;
	*bytes = (int64_t)(n * mult);
	return 0;
}

int
parse_bool(const char *s, bool *b)
{
	static const char *yes[] = { "true", "yes", "on", "1" };
	static const char *no[] = { "false", "no", "off", "0" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*b = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*b = false;
			return 0;
		}
	}
	return -1;
}

int
parse_int(const char *s, long min, long max, long *out)
{
	uint64_t n;

	if (parse_decimal(s, strlen(s), (uint64_t)max, &n) == -1 ||
	    (long)n < min)
		return -1;
	*out = (long)n;
	return 0;
}
