/*
 * reply: write extproxy's own responses (errors, the metrics page) and
 * the CGI status line.
 * Error bodies are one short text/plain line chosen by extproxy; they
 * never echo anything the client or the upstream sent.
 */
#ifndef EXTPROXY_REPLY_H
#define EXTPROXY_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "client.h"

const char	*status_reason(int code);
/* status + "Content-Type: text/plain" + no-cache headers + one line */
int		 reply_error(struct client *c, int status, const char *msg,
		    const char *extra_header);
/* 200 with our own body: type, Content-Length, no-cache headers. */
int		 reply_body(struct client *c, const char *type, const char *body,
		    size_t len);

#endif
