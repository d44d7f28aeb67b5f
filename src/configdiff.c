/* SPDX-License-Identifier: ISC */
/*
 * configdiff: compare the configuration a reload read with the one in
 * use: keep the keys that take effect only at start, and tell whether
 * pooled upstream connections may serve under the new one.  Never
 * reads a file, never logs.
 */
#include "autoconf.h"

#include "config.h"

#include <stdlib.h>
#include <string.h>

static bool
str_differs(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

static bool
cidrs_differ(const struct cidr_list *a, const struct cidr_list *b)
{
	size_t i;

	if (a->n != b->n)
		return true;
	for (i = 0; i < a->n; i++)
		if (a->v[i].family != b->v[i].family ||
		    a->v[i].prefix != b->v[i].prefix ||
		    memcmp(a->v[i].addr, b->v[i].addr,
		    sizeof(a->v[i].addr)) != 0)
			return true;
	return false;
}

static bool
strlists_differ(const struct strlist *a, const struct strlist *b)
{
	size_t i;

	if (a->n != b->n)
		return true;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return true;
	return false;
}

bool
config_pool_differs(const struct config *a, const struct config *b)
{
	return cidrs_differ(&a->net_allow, &b->net_allow) ||
	    cidrs_differ(&a->net_deny, &b->net_deny) ||
	    strlists_differ(&a->resolve, &b->resolve) ||
	    str_differs(a->proxy, b->proxy);
}

/* A string key that needs a restart: *cur gets old again.  0 or -1. */
static int
keep_string(const char *old, char **cur, const char *key,
    void (*report)(void *arg, const char *key), void *arg)
{
	char *keep = NULL;

	if (!str_differs(old, *cur))
		return 0;
	if (old != NULL && (keep = strdup(old)) == NULL)
		return -1;
	free(*cur);
	*cur = keep;
	report(arg, key);
	return 0;
}

int
config_keep_restart_keys(const struct config *old, struct config *c,
    void (*report)(void *arg, const char *key), void *arg)
{
	/* temp_dir: checked at start, as the user that serves (main.c) */
	if (keep_string(old->listen, &c->listen, "[server] listen", report,
	    arg) == -1 ||
	    keep_string(old->user, &c->user, "[server] user", report,
	    arg) == -1 ||
	    keep_string(old->temp_dir, &c->temp_dir, "[server] temp_dir",
	    report, arg) == -1)
		return -1;
	if (old->workers != c->workers) {
		c->workers = old->workers;
		report(arg, "[server] workers");
	}
	return 0;
}
