/* SPDX-License-Identifier: ISC */
/*
 * response: libcurl's header and write callbacks of a transfer (their
 * data is the struct transfer): the upstream's head judged and relayed,
 * its body streamed to the client.
 */
#ifndef EXTPROXY_RESPONSE_H
#define EXTPROXY_RESPONSE_H

#include <stddef.h>

/* CURLOPT_HEADERFUNCTION: one header line; 0 ends the transfer. */
size_t	response_header(char *buf, size_t size, size_t n, void *arg);
/* CURLOPT_WRITEFUNCTION: body bytes; fewer than given end it. */
size_t	response_body(char *buf, size_t size, size_t n, void *arg);

#endif
