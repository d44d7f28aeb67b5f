/* SPDX-License-Identifier: ISC */
/*
 * config: the settings of extproxy.ini as one plain structure.  Parsing
 * collects every error (section, key, reason) instead of stopping at the
 * first; a configuration with any error is never used.  Never reads the
 * environment.
 */
#ifndef EXTPROXY_CONFIG_H
#define EXTPROXY_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "access.h"
#include "addr.h"
#include "allow.h"
#include "log.h"
#include "strlist.h"

enum redirect_mode { REDIRECT_PASSTHROUGH, REDIRECT_FOLLOW, REDIRECT_BLOCK };

/* [server] workers and max_workers: at most this many. */
#define CONFIG_WORKERS_MAX	1024

struct config {
	/* [server] */
	char			*listen;	/* NULL: fd 0 or CGI */
	long			 workers;	/* started, and kept */
	long			 max_workers;	/* at most, when busy */
	long			 worker_idle_ms; /* then those above end */
	long			 queue_timeout_ms; /* then a waiting one: 503 */
	char			*user;		/* NULL: none; needed as root */
	char			*temp_dir;	/* NULL: bodies not spooled */
	/* [allow] */
	struct allowlist	 allow;
	/* [timeouts], milliseconds; 0 = none */
	long			 request_header_ms;
	long			 connect_ms;
	long			 response_header_ms;
	long			 idle_ms;
	long			 total_ms;
	/* [limits] */
	int64_t			 max_request_body;
	int64_t			 max_response_body;
	/* [redirects] */
	enum redirect_mode	 redirect_mode;
	long			 redirect_max;
	/* [network] */
	struct cidr_list	 net_allow;
	struct cidr_list	 net_deny;
	/* [upstream] */
	long			 max_connections;
	long			 max_per_host;	/* in flight per origin */
	long			 pool_idle_ms;
	char			*ca_file;
	bool			 verify_tls;
	char			*proxy;
	struct strlist		 resolve;	/* "host:port:address", checked */
	bool			 reuse;		/* false: benchmarking only */
	/* [headers] */
	struct strlist		 strip_request;
	struct strlist		 strip_response;
	bool			 no_cache;
	/* [log] */
	enum log_level		 log_level;
	bool			 access_log;
	enum log_format		 log_format;	/* of access lines */
	bool			 log_full_url;	/* path in access lines */
	/* [metrics] */
	char			*metrics_path;	/* NULL: no metrics endpoint */
};

/*
 * Every problem found, as "[section] key: reason" lines: a list of
 * strings with the members of a struct strlist, kept by its code.
 */
struct config_errors {
	char	**v;
	size_t	  n;
};

/* Defaults only (what an empty file gives). 0 or -1 on ENOMEM. */
int	config_defaults(struct config *c, struct config_errors *e);
/* Read `path`.  Returns 0, or -1 with e->n > 0. */
int	config_load(const char *path, struct config *c,
	    struct config_errors *e);
/* Settings from a loaded iniparser dictionary; pure, for tests too. */
struct _dictionary_;
int	config_from_dict(const struct _dictionary_ *d, struct config *c,
	    struct config_errors *e);
/*
 * For a reload: the keys that take effect only at start ([server]
 * listen, workers, user and temp_dir) get old's values in c, and
 * report(arg, "[section] key") is called for each that differed.  0, or
 * -1 on ENOMEM.
 */
int	config_keep_restart_keys(const struct config *old, struct config *c,
	    void (*report)(void *arg, const char *key), void *arg);
/*
 * Do a and b differ in what an upstream connection is opened under:
 * [network] allow or deny, [upstream] resolve or proxy?  Then a pooled
 * connection opened under a must not serve a request under b.
 */
bool	config_pool_differs(const struct config *a, const struct config *b);
void	config_free(struct config *c);
void	config_errors_free(struct config_errors *e);

#endif
