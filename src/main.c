/*
 * extproxy: a FastCGI program that relays requests to allow-listed
 * external URLs named in the Proxy-To header.
 *
 * main: command line, configuration, start-up order, and the choice of
 * serving mode ([server] listen, a listening socket on fd 0, or plain
 * CGI).  Never starts serving with a configuration that has any error,
 * and never serves as root (see privdrop.c).
 */
#include <config.h>

#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "listen.h"
#include "live.h"
#include "log.h"
#include "privdrop.h"
#include "server.h"
#include "share.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR	"/etc"
#endif
#define DEFAULT_CONFIG	SYSCONFDIR "/extproxy.ini"

static void
usage(FILE *f)
{
	fprintf(f, "usage: extproxy [-c file] [-l address] [-t] [-V] [-h]\n"
	    "  -c file     configuration file (default %s)\n"
	    "  -l address  listen on host:port, [v6]:port or a socket path\n"
	    "              (overrides [server] listen)\n"
	    "  -t          check the configuration and exit\n"
	    "  -V          print the version and exit\n"
	    "  -h          print this help and exit\n", DEFAULT_CONFIG);
}

static void
version(void)
{
	const curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);

	printf("extproxy %s\n", PACKAGE_VERSION);
	/* the library loaded now, which may be newer than the headers */
	printf("libcurl %s%s%s (built with %s)\n", cv->version,
	    cv->ssl_version != NULL ? " " : "",
	    cv->ssl_version != NULL ? cv->ssl_version : "", LIBCURL_VERSION);
	/* libfcgi has no version API: the version it was built against */
	printf("libfcgi %s (built with; version from %s)\n", FCGI_VERSION_BUILT,
	    FCGI_VERSION_SOURCE);
}

/* Outbound proxies come only from [upstream] proxy. */
static void
forget_proxy_environment(void)
{
	static const char *const vars[] = {
		"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
		"all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY", NULL
	};
	const char *const *v;

	for (v = vars; *v != NULL; v++)
		unsetenv(*v);
}

static int
load(const char *path, struct config *cfg, bool check_only)
{
	struct config_errors errs = { NULL, 0 };
	size_t i;

	if (config_load(path, cfg, &errs) == 0) {
		if (!check_only)
			return 0;
		if (privdrop_check_user(cfg->user) == -1) {
			config_free(cfg);
			return -1;
		}
		printf("extproxy: configuration %s is ok\n", path);
		return 0;
	}
	for (i = 0; i < errs.n; i++)
		fprintf(stderr, "extproxy: %s: %s\n", path, errs.v[i]);
	fprintf(stderr, "extproxy: configuration %s has %zu error%s\n", path,
	    errs.n, errs.n == 1 ? "" : "s");
	config_errors_free(&errs);
	return -1;
}

int
main(int argc, char *argv[])
{
	const char *path = DEFAULT_CONFIG, *listen_arg = NULL;
	const struct config *live;
	struct privdrop priv;
	struct config cfg;
	CURLSH *share;
	bool check_only = false;
	int ch, fd, rc;

	while ((ch = getopt(argc, argv, "c:l:tVh")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'l':
			listen_arg = optarg;
			break;
		case 't':
			check_only = true;
			break;
		case 'V':
			version();
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	forget_proxy_environment();
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "extproxy: libcurl initialisation failed\n");
		return 1;
	}
	if (load(path, &cfg, check_only) == -1)
		return 1;
	if (check_only) {
		config_free(&cfg);
		curl_global_cleanup();
		return 0;
	}
	log_set_level(cfg.log_level);
	/*
	 * Set-up order is the security argument: read the configuration,
	 * decide who to become, open the socket, drop root, then serve.
	 */
	if (privdrop_prepare(cfg.user, &priv) == -1) {
		config_free(&cfg);
		curl_global_cleanup();
		return 1;
	}
	if (cfg.allow.n == 0)
		log_warn("[allow] urls is empty: every request will be refused");
	rc = -1;
	if ((share = share_new()) == NULL) {
		log_error("cannot create the shared DNS/TLS cache");
		privdrop_free(&priv);
		config_free(&cfg);
		curl_global_cleanup();
		return 1;
	}

	/* from here on the configuration is the live snapshot */
	if (live_init(&cfg) == -1) {
		log_error("out of memory");
		privdrop_free(&priv);
		config_free(&cfg);
		share_free(share);
		curl_global_cleanup();
		return 1;
	}
	live = live_acquire(NULL);
	if (listen_arg == NULL)
		listen_arg = live->listen;
	if (listen_arg != NULL) {
		/* a unix socket is the user's, so its group may connect */
		if ((fd = listen_open(listen_arg,
		    priv.drop ? priv.uid : (uid_t)-1,
		    priv.drop ? priv.gid : (gid_t)-1)) != -1) {
			log_info("listening on %s", listen_arg);
			if (privdrop_apply(&priv) == 0)
				rc = server_run_fastcgi(fd, path, share);
			listen_close(fd, listen_arg);
		}
	} else if (privdrop_apply(&priv) == -1) {
		rc = -1;
	} else if (fd_is_listener(STDIN_FILENO)) {
		rc = server_run_fastcgi(STDIN_FILENO, path, share);
	} else
		rc = server_run_cgi(live, share);

	privdrop_free(&priv);
	live_release(live);
	live_shutdown();
	share_free(share);
	curl_global_cleanup();
	return rc == 0 ? 0 : 1;
}
