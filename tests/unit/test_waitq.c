/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for waitq.c: the queue of connections waiting for a
 * worker keeps them oldest first, across growth and wrapping, and
 * counts those ready by a time.
 */
#include "autoconf.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>

#include "waitq.h"

static struct waitq_item
item(int fd)
{
	struct waitq_item it = { .fd = fd, .kept = fd % 2 == 1,
	    .since = 1000 + fd };

	return it;
}

static void
test_empty(void **state)
{
	struct waitq q = { 0 };
	struct waitq_item it;

	(void)state;
	assert_false(waitq_pop(&q, &it));
	assert_null(waitq_peek(&q));
	waitq_free(&q);
	assert_int_equal(q.len, 0);
}

/* Oldest first, with every field kept, through several growths. */
static void
test_fifo(void **state)
{
	struct waitq q = { 0 };
	struct waitq_item it, want;
	int i;

	(void)state;
	for (i = 0; i < 1000; i++) {
		it = item(i);
		assert_int_equal(waitq_push(&q, &it), 0);
	}
	assert_int_equal(q.len, 1000);
	for (i = 0; i < 1000; i++) {
		want = item(i);
		assert_int_equal(waitq_peek(&q)->fd, i);
		assert_true(waitq_pop(&q, &it));
		assert_int_equal(it.fd, want.fd);
		assert_int_equal(it.kept, want.kept);
		assert_int_equal(it.since, want.since);
	}
	assert_false(waitq_pop(&q, &it));
	waitq_free(&q);
}

/* Growing while the ring has wrapped keeps the order. */
static void
test_wrap_then_grow(void **state)
{
	struct waitq q = { 0 };
	struct waitq_item it;
	int next = 0, expect = 0, round, i;

	(void)state;
	for (round = 0; round < 50; round++) {
		for (i = 0; i < 7 + round; i++) {
			it = item(next++);
			assert_int_equal(waitq_push(&q, &it), 0);
		}
		for (i = 0; i < 5 + round; i++) {
			assert_true(waitq_pop(&q, &it));
			assert_int_equal(it.fd, expect++);
		}
	}
	while (waitq_pop(&q, &it))
		assert_int_equal(it.fd, expect++);
	assert_int_equal(expect, next);
	waitq_free(&q);
}

/*
 * waitq_ready_by() counts the items ready by t, at every t around their
 * times (repeated times too), on a ring that has wrapped.
 */
static void
test_ready_by(void **state)
{
	struct waitq q = { 0 };
	struct waitq_item it = { 0 };
	int64_t t;
	size_t want, i;
	int n;

	(void)state;
	assert_int_equal(waitq_ready_by(&q, 5000), 0);
	for (n = 0; n < 40; n++) {	/* the head moves on */
		assert_int_equal(waitq_push(&q, &it), 0);
		assert_true(waitq_pop(&q, &it));
	}
	for (n = 0; n < 50; n++) {	/* times 100, 100, 102, 102, ... */
		it.since = 100 + n / 2 * 2;
		assert_int_equal(waitq_push(&q, &it), 0);
	}
	for (t = 90; t < 160; t++) {
		want = 0;
		for (i = 0; i < q.len; i++)
			want += q.v[(q.head + i) % q.cap].since <= t;
		assert_int_equal(waitq_ready_by(&q, t), want);
	}
	assert_int_equal(waitq_ready_by(&q, 99), 0);
	assert_int_equal(waitq_ready_by(&q, 100), 2);
	assert_int_equal(waitq_ready_by(&q, 148), 50);
	waitq_free(&q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_fifo),
		cmocka_unit_test(test_wrap_then_grow),
		cmocka_unit_test(test_ready_by),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
