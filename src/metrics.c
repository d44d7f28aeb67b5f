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

static const char *const class_label[METRICS_CLASSES] = {
	"1xx", "2xx", "3xx", "4xx", "5xx"
};

static const char *
method_label(size_t i)
{
	return i == METRICS_METHOD_OTHER ? "other" : method_name((enum method)i);
}

size_t
metrics_bucket(double seconds)
{
	size_t i;

	for (i = 0; i < METRICS_BUCKETS; i++)
		if (seconds <= metrics_bucket_le[i])
			return i;
	return METRICS_BUCKETS;
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

/* The body byte counters, and the request bodies' copies. */
static void
put_bodies(struct outbuf *o, const struct metrics *m)
{
	family(o, "extproxy_request_body_bytes_total", "counter",
	    "Request body bytes read from clients and sent upstream.");
	outbuf_put(o, "extproxy_request_body_bytes_total %" PRIu64 "\n",
	    m->bytes_in);
	family(o, "extproxy_response_body_bytes_total", "counter",
	    "Response body bytes relayed to clients.");
	outbuf_put(o, "extproxy_response_body_bytes_total %" PRIu64 "\n",
	    m->bytes_out);
	family(o, "extproxy_request_body_spooled_bytes_total", "counter",
	    "Request body bytes copied to [server] temp_dir, to be sent "
	    "again if an upstream connection is lost.");
	outbuf_put(o, "extproxy_request_body_spooled_bytes_total %" PRIu64
	    "\n", m->spooled);
	family(o, "extproxy_request_body_spool_failures_total", "counter",
	    "Request bodies whose copy in [server] temp_dir could not be "
	    "made or written (each streamed on without one).");
	outbuf_put(o, "extproxy_request_body_spool_failures_total %" PRIu64
	    "\n", m->spool_failures);
}

size_t
metrics_format(char *buf, size_t size, const struct metrics *m,
    const struct metrics_build *b)
{
	struct outbuf o = { buf, size, 0, false };
	uint64_t cum, count;
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

	family(&o, "extproxy_request_duration_seconds", "histogram",
	    "Time from the start of a request to the end of its response.");
	cum = 0;
	for (i = 0; i < METRICS_BUCKETS; i++) {
		cum += m->duration_bucket[i];
		outbuf_put(&o, "extproxy_request_duration_seconds_bucket{le=\"%g\"} %"
		    PRIu64 "\n", metrics_bucket_le[i], cum);
	}
	count = cum + m->duration_bucket[METRICS_BUCKETS];
	outbuf_put(&o, "extproxy_request_duration_seconds_bucket{le=\"+Inf\"} %"
	    PRIu64 "\n", count);
	outbuf_put(&o, "extproxy_request_duration_seconds_sum %" PRIu64 ".%06" PRIu64
	    "\n", m->duration_us_sum / 1000000, m->duration_us_sum % 1000000);
	outbuf_put(&o, "extproxy_request_duration_seconds_count %" PRIu64 "\n", count);

	family(&o, "extproxy_config_reloads_total", "counter",
	    "Configuration reloads (SIGHUP), applied or refused.");
	outbuf_put(&o, "extproxy_config_reloads_total{result=\"ok\"} %" PRIu64 "\n",
	    m->reloads_ok);
	outbuf_put(&o, "extproxy_config_reloads_total{result=\"error\"} %" PRIu64
	    "\n", m->reloads_failed);
	family(&o, "extproxy_config_last_reload_successful", "gauge",
	    "1 if the last reload was applied (or none was tried), else 0.");
	outbuf_put(&o, "extproxy_config_last_reload_successful %d\n",
	    m->last_reload_ok ? 1 : 0);

	return o.full ? 0 : o.len;
}
