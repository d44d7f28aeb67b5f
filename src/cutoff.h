/* SPDX-License-Identifier: ISC */
/*
 * cutoff: total deadlines on reading a FastCGI connection.  One thread
 * watches a slot per thread that reads requests (numbered up front for
 * as many as may ever run; only those used are looked at) and, when a
 * slot's deadline passes, shuts the reading side of its connection
 * down: a read blocked in libfcgi returns at once and no later read
 * waits, so a peer that sends one byte just inside [timeouts] idle,
 * again and again, cannot hold a worker past the deadline.  Never
 * reads, writes or closes a connection of the worker's: it cuts through
 * its own duplicate of the descriptor, so a cut can never reach a
 * connection that reused the number.
 */
#ifndef EXTPROXY_CUTOFF_H
#define EXTPROXY_CUTOFF_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* CLOCK_MONOTONIC in milliseconds: the clock of every deadline. */
int64_t	now_ms(void);
/* Time at on that clock, as pthread_cond_timedwait() takes it. */
struct timespec	ms_timespec(int64_t at);

/*
 * Slots 0 to n - 1 and the watching thread: 0, or -1 with errno.  The
 * thread looks only at slots up to the highest ever watched.
 */
int	cutoff_start(int n);
/* Stop the thread and free the slots, once no worker uses them. */
void	cutoff_stop(void);
/* Watch connection fd in slot i, with no deadline yet: 0 or -1. */
int	cutoff_watch(int i, int fd);
/*
 * Cut slot i's connection at time at (now_ms(); 0: never) with
 * shutdown(how): SHUT_RD while a response may still be written,
 * SHUT_RDWR when none will.  A cut connection stays cut.
 */
void	cutoff_set(int i, int64_t at, int how);
/* Has slot i's connection been cut? */
bool	cutoff_passed(int i);
/* Stop watching slot i; true if its connection was cut. */
bool	cutoff_unwatch(int i);

#endif
