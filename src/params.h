/* SPDX-License-Identifier: ISC */
/*
 * params: the request's params, the NAME=value strings the web server
 * hands over (FastCGI params, or the CGI environment, as struct client
 * carries them).  Pure: reads only the array it is given, never the
 * process environment, never does I/O.
 */
#ifndef EXTPROXY_PARAMS_H
#define EXTPROXY_PARAMS_H

#include <stddef.h>

/* The value of one "NAME=value" param if it is named `name`, else NULL. */
const char	*param_value(const char *param, const char *name);
/* The value of the first param `name`, or NULL (also for envp NULL). */
const char	*param_get(char *const *envp, const char *name);
/* How many params are named `name`. */
size_t		 param_count(char *const *envp, const char *name);

#endif
