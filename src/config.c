/* SPDX-License-Identifier: ISC */
/*
 * config: read extproxy.ini with iniparser into struct config.
 *
 * Every key is described once in the table below, with the default it has
 * when absent; defaults are parsed by the same code as file values, so the
 * two can never disagree.  Unknown sections and keys are errors.
 */
#include "autoconf.h"

#include "config.h"
#include "decimal.h"
#include "hostname.h"
#include "units.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifdef HAVE_INIPARSER_INIPARSER_H
#include <iniparser/iniparser.h>
#else
#include <iniparser.h>
#endif

enum kind {
	K_STRING,	/* char *, NULL when empty */
	K_WORKERS,	/* long, 1..CONFIG_WORKERS_MAX */
	K_COUNT,	/* long, 0..100000 */
	K_DURATION,	/* long ms */
	K_SIZE,		/* int64_t bytes */
	K_BOOL,
	K_LIST,		/* struct strlist */
	K_ALLOW,	/* struct allowlist */
	K_CIDRS,	/* struct cidr_list */
	K_RESOLVE,	/* struct strlist of host:port:address */
	K_REDIRECT,	/* enum redirect_mode */
	K_LOGLEVEL,	/* enum log_level */
	K_LOGFORMAT,	/* enum log_format */
	K_URLPATH,	/* char *, NULL when empty, else "/..." */
	K_DIR,		/* char *, NULL when empty, else an absolute path */
};

struct key {
	const char	*section;
	const char	*name;
	enum kind	 kind;
	size_t		 off;
	const char	*def;
};

#define O(f)	offsetof(struct config, f)
#define STR(n)	STR_(n)
#define STR_(n)	#n

static const struct key keys[] = {
	{ "server", "listen", K_STRING, O(listen), "" },
	{ "server", "workers", K_WORKERS, O(workers), "4" },
	{ "server", "max_workers", K_WORKERS, O(max_workers), "256" },
	{ "server", "worker_idle", K_DURATION, O(worker_idle_ms), "60s" },
	{ "server", "queue_timeout", K_DURATION, O(queue_timeout_ms), "5s" },
	{ "server", "user", K_STRING, O(user), "" },
	{ "server", "temp_dir", K_DIR, O(temp_dir), "/tmp" },
	{ "allow", "urls", K_ALLOW, O(allow), "" },
	{ "timeouts", "request_header", K_DURATION, O(request_header_ms), "10s" },
	{ "timeouts", "connect", K_DURATION, O(connect_ms), "10s" },
	{ "timeouts", "response_header", K_DURATION, O(response_header_ms), "30s" },
	{ "timeouts", "idle", K_DURATION, O(idle_ms), "60s" },
	{ "timeouts", "total", K_DURATION, O(total_ms), "0" },
	{ "limits", "max_request_body", K_SIZE, O(max_request_body), "10M" },
	{ "limits", "max_response_body", K_SIZE, O(max_response_body), "100M" },
	{ "redirects", "mode", K_REDIRECT, O(redirect_mode), "passthrough" },
	{ "redirects", "max", K_COUNT, O(redirect_max), "5" },
	{ "network", "allow", K_CIDRS, O(net_allow), "" },
	{ "network", "deny", K_CIDRS, O(net_deny), "" },
	{ "upstream", "max_connections", K_COUNT, O(max_connections), "64" },
	{ "upstream", "max_per_host", K_COUNT, O(max_per_host), "0" },
	{ "upstream", "idle_timeout", K_DURATION, O(pool_idle_ms), "60s" },
	{ "upstream", "ca_file", K_STRING, O(ca_file), "" },
	{ "upstream", "verify_tls", K_BOOL, O(verify_tls), "true" },
	{ "upstream", "proxy", K_STRING, O(proxy), "" },
	{ "upstream", "resolve", K_RESOLVE, O(resolve), "" },
	{ "upstream", "reuse", K_BOOL, O(reuse), "true" },
	{ "headers", "strip_request", K_LIST, O(strip_request),
	    "Authorization, Cookie, Proxy-Authorization" },
	{ "headers", "strip_response", K_LIST, O(strip_response), "Set-Cookie" },
	{ "headers", "no_cache", K_BOOL, O(no_cache), "true" },
	{ "log", "level", K_LOGLEVEL, O(log_level), "info" },
	{ "log", "access", K_BOOL, O(access_log), "true" },
	{ "log", "format", K_LOGFORMAT, O(log_format), "text" },
	{ "log", "full_url", K_BOOL, O(log_full_url), "false" },
	{ "metrics", "path", K_URLPATH, O(metrics_path), "" },
};

#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

static int
add_error(struct config_errors *e, const char *fmt, ...)
{
	/* the errors, as what they are */
	struct strlist l = { e->v, e->n };
	va_list ap;
	char *msg, *p;
	int rc;

	va_start(ap, fmt);
	rc = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (rc == -1)
		return -1;
	/*
	 * A message quotes the file's own text (a key, a section, a
	 * pattern), which may hold a CR or another control byte: each
	 * message must stay one printable line.
	 */
	for (p = msg; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
			*p = '?';
	if (strlist_add(&l, msg) == -1)
		return -1;
	e->v = l.v;
	e->n = l.n;
	return 0;
}

void
config_errors_free(struct config_errors *e)
{
	/* the errors, as what they are */
	struct strlist l = { e->v, e->n };

	strlist_free(&l);
	e->v = NULL;
	e->n = 0;
}

/*
 * Split a list value and hand each word to add(dst, word, &why).  A word
 * add() refuses is reported as '[section] key: "word": why', and the
 * rest still go through, so one reading names every bad word.
 */
static int
set_words(void *dst, int (*add)(void *, const char *, const char **),
    const char *val, const struct key *k, struct config_errors *e)
{
	struct strlist words;
	const char *why;
	size_t i;
	int rc = 0;

	if (strlist_split(val, &words) == -1)
		return add_error(e, "[%s] %s: out of memory", k->section, k->name);
	for (i = 0; i < words.n; i++) {
		if (add(dst, words.v[i], &why) == -1) {
			/* the word is the operator's own text: safe to quote */
			add_error(e, "[%s] %s: \"%s\": %s", k->section, k->name,
			    words.v[i], why);
			rc = -1;
		}
	}
	strlist_free(&words);
	return rc;
}

/* [allow] urls: a URL pattern. */
static int
add_pattern(void *l, const char *word, const char **why)
{
	return allowlist_add(l, word, why);
}

/* [network] allow and deny: an address or CIDR block. */
static int
add_cidr(void *l, const char *word, const char **why)
{
	*why = "not an address or CIDR block (like 10.0.0.0/8 or fd00::/8)";
	return cidr_list_add(l, word);
}

/*
 * One "host:port:address" entry, as curl --resolve takes it, into the
 * canonical form handed to libcurl ("name:port:address", lower case, an
 * IPv6 address in brackets); NULL with *why on a bad entry.  The host is
 * a plain DNS name: no wildcard, no "+"/"-" prefix, no IP literal.
 */
static char *
resolve_entry(const char *s, const char **why)
{
	const char *c1, *c2, *addr;
	char host[HOSTNAME_MAX + 1], abuf[INET6_ADDRSTRLEN + 2], *out;
	unsigned char bin[16];
	size_t hlen, alen, i;
	long port;
	bool v6, br = false;

	if ((c1 = strchr(s, ':')) == NULL ||
	    (c2 = strchr(c1 + 1, ':')) == NULL) {
		*why = "expected host:port:address";
		return NULL;
	}
	hlen = (size_t)(c1 - s);
	if (hlen == 0 || hlen >= sizeof(host)) {
		*why = "expected a host name before the first ':'";
		return NULL;
	}
	/* a leading '-' would read as curl's "remove this entry" */
	if (!hostname_valid(s, hlen) || s[0] == '-') {
		*why = "the host must be a plain DNS name";
		return NULL;
	}
	for (i = 0; i < hlen; i++)
		host[i] = (char)tolower((unsigned char)s[i]);
	host[hlen] = '\0';
	if (inet_pton(AF_INET, host, bin) == 1 || strspn(host, "0123456789.") ==
	    hlen) {
		*why = "the host is an IP address, not a name";
		return NULL;
	}
	if (parse_port(c1 + 1, (size_t)(c2 - c1 - 1), &port) == -1) {
		*why = "expected a port from 1 to 65535";
		return NULL;
	}
	addr = c2 + 1;
	alen = strlen(addr);
	if (alen >= 2 && addr[0] == '[' && addr[alen - 1] == ']') {
		addr++;
		alen -= 2;
		br = true;
	}
	if (alen == 0 || alen >= INET6_ADDRSTRLEN) {
		*why = "expected one IPv4 or IPv6 address";
		return NULL;
	}
	memcpy(abuf, addr, alen);
	abuf[alen] = '\0';
	v6 = strchr(abuf, ':') != NULL;
	if ((br && !v6) || inet_pton(v6 ? AF_INET6 : AF_INET, abuf, bin) != 1) {
		*why = "expected one IPv4 or IPv6 address";
		return NULL;
	}
	if (asprintf(&out, v6 ? "%s:%ld:[%s]" : "%s:%ld:%s", host, port,
	    abuf) == -1) {
		*why = "out of memory";
		return NULL;
	}
	return out;
}

/* [upstream] resolve: an entry, kept in its canonical form. */
static int
add_resolve(void *l, const char *word, const char **why)
{
	char *entry;

	if ((entry = resolve_entry(word, why)) == NULL)
		return -1;
	*why = "out of memory";
	return strlist_add(l, entry);
}

static int
set_enum(int *out, const char *val, const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcasecmp(val, names[i]) == 0) {
			*out = (int)i;
			return 0;
		}
	}
	return -1;
}

static const char *const redirect_names[] = { "passthrough", "follow", "block" };
static const char *const format_names[] = { "text", "json" };

static bool
has_space_or_ctl(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
			return true;
	return false;
}

/*
 * A number, a duration, a size, a boolean or one of a few names into
 * field; NULL, or what the value should have been.
 */
static const char *
set_scalar(char *field, enum kind kind, const char *val)
{
	const char *what = NULL;
	long n;
	int v;

	switch (kind) {
	case K_WORKERS:
		if (parse_int(val, 1, CONFIG_WORKERS_MAX, &n) == -1)
			what = "expected a whole number from 1 to "
			    STR(CONFIG_WORKERS_MAX);
		else
			*(long *)field = n;
		break;
	case K_COUNT:
		if (parse_int(val, 0, 100000, &n) == -1)
			what = "expected a whole number from 0 to 100000";
		else
			*(long *)field = n;
		break;
	case K_DURATION:
		if (parse_duration(val, (long *)field) == -1)
			what = "expected a duration like 500ms, 10s or 2m "
			    "(a bare number is seconds, at most a week)";
		break;
	case K_SIZE:
		if (parse_size(val, (int64_t *)field) == -1)
			what = "expected a size like 512, 64k, 10M or 1G";
		break;
	case K_BOOL:
		if (parse_bool(val, (bool *)field) == -1)
			what = "expected true or false";
		break;
	case K_REDIRECT:
		if (set_enum(&v, val, redirect_names, 3) == -1)
			what = "expected passthrough, follow or block";
		else
			*(enum redirect_mode *)field = (enum redirect_mode)v;
		break;
	case K_LOGLEVEL:
		if (set_enum(&v, val, log_level_names, LOG_LEVELS) == -1)
			what = "expected error, warn, info or debug";
		else
			*(enum log_level *)field = (enum log_level)v;
		break;
	case K_LOGFORMAT:
		if (set_enum(&v, val, format_names, 2) == -1)
			what = "expected text or json";
		else
			*(enum log_format *)field = (enum log_format)v;
		break;
	default:	/* not a scalar: set_value() keeps those */
		break;
	}
	return what;
}

/*
 * A directory, named from the root (the working directory of a daemon
 * is nobody's choice), or none when empty: NULL, or what it should be.
 */
static const char *
set_dir(char **field, const char *val)
{
	const char *p;

	free(*field);
	*field = NULL;
	if (val[0] == '\0')
		return NULL;
	for (p = val; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
			break;
	if (val[0] != '/' || *p != '\0')
		return "expected an absolute directory path like /tmp, or "
		    "nothing";
	if ((*field = strdup(val)) == NULL)
		return "out of memory";
	return NULL;
}

/* Parse `val` for key k into c; on error, append a message to e. */
static int
set_value(struct config *c, const struct key *k, const char *val,
    struct config_errors *e)
{
	char *field = (char *)c + k->off;
	const char *what = NULL;

	switch (k->kind) {
	case K_STRING:
		free(*(char **)field);
		*(char **)field = NULL;
		if (val[0] != '\0' && (*(char **)field = strdup(val)) == NULL)
			what = "out of memory";
		break;
	case K_WORKERS:
	case K_COUNT:
	case K_DURATION:
	case K_SIZE:
	case K_BOOL:
	case K_REDIRECT:
	case K_LOGLEVEL:
	case K_LOGFORMAT:
		what = set_scalar(field, k->kind, val);
		break;
	case K_LIST:
		strlist_free((struct strlist *)field);
		if (strlist_split(val, (struct strlist *)field) == -1)
			what = "out of memory";
		break;
	case K_ALLOW:
		allowlist_free((struct allowlist *)field);
		return set_words(field, add_pattern, val, k, e);
	case K_CIDRS:
		cidr_list_free((struct cidr_list *)field);
		return set_words(field, add_cidr, val, k, e);
	case K_RESOLVE:
		strlist_free((struct strlist *)field);
		return set_words(field, add_resolve, val, k, e);
	case K_URLPATH:
		free(*(char **)field);
		*(char **)field = NULL;
		if (val[0] != '\0' && (val[0] != '/' ||
		    strpbrk(val, "?#%\\") != NULL || has_space_or_ctl(val)))
			what = "expected an absolute path like "
			    "/externalproxy/metrics (no query, no % escapes)";
		else if (val[0] != '\0' &&
		    (*(char **)field = strdup(val)) == NULL)
			what = "out of memory";
		break;
	case K_DIR:
		what = set_dir((char **)field, val);
		break;
	}
	if (what == NULL)
		return 0;
	add_error(e, "[%s] %s: %s", k->section, k->name, what);
	return -1;
}

int
config_defaults(struct config *c, struct config_errors *e)
{
	size_t i;
	int rc = 0;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < NKEYS; i++)
		if (set_value(c, &keys[i], keys[i].def, e) == -1)
			rc = -1;
	return rc;
}

static const struct key *
find_key(const char *section, const char *name)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].section, section) == 0 &&
		    (name == NULL || strcmp(keys[i].name, name) == 0))
			return &keys[i];
	return NULL;
}

/* Check one dictionary entry ("section" or "section:key") and apply it. */
static int
apply_entry(struct config *c, const char *entry, const char *val,
    struct config_errors *e)
{
	const struct key *k;
	const char *colon = strchr(entry, ':');
	char section[64];
	size_t slen;

	if (colon == NULL) {
		if (val != NULL)
			return add_error(e, "%s: key outside of any section",
			    entry), -1;
		if (find_key(entry, NULL) == NULL)
			return add_error(e, "[%s]: unknown section", entry), -1;
		return 0;
	}
	/* no value: a "[server:listen]" section line, not a key */
	if (val == NULL)
		return add_error(e, "[%s]: unknown section", entry), -1;
	slen = (size_t)(colon - entry);
	if (slen >= sizeof(section) || slen == 0) {
		return add_error(e, "%s: key outside of any section",
		    colon + 1), -1;
	}
	memcpy(section, entry, slen);
	section[slen] = '\0';
	if (find_key(section, NULL) == NULL)
		return 0;	/* reported once, with the section entry */
	if ((k = find_key(section, colon + 1)) == NULL)
		return add_error(e, "[%s] %s: unknown key", section, colon + 1), -1;
	return set_value(c, k, val, e);
}

int
config_from_dict(const struct _dictionary_ *d, struct config *c,
    struct config_errors *e)
{
	ssize_t i;
	int rc;

	rc = config_defaults(c, e);
	for (i = 0; i < d->size; i++) {
		if (d->key[i] == NULL)
			continue;
		if (apply_entry(c, d->key[i], d->val[i], e) == -1)
			rc = -1;
	}
	/* max_workers is at least workers; unset, its default rises to it */
	if (c->max_workers < c->workers) {
		if (iniparser_find_entry(d, "server:max_workers")) {
			add_error(e, "[server] max_workers: %ld is less than "
			    "[server] workers (%ld)", c->max_workers, c->workers);
			rc = -1;
		} else
			c->max_workers = c->workers;
	}
	return rc;
}

/* iniparser reports syntax errors through one global callback. */
static struct config_errors *load_errors;

static int
collect_ini_error(const char *fmt, ...)
{
	va_list ap;
	char *msg, *nl;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		msg = NULL;
	va_end(ap);
	if (msg == NULL || load_errors == NULL) {
		free(msg);
		return 0;
	}
	/* "iniparser: syntax error in FILE (LINE):\n-> TEXT\n": one line */
	while ((nl = strchr(msg, '\n')) != NULL)
		*nl = ' ';
	add_error(load_errors, "%s", msg);
	free(msg);
	return 0;
}

int
config_load(const char *path, struct config *c, struct config_errors *e)
{
	dictionary *d;
	FILE *f;
	int rc;

	memset(c, 0, sizeof(*c));
	/* iniparser's own message for a missing file says nothing of why */
	if ((f = fopen(path, "r")) == NULL) {
		add_error(e, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	fclose(f);
	load_errors = e;
	iniparser_set_error_callback(collect_ini_error);
	d = iniparser_load(path);
	iniparser_set_error_callback(NULL);
	load_errors = NULL;
	if (d == NULL) {
		if (e->n == 0)
			add_error(e, "cannot parse %s", path);
		return -1;
	}
	rc = config_from_dict(d, c, e);
	iniparser_freedict(d);
	if (rc == -1 || e->n > 0) {
		config_free(c);
		return -1;
	}
	return 0;
}

void
config_free(struct config *c)
{
	free(c->listen);
	free(c->user);
	free(c->temp_dir);
	allowlist_free(&c->allow);
	cidr_list_free(&c->net_allow);
	cidr_list_free(&c->net_deny);
	free(c->ca_file);
	free(c->proxy);
	free(c->metrics_path);
	strlist_free(&c->resolve);
	strlist_free(&c->strip_request);
	strlist_free(&c->strip_response);
	memset(c, 0, sizeof(*c));
}
