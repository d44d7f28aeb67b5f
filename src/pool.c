/* SPDX-License-Identifier: ISC */
/*
 * pool: worker threads and the queue in front of them.
 *
 * One mutex guards the pool: its queue, the list of idle workers and
 * the counts.  An idle worker waits on its own condition variable in a
 * list ordered by when it became idle, most recent first; a connection
 * is handed to the first one, so a light load keeps going to the same
 * few workers (their upstream connections stay warm) and the others
 * stay idle long enough to end.  A worker that finishes a request takes
 * the oldest queued connection before it goes idle, so while anything
 * waits, no worker is idle.  The lock is held for these hand-overs
 * only, never across I/O.
 *
 * The pool is elastic, like php-fpm's: [server] workers start and stay;
 * when a connection has to wait, another worker starts, up to
 * max_workers; one idle for worker_idle ends while more than workers
 * live.  A worker that has answered and is ending its request (fcgi.c:
 * a few microseconds, unless its web server dawdles) counts as about to
 * be free for FINISH_GRACE_MS, so that a web server sending its next
 * request at once does not start a worker each time.  A new worker is
 * started by the thread that saw the need (the acceptor, mostly) with
 * pthread_create() alone; it makes its upstream handle itself.
 *
 * Each worker reads its request's head, serves it, and ends it (fcgi.c);
 * the request runs on the configuration snapshot current when its
 * worker took it (live.c).
 */
#include "autoconf.h"

#include "pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "cutoff.h"
#include "fcgi.h"
#include "live.h"
#include "log.h"
#include "proxy.h"
#include "upstream.h"

/*
 * Threads that read requests, at most: each needs a slot of cutoff.h,
 * numbered from 0, and so a number of its own.
 */
#define SLOTS	1024

/* A worker ending a request counts as about to be free this long. */
#define FINISH_GRACE_MS	50
/* After a worker could not start, try again after this long. */
#define START_RETRY_MS	1000

struct worker {
	pthread_t		 thread;
	int			 id;		/* its cutoff slot */
	pthread_cond_t		 wake;
	struct worker		*prev, *next;	/* in the idle list */
	bool			 idle;		/* in the idle list */
	bool			 has_conn;	/* handed one while idle */
	struct waitq_item	 conn;
	int64_t			 idle_since;
	struct worker		*fprev, *fnext;	/* in the finishing list */
	int64_t			 finishing;	/* since when; 0: not */
	struct worker		*next_done;	/* ended, to be joined */
	/* the current request's snapshot */
	const struct config	*cfg;
	unsigned long		 gen;
	struct fcgi		*fc;
	struct upstream		*up;
};

static struct {
	pthread_mutex_t		 lock;
	pthread_cond_t		 ended;		/* a worker ended */
	struct waitq		 queue;		/* waiting for a worker */
	struct worker		*idle;		/* most recently idle first */
	struct worker		*finishing;	/* ending a request */
	struct worker		*done;		/* ended, to be joined */
	long			 threads;	/* not joinable yet */
	long			 live;		/* of those, not ending */
	long			 starting;	/* of those, not serving yet */
	long			 busy;
	long			 failed;	/* could not start */
	int64_t			 no_start_until;
	long			 base;		/* [server] workers */
	long			 max;		/* max_workers, at least base */
	long			 idle_ms;	/* worker_idle; 0: never end */
	bool			 stopping;
	int			 free_ids[SLOTS];
	int			 nfree;
	CURLSH			*share;
	struct pool_hooks	 hooks;
} pool = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.ended = PTHREAD_COND_INITIALIZER,
};

/* ---- the idle list (under the lock) ---- */

static void
idle_push(struct worker *w)
{
	w->prev = NULL;
	w->next = pool.idle;
	if (pool.idle != NULL)
		pool.idle->prev = w;
	pool.idle = w;
	w->idle = true;
}

static void
idle_remove(struct worker *w)
{
	if (!w->idle)
		return;
	if (w->prev != NULL)
		w->prev->next = w->next;
	else
		pool.idle = w->next;
	if (w->next != NULL)
		w->next->prev = w->prev;
	w->prev = w->next = NULL;
	w->idle = false;
}

/* The workers ending a request (under the lock). */
static void
finishing_add(struct worker *w, int64_t now)
{
	w->fprev = NULL;
	w->fnext = pool.finishing;
	if (pool.finishing != NULL)
		pool.finishing->fprev = w;
	pool.finishing = w;
	w->finishing = now;
}

static void
finishing_remove(struct worker *w)
{
	if (w->finishing == 0)
		return;
	if (w->fprev != NULL)
		w->fprev->fnext = w->fnext;
	else
		pool.finishing = w->fnext;
	if (w->fnext != NULL)
		w->fnext->fprev = w->fprev;
	w->fprev = w->fnext = NULL;
	w->finishing = 0;
}

/* ---- serving ---- */

/*
 * Bound every read and write on a FastCGI connection by the idle
 * timeout, so a silent or stuck web server (or a client that stops
 * reading a stream) cannot hold a worker forever.
 */
static void
set_io_timeout(int fd, long ms)
{
	struct timeval tv;

	if (ms <= 0)
		return;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/*
 * After the response: keep the connection for the web server's next
 * request when it asked, the connection is clean and the server has
 * room, else close it.
 */
static void
finish(struct worker *w, const struct waitq_item *c)
{
	pthread_mutex_lock(&pool.lock);
	finishing_add(w, now_ms());
	pthread_mutex_unlock(&pool.lock);
	if (fcgi_finish(w->fc, c->fd, pool.hooks.may_keep()))
		pool.hooks.keep(c->fd, c->kept);
}

/* One request on connection c, on the configuration current now. */
static void
serve(struct worker *w, const struct waitq_item *c)
{
	w->cfg = live_acquire(&w->gen);
	set_io_timeout(c->fd, w->cfg->idle_ms);
	if (fcgi_accept(w->fc, c->fd, w->cfg->request_header_ms)) {
		upstream_use(w->up, w->cfg, w->gen, live_pool_gen(w->cfg));
		proxy_serve(fcgi_client(w->fc), w->up, w->cfg);
		finish(w, c);
	}
	live_release(w->cfg);
	w->cfg = NULL;
}

/* Until time at (now_ms()), as pthread_cond_timedwait() takes it. */
static struct timespec
abs_time(int64_t at)
{
	struct timespec ts = {
		.tv_sec = (time_t)(at / 1000),
		.tv_nsec = (long)(at % 1000) * 1000000,
	};

	return ts;
}

/*
 * Under the lock: the next connection for w into *c, waiting idle until
 * there is one; false when w is to end: the server stops, a reload
 * lowered max_workers below the workers alive, or w is one more than
 * [server] workers and has been idle for worker_idle.
 */
static bool
next_conn(struct worker *w, struct waitq_item *c)
{
	struct timespec ts;
	int64_t now, at;

	w->idle_since = now_ms();
	for (;;) {
		if (w->has_conn) {
			*c = w->conn;
			w->has_conn = false;
			return true;
		}
		/* above a lowered max_workers: the others take the queue */
		if (pool.live > pool.max)
			return false;
		if (waitq_pop(&pool.queue, c))
			return true;
		if (pool.stopping)
			return false;
		now = now_ms();
		if (pool.idle_ms > 0 && pool.live > pool.base &&
		    now - w->idle_since >= pool.idle_ms)
			return false;
		idle_push(w);
		if (pool.idle_ms > 0) {
			/* looked at again every worker_idle at least */
			at = w->idle_since + pool.idle_ms;
			if (at <= now)
				at = now + pool.idle_ms;
			ts = abs_time(at);
			pthread_cond_timedwait(&w->wake, &pool.lock, &ts);
		} else
			pthread_cond_wait(&w->wake, &pool.lock);
		idle_remove(w);
	}
}

/* Under the lock: w's thread ends; it is joined by reap(). */
static void
end_worker(struct worker *w)
{
	pool.free_ids[pool.nfree++] = w->id;
	pool.threads--;
	w->next_done = pool.done;
	pool.done = w;
	pthread_cond_broadcast(&pool.ended);
}

/* Its upstream handle and its request slot: 0, or -1. */
static int
worker_init(struct worker *w)
{
	const struct config *cfg = live_acquire(NULL);

	w->up = upstream_new(cfg, pool.share);
	live_release(cfg);
	if (w->up == NULL || (w->fc = fcgi_new(w->id)) == NULL) {
		log_error("cannot start a worker: out of memory");
		return -1;
	}
	return 0;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct waitq_item c;
	bool ok = worker_init(w) == 0;

	pthread_mutex_lock(&pool.lock);
	pool.starting--;
	pthread_cond_broadcast(&pool.ended);	/* pool_start() waits */
	if (!ok) {
		pool.failed++;
		pool.no_start_until = now_ms() + START_RETRY_MS;
	}
	while (ok && next_conn(w, &c)) {
		pool.busy++;
		pthread_mutex_unlock(&pool.lock);
		serve(w, &c);
		pthread_mutex_lock(&pool.lock);
		finishing_remove(w);
		pool.busy--;
	}
	/* no longer counted from here: the next to decide sees it gone */
	pool.live--;
	pthread_mutex_unlock(&pool.lock);

	fcgi_free(w->fc);
	upstream_free(w->up);
	pthread_mutex_lock(&pool.lock);
	end_worker(w);
	pthread_mutex_unlock(&pool.lock);
	pool.hooks.wake();
	return NULL;
}

/* ---- starting and ending workers ---- */

/*
 * Under the lock: how many workers to start for the connections that
 * wait.  Those that wait beyond the workers starting and the ones about
 * to be free (ending a request for less than FINISH_GRACE_MS), up to
 * max_workers.  *recheck: when to ask again (0: no need).
 */
static long
needed(int64_t now, int64_t *recheck)
{
	struct worker *w;
	long soon = pool.starting, n;

	*recheck = 0;
	if ((long)pool.queue.len <= soon || pool.live >= pool.max)
		return 0;
	if (now < pool.no_start_until) {
		*recheck = pool.no_start_until;
		return 0;
	}
	for (w = pool.finishing; w != NULL; w = w->fnext) {
		if (now - w->finishing >= FINISH_GRACE_MS)
			continue;
		soon++;
		if (*recheck == 0 || w->finishing + FINISH_GRACE_MS < *recheck)
			*recheck = w->finishing + FINISH_GRACE_MS;
	}
	n = (long)pool.queue.len - soon;
	if (n > pool.max - pool.live)
		n = pool.max - pool.live;
	if (n <= 0)
		return 0;
	*recheck = 0;
	return n;
}

/*
 * Under the lock: take n workers' places (counted as live and starting),
 * as many as there are request slots for; returns them as a list.
 */
static struct worker *
reserve(long n)
{
	struct worker *list = NULL, *w;

	while (n-- > 0 && pool.nfree > 0) {
		if ((w = calloc(1, sizeof(*w))) == NULL)
			break;
		w->id = pool.free_ids[--pool.nfree];
		pool.threads++;
		pool.live++;
		pool.starting++;
		w->next_done = list;
		list = w;
	}
	return list;
}

/* Start the threads of reserved workers (not under the lock): 0 or -1. */
static int
launch(struct worker *list)
{
	pthread_condattr_t ca;
	struct worker *w;
	int rc = 0, err;

	while ((w = list) != NULL) {
		list = w->next_done;
		w->next_done = NULL;
		err = pthread_condattr_init(&ca);
		if (err == 0) {
			err = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
			if (err == 0)
				err = pthread_cond_init(&w->wake, &ca);
			pthread_condattr_destroy(&ca);
		}
		if (err == 0 && (err = pthread_create(&w->thread, NULL,
		    worker_main, w)) != 0)
			pthread_cond_destroy(&w->wake);
		if (err == 0)
			continue;
		log_error("cannot start a worker: %s", strerror(err));
		pthread_mutex_lock(&pool.lock);
		pool.free_ids[pool.nfree++] = w->id;
		pool.threads--;
		pool.live--;
		pool.starting--;
		pool.failed++;
		pool.no_start_until = now_ms() + START_RETRY_MS;
		pthread_mutex_unlock(&pool.lock);
		free(w);
		rc = -1;
	}
	return rc;
}

/* Start what the queue needs; when to look again (0: no need). */
static int64_t
grow(void)
{
	struct worker *list;
	int64_t recheck;

	pthread_mutex_lock(&pool.lock);
	list = reserve(needed(now_ms(), &recheck));
	pthread_mutex_unlock(&pool.lock);
	launch(list);
	return recheck;
}

/* Join and free the workers that ended. */
static void
reap(void)
{
	struct worker *w;

	pthread_mutex_lock(&pool.lock);
	w = pool.done;
	pool.done = NULL;
	pthread_mutex_unlock(&pool.lock);
	while (w != NULL) {
		struct worker *next = w->next_done;

		pthread_join(w->thread, NULL);
		pthread_cond_destroy(&w->wake);
		free(w);
		w = next;
	}
}

/* Under the lock: the limits of cfg; every idle worker looks again. */
static void
set_limits(const struct config *cfg)
{
	struct worker *w;

	pool.max = cfg->max_workers > pool.base ? cfg->max_workers : pool.base;
	pool.idle_ms = cfg->worker_idle_ms;
	for (w = pool.idle; w != NULL; w = w->next)
		pthread_cond_signal(&w->wake);
}

int
pool_start(const struct config *cfg, CURLSH *share,
    const struct pool_hooks *hooks)
{
	struct worker *list;
	int id, rc;

	pool.share = share;
	pool.hooks = *hooks;
	for (id = SLOTS - 1; id >= 0; id--)
		pool.free_ids[pool.nfree++] = id;
	if (cutoff_start(SLOTS) == -1) {
		log_error("cannot start the deadline thread: %s",
		    strerror(errno));
		return -1;
	}
	pthread_mutex_lock(&pool.lock);
	pool.base = cfg->workers;
	set_limits(cfg);
	list = reserve(pool.base);
	rc = pool.starting == pool.base ? 0 : -1;
	pthread_mutex_unlock(&pool.lock);
	if (launch(list) == -1)
		rc = -1;
	/* each makes its own upstream handle: wait for them to say */
	pthread_mutex_lock(&pool.lock);
	while (pool.starting > 0)
		pthread_cond_wait(&pool.ended, &pool.lock);
	if (pool.failed > 0)
		rc = -1;
	pthread_mutex_unlock(&pool.lock);
	if (rc == -1)
		log_error("cannot start %ld workers", cfg->workers);
	return rc;
}

void
pool_submit(const struct waitq_item *c)
{
	struct worker *w;
	bool queued = false;

	pthread_mutex_lock(&pool.lock);
	if ((w = pool.idle) != NULL) {
		idle_remove(w);
		w->conn = *c;
		w->has_conn = true;
		pthread_cond_signal(&w->wake);
	} else if (waitq_push(&pool.queue, c) == -1) {
		log_error("out of memory: a FastCGI connection closed");
		close(c->fd);
	} else
		queued = true;
	pthread_mutex_unlock(&pool.lock);
	if (queued)
		grow();
}

int
pool_tick(void)
{
	int64_t at, left;

	reap();
	if ((at = grow()) == 0)
		return -1;
	left = at - now_ms();
	return left <= 0 ? 0 : left > 60000 ? 60000 : (int)left;
}

void
pool_reconfigure(const struct config *cfg)
{
	pthread_mutex_lock(&pool.lock);
	set_limits(cfg);
	pthread_mutex_unlock(&pool.lock);
	pool.hooks.wake();
}

void
pool_stop(void)
{
	struct waitq_item c;
	struct worker *w;

	pthread_mutex_lock(&pool.lock);
	pool.stopping = true;
	for (w = pool.idle; w != NULL; w = w->next)
		pthread_cond_signal(&w->wake);
	while (pool.threads > 0)
		pthread_cond_wait(&pool.ended, &pool.lock);
	/* none left to serve them (none started, say) */
	while (waitq_pop(&pool.queue, &c))
		close(c.fd);
	waitq_free(&pool.queue);
	pthread_mutex_unlock(&pool.lock);
	reap();
	cutoff_stop();
}
