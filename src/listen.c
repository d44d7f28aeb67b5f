/*
 * listen: create, bind and listen on the configured address.
 */
#include <config.h>

#include "listen.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"

#define BACKLOG	128

bool
fd_is_listener(int fd)
{
	int on = 0;
	socklen_t len = sizeof(on);

	return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0 &&
	    on != 0;
}

/*
 * Remove `path` only if it is a socket nobody listens on any more (a
 * connect is refused).  Logs why it won't.
 */
static int
clear_stale_socket(const char *path, const struct sockaddr_un *sun)
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
	if (unlink(path) == -1) {
		log_error("%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int
listen_unix(const char *path)
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
	if (clear_stale_socket(path, &sun) == -1)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		goto fail;
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(path, 0660) == -1 || listen(fd, BACKLOG) == -1) {
		close(fd);
		goto fail;
	}
	return fd;
fail:
	log_error("listen on %s: %s", path, strerror(errno));
	return -1;
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
		    listen(fd, BACKLOG) == 0)
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
listen_open(const char *spec)
{
	const char *path = listen_unix_path(spec);

	return path != NULL ? listen_unix(path) : listen_tcp(spec);
}

void
listen_close(int fd, const char *spec)
{
	const char *path = listen_unix_path(spec);

	close(fd);
	if (path != NULL)
		unlink(path);
}
