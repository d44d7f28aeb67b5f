/* SPDX-License-Identifier: ISC */
/*
 * server: the FastCGI server.  A listening socket served by [server]
 * workers threads (each with its own upstream and pool).  Stops
 * accepting on SIGTERM/SIGINT and lets the requests in flight finish;
 * reloads the configuration on SIGHUP.  Never reads request data from
 * environ (plain CGI is cgi.c).
 */
#ifndef EXTPROXY_SERVER_H
#define EXTPROXY_SERVER_H

#include <curl/curl.h>

/*
 * Serve on listen_fd with the live configuration (live.h) until told to
 * stop; SIGHUP reloads config_path.  0 on a clean stop.
 */
int	server_run_fastcgi(int listen_fd, const char *config_path,
	    CURLSH *share);
/*
 * The open files limit the server runs with: the hard limit, to which
 * it raises the soft one (0: unknown).
 */
unsigned long	server_open_files(void);

#endif
