/* SPDX-License-Identifier: ISC */
/*
 * hostname: the one rule for a plain DNS host name, as the target, the
 * allowlist patterns and [upstream] resolve each take it: letters,
 * digits, '-', '_' and '.', and no empty label.  Pure: never resolves,
 * never does I/O.
 */
#ifndef EXTPROXY_HOSTNAME_H
#define EXTPROXY_HOSTNAME_H

#include <stdbool.h>
#include <stddef.h>

#define HOSTNAME_MAX	255	/* longest name, in bytes */

/* A byte of a plain DNS name: a letter, a digit, '-', '_' or '.'. */
bool	hostname_char(unsigned char c);
/*
 * Is h[0..n) a plain DNS name: 1 to HOSTNAME_MAX bytes of
 * hostname_char(), with no empty label (no leading or trailing '.', no
 * "..")?  An empty label would let ".example.com" pass for
 * "*.example.com".
 */
bool	hostname_valid(const char *h, size_t n);

#endif
