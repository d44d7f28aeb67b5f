/* SPDX-License-Identifier: ISC */
/*
 * metrics: the counters of one process as plain numbers, and their
 * Prometheus text exposition (format 0.0.4).  Pure: formats what it is
 * given, never reads a counter, a clock or a request.
 */
#ifndef EXTPROXY_METRICS_H
#define EXTPROXY_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http.h"
#include "outcome.h"

/* Each enum method, then every other method. */
#define METRICS_METHODS		(METHOD_COUNT + 1)
#define METRICS_METHOD_OTHER	METHOD_COUNT
#define METRICS_CLASSES		5	/* 1xx .. 5xx */
/* upper bounds of the duration histogram, seconds; then +Inf */
#define METRICS_BUCKETS		14
extern const double metrics_bucket_le[METRICS_BUCKETS];
/* upper bounds of the queue wait histogram, seconds; then +Inf */
#define METRICS_WAIT_BUCKETS	12
extern const double metrics_wait_le[METRICS_WAIT_BUCKETS];

#define METRICS_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

struct metrics {
	uint64_t	requests[METRICS_METHODS][METRICS_CLASSES];
	uint64_t	denials[DENY_COUNT];
	uint64_t	timeouts[TIMEOUT_COUNT];
	uint64_t	conns_opened;
	uint64_t	conns_reused;
	uint64_t	bytes_in;
	uint64_t	bytes_out;
	uint64_t	spooled;	/* request body copied to temp_dir */
	uint64_t	spool_failures;	/* bodies whose copy failed */
	/* per bucket, not cumulative; the last one is +Inf */
	uint64_t	duration_bucket[METRICS_BUCKETS + 1];
	uint64_t	duration_us_sum;
	uint64_t	reloads_ok;
	uint64_t	reloads_failed;
	bool		last_reload_ok;	/* also true before any reload */
	/* the worker pool */
	uint64_t	workers_busy;
	uint64_t	workers_idle;
	uint64_t	workers_max;
	uint64_t	workers_started;
	uint64_t	workers_retired;
	uint64_t	requests_waiting;
	/* per bucket, not cumulative; the last one is +Inf */
	uint64_t	wait_bucket[METRICS_WAIT_BUCKETS + 1];
	uint64_t	wait_us_sum;
	/* requests in flight per upstream origin */
	uint64_t	max_per_host;	/* [upstream] max_per_host; 0: none */
	uint64_t	upstream_origins;	/* with a request in flight */
	uint64_t	upstream_in_flight;	/* those requests */
};

struct metrics_build {
	const char	*version;
	const char	*libcurl;
	const char	*libfcgi;
};

/* The histogram bucket of a duration. */
size_t	metrics_bucket(double seconds);
/* The histogram bucket of a queue wait. */
size_t	metrics_wait_bucket(double seconds);
/* The status class index (0 = 1xx ... 4 = 5xx) of an HTTP status. */
size_t	metrics_class(int status);
/*
 * The exposition into buf.  Returns its length, or 0 when it does not
 * fit (buf then holds nothing useful).
 */
size_t	metrics_format(char *buf, size_t size, const struct metrics *m,
	    const struct metrics_build *b);

#endif
