/* SPDX-License-Identifier: ISC */
/*
 * cgi: one plain CGI request, as the web server hands it over in environ,
 * stdin and stdout.  The only place that reads request params from
 * environ; never used in FastCGI mode.
 */
#ifndef EXTPROXY_CGI_H
#define EXTPROXY_CGI_H

#include <curl/curl.h>

#include "config.h"

/* Answer the one CGI request in environ/stdin/stdout. */
int	cgi_serve(const struct config *cfg, CURLSH *share);

#endif
