/*
 * upstream: one worker's HTTP client.  It keeps its curl handle and a
 * multi handle (and so its pool of keep-alive connections) for the
 * worker's whole life, sets them from the configuration, and keeps the
 * room its transfers (transfer.h) work in.  Never reads proxy settings
 * from the environment.
 */
#ifndef EXTPROXY_UPSTREAM_H
#define EXTPROXY_UPSTREAM_H

#include <curl/curl.h>

#include "config.h"
#include "transfer.h"

/*
 * The worker's client.  Its fields are upstream.c's and transfer.c's;
 * everyone else uses the functions.
 */
struct upstream {
	const struct config	*cfg;		/* of the current request */
	unsigned long		 gen;		/* snapshot the handle is set for */
	unsigned long		 pool_gen;	/* live_pool_gen() of the pool */
	const char		*default_ca;	/* libcurl's own CA bundle */
	CURL			*easy;
	CURLM			*multi;
	struct curl_slist	*resolve;	/* [upstream] resolve, for curl */
	struct transfer		 t;		/* the callbacks' data */
	struct transfer_room	 room;
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

#endif
