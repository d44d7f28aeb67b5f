/* SPDX-License-Identifier: ISC */
/*
 * metrics: Prometheus text format of the process counters.
 */
#include "autoconf.h"

#include "metrics.h"
#include "http.h"
#include "outbuf.h"

#include <inttypes.h>
#include <stdbool.h>

const double metrics_bucket_le[METRICS_BUCKETS] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120
};

const double metrics_wait_le[METRICS_WAIT_BUCKETS] = {
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5
};

/*
 * The denials that are a 503 because extproxy, or the target's origin,
 * was at a limit: extproxy_unavailable_total by reason.
 */
static const enum deny unavailable_reasons[] = {
	DENY_BUSY, DENY_UPSTREAM_BUSY
};

static const char *const class_label[METRICS_CLASSES] = {
	"1xx", "2xx", "3xx", "4xx", "5xx"
};

static const char *
method_label(size_t i)
{
	return i == METRICS_METHOD_OTHER ? "other" : method_name((enum method)i);
}

/* The first of the n bounds le that seconds is within, else n. */
static size_t
bucket(const double *le, size_t n, double seconds)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (seconds <= le[i])
			return i;
	return n;
}

size_t
metrics_bucket(double seconds)
{
	return bucket(metrics_bucket_le, METRICS_BUCKETS, seconds);
}

size_t
metrics_wait_bucket(double seconds)
{
	return bucket(metrics_wait_le, METRICS_WAIT_BUCKETS, seconds);
}

size_t
metrics_class(int status)
{
	if (status < 200)
		return 0;
	if (status > 599)
		return 4;
	return (size_t)(status / 100 - 1);
}

/* A label value: backslash, double quote and newline escaped. */
static void
put_label_value(struct outbuf *o, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '\\')
			outbuf_put(o, "\\\\");
		else if (*s == '"')
			outbuf_put(o, "\\\"");
		else if (*s == '\n')
			outbuf_put(o, "\\n");
		else
			outbuf_put(o, "%c", *s);
	}
}

static void
family(struct outbuf *o, const char *name, const char *type, const char *help)
{
	outbuf_put(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A family without labels, of type type: its help and its one sample. */
static void
one(struct outbuf *o, const char *name, const char *type, const char *help,
    uint64_t v)
{
	family(o, name, type, help);
	outbuf_put(o, "%s %" PRIu64 "\n", name, v);
}

static void
counter(struct outbuf *o, const char *name, const char *help, uint64_t v)
{
	one(o, name, "counter", help, v);
}

static void
gauge(struct outbuf *o, const char *name, const char *help, uint64_t v)
{
	one(o, name, "gauge", help, v);
}

/* The body byte counters, and the request bodies' copies. */
static void
put_bodies(struct outbuf *o, const struct metrics *m)
{
	counter(o, "extproxy_request_body_bytes_total",
	    "Request body bytes read from clients and sent upstream.",
	    m->bytes_in);
	counter(o, "extproxy_response_body_bytes_total",
	    "Response body bytes relayed to clients.", m->bytes_out);
	counter(o, "extproxy_request_body_spooled_bytes_total",
	    "Request body bytes copied to [server] temp_dir, to be sent "
	    "again if an upstream connection is lost.", m->spooled);
	counter(o, "extproxy_request_body_spool_failures_total",
	    "Request bodies whose copy in [server] temp_dir could not be "
	    "made or written (each streamed on without one).",
	    m->spool_failures);
}

/*
 * A histogram: n bounds le, n + 1 counts per bucket (the last +Inf),
 * and their sum in microseconds.
 */
static void
histogram(struct outbuf *o, const char *name, const char *help,
    const double *le, size_t n, const uint64_t *per_bucket, uint64_t us_sum)
{
	uint64_t cum = 0, count;
	size_t i;

	family(o, name, "histogram", help);
	for (i = 0; i < n; i++) {
		cum += per_bucket[i];
		outbuf_put(o, "%s_bucket{le=\"%g\"} %" PRIu64 "\n", name, le[i],
		    cum);
	}
	count = cum + per_bucket[n];
	outbuf_put(o, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n", name, count);
	outbuf_put(o, "%s_sum %" PRIu64 ".%06" PRIu64 "\n", name,
	    us_sum / 1000000, us_sum % 1000000);
	outbuf_put(o, "%s_count %" PRIu64 "\n", name, count);
}

/* The worker pool, its queue, and the 503s for want of room. */
static void
put_pool(struct outbuf *o, const struct metrics *m)
{
	size_t i;

	family(o, "extproxy_workers", "gauge",
	    "Worker threads, by state: serving a request, or idle.");
	outbuf_put(o, "extproxy_workers{state=\"busy\"} %" PRIu64 "\n",
	    m->workers_busy);
	outbuf_put(o, "extproxy_workers{state=\"idle\"} %" PRIu64 "\n",
	    m->workers_idle);
	gauge(o, "extproxy_workers_max",
	    "The most worker threads there may be ([server] max_workers).",
	    m->workers_max);
	counter(o, "extproxy_workers_started_total",
	    "Worker threads started, those of [server] workers included.",
	    m->workers_started);
	counter(o, "extproxy_workers_retired_total",
	    "Worker threads ended after worker_idle idle, or above a lowered "
	    "max_workers.", m->workers_retired);
	gauge(o, "extproxy_requests_waiting",
	    "Requests waiting for a worker.", m->requests_waiting);
	histogram(o, "extproxy_queue_wait_seconds",
	    "Time a request waited for a worker (or for its 503), from when "
	    "its connection was ready, in whole milliseconds.",
	    metrics_wait_le, METRICS_WAIT_BUCKETS, m->wait_bucket,
	    m->wait_us_sum);
	family(o, "extproxy_unavailable_total", "counter",
	    "Requests answered 503 because extproxy was at a limit, by "
	    "reason (busy: no worker free within queue_timeout; "
	    "upstream_busy: the target's origin had max_per_host requests in "
	    "flight).");
	for (i = 0; i < sizeof(unavailable_reasons) /
	    sizeof(unavailable_reasons[0]); i++)
		outbuf_put(o, "extproxy_unavailable_total{reason=\"%s\"} %"
		    PRIu64 "\n", deny_name(unavailable_reasons[i]),
		    m->denials[unavailable_reasons[i]]);
}

/* The requests in flight per upstream origin, and their cap. */
static void
put_upstreams(struct outbuf *o, const struct metrics *m)
{
	gauge(o, "extproxy_upstream_max_per_host",
	    "Requests in flight to one upstream origin at most "
	    "([upstream] max_per_host; 0: no cap).", m->max_per_host);
	gauge(o, "extproxy_upstream_origins_in_flight",
	    "Upstream origins (scheme, host, port) with a request in flight, "
	    "counted under max_per_host.", m->upstream_origins);
	gauge(o, "extproxy_upstream_requests_in_flight",
	    "Requests in flight to upstream origins, counted under "
	    "max_per_host.", m->upstream_in_flight);
}

size_t
metrics_format(char *buf, size_t size, const struct metrics *m,
    const struct metrics_build *b)
{
	struct outbuf o = { buf, size, 0, false };
	size_t i, j;

	if (size == 0)
		return 0;

	family(&o, "extproxy_build_info", "gauge",
	    "Versions of extproxy and of the libraries it runs with.");
	outbuf_put(&o, "extproxy_build_info{version=\"");
	put_label_value(&o, b->version);
	outbuf_put(&o, "\",libcurl=\"");
	put_label_value(&o, b->libcurl);
	outbuf_put(&o, "\",libfcgi=\"");
	put_label_value(&o, b->libfcgi);
	outbuf_put(&o, "\"} 1\n");

	family(&o, "extproxy_requests_total", "counter",
	    "Requests served, by method and status class.");
	for (i = 0; i < METRICS_METHODS; i++)
		for (j = 0; j < METRICS_CLASSES; j++)
			outbuf_put(&o, "extproxy_requests_total{method=\"%s\","
			    "class=\"%s\"} %" PRIu64 "\n", method_label(i),
			    class_label[j], m->requests[i][j]);

	family(&o, "extproxy_denials_total", "counter",
	    "Requests extproxy refused, by reason.");
	for (i = 1; i < DENY_COUNT; i++)
		outbuf_put(&o, "extproxy_denials_total{reason=\"%s\"} %" PRIu64 "\n",
		    deny_name((enum deny)i), m->denials[i]);

	family(&o, "extproxy_timeouts_total", "counter",
	    "Upstream transfers ended by a deadline, by kind.");
	for (i = 1; i < TIMEOUT_COUNT; i++)
		outbuf_put(&o, "extproxy_timeouts_total{kind=\"%s\"} %" PRIu64 "\n",
		    timeout_name((enum timeout_kind)i), m->timeouts[i]);

	family(&o, "extproxy_upstream_connections_total", "counter",
	    "Upstream connections opened, and transfers that reused a "
	    "pooled one.");
	outbuf_put(&o, "extproxy_upstream_connections_total{result=\"opened\"} %"
	    PRIu64 "\n", m->conns_opened);
	outbuf_put(&o, "extproxy_upstream_connections_total{result=\"reused\"} %"
	    PRIu64 "\n", m->conns_reused);

	put_bodies(&o, m);

	histogram(&o, "extproxy_request_duration_seconds",
	    "Time from the start of a request to the end of its response.",
	    metrics_bucket_le, METRICS_BUCKETS, m->duration_bucket,
	    m->duration_us_sum);

	family(&o, "extproxy_config_reloads_total", "counter",
	    "Configuration reloads (SIGHUP), applied or refused.");
	outbuf_put(&o, "extproxy_config_reloads_total{result=\"ok\"} %" PRIu64 "\n",
	    m->reloads_ok);
	outbuf_put(&o, "extproxy_config_reloads_total{result=\"error\"} %" PRIu64
	    "\n", m->reloads_failed);
	gauge(&o, "extproxy_config_last_reload_successful",
	    "1 if the last reload was applied (or none was tried), else 0.",
	    m->last_reload_ok ? 1 : 0);

	put_pool(&o, m);
	put_upstreams(&o, m);

	return o.full ? 0 : o.len;
}
