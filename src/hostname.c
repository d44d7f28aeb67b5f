/* SPDX-License-Identifier: ISC */
/*
 * hostname: the plain DNS host name rule.
 */
#include "autoconf.h"

#include "hostname.h"

bool
hostname_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

bool
hostname_valid(const char *h, size_t n)
{
	size_t i;

	if (n == 0 || n > HOSTNAME_MAX || h[0] == '.' || h[n - 1] == '.')
		return false;
	for (i = 0; i < n; i++) {
		if (!hostname_char((unsigned char)h[i]))
			return false;
		if (h[i] == '.' && i + 1 < n && h[i + 1] == '.')
			return false;
	}
	return true;
}
