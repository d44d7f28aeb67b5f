/* SPDX-License-Identifier: ISC */
/*
 * wlist: the pool's lists of workers (pool.c), doubly linked through a
 * link of each worker's own, so that a worker goes on or off a list in
 * constant time.  Pure: no lock (the pool's guards every list), no
 * allocation; never looks at a worker beyond its links.
 */
#ifndef EXTPROXY_WLIST_H
#define EXTPROXY_WLIST_H

struct worker;

/* Which of a worker's links a list goes through. */
enum wlist_at {
	WL_IDLE,
	WL_FINISHING,
	WL_RECENT,
	WL_COUNT
};

struct wlink {
	struct worker		*prev, *next;
};

/* A list of workers through their link[at], most recently added first. */
struct wlist {
	struct worker		*head;
	enum wlist_at		 at;
};

/* w onto the front of l. */
void	wlist_push(struct wlist *l, struct worker *w);
/* w, which is on l, off it. */
void	wlist_remove(struct wlist *l, struct worker *w);

#endif
