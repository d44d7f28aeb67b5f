/* SPDX-License-Identifier: ISC */
/*
 * reply: the response heads extproxy writes: its own responses (errors,
 * the metrics page) and the head of a relayed upstream response, always
 * with our own Status line first.  Error bodies are one short text/plain
 * line chosen by extproxy; they never echo anything the client or the
 * upstream sent.  Every head is built with outbuf.
 */
#ifndef EXTPROXY_REPLY_H
#define EXTPROXY_REPLY_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "headers.h"
#include "outbuf.h"

/* status + "Content-Type: text/plain" + no-cache headers + one line */
int		 reply_error(struct client *c, int status, const char *msg,
		    const char *extra_header);
/* 200 with our own body: type, Content-Length, no-cache headers. */
int		 reply_body(struct client *c, const char *type,
		    const char *body, size_t len);

/* An upstream response, as far as its relayed head depends on it. */
struct relay_head {
	int			 code;		/* the upstream's status */
	const struct hdr	*hdrs;		/* its headers, split */
	size_t			 n;
	const struct strlist	*strip;		/* [headers] strip_response */
	bool			 no_cache;	/* [headers] no_cache */
	int64_t			 length;	/* ours; -1: none */
	bool			 head_request;	/* the request was HEAD */
	bool			 close;		/* a cut body would go unseen */
	CURLU			*base;		/* the URL fetched */
	int			 dropped;	/* out: Locations not relayed */
};

/*
 * The CGI head for an upstream response, into o: "Status: code reason",
 * the headers response_header_passes() lets through, a Location made
 * absolute against base (one that cannot be is dropped and counted: a
 * relative Location is what makes a web server do a CGI internal
 * redirect, as is one whose host libcurl would find where none is
 * written), our own Content-Length, "Connection: close" when close is
 * set and a body follows (so a body cut short is never taken for a
 * complete one followed by the next response), the no-cache headers,
 * the blank line.  No printf per header: this runs for every response.
 * Pure: no I/O, no log.  0, or -1 if it does not fit in o.
 */
int		 reply_head(struct outbuf *o, struct relay_head *h);

#endif
