/* SPDX-License-Identifier: ISC */
/*
 * privdrop: never serve as root.  As root, extproxy needs [server] user
 * and becomes that user and its groups once its socket is open and its
 * configuration read, before the first request; it refuses to start
 * otherwise.  Never returns success while the process could regain root.
 */
#ifndef EXTPROXY_PRIVDROP_H
#define EXTPROXY_PRIVDROP_H

#include <stdbool.h>
#include <sys/types.h>

struct privdrop {
	bool	 drop;		/* running as root: become uid/gid */
	uid_t	 uid;
	gid_t	 gid;
	char	*name;
};

/*
 * Decide, before anything is opened: look `user` (may be NULL) up and
 * check that the process can become it.  -1 after logging why.
 */
int	privdrop_prepare(const char *user, struct privdrop *p);
/* For -t: does [server] user name a usable account?  -1 after logging. */
int	privdrop_check_user(const char *user);
/* Become the user for good; -1 after logging why. */
int	privdrop_apply(const struct privdrop *p);
void	privdrop_free(struct privdrop *p);

#endif
