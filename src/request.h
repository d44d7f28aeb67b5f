/* SPDX-License-Identifier: ISC */
/*
 * request: the request model built from FastCGI/CGI params: method,
 * target header, declared body length.  Pure: validates, never does I/O
 * and never reads the process environment.
 */
#ifndef EXTPROXY_REQUEST_H
#define EXTPROXY_REQUEST_H

#include <stdbool.h>
#include <stdint.h>

#include "http.h"

struct request {
	enum method	 method;
	const char	*method_name;
	/* Proxy-To, else Forward-To; NULL if none */
	const char	*target;
	int64_t		 content_length; /* 0 when absent */
	bool		 has_body;	/* send a body (and Content-Length) */
	bool		 has_content_type;
	/*
	 * EXTPROXY_CLOSE_CLIENT, from the web server's configuration: it
	 * keeps its client's connection after a FastCGI response that
	 * broke off (Apache), so have it close after each body instead.
	 */
	bool		 close_client;
};

/*
 * Fill r from params.  Returns 0, or an HTTP status (400, 405; 500 for a
 * param the web server's configuration sets wrong) with *why set to a
 * short static reason.  A repeated Proxy-To, Forward-To, REQUEST_METHOD,
 * CONTENT_LENGTH or CONTENT_TYPE param is a 400.
 */
int	request_parse(char *const *envp, struct request *r, const char **why);

#endif
