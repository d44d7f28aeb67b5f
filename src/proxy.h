/* SPDX-License-Identifier: ISC */
/*
 * proxy: serve one request: vet it (method, target, allowlist, size,
 * headers), hold a place under its origin's [upstream] max_per_host,
 * run the upstream transfer, write the access log line.
 * Everything the client sent is untrusted; error bodies never echo it.
 */
#ifndef EXTPROXY_PROXY_H
#define EXTPROXY_PROXY_H

#include "client.h"
#include "config.h"
#include "upstream.h"

void	proxy_serve(struct client *c, struct upstream *u,
	    const struct config *cfg);

#endif
