/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for units.c: durations, sizes, booleans, integers; and for
 * the decimal numbers and word lists they build on (decimal.c,
 * strlist.c).
 */
#include "autoconf.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include "decimal.h"
#include "strlist.h"
#include "units.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

#define WEEK_MS		(7L * 24 * 3600 * 1000)

struct dur {
	const char	*s;
	long		 ms;
};

static void
test_duration_good(void **state)
{
	static const struct dur w[] = {
		{ "500ms", 500 },
		{ "10s", 10000 },
		{ "2m", 120000 },
		{ "30", 30000 },		/* bare number: seconds */
		{ "0", 0 },
		{ "0ms", 0 },
		{ "0s", 0 },
		{ "1ms", 1 },
		{ "007s", 7000 },
		{ "604800", WEEK_MS },		/* exactly a week */
		{ "604800s", WEEK_MS },
		{ "10080m", WEEK_MS },
		{ "604800000ms", WEEK_MS },
	};
	size_t i;
	long ms;

	(void)state;
	for (i = 0; i < NELEM(w); i++) {
		ms = -42;
		if (parse_duration(w[i].s, &ms) != 0)
			fail_msg("parse_duration(\"%s\") failed", w[i].s);
		if (ms != w[i].ms)
			fail_msg("parse_duration(\"%s\") = %ld, want %ld",
			    w[i].s, ms, w[i].ms);
	}
}

static void
test_duration_bad(void **state)
{
	static const char *const bad[] = {
		"-1", "1h", "1.5s", "", " 1s", "1s ", "10 s", "s", "ms",
		"+1s", "1S", "1MS", "1sec", "1d", "0x10", "1e3", "10s5",
		"1ms1", "\t1",
		"604801",		/* a week and a second */
		"604801s",
		"10081m",
		"604800001ms",
		"99999999999999999999",		/* overflows uint64_t */
		"99999999999999999999ms",
		"18446744073709551615",		/* UINT64_MAX */
		"18446744073709551616",
		"9223372036854775807m",
	};
	size_t i;
	long ms;

	(void)state;
	for (i = 0; i < NELEM(bad); i++) {
		ms = -42;
		if (parse_duration(bad[i], &ms) != -1)
			fail_msg("parse_duration(\"%s\") accepted (%ld)",
			    bad[i], ms);
		if (ms != -42)
			fail_msg("parse_duration(\"%s\") wrote %ld on error",
			    bad[i], ms);
	}
}

struct sz {
	const char	*s;
	int64_t		 bytes;
};

static void
test_size_good(void **state)
{
	static const struct sz w[] = {
		{ "0", 0 },
		{ "512", 512 },
		{ "1k", 1024 },
		{ "1K", 1024 },
		{ "64k", 65536 },
		{ "10M", 10 * 1024 * 1024 },
		{ "100M", 100 * 1024 * 1024 },
		{ "1G", (int64_t)1 << 30 },
		{ "4G", (int64_t)4 << 30 },
		{ "0G", 0 },
		{ "8589934591G", (int64_t)8589934591 << 30 },	/* largest */
		{ "9223372036854775807", INT64_MAX },
	};
	size_t i;
	int64_t b;

	(void)state;
	for (i = 0; i < NELEM(w); i++) {
		b = -42;
		if (parse_size(w[i].s, &b) != 0)
			fail_msg("parse_size(\"%s\") failed", w[i].s);
		if (b != w[i].bytes)
			fail_msg("parse_size(\"%s\") = %jd, want %jd", w[i].s,
			    (intmax_t)b, (intmax_t)w[i].bytes);
	}
}

static void
test_size_bad(void **state)
{
	static const char *const bad[] = {
		"1T", "1MB", "1kB", "1KiB", "-5", "", " 1", "1 ", "1 M", "M",
		"k", "1m", "1g", "1.5M", "+1", "0x10", "1e3", "1MM", "1b",
		"8589934592G",			/* 2^63: one past INT64_MAX */
		"9223372036854775808",		/* INT64_MAX + 1 */
		"9007199254740992k",		/* 2^63 */
		"99999999999999999999",		/* overflows uint64_t */
		"18446744073709551616",
	};
	size_t i;
	int64_t b;

	(void)state;
	for (i = 0; i < NELEM(bad); i++) {
		b = -42;
		if (parse_size(bad[i], &b) != -1)
			fail_msg("parse_size(\"%s\") accepted (%jd)", bad[i],
			    (intmax_t)b);
		if (b != -42)
			fail_msg("parse_size(\"%s\") wrote on error", bad[i]);
	}
}

static void
test_bool(void **state)
{
	static const char *const yes[] = {
		"true", "yes", "on", "1", "TRUE", "Yes", "oN", "True"
	};
	static const char *const no[] = {
		"false", "no", "off", "0", "FALSE", "No", "OFF", "False"
	};
	static const char *const bad[] = {
		"", "2", "y", "n", "t", "f", "enable", "disabled", " true",
		"true ", "yes!", "01", "10", "-1", "nope", "onn"
	};
	size_t i;
	bool b;

	(void)state;
	for (i = 0; i < NELEM(yes); i++) {
		b = false;
		if (parse_bool(yes[i], &b) != 0 || !b)
			fail_msg("parse_bool(\"%s\") is not true", yes[i]);
	}
	for (i = 0; i < NELEM(no); i++) {
		b = true;
		if (parse_bool(no[i], &b) != 0 || b)
			fail_msg("parse_bool(\"%s\") is not false", no[i]);
	}
	for (i = 0; i < NELEM(bad); i++) {
		b = true;
		if (parse_bool(bad[i], &b) != -1)
			fail_msg("parse_bool(\"%s\") accepted", bad[i]);
		if (!b)
			fail_msg("parse_bool(\"%s\") wrote on error", bad[i]);
	}
}

static void
test_int(void **state)
{
	long n;

	(void)state;
	n = -42;
	assert_int_equal(parse_int("1", 1, 1024, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(parse_int("1024", 1, 1024, &n), 0);
	assert_int_equal(n, 1024);
	assert_int_equal(parse_int("512", 1, 1024, &n), 0);
	assert_int_equal(n, 512);
	assert_int_equal(parse_int("0", 0, 100000, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(parse_int("100000", 0, 100000, &n), 0);
	assert_int_equal(n, 100000);
	assert_int_equal(parse_int("0042", 0, 100, &n), 0);
	assert_int_equal(n, 42);

	n = -42;
	assert_int_equal(parse_int("0", 1, 1024, &n), -1);
	assert_int_equal(parse_int("1025", 1, 1024, &n), -1);
	assert_int_equal(parse_int("100001", 0, 100000, &n), -1);
	assert_int_equal(parse_int("-1", -5, 5, &n), -1);
	assert_int_equal(parse_int("+1", 0, 5, &n), -1);
	assert_int_equal(parse_int("", 0, 5, &n), -1);
	assert_int_equal(parse_int(" 1", 0, 5, &n), -1);
	assert_int_equal(parse_int("1 ", 0, 5, &n), -1);
	assert_int_equal(parse_int("1k", 0, 5000, &n), -1);
	assert_int_equal(parse_int("1.0", 0, 5, &n), -1);
	assert_int_equal(parse_int("0x1", 0, 5, &n), -1);
	assert_int_equal(parse_int("abc", 0, 5, &n), -1);
	assert_int_equal(parse_int("99999999999999999999", 0, LONG_MAX, &n),
	    -1);
	/* larger than LONG_MAX but fits uint64_t: must not wrap negative */
	assert_int_equal(parse_int("9223372036854775808", 0, LONG_MAX, &n),
	    -1);
	assert_int_equal(parse_int("18446744073709551615", 0, LONG_MAX, &n),
	    -1);
	assert_int_equal(n, -42);

	assert_int_equal(parse_int("9223372036854775807", 0, LONG_MAX, &n), 0);
	assert_true(n == LONG_MAX);
}

/* Split s and compare with the NULL-terminated list want. */
static void
split_is(const char *s, const char *const *want)
{
	struct strlist l;
	size_t i, n;

	for (n = 0; want[n] != NULL; n++)
		;
	memset(&l, 0xa5, sizeof(l));
	if (strlist_split(s, &l) != 0)
		fail_msg("strlist_split(\"%s\") failed", s);
	if (l.n != n)
		fail_msg("strlist_split(\"%s\"): %zu words, want %zu", s, l.n, n);
	for (i = 0; i < n; i++)
		if (strcmp(l.v[i], want[i]) != 0)
			fail_msg("strlist_split(\"%s\")[%zu] = \"%s\", want \"%s\"",
			    s, i, l.v[i], want[i]);
	if (n == 0)
		assert_null(l.v);
	strlist_free(&l);
	assert_null(l.v);
	assert_int_equal(l.n, 0);
}

static void
test_length(void **state)
{
	static const char *const bad[] = {
		"", "+5", "-1", "-0", " 5", "5 ", "5abc", "0x10", "1e3", "5.0",
		"9223372036854775808", "18446744073709551616",
		"99999999999999999999", "\t", ",",
	};
	int64_t v;
	size_t i;

	(void)state;
	assert_int_equal(parse_length("0", 1, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_length("278", 3, &v), 0);
	assert_int_equal(v, 278);
	assert_int_equal(parse_length("0005", 4, &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(parse_length("9223372036854775807", 19, &v), 0);
	assert_true(v == INT64_MAX);
	/* exactly len bytes: the rest is not looked at */
	assert_int_equal(parse_length("51, 30", 2, &v), 0);
	assert_int_equal(v, 51);
	assert_int_equal(parse_length("5x", 1, &v), 0);
	assert_int_equal(v, 5);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 42;
		if (parse_length(bad[i], strlen(bad[i]), &v) != -1)
			fail_msg("parse_length(\"%s\") accepted", bad[i]);
		assert_int_equal(v, 42);
	}
}

static void
test_strlist(void **state)
{
	static const char *const none[] = { NULL };
	static const char *const one[] = { "Authorization", NULL };
	static const char *const abc[] = { "a", "b", "c", NULL };
	static const char *const hdrs[] = {
		"Authorization", "Cookie", "Proxy-Authorization", NULL
	};
	static const char *const urls[] = {
		"https://api.example.com/v1/*", "https://*.cdn.example.net",
		NULL
	};

	(void)state;
	split_is("", none);
	split_is(" ", none);
	split_is(",", none);
	split_is(" , ,\t,\n ", none);
	split_is("Authorization", one);
	split_is("  Authorization  ", one);
	split_is(",Authorization,", one);
	split_is("a,b,c", abc);		/* commas */
	split_is("a b c", abc);		/* whitespace */
	split_is("a, b ,c", abc);	/* mixed */
	split_is("a\tb\nc", abc);	/* tabs and newlines */
	split_is("a\r\n\tb \t\r\n c", abc);
	split_is("a,,b,,,c", abc);	/* consecutive separators */
	split_is("a , , b    c", abc);
	split_is(",, a,b,c ,,", abc);
	split_is("Authorization, Cookie, Proxy-Authorization", hdrs);
	split_is("https://api.example.com/v1/*,        https://*.cdn.example.net ",
	    urls);
}

static void
decimal_is(const char *s, uint64_t max, uint64_t want)
{
	uint64_t v = 0;

	if (parse_decimal(s, strlen(s), max, &v) != 0)
		fail_msg("parse_decimal(\"%s\", %ju) refused", s, (uintmax_t)max);
	if (v != want)
		fail_msg("parse_decimal(\"%s\") = %ju, want %ju", s,
		    (uintmax_t)v, (uintmax_t)want);
}

static void
decimal_bad(const char *s, uint64_t max)
{
	uint64_t v = 42;

	if (parse_decimal(s, strlen(s), max, &v) != -1)
		fail_msg("parse_decimal(\"%s\", %ju) accepted", s,
		    (uintmax_t)max);
	assert_true(v == 42);		/* untouched on error */
}

static void
test_decimal(void **state)
{
	static const char *const bad[] = {
		"", "-1", "+1", " 1", "1 ", "1e3", "0x10", "1.0", "1_000",
	};
	uint64_t v;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(bad); i++)
		decimal_bad(bad[i], UINT64_MAX);
	decimal_is("0", 0, 0);
	decimal_is("000", 0, 0);
	decimal_is("007", 7, 7);
	decimal_is("18446744073709551615", UINT64_MAX, UINT64_MAX);
	decimal_bad("18446744073709551616", UINT64_MAX);
	decimal_bad("99999999999999999999999", UINT64_MAX);
	decimal_is("9223372036854775807", INT64_MAX, INT64_MAX);
	decimal_bad("9223372036854775808", INT64_MAX);
	/* a maximum below one digit, and every edge around one */
	decimal_bad("7", 5);
	decimal_is("5", 5, 5);
	decimal_is("128", 128, 128);
	decimal_bad("129", 128);
	decimal_bad("1280", 128);
	/* only the n bytes given are read */
	assert_int_equal(parse_decimal("12x", 2, 100, &v), 0);
	assert_true(v == 12);
	assert_int_equal(parse_decimal("12", 0, 100, &v), -1);
}

static void
test_port(void **state)
{
	static const char *const bad[] = {
		"", "0", "00", "65536", "99999999999999999999", "-1", "+80",
		" 80", "80 ", "8o", "*",
	};
	long port;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(bad); i++) {
		port = 42;
		if (parse_port(bad[i], strlen(bad[i]), &port) != -1)
			fail_msg("parse_port(\"%s\") accepted", bad[i]);
		assert_int_equal(port, 42);
	}
	assert_int_equal(parse_port("1", 1, &port), 0);
	assert_int_equal(port, 1);
	assert_int_equal(parse_port("0080", 4, &port), 0);
	assert_int_equal(port, 80);
	assert_int_equal(parse_port("65535", 5, &port), 0);
	assert_int_equal(port, 65535);
	assert_int_equal(parse_port("443/x", 3, &port), 0);
	assert_int_equal(port, 443);
}

static void
test_strlist_add(void **state)
{
	struct strlist l = { NULL, 0 };

	(void)state;
	assert_int_equal(strlist_add(&l, strdup("a")), 0);
	assert_int_equal(strlist_add(&l, strdup("b")), 0);
	assert_int_equal(strlist_add(&l, NULL), -1);	/* a failed strdup */
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0], "a");
	assert_string_equal(l.v[1], "b");
	strlist_free(&l);
	assert_null(l.v);
	assert_int_equal(l.n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration_good),
		cmocka_unit_test(test_duration_bad),
		cmocka_unit_test(test_size_good),
		cmocka_unit_test(test_size_bad),
		cmocka_unit_test(test_bool),
		cmocka_unit_test(test_int),
		cmocka_unit_test(test_length),
		cmocka_unit_test(test_strlist),
		cmocka_unit_test(test_decimal),
		cmocka_unit_test(test_port),
		cmocka_unit_test(test_strlist_add),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
