/* SPDX-License-Identifier: ISC */
/*
 * glob: match a string against a pattern where '*' stands for any run of
 * characters (including none).  No other metacharacters.  Pure; linear
 * in practice (single backtrack point), never recursive.
 */
#ifndef EXTPROXY_GLOB_H
#define EXTPROXY_GLOB_H

#include <stdbool.h>

bool	glob_match(const char *pattern, const char *s, bool nocase);

#endif
