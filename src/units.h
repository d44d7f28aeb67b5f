/*
 * units: parse the value syntaxes of extproxy.ini (durations, sizes,
 * booleans, lists).  Pure functions over strings; never allocates
 * except for the list it returns, never does I/O.
 */
#ifndef EXTPROXY_UNITS_H
#define EXTPROXY_UNITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "250ms", "10s", "2m", "30" (seconds).  Result in milliseconds. */
int	parse_duration(const char *s, long *ms);
/* "512", "64k", "10M", "1G" (binary multiples).  Result in bytes. */
int	parse_size(const char *s, int64_t *bytes);
/* "true|yes|on|1" / "false|no|off|0", case-insensitive. */
int	parse_bool(const char *s, bool *b);
/* Decimal integer in [min, max]. */
int	parse_int(const char *s, long min, long max, long *out);

/* A list of words separated by commas and/or whitespace. */
struct strlist {
	char	**v;
	size_t	  n;
};
int	strlist_split(const char *s, struct strlist *out);
void	strlist_free(struct strlist *l);

#endif
