/* SPDX-License-Identifier: ISC */
/*
 * overload: 503s for requests extproxy has no room for.
 *
 * A busy refusal is written by a thread that is not a worker (pool.c),
 * so it logs and counts the request itself, as proxy.c does for the
 * requests it serves: the method, and the target's scheme, host and
 * port only (never its path or query), from the params.  A request over
 * [upstream] max_per_host is refused by its worker, and proxy.c logs
 * and counts it as any other.
 */
#include "autoconf.h"

#include "overload.h"

#include <time.h>

#include "access.h"
#include "log.h"
#include "params.h"
#include "reply.h"
#include "request.h"
#include "stats.h"
#include "target.h"

const char *
overload_reason(enum deny why)
{
	switch (why) {
	case DENY_BUSY:
		return "no worker free within queue_timeout";
	case DENY_UPSTREAM_BUSY:
		return "too many requests in flight to this upstream";
	default:
		return "overloaded";
	}
}

int
overload_reply(struct client *c, enum deny why)
{
	return reply_error(c, 503, overload_reason(why), OVERLOAD_RETRY_AFTER);
}

/* The start of a request that ended now after ms, on the wall clock. */
static struct timespec
started(double ms)
{
	struct timespec ts;
	long long ns;

	clock_gettime(CLOCK_REALTIME, &ts);
	ns = (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec -
	    (long long)(ms * 1e6);
	ts.tv_sec = (time_t)(ns / 1000000000LL);
	ts.tv_nsec = (long)(ns % 1000000000LL);
	return ts;
}

void
overload_busy(struct client *c, const struct config *cfg, double waited_ms)
{
	struct access_entry e = {
		.status = 503, .deny = DENY_BUSY, .ms = waited_ms,
		.reason = overload_reason(DENY_BUSY),
	};
	struct stats_request s = {
		.method = -1, .status = 503, .deny = DENY_BUSY,
		.seconds = waited_ms / 1e3,
	};
	struct request r;
	struct target t = { 0 };
	const char *why;
	char where[512], line[4096];
	size_t n;

	overload_reply(c, DENY_BUSY);
	if (request_parse(c->envp, &r, &why) == 0) {
		e.method = r.method_name;
		s.method = (int)r.method;
		if (r.target != NULL && target_parse(r.target, &t, &why) == 0) {
			access_target(where, sizeof(where), t.scheme, t.host,
			    t.port, NULL, false, false);
			e.target = where;
		}
	} else
		e.method = param_get(c->envp, "REQUEST_METHOD");
	stats_request(&s);
	if (cfg->access_log) {
		e.start = started(waited_ms);
		n = access_format(line, sizeof(line), &e, cfg->log_format);
		if (cfg->log_format == LOG_FORMAT_JSON)
			log_line(LOG_LEVEL_INFO, line, n);
		else
			log_info("access: %s", line);
	}
	target_free(&t);
}
