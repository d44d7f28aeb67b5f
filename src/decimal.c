/* SPDX-License-Identifier: ISC */
/*
 * decimal: checked unsigned decimal numbers.
 */
#include "autoconf.h"

#include "decimal.h"

int
parse_decimal(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0, d;
	size_t i;

	if (n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = (uint64_t)(s[i] - '0');
		if (d > max || v > (max - d) / 10)
			return -1;	/* v * 10 + d > max, without overflow */
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int
parse_port(const char *s, size_t n, long *port)
{
	uint64_t v;

	if (parse_decimal(s, n, 65535, &v) == -1 || v == 0)
		return -1;
	*port = (long)v;
	return 0;
}

int
parse_length(const char *s, size_t n, int64_t *out)
{
	uint64_t v;

	if (parse_decimal(s, n, INT64_MAX, &v) == -1)
		return -1;
	*out = (int64_t)v;
	return 0;
}
