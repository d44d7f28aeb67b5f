/* SPDX-License-Identifier: ISC */
/*
 * cutoff: the thread that cuts FastCGI connections at their deadline.
 *
 * A read deadline cannot be set on a socket (SO_RCVTIMEO bounds one
 * read, and libfcgi reads in loops of its own), so another thread acts
 * when it passes: shutdown(SHUT_RD) wakes a blocked read with end of
 * file, and every later read ends at once.  The thread sleeps until the
 * earliest deadline, and TICK_MS at most while any is set, so that a
 * request wakes it only when no deadline was set before: a busy server
 * pays no thread switch per request, and a deadline set earlier than
 * the ones before it is met within TICK_MS.
 */
#include "autoconf.h"

#include "cutoff.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TICK_MS	100

struct slot {
	int		fd;	/* our duplicate of the connection, or -1 */
	int64_t		at;	/* when to cut it; 0: never */
	int		how;	/* shutdown(2)'s how */
	atomic_bool	cut;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake;
static pthread_t thread;
static struct slot *slots;
static int nslots;
static int nused;		/* slots ever watched: 0 to nused - 1 */
static bool asleep;		/* the thread waits for a signal */
static bool stopping;

int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct timespec
ms_timespec(int64_t at)
{
	struct timespec ts = {
		.tv_sec = (time_t)(at / 1000),
		.tv_nsec = (long)(at % 1000) * 1000000,
	};

	return ts;
}

/* Cut what is due; the next deadline after now, or 0.  Under lock. */
static int64_t
cut_due(int64_t now)
{
	int64_t next = 0;
	int i;

	for (i = 0; i < nused; i++) {
		struct slot *s = &slots[i];

		if (s->fd == -1 || s->at == 0 || atomic_load(&s->cut))
			continue;
		if (now >= s->at) {
			shutdown(s->fd, s->how);
			atomic_store(&s->cut, true);
		} else if (next == 0 || s->at < next)
			next = s->at;
	}
	return next;
}

static void *
watcher(void *arg)
{
	struct timespec ts;
	int64_t now, next;

	(void)arg;
	pthread_mutex_lock(&lock);
	while (!stopping) {
		now = now_ms();
		if ((next = cut_due(now)) == 0) {
			asleep = true;
			pthread_cond_wait(&wake, &lock);
			asleep = false;
			continue;
		}
		if (next > now + TICK_MS)
			next = now + TICK_MS;
		ts = ms_timespec(next);
		pthread_cond_timedwait(&wake, &lock, &ts);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

int
cutoff_start(int n)
{
	pthread_condattr_t ca;
	int i, rc;

	if ((slots = calloc((size_t)n, sizeof(*slots))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		slots[i].fd = -1;
		atomic_init(&slots[i].cut, false);
	}
	nslots = n;
	if ((rc = pthread_condattr_init(&ca)) != 0 ||
	    (rc = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC)) != 0 ||
	    (rc = pthread_cond_init(&wake, &ca)) != 0 ||
	    (rc = pthread_create(&thread, NULL, watcher, NULL)) != 0) {
		free(slots);
		slots = NULL;
		nslots = 0;
		errno = rc;
		return -1;
	}
	pthread_condattr_destroy(&ca);
	return 0;
}

void
cutoff_stop(void)
{
	int i;

	if (slots == NULL)
		return;
	pthread_mutex_lock(&lock);
	stopping = true;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
	pthread_join(thread, NULL);
	pthread_cond_destroy(&wake);
	for (i = 0; i < nslots; i++)
		if (slots[i].fd != -1)
			close(slots[i].fd);
	free(slots);
	slots = NULL;
	nslots = 0;
	nused = 0;
}

int
cutoff_watch(int i, int fd)
{
	struct slot *s = &slots[i];
	int dup_fd;

	if ((dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) == -1)
		return -1;
	pthread_mutex_lock(&lock);
	if (i >= nused)
		nused = i + 1;
	s->fd = dup_fd;
	s->at = 0;
	atomic_store(&s->cut, false);
	pthread_mutex_unlock(&lock);
	return 0;
}

void
cutoff_set(int i, int64_t at, int how)
{
	struct slot *s = &slots[i];

	pthread_mutex_lock(&lock);
	s->at = at;
	s->how = how;
	if (at != 0 && asleep)
		pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
}

bool
cutoff_passed(int i)
{
	return atomic_load(&slots[i].cut);
}

bool
cutoff_unwatch(int i)
{
	struct slot *s = &slots[i];
	int fd;

	pthread_mutex_lock(&lock);
	fd = s->fd;
	s->fd = -1;
	s->at = 0;
	pthread_mutex_unlock(&lock);
	if (fd != -1)
		close(fd);
	return atomic_load(&s->cut);
}
