/* SPDX-License-Identifier: ISC */
/*
 * fcgi: FastCGI, over libfcgi's FCGX_Request: one worker's requests, one
 * connection at a time.  Reads a request's head on a connection the
 * server accepted, hands the request over as a struct client, and after
 * the response says whether the connection can carry the next request
 * (FCGI_KEEP_CONN).  The only module that knows FastCGI records or
 * libfcgi; never accepts a connection itself.
 */
#ifndef EXTPROXY_FCGI_H
#define EXTPROXY_FCGI_H

#include <stdbool.h>

struct client;
struct fcgi;

/* libfcgi's start-up, once: 0 or -1. */
int	fcgi_init(void);
/*
 * Worker id's request slot; id is also its slot in cutoff.h.  NULL
 * when out of memory.
 */
struct fcgi	*fcgi_new(int id);
/* Free f, closing the connection it still holds; NULL is ignored. */
void	fcgi_free(struct fcgi *f);
/* The request read by the last fcgi_accept(), as the proxy sees it. */
struct client	*fcgi_client(struct fcgi *f);
/*
 * Read the request's head (FCGI_BEGIN_REQUEST and the params) on
 * connection fd within head_ms (0: no bound), however slowly its bytes
 * come.  false when none came complete; fd is then closed.
 */
bool	fcgi_accept(struct fcgi *f, int fd, long head_ms);
/*
 * After the response, end the request.  true: fd is clean for the web
 * server's next request (it asked to keep it, may_keep, and the rest of
 * the request was read) and is the caller's again, open, and still
 * watched for f's next fcgi_accept() on it; false: it is closed.
 * Either way what the web server still sends is read for a short while
 * at most.
 */
bool	fcgi_finish(struct fcgi *f, int fd, bool may_keep);
/*
 * The connection kept by fcgi_finish() leaves f (for another worker):
 * cutoff.h stops watching it.  Before it can be closed or handed on.
 */
void	fcgi_release(struct fcgi *f);

#endif
