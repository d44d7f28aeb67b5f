/*
 * reply: write extproxy's own responses (errors) and the CGI status line.
 * Error bodies are one short text/plain line chosen by extproxy; they
 * never echo anything the client or the upstream sent.
 */
#ifndef EXTPROXY_REPLY_H
#define EXTPROXY_REPLY_H

#include <stdbool.h>

#include "client.h"

const char	*status_reason(int code);
/* status + "Content-Type: text/plain" + no-cache headers + one line */
int		 reply_error(struct client *c, int status, const char *msg,
		    const char *extra_header);

#endif
