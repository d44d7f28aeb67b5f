/* SPDX-License-Identifier: ISC */
/*
 * allow: the URL allowlist.  Patterns are compiled once from [allow] urls;
 * a target is allowed when scheme, host, port and path each match one
 * pattern.  Pure: never parses the target itself (see target.c), never
 * looks at the query string, never does I/O.
 */
#ifndef EXTPROXY_ALLOW_H
#define EXTPROXY_ALLOW_H

#include <stdbool.h>
#include <stddef.h>

#define ALLOW_ANY_PORT	(-1)

struct allow_pattern {
	char	*scheme;	/* "http" or "https" */
	char	*host;		/* lower-case glob */
	long	 port;		/* number, or ALLOW_ANY_PORT */
	char	*path;		/* glob, or NULL for every path */
};

struct allowlist {
	struct allow_pattern	*v;
	size_t			 n;
};

/* Compile one pattern; -1 with *why (static text) on error. */
int	allowlist_add(struct allowlist *l, const char *pattern,
	    const char **why);
void	allowlist_free(struct allowlist *l);
/* host lower case without trailing dot, port resolved, path as sent. */
bool	allowlist_match(const struct allowlist *l, const char *scheme,
	    const char *host, long port, const char *path);

#endif
