/* SPDX-License-Identifier: ISC */
/*
 * listen: create, bind and listen on the configured address.  A unix
 * socket is born with its final owner and mode and renamed into place;
 * never chmod()s or chown()s through a path another account may replace.
 */
#include "autoconf.h"

#include "listen.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"

int
listen_backlog(void)
{
	FILE *f;
	long n = 0;

	if ((f = fopen("/proc/sys/net/core/somaxconn", "re")) != NULL) {
		if (fscanf(f, "%ld", &n) != 1)
			n = 0;
		fclose(f);
	}
	return n > 0 && n <= INT_MAX ? (int)n : SOMAXCONN;
}

bool
fd_is_listener(int fd)
{
	int on = 0;
	socklen_t len = sizeof(on);

	return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0 &&
	    on != 0;
}

/*
 * May a new socket take the name `path`?  Yes if nothing is there, or
 * a socket nobody listens on any more (a connect is refused).  Logs why
 * not.  Changes nothing: the new socket is renamed over a stale one.
 */
static int
may_replace(const char *path, const struct sockaddr_un *sun)
{
	struct stat st;
	int fd, rc, err;

	if (lstat(path, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		log_error("%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		log_error("%s exists and is not a socket", path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		log_error("socket: %s", strerror(errno));
		return -1;
	}
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	err = errno;
	close(fd);
	if (rc == 0) {
		log_error("%s: another process is listening on it", path);
		return -1;
	}
	if (err != ECONNREFUSED) {
		log_error("%s: cannot tell whether it is stale: %s", path,
		    strerror(err));
		return -1;
	}
	return 0;
}

/*
 * Where the socket goes: `path` split into its directory, opened, and
 * its last component.  -1 after logging why.
 */
static int
open_parent(const char *path, char *base, size_t size)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	const char *slash = strrchr(path, '/');
	size_t dlen;
	int fd;

	if (slash == NULL) {
		strcpy(dir, ".");
		slash = path - 1;
	} else {
		dlen = slash == path ? 1 : (size_t)(slash - path);
		memcpy(dir, path, dlen);
		dir[dlen] = '\0';
	}
	if (strlen(slash + 1) >= size || strcmp(slash + 1, "") == 0 ||
	    strcmp(slash + 1, ".") == 0 || strcmp(slash + 1, "..") == 0) {
		log_error("%s: not a socket file name", path);
		return -1;
	}
	strcpy(base, slash + 1);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		log_error("%s: %s", dir, strerror(errno));
	return fd;
}

/*
 * Make a directory only this user may enter, in the current directory,
 * and open it.  A directory someone swapped in under its name before
 * the open is refused.
 */
static int
private_dir(char *name)
{
	struct stat st;
	int fd;

	if (mkdtemp(name) == NULL)
		return -1;
	fd = open(name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == -1 || st.st_uid != geteuid() ||
	    (st.st_mode & 0777) != 0700) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	return fd;
}

/*
 * Create the socket with its final owner and mode, then put it in place.
 *
 * The socket's directory may be writable by another account (the
 * [server] user, say), which could replace `path` by a symlink to any
 * file at any moment; a chmod() or chown() through `path` as root would
 * then change that file.  So the socket is bound inside a fresh
 * directory only root may enter, given its owner and mode there, and
 * renamed over `path`: rename() replaces whatever the name holds and
 * follows no link.  Nothing else here acts on `path` but lstat() and
 * connect() in may_replace(), which change nothing.
 */
static int
listen_in_place(int fd, const char *path, uid_t uid, gid_t gid)
{
	struct sockaddr_un sun;
	char base[sizeof(sun.sun_path)], tmp[] = ".extproxy-XXXXXX";
	int cwd, pfd, dfd = -1, rc = -1, err = 0;

	if ((pfd = open_parent(path, base, sizeof(base))) == -1)
		return -1;
	/* bind() takes a path: make the private directory the cwd */
	if ((cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fchdir(pfd) == -1) {
		err = errno;
		goto out;
	}
	if ((dfd = private_dir(tmp)) == -1 || fchdir(dfd) == -1) {
		err = errno;
		goto back;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, "sock");
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    ((uid != (uid_t)-1 || gid != (gid_t)-1) &&
	    fchownat(dfd, "sock", uid, gid, AT_SYMLINK_NOFOLLOW) == -1) ||
	    fchmodat(dfd, "sock", 0660, 0) == -1 ||
	    listen(fd, listen_backlog()) == -1 ||
	    renameat(dfd, "sock", pfd, base) == -1) {
		err = errno;
		unlinkat(dfd, "sock", 0);
	} else
		rc = 0;
back:
	if (fchdir(cwd) == -1 && err == 0) {
		err = errno;
		rc = -1;
	}
	if (dfd != -1) {
		close(dfd);
		unlinkat(pfd, tmp, AT_REMOVEDIR);
	}
out:
	if (cwd != -1)
		close(cwd);
	close(pfd);
	if (rc == -1 && err != 0)
		log_error("listen on %s: %s", path, strerror(err));
	return rc;
}

static int
listen_unix(const char *path, uid_t uid, gid_t gid)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_error("%s: socket path too long", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	if (may_replace(path, &sun) == -1)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		log_error("listen on %s: %s", path, strerror(errno));
		return -1;
	}
	if (listen_in_place(fd, path, uid, gid) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Split "host:port" / "[v6]:port" into its parts (in buf). */
static int
split_host_port(const char *spec, char *buf, size_t size, char **host,
    char **port)
{
	char *colon;

	if (strlen(spec) >= size)
		return -1;
	strcpy(buf, spec);
	if (buf[0] == '[') {
		if ((colon = strstr(buf, "]:")) == NULL)
			return -1;
		*colon = '\0';
		*host = buf + 1;
		*port = colon + 2;
	} else {
		if ((colon = strrchr(buf, ':')) == NULL)
			return -1;
		*colon = '\0';
		*host = buf;
		*port = colon + 1;
	}
	return **host != '\0' && **port != '\0' ? 0 : -1;
}

static int
listen_tcp(const char *spec)
{
	struct addrinfo hints, *res, *ai;
	char buf[512], *host, *port;
	int fd = -1, on = 1, rc;

	if (split_host_port(spec, buf, sizeof(buf), &host, &port) == -1) {
		log_error("listen address \"%s\": expected host:port, "
		    "[v6]:port or a socket path", spec);
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		log_error("listen address \"%s\": %s", spec, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd == -1)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, listen_backlog()) == 0)
			break;
		close(fd);
		fd = -1;
	}
	if (fd == -1)
		log_error("listen on %s: %s", spec, strerror(errno));
	freeaddrinfo(res);
	return fd;
}

const char *
listen_unix_path(const char *spec)
{
	if (strncmp(spec, "unix:", 5) == 0)
		return spec + 5;
	return spec[0] == '/' ? spec : NULL;
}

int
listen_open(const char *spec, uid_t uid, gid_t gid)
{
	const char *path = listen_unix_path(spec);

	return path != NULL ? listen_unix(path, uid, gid) : listen_tcp(spec);
}

void
listen_close(int fd, const char *spec)
{
	const char *path = listen_unix_path(spec);

	close(fd);
	if (path != NULL)
		unlink(path);
}
