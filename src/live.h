/* SPDX-License-Identifier: ISC */
/*
 * live: the running configuration as immutable, reference-counted
 * snapshots.  A worker takes a reference at the start of each request
 * and drops it at the end, so a request sees one configuration from
 * start to end; a reload (SIGHUP) swaps in a new snapshot for every
 * request that starts afterwards, and the old one is freed when its
 * last request ends.  Never modifies a published snapshot.
 */
#ifndef EXTPROXY_LIVE_H
#define EXTPROXY_LIVE_H

#include "config.h"

/* Publish *c as the first snapshot (takes over its memory). */
int			 live_init(struct config *c);
/* The current snapshot, referenced; *gen (if not NULL) numbers it. */
const struct config	*live_acquire(unsigned long *gen);
/*
 * Numbers what pooled upstream connections depend on in the referenced
 * snapshot c: it changes only with a reload that changes [network]
 * allow or deny, or [upstream] resolve or proxy.
 */
unsigned long		 live_pool_gen(const struct config *c);
void			 live_release(const struct config *c);
/* Drop the process's own reference (at exit). */
void			 live_shutdown(void);
/*
 * Re-read path; on success publish it (keeping the keys that need a
 * restart) and return 0; on any error keep the running one and return
 * -1.  Every outcome is logged.
 */
int			 live_reload(const char *path);

#endif
