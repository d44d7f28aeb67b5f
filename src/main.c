/* SPDX-License-Identifier: ISC */
/*
 * extproxy: a FastCGI program that relays requests to allow-listed
 * external URLs named in the Proxy-To header.
 *
 * main: command line, configuration, start-up order, and the choice of
 * serving mode ([server] listen, a listening socket on fd 0, or plain
 * CGI).  Never starts serving with a configuration that has any error,
 * and never serves as root (see privdrop.c).
 */
#include "autoconf.h"

#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgi.h"
#include "config.h"
#include "listen.h"
#include "live.h"
#include "log.h"
#include "privdrop.h"
#include "server.h"
#include "share.h"
#include "spool.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR	"/etc"
#endif
#define DEFAULT_CONFIG	SYSCONFDIR "/extproxy.ini"

struct options {
	const char	*path;		/* -c */
	const char	*listen;	/* -l */
	bool		 check_only;	/* -t */
};

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

/* A duration as the configuration writes it: "5s", "250ms", "0". */
static void
print_duration(const char *name, long ms)
{
	if (ms % 1000 == 0)
		printf(" %s %lds", name, ms / 1000);
	else
		printf(" %s %ldms", name, ms);
}

/*
 * The limits a server would run with: with cfg, its pool and its cap
 * per upstream; always the system's (the listen backlog, the open
 * files).
 */
static void
print_limits(const struct config *cfg)
{
	if (cfg != NULL) {
		printf("extproxy: workers %ld max_workers %ld", cfg->workers,
		    cfg->max_workers);
		print_duration("worker_idle", cfg->worker_idle_ms);
		print_duration("queue_timeout", cfg->queue_timeout_ms);
		printf(" max_per_host %ld\n", cfg->max_per_host);
	}
	printf("extproxy: max_workers at most %d, listen backlog %d "
	    "(net.core.somaxconn), open files %lu\n", CONFIG_WORKERS_MAX,
	    listen_backlog(), server_open_files());
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
	print_limits(NULL);
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

/*
 * Can this process keep request bodies' copies in [server] temp_dir
 * (spool.h)?  Checked as the user that serves: at start after the
 * switch to it.  -1 after logging why.
 */
static int
check_temp_dir(const struct config *cfg)
{
	if (cfg->temp_dir == NULL || spool_check(cfg->temp_dir) == 0)
		return 0;
	log_error("[server] temp_dir: cannot keep request bodies in %s as "
	    "uid %ld: %s", cfg->temp_dir, (long)geteuid(), strerror(errno));
	return -1;
}

/*
 * For -t: check_temp_dir() as [server] user, in a child that becomes
 * it, when run as root; as the caller otherwise.
 */
static int
check_temp_dir_as_user(const struct config *cfg)
{
	struct privdrop p;
	pid_t pid;
	int status;

	if (cfg->temp_dir == NULL || cfg->user == NULL || geteuid() != 0)
		return check_temp_dir(cfg);
	if (privdrop_prepare(cfg->user, &p) == -1)
		return -1;
	if ((pid = fork()) == -1) {
		log_error("cannot check [server] temp_dir: fork: %s",
		    strerror(errno));
		privdrop_free(&p);
		return -1;
	}
	if (pid == 0) {
		/* no "running as" line in the check's output */
		log_set_level(LOG_LEVEL_WARN);
		_exit(privdrop_apply(&p) == 0 && check_temp_dir(cfg) == 0 ?
		    0 : 1);
	}
	privdrop_free(&p);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int
load(const char *path, struct config *cfg, bool check_only)
{
	struct config_errors errs = { NULL, 0 };
	size_t i;

	if (config_load(path, cfg, &errs) == 0) {
		if (!check_only)
			return 0;
		if (privdrop_check_user(cfg->user) == -1 ||
		    check_temp_dir_as_user(cfg) == -1) {
			config_free(cfg);
			return -1;
		}
		printf("extproxy: configuration %s is ok\n", path);
		print_limits(cfg);
		return 0;
	}
	for (i = 0; i < errs.n; i++)
		fprintf(stderr, "extproxy: %s: %s\n", path, errs.v[i]);
	fprintf(stderr, "extproxy: configuration %s has %zu error%s\n", path,
	    errs.n, errs.n == 1 ? "" : "s");
	config_errors_free(&errs);
	return -1;
}

/* The command line; -1 to go on, else the exit status. */
static int
parse_options(int argc, char *argv[], struct options *o)
{
	int ch;

	o->path = DEFAULT_CONFIG;
	o->listen = NULL;
	o->check_only = false;
	while ((ch = getopt(argc, argv, "c:l:tVh")) != -1) {
		switch (ch) {
		case 'c':
			o->path = optarg;
			break;
		case 'l':
			o->listen = optarg;
			break;
		case 't':
			o->check_only = true;
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
	return -1;
}

/*
 * Open the socket, drop root, serve until told to stop.  -1 if serving
 * could not start or ended in error.
 */
static int
serve(const struct options *o, const struct config *live,
    const struct privdrop *priv, CURLSH *share)
{
	const char *listen_arg = o->listen != NULL ? o->listen : live->listen;
	int fd, rc = -1;

	if (listen_arg != NULL) {
		/* a unix socket is the user's, so its group may connect */
		fd = listen_open(listen_arg, priv->drop ? priv->uid : (uid_t)-1,
		    priv->drop ? priv->gid : (gid_t)-1);
		if (fd == -1)
			return -1;
		log_info("listening on %s", listen_arg);
		if (privdrop_apply(priv) == 0 && check_temp_dir(live) == 0)
			rc = server_run_fastcgi(fd, o->path, share);
		listen_close(fd, listen_arg);
		return rc;
	}
	if (privdrop_apply(priv) == -1)
		return -1;
	/* CGI: each request a start; a failing copy falls back then */
	if (fd_is_listener(STDIN_FILENO))
		return check_temp_dir(live) == -1 ? -1 :
		    server_run_fastcgi(STDIN_FILENO, o->path, share);
	return cgi_serve(live, share);
}

int
main(int argc, char *argv[])
{
	const struct config *live;
	struct options o;
	struct privdrop priv;
	struct config cfg;
	CURLSH *share = NULL;
	bool have_cfg = false;
	int rc;

	if ((rc = parse_options(argc, argv, &o)) != -1)
		return rc;
	rc = 1;
	memset(&priv, 0, sizeof(priv));
	signal(SIGPIPE, SIG_IGN);
	/* a file size limit fails a body's copy (EFBIG), not the process */
	signal(SIGXFSZ, SIG_IGN);
	forget_proxy_environment();
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "extproxy: libcurl initialisation failed\n");
		return 1;
	}
	if (load(o.path, &cfg, o.check_only) == -1)
		goto out;
	have_cfg = true;
	if (o.check_only) {
		rc = 0;
		goto out;
	}
	log_set_level(cfg.log_level);
	/*
	 * Set-up order is the security argument: read the configuration,
	 * decide who to become, open the socket, drop root, then serve.
	 */
	if (privdrop_prepare(cfg.user, &priv) == -1)
		goto out;
	if (cfg.allow.n == 0)
		log_warn("[allow] urls is empty: every request will be refused");
	if ((share = share_new()) == NULL) {
		log_error("cannot create the shared DNS/TLS cache");
		goto out;
	}
	/* from here on the configuration is the live snapshot */
	if (live_init(&cfg) == -1) {
		log_error("out of memory");
		goto out;
	}
	have_cfg = false;
	live = live_acquire(NULL);
	rc = serve(&o, live, &priv, share) == 0 ? 0 : 1;
	live_release(live);
	live_shutdown();
out:
	if (have_cfg)
		config_free(&cfg);
	if (share != NULL)
		share_free(share);
	privdrop_free(&priv);
	curl_global_cleanup();
	return rc;
}
