/* SPDX-License-Identifier: ISC */
/*
 * hostcap: requests in flight per upstream origin.
 *
 * A fixed array of buckets, each with its own mutex and a list of the
 * origins that hash to it and have a request in flight; an origin's
 * entry is made by its first request and freed by its last, both under
 * its bucket's lock.  So two requests wait for each other only when
 * their origins share one of HOSTCAP_BUCKETS buckets, and only for a
 * few comparisons; there is no lock over the whole table.  Origins are
 * compared whole (scheme, host, port), never by their hash alone, so no
 * two ever share a count.  There are never more entries than requests
 * in flight (at most [server] max_workers), so the table cannot fill:
 * the only way to fail is an entry that cannot be allocated, and that
 * request is refused (HOSTCAP_NOMEM), never let through uncounted.
 */
#include "autoconf.h"

#include "hostcap.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define HOSTCAP_BUCKETS	256	/* a power of two */

struct hostcap_entry {
	struct hostcap_entry	*next;
	uint64_t		 hash;
	long			 port;
	long			 n;		/* requests in flight */
	unsigned		 bucket;
	size_t			 scheme_len;
	char			 key[];		/* scheme '\0' host '\0' */
};

static struct bucket {
	pthread_mutex_t		 lock;
	struct hostcap_entry	*head;
} buckets[HOSTCAP_BUCKETS];

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void
init(void)
{
	size_t i;

	for (i = 0; i < HOSTCAP_BUCKETS; i++)
		pthread_mutex_init(&buckets[i].lock, NULL);
}

/* FNV-1a over the bytes of s, and the 0 that ends it. */
static uint64_t
fnv(uint64_t h, const char *s)
{
	do {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	} while (*s++ != '\0');
	return h;
}

static uint64_t
origin_hash(const char *scheme, const char *host, long port)
{
	uint64_t h = fnv(0xcbf29ce484222325ULL, scheme);

	h = fnv(h, host);
	h ^= (uint64_t)port;
	h *= 0x100000001b3ULL;
	/* fold the high bits, which FNV mixes best, into the low ones */
	return h ^ (h >> 32);
}

static bool
same_origin(const struct hostcap_entry *e, uint64_t hash, const char *scheme,
    const char *host, long port)
{
	return e->hash == hash && e->port == port &&
	    strcmp(e->key, scheme) == 0 &&
	    strcmp(e->key + e->scheme_len + 1, host) == 0;
}

static struct hostcap_entry *
entry_new(uint64_t hash, const char *scheme, const char *host, long port,
    unsigned bucket)
{
	struct hostcap_entry *e;
	size_t slen = strlen(scheme), hlen = strlen(host);

	if ((e = malloc(sizeof(*e) + slen + hlen + 2)) == NULL)
		return NULL;
	e->next = NULL;
	e->hash = hash;
	e->port = port;
	e->n = 0;
	e->bucket = bucket;
	e->scheme_len = slen;
	memcpy(e->key, scheme, slen + 1);
	memcpy(e->key + slen + 1, host, hlen + 1);
	return e;
}

enum hostcap_result
hostcap_acquire(struct hostcap_hold *h, const char *scheme, const char *host,
    long port, long cap)
{
	struct hostcap_entry *e;
	struct bucket *b;
	enum hostcap_result rc = HOSTCAP_OK;
	uint64_t hash;
	unsigned i;

	h->e = NULL;
	if (cap <= 0)
		return HOSTCAP_OK;
	pthread_once(&once, init);
	hash = origin_hash(scheme, host, port);
	i = (unsigned)(hash & (HOSTCAP_BUCKETS - 1));
	b = &buckets[i];
	pthread_mutex_lock(&b->lock);
	for (e = b->head; e != NULL; e = e->next)
		if (same_origin(e, hash, scheme, host, port))
			break;
	if (e == NULL && (e = entry_new(hash, scheme, host, port, i)) != NULL) {
		e->next = b->head;
		b->head = e;
	}
	if (e == NULL)
		rc = HOSTCAP_NOMEM;
	else if (e->n >= cap)
		rc = HOSTCAP_BUSY;	/* never 0: e is in flight */
	else {
		e->n++;
		h->e = e;
	}
	pthread_mutex_unlock(&b->lock);
	return rc;
}

void
hostcap_release(struct hostcap_hold *h)
{
	struct hostcap_entry *e = h->e, **p;
	struct bucket *b;

	if (e == NULL)
		return;
	h->e = NULL;
	b = &buckets[e->bucket];
	pthread_mutex_lock(&b->lock);
	if (--e->n == 0) {
		for (p = &b->head; *p != e; p = &(*p)->next)
			continue;
		*p = e->next;
		free(e);
	}
	pthread_mutex_unlock(&b->lock);
}

void
hostcap_read(uint64_t *origins, uint64_t *requests)
{
	const struct hostcap_entry *e;
	size_t i;

	*origins = 0;
	*requests = 0;
	pthread_once(&once, init);
	for (i = 0; i < HOSTCAP_BUCKETS; i++) {
		pthread_mutex_lock(&buckets[i].lock);
		for (e = buckets[i].head; e != NULL; e = e->next) {
			(*origins)++;
			*requests += (uint64_t)e->n;
		}
		pthread_mutex_unlock(&buckets[i].lock);
	}
}
