/* SPDX-License-Identifier: ISC */
/*
 * overload: the answer to a request extproxy has no room for: a 503
 * with Retry-After and a short text body naming the reason, before any
 * upstream work.  Never reads the request body, never echoes the
 * request.
 */
#ifndef EXTPROXY_OVERLOAD_H
#define EXTPROXY_OVERLOAD_H

#include "client.h"
#include "config.h"
#include "outcome.h"

/* Seconds a client is told to wait before trying again. */
#define OVERLOAD_RETRY_AFTER	"Retry-After: 1"

/*
 * The 503 for reason why (DENY_BUSY, DENY_UPSTREAM_BUSY: an overload
 * reason of outcome.h): 0, or -1 when the client is gone.
 */
int	overload_reply(struct client *c, enum deny why);
/* Its reason, for the body and the access log: fixed text. */
const char	*overload_reason(enum deny why);
/*
 * A request that waited longer than [server] queue_timeout for a
 * worker: the 503, its access log line (deny=busy) and its counters.
 * waited_ms: since its connection was ready.
 */
void	overload_busy(struct client *c, const struct config *cfg,
	    double waited_ms);

#endif
