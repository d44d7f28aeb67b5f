/* SPDX-License-Identifier: ISC */
/*
 * body: the request body of a transfer (transfer.h), as libcurl reads
 * it and, when a pooled connection was dead, reads it again.
 */
#ifndef EXTPROXY_BODY_H
#define EXTPROXY_BODY_H

#include <curl/curl.h>
#include <stddef.h>

#include "transfer.h"

/*
 * Before the first hop: the body's deadline, and a small body read
 * whole.  0, or -1 if reading it failed (t->hop.fail says why).
 */
int	body_start(struct transfer *t);
/* CURLOPT_READFUNCTION, with the transfer as arg: the next bytes. */
size_t	body_next(char *buf, size_t size, size_t n, void *arg);
/* CURLOPT_SEEKFUNCTION, with the transfer as arg: back to offset. */
int	body_rewind(void *arg, curl_off_t offset, int origin);
/* After the last hop: the worker's spool file emptied. */
void	body_end(struct transfer *t);

#endif
