/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for config.c: extproxy.ini loading, defaults and error
 * collection.  INI files are written to /tmp (mkstemp) and removed again.
 */
#include "autoconf.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/socket.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef HAVE_INIPARSER_INIPARSER_H
#include <iniparser/iniparser.h>
#else
#include <iniparser.h>
#endif

/* "config.h" alone would find the autoconf header first */
#include "config.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* ---- helpers ---- */

/* Write text to a new temporary file; returns its malloc'ed path. */
static char *
write_ini(const char *text)
{
	char *path = strdup("/tmp/extproxy-test-XXXXXX");
	size_t len = strlen(text);
	int fd;

	assert_non_null(path);
	if ((fd = mkstemp(path)) == -1)
		fail_msg("mkstemp failed");
	if (write(fd, text, len) != (ssize_t)len)
		fail_msg("write to %s failed", path);
	close(fd);
	return path;
}

/* Load text as a config file; returns config_load's result. */
static int
load_text(const char *text, struct config *c, struct config_errors *e)
{
	char *path = write_ini(text);
	int rc;

	memset(e, 0, sizeof(*e));
	rc = config_load(path, c, e);
	unlink(path);
	free(path);
	if (rc == 0)
		assert_int_equal(e->n, 0);
	else
		assert_true(e->n > 0);
	return rc;
}

static void
dump_errors(const struct config_errors *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		print_message("  error: %s\n", e->v[i]);
}

/* Load text, which must be valid. */
static void
load_ok(const char *text, struct config *c)
{
	struct config_errors e;

	if (load_text(text, c, &e) != 0) {
		dump_errors(&e);
		fail_msg("config refused:\n%s", text);
	}
	config_errors_free(&e);
}

/* Is there an error message containing needle? */
static bool
has_error(const struct config_errors *e, const char *needle)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		if (strstr(e->v[i], needle) != NULL)
			return true;
	return false;
}

/* Load text, which must fail with exactly n errors, each naming one of want. */
static void
load_bad(const char *text, size_t n, const char *const *want)
{
	struct config c;
	struct config_errors e;
	size_t i;

	if (load_text(text, &c, &e) != -1)
		fail_msg("config accepted:\n%s", text);
	if (e.n != n) {
		dump_errors(&e);
		fail_msg("%zu errors, want %zu, for:\n%s", e.n, n, text);
	}
	for (i = 0; want != NULL && want[i] != NULL; i++) {
		if (!has_error(&e, want[i])) {
			dump_errors(&e);
			fail_msg("no error mentions \"%s\" for:\n%s", want[i],
			    text);
		}
	}
	/* a refused configuration is freed and cleared */
	assert_null(c.listen);
	assert_null(c.allow.v);
	assert_int_equal(c.allow.n, 0);
	assert_null(c.net_allow.v);
	assert_null(c.strip_request.v);
	assert_int_equal(c.workers, 0);
	config_errors_free(&e);
	assert_null(e.v);
	assert_int_equal(e.n, 0);
}

static void
load_bad1(const char *text, const char *want)
{
	const char *w[2] = { want, NULL };

	load_bad(text, 1, w);
}

static void
str_eq(const char *what, const char *a, const char *b)
{
	if (a == NULL && b == NULL)
		return;
	if (a == NULL || b == NULL || strcmp(a, b) != 0)
		fail_msg("%s: \"%s\" != \"%s\"", what, a ? a : "(null)",
		    b ? b : "(null)");
}

static void
strlist_eq(const char *what, const struct strlist *a, const struct strlist *b)
{
	size_t i;

	if (a->n != b->n)
		fail_msg("%s: %zu words != %zu", what, a->n, b->n);
	for (i = 0; i < a->n; i++)
		str_eq(what, a->v[i], b->v[i]);
}

static void
cidrs_eq(const char *what, const struct cidr_list *a,
    const struct cidr_list *b)
{
	size_t i;

	if (a->n != b->n)
		fail_msg("%s: %zu blocks != %zu", what, a->n, b->n);
	for (i = 0; i < a->n; i++)
		if (a->v[i].family != b->v[i].family ||
		    a->v[i].prefix != b->v[i].prefix ||
		    memcmp(a->v[i].addr, b->v[i].addr, 16) != 0)
			fail_msg("%s: block %zu differs", what, i);
}

static void
allow_eq(const struct allowlist *a, const struct allowlist *b)
{
	size_t i;

	if (a->n != b->n)
		fail_msg("[allow] urls: %zu patterns != %zu", a->n, b->n);
	for (i = 0; i < a->n; i++) {
		str_eq("allow scheme", a->v[i].scheme, b->v[i].scheme);
		str_eq("allow host", a->v[i].host, b->v[i].host);
		str_eq("allow path", a->v[i].path, b->v[i].path);
		if (a->v[i].port != b->v[i].port)
			fail_msg("allow port: %ld != %ld", a->v[i].port,
			    b->v[i].port);
	}
}

#define FIELD_EQ(f)	do {						\
	if (a->f != b->f)						\
		fail_msg(#f ": %jd != %jd", (intmax_t)a->f,		\
		    (intmax_t)b->f);					\
} while (0)

/* Compare every field of two configurations. */
static void
config_eq(const struct config *a, const struct config *b)
{
	str_eq("listen", a->listen, b->listen);
	FIELD_EQ(workers);
	FIELD_EQ(max_workers);
	FIELD_EQ(worker_idle_ms);
	FIELD_EQ(queue_timeout_ms);
	str_eq("user", a->user, b->user);
	str_eq("temp_dir", a->temp_dir, b->temp_dir);
	allow_eq(&a->allow, &b->allow);
	FIELD_EQ(request_header_ms);
	FIELD_EQ(connect_ms);
	FIELD_EQ(response_header_ms);
	FIELD_EQ(idle_ms);
	FIELD_EQ(total_ms);
	FIELD_EQ(max_request_body);
	FIELD_EQ(max_response_body);
	FIELD_EQ(redirect_mode);
	FIELD_EQ(redirect_max);
	cidrs_eq("[network] allow", &a->net_allow, &b->net_allow);
	cidrs_eq("[network] deny", &a->net_deny, &b->net_deny);
	FIELD_EQ(max_connections);
	FIELD_EQ(max_per_host);
	FIELD_EQ(pool_idle_ms);
	str_eq("ca_file", a->ca_file, b->ca_file);
	FIELD_EQ(verify_tls);
	str_eq("proxy", a->proxy, b->proxy);
	FIELD_EQ(reuse);
	strlist_eq("strip_request", &a->strip_request, &b->strip_request);
	strlist_eq("strip_response", &a->strip_response, &b->strip_response);
	FIELD_EQ(no_cache);
	FIELD_EQ(log_level);
	FIELD_EQ(access_log);
	FIELD_EQ(log_format);
	FIELD_EQ(log_full_url);
	str_eq("metrics_path", a->metrics_path, b->metrics_path);
}

/* The documented defaults, field by field. */
static void
check_defaults(const struct config *c)
{
	assert_null(c->listen);
	assert_int_equal(c->workers, 4);
	assert_int_equal(c->max_workers, 256);
	assert_int_equal(c->worker_idle_ms, 60000);
	assert_int_equal(c->queue_timeout_ms, 5000);
	assert_null(c->user);
	assert_string_equal(c->temp_dir, "/tmp");
	assert_int_equal(c->allow.n, 0);
	assert_int_equal(c->request_header_ms, 10000);
	assert_int_equal(c->connect_ms, 10000);
	assert_int_equal(c->response_header_ms, 30000);
	assert_int_equal(c->idle_ms, 60000);
	assert_int_equal(c->total_ms, 0);
	assert_true(c->max_request_body == (int64_t)10 * 1024 * 1024);
	assert_true(c->max_response_body == (int64_t)100 * 1024 * 1024);
	assert_int_equal(c->redirect_mode, REDIRECT_PASSTHROUGH);
	assert_int_equal(c->redirect_max, 5);
	assert_int_equal(c->net_allow.n, 0);
	assert_int_equal(c->net_deny.n, 0);
	assert_int_equal(c->max_connections, 64);
	assert_int_equal(c->max_per_host, 0);
	assert_int_equal(c->pool_idle_ms, 60000);
	assert_null(c->ca_file);
	assert_true(c->verify_tls);
	assert_null(c->proxy);
	assert_true(c->reuse);
	assert_int_equal(c->strip_request.n, 3);
	assert_string_equal(c->strip_request.v[0], "Authorization");
	assert_string_equal(c->strip_request.v[1], "Cookie");
	assert_string_equal(c->strip_request.v[2], "Proxy-Authorization");
	assert_int_equal(c->strip_response.n, 1);
	assert_string_equal(c->strip_response.v[0], "Set-Cookie");
	assert_true(c->no_cache);
	assert_int_equal(c->log_level, LOG_LEVEL_INFO);
	assert_true(c->access_log);
	assert_int_equal(c->log_format, LOG_FORMAT_TEXT);
	assert_false(c->log_full_url);
	assert_null(c->metrics_path);
}

/* ---- tests ---- */

static void
test_defaults(void **state)
{
	struct config c;
	struct config_errors e = { NULL, 0 };

	(void)state;
	assert_int_equal(config_defaults(&c, &e), 0);
	assert_int_equal(e.n, 0);
	check_defaults(&c);
	config_free(&c);
	assert_null(c.strip_request.v);
}

static void
test_shipped_ini(void **state)
{
	const char *top = getenv("top_srcdir");
	struct config c, d;
	struct config_errors e = { NULL, 0 };
	char path[4096];

	(void)state;
	if (top == NULL || top[0] == '\0')
		top = ".";
	snprintf(path, sizeof(path), "%s/etc/extproxy.ini", top);
	if (access(path, R_OK) != 0)
		fail_msg("%s is not readable (set top_srcdir)", path);
	if (config_load(path, &c, &e) != 0) {
		dump_errors(&e);
		fail_msg("%s does not load", path);
	}
	assert_int_equal(e.n, 0);
	check_defaults(&c);
	assert_int_equal(config_defaults(&d, &e), 0);
	config_eq(&c, &d);
	config_free(&c);
	config_free(&d);
	config_errors_free(&e);
}

static void
test_empty_file(void **state)
{
	struct config c;

	(void)state;
	load_ok("", &c);
	check_defaults(&c);
	config_free(&c);
	load_ok("; only a comment\n# and another\n\n[server]\n[log]\n", &c);
	check_defaults(&c);
	config_free(&c);
}

static void
test_every_key(void **state)
{
	static const char ini[] =
	    "[server]\n"
	    "listen = 127.0.0.1:9000\n"
	    "workers = 1024\n"
	    "max_workers = 1024\n"
	    "worker_idle = 90s\n"
	    "queue_timeout = 250ms\n"
	    "user = www-data\n"
	    "temp_dir = /var/tmp/extproxy body\n"
	    "[allow]\n"
	    "urls = https://api.example.com/v1/*, http://*.example.org:*\n"
	    "[timeouts]\n"
	    "request_header = 250ms\n"
	    "connect = 500ms\n"
	    "response_header = 2m\n"
	    "idle = 7\n"
	    "total = 1s\n"
	    "[limits]\n"
	    "max_request_body = 64k\n"
	    "max_response_body = 1G\n"
	    "[redirects]\n"
	    "mode = FOLLOW\n"
	    "max = 0\n"
	    "[network]\n"
	    "allow = 10.1.2.0/24 fd00::/8\n"
	    "deny = 203.0.113.7\n"
	    "[upstream]\n"
	    "max_connections = 100000\n"
	    "max_per_host = 0\n"
	    "idle_timeout = 5s\n"
	    "ca_file = /etc/ssl/extra.pem\n"
	    "verify_tls = no\n"
	    "proxy = http://proxy.internal:3128\n"
	    "reuse = false\n"
	    "[headers]\n"
	    "strip_request = X-Internal-*\n"
	    "strip_response =\n"
	    "no_cache = off\n"
	    "[log]\n"
	    "level = debug\n"
	    "access = 0\n"
	    "format = JSON\n"
	    "full_url = yes\n"
	    "[metrics]\n"
	    "path = /externalproxy/metrics\n";
	struct config c;
	unsigned char a4[4];

	(void)state;
	load_ok(ini, &c);
	assert_string_equal(c.listen, "127.0.0.1:9000");
	assert_int_equal(c.workers, 1024);
	assert_int_equal(c.max_workers, 1024);
	assert_int_equal(c.worker_idle_ms, 90000);
	assert_int_equal(c.queue_timeout_ms, 250);
	assert_string_equal(c.user, "www-data");
	assert_string_equal(c.temp_dir, "/var/tmp/extproxy body");
	assert_int_equal(c.allow.n, 2);
	assert_string_equal(c.allow.v[0].host, "api.example.com");
	assert_string_equal(c.allow.v[0].path, "/v1/*");
	assert_int_equal(c.allow.v[0].port, 443);
	assert_string_equal(c.allow.v[1].scheme, "http");
	assert_string_equal(c.allow.v[1].host, "*.example.org");
	assert_int_equal(c.allow.v[1].port, ALLOW_ANY_PORT);
	assert_int_equal(c.request_header_ms, 250);
	assert_int_equal(c.connect_ms, 500);
	assert_int_equal(c.response_header_ms, 120000);
	assert_int_equal(c.idle_ms, 7000);
	assert_int_equal(c.total_ms, 1000);
	assert_true(c.max_request_body == 65536);
	assert_true(c.max_response_body == (int64_t)1 << 30);
	assert_int_equal(c.redirect_mode, REDIRECT_FOLLOW);
	assert_int_equal(c.redirect_max, 0);
	assert_int_equal(c.net_allow.n, 2);
	assert_int_equal(c.net_allow.v[0].family, AF_INET);
	assert_int_equal(c.net_allow.v[0].prefix, 24);
	assert_int_equal(c.net_allow.v[1].family, AF_INET6);
	assert_int_equal(c.net_allow.v[1].prefix, 8);
	assert_int_equal(c.net_deny.n, 1);
	assert_int_equal(c.net_deny.v[0].prefix, 32);
	assert_int_equal(inet_pton(AF_INET, "203.0.113.7", a4), 1);
	assert_memory_equal(c.net_deny.v[0].addr, a4, 4);
	assert_int_equal(c.max_connections, 100000);
	assert_int_equal(c.max_per_host, 0);
	assert_int_equal(c.pool_idle_ms, 5000);
	assert_string_equal(c.ca_file, "/etc/ssl/extra.pem");
	assert_false(c.verify_tls);
	assert_string_equal(c.proxy, "http://proxy.internal:3128");
	assert_false(c.reuse);
	assert_int_equal(c.strip_request.n, 1);
	assert_string_equal(c.strip_request.v[0], "X-Internal-*");
	assert_int_equal(c.strip_response.n, 0);
	assert_false(c.no_cache);
	assert_int_equal(c.log_level, LOG_LEVEL_DEBUG);
	assert_false(c.access_log);
	assert_int_equal(c.log_format, LOG_FORMAT_JSON);
	assert_true(c.log_full_url);
	assert_string_equal(c.metrics_path, "/externalproxy/metrics");
	config_free(&c);
	assert_null(c.listen);
	assert_null(c.allow.v);
}

/*
 * max_workers is at least workers: an explicit value below it is an
 * error; without one, the default rises to workers.
 */
static void
test_max_workers(void **state)
{
	struct config c;

	(void)state;
	load_bad1("[server]\nworkers = 8\nmax_workers = 4\n",
	    "[server] max_workers: 4 is less than [server] workers (8)");
	load_ok("[server]\nworkers = 300\n", &c);
	assert_int_equal(c.max_workers, 300);
	config_free(&c);
	load_ok("[server]\nworkers = 8\nmax_workers = 8\n", &c);
	assert_int_equal(c.max_workers, 8);
	config_free(&c);
	load_ok("[server]\nworkers = 2\n", &c);
	assert_int_equal(c.max_workers, 256);
	config_free(&c);
}

/* An empty [server] temp_dir keeps no request body on disk. */
static void
test_temp_dir_empty(void **state)
{
	struct config c;

	(void)state;
	load_ok("[server]\ntemp_dir =\n", &c);
	assert_null(c.temp_dir);
	config_free(&c);
}

static void
test_case_insensitive_names(void **state)
{
	struct config c;

	(void)state;
	load_ok("[SERVER]\nWorkers = 2\n[Log]\nLEVEL = Warn\n", &c);
	assert_int_equal(c.workers, 2);
	assert_int_equal(c.log_level, LOG_LEVEL_WARN);
	config_free(&c);
}

static void
test_unknown(void **state)
{
	(void)state;
	load_bad1("[bogus]\n", "[bogus]");
	/* keys of an unknown section are not reported one by one */
	load_bad1("[bogus]\nx = 1\ny = 2\n", "[bogus]");
	load_bad1("[server]\nbogus = 1\n", "[server] bogus");
	load_bad1("[server]\nworkers = 2\nbogus = 1\n", "[server] bogus");
	load_bad1("[allow]\nurl = https://a.com\n", "[allow] url");
	load_bad1("[network]\nlisten = x\n", "[network] listen");
	/* "section:key" as a section name is no way around either */
	load_bad1("[server:listen]\n", "[server:listen]");
	load_bad1("[server]\nlisten = /run/x.sock\n[server:listen]\n",
	    "[server:listen]");
	load_bad1("[network]\ndeny = 203.0.113.0/24\n[network:deny]\n",
	    "[network:deny]");
	load_bad1("[server:bogus]\n", "[server");
}

struct badval {
	const char	*section;
	const char	*key;
	const char	*value;
};

static void
test_bad_values(void **state)
{
	static const struct badval bad[] = {
		{ "server", "workers", "0" },
		{ "server", "workers", "1025" },
		{ "server", "workers", "-1" },
		{ "server", "workers", "four" },
		{ "server", "workers", "" },
		{ "server", "max_workers", "0" },
		{ "server", "max_workers", "1025" },
		{ "server", "max_workers", "many" },
		{ "server", "worker_idle", "1d" },
		{ "server", "worker_idle", "-1" },
		{ "server", "temp_dir", "tmp" },
		{ "server", "temp_dir", "./tmp" },
		{ "server", "temp_dir", "~/tmp" },
		{ "server", "temp_dir", "/tmp\x01" },
		{ "server", "queue_timeout", "2h" },
		{ "server", "queue_timeout", "soon" },
		{ "timeouts", "request_header", "604801" },
		{ "timeouts", "request_header", "-1" },
		{ "timeouts", "request_header", "" },
		{ "timeouts", "connect", "1h" },
		{ "timeouts", "connect", "-1" },
		{ "timeouts", "response_header", "1.5s" },
		{ "timeouts", "idle", "10 s" },
		{ "timeouts", "total", "604801" },
		{ "timeouts", "total", "" },
		{ "limits", "max_request_body", "1T" },
		{ "limits", "max_response_body", "1MB" },
		{ "limits", "max_response_body", "-5" },
		{ "redirects", "mode", "sometimes" },
		{ "redirects", "mode", "" },
		{ "redirects", "max", "100001" },
		{ "redirects", "max", "5x" },
		{ "upstream", "max_connections", "-1" },
		{ "upstream", "max_per_host", "-1" },
		{ "upstream", "max_per_host", "100001" },
		{ "upstream", "max_per_host", "some" },
		{ "upstream", "idle_timeout", "1d" },
		{ "upstream", "verify_tls", "maybe" },
		{ "upstream", "verify_tls", "" },
		{ "upstream", "reuse", "sometimes" },
		{ "headers", "no_cache", "2" },
		{ "log", "level", "loud" },
		{ "log", "level", "warning" },
		{ "log", "access", "y" },
	};
	char text[256], want[128];
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(bad); i++) {
		snprintf(text, sizeof(text), "[%s]\n%s = %s\n", bad[i].section,
		    bad[i].key, bad[i].value);
		snprintf(want, sizeof(want), "[%s] %s:", bad[i].section,
		    bad[i].key);
		load_bad1(text, want);
	}
}

static void
test_errors_all_reported(void **state)
{
	static const char *const want3[] = {
		"[server] workers", "[timeouts] connect", "[log] level", NULL
	};
	static const char *const wantlog[] = {
		"[log] format: expected text or json",
		"[log] full_url: expected true or false", NULL
	};
	static const char *const want5[] = {
		"[server] workers", "[bogus]", "[allow] urls", "\"ftp://a.com\"",
		"\"https://\"", "[headers] no_cache", NULL
	};

	(void)state;
	load_bad("[server]\nworkers = 0\n"
	    "[timeouts]\nconnect = 1h\n"
	    "[log]\nlevel = loud\n", 3, want3);
	load_bad("[log]\nformat = xml\nfull_url = maybe\n", 2, wantlog);
	load_bad1("[server]\ntemp_dir = var/tmp\n", "[server] temp_dir: "
	    "expected an absolute directory path like /tmp, or nothing");
	load_bad1("[metrics]\npath = metrics\n", "[metrics] path: expected");
	load_bad1("[metrics]\npath = /m?x=1\n", "[metrics] path: expected");
	load_bad1("[metrics]\npath = /a%2fb\n", "[metrics] path: expected");
	load_bad1("[metrics]\npath = \"/a b\"\n", "[metrics] path: expected");
	/* good keys in between change nothing */
	load_bad("[server]\nworkers = 0\nlisten = /run/x.sock\n"
	    "[timeouts]\nidle = 5s\nconnect = 1h\n"
	    "[log]\naccess = true\nlevel = loud\n", 3, want3);
	/* every bad pattern of a list is reported */
	load_bad("[server]\nworkers = 2000\n"
	    "[bogus]\nx = 1\n"
	    "[allow]\nurls = https://ok.example.com ftp://a.com https://\n"
	    "[headers]\nno_cache = perhaps\n", 5, want5);
}

static void
test_resolve(void **state)
{
	static const char *const bad[] = {
		"example.com", "example.com:80", "example.com:80:",
		":80:127.0.0.1", "example.com::127.0.0.1",
		"example.com:0:127.0.0.1", "example.com:65536:127.0.0.1",
		"example.com:8o:127.0.0.1", "example.com:-1:127.0.0.1",
		"example.com:80:127.1", "example.com:80:2130706433",
		"example.com:80:0x7f.0.0.1", "example.com:80:localhost",
		"example.com:80:[127.0.0.1]", "example.com:80:127.0.0.1:1",
		"example.com:80:[::1", "example.com:80:fe80::1%eth0",
		"*.example.com:80:127.0.0.1", "+example.com:80:127.0.0.1",
		"-example.com:80:127.0.0.1", "127.0.0.1:80:10.0.0.1",
		"[::1]:80:127.0.0.1", ".example.com:80:127.0.0.1",
		"example..com:80:127.0.0.1", "exa\\mple.com:80:127.0.0.1",
		"ex@mple.com:80:127.0.0.1",
	};
	char text[256];
	struct config c;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(bad); i++) {
		snprintf(text, sizeof(text), "[upstream]\nresolve = %s\n", bad[i]);
		load_bad1(text, "[upstream] resolve: \"");
	}
	load_ok("[upstream]\nresolve = Allowed.Example:8080:127.0.0.1, \\\n"
	    "  v6.example:443:::1 v6b.example:80:[2001:db8::1]\n", &c);
	assert_int_equal(c.resolve.n, 3);
	assert_string_equal(c.resolve.v[0], "allowed.example:8080:127.0.0.1");
	assert_string_equal(c.resolve.v[1], "v6.example:443:[::1]");
	assert_string_equal(c.resolve.v[2], "v6b.example:80:[2001:db8::1]");
	config_free(&c);
	load_ok("[upstream]\nresolve =\n", &c);
	assert_int_equal(c.resolve.n, 0);
	config_free(&c);
}

static void
test_key_outside_section(void **state)
{
	(void)state;
	load_bad1("workers = 3\n[server]\n", "workers");
	load_bad1("workers = 3\n", "outside");
}

static void
test_allow_errors(void **state)
{
	static const char *const want2[] = {
		"[allow] urls", "\"https://a.com:0\"", "\"a.com\"", NULL
	};
	struct config c;

	(void)state;
	load_bad1("[allow]\nurls = https://\n", "[allow] urls");
	load_bad1("[allow]\nurls = https:///x\n", "[allow] urls");
	load_bad1("[allow]\nurls = https://a.com https://:8080\n",
	    "[allow] urls");
	load_bad("[allow]\nurls = https://a.com:0, a.com\n", 2, want2);

	load_ok("[allow]\nurls = https://a.com\n", &c);
	assert_int_equal(c.allow.n, 1);
	config_free(&c);
}

static void
test_cidr_errors(void **state)
{
	struct config c;

	(void)state;
	load_bad1("[network]\nallow = 10.0.0.0/33\n", "[network] allow");
	load_bad1("[network]\nallow = 10.0.0.1/8\n", "[network] allow");
	load_bad1("[network]\nallow = example.com\n", "[network] allow");
	load_bad1("[network]\nallow = 10.1.0.0/16, 10.2\n", "\"10.2\"");
	load_bad1("[network]\ndeny = 0x7f.1\n", "[network] deny");
	/* named as a bad [allow] or [upstream] resolve word is */
	load_bad1("[network]\ndeny = nope\n", "[network] deny: \"nope\": "
	    "not an address or CIDR block (like 10.0.0.0/8 or fd00::/8)");

	load_ok("[network]\nallow = 10.1.0.0/16, 10.2.0.0/16\n", &c);
	assert_int_equal(c.net_allow.n, 2);
	config_free(&c);
}

static void
test_continued_list(void **state)
{
	struct config c;

	(void)state;
	load_ok("[allow]\n"
	    "urls = https://api.example.com/v1/*, \\\n"
	    "       https://*.cdn.example.net \\\n"
	    "       http://legacy.example.org:8080\n"
	    "[server]\n"
	    "workers = 3\n", &c);
	assert_int_equal(c.allow.n, 3);
	assert_string_equal(c.allow.v[0].host, "api.example.com");
	assert_string_equal(c.allow.v[0].path, "/v1/*");
	assert_string_equal(c.allow.v[1].host, "*.cdn.example.net");
	assert_null(c.allow.v[1].path);
	assert_string_equal(c.allow.v[2].scheme, "http");
	assert_string_equal(c.allow.v[2].host, "legacy.example.org");
	assert_int_equal(c.allow.v[2].port, 8080);
	/* the line after the list is its own key again */
	assert_int_equal(c.workers, 3);
	config_free(&c);

	load_ok("[headers]\n"
	    "strip_request = Authorization \\\n"
	    "   Cookie, \\\n"
	    "   X-Internal-*\n", &c);
	assert_int_equal(c.strip_request.n, 3);
	assert_string_equal(c.strip_request.v[0], "Authorization");
	assert_string_equal(c.strip_request.v[1], "Cookie");
	assert_string_equal(c.strip_request.v[2], "X-Internal-*");
	config_free(&c);
}

static void
test_comments(void **state)
{
	struct config c;

	(void)state;
	load_ok("; leading comment\n"
	    "[server]\n"
	    "workers = 8 ; eight\n"
	    "listen = \"/run/a;b.sock\"\n"
	    "[allow]\n"
	    "# a hash comment\n"
	    "urls = https://a.example.com ; https://b.example.com\n"
	    "[timeouts]\n"
	    "connect = 5s# no space\n"
	    "[upstream]\n"
	    "proxy = \"\"\n", &c);
	assert_int_equal(c.workers, 8);
	assert_string_equal(c.listen, "/run/a;b.sock");
	assert_int_equal(c.allow.n, 1);
	assert_string_equal(c.allow.v[0].host, "a.example.com");
	assert_int_equal(c.connect_ms, 5000);
	assert_null(c.proxy);
	config_free(&c);
}

static void
test_missing_file(void **state)
{
	struct config c;
	struct config_errors e = { NULL, 0 };

	(void)state;
	assert_int_equal(config_load("/nonexistent/extproxy-test.ini", &c, &e),
	    -1);
	assert_int_equal(e.n, 1);
	assert_non_null(strstr(e.v[0], "cannot open"));
	assert_non_null(strstr(e.v[0], "/nonexistent/extproxy-test.ini"));
	assert_null(c.listen);
	assert_null(c.strip_request.v);
	config_errors_free(&e);
}

static void
test_syntax_error(void **state)
{
	struct config c;
	struct config_errors e;

	(void)state;
	assert_int_equal(load_text("[server]\nthis is not ini\n", &c, &e), -1);
	assert_true(e.n >= 1);
	assert_non_null(strstr(e.v[0], "this is not ini"));
	assert_null(strchr(e.v[0], '\n'));	/* one line per error */
	config_errors_free(&e);

	assert_int_equal(load_text("[server]\nworkers\n", &c, &e), -1);
	config_errors_free(&e);
	assert_int_equal(load_text("[server]\n= 3\n", &c, &e), -1);
	config_errors_free(&e);
	assert_int_equal(load_text("[server\nworkers = 2\n", &c, &e), -1);
	config_errors_free(&e);
}

/* config_from_dict is the pure part: feed it a hand-built dictionary. */
static void
test_from_dict(void **state)
{
	dictionary *d;
	struct config c;
	struct config_errors e = { NULL, 0 };

	(void)state;
	d = dictionary_new(0);
	assert_non_null(d);
	assert_int_equal(dictionary_set(d, "server", NULL), 0);
	assert_int_equal(dictionary_set(d, "server:workers", "7"), 0);
	assert_int_equal(dictionary_set(d, "allow", NULL), 0);
	assert_int_equal(dictionary_set(d, "allow:urls",
	    "https://a.example.com"), 0);
	assert_int_equal(config_from_dict(d, &c, &e), 0);
	assert_int_equal(e.n, 0);
	assert_int_equal(c.workers, 7);
	assert_int_equal(c.allow.n, 1);
	assert_int_equal(c.connect_ms, 10000);		/* a default */
	config_free(&c);

	assert_int_equal(dictionary_set(d, "server:workers", "0"), 0);
	assert_int_equal(dictionary_set(d, "bogus", NULL), 0);
	assert_int_equal(config_from_dict(d, &c, &e), -1);
	assert_int_equal(e.n, 2);
	assert_true(has_error(&e, "[server] workers"));
	assert_true(has_error(&e, "[bogus]"));
	config_free(&c);
	config_errors_free(&e);
	dictionary_del(d);
}

/*
 * Error messages quote the file's text; a control byte in a key or
 * section name must not split a message or reach the terminal or log.
 * Found by tests/fuzz/fuzz_config.
 */
static void
test_error_one_line(void **state)
{
	struct config c;
	struct config_errors e;
	size_t i;

	(void)state;
	assert_int_equal(load_text("[server]\nfoo\rbar = 1\n[a\rb]\nx = 1\n"
	    "[allow]\nurls = http://a\x1b[2J.com\n", &c, &e), -1);
	assert_int_equal(e.n, 3);
	for (i = 0; i < e.n; i++) {
		const char *p;

		for (p = e.v[i]; *p != '\0'; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				fail_msg("error %zu has control byte 0x%02x", i,
				    (unsigned char)*p);
	}
	assert_true(has_error(&e, "[server] foo?bar: unknown key"));
	assert_true(has_error(&e, "[a?b]: unknown section"));
	assert_true(has_error(&e, "\"http://a?[2J.com\""));
	config_errors_free(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_shipped_ini),
		cmocka_unit_test(test_empty_file),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_temp_dir_empty),
		cmocka_unit_test(test_max_workers),
		cmocka_unit_test(test_case_insensitive_names),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_errors_all_reported),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_key_outside_section),
		cmocka_unit_test(test_allow_errors),
		cmocka_unit_test(test_cidr_errors),
		cmocka_unit_test(test_continued_list),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_syntax_error),
		cmocka_unit_test(test_from_dict),
		cmocka_unit_test(test_error_one_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
