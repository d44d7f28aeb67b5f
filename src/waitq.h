/* SPDX-License-Identifier: ISC */
/*
 * waitq: the FastCGI connections waiting for a worker, oldest first,
 * each with the time it became ready.  A ring that grows as needed.
 * Pure: no lock (its owner's lock guards it), no clock, no I/O; never
 * closes a connection it holds.
 */
#ifndef EXTPROXY_WAITQ_H
#define EXTPROXY_WAITQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct waitq_item {
	int	 fd;
	bool	 kept;		/* came back from the kept connections */
	int64_t	 since;		/* ready since (now_ms()) */
	/*
	 * The read and write timeout in force on fd (ms): 0 for none, as
	 * on a new connection; -1 if not known.  Set once per connection
	 * and again only when it changes, not per request.
	 */
	long	 io_ms;
};

struct waitq {
	struct waitq_item	*v;
	size_t			 head;	/* index of the oldest */
	size_t			 len;
	size_t			 cap;
};

/* Append it: 0, or -1 when out of memory (q unchanged). */
int	waitq_push(struct waitq *q, const struct waitq_item *it);
/* Take the oldest into *it: false when q is empty. */
bool	waitq_pop(struct waitq *q, struct waitq_item *it);
/* The oldest, left in q; NULL when q is empty. */
const struct waitq_item *waitq_peek(const struct waitq *q);
/*
 * How many in q were ready (since) by time t; the items must have been
 * pushed in the order of their since.
 */
size_t	waitq_ready_by(const struct waitq *q, int64_t t);
/* Free q's memory (the connections in it are the caller's). */
void	waitq_free(struct waitq *q);

#endif
