/* SPDX-License-Identifier: ISC */
/*
 * client: the request as the web server handed it over (params, body
 * stream, response stream), whether it came by FastCGI or plain CGI.
 * The proxy logic sees only this, never libfcgi or environ.
 */
#ifndef EXTPROXY_CLIENT_H
#define EXTPROXY_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct client {
	char	**envp;		/* NAME=value params, NULL-terminated */
	/* read up to n body bytes: >0, 0 at end, -1 on error */
	ssize_t	(*read)(struct client *, char *buf, size_t n);
	/*
	 * Make reads fail from time at on (now_ms(), cutoff.h), however
	 * slowly bytes arrive; 0: no deadline.  NULL where reads cannot be
	 * bounded so (plain CGI).
	 */
	void	(*read_deadline)(struct client *, int64_t at);
	/* write all n bytes: 0 or -1 (client gone) */
	int	(*write)(struct client *, const char *buf, size_t n);
	int	(*flush)(struct client *);
	/* end the response so the client sees a short read, not a success */
	void	(*abort)(struct client *);
	/*
	 * Once the request body has been read to its end: -1 if the client
	 * can't be watched, else a descriptor that turns readable when the
	 * client goes away (then ask gone()).  NULL: never watched.
	 */
	int	(*watch_fd)(struct client *);
	/*
	 * watch_fd()'s descriptor turned readable: has the client gone away
	 * (its connection closed, or the web server sent
	 * FCGI_ABORT_REQUEST)?  false: something else arrived, and the
	 * descriptor is no use to watch.  NULL where watch_fd is.
	 */
	bool	(*gone)(struct client *);
	/*
	 * abort() cannot tell the web server that the response broke off
	 * (plain CGI): a response with a body asks it to close the client's
	 * connection after it, so that a cut-short body is never followed
	 * by the next response on that connection.
	 */
	bool	abort_unseen;
	void	*ctx;
};

#endif
