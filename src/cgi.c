/* SPDX-License-Identifier: ISC */
/*
 * cgi: one plain CGI request per process: the params in environ, the
 * body on stdin, the response on stdout.  It cannot tell the web server
 * that a response broke off (cgi_abort), so it asks it to close the
 * client's connection instead (abort_unseen, client.h).
 */
#include "autoconf.h"

#include "cgi.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "client.h"
#include "log.h"
#include "proxy.h"
#include "upstream.h"

extern char **environ;

static ssize_t
cgi_read(struct client *c, char *buf, size_t n)
{
	ssize_t got;

	(void)c;
	do
		got = read(STDIN_FILENO, buf, n);
	while (got == -1 && errno == EINTR);
	return got;
}

static int
cgi_write(struct client *c, const char *buf, size_t n)
{
	(void)c;
	return fwrite(buf, 1, n, stdout) == n ? 0 : -1;
}

static int
cgi_flush(struct client *c)
{
	(void)c;
	return fflush(stdout) == 0 ? 0 : -1;
}

static void
cgi_abort(struct client *c)
{
	(void)c;
	fflush(stdout);
	/*
	 * A CGI response ends when stdout closes, so a web server cannot
	 * tell this from a complete response unless the upstream sent a
	 * Content-Length (a limit of CGI; FastCGI can tell).
	 */
	close(STDOUT_FILENO);
}

int
cgi_serve(const struct config *cfg, CURLSH *share)
{
	struct upstream *up;
	struct client c = {
		.read = cgi_read, .write = cgi_write, .flush = cgi_flush,
		.abort = cgi_abort, .abort_unseen = true,
		/* no watch_fd, so no gone: stdin is not watched */
	};

	if ((up = upstream_new(cfg, share)) == NULL) {
		log_error("out of memory");
		return -1;
	}
	c.envp = environ;
	proxy_serve(&c, up, cfg);
	fflush(stdout);
	upstream_free(up);
	return 0;
}
