/* SPDX-License-Identifier: ISC */
/*
 * hostcap: the requests in flight to each upstream origin (scheme, host
 * and port as the target names them), across every worker of the
 * process, held under a cap ([upstream] max_per_host).  Pure counting:
 * never does I/O, never logs, never reads the configuration (the
 * caller passes the cap in force), never keeps an origin with nothing
 * in flight.
 */
#ifndef EXTPROXY_HOSTCAP_H
#define EXTPROXY_HOSTCAP_H

#include <stdint.h>

struct hostcap_entry;

/* What one request holds; zero it before use.  NULL: nothing. */
struct hostcap_hold {
	struct hostcap_entry	*e;
};

enum hostcap_result {
	HOSTCAP_OK,		/* counted (or no cap): go on */
	HOSTCAP_BUSY,		/* the origin has cap requests in flight */
	HOSTCAP_NOMEM		/* no memory to count it: refuse */
};

/*
 * Count one more request in flight to scheme://host:port into h, unless
 * cap are already (cap 0: no cap, nothing counted, HOSTCAP_OK).  h must
 * hold nothing.  Only what the origin's bucket holds is locked, never
 * the table.
 */
enum hostcap_result	hostcap_acquire(struct hostcap_hold *h,
			    const char *scheme, const char *host, long port,
			    long cap);
/* Give back what h holds, if anything; h then holds nothing. */
void			hostcap_release(struct hostcap_hold *h);
/*
 * The origins with a request in flight, and those requests, now (each
 * bucket read under its own lock, so not one instant).
 */
void			hostcap_read(uint64_t *origins, uint64_t *requests);

#endif
