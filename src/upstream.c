/* SPDX-License-Identifier: ISC */
/*
 * upstream: the worker's HTTP client, as long as the worker lives: one
 * easy handle inside one multi handle, which owns the connection pool,
 * so keep-alive connections outlive FastCGI requests; its settings from
 * the configuration, set again after a reload that changed them; the
 * [upstream] resolve pins; the pool closed when the address policy,
 * resolve or proxy changed.  The transfers it runs are transfer.c's.
 */
#include "autoconf.h"

#include "upstream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/*
 * [upstream] resolve as a CURLOPT_RESOLVE list, built once per worker
 * and again after a reload that changed the configuration.
 * Entries for the same name and port become one "name:port:a1,a2" line:
 * curl keeps only the last line for a name and port.
 */
static int
build_resolve(const struct strlist *in, struct curl_slist **out)
{
	struct curl_slist *l, *list = NULL;
	char *line;
	size_t i, j, klen;
	bool first;

	*out = NULL;
	for (i = 0; i < in->n; i++) {
		/* "name:port:" is the key: config.c checked both colons */
		klen = (size_t)(strchr(strchr(in->v[i], ':') + 1, ':') -
		    in->v[i]) + 1;
		for (j = 0, first = true; j < i; j++)
			if (strncmp(in->v[j], in->v[i], klen) == 0)
				first = false;
		if (!first)
			continue;
		if ((line = strdup(in->v[i])) == NULL)
			goto fail;
		for (j = i + 1; j < in->n; j++) {
			char *longer;

			if (strncmp(in->v[j], in->v[i], klen) != 0)
				continue;
			if (asprintf(&longer, "%s,%s", line, in->v[j] + klen) == -1) {
				free(line);
				goto fail;
			}
			free(line);
			line = longer;
		}
		l = curl_slist_append(list, line);
		free(line);
		if (l == NULL)
			goto fail;
		list = l;
	}
	*out = list;
	return 0;
fail:
	curl_slist_free_all(list);
	return -1;
}

/*
 * Pin the names of [upstream] resolve; the address policy still applies
 * to the addresses they give.  Pins stay in the shared DNS cache until
 * removed, so the names pinned before a reload are unpinned first
 * ("-name:port" entries, which curl applies in order).
 */
static int
set_resolve(struct upstream *u, const struct config *cfg)
{
	struct curl_slist *list = NULL, *add, *l, *old;
	char *line;
	const char *colon;

	for (old = u->resolve; old != NULL; old = old->next) {
		if (old->data[0] == '-')
			continue;
		colon = strchr(strchr(old->data, ':') + 1, ':');
		if (asprintf(&line, "-%.*s", (int)(colon - old->data),
		    old->data) == -1)
			goto fail;
		l = curl_slist_append(list, line);
		free(line);
		if (l == NULL)
			goto fail;
		list = l;
	}
	if (build_resolve(&cfg->resolve, &add) == -1)
		goto fail;
	for (l = add; l != NULL; l = l->next) {
		struct curl_slist *n = curl_slist_append(list, l->data);

		if (n == NULL) {
			curl_slist_free_all(add);
			goto fail;
		}
		list = n;
	}
	curl_slist_free_all(add);
	if (!upstream_setopt(u->easy, CURLOPT_RESOLVE, list)) {
		curl_slist_free_all(list);
		return -1;
	}
	curl_slist_free_all(u->resolve);
	u->resolve = list;
	return 0;
fail:
	curl_slist_free_all(list);
	log_error("out of memory: [upstream] resolve not applied");
	return 0;
}

/* The share of the pool this worker keeps open. */
static int
set_pool_size(struct upstream *u, const struct config *cfg)
{
	long pool = cfg->max_connections / cfg->workers;
	CURLMcode rc;

	rc = curl_multi_setopt(u->multi, CURLMOPT_MAXCONNECTS,
	    pool > 0 ? pool : 1L);
	if (rc == CURLM_OK)
		return 0;
	log_error("libcurl refused CURLMOPT_MAXCONNECTS: %s",
	    curl_multi_strerror(rc));
	return -1;
}

/*
 * Close every pooled connection: the multi handle owns the pool, so a
 * new one replaces it.  On failure the old pool stays (and on_prereq()
 * still judges each of its connections); -1.
 */
static int
flush_pool(struct upstream *u, const struct config *cfg)
{
	CURLM *m;

	if ((m = curl_multi_init()) == NULL) {
		log_error("out of memory: pooled upstream connections kept");
		return -1;
	}
	curl_multi_cleanup(u->multi);
	u->multi = m;
	/* the pool is closed even if its size is refused (logged) */
	(void)set_pool_size(u, cfg);
	log_debug("closed the pooled upstream connections: [network] or "
	    "[upstream] resolve or proxy changed");
	return 0;
}

bool
upstream_setopt_ok(CURLcode rc, const char *name)
{
	if (rc == CURLE_OK)
		return true;
	log_error("libcurl refused %s: %s", name, curl_easy_strerror(rc));
	return false;
}

/*
 * The handle settings that come from the configuration.  Set again
 * only when a reload changed the snapshot: the handle, its multi handle
 * and so the pooled connections stay.  libcurl reuses a pooled
 * connection only when its proxy and TLS settings still match.
 * "" as the proxy disables proxies, including http_proxy & co. in the
 * environment.  reuse = off is for benchmarking only: a new connection
 * and handshake each time.  -1 if libcurl refused a setting.
 */
static int
apply_config(struct upstream *u, const struct config *cfg)
{
	const char *ca = cfg->ca_file != NULL ? cfg->ca_file : u->default_ca;
	long maxage = cfg->pool_idle_ms >= 1000 ? cfg->pool_idle_ms / 1000 : 1L;
	CURL *e = u->easy;

	if (set_pool_size(u, cfg) == -1 ||
	    !upstream_setopt(e, CURLOPT_PROXY,
	    cfg->proxy != NULL ? cfg->proxy : "") ||
	    !upstream_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, cfg->connect_ms) ||
	    !upstream_setopt(e, CURLOPT_MAXAGE_CONN, maxage) ||
	    !upstream_setopt(e, CURLOPT_SSL_VERIFYPEER,
	    cfg->verify_tls ? 1L : 0L) ||
	    !upstream_setopt(e, CURLOPT_SSL_VERIFYHOST,
	    cfg->verify_tls ? 2L : 0L) ||
	    (ca != NULL && !upstream_setopt(e, CURLOPT_CAINFO, ca)) ||
	    set_resolve(u, cfg) == -1 ||
	    !upstream_setopt(e, CURLOPT_FRESH_CONNECT, cfg->reuse ? 0L : 1L) ||
	    !upstream_setopt(e, CURLOPT_FORBID_REUSE, cfg->reuse ? 0L : 1L) ||
	    !upstream_setopt(e, CURLOPT_SSL_SESSIONID_CACHE,
	    cfg->reuse ? 1L : 0L))
		return -1;
	return 0;
}

/* The settings that never change, and the transfer's callbacks. */
static int
set_fixed(struct upstream *u, CURLSH *share)
{
	CURL *e = u->easy;

	if (!upstream_setopt(e, CURLOPT_NOSIGNAL, 1L) ||
	    !upstream_setopt(e, CURLOPT_SHARE, share) ||
	    !upstream_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") ||
	    !upstream_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") ||
	    !upstream_setopt(e, CURLOPT_FOLLOWLOCATION, 0L) ||
	    !upstream_setopt(e, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L) ||
	    !upstream_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L) ||
	    !upstream_setopt(e, CURLOPT_BUFFERSIZE, 65536L))
		return -1;
	return transfer_bind(u);
}

struct upstream *
upstream_new(const struct config *cfg, CURLSH *share)
{
	struct upstream *u;

	if ((u = calloc(1, sizeof(*u))) == NULL)
		return NULL;
	u->cfg = cfg;
	u->share = share;
	u->spool_fd = -1;
	if ((u->easy = curl_easy_init()) == NULL ||
	    (u->multi = curl_multi_init()) == NULL) {
		upstream_free(u);
		return NULL;
	}
	/* to return to it when a reload empties [upstream] ca_file */
	if (curl_easy_getinfo(u->easy, CURLINFO_CAINFO,
	    &u->default_ca) != CURLE_OK)
		u->default_ca = NULL;
	if (set_fixed(u, share) == -1 || apply_config(u, cfg) == -1) {
		log_error("cannot set up the upstream client: libcurl "
		    "refused a setting it needs");
		upstream_free(u);
		return NULL;
	}
	return u;
}

void
upstream_use(struct upstream *u, const struct config *cfg, unsigned long gen,
    unsigned long pool_gen)
{
	u->cfg = cfg;
	/* on the first request, nothing is pooled */
	if (u->pool_gen == 0)
		u->pool_gen = pool_gen;
	else if (pool_gen != u->pool_gen && flush_pool(u, cfg) == 0)
		u->pool_gen = pool_gen;
	if (u->renew) {
		upstream_renew(u);
		if (!u->refused)
			u->gen = gen;
		return;
	}
	if (gen == u->gen)
		return;
	/* a setting refused: requests fail, the next one tries again */
	u->refused = apply_config(u, cfg) == -1;
	if (u->refused) {
		log_error("libcurl refused a setting of the new configuration: "
		    "requests fail until it applies");
		return;
	}
	u->gen = gen;
}

void
upstream_renew(struct upstream *u)
{
	curl_easy_reset(u->easy);
	u->refused = set_fixed(u, u->share) == -1 ||
	    apply_config(u, u->cfg) == -1;
	u->renew = u->refused;
	if (u->refused)
		log_error("libcurl refused a setting when the handle was set "
		    "up again: requests fail until it applies");
}

void
upstream_free(struct upstream *u)
{
	if (u == NULL)
		return;
	if (u->easy != NULL)
		curl_easy_cleanup(u->easy);
	if (u->multi != NULL)
		curl_multi_cleanup(u->multi);
	curl_slist_free_all(u->resolve);
	if (u->spool_fd != -1)
		close(u->spool_fd);
	free(u);
}
