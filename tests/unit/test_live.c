/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for live.c (configuration snapshots and reload),
 * config_keep_restart_keys() and config_pool_differs().  Run under
 * ASan in distcheck, where a snapshot freed too early or never freed
 * is an error.
 */
#include "autoconf.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "live.h"
#include "metrics.h"
#include "stats.h"

static char path[64];

static void
write_ini(const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int
setup(void **state)
{
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/extproxy-live.XXXXXX");
	if ((fd = mkstemp(path)) == -1)
		return -1;
	close(fd);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

static void
start(const char *text)
{
	struct config c;
	struct config_errors e = { NULL, 0 };

	write_ini(text);
	assert_int_equal(config_load(path, &c, &e), 0);
	assert_int_equal(live_init(&c), 0);
}

static void
test_reload(void **state)
{
	const struct config *a, *b, *c;
	unsigned long ga, gb, gc;
	struct metrics m0, m1;

	(void)state;
	stats_read(&m0);
	start("[server]\nworkers = 2\nlisten = /run/a.sock\n"
	    "[allow]\nurls = https://a.example\n[timeouts]\nidle = 5s\n");
	a = live_acquire(&ga);
	assert_int_equal(a->allow.n, 1);
	stats_read(&m1);
	assert_int_equal(m1.max_per_host, 0);	/* the default: no cap */

	/* a good file: the next acquire sees it, a request in flight not */
	write_ini("[server]\nworkers = 8\nlisten = /run/b.sock\n"
	    "[allow]\nurls = https://b.example https://c.example\n"
	    "[timeouts]\nidle = 7s\n[upstream]\nmax_per_host = 5\n");
	assert_int_equal(live_reload(path), 0);
	stats_read(&m1);
	assert_int_equal(m1.max_per_host, 5);	/* the metrics see a reload */
	b = live_acquire(&gb);
	assert_true(gb != ga);
	assert_int_equal(b->allow.n, 2);
	assert_string_equal(b->allow.v[0].host, "b.example");
	assert_int_equal(b->idle_ms, 7000);
	/* keys that need a restart keep their running values */
	assert_int_equal(b->workers, 2);
	assert_string_equal(b->listen, "/run/a.sock");
	/* the old snapshot is intact while referenced */
	assert_int_equal(a->allow.n, 1);
	assert_string_equal(a->allow.v[0].host, "a.example");
	assert_int_equal(a->idle_ms, 5000);
	live_release(a);

	/* a bad file changes nothing */
	write_ini("[server]\nworkers = 0\n[allow]\nurls = ftp://x\n");
	assert_int_equal(live_reload(path), -1);
	c = live_acquire(&gc);
	assert_ptr_equal(c, b);
	assert_int_equal(gc, gb);
	live_release(c);
	/* a missing file neither */
	unlink(path);
	assert_int_equal(live_reload(path), -1);
	c = live_acquire(&gc);
	assert_int_equal(gc, gb);
	live_release(c);
	live_release(b);

	stats_read(&m1);
	assert_true(m1.reloads_ok - m0.reloads_ok == 1);
	assert_true(m1.reloads_failed - m0.reloads_failed == 2);
	assert_false(m1.last_reload_ok);
	write_ini("[allow]\nurls = https://d.example\n[server]\nworkers = 2\n"
	    "listen = /run/a.sock\n");
	assert_int_equal(live_reload(path), 0);
	stats_read(&m1);
	assert_true(m1.last_reload_ok);
	live_shutdown();
}

static atomic_bool stop;
static atomic_int bad;		/* cmocka's asserts are not for threads */

static void *
reader(void *arg)
{
	unsigned long gen, last = 0;
	long n = 0;

	(void)arg;
	while (!atomic_load(&stop)) {
		const struct config *c = live_acquire(&gen);

		size_t n0 = c->allow.n;

		if ((n0 != 1 && n0 != 2) || gen < last ||
		    strcmp(c->allow.v[0].host, "a.example") != 0 ||
		    (n0 == 2 && strcmp(c->allow.v[1].host, "b.example") != 0))
			atomic_fetch_add(&bad, 1);
		usleep(10);
		/* a snapshot never changes under its holder */
		if (c->allow.n != n0)
			atomic_fetch_add(&bad, 1);
		last = gen;
		n++;
		live_release(c);
	}
	return (void *)n;
}

/* Workers acquiring and releasing while reloads swap snapshots. */
static void
test_concurrent(void **state)
{
	pthread_t t[4];
	int i;

	(void)state;
	start("[allow]\nurls = https://a.example\n");
	atomic_store(&stop, false);
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, reader, NULL), 0);
	for (i = 0; i < 200; i++) {
		write_ini(i % 2 == 0 ?
		    "[allow]\nurls = https://a.example https://b.example\n" :
		    "[allow]\nurls = https://a.example\n");
		assert_int_equal(live_reload(path), 0);
	}
	atomic_store(&stop, true);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(atomic_load(&bad), 0);
	live_shutdown();
}

struct seen {
	char	keys[4][32];
	int	n;
};

static void
note(void *arg, const char *key)
{
	struct seen *s = arg;

	snprintf(s->keys[s->n++], sizeof(s->keys[0]), "%s", key);
}

static void
test_restart_keys(void **state)
{
	struct config old, c;
	struct config_errors e = { NULL, 0 };
	struct seen s = { .n = 0 };

	(void)state;
	assert_int_equal(config_defaults(&old, &e), 0);
	assert_int_equal(config_defaults(&c, &e), 0);
	assert_int_equal(config_keep_restart_keys(&old, &c, note, &s), 0);
	assert_int_equal(s.n, 0);
	c.workers = 9;
	c.listen = strdup("/run/x.sock");
	c.idle_ms = 1;
	c.max_per_host = 3;
	assert_int_equal(config_keep_restart_keys(&old, &c, note, &s), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.keys[0], "[server] listen");
	assert_string_equal(s.keys[1], "[server] workers");
	assert_null(c.listen);
	assert_int_equal(c.workers, old.workers);
	assert_int_equal(c.idle_ms, 1);		/* others untouched */
	assert_int_equal(c.max_per_host, 3);
	s.n = 0;
	old.listen = strdup("127.0.0.1:9000");
	assert_int_equal(config_keep_restart_keys(&old, &c, note, &s), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(c.listen, "127.0.0.1:9000");
	assert_ptr_not_equal(c.listen, old.listen);
	/* the directory checked at start is the one used */
	s.n = 0;
	free(c.temp_dir);
	c.temp_dir = strdup("/var/tmp");
	assert_int_equal(config_keep_restart_keys(&old, &c, note, &s), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.keys[0], "[server] temp_dir");
	assert_string_equal(c.temp_dir, "/tmp");
	free(c.temp_dir);
	c.temp_dir = NULL;
	assert_int_equal(config_keep_restart_keys(&old, &c, note, &s), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(c.temp_dir, "/tmp");
	config_free(&old);
	config_free(&c);
}

/* What pooled upstream connections depend on, and only that. */
static void
test_pool_differs(void **state)
{
	struct config a, b;
	struct config_errors e = { NULL, 0 };

	(void)state;
	assert_int_equal(config_defaults(&a, &e), 0);
	assert_int_equal(config_defaults(&b, &e), 0);
	assert_false(config_pool_differs(&a, &b));
	b.idle_ms = 1;
	b.workers = 9;
	assert_false(config_pool_differs(&a, &b));
	assert_int_equal(cidr_list_add(&b.net_allow, "127.0.0.0/8"), 0);
	assert_true(config_pool_differs(&a, &b));
	assert_int_equal(cidr_list_add(&a.net_allow, "127.0.0.0/16"), 0);
	assert_true(config_pool_differs(&a, &b));
	cidr_list_free(&a.net_allow);
	assert_int_equal(cidr_list_add(&a.net_allow, "127.0.0.0/8"), 0);
	assert_false(config_pool_differs(&a, &b));
	assert_int_equal(cidr_list_add(&a.net_deny, "::1"), 0);
	assert_true(config_pool_differs(&a, &b));
	assert_int_equal(cidr_list_add(&b.net_deny, "::1"), 0);
	assert_false(config_pool_differs(&a, &b));
	assert_int_equal(strlist_split("a.example:80:127.0.0.1", &b.resolve), 0);
	assert_true(config_pool_differs(&a, &b));
	assert_int_equal(strlist_split("a.example:80:127.0.0.2", &a.resolve), 0);
	assert_true(config_pool_differs(&a, &b));
	strlist_free(&a.resolve);
	assert_int_equal(strlist_split("a.example:80:127.0.0.1", &a.resolve), 0);
	assert_false(config_pool_differs(&a, &b));
	b.proxy = strdup("http://127.0.0.1:3128");
	assert_true(config_pool_differs(&a, &b));
	a.proxy = strdup("http://127.0.0.1:3129");
	assert_true(config_pool_differs(&a, &b));
	config_free(&a);
	config_free(&b);
}

/* Reload text (rc is what live_reload must return); the pool gen now. */
static unsigned long
reload_pool_gen(const char *text, int rc)
{
	const struct config *c;
	unsigned long p;

	write_ini(text);
	assert_int_equal(live_reload(path), rc);
	c = live_acquire(NULL);
	p = live_pool_gen(c);
	live_release(c);
	return p;
}

/* live_pool_gen() changes with a reload that changes [network] & co. */
static void
test_pool_gen(void **state)
{
	static const char base[] = "[allow]\nurls = https://a.example\n";
	/* each of [network] allow, deny, [upstream] resolve, proxy */
	static const char *const keys[] = {
		"[network]\nallow = 127.0.0.0/8\n",
		"[network]\ndeny = 192.0.2.0/24\n",
		"[upstream]\nresolve = a.example:443:192.0.2.1\n",
		"[upstream]\nproxy = http://192.0.2.1:3128\n",
	};
	const struct config *c;
	unsigned long p0, p;
	char text[256];
	size_t i;

	(void)state;
	start(base);
	c = live_acquire(NULL);
	p0 = live_pool_gen(c);
	live_release(c);
	/* the allowlist and timeouts: the pool stays */
	assert_int_equal(reload_pool_gen("[allow]\nurls = https://b.example\n"
	    "[timeouts]\nidle = 3s\n", 0), p0);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(text, sizeof(text), "%s%s", base, keys[i]);
		p = reload_pool_gen(text, 0);
		assert_true(p != p0);
		/* the same file again: no change; and back: a new one */
		assert_int_equal(reload_pool_gen(text, 0), p);
		p0 = reload_pool_gen(base, 0);
		assert_true(p0 != p);
	}
	/* a refused file changes nothing */
	assert_int_equal(reload_pool_gen("[network]\nallow = nope\n", -1), p0);
	live_shutdown();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent, setup,
		    teardown),
		cmocka_unit_test(test_restart_keys),
		cmocka_unit_test(test_pool_differs),
		cmocka_unit_test_setup_teardown(test_pool_gen, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
