/* SPDX-License-Identifier: ISC */
/*
 * access: the access log line of one request, as text or as one JSON
 * object.  Pure formatting: no I/O, no clock.  Every string that may
 * come from a client (the method) is reduced to token characters, and
 * JSON strings are escaped, so no input can forge a field or a line.
 * The target passed in is already redacted (see access_target()).
 */
#ifndef EXTPROXY_ACCESS_H
#define EXTPROXY_ACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "outcome.h"

enum log_format { LOG_FORMAT_TEXT, LOG_FORMAT_JSON };

struct access_entry {
	/* wall clock (CLOCK_REALTIME) */
	struct timespec		 start;
	const char		*method;	/* as received, may be NULL */
	const char		*target;	/* redacted, or NULL */
	int			 status;
	/* request body, client to upstream */
	int64_t			 bytes_in;
	/* response body, upstream to client */
	int64_t			 bytes_out;
	double			 ms;		/* duration */
	bool			 reused;	/* upstream connection reused */
	bool			 aborted;	/* response cut short */
	enum deny		 deny;
	enum timeout_kind	 timeout;
	/* extproxy's own reason, or NULL */
	const char		*reason;
};

/*
 * The line (without a newline) into buf: text is the part after
 * "access: "; JSON is a whole object.  Returns its length (truncated to
 * size - 1; a JSON line is then cut at a field boundary and still
 * closed).
 */
size_t	access_format(char *buf, size_t size, const struct access_entry *e,
	    enum log_format format);
/*
 * The target as logged: "scheme://host:port", and with full_url the
 * path too, and "?REDACTED" when there was a query.  Never userinfo.
 */
void	access_target(char *buf, size_t size, const char *scheme,
	    const char *host, long port, const char *path, bool has_query,
	    bool full_url);

#endif
