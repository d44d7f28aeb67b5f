/* SPDX-License-Identifier: ISC */
/*
 * glob: '*'-only wildcard matching, iterative with one backtrack point,
 * so a hostile string cannot make it exponential.
 */
#include "autoconf.h"

#include "glob.h"

#include <ctype.h>
#include <stddef.h>

static bool
same(char a, char b, bool nocase)
{
	if (nocase)
		return tolower((unsigned char)a) == tolower((unsigned char)b);
	return a == b;
}

bool
glob_match(const char *p, const char *s, bool nocase)
{
	const char *star = NULL, *resume = NULL;

	while (*s != '\0') {
		if (*p == '*') {
			star = p++;
			resume = s;
		} else if (*p != '\0' && same(*p, *s, nocase)) {
			p++;
			s++;
		} else if (star != NULL) {
			p = star + 1;
			s = ++resume;
		} else
			return false;
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}
