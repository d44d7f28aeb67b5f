/* SPDX-License-Identifier: ISC */
/*
 * target: turn the client's Proxy-To value into a parsed URL.  The CURLU
 * built here is the very handle the transfer uses, so the allowlist and
 * the fetch can never disagree.  Pure: parses, never resolves or connects.
 */
#ifndef EXTPROXY_TARGET_H
#define EXTPROXY_TARGET_H

#include <curl/curl.h>
#include <stdbool.h>

#define TARGET_MAX	8192	/* longest accepted target URL */

struct target {
	CURLU	*url;
	char	*scheme;	/* "http" or "https" */
	char	*host;		/* lower case; IPv6 in brackets; no trailing
				 * dot, in url neither */
	long	 port;		/* explicit or the scheme's default */
	char	*path;		/* as it will be sent, starting with '/' */
};

/*
 * Parse and vet `raw`.  Returns 0, or -1 with *why set to a short static
 * reason that never quotes the input.
 */
int	target_parse(const char *raw, struct target *t, const char **why);
/*
 * Are the bytes of `ref` (a target, or a Location to follow) ones a
 * target may hold: at most TARGET_MAX printable ASCII bytes, no space or
 * backslash?  On false, *why.
 */
bool	target_bytes_ok(const char *ref, const char **why);
/* Fill the derived fields of t from t->url (after a redirect, say). */
int	target_describe(struct target *t, const char **why);
void	target_free(struct target *t);
/*
 * Is the host of `ref` (a URL, or a reference such as a Location) written
 * where and as it is read: "scheme://authority" or "//authority", the
 * authority not empty and without '%'?  A reference with neither (a
 * path, query or fragment) names no host and passes.  On false, *why.
 */
bool	target_host_written(const char *ref, const char **why);
long	scheme_default_port(const char *scheme);

#endif
