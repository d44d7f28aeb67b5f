/* SPDX-License-Identifier: ISC */
/*
 * units: parse the value syntaxes of extproxy.ini (durations, sizes,
 * booleans, counts; a list is a strlist).  Pure functions over
 * strings; never allocates, never does I/O.
 */
#ifndef EXTPROXY_UNITS_H
#define EXTPROXY_UNITS_H

#include <stdbool.h>
#include <stdint.h>

/* "250ms", "10s", "2m", "30" (seconds).  Result in milliseconds. */
int	parse_duration(const char *s, long *ms);
/* "512", "64k", "10M", "1G" (binary multiples).  Result in bytes. */
int	parse_size(const char *s, int64_t *bytes);
/* "true|yes|on|1" / "false|no|off|0", case-insensitive. */
int	parse_bool(const char *s, bool *b);
/* Decimal integer in [min, max]. */
int	parse_int(const char *s, long min, long max, long *out);

#endif
