/* SPDX-License-Identifier: ISC */
/*
 * proxy: the request pipeline, from params to access log and counters,
 * and the metrics endpoint beside it.
 */
#include "autoconf.h"

#include "proxy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "allow.h"
#include "headers.h"
#include "hostcap.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "overload.h"
#include "params.h"
#include "reply.h"
#include "request.h"
#include "stats.h"
#include "target.h"
#include "transfer.h"

static int
add_line(void *arg, const char *line)
{
	struct curl_slist **list = arg, *l;

	if ((l = curl_slist_append(*list, line)) == NULL)
		return -1;
	*list = l;
	return 0;
}

/* The upstream request headers; -1 with *why for a bad client header. */
static int
build_headers(const struct client *c, const struct request *r,
    const struct config *cfg, struct curl_slist **list, const char **why)
{
	*list = NULL;
	if (request_headers(c->envp, &cfg->strip_request, add_line, list,
	    why) == -1)
		return -1;
	/*
	 * With a body: no "Expect: 100-continue" round trip, no curl-made
	 * Content-Type.  Without one, curl sends neither, and every line
	 * here costs curl a look at each header it might add.
	 */
	if (r->has_body && (add_line(list, "Expect:") == -1 ||
	    (!r->has_content_type && add_line(list, "Content-Type:") == -1))) {
		*why = "out of memory";
		return -1;
	}
	return 0;
}

static double
elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static void
access_log(const struct config *cfg, const char *method,
    const struct target *t, const struct fetch *f,
    const struct timespec *wall, const struct timespec *t0)
{
	struct access_entry e = {
		.start = *wall, .method = method, .status = f->status,
		.bytes_in = f->bytes_up, .bytes_out = f->bytes_down,
		.reused = f->reused, .aborted = f->aborted, .deny = f->deny,
		.timeout = f->timeout, .reason = f->reason,
	};
	/*
	 * A long full_url path is cut at about 1000 bytes, so a text line
	 * fits log_msg()'s 2 KiB and a JSON line log_line()'s 4 KiB, and
	 * the fields after the target are never lost.
	 */
	char where[1024], line[4096];
	char *query = NULL;
	size_t n;

	if (!cfg->access_log)
		return;
	if (cfg->log_full_url && t->url != NULL &&
	    curl_url_get(t->url, CURLUPART_QUERY, &query, 0) != CURLUE_OK)
		query = NULL;
	access_target(where, sizeof(where), t->scheme, t->host, t->port,
	    t->path, query != NULL, cfg->log_full_url);
	curl_free(query);
	e.target = where;
	e.ms = elapsed_ms(t0);
	n = access_format(line, sizeof(line), &e, cfg->log_format);
	if (cfg->log_format == LOG_FORMAT_JSON)
		log_line(LOG_LEVEL_INFO, line, n);
	else
		log_info("access: %s", line);
}

static void
count(const struct request *r, const struct fetch *f,
    const struct timespec *t0)
{
	struct stats_request s = {
		.method = r->method_name != NULL ? (int)r->method : -1,
		.status = f->status, .deny = f->deny, .timeout = f->timeout,
		.bytes_in = f->bytes_up, .bytes_out = f->bytes_down,
		.spooled = f->spooled, .spool_failed = f->spool_failed,
		.seconds = elapsed_ms(t0) / 1e3,
		.conns_opened = f->conns_opened, .reused = f->reused,
	};

	stats_request(&s);
}

/*
 * Is this a scrape of [metrics] path?  A well-formed GET without a
 * target whose SCRIPT_NAME followed by PATH_INFO (CGI/1.1; the decoded
 * path, without the query) is exactly that path.
 */
static bool
is_metrics_request(char *const *envp, const struct request *r,
    const char *path)
{
	const char *script, *info;
	size_t n;

	if (path == NULL || r->method != METHOD_GET || r->target != NULL)
		return false;
	if ((script = param_get(envp, "SCRIPT_NAME")) == NULL)
		script = "";
	if ((info = param_get(envp, "PATH_INFO")) == NULL)
		info = "";
	n = strlen(script);
	return strncmp(path, script, n) == 0 && strcmp(path + n, info) == 0;
}

#define METRICS_MAX	(64 * 1024)

static void
serve_metrics(struct client *c)
{
	const struct metrics_build b = {
		.version = PACKAGE_VERSION,
		.libcurl = curl_version_info(CURLVERSION_NOW)->version,
		.libfcgi = FCGI_VERSION_BUILT,
	};
	struct metrics m;
	char *body;
	size_t blen;

	if ((body = malloc(METRICS_MAX)) == NULL) {
		reply_error(c, 500, "out of memory", NULL);
		return;
	}
	stats_read(&m);
	if ((blen = metrics_format(body, METRICS_MAX, &m, &b)) == 0) {
		free(body);
		reply_error(c, 500, "metrics too large", NULL);
		return;
	}
	reply_body(c, METRICS_CONTENT_TYPE, body, blen);
	c->flush(c);
	free(body);
}

/* Refuse the request with our own status before any upstream work. */
static void
refuse(struct client *c, struct fetch *f, int status, enum deny kind,
    const char *why)
{
	char allow[128];

	f->status = status;
	f->deny = kind;
	f->reason = why;
	if (status == 503)
		overload_reply(c, kind);
	else
		reply_error(c, status, why, status == 405 ?
		    method_allow(allow, sizeof(allow)) : NULL);
}

/*
 * Count the request against its origin's [upstream] max_per_host, into
 * h; false after refusing it (503) when that many are in flight.  Only
 * the origin the client named is counted: a redirect followed to
 * another one is part of the same request.
 */
static bool
admit(struct client *c, struct fetch *f, struct hostcap_hold *h,
    const struct config *cfg)
{
	const struct target *t = f->target;

	switch (hostcap_acquire(h, t->scheme, t->host, t->port,
	    cfg->max_per_host)) {
	case HOSTCAP_OK:
		return true;
	case HOSTCAP_BUSY:
		refuse(c, f, 503, DENY_UPSTREAM_BUSY,
		    overload_reason(DENY_UPSTREAM_BUSY));
		return false;
	default:
		refuse(c, f, 500, DENY_NONE, "out of memory");
		return false;
	}
}

void
proxy_serve(struct client *c, struct upstream *u, const struct config *cfg)
{
	struct request r;
	struct target t = { 0 };
	struct fetch f = { 0 };
	struct hostcap_hold hold = { 0 };
	struct timespec t0, wall;
	const char *why;
	int status;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	clock_gettime(CLOCK_REALTIME, &wall);
	status = request_parse(c->envp, &r, &why);
	if (status == 0 && is_metrics_request(c->envp, &r, cfg->metrics_path)) {
		serve_metrics(c);
		return;
	}
	f.client = c;
	f.req = &r;
	f.target = &t;
	if (status != 0) {
		refuse(c, &f, status, status == 405 ? DENY_METHOD :
		    status == 500 ? DENY_NONE : DENY_REQUEST, why);
		goto done;
	}
	if (target_parse(r.target, &t, &why) == -1) {
		refuse(c, &f, 400, DENY_TARGET, why);
		goto done;
	}
	if (!allowlist_match(&cfg->allow, t.scheme, t.host, t.port, t.path)) {
		refuse(c, &f, 403, DENY_ALLOWLIST, "target not allowed");
		goto done;
	}
	if (r.content_length > cfg->max_request_body) {
		refuse(c, &f, 413, DENY_REQUEST_SIZE,
		    "request body too large");
		goto done;
	}
	if (build_headers(c, &r, cfg, &f.headers, &why) == -1) {
		refuse(c, &f, 400, DENY_REQUEST, why);
		goto done;
	}
	if (admit(c, &f, &hold, cfg))
		transfer_fetch(u, &f);
done:
	hostcap_release(&hold);
	access_log(cfg, r.method_name != NULL ? r.method_name :
	    param_get(c->envp, "REQUEST_METHOD"), &t, &f, &wall, &t0);
	count(&r, &f, &t0);
	curl_slist_free_all(f.headers);
	target_free(&t);
}
