/* SPDX-License-Identifier: ISC */
/*
 * json: a string as the body of a JSON string.  Pure: writes only into
 * the buffer it is given, never allocates, never does I/O.  Every byte
 * outside printable ASCII is escaped, so the output is valid UTF-8 and
 * one line whatever the input.
 */
#ifndef EXTPROXY_JSON_H
#define EXTPROXY_JSON_H

#include <stddef.h>

/*
 * s as a JSON string body (no quotes) into buf, cut before an escape
 * that does not fit; returns the length.
 */
size_t	json_escape(char *buf, size_t size, const char *s);

#endif
