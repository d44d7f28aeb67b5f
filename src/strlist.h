/*
 * strlist: a list of words, as an ini value lists them ("a, b c"), split
 * once and kept as separate strings.  Pure: allocates only the list it
 * returns, never does I/O.
 */
#ifndef EXTPROXY_STRLIST_H
#define EXTPROXY_STRLIST_H

#include <stddef.h>

struct strlist {
	char	**v;
	size_t	  n;
};

/* The words of s, separated by commas and/or whitespace.  0, or -1. */
int	strlist_split(const char *s, struct strlist *out);
void	strlist_free(struct strlist *l);

#endif
