/* SPDX-License-Identifier: ISC */
/*
 * worker: what a thread of the pool (pool.c) does with one connection
 * that has a request ready: serve the request, head to end, with the
 * thread's own upstream handle and FastCGI request slot; or, for a
 * refuser, answer it 503 because it waited too long for a worker.
 * Never waits for a connection, never starts or ends a thread.
 */
#ifndef EXTPROXY_WORKER_H
#define EXTPROXY_WORKER_H

#include <curl/curl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "pool.h"
#include "waitq.h"
#include "wlist.h"

struct worker {
	/* the pool's, under its lock */
	pthread_t		 thread;
	pthread_cond_t		 wake;
	/* idle, finishing, recent */
	struct wlink		 link[WL_COUNT];
	bool			 idle;		/* in the idle list */
	bool			 has_conn;	/* handed one while idle */
	struct waitq_item	 conn;
	int64_t			 idle_since;
	int64_t			 finishing;	/* since when; 0: not */
	int64_t			 answered;	/* last; 0: never */
	struct worker		*next_done;	/* ended, to be joined */
	bool			 refuser;	/* answers 503s only */
	/* the thread's own */
	int			 id;		/* its cutoff slot */
	/* the current request's snapshot */
	const struct config	*cfg;
	unsigned long		 gen;
	struct fcgi		*fc;
	struct upstream		*up;		/* NULL for a refuser */
};

/*
 * w's FastCGI request slot (w->id) and, unless it is a refuser, its
 * upstream handle: 0, or -1 (logged; worker_close() frees what was
 * made).
 */
int	worker_open(struct worker *w, CURLSH *share);
void	worker_close(struct worker *w);
/*
 * Serve the request on connection c, on the configuration current now;
 * answered(w) is called once its response is written, before the
 * request is ended, and says whether w may serve the next request on c
 * itself.  The connection goes back to hooks->keep() or is closed; or,
 * when w may and the web server's next request on it has arrived within
 * 1 ms, it stays with w: true, and *c is that request's, to be served
 * next.
 */
bool	worker_serve(struct worker *w, struct waitq_item *c,
	    const struct pool_hooks *hooks, bool (*answered)(struct worker *));
/*
 * A refuser: the 503 for the request on c, which waited longer than
 * [server] queue_timeout; its head read within 1 s at most.
 */
void	worker_refuse(struct worker *w, struct waitq_item *c,
	    const struct pool_hooks *hooks);

#endif
