/*
 * upstream: one worker's HTTP client.  It keeps its curl handle and a
 * multi handle (and so its pool of keep-alive connections) for the
 * worker's whole life, runs one transfer at a time with precise connect,
 * response-header, idle and total deadlines, checks every address it
 * connects to and the peer of every request, pooled connections
 * included, and streams the response to the client as it arrives.
 * Never follows a redirect unless [redirects] mode = follow, and then
 * only to targets that pass the allowlist; never reads proxy settings
 * from the environment.
 */
#ifndef EXTPROXY_UPSTREAM_H
#define EXTPROXY_UPSTREAM_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stdint.h>

#include "client.h"
#include "config.h"
#include "outcome.h"
#include "request.h"
#include "target.h"

struct upstream;

struct fetch {
	/* in */
	struct client		*client;
	const struct request	*req;
	struct target		*target;	/* replaced when following */
	struct curl_slist	*headers;	/* request headers to send */
	/* out */
	int			 status;	/* what the client got */
	int64_t			 bytes_up;	/* request body bytes sent */
	int64_t			 bytes_down;	/* response body bytes relayed */
	bool			 reused;	/* upstream connection was reused */
	bool			 aborted;	/* response cut short after headers */
	const char		*reason;	/* why extproxy chose the status */
	enum deny		 deny;		/* a refusal, and its kind */
	enum timeout_kind	 timeout;	/* a deadline that ended it */
	long			 conns_opened;	/* new upstream connections */
};

struct upstream	*upstream_new(const struct config *cfg, CURLSH *share);
/*
 * The configuration snapshot for the next request(s); when gen differs
 * from the last one, the handle settings are set again (the handle and
 * its pooled connections stay); when pool_gen (live_pool_gen()) differs,
 * the pooled connections are closed.  cfg must outlive its use.
 */
void		 upstream_use(struct upstream *u, const struct config *cfg,
		    unsigned long gen, unsigned long pool_gen);
void		 upstream_free(struct upstream *u);
/* Run the request; always leaves a complete (or aborted) response. */
void		 upstream_fetch(struct upstream *u, struct fetch *f);

#endif
