/* SPDX-License-Identifier: ISC */
/*
 * worker: one connection's request, served or refused.
 *
 * Each request reads its head (fcgi.c, bounded by cutoff.c), is served
 * by proxy.c on the configuration snapshot current when its worker took
 * it (live.c), and is ended: its connection kept for the web server's
 * next request when it asked and it is clean, else closed.
 */
#include "autoconf.h"

#include "worker.h"

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
 * After the response: keep the connection for the web server's next
 * request when it asked, the connection is clean and the server has
 * room, else close it.
 */
static void
end_request(struct worker *w, const struct waitq_item *c, long io_ms,
    const struct pool_hooks *hooks)
{
	if (fcgi_finish(w->fc, c->fd, hooks->may_keep()))
		hooks->keep(c->fd, c->kept, io_ms);
}

void
worker_serve(struct worker *w, const struct waitq_item *c,
    const struct pool_hooks *hooks, void (*answered)(struct worker *))
{
	int64_t taken = now_ms();
	long io_ms;

	w->cfg = live_acquire(&w->gen);
	io_ms = set_io_timeout(c->fd, c->io_ms, w->cfg->idle_ms);
	if (fcgi_accept(w->fc, c->fd, w->cfg->request_header_ms)) {
		stats_queue_wait((double)(taken - c->since) / 1e3);
		upstream_use(w->up, w->cfg, w->gen, live_pool_gen(w->cfg));
		proxy_serve(fcgi_client(w->fc), w->up, w->cfg);
		answered(w);
		end_request(w, c, io_ms, hooks);
	}
	live_release(w->cfg);
	w->cfg = NULL;
}

void
worker_refuse(struct worker *w, const struct waitq_item *c,
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
		end_request(w, c, io_ms, hooks);
	}
	live_release(cfg);
}
