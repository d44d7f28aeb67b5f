/* SPDX-License-Identifier: ISC */
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
/*
 * Append s, which l takes over: freed with l, or at once when it cannot
 * be added.  s NULL (a failed allocation) fails too.  0, or -1.
 */
int	strlist_add(struct strlist *l, char *s);
void	strlist_free(struct strlist *l);

#endif
