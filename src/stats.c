/* SPDX-License-Identifier: ISC */
/*
 * stats: process-wide counters as relaxed atomics.
 */
#include "autoconf.h"

#include "stats.h"

#include <stdatomic.h>
#include <string.h>

#include "hostcap.h"

#define ADD(c, n)	atomic_fetch_add_explicit(&(c), (n), \
	    memory_order_relaxed)
#define GET(c)		atomic_load_explicit(&(c), memory_order_relaxed)

static struct {
	_Atomic uint64_t	requests[METRICS_METHODS][METRICS_CLASSES];
	_Atomic uint64_t	denials[DENY_COUNT];
	_Atomic uint64_t	timeouts[TIMEOUT_COUNT];
	_Atomic uint64_t	conns_opened;
	_Atomic uint64_t	conns_reused;
	_Atomic uint64_t	bytes_in;
	_Atomic uint64_t	bytes_out;
	_Atomic uint64_t	spooled;
	_Atomic uint64_t	spool_failures;
	_Atomic uint64_t	duration_bucket[METRICS_BUCKETS + 1];
	_Atomic uint64_t	duration_us_sum;
	_Atomic uint64_t	reloads_ok;
	_Atomic uint64_t	reloads_failed;
	atomic_bool		last_reload_failed;
	_Atomic uint64_t	workers_live;
	_Atomic uint64_t	workers_busy;
	_Atomic uint64_t	workers_max;
	_Atomic uint64_t	requests_waiting;
	_Atomic uint64_t	workers_started;
	_Atomic uint64_t	workers_retired;
	_Atomic uint64_t	wait_bucket[METRICS_WAIT_BUCKETS + 1];
	_Atomic uint64_t	wait_us_sum;
	_Atomic uint64_t	max_per_host;
} s;

#define SET(c, n)	atomic_store_explicit(&(c), (n), memory_order_relaxed)

void
stats_request(const struct stats_request *r)
{
	int m = r->method;

	if (m < 0 || m >= METRICS_METHODS)
		m = METRICS_METHOD_OTHER;
	ADD(s.requests[m][metrics_class(r->status)], 1);
	if (r->deny > DENY_NONE && r->deny < DENY_COUNT)
		ADD(s.denials[r->deny], 1);
	if (r->timeout > TIMEOUT_NONE && r->timeout < TIMEOUT_COUNT)
		ADD(s.timeouts[r->timeout], 1);
	if (r->conns_opened > 0)
		ADD(s.conns_opened, (uint64_t)r->conns_opened);
	if (r->reused)
		ADD(s.conns_reused, 1);
	if (r->bytes_in > 0)
		ADD(s.bytes_in, (uint64_t)r->bytes_in);
	if (r->bytes_out > 0)
		ADD(s.bytes_out, (uint64_t)r->bytes_out);
	if (r->spooled > 0)
		ADD(s.spooled, (uint64_t)r->spooled);
	if (r->spool_failed)
		ADD(s.spool_failures, 1);
	ADD(s.duration_bucket[metrics_bucket(r->seconds)], 1);
	ADD(s.duration_us_sum, r->seconds > 0 ?
	    (uint64_t)(r->seconds * 1e6) : 0);
}

void
stats_pool(long live, long busy, long waiting, long max)
{
	SET(s.workers_live, live > 0 ? (uint64_t)live : 0);
	SET(s.workers_busy, busy > 0 ? (uint64_t)busy : 0);
	SET(s.requests_waiting, waiting > 0 ? (uint64_t)waiting : 0);
	SET(s.workers_max, max > 0 ? (uint64_t)max : 0);
}

void
stats_worker_started(void)
{
	ADD(s.workers_started, 1);
}

void
stats_worker_retired(void)
{
	ADD(s.workers_retired, 1);
}

void
stats_queue_wait(double seconds)
{
	ADD(s.wait_bucket[metrics_wait_bucket(seconds)], 1);
	ADD(s.wait_us_sum, seconds > 0 ? (uint64_t)(seconds * 1e6) : 0);
}

void
stats_max_per_host(long cap)
{
	SET(s.max_per_host, cap > 0 ? (uint64_t)cap : 0);
}

void
stats_reload(bool ok)
{
	if (ok)
		ADD(s.reloads_ok, 1);
	else
		ADD(s.reloads_failed, 1);
	atomic_store_explicit(&s.last_reload_failed, !ok, memory_order_relaxed);
}

void
stats_read(struct metrics *m)
{
	uint64_t live;
	size_t i, j;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < METRICS_METHODS; i++)
		for (j = 0; j < METRICS_CLASSES; j++)
			m->requests[i][j] = GET(s.requests[i][j]);
	for (i = 0; i < DENY_COUNT; i++)
		m->denials[i] = GET(s.denials[i]);
	for (i = 0; i < TIMEOUT_COUNT; i++)
		m->timeouts[i] = GET(s.timeouts[i]);
	m->conns_opened = GET(s.conns_opened);
	m->conns_reused = GET(s.conns_reused);
	m->bytes_in = GET(s.bytes_in);
	m->bytes_out = GET(s.bytes_out);
	m->spooled = GET(s.spooled);
	m->spool_failures = GET(s.spool_failures);
	for (i = 0; i <= METRICS_BUCKETS; i++)
		m->duration_bucket[i] = GET(s.duration_bucket[i]);
	m->duration_us_sum = GET(s.duration_us_sum);
	m->reloads_ok = GET(s.reloads_ok);
	m->reloads_failed = GET(s.reloads_failed);
	m->last_reload_ok = !GET(s.last_reload_failed);
	m->workers_busy = GET(s.workers_busy);
	live = GET(s.workers_live);
	m->workers_idle = live > m->workers_busy ? live - m->workers_busy : 0;
	m->workers_max = GET(s.workers_max);
	m->workers_started = GET(s.workers_started);
	m->workers_retired = GET(s.workers_retired);
	m->requests_waiting = GET(s.requests_waiting);
	for (i = 0; i <= METRICS_WAIT_BUCKETS; i++)
		m->wait_bucket[i] = GET(s.wait_bucket[i]);
	m->wait_us_sum = GET(s.wait_us_sum);
	m->max_per_host = GET(s.max_per_host);
	hostcap_read(&m->upstream_origins, &m->upstream_in_flight);
}
