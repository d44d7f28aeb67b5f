/*
 * server: where requests come from.  A FastCGI listening socket served by
 * [server] workers threads (each with its own upstream and pool), or one
 * plain CGI request.  Stops accepting on SIGTERM/SIGINT and lets the
 * requests in flight finish; reloads the configuration on SIGHUP.  Never reads request data from environ in
 * FastCGI mode.
 */
#ifndef EXTPROXY_SERVER_H
#define EXTPROXY_SERVER_H

#include <curl/curl.h>

#include "config.h"

/*
 * Serve on listen_fd with the live configuration (live.h) until told to
 * stop; SIGHUP reloads config_path.  0 on a clean stop.
 */
int	server_run_fastcgi(int listen_fd, const char *config_path,
	    CURLSH *share);
/* Answer the one CGI request in environ/stdin/stdout. */
int	server_run_cgi(const struct config *cfg, CURLSH *share);

#endif
