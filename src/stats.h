/* SPDX-License-Identifier: ISC */
/*
 * stats: the live counters of this process behind the metrics.  Every
 * update is a relaxed C11 atomic add, so workers never wait for each
 * other and no count is lost; a scrape reads them one by one (each
 * exact, the set not one instant).  Never allocates; an update never
 * blocks, and a scrape only for hostcap.c's bucket locks, each briefly.
 */
#ifndef EXTPROXY_STATS_H
#define EXTPROXY_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "metrics.h"
#include "outcome.h"

struct stats_request {
	int			 method;	/* enum method, or -1: other */
	int			 status;
	enum deny		 deny;
	enum timeout_kind	 timeout;
	int64_t			 bytes_in;
	int64_t			 bytes_out;
	int64_t			 spooled;	/* request body to temp_dir */
	bool			 spool_failed;
	double			 seconds;
	long			 conns_opened;
	bool			 reused;
};

void	stats_request(const struct stats_request *r);
/*
 * The worker pool as it is now: workers alive, of them busy, requests
 * waiting for one, and the ceiling (pool.c sets it as it changes).
 */
void	stats_pool(long live, long busy, long waiting, long max);
/* A worker started; a worker retired. */
void	stats_worker_started(void);
void	stats_worker_retired(void);
/* A request waited this long for a worker, or for its 503. */
void	stats_queue_wait(double seconds);
/* [upstream] max_per_host as a configuration now sets it. */
void	stats_max_per_host(long cap);
/* A configuration reload, and whether it was applied. */
void	stats_reload(bool ok);
/*
 * Copy every counter into m, and the requests in flight per upstream
 * origin (hostcap.h: the one read that takes locks, each briefly).
 */
void	stats_read(struct metrics *m);

#endif
