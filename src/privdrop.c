/* SPDX-License-Identifier: ISC */
/*
 * privdrop: check [server] user and switch to it: supplementary groups
 * (initgroups), then the real, effective and saved group and user ids,
 * then prove that root cannot be had back.
 */
#include "autoconf.h"

#include "privdrop.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* The account named by [server] user, if it may be used; else NULL. */
static struct passwd *
lookup(const char *user)
{
	struct passwd *pw;

	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		log_error("[server] user: no user \"%s\"%s%s", user,
		    errno != 0 ? ": " : "", errno != 0 ? strerror(errno) : "");
		return NULL;
	}
	if (pw->pw_uid == 0) {
		log_error("[server] user: \"%s\" is root; name an unprivileged "
		    "account", user);
		return NULL;
	}
	return pw;
}

int
privdrop_check_user(const char *user)
{
	return user == NULL || lookup(user) != NULL ? 0 : -1;
}

int
privdrop_prepare(const char *user, struct privdrop *p)
{
	struct passwd *pw;

	memset(p, 0, sizeof(*p));
	if (user == NULL) {
		if (geteuid() != 0 && getuid() != 0)
			return 0;
		log_error("refusing to run as root: set [server] user to the "
		    "account to serve as (extproxy switches to it after "
		    "opening its socket)");
		return -1;
	}
	if ((pw = lookup(user)) == NULL)
		return -1;
	if (geteuid() != 0) {
		/*
		 * already unprivileged (systemd User=, say): fine if it
		 * is the user
		 */
		if (getuid() == pw->pw_uid && geteuid() == pw->pw_uid)
			return 0;
		log_error("[server] user: cannot switch to \"%s\" without root "
		    "(running as uid %ld)", user, (long)geteuid());
		return -1;
	}
	if ((p->name = strdup(pw->pw_name)) == NULL) {
		log_error("out of memory");
		return -1;
	}
	p->drop = true;
	p->uid = pw->pw_uid;
	p->gid = pw->pw_gid;
	return 0;
}

/* Is there any way back to uid 0 or to other ids? */
static bool
locked_in(const struct privdrop *p)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1)
		return false;
	if (ru != p->uid || eu != p->uid || su != p->uid ||
	    rg != p->gid || eg != p->gid || sg != p->gid)
		return false;
	/* each must fail now that no user id of the process is 0 */
	if (setuid(0) != -1 || seteuid(0) != -1 || setreuid((uid_t)-1, 0) != -1)
		return false;
	return p->gid == 0 || (setgid(0) == -1 && setegid(0) == -1);
}

int
privdrop_apply(const struct privdrop *p)
{
	if (!p->drop)
		return 0;
	if (initgroups(p->name, p->gid) == -1) {
		log_error("initgroups for %s: %s", p->name, strerror(errno));
		return -1;
	}
	if (setresgid(p->gid, p->gid, p->gid) == -1) {
		log_error("setresgid(%ld): %s", (long)p->gid, strerror(errno));
		return -1;
	}
	if (setresuid(p->uid, p->uid, p->uid) == -1) {
		log_error("setresuid(%ld): %s", (long)p->uid, strerror(errno));
		return -1;
	}
	if (!locked_in(p)) {
		log_error("switched to %s but could still regain root", p->name);
		return -1;
	}
	log_info("running as user %s (uid %ld, gid %ld)", p->name,
	    (long)p->uid, (long)p->gid);
	return 0;
}

void
privdrop_free(struct privdrop *p)
{
	free(p->name);
	p->name = NULL;
}
