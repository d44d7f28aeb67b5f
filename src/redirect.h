/* SPDX-License-Identifier: ISC */
/*
 * redirect: the decisions of following a redirect in [redirects] mode =
 * follow: which responses are redirects, where the next hop goes (a
 * Location held to every rule of a target, and to the allowlist), with
 * which method, and which request headers go along.  Pure: parses with
 * libcurl's URL API, never resolves, connects or logs.
 */
#ifndef EXTPROXY_REDIRECT_H
#define EXTPROXY_REDIRECT_H

#include <curl/curl.h>
#include <stdbool.h>

#include "allow.h"
#include "request.h"
#include "target.h"

/* Is code one a Location makes a redirect: 301, 302, 303, 307, 308? */
bool	redirect_code(long code);
/*
 * The method of the next hop after a redirect with code, as browsers
 * do: GET after a 303, or after a 301 or 302 to a POST, and then
 * *body is cleared (the next hop sends no request body); HEAD stays.
 */
enum method	redirect_method(enum method m, long code, bool *body);
/*
 * Where a redirect to location from base goes, into next: 0, or -1
 * (next holds nothing) when location breaks a rule of a target
 * (target_bytes_ok(), target_host_written(), target_describe()) or the
 * allowlist refuses it.
 */
int	redirect_target(CURLU *base, const char *location,
	    const struct allowlist *allow, struct target *next);
/* Do a and b name the same origin: scheme, host and port? */
bool	redirect_same_origin(const struct target *a, const struct target *b);
/*
 * The request header lines of in without the client's credentials
 * (Authorization, Cookie), which never go to another origin (as curl).
 * NULL if out of memory.
 */
struct curl_slist	*redirect_headers(const struct curl_slist *in);

#endif
