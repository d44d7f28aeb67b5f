/* SPDX-License-Identifier: ISC */
/*
 * server: the FastCGI accept loop and its worker threads.
 *
 * Workers share one epoll set holding the listening socket, a stop pipe
 * and the idle connections a web server asked to keep (FCGI_KEEP_CONN),
 * so whichever worker is free takes the next request, on a new or a kept
 * connection, and a stop reaches idle workers at once while busy ones
 * finish.  The listening socket is non-blocking: when another worker or
 * process wins the race for a connection, accept fails with EAGAIN and
 * the worker simply waits again.  No worker ever blocks on an idle kept
 * connection.  Reads and writes on a connection are bounded by
 * [timeouts] idle each, set here when it is accepted; fcgi.c bounds
 * reading a request in total (cutoff.c), whose thread runs from here.
 *
 * Each request runs on the configuration snapshot current when it
 * arrived (live.c); SIGHUP makes the main thread load a
 * new one, which the next requests use.  Workers, their curl handles
 * and their pooled connections are never recreated by a reload.
 */
#include "autoconf.h"

#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "addr.h"
#include "config.h"
#include "cutoff.h"
#include "fcgi.h"
#include "live.h"
#include "log.h"
#include "proxy.h"
#include "strlist.h"
#include "upstream.h"

struct worker {
	pthread_t		 thread;
	int			 id;
	/* the current request's snapshot */
	const struct config	*cfg;
	unsigned long		 gen;
	CURLSH			*share;
	struct fcgi		*fc;		/* its FastCGI requests */
	struct upstream		*up;
};

static int listen_fd = -1;
static int epoll_fd = -1;
static atomic_int kept;			/* connections in the set, idle */
static atomic_bool stopping;
static const char *config_path;
static struct cidr_list web_servers;	/* FCGI_WEB_SERVER_ADDRS */
static int stop_pipe[2] = { -1, -1 };

/* ---- workers ---- */

/*
 * Kept connections waiting for their next request, in the epoll set;
 * more than this and a finished connection is closed instead.
 */
#define KEPT_MAX	256

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
 * FCGI_WEB_SERVER_ADDRS, as libfcgi reads it: the addresses TCP
 * connections may come from (empty: any).  Read once, at start-up.
 */
static int
load_web_servers(void)
{
	const char *env = getenv("FCGI_WEB_SERVER_ADDRS");
	struct strlist words;
	size_t i;
	int rc = 0;

	if (env == NULL || strlist_split(env, &words) == -1)
		return 0;
	for (i = 0; i < words.n; i++) {
		if (cidr_list_add(&web_servers, words.v[i]) == -1) {
			log_error("FCGI_WEB_SERVER_ADDRS: \"%s\" is not an "
			    "address", words.v[i]);
			rc = -1;
		}
	}
	strlist_free(&words);
	return rc;
}

/* May this peer talk to us?  Unix sockets are guarded by their mode. */
static bool
web_server_allowed(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	const unsigned char *a;
	int family;
	size_t i;

	if (web_servers.n == 0)
		return true;
	if (getpeername(fd, (struct sockaddr *)&ss, &len) == -1)
		return false;
	if (ss.ss_family == AF_INET) {
		family = AF_INET;
		a = (const unsigned char *)
		    &((struct sockaddr_in *)&ss)->sin_addr;
	} else if (ss.ss_family == AF_INET6) {
		family = AF_INET6;
		a = (const unsigned char *)
		    &((struct sockaddr_in6 *)&ss)->sin6_addr;
		if (IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)a)) {
			family = AF_INET;
			a += 12;
		}
	} else
		return true;
	for (i = 0; i < web_servers.n; i++)
		if (cidr_contains(&web_servers.v[i], family, a))
			return true;
	return false;
}

/*
 * A new connection from the listening socket, or -1 if none is waiting.
 * extproxy accepts connections itself so that their timeouts are set
 * before libfcgi reads from them: FCGX_Accept_r() reads with blocking
 * reads.  Its request has no listening socket, so libfcgi never accepts.
 */
static int
accept_one(struct worker *w)
{
	int fd;

	for (;;) {
		fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				log_error("worker %d: accept: %s", w->id,
				    strerror(errno));
				usleep(100 * 1000);	/* e.g. EMFILE */
			}
			return -1;
		}
		if (web_server_allowed(fd))
			break;
		log_warn("refused a FastCGI connection from an address "
		    "not in FCGI_WEB_SERVER_ADDRS");
		close(fd);
	}
	log_debug("worker %d: new FastCGI connection", w->id);
	return fd;
}

/*
 * Stopping: the connections the web server already queued on the
 * listening socket, and the kept ones whose next request already
 * arrived, are still served (it sent those requests before it could
 * know); then -1.
 */
static int
drain_one(struct worker *w, bool *was_kept)
{
	struct epoll_event ev;
	int fd, seen_stop = 0;

	if ((fd = accept_one(w)) != -1) {
		*was_kept = false;
		return fd;
	}

	/*
	 * One event at a time: a kept connection's one-shot event disarms
	 * it when reported, so none may be reported and then dropped.  The
	 * stop pipe stays ready and goes to the back of the ready list each
	 * time, so seeing it twice means nothing else is ready.
	 */
	while (seen_stop < 2) {
		if (epoll_wait(epoll_fd, &ev, 1, 0) != 1)
			return -1;
		if (ev.data.fd == stop_pipe[0]) {
			seen_stop++;
			continue;
		}
		if (ev.data.fd == listen_fd)
			continue;
		atomic_fetch_sub(&kept, 1);
		*was_kept = true;
		return ev.data.fd;
	}
	return -1;
}

/*
 * The next connection with a request waiting on it: a new one, or a
 * kept one whose web server sent its next request; -1 to stop.  Every
 * worker waits in the same epoll set, so whichever is free takes it.
 * Kept connections are in the set with EPOLLONESHOT: one worker gets
 * each, and it stays out of the set until that worker puts it back.
 */
static int
next_connection(struct worker *w, bool *was_kept)
{
	struct epoll_event ev;
	int n, fd;

	for (;;) {
		n = epoll_wait(epoll_fd, &ev, 1, -1);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			log_error("worker %d: epoll_wait: %s", w->id,
			    strerror(errno));
			return -1;
		}
		if (n == 0)
			continue;
		fd = ev.data.fd;
		if (fd == stop_pipe[0])
			return drain_one(w, was_kept);
		if (fd != listen_fd) {
			atomic_fetch_sub(&kept, 1);
			*was_kept = true;
			return fd;
		}
		if ((fd = accept_one(w)) != -1) {
			*was_kept = false;
			return fd;
		}
	}
}

/*
 * Put a kept connection back in the set for any worker to take.  One
 * taken from the set is still registered there, disarmed by its
 * one-shot event; a new one is added.  (Closing a connection removes
 * it from the set.)
 */
static void
keep(struct worker *w, int fd, bool registered)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLONESHOT };

	ev.data.fd = fd;
	atomic_fetch_add(&kept, 1);
	if (epoll_ctl(epoll_fd, registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD,
	    fd, &ev) == -1) {
		log_error("worker %d: epoll_ctl: %s", w->id, strerror(errno));
		atomic_fetch_sub(&kept, 1);
		close(fd);
	}
}

/*
 * After the response: keep the connection for the web server's next
 * request when it asked, the connection is clean and there is room,
 * else close it.
 */
static void
finish(struct worker *w, int fd, bool was_kept)
{
	if (fcgi_finish(w->fc, fd, !stopping &&
	    atomic_load(&kept) < KEPT_MAX))
		keep(w, fd, was_kept);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	bool was_kept;
	int fd;

	while ((fd = next_connection(w, &was_kept)) != -1) {
		/* this request's configuration, until it ends */
		w->cfg = live_acquire(&w->gen);
		set_io_timeout(fd, w->cfg->idle_ms);
		if (fcgi_accept(w->fc, fd, w->cfg->request_header_ms)) {
			upstream_use(w->up, w->cfg, w->gen,
			    live_pool_gen(w->cfg));
			proxy_serve(fcgi_client(w->fc), w->up, w->cfg);
			finish(w, fd, was_kept);
		}
		live_release(w->cfg);
		w->cfg = NULL;
	}
	return NULL;
}

/* SIGTERM/SIGINT stop the server; SIGHUP reloads the configuration. */
static void
stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
}

/* Wait for a stop signal, reloading on each SIGHUP: 0, or -1. */
static int
wait_for_stop(void)
{
	sigset_t set;
	int sig;

	stop_signals(&set);
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			return -1;
		if (sig == SIGHUP) {
			log_info("SIGHUP: reloading %s", config_path);
			live_reload(config_path);
			continue;
		}
		log_info("signal %d: finishing requests in flight, then exiting",
		    sig);
		return 0;
	}
}

static int
watch(int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events };

	ev.data.fd = fd;
	return epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev);
}

/*
 * The epoll set with the listening socket and the stop pipe, and
 * libfcgi; the stop signals go to the main thread's sigwait() only.
 */
static int
set_up(void)
{
	sigset_t set;

	if (fcntl(listen_fd, F_SETFL,
	    fcntl(listen_fd, F_GETFL) | O_NONBLOCK) == -1 ||
	    pipe(stop_pipe) == -1 ||
	    (epoll_fd = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
	    watch(listen_fd, EPOLLIN | EPOLLEXCLUSIVE) == -1 ||
	    watch(stop_pipe[0], EPOLLIN) == -1) {
		log_error("set-up: %s", strerror(errno));
		return -1;
	}
	if (fcgi_init() == -1) {
		log_error("FCGX_Init failed");
		return -1;
	}
	stop_signals(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	return 0;
}

/*
 * Start cfg's workers: how many started, with *rc -1 if not all of
 * them.  Workers and listen never change: a reload keeps them.
 */
static long
start_workers(struct worker *workers, const struct config *cfg,
    CURLSH *share, int *rc)
{
	long i, started = 0;

	for (i = 0; i < cfg->workers; i++) {
		struct worker *w = &workers[i];

		w->id = (int)i;
		w->share = share;
		if ((w->up = upstream_new(cfg, share)) == NULL ||
		    (w->fc = fcgi_new(w->id)) == NULL ||
		    pthread_create(&w->thread, NULL, worker_main, w) != 0) {
			log_error("cannot start worker %ld", i);
			upstream_free(w->up);
			fcgi_free(w->fc);
			*rc = -1;
			break;
		}
		started++;
	}
	return started;
}

/*
 * Stop accepting, wake the idle workers, and wait for each to finish
 * the request it serves and the ones already queued.
 */
static void
stop_workers(struct worker *workers, long started)
{
	long i;

	atomic_store(&stopping, true);
	epoll_ctl(epoll_fd, EPOLL_CTL_DEL, listen_fd, NULL);
	if (write(stop_pipe[1], "x", 1) == -1)
		log_error("stop pipe: %s", strerror(errno));
	for (i = 0; i < started; i++) {
		pthread_join(workers[i].thread, NULL);
		fcgi_free(workers[i].fc);
		upstream_free(workers[i].up);
	}
}

int
server_run_fastcgi(int fd, const char *path, CURLSH *share)
{
	struct worker *workers;
	const struct config *cfg;
	long started;
	int rc = 0;

	listen_fd = fd;
	config_path = path;
	if (load_web_servers() == -1) {
		cidr_list_free(&web_servers);
		return -1;
	}
	if (set_up() == -1)
		return -1;
	cfg = live_acquire(NULL);
	workers = calloc((size_t)cfg->workers, sizeof(*workers));
	if (workers == NULL) {
		log_error("out of memory");
		live_release(cfg);
		return -1;
	}
	if (cutoff_start((int)cfg->workers) == -1) {
		log_error("cannot start the deadline thread: %s",
		    strerror(errno));
		free(workers);
		live_release(cfg);
		return -1;
	}
	started = start_workers(workers, cfg, share, &rc);
	live_release(cfg);
	log_info("serving FastCGI with %ld workers", started);
	if (rc == 0)
		rc = wait_for_stop();
	stop_workers(workers, started);
	cutoff_stop();
	free(workers);
	close(stop_pipe[0]);
	close(stop_pipe[1]);
	close(epoll_fd);
	cidr_list_free(&web_servers);
	log_info("stopped");
	return rc;
}
