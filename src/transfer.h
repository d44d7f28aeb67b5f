/* SPDX-License-Identifier: ISC */
/*
 * transfer: one proxied request's HTTP transfer on the worker's handle
 * (upstream.h): libcurl's callbacks, the run loop with its precise
 * response-header, idle and total deadlines, redirect following, and
 * the answer when it fails.  Checks every address it connects to and
 * the peer of every request, pooled connections included, and streams
 * the response to the client as it arrives.  Its state is zeroed at
 * the start of every fetch; the large buffers it works in are the
 * worker's, reused, never zeroed, and nothing is allocated for them per
 * request.  So is the worker's spool file, which holds a request body's
 * copy and is emptied at the end of every fetch.  Never follows a
 * redirect unless [redirects] mode = follow, and then only to targets
 * that pass the allowlist.
 */
#ifndef EXTPROXY_TRANSFER_H
#define EXTPROXY_TRANSFER_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "config.h"
#include "headers.h"
#include "outcome.h"
#include "request.h"
#include "target.h"

struct upstream;

struct fetch {
	/* in */
	struct client		*client;
	const struct request	*req;
	struct target		*target;	/* replaced when following */
	struct curl_slist	*headers;	/* request headers to send */
	/* out */
	int			 status;	/* what the client got */
	int64_t			 bytes_up;	/* request body sent */
	int64_t			 spooled;	/* of it copied to temp_dir */
	bool			 spool_failed;	/* that copy failed */
	int64_t			 bytes_down;	/* response body relayed */
	bool			 reused;	/* on a pooled connection */
	bool			 aborted;	/* cut short after the head */
	const char		*reason;	/* why we chose the status */
	enum deny		 deny;		/* a refusal, and its kind */
	enum timeout_kind	 timeout;	/* a deadline that ended it */
	long			 conns_opened;	/* new upstream connections */
};

enum phase { PH_CONNECT, PH_WAIT_HEADERS, PH_BODY };

/*
 * libcurl may need to send the request body again (rewinding through
 * on_seek()) when a reused keep-alive connection turns out to have been
 * closed by the upstream.  A body up to this size is read whole before
 * the transfer, into room->body.  A larger one streams from the client
 * as libcurl asks for it, its first BODY_REPLAY_MAX bytes copied into
 * room->body and the rest into the worker's spool file (spool.h) in
 * [server] temp_dir.  Without that copy (temp_dir empty, or the file
 * could not be made or written) it can be sent only once: a transfer
 * that needs it again fails with 502, never sends a part of it.
 */
#define BODY_REPLAY_MAX	(64 * 1024)

/*
 * The room a transfer works in, one per worker: over 200 KB, so it is
 * reused as it is, never zeroed per request.
 */
struct transfer_room {
	/* the response header lines as received, each followed by a NUL */
	char			 hbuf[HDR_MAX_BYTES + HDR_MAX_COUNT];
	struct hdr		 hdrs[HDR_MAX_COUNT];
	/* the head relayed to the client */
	char			 head[HDR_MAX_BYTES + 1024];
	/* the request body's first bytes, to send again */
	char			 body[BODY_REPLAY_MAX];
};

/* One request and its response: the first, or a redirect followed. */
struct hop {
	enum phase		 phase;
	enum fail		 fail;
	bool			 addr_denied;
	bool			 headers_done;	/* status line sent to client */
	bool			 discard;	/* redirect being followed */
	bool			 have_next;
	bool			 first_reused;	/* first send on a kept conn */
	int			 opens;		/* sockets opened */
	int			 sends;		/* requests sent (on_prereq) */
	struct target		 next;		/* where to follow to */
	int64_t			 mark_ms;	/* last progress */
	int64_t			 body_pos;	/* next body byte for libcurl */
	size_t			 hlen;		/* bytes in room->hbuf */
	size_t			 nlines;	/* lines in room->hbuf */
};

/* One proxied request's transfer: zeroed at the start of every fetch. */
struct transfer {
	struct upstream		*u;
	struct transfer_room	*room;		/* u's */
	const struct config	*cfg;		/* u's, for this request */
	struct fetch		*f;
	enum method		 method;	/* of the current hop */
	bool			 send_body;
	bool			 unflushed;	/* client output to flush */
	bool			 retried;	/* a request sent again */
	int64_t			 body_read;	/* bytes read from the client */
	bool			 spool_lost;	/* a byte read was not kept */
	int			 hops;		/* redirects followed so far */
	int			 watch_fd;	/* client to watch, or -1 */
	int64_t			 start_ms;
	int64_t			 body_deadline;	/* of reading it; 0: none */
	struct hop		 hop;		/* zeroed per hop too */
};

/*
 * Give u's easy handle the transfer's libcurl callbacks, with u->t as
 * their data: once, when the handle is made.  0, or -1 if libcurl
 * refused one (logged).
 */
int	transfer_bind(struct upstream *u);
/* Run the request; always leaves a complete (or aborted) response. */
void	transfer_fetch(struct upstream *u, struct fetch *f);

#endif
