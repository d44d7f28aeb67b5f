/*
 * strlist: split a word list, free it.
 */
#include <config.h>

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
	char **nv;

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
		nv = realloc(out->v, (out->n + 1) * sizeof(*nv));
		if (nv == NULL)
			goto fail;
		out->v = nv;
		if ((out->v[out->n] = strndup(start, (size_t)(p - start))) == NULL)
			goto fail;
		out->n++;
	}
	return 0;
fail:
	strlist_free(out);
	return -1;
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
