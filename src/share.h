/* SPDX-License-Identifier: ISC */
/*
 * share: the one CURLSH all workers use for the DNS cache and TLS
 * sessions, with its locks.  Never shares the connection cache: libcurl
 * does not support sharing connections between concurrent threads.
 */
#ifndef EXTPROXY_SHARE_H
#define EXTPROXY_SHARE_H

#include <curl/curl.h>

CURLSH	*share_new(void);
void	 share_free(CURLSH *sh);

#endif
