/* SPDX-License-Identifier: ISC */
/*
 * params: find a request param by name.
 */
#include "autoconf.h"

#include "params.h"

#include <string.h>

const char *
param_value(const char *param, const char *name)
{
	size_t len = strlen(name);

	if (strncmp(param, name, len) != 0 || param[len] != '=')
		return NULL;
	return param + len + 1;
}

const char *
param_get(char *const *envp, const char *name)
{
	const char *v;

	for (; envp != NULL && *envp != NULL; envp++)
		if ((v = param_value(*envp, name)) != NULL)
			return v;
	return NULL;
}

size_t
param_count(char *const *envp, const char *name)
{
	size_t n = 0;

	for (; envp != NULL && *envp != NULL; envp++)
		if (param_value(*envp, name) != NULL)
			n++;
	return n;
}
