/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for access.c: access log lines as text and JSON, the
 * redacted target, JSON escaping of hostile bytes.
 */
#include "autoconf.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "access.h"
#include "json.h"

static struct access_entry
sample(void)
{
	struct access_entry e = {
		/* 2026-11-27T04:15:00.123Z */
		.start = { 1795752900, 123456789 },
		.method = "GET",
		.target = "https://api.example.com:443",
		.status = 200,
		.bytes_in = 12,
		.bytes_out = 5120,
		.ms = 12.34,
		.reused = true,
	};
	return e;
}

static void
test_text(void **state)
{
	struct access_entry e = sample();
	char buf[1024];
	size_t n;

	(void)state;
	n = access_format(buf, sizeof(buf), &e, LOG_FORMAT_TEXT);
	assert_string_equal(buf, "time=2026-11-27T04:15:00.123Z method=GET "
	    "target=https://api.example.com:443 status=200 in=12 out=5120 "
	    "ms=12.3 reused=yes aborted=no");
	assert_int_equal(n, strlen(buf));

	e.status = 403;
	e.reused = false;
	e.deny = DENY_ALLOWLIST;
	e.reason = "target not allowed";
	access_format(buf, sizeof(buf), &e, LOG_FORMAT_TEXT);
	assert_non_null(strstr(buf, " status=403 "));
	assert_non_null(strstr(buf, " reused=no aborted=no deny=allowlist "
	    "reason=\"target not allowed\""));

	e.status = 503;
	e.deny = DENY_BUSY;
	e.reason = "no worker free within queue_timeout";
	access_format(buf, sizeof(buf), &e, LOG_FORMAT_TEXT);
	assert_non_null(strstr(buf, " status=503 "));
	assert_non_null(strstr(buf, " deny=busy reason=\"no worker free "
	    "within queue_timeout\""));

	e.deny = DENY_UPSTREAM_BUSY;
	e.reason = "too many requests in flight to this upstream";
	access_format(buf, sizeof(buf), &e, LOG_FORMAT_TEXT);
	assert_non_null(strstr(buf, " deny=upstream_busy reason=\"too many "
	    "requests in flight to this upstream\""));

	e.deny = DENY_NONE;
	e.timeout = TIMEOUT_IDLE;
	e.aborted = true;
	e.reason = "upstream idle timeout";
	access_format(buf, sizeof(buf), &e, LOG_FORMAT_TEXT);
	assert_non_null(strstr(buf, " aborted=yes timeout=idle reason="));
	assert_null(strstr(buf, "deny="));
}

static void
test_json(void **state)
{
	struct access_entry e = sample();
	char buf[1024];

	(void)state;
	access_format(buf, sizeof(buf), &e, LOG_FORMAT_JSON);
	assert_string_equal(buf, "{\"time\":\"2026-11-27T04:15:00.123Z\","
	    "\"method\":\"GET\",\"target\":\"https://api.example.com:443\","
	    "\"status\":200,\"bytes_in\":12,\"bytes_out\":5120,"
	    "\"duration_ms\":12.3,\"reused\":true,\"aborted\":false}");
	e.deny = DENY_ADDRESS;
	e.timeout = TIMEOUT_CONNECT;
	e.reason = "target address not allowed";
	access_format(buf, sizeof(buf), &e, LOG_FORMAT_JSON);
	assert_non_null(strstr(buf, ",\"deny\":\"address\",\"timeout\":"
	    "\"connect\",\"reason\":\"target address not allowed\"}"));
}

/* A client's method cannot add fields, quotes or lines. */
static void
test_hostile_method(void **state)
{
	struct access_entry e = sample();
	char buf[1024];

	(void)state;
	e.method = "GET status=200 \"x\"\n{\"a\":1}\\\x01\xff";
	access_format(buf, sizeof(buf), &e, LOG_FORMAT_TEXT);
	assert_non_null(strstr(buf, " method=GET_status_200__x__"));
	assert_null(strchr(buf, '\n'));
	assert_null(strchr(buf, '"'));
	access_format(buf, sizeof(buf), &e, LOG_FORMAT_JSON);
	assert_non_null(strstr(buf, "\"method\":\"GET_status_200__x__"));
	assert_null(strchr(buf, '\n'));

	e.method = "AVERYLONGMETHODNAMETHATGOESONANDONANDON";
	access_format(buf, sizeof(buf), &e, LOG_FORMAT_TEXT);
	assert_non_null(strstr(buf, " method=AVERYLONGMETHODNAMETHATGOESONAND "));
	e.method = NULL;
	access_format(buf, sizeof(buf), &e, LOG_FORMAT_TEXT);
	assert_non_null(strstr(buf, " method=- "));
	e.method = "";
	access_format(buf, sizeof(buf), &e, LOG_FORMAT_JSON);
	assert_non_null(strstr(buf, "\"method\":\"-\""));
}

static void
test_json_escape(void **state)
{
	char buf[64];

	(void)state;
	json_escape(buf, sizeof(buf), "a\"b\\c\n\t\x01\x7f\xc3\xa9/");
	assert_string_equal(buf,
	    "a\\\"b\\\\c\\u000a\\u0009\\u0001\\u007f\\u00c3\\u00a9/");
	/* never half an escape */
	assert_int_equal(json_escape(buf, 5, "ab\n"), 2);
	assert_string_equal(buf, "ab");
	assert_int_equal(json_escape(buf, 4, "abc\""), 3);
	assert_string_equal(buf, "abc");
}

/* A JSON target is escaped (full_url paths may hold any token byte). */
static void
test_json_target(void **state)
{
	struct access_entry e = sample();
	char buf[1024];

	(void)state;
	e.target = "http://h:80/a\"b\\c";
	access_format(buf, sizeof(buf), &e, LOG_FORMAT_JSON);
	assert_non_null(strstr(buf, "\"target\":\"http://h:80/a\\\"b\\\\c\""));
}

/* Truncated JSON is still one closed object. */
static void
test_json_truncated(void **state)
{
	struct access_entry e = sample();
	char buf[120];
	size_t n;

	(void)state;
	e.reason = "upstream response header timeout";
	n = access_format(buf, sizeof(buf), &e, LOG_FORMAT_JSON);
	assert_true(n < sizeof(buf));
	assert_int_equal(buf[n - 1], '}');
	assert_int_equal(buf[0], '{');
	assert_null(strstr(buf, "reason"));
}

static void
test_target(void **state)
{
	char buf[256];

	(void)state;
	access_target(buf, sizeof(buf), "https", "api.example.com", 443,
	    "/v1/items", true, false);
	assert_string_equal(buf, "https://api.example.com:443");
	access_target(buf, sizeof(buf), "https", "api.example.com", 443,
	    "/v1/items", true, true);
	assert_string_equal(buf, "https://api.example.com:443/v1/items?REDACTED");
	access_target(buf, sizeof(buf), "http", "[::1]", 8080, "/", false,
	    true);
	assert_string_equal(buf, "http://[::1]:8080/");
	access_target(buf, sizeof(buf), NULL, NULL, 0, NULL, false, true);
	assert_string_equal(buf, "-");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_hostile_method),
		cmocka_unit_test(test_json_escape),
		cmocka_unit_test(test_json_target),
		cmocka_unit_test(test_json_truncated),
		cmocka_unit_test(test_target),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
