/* SPDX-License-Identifier: ISC */
/*
 * worker: one connection's request, served or refused.
 *
 * Each request reads its head (fcgi.c, bounded by cutoff.c), is served
 * by proxy.c on the configuration snapshot current when its worker took
 * it (live.c), and is ended: its connection kept for the web server's
 * next request when it asked and it is clean, else closed.  A kept
 * connection whose next request arrives within STAY_MS stays with its
 * worker for that request; one that stays quiet goes to the acceptor's
 * epoll set (server.c), so no worker waits on an idle connection.
 */
#include "autoconf.h"

#include "worker.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "cutoff.h"
#include "fcgi.h"
#include "live.h"
#include "log.h"
#include "overload.h"
#include "proxy.h"
#include "stats.h"
#include "upstream.h"

/* A refuser reads the request's head within this long at most. */
#define REFUSE_HEAD_MS	1000
/*
 * A worker that kept a connection waits this long for the web server's
 * next request on it before handing it to the acceptor's set.
 */
#define STAY_MS		1

int
worker_open(struct worker *w, CURLSH *share)
{
	const struct config *cfg;

	if (!w->refuser) {
		cfg = live_acquire(NULL);
		w->up = upstream_new(cfg, share);
		live_release(cfg);
	}
	if (!w->refuser && w->up == NULL) {
		log_error("cannot start a worker: no upstream handle");
		return -1;
	}
	if ((w->fc = fcgi_new(w->id)) == NULL) {
		log_error("cannot start a %s: out of memory",
		    w->refuser ? "refuser" : "worker");
		return -1;
	}
	return 0;
}

void
worker_close(struct worker *w)
{
	fcgi_free(w->fc);
	upstream_free(w->up);
	w->fc = NULL;
	w->up = NULL;
}

/*
 * Bound every read and write on a FastCGI connection by ms (the idle
 * timeout; 0: none), so a silent or stuck web server (or a client that
 * stops reading a stream) cannot hold a worker forever.  The timeout
 * stays on the connection: it is set only when it differs from the one
 * in force (`now`), once per connection and again after a reload that
 * changed it, not per request.  Returns the one in force then (-1: not
 * known, when setting it failed).
 */
static long
set_io_timeout(int fd, long now, long ms)
{
	struct timeval tv;

	if (ms < 0)
		ms = 0;
	if (ms == now)
		return now;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1)
		return -1;
	return ms;
}

/*
 * Has the web server's next request arrived on fd within STAY_MS?  A
 * web server that keeps its FastCGI connections (nginx) sends the next
 * request on the one it used last, often before the worker is done
 * with the previous one; serving it at once spares handing it to the
 * acceptor's epoll set and back through the pool, two thread wake-ups
 * and three or four system calls.  A hang-up is not a request: the
 * acceptor's set sees it and closes the connection.
 */
static bool
next_arrived(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLRDHUP };

	return poll(&p, 1, STAY_MS) == 1 && p.revents == POLLIN;
}

/*
 * After the response: keep the connection for the web server's next
 * request when it asked, the connection is clean and the server has
 * room, else close it.  True when the connection is kept by this
 * worker (may_stay), its next request already there: *c is set for it.
 */
static bool
end_request(struct worker *w, struct waitq_item *c, long io_ms,
    const struct pool_hooks *hooks, bool may_stay)
{
	if (!fcgi_finish(w->fc, c->fd, hooks->may_keep()))
		return false;
	if (may_stay && next_arrived(c->fd)) {
		c->since = now_ms();
		c->io_ms = io_ms;
		return true;
	}
	fcgi_release(w->fc);
	hooks->keep(c->fd, c->kept, io_ms);
	return false;
}

bool
worker_serve(struct worker *w, struct waitq_item *c,
    const struct pool_hooks *hooks, bool (*answered)(struct worker *))
{
	int64_t taken = now_ms();
	long io_ms;
	bool again = false;

	w->cfg = live_acquire(&w->gen);
	io_ms = set_io_timeout(c->fd, c->io_ms, w->cfg->idle_ms);
	if (fcgi_accept(w->fc, c->fd, w->cfg->request_header_ms)) {
		stats_queue_wait((double)(taken - c->since) / 1e3);
		upstream_use(w->up, w->cfg, w->gen, live_pool_gen(w->cfg));
		proxy_serve(fcgi_client(w->fc), w->up, w->cfg);
		again = end_request(w, c, io_ms, hooks, answered(w));
	}
	live_release(w->cfg);
	w->cfg = NULL;
	return again;
}

void
worker_refuse(struct worker *w, struct waitq_item *c,
    const struct pool_hooks *hooks)
{
	const struct config *cfg = live_acquire(NULL);
	long head_ms = cfg->request_header_ms, io_ms;
	int64_t waited;

	if (head_ms <= 0 || head_ms > REFUSE_HEAD_MS)
		head_ms = REFUSE_HEAD_MS;
	io_ms = set_io_timeout(c->fd, c->io_ms, head_ms);
	if (fcgi_accept(w->fc, c->fd, head_ms)) {
		waited = now_ms() - c->since;
		stats_queue_wait((double)waited / 1e3);
		overload_busy(fcgi_client(w->fc), cfg, (double)waited);
		end_request(w, c, io_ms, hooks, false);
	}
	live_release(cfg);
}
