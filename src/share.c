/* SPDX-License-Identifier: ISC */
/*
 * share: CURLSH for DNS and TLS sessions, one mutex per data kind.
 */
#include "autoconf.h"

#include "share.h"

#include <pthread.h>

static pthread_mutex_t locks[CURL_LOCK_DATA_LAST];

static void
share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *u)
{
	(void)h;
	(void)access;
	(void)u;
	pthread_mutex_lock(&locks[data]);
}

static void
share_unlock(CURL *h, curl_lock_data data, void *u)
{
	(void)h;
	(void)u;
	pthread_mutex_unlock(&locks[data]);
}

CURLSH *
share_new(void)
{
	CURLSH *sh;
	int i;

	for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&locks[i], NULL);
	if ((sh = curl_share_init()) == NULL)
		return NULL;
	if (curl_share_setopt(sh, CURLSHOPT_LOCKFUNC,
	    share_lock) != CURLSHE_OK ||
	    curl_share_setopt(sh, CURLSHOPT_UNLOCKFUNC,
	    share_unlock) != CURLSHE_OK ||
	    curl_share_setopt(sh, CURLSHOPT_SHARE,
	    CURL_LOCK_DATA_DNS) != CURLSHE_OK ||
	    curl_share_setopt(sh, CURLSHOPT_SHARE,
	    CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK) {
		curl_share_cleanup(sh);
		return NULL;
	}
	return sh;
}

void
share_free(CURLSH *sh)
{
	int i;

	curl_share_cleanup(sh);
	for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&locks[i]);
}
