/*
 * http: the small rules of HTTP syntax (RFC 9110) that more than one
 * module needs, written once.  Pure: plain predicates and tables over
 * bytes, never does I/O, never allocates.
 */
#ifndef EXTPROXY_HTTP_H
#define EXTPROXY_HTTP_H

#include <stdbool.h>

/* An RFC 9110 tchar: a byte of a token (a method, a field name). */
bool	http_tchar(unsigned char c);

#endif
