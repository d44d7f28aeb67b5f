/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for metrics.c (the Prometheus exposition) and stats.c
 * (the counters, also under concurrent updates).
 */
#include "autoconf.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostcap.h"
#include "metrics.h"
#include "stats.h"

static const struct metrics_build build = { "0.1.0", "7.88.1", "2.4.2" };

static void
has_line(const char *text, const char *line)
{
	const char *p = text;
	size_t n = strlen(line);

	while ((p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return;
		p += n;
	}
	fail_msg("no line \"%s\" in:\n%s", line, text);
}

static void
test_class_and_bucket(void **state)
{
	(void)state;
	assert_int_equal(metrics_class(100), 0);
	assert_int_equal(metrics_class(200), 1);
	assert_int_equal(metrics_class(304), 2);
	assert_int_equal(metrics_class(499), 3);
	assert_int_equal(metrics_class(504), 4);
	assert_int_equal(metrics_class(0), 0);
	assert_int_equal(metrics_class(999), 4);
	assert_int_equal(metrics_bucket(0), 0);
	assert_int_equal(metrics_bucket(0.005), 0);
	assert_int_equal(metrics_bucket(0.0051), 1);
	assert_int_equal(metrics_bucket(1.0), 7);
	assert_int_equal(metrics_bucket(1.0001), 8);
	assert_int_equal(metrics_bucket(120), METRICS_BUCKETS - 1);
	assert_int_equal(metrics_bucket(121), METRICS_BUCKETS);
	assert_int_equal(metrics_wait_bucket(0), 0);
	assert_int_equal(metrics_wait_bucket(0.001), 0);
	assert_int_equal(metrics_wait_bucket(0.002), 1);
	assert_int_equal(metrics_wait_bucket(1.0), 9);
	assert_int_equal(metrics_wait_bucket(5), METRICS_WAIT_BUCKETS - 1);
	assert_int_equal(metrics_wait_bucket(5.001), METRICS_WAIT_BUCKETS);
}

/* The worker pool's gauges, counters and queue wait histogram. */
static void
test_format_pool(void **state)
{
	struct metrics m;
	char buf[64 * 1024];

	(void)state;
	memset(&m, 0, sizeof(m));
	m.workers_busy = 3;
	m.workers_idle = 5;
	m.workers_max = 256;
	m.workers_started = 40;
	m.workers_retired = 32;
	m.requests_waiting = 7;
	m.wait_bucket[0] = 10;
	m.wait_bucket[9] = 2;			/* le 1 */
	m.wait_bucket[METRICS_WAIT_BUCKETS] = 1;
	m.wait_us_sum = 7500000;
	m.denials[DENY_BUSY] = 6;
	m.denials[DENY_UPSTREAM_BUSY] = 9;
	assert_true(metrics_format(buf, sizeof(buf), &m, &build) > 0);
	has_line(buf, "# TYPE extproxy_workers gauge");
	has_line(buf, "extproxy_workers{state=\"busy\"} 3");
	has_line(buf, "extproxy_workers{state=\"idle\"} 5");
	has_line(buf, "extproxy_workers_max 256");
	has_line(buf, "# TYPE extproxy_workers_started_total counter");
	has_line(buf, "extproxy_workers_started_total 40");
	has_line(buf, "extproxy_workers_retired_total 32");
	has_line(buf, "# TYPE extproxy_requests_waiting gauge");
	has_line(buf, "extproxy_requests_waiting 7");
	has_line(buf, "# TYPE extproxy_queue_wait_seconds histogram");
	has_line(buf, "extproxy_queue_wait_seconds_bucket{le=\"0.001\"} 10");
	has_line(buf, "extproxy_queue_wait_seconds_bucket{le=\"0.5\"} 10");
	has_line(buf, "extproxy_queue_wait_seconds_bucket{le=\"1\"} 12");
	has_line(buf, "extproxy_queue_wait_seconds_bucket{le=\"5\"} 12");
	has_line(buf, "extproxy_queue_wait_seconds_bucket{le=\"+Inf\"} 13");
	has_line(buf, "extproxy_queue_wait_seconds_sum 7.500000");
	has_line(buf, "extproxy_queue_wait_seconds_count 13");
	/* 503s by reason, and the same among the denials */
	has_line(buf, "# TYPE extproxy_unavailable_total counter");
	has_line(buf, "extproxy_unavailable_total{reason=\"busy\"} 6");
	has_line(buf, "extproxy_denials_total{reason=\"busy\"} 6");
	has_line(buf, "extproxy_unavailable_total{reason=\"upstream_busy\"} 9");
	has_line(buf, "extproxy_denials_total{reason=\"upstream_busy\"} 9");
}

/* The requests in flight per origin, and the cap, as gauges. */
static void
test_format_upstreams(void **state)
{
	struct metrics m;
	char buf[64 * 1024];

	(void)state;
	memset(&m, 0, sizeof(m));
	m.max_per_host = 32;
	m.upstream_origins = 2;
	m.upstream_in_flight = 5;
	assert_true(metrics_format(buf, sizeof(buf), &m, &build) > 0);
	has_line(buf, "# TYPE extproxy_upstream_max_per_host gauge");
	has_line(buf, "extproxy_upstream_max_per_host 32");
	has_line(buf, "# TYPE extproxy_upstream_origins_in_flight gauge");
	has_line(buf, "extproxy_upstream_origins_in_flight 2");
	has_line(buf, "# TYPE extproxy_upstream_requests_in_flight gauge");
	has_line(buf, "extproxy_upstream_requests_in_flight 5");
}

/* stats_read() gives hostcap.c's counts now, and the cap last set. */
static void
test_stats_upstreams(void **state)
{
	struct hostcap_hold h[3] = { { 0 } };
	struct metrics m;

	(void)state;
	stats_max_per_host(7);
	assert_int_equal(hostcap_acquire(&h[0], "http", "a.example", 80, 7),
	    HOSTCAP_OK);
	assert_int_equal(hostcap_acquire(&h[1], "http", "a.example", 80, 7),
	    HOSTCAP_OK);
	assert_int_equal(hostcap_acquire(&h[2], "https", "b.example", 443, 7),
	    HOSTCAP_OK);
	stats_read(&m);
	assert_int_equal(m.max_per_host, 7);
	assert_int_equal(m.upstream_origins, 2);
	assert_int_equal(m.upstream_in_flight, 3);
	hostcap_release(&h[0]);
	hostcap_release(&h[1]);
	hostcap_release(&h[2]);
	stats_max_per_host(0);
	stats_read(&m);
	assert_int_equal(m.max_per_host, 0);
	assert_int_equal(m.upstream_origins, 0);
	assert_int_equal(m.upstream_in_flight, 0);
}

/* The pool's state as stats.c keeps it. */
static void
test_stats_pool(void **state)
{
	struct metrics before, after;

	(void)state;
	stats_read(&before);
	stats_pool(10, 4, 3, 64);
	stats_worker_started();
	stats_worker_started();
	stats_worker_retired();
	stats_queue_wait(0);
	stats_queue_wait(2);
	stats_read(&after);
	assert_int_equal(after.workers_busy, 4);
	assert_int_equal(after.workers_idle, 6);
	assert_int_equal(after.requests_waiting, 3);
	assert_int_equal(after.workers_max, 64);
	assert_true(after.workers_started - before.workers_started == 2);
	assert_true(after.workers_retired - before.workers_retired == 1);
	assert_true(after.wait_bucket[0] - before.wait_bucket[0] == 1);
	assert_true(after.wait_bucket[10] - before.wait_bucket[10] == 1);
	assert_true(after.wait_us_sum - before.wait_us_sum == 2000000);
	/* gauges are set, not added up */
	stats_pool(2, 2, 0, 64);
	stats_read(&after);
	assert_int_equal(after.workers_busy, 2);
	assert_int_equal(after.workers_idle, 0);
	assert_int_equal(after.requests_waiting, 0);
}

static void
test_format(void **state)
{
	struct metrics m;
	char buf[64 * 1024];
	size_t n;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.requests[0][1] = 7;			/* GET 2xx */
	m.requests[METRICS_METHOD_OTHER][3] = 2;
	m.denials[DENY_ALLOWLIST] = 3;
	m.denials[DENY_METHOD] = 2;
	m.timeouts[TIMEOUT_IDLE] = 1;
	m.conns_opened = 4;
	m.conns_reused = 9;
	m.bytes_in = 123;
	m.bytes_out = 456789;
	m.spooled = 5177344;
	m.spool_failures = 2;
	m.duration_bucket[0] = 5;
	m.duration_bucket[7] = 1;
	m.duration_bucket[METRICS_BUCKETS] = 2;
	m.duration_us_sum = 1234567;
	n = metrics_format(buf, sizeof(buf), &m, &build);
	assert_true(n > 0);
	assert_int_equal(n, strlen(buf));
	assert_int_equal(buf[n - 1], '\n');
	has_line(buf, "# TYPE extproxy_requests_total counter");
	has_line(buf, "extproxy_build_info{version=\"0.1.0\",libcurl=\"7.88.1\","
	    "libfcgi=\"2.4.2\"} 1");
	has_line(buf, "extproxy_requests_total{method=\"GET\",class=\"2xx\"} 7");
	has_line(buf, "extproxy_requests_total{method=\"GET\",class=\"5xx\"} 0");
	has_line(buf, "extproxy_requests_total{method=\"other\",class=\"4xx\"} 2");
	has_line(buf, "extproxy_denials_total{reason=\"allowlist\"} 3");
	has_line(buf, "extproxy_denials_total{reason=\"method\"} 2");
	has_line(buf, "extproxy_denials_total{reason=\"address\"} 0");
	has_line(buf, "extproxy_timeouts_total{kind=\"idle\"} 1");
	has_line(buf, "extproxy_timeouts_total{kind=\"connect\"} 0");
	has_line(buf, "extproxy_upstream_connections_total{result=\"opened\"} 4");
	has_line(buf, "extproxy_upstream_connections_total{result=\"reused\"} 9");
	has_line(buf, "extproxy_request_body_bytes_total 123");
	has_line(buf, "extproxy_response_body_bytes_total 456789");
	has_line(buf, "# TYPE extproxy_request_body_spooled_bytes_total counter");
	has_line(buf, "extproxy_request_body_spooled_bytes_total 5177344");
	has_line(buf, "# TYPE extproxy_request_body_spool_failures_total "
	    "counter");
	has_line(buf, "extproxy_request_body_spool_failures_total 2");
	has_line(buf, "# TYPE extproxy_request_duration_seconds histogram");
	has_line(buf, "extproxy_request_duration_seconds_bucket{le=\"0.005\"} 5");
	has_line(buf, "extproxy_request_duration_seconds_bucket{le=\"0.5\"} 5");
	has_line(buf, "extproxy_request_duration_seconds_bucket{le=\"1\"} 6");
	has_line(buf, "extproxy_request_duration_seconds_bucket{le=\"120\"} 6");
	has_line(buf, "extproxy_request_duration_seconds_bucket{le=\"+Inf\"} 8");
	has_line(buf, "extproxy_request_duration_seconds_sum 1.234567");
	has_line(buf, "extproxy_request_duration_seconds_count 8");
	/* no sample line for the "no denial" and "no timeout" slots */
	assert_null(strstr(buf, "reason=\"(null)\""));
	assert_null(strstr(buf, "kind=\"(null)\""));
	/* too small a buffer: 0, never a cut exposition */
	assert_int_equal(metrics_format(buf, 100, &m, &build), 0);
}

static void
test_label_escape(void **state)
{
	const struct metrics_build b = { "1\"2", "a\\b", "x\ny" };
	struct metrics m;
	char buf[64 * 1024];

	(void)state;
	memset(&m, 0, sizeof(m));
	assert_true(metrics_format(buf, sizeof(buf), &m, &b) > 0);
	has_line(buf, "extproxy_build_info{version=\"1\\\"2\",libcurl=\"a\\\\b\","
	    "libfcgi=\"x\\ny\"} 1");
}

#define THREADS		4
#define PER_THREAD	20000

static void *
hammer(void *arg)
{
	struct stats_request r = {
		.method = 0, .status = 200, .bytes_in = 3, .bytes_out = 5,
		.spooled = 7, .spool_failed = true,
		.seconds = 0.001, .conns_opened = 1, .reused = true,
		.deny = DENY_ALLOWLIST, .timeout = TIMEOUT_TOTAL,
	};
	int i;

	(void)arg;
	for (i = 0; i < PER_THREAD; i++)
		stats_request(&r);
	return NULL;
}

/* Concurrent updates are all counted (the counters are process-wide). */
static void
test_stats_concurrent(void **state)
{
	pthread_t t[THREADS];
	struct metrics before, after;
	struct stats_request other = { .method = -1, .status = 405,
	    .deny = DENY_METHOD, .seconds = 200 };
	uint64_t n = (uint64_t)THREADS * PER_THREAD;
	int i;

	(void)state;
	stats_read(&before);
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer, NULL), 0);
	for (i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	stats_request(&other);
	stats_read(&after);
	assert_true(after.requests[0][1] - before.requests[0][1] == n);
	assert_true(after.requests[METRICS_METHOD_OTHER][3] -
	    before.requests[METRICS_METHOD_OTHER][3] == 1);
	assert_true(after.denials[DENY_ALLOWLIST] -
	    before.denials[DENY_ALLOWLIST] == n);
	assert_true(after.denials[DENY_METHOD] -
	    before.denials[DENY_METHOD] == 1);
	assert_true(after.timeouts[TIMEOUT_TOTAL] -
	    before.timeouts[TIMEOUT_TOTAL] == n);
	assert_true(after.bytes_in - before.bytes_in == 3 * n);
	assert_true(after.bytes_out - before.bytes_out == 5 * n);
	assert_true(after.spooled - before.spooled == 7 * n);
	assert_true(after.spool_failures - before.spool_failures == n);
	assert_true(after.conns_opened - before.conns_opened == n);
	assert_true(after.conns_reused - before.conns_reused == n);
	assert_true(after.duration_bucket[0] - before.duration_bucket[0] == n);
	assert_true(after.duration_bucket[METRICS_BUCKETS] -
	    before.duration_bucket[METRICS_BUCKETS] == 1);
	assert_true(after.duration_us_sum - before.duration_us_sum ==
	    1000 * n + 200000000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_class_and_bucket),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_pool),
		cmocka_unit_test(test_stats_pool),
		cmocka_unit_test(test_format_upstreams),
		cmocka_unit_test(test_stats_upstreams),
		cmocka_unit_test(test_label_escape),
		cmocka_unit_test(test_stats_concurrent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
