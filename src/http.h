/* SPDX-License-Identifier: ISC */
/*
 * http: the small rules of HTTP (RFC 9110) that more than one module
 * needs, written once: token characters, reason phrases and the
 * methods extproxy relays.  Pure: plain predicates and tables, never
 * does I/O, never allocates.
 */
#ifndef EXTPROXY_HTTP_H
#define EXTPROXY_HTTP_H

#include <stdbool.h>
#include <stddef.h>

/* The methods extproxy relays; every other method is refused (405). */
enum method {
	METHOD_GET, METHOD_HEAD, METHOD_POST, METHOD_PUT, METHOD_PATCH,
	METHOD_DELETE, METHOD_OPTIONS
};
#define METHOD_COUNT	((int)METHOD_OPTIONS + 1)

/* An RFC 9110 tchar: a byte of a token (a method, a field name). */
bool	http_tchar(unsigned char c);
/*
 * The reason phrase of a status code ("Not Found"), or of its class
 * ("Client Error") for a code without one here.
 */
const char	*http_reason(int code);
/* "GET" ... "OPTIONS". */
const char	*method_name(enum method m);
/* The method named exactly m (methods are case-sensitive), or -1. */
int	method_lookup(const char *m);
/*
 * The Allow header of a 405, "Allow: GET, HEAD, ...", into buf; returns
 * buf (the methods that fit, whole, if size is too small).
 */
const char	*method_allow(char *buf, size_t size);

#endif
