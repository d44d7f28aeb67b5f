/* SPDX-License-Identifier: ISC */
/*
 * fuzz_config: extproxy.ini text through config_load (iniparser reading
 * a memfd), and the same text's "section:key=value" lines as a
 * hand-built dictionary through config_from_dict, so keys iniparser
 * would never produce reach the key table too.  Invariants:
 *  - a configuration is used only when no error was reported, and an
 *    error always comes with a message that is one non-empty line;
 *  - every value of a used configuration is within its documented range,
 *    every allowlist pattern and CIDR block is well formed;
 *  - nothing leaks (LeakSanitizer under libFuzzer).
 */
#include "autoconf.h"	/* _GNU_SOURCE: memfd_create */

#include <stdbool.h>
#include <sys/mman.h>
#include <unistd.h>

#ifdef HAVE_INIPARSER_INIPARSER_H
#include <iniparser/iniparser.h>
#else
#include <iniparser.h>
#endif

/* "config.h" alone would find the autoconf header first */
#include "config.h"
#include "fuzz.h"

static int memfd = -1;
static char memfd_path[64];

static void
setup(void)
{
	if (memfd != -1)
		return;
	if ((memfd = memfd_create("fuzz_config.ini", 0)) == -1) {
		perror("memfd_create");
		abort();
	}
	snprintf(memfd_path, sizeof(memfd_path), "/proc/self/fd/%d", memfd);
}

static void
check_errors(int rc, const struct config_errors *e)
{
	size_t i;

	FUZZ_CHECK((rc == 0) == (e->n == 0), "failure if and only if errors");
	for (i = 0; i < e->n; i++) {
		FUZZ_CHECK(e->v[i] != NULL && e->v[i][0] != '\0',
		    "error message not empty");
		FUZZ_CHECK(strpbrk(e->v[i], "\r\n") == NULL,
		    "error message is one line");
	}
}

static void
check_words(const struct strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		FUZZ_CHECK(l->v[i][0] != '\0', "no empty list word");
		FUZZ_CHECK(strpbrk(l->v[i], ", \t") == NULL,
		    "no separator inside a list word");
	}
}

static void
check_config(const struct config *c)
{
	const long week = 7L * 24 * 3600 * 1000;
	size_t i;

	FUZZ_CHECK(c->listen == NULL || c->listen[0] != '\0', "listen");
	FUZZ_CHECK(c->user == NULL || c->user[0] != '\0', "user");
	FUZZ_CHECK(c->workers >= 1 && c->workers <= 1024, "workers");
	FUZZ_CHECK(c->request_header_ms >= 0 && c->request_header_ms <= week,
	    "request_header");
	FUZZ_CHECK(c->connect_ms >= 0 && c->connect_ms <= week, "connect");
	FUZZ_CHECK(c->response_header_ms >= 0 && c->response_header_ms <= week,
	    "response_header");
	FUZZ_CHECK(c->idle_ms >= 0 && c->idle_ms <= week, "idle");
	FUZZ_CHECK(c->total_ms >= 0 && c->total_ms <= week, "total");
	FUZZ_CHECK(c->pool_idle_ms >= 0 && c->pool_idle_ms <= week, "idle_timeout");
	FUZZ_CHECK(c->max_request_body >= 0, "max_request_body");
	FUZZ_CHECK(c->max_response_body >= 0, "max_response_body");
	FUZZ_CHECK(c->redirect_mode == REDIRECT_PASSTHROUGH ||
	    c->redirect_mode == REDIRECT_FOLLOW ||
	    c->redirect_mode == REDIRECT_BLOCK, "redirects mode");
	FUZZ_CHECK(c->redirect_max >= 0 && c->redirect_max <= 100000,
	    "redirects max");
	FUZZ_CHECK(c->max_connections >= 0 && c->max_connections <= 100000,
	    "max_connections");
	FUZZ_CHECK(c->log_level >= LOG_LEVEL_ERROR &&
	    c->log_level <= LOG_LEVEL_DEBUG, "log level");
	for (i = 0; i < c->allow.n; i++) {
		const struct allow_pattern *p = &c->allow.v[i];

		FUZZ_CHECK(strcmp(p->scheme, "http") == 0 ||
		    strcmp(p->scheme, "https") == 0, "pattern scheme");
		FUZZ_CHECK(p->port == ALLOW_ANY_PORT ||
		    (p->port >= 1 && p->port <= 65535), "pattern port");
		FUZZ_CHECK(p->host[0] != '\0' &&
		    strpbrk(p->host, "/@?#\\%") == NULL, "pattern host");
		FUZZ_CHECK(p->path == NULL || p->path[0] == '/', "pattern path");
	}
	for (i = 0; i < c->net_allow.n; i++)
		FUZZ_CHECK(c->net_allow.v[i].prefix <=
		    (c->net_allow.v[i].family == AF_INET ? 32u : 128u), "cidr");
	for (i = 0; i < c->net_deny.n; i++)
		FUZZ_CHECK(c->net_deny.v[i].prefix <=
		    (c->net_deny.v[i].family == AF_INET ? 32u : 128u), "cidr");
	check_words(&c->strip_request);
	check_words(&c->strip_response);
}

static void
via_file(const uint8_t *data, size_t size)
{
	struct config c;
	struct config_errors e = { 0 };
	int rc;

	if (ftruncate(memfd, 0) == -1 ||
	    pwrite(memfd, data, size, 0) != (ssize_t)size) {
		perror("memfd");
		abort();
	}
	rc = config_load(memfd_path, &c, &e);
	check_errors(rc, &e);
	if (rc == 0) {
		check_config(&c);
		config_free(&c);
	}
	config_errors_free(&e);
}

/* "section" or "section:key=value" lines straight into a dictionary. */
static void
via_dict(const uint8_t *data, size_t size)
{
	struct config c;
	struct config_errors e = { 0 };
	dictionary *d;
	char *text = fuzz_strndup(data, size), *line, *next, *eq;
	int rc;

	if ((d = dictionary_new(0)) == NULL)
		abort();
	for (line = text; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((eq = strchr(line, '=')) != NULL)
			*eq++ = '\0';
		if (line[0] != '\0')
			dictionary_set(d, line, eq);
	}
	rc = config_from_dict(d, &c, &e);
	check_errors(rc, &e);
	if (rc == 0)
		check_config(&c);
	config_free(&c);	/* config_from_dict leaves c for the caller */
	config_errors_free(&e);
	dictionary_del(d);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	via_file(data, size);
	via_dict(data, size);
	return 0;
}
