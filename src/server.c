/* SPDX-License-Identifier: ISC */
/*
 * server: the FastCGI acceptor, the kept connections, and the signals.
 *
 * One thread, the acceptor, waits in an epoll set holding the listening
 * socket, a wake-up eventfd and the idle connections a web server asked
 * to keep (FCGI_KEEP_CONN).  It takes every new connection off the
 * listening socket as soon as it arrives, whether or not a worker is
 * free, and every kept connection whose web server sent its next
 * request, and hands each to the pool (pool.c), which gives it to an
 * idle worker or queues it.  So the listen backlog never fills while
 * workers are busy, and no worker waits on an idle connection longer
 * than the 1 ms it gives the web server to send the next request on the
 * one it answered (worker.c).  The acceptor never reads a request.
 *
 * Each request runs on the configuration snapshot current when a worker
 * took it (live.c); SIGHUP makes the main thread load a new one, which
 * the next requests use.  Workers, their curl handles and their pooled
 * connections are never recreated by a reload.  SIGTERM stops
 * accepting: the connections already on the listening socket and the
 * kept ones whose request already arrived are still served.
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
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "cutoff.h"
#include "fcgi.h"
#include "live.h"
#include "log.h"
#include "pool.h"
#include "strlist.h"

static int listen_fd = -1;
static int epoll_fd = -1;
static int wake_fd = -1;		/* an eventfd: the acceptor, wake up */
static const char *config_path;
static struct cidr_list web_servers;	/* FCGI_WEB_SERVER_ADDRS */

/*
 * The kept connections idle in the set, and whether the server stops:
 * both change under keep_lock, so that no connection is put back in the
 * set after the acceptor has looked at it for the last time.
 */
static pthread_mutex_t keep_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int kept;
static atomic_bool stopping;

/*
 * Kept connections waiting for their next request, in the epoll set;
 * more than this and a finished connection is closed instead.
 */
#define KEPT_MAX	256

/* After accept fails for want of descriptors or memory, wait this long. */
#define ACCEPT_PAUSE_MS	100
/* Connections accepted in a row before the kept ones get a look. */
#define ACCEPT_BATCH	256

/* ---- the web servers allowed ---- */

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

/* ---- kept connections (any thread) ---- */

static void
wake_acceptor(void)
{
	uint64_t one = 1;

	if (write(wake_fd, &one, sizeof(one)) == -1 && errno != EAGAIN)
		log_error("wake-up: %s", strerror(errno));
}

static bool
may_keep(void)
{
	return !atomic_load(&stopping) && atomic_load(&kept) < KEPT_MAX;
}

/*
 * Put a connection clean for the next request in the set, for the
 * acceptor to hand over when that request arrives; close it if the
 * server stops or the set is full.  One taken from the set is still
 * registered there, disarmed by its one-shot event; a new one is added.
 * (Closing a connection removes it from the set.)
 */
/*
 * A connection's epoll data: its number, and for a kept one the timeout
 * in force on it (waitq_item.io_ms), so that a worker sets it again only
 * when it changed.  One too large to hold comes back as -1, not known.
 */
static uint64_t
ev_data(int fd, long io_ms)
{
	uint64_t io = io_ms >= 0 && io_ms < (long)UINT32_MAX ?
	    (uint64_t)io_ms : UINT32_MAX;

	return (uint64_t)(uint32_t)fd | io << 32;
}

static int
ev_fd(const struct epoll_event *ev)
{
	return (int)(uint32_t)ev->data.u64;
}

static long
ev_io_ms(const struct epoll_event *ev)
{
	uint64_t io = ev->data.u64 >> 32;

	return io == UINT32_MAX ? -1 : (long)io;
}

static void
keep(int fd, bool registered, long io_ms)
{
	struct epoll_event ev = {
		.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT,
	};

	ev.data.u64 = ev_data(fd, io_ms);
	pthread_mutex_lock(&keep_lock);
	if (!may_keep()) {
		pthread_mutex_unlock(&keep_lock);
		close(fd);
		return;
	}
	if (epoll_ctl(epoll_fd, registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD,
	    fd, &ev) == -1) {
		log_error("epoll_ctl: %s", strerror(errno));
		close(fd);
	} else
		atomic_fetch_add(&kept, 1);
	pthread_mutex_unlock(&keep_lock);
}

/* ---- the acceptor ---- */

static void
submit(int fd, bool was_kept, long io_ms)
{
	struct waitq_item c = {
		.fd = fd, .kept = was_kept, .since = now_ms(), .io_ms = io_ms,
	};

	pool_submit(&c);
}

static int
set_listening(uint32_t events)
{
	struct epoll_event ev = { .events = events };

	ev.data.u64 = ev_data(listen_fd, 0);
	return epoll_ctl(epoll_fd, EPOLL_CTL_MOD, listen_fd, &ev);
}

/*
 * The connections waiting on the listening socket, to the pool, up to
 * ACCEPT_BATCH at a time; the socket is non-blocking, so when it has no
 * more, accept fails with EAGAIN.  Returns how long to pause accepting
 * (ms), 0 for not at all, or -1 when the batch is full and more may
 * wait.  extproxy accepts connections itself so that their timeouts are
 * set before libfcgi reads from them: FCGX_Accept_r() reads with
 * blocking reads.  Its request has no listening socket, so libfcgi never
 * accepts.
 */
static int
accept_all(void)
{
	int fd, n;

	for (n = 0; n < ACCEPT_BATCH; n++) {
		fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			/* e.g. EMFILE: the connection waits in the backlog */
			log_error("accept: %s", strerror(errno));
			return ACCEPT_PAUSE_MS;
		}
		if (!web_server_allowed(fd)) {
			log_warn("refused a FastCGI connection from an address "
			    "not in FCGI_WEB_SERVER_ADDRS");
			close(fd);
			continue;
		}
		log_debug("new FastCGI connection");
		submit(fd, false, 0);
	}
	return -1;
}

/*
 * A kept connection turned readable: its next request, to the pool; or
 * the web server closed it, and it is closed here without waking a
 * worker.
 */
static void
kept_ready(const struct epoll_event *ev)
{
	int fd = ev_fd(ev);
	char b;
	ssize_t n;

	atomic_fetch_sub(&kept, 1);
	if ((ev->events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
		n = recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
		if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
			close(fd);
			return;
		}
	}
	submit(fd, true, ev_io_ms(ev));
}

/*
 * Stopping: the connections the web server already queued on the
 * listening socket, and the kept ones whose next request already
 * arrived, are still served (it sent those requests before it could
 * know).  No connection is kept after this.
 */
static void
drain(void)
{
	struct epoll_event ev[64];
	uint64_t n;
	int i, got;

	epoll_ctl(epoll_fd, EPOLL_CTL_DEL, listen_fd, NULL);
	while (accept_all() == -1)
		continue;
	do {
		if ((got = epoll_wait(epoll_fd, ev, 64, 0)) == -1 &&
		    errno != EINTR)
			break;
		for (i = 0; i < got; i++) {
			if (ev_fd(&ev[i]) == wake_fd) {
				if (read(wake_fd, &n, sizeof(n)) == -1)
					continue;	/* read already */
			} else if (ev_fd(&ev[i]) != listen_fd)
				kept_ready(&ev[i]);
		}
	} while (got != 0);
}

/* Milliseconds until a deadline at `at` (now_ms()), for epoll_wait. */
static int
until(int64_t at)
{
	int64_t left = at - now_ms();

	return left <= 0 ? 0 : left > 60000 ? 60000 : (int)left;
}

static void *
acceptor_main(void *arg)
{
	struct epoll_event ev[64];
	int64_t resume = 0;	/* accepting paused until then */
	uint64_t n;
	int i, got, pause, timeout, t;

	(void)arg;
	while (!atomic_load(&stopping)) {
		timeout = pool_tick();
		if (resume != 0 && ((t = until(resume)) < timeout ||
		    timeout == -1))
			timeout = t;
		got = epoll_wait(epoll_fd, ev, 64, timeout);
		if (got == -1) {
			if (errno == EINTR)
				continue;
			log_error("epoll_wait: %s", strerror(errno));
			break;
		}
		if (resume != 0 && until(resume) == 0) {
			set_listening(EPOLLIN);
			resume = 0;
		}
		for (i = 0; i < got; i++) {
			if (ev_fd(&ev[i]) == wake_fd) {
				if (read(wake_fd, &n, sizeof(n)) == -1)
					continue;
			} else if (ev_fd(&ev[i]) == listen_fd) {
				if ((pause = accept_all()) > 0 &&
				    set_listening(0) == 0)
					resume = now_ms() + pause;
			} else
				kept_ready(&ev[i]);
		}
	}
	drain();
	return NULL;
}

/* ---- signals, set-up and stop ---- */

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
	const struct config *cfg;
	sigset_t set;
	int sig;

	stop_signals(&set);
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			return -1;
		if (sig == SIGHUP) {
			log_info("SIGHUP: reloading %s", config_path);
			if (live_reload(config_path) == 0) {
				cfg = live_acquire(NULL);
				pool_reconfigure(cfg);
				live_release(cfg);
			}
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

	ev.data.u64 = ev_data(fd, 0);
	return epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev);
}

/*
 * Room for a descriptor per connection: the soft limit on open files
 * raised to the hard one, as a server with many connections needs.
 */
unsigned long
server_open_files(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return 0;
	/* an unlimited hard limit is no value for the soft one */
	if (rl.rlim_max == RLIM_INFINITY)
		return rl.rlim_cur == RLIM_INFINITY ? 0 :
		    (unsigned long)rl.rlim_cur;
	return (unsigned long)rl.rlim_max;
}

static void
raise_open_files(void)
{
	struct rlimit rl;
	unsigned long want = server_open_files();

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || want == 0 ||
	    (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur >= want))
		return;
	rl.rlim_cur = (rlim_t)want;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		log_warn("cannot raise the open files limit: %s",
		    strerror(errno));
}

/*
 * The epoll set with the listening socket and the wake-up eventfd, and
 * libfcgi; the stop signals go to the main thread's sigwait() only.
 */
static int
set_up(void)
{
	sigset_t set;

	raise_open_files();
	if (fcntl(listen_fd, F_SETFL,
	    fcntl(listen_fd, F_GETFL) | O_NONBLOCK) == -1 ||
	    (wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) == -1 ||
	    (epoll_fd = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
	    watch(listen_fd, EPOLLIN) == -1 ||
	    watch(wake_fd, EPOLLIN) == -1) {
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

/* Stop accepting and keeping; the acceptor drains what is ready. */
static void
stop_acceptor(pthread_t acceptor)
{
	pthread_mutex_lock(&keep_lock);
	atomic_store(&stopping, true);
	pthread_mutex_unlock(&keep_lock);
	wake_acceptor();
	pthread_join(acceptor, NULL);
}

int
server_run_fastcgi(int fd, const char *path, CURLSH *share)
{
	static const struct pool_hooks hooks = {
		.may_keep = may_keep, .keep = keep, .wake = wake_acceptor,
	};
	const struct config *cfg;
	pthread_t acceptor;
	int rc;

	listen_fd = fd;
	config_path = path;
	rc = load_web_servers();
	if (rc == 0)
		rc = set_up();
	if (rc == 0) {
		cfg = live_acquire(NULL);
		rc = pool_start(cfg, share, &hooks);
		if (rc == 0)
			log_info("serving FastCGI with %ld workers (at most "
			    "%ld)", cfg->workers, cfg->max_workers);
		live_release(cfg);
	}
	if (rc == 0 && (rc = pthread_create(&acceptor, NULL, acceptor_main,
	    NULL)) != 0) {
		log_error("cannot start the acceptor: %s", strerror(rc));
		rc = -1;
	}
	if (rc == 0) {
		rc = wait_for_stop();
		stop_acceptor(acceptor);
	}
	pool_stop();
	if (epoll_fd != -1)
		close(epoll_fd);
	if (wake_fd != -1)
		close(wake_fd);
	cidr_list_free(&web_servers);
	log_info("stopped");
	return rc;
}
