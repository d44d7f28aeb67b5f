/* SPDX-License-Identifier: ISC */
/*
 * bindrace: an LD_PRELOAD shim for tests/smoke/socket-race.sh.  Right
 * after the first successful bind() of a unix socket, it renames the
 * file named by BINDRACE_FROM (a symlink the test made) over
 * BINDRACE_TO (the socket path extproxy was told to use): the move an
 * attacker who can write the socket's directory would race to make,
 * made deterministic.  It then writes BINDRACE_DONE, so that the test
 * knows the race was run.  Never acts when the variables are unset.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef int (*bind_fn)(int, const struct sockaddr *, socklen_t);

int
bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	static int done;
	void *sym = dlsym(RTLD_NEXT, "bind");
	bind_fn real;
	const char *from = getenv("BINDRACE_FROM");
	const char *to = getenv("BINDRACE_TO");
	const char *mark = getenv("BINDRACE_DONE");
	int rc, mfd;

	memcpy(&real, &sym, sizeof(real));	/* object to function pointer */
	rc = real(fd, sa, len);
	if (rc == 0 && !done && sa->sa_family == AF_UNIX && from != NULL &&
	    to != NULL && mark != NULL) {
		done = 1;
		if (rename(from, to) == 0 &&
		    (mfd = open(mark, O_WRONLY | O_CREAT | O_TRUNC,
		    0644)) != -1)
			close(mfd);
	}
	return rc;
}
