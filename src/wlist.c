/* SPDX-License-Identifier: ISC */
/*
 * wlist: the pool's lists of workers, through the workers' own links.
 */
#include "autoconf.h"

#include "wlist.h"

#include <stddef.h>

#include "worker.h"

void
wlist_push(struct wlist *l, struct worker *w)
{
	w->link[l->at].prev = NULL;
	w->link[l->at].next = l->head;
	if (l->head != NULL)
		l->head->link[l->at].prev = w;
	l->head = w;
}

void
wlist_remove(struct wlist *l, struct worker *w)
{
	struct wlink *k = &w->link[l->at];

	if (k->prev != NULL)
		k->prev->link[l->at].next = k->next;
	else
		l->head = k->next;
	if (k->next != NULL)
		k->next->link[l->at].prev = k->prev;
	k->prev = k->next = NULL;
}
