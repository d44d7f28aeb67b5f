/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for hostcap.c: requests in flight per origin under a cap,
 * exact per origin, given back on release, and exact under threads.
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

#include "hostcap.h"

static void
in_flight_is(uint64_t origins, uint64_t requests)
{
	uint64_t o, r;

	hostcap_read(&o, &r);
	assert_int_equal(o, origins);
	assert_int_equal(r, requests);
}

/* Up to cap, then busy; a release makes room for one more. */
static void
test_cap(void **state)
{
	struct hostcap_hold h[4] = { { 0 } }, extra = { 0 };
	int i;

	(void)state;
	in_flight_is(0, 0);
	for (i = 0; i < 3; i++) {
		assert_int_equal(hostcap_acquire(&h[i], "http", "a.example",
		    80, 3), HOSTCAP_OK);
		assert_non_null(h[i].e);
	}
	in_flight_is(1, 3);
	assert_int_equal(hostcap_acquire(&h[3], "http", "a.example", 80, 3),
	    HOSTCAP_BUSY);
	assert_null(h[3].e);
	in_flight_is(1, 3);
	/* a busy hold holds nothing: releasing it changes nothing */
	hostcap_release(&h[3]);
	in_flight_is(1, 3);
	hostcap_release(&h[1]);
	assert_null(h[1].e);
	hostcap_release(&h[1]);		/* twice: still one release */
	in_flight_is(1, 2);
	assert_int_equal(hostcap_acquire(&extra, "http", "a.example", 80, 3),
	    HOSTCAP_OK);
	in_flight_is(1, 3);
	hostcap_release(&extra);
	hostcap_release(&h[0]);
	hostcap_release(&h[2]);
	in_flight_is(0, 0);
}

/* Scheme, host and port each make another origin, with its own count. */
static void
test_origins_apart(void **state)
{
	static const struct { const char *scheme, *host; long port; } o[] = {
		{ "http", "a.example", 80 },
		{ "https", "a.example", 80 },
		{ "http", "b.example", 80 },
		{ "http", "a.example", 8080 },
		{ "http", "a.exampl", 80 },
		{ "http", "[::1]", 80 },
		{ "http", "127.0.0.1", 80 },
	};
	struct hostcap_hold h[7] = { { 0 } }, more = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < 7; i++)
		assert_int_equal(hostcap_acquire(&h[i], o[i].scheme, o[i].host,
		    o[i].port, 1), HOSTCAP_OK);
	in_flight_is(7, 7);
	for (i = 0; i < 7; i++)
		assert_int_equal(hostcap_acquire(&more, o[i].scheme,
		    o[i].host, o[i].port, 1), HOSTCAP_BUSY);
	for (i = 0; i < 7; i++)
		hostcap_release(&h[i]);
	in_flight_is(0, 0);
}

/* cap 0: no cap, nothing counted. */
static void
test_no_cap(void **state)
{
	struct hostcap_hold h[100];
	int i;

	(void)state;
	for (i = 0; i < 100; i++) {
		assert_int_equal(hostcap_acquire(&h[i], "http", "a.example",
		    80, 0), HOSTCAP_OK);
		assert_null(h[i].e);
	}
	in_flight_is(0, 0);
	for (i = 0; i < 100; i++)
		hostcap_release(&h[i]);
	in_flight_is(0, 0);
}

/*
 * A cap lowered (a reload) below what is in flight: no more until the
 * count is below it; those in flight are let finish.
 */
static void
test_cap_lowered(void **state)
{
	struct hostcap_hold h[5] = { { 0 } }, more = { 0 };
	int i;

	(void)state;
	for (i = 0; i < 4; i++)
		assert_int_equal(hostcap_acquire(&h[i], "https", "a.example",
		    443, 4), HOSTCAP_OK);
	assert_int_equal(hostcap_acquire(&more, "https", "a.example", 443, 2),
	    HOSTCAP_BUSY);
	hostcap_release(&h[0]);
	hostcap_release(&h[1]);
	assert_int_equal(hostcap_acquire(&more, "https", "a.example", 443, 2),
	    HOSTCAP_BUSY);
	hostcap_release(&h[2]);
	assert_int_equal(hostcap_acquire(&more, "https", "a.example", 443, 2),
	    HOSTCAP_OK);
	/* raised again: room at once */
	assert_int_equal(hostcap_acquire(&h[4], "https", "a.example", 443,
	    10), HOSTCAP_OK);
	in_flight_is(1, 3);
	hostcap_release(&more);
	hostcap_release(&h[3]);
	hostcap_release(&h[4]);
	in_flight_is(0, 0);
}

/*
 * Many origins in flight at once, more than there are buckets: nothing
 * fills, each is counted apart, and every entry goes with its last
 * request.
 */
#define MANY	3000

static void
test_many_origins(void **state)
{
	struct hostcap_hold *h, more = { 0 };
	char host[32];
	int i;

	(void)state;
	h = calloc(MANY, sizeof(*h));
	assert_non_null(h);
	for (i = 0; i < MANY; i++) {
		snprintf(host, sizeof(host), "h%d.example", i);
		assert_int_equal(hostcap_acquire(&h[i], "https", host, 443, 1),
		    HOSTCAP_OK);
	}
	in_flight_is(MANY, MANY);
	for (i = 0; i < MANY; i += 97) {
		snprintf(host, sizeof(host), "h%d.example", i);
		assert_int_equal(hostcap_acquire(&more, "https", host, 443, 1),
		    HOSTCAP_BUSY);
	}
	for (i = 0; i < MANY; i++)
		hostcap_release(&h[i]);
	in_flight_is(0, 0);
	free(h);
}

/*
 * THREADS threads acquire one origin at the same moment (a barrier),
 * hold until all have tried, then release: exactly CAP get in.
 */
#define THREADS	8
#define CAP	3

static pthread_barrier_t tried, held;
static atomic_int admitted, refused;

static void *
burst(void *arg)
{
	struct hostcap_hold h = { 0 };
	enum hostcap_result rc;

	(void)arg;
	pthread_barrier_wait(&tried);
	rc = hostcap_acquire(&h, "http", "burst.example", 80, CAP);
	atomic_fetch_add(rc == HOSTCAP_OK ? &admitted : &refused, 1);
	pthread_barrier_wait(&held);
	hostcap_release(&h);
	return NULL;
}

static void
test_threads_exact(void **state)
{
	pthread_t t[THREADS];
	int i, round;

	(void)state;
	for (round = 0; round < 50; round++) {
		atomic_store(&admitted, 0);
		atomic_store(&refused, 0);
		pthread_barrier_init(&tried, NULL, THREADS);
		pthread_barrier_init(&held, NULL, THREADS);
		for (i = 0; i < THREADS; i++)
			assert_int_equal(pthread_create(&t[i], NULL, burst,
			    NULL), 0);
		for (i = 0; i < THREADS; i++)
			pthread_join(t[i], NULL);
		pthread_barrier_destroy(&tried);
		pthread_barrier_destroy(&held);
		assert_int_equal(atomic_load(&admitted), CAP);
		assert_int_equal(atomic_load(&refused), THREADS - CAP);
		in_flight_is(0, 0);
	}
}

/*
 * Threads hammer a few origins (sharing buckets or not) with acquire
 * and release: never more than the cap in flight to one origin, as the
 * threads themselves count, and nothing left at the end.
 */
#define ORIGINS	3
#define ROUNDS	20000

static atomic_int holding[ORIGINS], most[ORIGINS];
static atomic_long grants, denials;

static void *
hammer(void *arg)
{
	static const char *const hosts[ORIGINS] = {
		"one.example", "two.example", "three.example"
	};
	struct hostcap_hold h = { 0 };
	int i, o, now, top, self = (int)(intptr_t)arg;

	for (i = 0; i < ROUNDS; i++) {
		o = (i + self) % ORIGINS;
		if (hostcap_acquire(&h, "http", hosts[o], 80, 2) != HOSTCAP_OK) {
			atomic_fetch_add(&denials, 1);
			continue;
		}
		atomic_fetch_add(&grants, 1);
		now = atomic_fetch_add(&holding[o], 1) + 1;
		top = atomic_load(&most[o]);
		while (now > top &&
		    !atomic_compare_exchange_weak(&most[o], &top, now))
			continue;
		atomic_fetch_sub(&holding[o], 1);
		hostcap_release(&h);
	}
	return NULL;
}

static void
test_threads_hammer(void **state)
{
	pthread_t t[THREADS];
	int i;

	(void)state;
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer,
		    (void *)(intptr_t)i), 0);
	for (i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < ORIGINS; i++) {
		assert_true(atomic_load(&most[i]) >= 1);
		assert_true(atomic_load(&most[i]) <= 2);
	}
	assert_int_equal(atomic_load(&grants) + atomic_load(&denials),
	    (long)THREADS * ROUNDS);
	in_flight_is(0, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_origins_apart),
		cmocka_unit_test(test_no_cap),
		cmocka_unit_test(test_cap_lowered),
		cmocka_unit_test(test_many_origins),
		cmocka_unit_test(test_threads_exact),
		cmocka_unit_test(test_threads_hammer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
