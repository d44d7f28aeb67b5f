/* SPDX-License-Identifier: ISC */
/*
 * pool: the worker threads, and the FastCGI connections waiting for
 * one.  A connection the acceptor (server.c) hands over goes to the
 * worker that has been idle the shortest time, or waits in a queue,
 * oldest first, until a worker is free.  Each worker has its own
 * upstream handle (and pool of upstream connections) and serves one
 * request at a time.  Never accepts a connection and never watches a
 * kept one: what a worker keeps goes back to the server.
 */
#ifndef EXTPROXY_POOL_H
#define EXTPROXY_POOL_H

#include <curl/curl.h>
#include <stdbool.h>

#include "config.h"
#include "waitq.h"

/* What the pool asks of the server that feeds it. */
struct pool_hooks {
	/* May a connection be kept for the web server's next request? */
	bool	(*may_keep)(void);
	/*
	 * Keep fd, clean for the next request, or close it; registered:
	 * it came from the kept connections; io_ms: its timeout in force
	 * (struct waitq_item), handed back with its next request.
	 */
	void	(*keep)(int fd, bool registered, long io_ms);
	/* Have the acceptor call pool_tick() soon. */
	void	(*wake)(void);
};

/*
 * Start cfg's [server] workers (and the deadline thread of cutoff.h),
 * with cfg's limits: 0, or -1 when not all of them started (pool_stop()
 * then stops those that did).
 */
int	pool_start(const struct config *cfg, CURLSH *share,
	    const struct pool_hooks *hooks);
/* A connection with a request ready on it; the pool takes it over. */
void	pool_submit(const struct waitq_item *c);
/*
 * Do what is due (from the acceptor's thread): join the workers that
 * ended, start those the queue needs.  Returns the milliseconds until
 * it should be called again, or -1 when only a wake() makes it needed.
 */
int	pool_tick(void);
/*
 * A reload: cfg's [server] max_workers and worker_idle apply from now
 * on.  Workers above a lowered max_workers end, the busy ones after
 * their request.
 */
void	pool_reconfigure(const struct config *cfg);
/* Stop: the connections queued are served, then every worker ends. */
void	pool_stop(void);

#endif
