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
 * when a connection has waited GROW_AFTER_MS while fewer than workers
 * answered in ANSWERING_MS (the others held by slow upstreams), more
 * start, up to max_workers (else they would add threads, not speed);
 * one idle for worker_idle ends while more than workers live.  A worker
 * ending its request (microseconds, or 1 ms waiting for a next one on
 * its connection: worker.c) counts as free for FINISH_GRACE_MS.  A new
 * worker is started by the thread that saw the need (the acceptor,
 * mostly) with pthread_create() alone; it makes its upstream handle.
 *
 * A connection that has waited [server] queue_timeout (all max_workers
 * busy) is answered 503 by a refuser (worker.c): one of at most
 * REFUSERS_MAX short-lived threads beyond max_workers, which end when
 * none is left.  The acceptor, which never reads a request, moves such
 * connections to them as their deadline passes.
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
#include <time.h>
#include <unistd.h>

#include "cutoff.h"
#include "log.h"
#include "stats.h"
#include "wlist.h"
#include "worker.h"

/* Workers at most: the largest [server] max_workers. */
#define WORKERS_MAX	CONFIG_WORKERS_MAX
/* Threads answering 503 to connections that waited too long, at most. */
#define REFUSERS_MAX	4
/*
 * Threads that read requests, at most: each needs a slot of cutoff.h,
 * numbered from 0, and so a number of its own.
 */
#define SLOTS		(WORKERS_MAX + REFUSERS_MAX)

/* A worker ending a request counts as about to be free this long. */
#define FINISH_GRACE_MS	50
/* A worker is started for a connection that has waited this long, */
#define GROW_AFTER_MS	10
/* unless [server] workers workers have answered within this long. */
#define ANSWERING_MS	50
/* After a worker could not start, try again after this long. */
#define START_RETRY_MS	1000

static struct {
	pthread_mutex_t		 lock;
	pthread_cond_t		 ended;		/* a worker ended */
	struct waitq		 queue;		/* waiting for a worker */
	struct waitq		 refuse;	/* waited too long: for a 503 */
	struct wlist		 idle;		/* most recently idle first */
	struct wlist		 finishing;	/* ending a request */
	struct wlist		 recent;	/* last answered first */
	struct worker		*done;		/* ended, to be joined */
	long			 threads;	/* not joinable yet */
	long			 live;		/* of those, not ending */
	long			 starting;	/* of those, not serving yet */
	long			 busy;
	long			 refusers;	/* of the threads */
	long			 failed;	/* could not start */
	int64_t			 no_start_until;
	int64_t			 grown;		/* last started some */
	long			 base;		/* [server] workers */
	long			 max;		/* max_workers, at least base */
	long			 idle_ms;	/* worker_idle; 0: never end */
	long			 queue_ms;	/* queue_timeout; 0: none */
	bool			 stopping;
	int			 free_ids[SLOTS];
	int			 nfree;
	CURLSH			*share;
	struct pool_hooks	 hooks;
} pool = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.ended = PTHREAD_COND_INITIALIZER,
	.idle.at = WL_IDLE, .finishing.at = WL_FINISHING,
	.recent.at = WL_RECENT,
};

/* Under the lock: the pool's gauges, for the metrics. */
static void
gauges(void)
{
	stats_pool(pool.live, pool.busy,
	    (long)(pool.queue.len + pool.refuse.len), pool.max);
}

/* ---- the idle and finishing lists (under the lock) ---- */

/* w off the idle, or the finishing, list if it is on it. */
static void
idle_remove(struct worker *w)
{
	if (w->idle)
		wlist_remove(&pool.idle, w);
	w->idle = false;
}

static void
finishing_remove(struct worker *w)
{
	if (w->finishing != 0)
		wlist_remove(&pool.finishing, w);
	w->finishing = 0;
}

/*
 * A worker has answered, and ends its request: about to be free.  May it
 * serve its connection's next request itself?  Not while others wait for
 * a worker, nor when it is to end (a stop, max_workers lowered).
 */
static bool
answered(struct worker *w)
{
	bool stay;

	pthread_mutex_lock(&pool.lock);
	wlist_push(&pool.finishing, w);
	w->finishing = now_ms();
	if (w->answered != 0)
		wlist_remove(&pool.recent, w);
	wlist_push(&pool.recent, w);
	w->answered = w->finishing;
	stay = pool.queue.len == 0 && !pool.stopping && pool.live <= pool.max;
	pthread_mutex_unlock(&pool.lock);
	return stay;
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
		wlist_push(&pool.idle, w);
		w->idle = true;
		if (pool.idle_ms > 0) {
			/* looked at again every worker_idle at least */
			at = w->idle_since + pool.idle_ms;
			if (at <= now)
				at = now + pool.idle_ms;
			ts = ms_timespec(at);
			pthread_cond_timedwait(&w->wake, &pool.lock, &ts);
		} else
			pthread_cond_wait(&w->wake, &pool.lock);
		idle_remove(w);
	}
}

/*
 * Not under the lock: w's thread ends, its upstream handle closed; it is
 * joined by reap().
 */
static void
end_worker(struct worker *w)
{
	worker_close(w);
	pthread_mutex_lock(&pool.lock);
	pool.free_ids[pool.nfree++] = w->id;
	pool.threads--;
	w->next_done = pool.done;
	pool.done = w;
	pthread_cond_broadcast(&pool.ended);
	pthread_mutex_unlock(&pool.lock);
	pool.hooks.wake();
}

static void *
refuser_main(void *arg)
{
	struct worker *w = arg;
	struct waitq_item c;
	bool ok = worker_open(w, pool.share) == 0;

	pthread_mutex_lock(&pool.lock);
	while (ok && waitq_pop(&pool.refuse, &c)) {
		gauges();
		pthread_mutex_unlock(&pool.lock);
		worker_refuse(w, &c, &pool.hooks);
		pthread_mutex_lock(&pool.lock);
	}
	pool.refusers--;
	pthread_mutex_unlock(&pool.lock);
	end_worker(w);
	return NULL;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct waitq_item c;
	bool ok = worker_open(w, pool.share) == 0, again = false; /* c stayed */

	pthread_mutex_lock(&pool.lock);
	pool.starting--;
	pthread_cond_broadcast(&pool.ended);	/* pool_start() waits */
	if (!ok) {
		pool.failed++;
		pool.no_start_until = now_ms() + START_RETRY_MS;
	} else
		stats_worker_started();
	while (ok && (again || next_conn(w, &c))) {
		pool.busy += !again;
		gauges();
		pthread_mutex_unlock(&pool.lock);
		again = worker_serve(w, &c, &pool.hooks, answered);
		pthread_mutex_lock(&pool.lock);
		finishing_remove(w);
		pool.busy -= !again;
		gauges();
	}
	/* no longer counted from here: the next to decide sees it gone */
	pool.live--;
	if (w->answered != 0)
		wlist_remove(&pool.recent, w);
	if (ok && !pool.stopping)
		stats_worker_retired();
	gauges();
	pthread_mutex_unlock(&pool.lock);
	end_worker(w);
	return NULL;
}

/* ---- starting and ending workers ---- */

/* Under the lock: workers that answered in ANSWERING_MS, up to base. */
static long
keeping_up(int64_t now)
{
	struct worker *w;
	long n = 0;

	for (w = pool.recent.head; w != NULL && n < pool.base &&
	    now - w->answered < ANSWERING_MS; w = w->link[WL_RECENT].next)
		n++;
	return n;
}

/*
 * Under the lock: how many workers to start for the connections that
 * have waited GROW_AFTER_MS, beyond those starting or about to be free
 * (ending a request for less than FINISH_GRACE_MS): none while workers
 * keep answering (the CPU is the limit, not slow upstreams), else up to
 * twice the pool once each GROW_AFTER_MS, and max_workers in all.
 * *recheck: when to ask again (0: no need).
 */
static long
needed(int64_t now, int64_t *recheck)
{
	struct worker *w;
	long soon = pool.starting, n, waited;
	int64_t at;

	*recheck = 0;
	if ((long)pool.queue.len <= soon || pool.live >= pool.max)
		return 0;
	if (now < pool.no_start_until) {
		*recheck = pool.no_start_until;
		return 0;
	}
	waited = (long)waitq_ready_by(&pool.queue, now - GROW_AFTER_MS);
	if (waited < (long)pool.queue.len)
		*recheck = now + GROW_AFTER_MS;
	for (w = pool.finishing.head; w != NULL;
	    w = w->link[WL_FINISHING].next) {
		if (now - w->finishing >= FINISH_GRACE_MS)
			continue;
		soon++;
		if (*recheck == 0 || w->finishing + FINISH_GRACE_MS < *recheck)
			*recheck = w->finishing + FINISH_GRACE_MS;
	}
	n = waited - soon;
	at = now < pool.grown + GROW_AFTER_MS ? pool.grown + GROW_AFTER_MS : 0;
	if (n > 0 && (at != 0 || keeping_up(now) >= pool.base)) {
		at = at != 0 ? at : now + GROW_AFTER_MS;
		*recheck = *recheck == 0 || at < *recheck ? at : *recheck;
		return 0;
	}
	n = n <= pool.live ? n : pool.live + 1;
	n = n < pool.max - pool.live ? n : pool.max - pool.live;
	if (n <= 0)
		return 0;
	pool.grown = now;
	*recheck = now + GROW_AFTER_MS;	/* the rest, if any */
	return n;
}

/* Under the lock: count w in, or (by -1) out again. */
static void
count_thread(const struct worker *w, int n)
{
	pool.threads += n;
	if (w->refuser)
		pool.refusers += n;
	else {
		pool.live += n;
		pool.starting += n;
	}
}

/*
 * Under the lock: take the places of n workers (counted as live and
 * starting) or refusers, as many as there are request slots for;
 * returns them as a list.
 */
static struct worker *
reserve(long n, bool refuser)
{
	struct worker *list = NULL, *w;

	while (n-- > 0 && pool.nfree > 0) {
		if ((w = calloc(1, sizeof(*w))) == NULL)
			break;
		w->id = pool.free_ids[--pool.nfree];
		w->refuser = refuser;
		count_thread(w, 1);
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
		    w->refuser ? refuser_main : worker_main, w)) != 0)
			pthread_cond_destroy(&w->wake);
		if (err == 0)
			continue;
		log_error("cannot start a %s: %s", w->refuser ? "refuser" :
		    "worker", strerror(err));
		pthread_mutex_lock(&pool.lock);
		pool.free_ids[pool.nfree++] = w->id;
		count_thread(w, -1);
		gauges();
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
	list = reserve(needed(now_ms(), &recheck), false);
	gauges();
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
	pool.queue_ms = cfg->queue_timeout_ms;
	gauges();
	for (w = pool.idle.head; w != NULL; w = w->link[WL_IDLE].next)
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
	list = reserve(pool.base, false);
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
	if ((w = pool.idle.head) != NULL) {
		idle_remove(w);
		w->conn = *c;
		w->has_conn = true;
		pthread_cond_signal(&w->wake);
	} else if (waitq_push(&pool.queue, c) == -1) {
		log_error("out of memory: a FastCGI connection closed");
		close(c->fd);
	} else
		queued = true;
	gauges();
	pthread_mutex_unlock(&pool.lock);
	if (queued)
		grow();
}

/*
 * Under the lock: move the connections that waited queue_timeout to the
 * refusers; when the next one will have.
 */
static int64_t
overdue(int64_t now)
{
	const struct waitq_item *head;
	struct waitq_item c;

	if (pool.queue_ms <= 0)
		return 0;
	while ((head = waitq_peek(&pool.queue)) != NULL &&
	    now - head->since >= pool.queue_ms) {
		waitq_pop(&pool.queue, &c);
		if (waitq_push(&pool.refuse, &c) == -1) {
			log_error("out of memory: a FastCGI connection closed");
			close(c.fd);
		}
	}
	return head != NULL ? head->since + pool.queue_ms : 0;
}

/* The earlier of two times, 0 standing for none. */
static int64_t
earlier(int64_t a, int64_t b)
{
	return a == 0 || (b != 0 && b < a) ? b : a;
}

int
pool_tick(void)
{
	struct worker *list;
	long n;
	int64_t at, left;

	reap();
	pthread_mutex_lock(&pool.lock);
	at = overdue(now_ms());
	n = (long)pool.refuse.len;
	if (n > REFUSERS_MAX)
		n = REFUSERS_MAX;
	list = reserve(n - pool.refusers, true);
	gauges();
	pthread_mutex_unlock(&pool.lock);
	if (launch(list) == -1)		/* try again */
		at = earlier(at, now_ms() + START_RETRY_MS);
	if ((at = earlier(at, grow())) == 0)
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
	for (w = pool.idle.head; w != NULL; w = w->link[WL_IDLE].next)
		pthread_cond_signal(&w->wake);
	while (pool.threads > 0)
		pthread_cond_wait(&pool.ended, &pool.lock);
	/* none left to serve them (none started, say) */
	while (waitq_pop(&pool.queue, &c) || waitq_pop(&pool.refuse, &c))
		close(c.fd);
	waitq_free(&pool.queue);
	waitq_free(&pool.refuse);
	pthread_mutex_unlock(&pool.lock);
	reap();
	cutoff_stop();
}
