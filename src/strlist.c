/* SPDX-License-Identifier: ISC */
/*
 * strlist: split a word list, free it.
 */
#include "autoconf.h"

#include "strlist.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static int
is_sep(char c)
{
	return c == ',' || isspace((unsigned char)c);
}

int
strlist_split(const char *s, struct strlist *out)
{
	const char *p, *start;

	out->v = NULL;
	out->n = 0;
	for (p = s; *p != '\0';) {
		while (*p != '\0' && is_sep(*p))
			p++;
		if (*p == '\0')
			break;
		start = p;
		while (*p != '\0' && !is_sep(*p))
			p++;
		if (strlist_add(out, strndup(start,
		    (size_t)(p - start))) == -1) {
			strlist_free(out);
			return -1;
		}
	}
	return 0;
}

int
strlist_add(struct strlist *l, char *s)
{
	char **nv;

	if (s == NULL ||
	    (nv = realloc(l->v, (l->n + 1) * sizeof(*nv))) == NULL) {
		free(s);
		return -1;
	}
	l->v = nv;
	l->v[l->n++] = s;
	return 0;
}

void
strlist_free(struct strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
