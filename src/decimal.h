/* SPDX-License-Identifier: ISC */
/*
 * decimal: the one reader of unsigned decimal numbers, for every number
 * extproxy takes from its file or a request (a count, a size, a port, a
 * prefix length, a body length).  Digits only: no sign, no space, no
 * empty string; a value above the maximum is an error, never a wrap.
 * Pure: never allocates, never does I/O.
 */
#ifndef EXTPROXY_DECIMAL_H
#define EXTPROXY_DECIMAL_H

#include <stddef.h>
#include <stdint.h>

/* s[0..n), all digits (leading zeros allowed), as a number <= max. */
int	parse_decimal(const char *s, size_t n, uint64_t max, uint64_t *out);
/* s[0..n) as a TCP port, 1 to 65535. */
int	parse_port(const char *s, size_t n, long *port);
/*
 * A length as HTTP and CGI write it (Content-Length, CONTENT_LENGTH):
 * s[0..n) is 1*DIGIT, at most INT64_MAX; no sign, no blank.
 */
int	parse_length(const char *s, size_t n, int64_t *out);

#endif
