/* SPDX-License-Identifier: ISC */
/*
 * upstream: one worker's HTTP client.  It keeps its curl handle and a
 * multi handle (and so its pool of keep-alive connections) for the
 * worker's whole life, sets them from the configuration, and keeps the
 * room its transfers (transfer.h) work in, and their spool file.  Never
 * reads proxy settings from the environment.
 */
#ifndef EXTPROXY_UPSTREAM_H
#define EXTPROXY_UPSTREAM_H

#include <curl/curl.h>
#include <stdbool.h>

#include "config.h"
#include "transfer.h"

/*
 * The worker's client.  Its fields are upstream.c's and transfer.c's;
 * everyone else uses the functions.
 */
struct upstream {
	const struct config	*cfg;		/* of the current request */
	unsigned long		 gen;		/* of the settings taken */
	unsigned long		 pool_gen;	/* live_pool_gen() of it */
	const char		*default_ca;	/* libcurl's own CA bundle */
	CURL			*easy;
	CURLM			*multi;
	CURLSH			*share;		/* DNS and TLS, shared */
	struct curl_slist	*resolve;	/* [upstream] resolve */
	bool			 refused;	/* a setting of cfg not taken */
	bool			 renew;		/* upstream_renew() refused */
	struct transfer		 t;		/* the callbacks' data */
	struct transfer_room	 room;
	int			 spool_fd;	/* spool.h, made when needed */
};

/*
 * A client set from cfg, or NULL (out of memory, or libcurl refused a
 * setting it needs, logged by the option's name): start-up stops.
 */
struct upstream	*upstream_new(const struct config *cfg, CURLSH *share);
/*
 * The configuration snapshot for the next request(s); when gen differs
 * from the last one, the handle settings are set again (the handle and
 * its pooled connections stay); when pool_gen (live_pool_gen()) differs,
 * the pooled connections are closed.  cfg must outlive its use.  If
 * libcurl refuses a setting, transfers fail with 500 until it is taken.
 */
void		 upstream_use(struct upstream *u, const struct config *cfg,
		    unsigned long gen, unsigned long pool_gen);
/*
 * After a fetch in which libcurl sent a request again on a new
 * connection (a pooled one was dead): reset the handle and set it up
 * again from u->cfg, its pool and caches kept.  libcurl (7.88 at least)
 * counts those retries over the handle's whole life, not per transfer,
 * and fails the sixth; a reset handle gives each fetch its five.  If
 * libcurl refuses a setting, transfers fail with 500 and the next
 * upstream_use() tries again.
 */
void		 upstream_renew(struct upstream *u);
void		 upstream_free(struct upstream *u);

/*
 * curl_easy_setopt(), a refusal logged with the option's name: true if
 * libcurl took the option.  extproxy relies on every option it sets,
 * some for its security, so none is set unchecked.
 */
#define upstream_setopt(e, opt, val)					\
	upstream_setopt_ok(curl_easy_setopt((e), (opt), (val)), #opt)
bool		 upstream_setopt_ok(CURLcode rc, const char *name);

#endif
