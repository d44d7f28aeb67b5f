/* SPDX-License-Identifier: ISC */
/*
 * listen: open the FastCGI listening socket named by [server] listen or
 * -l: "host:port", "[v6]:port", or a unix socket path ("/path" or
 * "unix:/path").  Never removes a path that is not a stale socket.
 */
#ifndef EXTPROXY_LISTEN_H
#define EXTPROXY_LISTEN_H

#include <stdbool.h>
#include <sys/types.h>

/*
 * Returns a listening fd, or -1 after logging why.  A unix socket is
 * created with owner uid:gid ((uid_t)-1 and (gid_t)-1: unchanged) and
 * mode 0660 before its name appears.
 */
int	listen_open(const char *spec, uid_t uid, gid_t gid);
/* Close a socket listen_open() made; a unix socket's file is removed. */
void	listen_close(int fd, const char *spec);
/* The socket path in spec, or NULL for a TCP address. */
const char *listen_unix_path(const char *spec);
/*
 * The backlog a socket listen_open() makes gets: the system's maximum
 * (net.core.somaxconn, else SOMAXCONN), so that a burst of connections
 * waits to be accepted instead of being refused.
 */
int	listen_backlog(void);
/* Is fd a listening socket (as spawn-fcgi, lighttpd, systemd hand us)? */
bool	fd_is_listener(int fd);

#endif
