/* SPDX-License-Identifier: ISC */
/*
 * live: configuration snapshots and their reload.
 *
 * The pointer to the current snapshot is read and its reference count
 * raised under one mutex, held for those two instructions only, so a
 * reload can never free a snapshot between a worker's read of the
 * pointer and its increment.  Dropping a reference is a single atomic
 * decrement; whoever drops the last one frees the snapshot.  A snapshot
 * also numbers what pooled upstream connections depend on (pool_gen):
 * the same as the previous one's unless the reload changed it.
 */
#include "autoconf.h"

#include "live.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

#include "log.h"
#include "stats.h"

struct snapshot {
	/* first: a config pointer is a snapshot */
	struct config	cfg;
	unsigned long	gen;
	unsigned long	pool_gen;	/* changes with config_pool_differs() */
	atomic_long	refs;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct snapshot *current;
static unsigned long generation, pool_generation;

static struct snapshot *
snapshot_of(const struct config *c)
{
	return (struct snapshot *)(void *)c;
}

static void
snapshot_unref(struct snapshot *s)
{
	if (atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) == 1) {
		config_free(&s->cfg);
		free(s);
	}
}

/*
 * Publish c (moved into a new snapshot); the old one loses our ref.
 * pool_same: c was compared with snapshot `from` and config_pool_differs()
 * found nothing; pooled connections stay only if `from` is still current.
 */
static int
publish(struct config *c, const struct snapshot *from, bool pool_same)
{
	struct snapshot *s, *old;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -1;
	s->cfg = *c;
	atomic_init(&s->refs, 1);
	pthread_mutex_lock(&lock);
	s->gen = ++generation;
	old = current;
	s->pool_gen = old != NULL && old == from && pool_same ?
	    old->pool_gen : ++pool_generation;
	current = s;
	stats_max_per_host(s->cfg.max_per_host);
	pthread_mutex_unlock(&lock);
	if (old != NULL)
		snapshot_unref(old);
	return 0;
}

int
live_init(struct config *c)
{
	return publish(c, NULL, false);
}

const struct config *
live_acquire(unsigned long *gen)
{
	struct snapshot *s;

	pthread_mutex_lock(&lock);
	s = current;
	atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
	pthread_mutex_unlock(&lock);
	if (gen != NULL)
		*gen = s->gen;
	return &s->cfg;
}

unsigned long
live_pool_gen(const struct config *c)
{
	return snapshot_of(c)->pool_gen;
}

void
live_release(const struct config *c)
{
	if (c != NULL)
		snapshot_unref(snapshot_of(c));
}

void
live_shutdown(void)
{
	struct snapshot *old;

	pthread_mutex_lock(&lock);
	old = current;
	current = NULL;
	pthread_mutex_unlock(&lock);
	if (old != NULL)
		snapshot_unref(old);
}

static void
report_restart_key(void *arg, const char *key)
{
	(void)arg;
	log_warn("reload: %s changed: needs a restart; keeping the running "
	    "value", key);
}

int
live_reload(const char *path)
{
	struct config_errors errs = { NULL, 0 };
	const struct config *old;
	struct config c;
	unsigned long gen;
	size_t i;
	bool pool_same;
	int rc;

	if (config_load(path, &c, &errs) == -1) {
		/* the messages of extproxy -t */
		for (i = 0; i < errs.n; i++)
			log_error("%s: %s", path, errs.v[i]);
		log_error("reload: configuration %s has %zu error%s; keeping "
		    "the running configuration", path, errs.n,
		    errs.n == 1 ? "" : "s");
		config_errors_free(&errs);
		stats_reload(false);
		return -1;
	}
	old = live_acquire(NULL);
	rc = config_keep_restart_keys(old, &c, report_restart_key, NULL);
	pool_same = !config_pool_differs(old, &c);
	/* old stays referenced until published over, so it is not reused */
	if (rc == -1 || publish(&c, snapshot_of(old), pool_same) == -1) {
		live_release(old);
		config_free(&c);
		log_error("reload: out of memory; keeping the running "
		    "configuration");
		stats_reload(false);
		return -1;
	}
	live_release(old);
	old = live_acquire(&gen);
	log_set_level(old->log_level);
	if (old->allow.n == 0)
		log_warn("[allow] urls is empty: every request will be refused");
	live_release(old);
	stats_reload(true);
	log_info("reload: configuration %s loaded (generation %lu); it "
	    "applies to every request from now on", path, gen);
	return 0;
}
