/* SPDX-License-Identifier: ISC */
/*
 * waitq: a FIFO ring of waiting connections.
 */
#include "autoconf.h"

#include "waitq.h"

#include <stdlib.h>

int
waitq_push(struct waitq *q, const struct waitq_item *it)
{
	struct waitq_item *v;
	size_t cap, i;

	if (q->len == q->cap) {
		cap = q->cap == 0 ? 64 : q->cap * 2;
		if ((v = calloc(cap, sizeof(*v))) == NULL)
			return -1;
		/* unwrapped, oldest first */
		for (i = 0; i < q->len; i++)
			v[i] = q->v[(q->head + i) % q->cap];
		free(q->v);
		q->v = v;
		q->cap = cap;
		q->head = 0;
	}
	q->v[(q->head + q->len) % q->cap] = *it;
	q->len++;
	return 0;
}

bool
waitq_pop(struct waitq *q, struct waitq_item *it)
{
	if (q->len == 0)
		return false;
	*it = q->v[q->head];
	q->head = (q->head + 1) % q->cap;
	q->len--;
	return true;
}

const struct waitq_item *
waitq_peek(const struct waitq *q)
{
	return q->len == 0 ? NULL : &q->v[q->head];
}

size_t
waitq_ready_by(const struct waitq *q, int64_t t)
{
	size_t lo = 0, hi = q->len, mid;

	/* the first one ready after t, by bisection: they are in order */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (q->v[(q->head + mid) % q->cap].since <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void
waitq_free(struct waitq *q)
{
	free(q->v);
	q->v = NULL;
	q->head = q->len = q->cap = 0;
}
