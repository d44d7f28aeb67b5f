/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for headers.c (request header rebuilding, response header
 * parsing and filtering), request.c (the request model) and http.c
 * (token characters, the method table).
 */
#include "autoconf.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "headers.h"
#include "outbuf.h"
#include "http.h"
#include "params.h"
#include "request.h"
#include "units.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* ---- request_headers ---- */

/* What emit() collected. */
struct lines {
	char	*v[64];
	size_t	 n;
	int	 fail_at;	/* emit returns -1 on this call (1-based) */
};

static int
collect(void *arg, const char *line)
{
	struct lines *l = arg;

	if (l->fail_at > 0 && (size_t)l->fail_at == l->n + 1)
		return -1;
	if (l->n >= NELEM(l->v))
		fail_msg("too many header lines");
	l->v[l->n] = strdup(line);
	assert_non_null(l->v[l->n]);
	l->n++;
	return 0;
}

static void
lines_free(struct lines *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	l->n = 0;
}

static bool
has_line(const struct lines *l, const char *line)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i], line) == 0)
			return true;
	return false;
}

/* Does any emitted line start with name followed by ':' or ';'? */
static bool
has_name(const struct lines *l, const char *name)
{
	size_t i, len = strlen(name);

	for (i = 0; i < l->n; i++)
		if (strncasecmp(l->v[i], name, len) == 0 &&
		    (l->v[i][len] == ':' || l->v[i][len] == ';'))
			return true;
	return false;
}

/* Run request_headers, which must succeed. */
static void
build(char **envp, const struct strlist *strip, struct lines *out)
{
	const char *why = NULL;

	memset(out, 0, sizeof(*out));
	if (request_headers(envp, strip, collect, out, &why) != 0)
		fail_msg("request_headers failed: %s", why);
}

static void
split(const char *s, struct strlist *l)
{
	assert_int_equal(strlist_split(s, l), 0);
}

static void
test_req_names(void **state)
{
	char *envp[] = {
		"HTTP_X_FOO_BAR=1",
		"HTTP_ACCEPT=text/html",
		"HTTP_ACCEPT_LANGUAGE=en, de;q=0.5",
		"HTTP_USER_AGENT=test/1.0",
		"HTTP_X_A1_B2=x",
		"HTTP_DNT=1",
		"HTTP_X_WITH_EQ=a=b=c",
		"HTTP_X_SPACED=  padded value",
		NULL
	};
	struct lines l;

	(void)state;
	build(envp, NULL, &l);
	assert_true(has_line(&l, "X-Foo-Bar: 1"));
	assert_true(has_line(&l, "Accept: text/html"));
	assert_true(has_line(&l, "Accept-Language: en, de;q=0.5"));
	assert_true(has_line(&l, "User-Agent: test/1.0"));
	assert_true(has_line(&l, "X-A1-B2: x"));
	assert_true(has_line(&l, "Dnt: 1"));
	assert_true(has_line(&l, "X-With-Eq: a=b=c"));
	assert_true(has_line(&l, "X-Spaced: padded value"));
	assert_int_equal(l.n, 8);
	/* in param order */
	assert_string_equal(l.v[0], "X-Foo-Bar: 1");
	assert_string_equal(l.v[7], "X-Spaced: padded value");
	lines_free(&l);
}

static void
test_req_dropped(void **state)
{
	char *envp[] = {
		"HTTP_PROXY_TO=https://a.example.com/",
		"HTTP_FORWARD_TO=https://b.example.com/",
		"HTTP_HOST=proxy.local",
		"HTTP_PROXY=http://evil:3128",
		"HTTP_CONNECTION=keep-alive",
		"HTTP_KEEP_ALIVE=300",
		"HTTP_TE=trailers",
		"HTTP_TRAILER=X-T",
		"HTTP_TRANSFER_ENCODING=chunked",
		"HTTP_UPGRADE=websocket",
		"HTTP_PROXY_CONNECTION=keep-alive",
		"HTTP_CONTENT_LENGTH=5",
		"HTTP_EXPECT=100-continue",
		"HTTP_HTTP2_SETTINGS=AAMAAABkAAQAAP__",
		"HTTP_X_KEPT=yes",
		NULL
	};
	static const char *const gone[] = {
		"Proxy-To", "Forward-To", "Host", "Proxy", "Connection",
		"Proxy-Authorization",
		"Keep-Alive", "TE", "Trailer", "Transfer-Encoding", "Upgrade",
		"Proxy-Connection", "Content-Length", "Expect", "HTTP2-Settings",
	};
	struct lines l;
	size_t i;

	(void)state;
	build(envp, NULL, &l);
	for (i = 0; i < NELEM(gone); i++)
		if (has_name(&l, gone[i]))
			fail_msg("%s was forwarded", gone[i]);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0], "X-Kept: yes");
	lines_free(&l);
}

static void
test_req_connection_tokens(void **state)
{
	char *envp[] = {
		"HTTP_X_SECRET=s3cr3t",
		"HTTP_CONNECTION=close, X-Secret",
		"HTTP_X_OTHER=1",
		"HTTP_X_SECRETS=2",
		NULL
	};
	char *envp2[] = {
		"HTTP_CONNECTION=x-one,X-TWO\t x-three ,",
		"HTTP_X_ONE=1",
		"HTTP_X_TWO=2",
		"HTTP_X_THREE=3",
		"HTTP_X_FOUR=4",
		NULL
	};
	struct lines l;

	(void)state;
	build(envp, NULL, &l);
	assert_false(has_name(&l, "X-Secret"));
	assert_false(has_name(&l, "Connection"));
	assert_true(has_line(&l, "X-Other: 1"));
	assert_true(has_line(&l, "X-Secrets: 2"));	/* whole tokens only */
	assert_int_equal(l.n, 2);
	lines_free(&l);

	build(envp2, NULL, &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0], "X-Four: 4");
	lines_free(&l);
}

/* Two Connection lines (two params) are one list: either one names. */
static void
test_req_connection_twice(void **state)
{
	char *envp[] = {
		"HTTP_CONNECTION=close",
		"HTTP_X_SECRET=s3cr3t",
		"HTTP_CONNECTION=X-Secret, x-other",
		"HTTP_X_OTHER=1",
		"HTTP_X_KEEP=2",
		NULL
	};
	struct lines l;

	(void)state;
	build(envp, NULL, &l);
	assert_false(has_name(&l, "X-Secret"));
	assert_false(has_name(&l, "X-Other"));
	assert_true(has_line(&l, "X-Keep: 2"));
	assert_int_equal(l.n, 1);
	lines_free(&l);
}

static void
test_req_strip(void **state)
{
	char *envp[] = {
		"HTTP_AUTHORIZATION=Basic dXNlcjpwYXNz",
		"HTTP_COOKIE=session=1",
		"HTTP_X_INTERNAL_USER=admin",
		"HTTP_X_INTERNAL_=x",
		"HTTP_X_INTERNALS=kept",
		"HTTP_X_INTERNAL=kept too",
		"HTTP_PROXY_AUTHORIZATION=Basic x",
		"HTTP_ACCEPT=*/*",
		NULL
	};
	struct strlist strip;
	struct lines l;

	(void)state;
	split("Authorization, Cookie, X-Internal-*", &strip);
	build(envp, &strip, &l);
	assert_false(has_name(&l, "Authorization"));
	assert_false(has_name(&l, "Cookie"));
	assert_false(has_name(&l, "X-Internal-User"));
	assert_true(has_line(&l, "X-Internals: kept"));
	assert_true(has_line(&l, "X-Internal: kept too"));
	/* never forwarded, listed or not: it is meant for the next proxy */
	assert_false(has_name(&l, "Proxy-Authorization"));
	assert_true(has_line(&l, "Accept: */*"));
	assert_int_equal(l.n, 3);
	lines_free(&l);

	/* case-insensitive list entries */
	strlist_free(&strip);
	split("authorization,COOKIE", &strip);
	build(envp, &strip, &l);
	assert_false(has_name(&l, "Authorization"));
	assert_false(has_name(&l, "Cookie"));
	assert_true(has_line(&l, "X-Internal-User: admin"));
	lines_free(&l);
	strlist_free(&strip);
}

static void
test_req_content_type(void **state)
{
	char *envp[] = {
		"CONTENT_TYPE=application/json",
		"HTTP_CONTENT_TYPE=text/evil",
		"CONTENT_LENGTH=2",
		NULL
	};
	char *empty[] = {
		"CONTENT_TYPE=",
		"HTTP_CONTENT_TYPE=text/evil",
		"HTTP_X_A=1",
		NULL
	};
	struct lines l;

	(void)state;
	build(envp, NULL, &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0], "Content-Type: application/json");
	lines_free(&l);

	build(empty, NULL, &l);
	assert_false(has_name(&l, "Content-Type"));
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0], "X-A: 1");
	lines_free(&l);
}

static void
test_req_empty_value(void **state)
{
	char *envp[] = {
		"HTTP_X_EMPTY=",
		"HTTP_X_BLANK=  \t ",
		NULL
	};
	struct lines l;

	(void)state;
	build(envp, NULL, &l);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0], "X-Empty;");
	assert_string_equal(l.v[1], "X-Blank;");
	lines_free(&l);
}

static void
test_req_control_chars(void **state)
{
	static const char *const values[] = {
		"HTTP_X_BAD=a\rb",
		"HTTP_X_BAD=a\nb",
		"HTTP_X_BAD=a\r\nX-Injected: 1",
		"HTTP_X_BAD=\x01",
		"HTTP_X_BAD=a\x1f",
		"HTTP_X_BAD=a\x7f",
		"CONTENT_TYPE=text/plain\r\nX-Injected: 1",
	};
	char *envp[3];
	struct lines l;
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(values); i++) {
		envp[0] = "HTTP_X_OK=1";
		envp[1] = (char *)values[i];
		envp[2] = NULL;
		memset(&l, 0, sizeof(l));
		why = NULL;
		if (request_headers(envp, NULL, collect, &l, &why) != -1)
			fail_msg("value %zu was accepted", i);
		assert_non_null(why);
		/* nothing of the bad header was emitted */
		assert_false(has_name(&l, "X-Bad"));
		assert_false(has_name(&l, "X-Injected"));
		lines_free(&l);
	}

	/* a tab is fine */
	envp[0] = "HTTP_X_TAB=a\tb";
	envp[1] = NULL;
	build(envp, NULL, &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0], "X-Tab: a\tb");
	lines_free(&l);

	/* a header that is dropped anyway does not fail the request */
	envp[0] = "HTTP_HOST=a\r\nb";
	envp[1] = NULL;
	build(envp, NULL, &l);
	assert_int_equal(l.n, 0);
}

static void
test_req_not_headers(void **state)
{
	char *envp[] = {
		"REMOTE_ADDR=10.0.0.1",
		"SCRIPT_NAME=/proxy",
		"REQUEST_METHOD=GET",
		"QUERY_STRING=a=b",
		"SERVER_NAME=x",
		"CONTENT_LENGTH=0",
		"PATH_INFO=/x",
		"HTTPS=on",
		"HTTP=1",
		"HTTP_=1",
		"HTTP_x_y=1",		/* lower case */
		"HTTP_X_y=1",
		"HTTP_A__B=1",		/* empty word */
		"HTTP__A=1",
		"HTTP_A_=1",
		"HTTP_X-Y=1",		/* odd characters */
		"HTTP_X.Y=1",
		"HTTP_X Y=1",
		"HTTP_X:Y=1",
		"HTTP_X\xc3\xa4=1",
		"HTTP_X_NOVALUE",	/* no '=' */
		"X_HTTP_Y=1",
		"http_x_y=1",
		"HTTP_OK=1",
		NULL
	};
	struct lines l;

	(void)state;
	build(envp, NULL, &l);
	if (l.n != 1)
		fail_msg("%zu lines, want only \"Ok: 1\" (first: \"%s\")", l.n,
		    l.n > 0 ? l.v[0] : "");
	assert_string_equal(l.v[0], "Ok: 1");
	lines_free(&l);
}

static void
test_req_long_and_emit_failure(void **state)
{
	char *envp[3];
	char *big, *name;
	struct lines l;
	const char *why;
	size_t i;

	(void)state;
	/* a value longer than the line buffer */
	big = malloc(20001);
	assert_non_null(big);
	memcpy(big, "HTTP_X_BIG=", 11);
	memset(big + 11, 'v', 20000 - 11);
	big[20000] = '\0';
	envp[0] = big;
	envp[1] = NULL;
	memset(&l, 0, sizeof(l));
	why = NULL;
	assert_int_equal(request_headers(envp, NULL, collect, &l, &why), -1);
	assert_non_null(why);
	assert_int_equal(l.n, 0);
	free(big);

	/* a name longer than the name buffer is skipped, not truncated */
	name = malloc(5 + 400 + 3);
	assert_non_null(name);
	memcpy(name, "HTTP_", 5);
	for (i = 0; i < 400; i++)
		name[5 + i] = 'A';
	memcpy(name + 405, "=1", 3);
	envp[0] = name;
	envp[1] = NULL;
	build(envp, NULL, &l);
	assert_int_equal(l.n, 0);
	free(name);

	/* emit failing aborts */
	envp[0] = "HTTP_X_A=1";
	envp[1] = "HTTP_X_B=2";
	envp[2] = NULL;
	memset(&l, 0, sizeof(l));
	l.fail_at = 2;
	why = NULL;
	assert_int_equal(request_headers(envp, NULL, collect, &l, &why), -1);
	assert_non_null(why);
	assert_int_equal(l.n, 1);
	lines_free(&l);
}

/* ---- hdr_split ---- */

static void
split_ok(const char *in, const char *name, const char *value)
{
	char buf[256];
	struct hdr h;

	snprintf(buf, sizeof(buf), "%s", in);
	if (hdr_split(buf, &h) != 0)
		fail_msg("hdr_split(\"%s\") failed", in);
	assert_string_equal(h.name, name);
	assert_string_equal(h.value, value);
}

static void
split_bad(const char *in)
{
	char buf[256];
	struct hdr h;

	snprintf(buf, sizeof(buf), "%s", in);
	if (hdr_split(buf, &h) != -1)
		fail_msg("hdr_split(\"%s\") accepted", in);
}

static void
test_hdr_split(void **state)
{
	(void)state;
	split_ok("Content-Type: text/html", "Content-Type", "text/html");
	split_ok("Content-Type: text/html\r\n", "Content-Type", "text/html");
	split_ok("Content-Type: text/html\n", "Content-Type", "text/html");
	split_ok("Content-Type:text/html", "Content-Type", "text/html");
	split_ok("X-A: \t spaced out \t \r\n", "X-A", "spaced out");
	split_ok("X-A:   \r\n", "X-A", "");
	split_ok("X-A:", "X-A", "");
	split_ok("X-A: a: b", "X-A", "a: b");
	split_ok("X-A: a\tb", "X-A", "a\tb");
	split_ok("Set-Cookie: a=b; Path=/", "Set-Cookie", "a=b; Path=/");
	split_ok("x!#$%&'*+-.^_`|~9: v", "x!#$%&'*+-.^_`|~9", "v");
	split_ok("ETag: \"abc\"", "ETag", "\"abc\"");

	split_bad("");
	split_bad("\r\n");
	split_bad("no colon here\r\n");
	split_bad("NoColon");
	split_bad(": empty name\r\n");
	split_bad("X A: space in name");
	split_bad("X-A : space before colon");
	split_bad("X\tA: tab in name");
	split_bad("X(A): bad name char");
	split_bad("X\"A: bad name char");
	split_bad("X/A: bad name char");
	split_bad("X\x01: control in name");
	split_bad(" folded continuation\r\n");	/* obs-fold */
	split_bad("\tfolded continuation\r\n");
	split_bad(" X-A: b");
	split_bad("X-A: a\rb\r\n");		/* CR inside the value */
	split_bad("X-A: a\nb");
	split_bad("X-A: a\x01" "b");
	split_bad("X-A: a\x1f");
	split_bad("X-A: \x1b[31m");
	split_bad("X-A: a\x7f");
	split_bad("X-A: a\x0b" "b");
}

/* ---- response_header_passes ---- */

static bool
passes(const char *name, const char *value, const struct hdr *all, size_t n,
    const struct strlist *strip, bool no_cache)
{
	struct hdr h;

	h.name = (char *)name;
	h.value = (char *)value;
	return response_header_passes(&h, all, n, strip, no_cache);
}

static void
test_resp_filter(void **state)
{
	static const char *const never[] = {
		"Status", "status", "X-Sendfile", "X-Sendfile2",
		"X-Sendfile-Temporary", "x-sendfile-type",
		"X-Accel-Redirect", "X-Accel-Buffering", "X-Accel-Limit-Rate",
		"X-Accel-Charset", "x-accel-redirect", "X-LIGHTTPD-send-file",
		"X-Lighttpd-Foo", "x-lighttpd-send-tempfile",
		"Transfer-Encoding", "Connection", "Keep-Alive", "TE",
		"Trailer", "Upgrade", "Proxy-Connection", "Proxy-Authenticate",
		"Content-Length", "content-length",
	};
	static const char *const pass[] = {
		"Content-Type", "Content-Encoding",
		"Location", "ETag", "Last-Modified", "Vary", "X-Request-Id",
		"Content-Disposition", "X-Accel", "X-Statuses",
	};
	struct strlist strip;
	size_t i;

	(void)state;
	split("Set-Cookie", &strip);
	for (i = 0; i < NELEM(never); i++) {
		if (passes(never[i], "x", NULL, 0, NULL, false))
			fail_msg("%s passed", never[i]);
		if (passes(never[i], "x", NULL, 0, &strip, true))
			fail_msg("%s passed", never[i]);
	}
	for (i = 0; i < NELEM(pass); i++) {
		if (!passes(pass[i], "x", NULL, 0, NULL, false))
			fail_msg("%s refused", pass[i]);
		if (!passes(pass[i], "x", NULL, 0, &strip, true))
			fail_msg("%s refused with strip list and no_cache",
			    pass[i]);
	}

	assert_false(passes("Set-Cookie", "a=b", NULL, 0, &strip, false));
	assert_false(passes("set-cookie", "a=b", NULL, 0, &strip, false));
	assert_true(passes("Set-Cookie", "a=b", NULL, 0, NULL, false));
	assert_true(passes("Set-Cookie2", "a=b", NULL, 0, &strip, false));
	strlist_free(&strip);

	split("X-Debug-*", &strip);
	assert_false(passes("X-Debug-Trace", "1", NULL, 0, &strip, false));
	assert_true(passes("X-Debugger", "1", NULL, 0, &strip, false));
	strlist_free(&strip);
}

/* ---- response_length ---- */

/*
 * response_length() over header lines as curl hands them over (split
 * with hdr_split), for status code; the length, -1 for none, or -2 for
 * an ambiguous framing.
 */
static int64_t
length_of(int code, const char *l1, const char *l2, const char *l3)
{
	const char *lines[] = { l1, l2, l3 };
	char buf[3][256];
	struct hdr all[3];
	size_t i, n = 0;
	int64_t len = -3;

	for (i = 0; i < NELEM(lines); i++) {
		if (lines[i] == NULL)
			continue;
		snprintf(buf[i], sizeof(buf[i]), "%s\r\n", lines[i]);
		assert_int_equal(hdr_split(buf[i], &all[n]), 0);
		n++;
	}
	if (response_length(all, n, code, &len) == -1)
		return -2;
	return len;
}

static void
test_resp_length(void **state)
{
	static const char *const bad[] = {
		"", "5abc", "+5", "-1", "-0", "5, 30", "30, 5", "5,", ",5",
		"5,,5", "5, ,5", "0x5", "5 5", "5.0", "1e3", "five",
		"5;q=1", "\"5\"", "99999999999999999999",
		"9223372036854775808", "18446744073709551621", "\t",
		"5\t,6",
	};
	char line[64];
	size_t i;

	(void)state;
	/* none: the web server frames the body (chunked or close) */
	assert_int_equal(length_of(200, "Content-Type: text/plain", NULL,
	    NULL), -1);
	assert_int_equal(length_of(200, "Content-Length: 5", NULL, NULL), 5);
	assert_int_equal(length_of(200, "content-LENGTH: 0", NULL, NULL), 0);
	assert_true(length_of(200, "Content-Length: 9223372036854775807",
	    NULL, NULL) == INT64_MAX);
	assert_int_equal(length_of(200, "Content-Length: 0005", NULL, NULL),
	    5);
	/* OWS around a field value is not part of it (RFC 9110 5.5) */
	assert_int_equal(length_of(200, "Content-Length:   5 \t", NULL, NULL),
	    5);
	assert_int_equal(length_of(200, "Content-Length:\t5", NULL, NULL), 5);

	/* identical values collapse to one (RFC 9112 6.3, RFC 9110 8.6) */
	assert_int_equal(length_of(200, "Content-Length: 5",
	    "Content-Length: 5", NULL), 5);
	assert_int_equal(length_of(200, "Content-Length: 5, 5", NULL, NULL),
	    5);
	assert_int_equal(length_of(200, "Content-Length: 5 ,5,\t5", NULL,
	    NULL), 5);
	assert_int_equal(length_of(200, "Content-Length: 5",
	    "X-Other: 1", "Content-Length: 05"), 5);

	/* differing values, in two fields or one list: ambiguous */
	assert_int_equal(length_of(200, "Content-Length: 278",
	    "Content-Length: 5", NULL), -2);
	assert_int_equal(length_of(200, "Content-Length: 5",
	    "Content-Length: 278", NULL), -2);
	assert_int_equal(length_of(200, "Content-Length: 5",
	    "Content-Length: 5", "Content-Length: 6"), -2);
	for (i = 0; i < NELEM(bad); i++) {
		snprintf(line, sizeof(line), "Content-Length: %s", bad[i]);
		if (length_of(200, line, NULL, NULL) != -2)
			fail_msg("\"%s\" not refused", line);
		/* also beside a valid one, and beside Transfer-Encoding */
		if (length_of(200, "Content-Length: 5", line, NULL) != -2)
			fail_msg("\"%s\" after a valid one not refused", line);
		if (length_of(200, "Transfer-Encoding: chunked", line,
		    NULL) != -2)
			fail_msg("\"%s\" with chunked not refused", line);
	}

	/* Transfer-Encoding overrides: libcurl de-chunks, no length */
	assert_int_equal(length_of(200, "Content-Length: 278",
	    "Transfer-Encoding: chunked", NULL), -1);
	assert_int_equal(length_of(200, "transfer-encoding: gzip, chunked",
	    "Content-Length: 5", NULL), -1);
	assert_int_equal(length_of(200, "Transfer-Encoding: chunked", NULL,
	    NULL), -1);

	/* never in a 204; a 304 and any HEAD response keep the GET's */
	assert_int_equal(length_of(204, "Content-Length: 5", NULL, NULL), -1);
	assert_int_equal(length_of(204, "Content-Length: 5",
	    "Content-Length: 6", NULL), -2);
	assert_int_equal(length_of(304, "Content-Length: 278", NULL, NULL),
	    278);
	assert_int_equal(length_of(302, "Content-Length: 9", NULL, NULL), 9);
}

static void
test_resp_has_body(void **state)
{
	(void)state;
	assert_true(response_has_body(200, false));
	assert_true(response_has_body(302, false));
	assert_true(response_has_body(404, false));
	assert_true(response_has_body(205, false));
	assert_false(response_has_body(200, true));
	assert_false(response_has_body(404, true));
	assert_false(response_has_body(204, false));
	assert_false(response_has_body(304, false));
	assert_false(response_has_body(101, false));
}

static void
test_resp_no_cache(void **state)
{
	static const char *const cache[] = {
		"Cache-Control", "Expires", "Pragma", "X-Accel-Expires",
		"cache-control",
	};
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(cache); i++) {
		if (passes(cache[i], "x", NULL, 0, NULL, true))
			fail_msg("%s passed with no_cache", cache[i]);
	}
	assert_true(passes("Cache-Control", "max-age=60", NULL, 0, NULL,
	    false));
	assert_true(passes("Expires", "0", NULL, 0, NULL, false));
	assert_true(passes("Pragma", "no-cache", NULL, 0, NULL, false));
	assert_true(passes("Age", "5", NULL, 0, NULL, true));

	/* and what goes in their place */
	for (i = 0; no_cache_headers[i] != NULL; i++)
		;
	assert_int_equal(i, 4);
	assert_string_equal(no_cache_headers[0],
	    "Cache-Control: no-cache, private, max-age=0");
}

static void
test_resp_connection_tokens(void **state)
{
	struct hdr all[] = {
		{ "Content-Type", "text/plain" },
		{ "Connection", "close, X-Hop" },
		{ "X-Hop", "1" },
		{ "X-Other", "2" },
		{ "connection", "x-second" },
		{ "X-Second", "3" },
		{ "X-Hop-Not", "4" },
	};
	size_t n = NELEM(all);

	(void)state;
	assert_false(passes("X-Hop", "1", all, n, NULL, false));
	assert_false(passes("x-hop", "1", all, n, NULL, false));
	assert_false(passes("X-Second", "3", all, n, NULL, false));
	assert_false(passes("Connection", "close", all, n, NULL, false));
	assert_true(passes("X-Other", "2", all, n, NULL, false));
	assert_true(passes("X-Hop-Not", "4", all, n, NULL, false));
	assert_true(passes("Content-Type", "text/plain", all, n, NULL, false));
	/* without the Connection header, X-Hop is an ordinary header */
	assert_true(passes("X-Hop", "1", all, 1, NULL, false));
}

/* ---- request_parse ---- */

static int
parse(char **envp, struct request *r)
{
	const char *why = NULL;
	int rc = request_parse(envp, r, &why);

	if (rc != 0)
		assert_non_null(why);
	return rc;
}

static void
test_request_methods(void **state)
{
	static const char *const good[] = {
		"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"
	};
	static const char *const bad[] = {
		"TRACE", "CONNECT", "get", "Get", "post", "PROPFIND", "",
		"GET ", " GET", "GETX", "TRACK", "MKCOL",
	};
	char method[64];
	char *envp[] = { method, NULL };
	char *none[] = { "HTTP_PROXY_TO=https://a.com/", NULL };
	struct request r;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(good); i++) {
		snprintf(method, sizeof(method), "REQUEST_METHOD=%s", good[i]);
		if (parse(envp, &r) != 0)
			fail_msg("%s refused", good[i]);
		assert_int_equal(r.method, (enum method)i);
		assert_string_equal(r.method_name, good[i]);
	}
	for (i = 0; i < NELEM(bad); i++) {
		snprintf(method, sizeof(method), "REQUEST_METHOD=%s", bad[i]);
		if (parse(envp, &r) != 405)
			fail_msg("\"%s\" not refused with 405", bad[i]);
	}
	/* no method at all */
	assert_int_equal(parse(none, &r), 400);
}

static void
test_request_target(void **state)
{
	char *both[] = {
		"REQUEST_METHOD=GET",
		"HTTP_FORWARD_TO=https://forward.example.com/",
		"HTTP_PROXY_TO=https://proxy.example.com/",
		NULL
	};
	char *fwd[] = {
		"REQUEST_METHOD=GET",
		"HTTP_PROXY_TO=",
		"HTTP_FORWARD_TO=https://forward.example.com/",
		NULL
	};
	char *fwd_only[] = {
		"REQUEST_METHOD=GET",
		"HTTP_FORWARD_TO=https://forward.example.com/",
		NULL
	};
	char *neither[] = { "REQUEST_METHOD=GET", "HTTP_X_PROXY_TO=x", NULL };
	struct request r;

	(void)state;
	assert_int_equal(parse(both, &r), 0);
	assert_non_null(r.target);
	assert_string_equal(r.target, "https://proxy.example.com/");
	assert_int_equal(parse(fwd, &r), 0);
	assert_non_null(r.target);
	assert_string_equal(r.target, "https://forward.example.com/");
	assert_int_equal(parse(fwd_only, &r), 0);
	assert_non_null(r.target);
	assert_string_equal(r.target, "https://forward.example.com/");
	assert_int_equal(parse(neither, &r), 0);
	assert_null(r.target);
	assert_string_equal(param_get(neither, "HTTP_X_PROXY_TO"), "x");
	assert_null(param_get(neither, "HTTP_X_PROXY"));
	assert_null(param_get(NULL, "REQUEST_METHOD"));
}

/*
 * A param extproxy decides on comes once: two target headers (nginx
 * before 1.23 passes each as a param) or two framing params are a 400
 * that says which, never "the first one wins".
 */
static void
test_request_repeated(void **state)
{
	static const struct {
		const char	*param;
		const char	*why;
	} once[] = {
		{ "HTTP_PROXY_TO=https://b.example.com/", "more than one Proxy-To header" },
		{ "HTTP_PROXY_TO=", "more than one Proxy-To header" },
		{ "HTTP_FORWARD_TO=https://b.example.com/", "more than one Forward-To header" },
		{ "HTTP_FORWARD_TO=", "more than one Forward-To header" },
		{ "REQUEST_METHOD=GET", "more than one REQUEST_METHOD param" },
		{ "REQUEST_METHOD=DELETE", "more than one REQUEST_METHOD param" },
		{ "CONTENT_LENGTH=0", "more than one CONTENT_LENGTH param" },
		{ "CONTENT_TYPE=text/plain", "more than one CONTENT_TYPE param" },
	};
	char *envp[] = {
		"REQUEST_METHOD=GET",
		"HTTP_PROXY_TO=https://a.example.com/",
		"HTTP_FORWARD_TO=https://a.example.com/",
		"CONTENT_LENGTH=0",
		"CONTENT_TYPE=text/plain",
		NULL,			/* the repeated param goes here */
		NULL
	};
	/* other repeated params are not extproxy's to judge */
	char *other[] = {
		"REQUEST_METHOD=GET", "HTTP_PROXY_TO=https://a.example.com/",
		"HTTP_X_A=1", "HTTP_X_A=2", "HTTP_PROXY_TO_X=1",
		"HTTP_PROXY_TO_X=2", "HTTP_PROXY=1", "HTTP_PROXY=2", NULL
	};
	struct request r;
	const char *why;
	size_t i;

	(void)state;
	assert_int_equal(parse(envp, &r), 0);
	assert_string_equal(r.target, "https://a.example.com/");
	for (i = 0; i < NELEM(once); i++) {
		envp[5] = (char *)once[i].param;
		why = NULL;
		if (request_parse(envp, &r, &why) != 400)
			fail_msg("repeated %s not refused", once[i].param);
		assert_string_equal(why, once[i].why);
	}
	assert_int_equal(parse(other, &r), 0);
	assert_int_equal(param_count(other, "HTTP_X_A"), 2);
	assert_int_equal(param_count(other, "HTTP_PROXY_TO"), 1);
	assert_int_equal(param_count(other, "HTTP_FORWARD_TO"), 0);
	assert_int_equal(param_count(NULL, "HTTP_X_A"), 0);
}

static void
test_request_length(void **state)
{
	static const char *const bad[] = {
		"abc", "-1", "1e3", "99999999999999999999", "+1", " 1", "1 ",
		"0x10", "1.0", "9223372036854775808",
	};
	char cl[64];
	char *envp[] = { "REQUEST_METHOD=POST", cl, NULL };
	struct request r;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(bad); i++) {
		snprintf(cl, sizeof(cl), "CONTENT_LENGTH=%s", bad[i]);
		if (parse(envp, &r) != 400)
			fail_msg("CONTENT_LENGTH=\"%s\" not refused", bad[i]);
	}
	snprintf(cl, sizeof(cl), "CONTENT_LENGTH=%s", "12345");
	assert_int_equal(parse(envp, &r), 0);
	assert_int_equal(r.content_length, 12345);
	snprintf(cl, sizeof(cl), "CONTENT_LENGTH=%s", "1099511627776");
	assert_int_equal(parse(envp, &r), 0);
	assert_true(r.content_length == (int64_t)1 << 40);
	snprintf(cl, sizeof(cl), "CONTENT_LENGTH=");
	assert_int_equal(parse(envp, &r), 0);
	assert_int_equal(r.content_length, 0);
}

static void
test_request_close_client(void **state)
{
	static const struct {
		const char	*param;
		int		 status;
		bool		 close;
	} cases[] = {
		{ "SERVER_PROTOCOL=HTTP/1.1", 0, false },	/* absent */
		/* a client's header is not the web server's setting */
		{ "HTTP_EXTPROXY_CLOSE_CLIENT=1", 0, false },
		{ "EXTPROXY_CLOSE_CLIENT=1", 0, true },
		{ "EXTPROXY_CLOSE_CLIENT=on", 0, true },
		{ "EXTPROXY_CLOSE_CLIENT=0", 0, false },
		/* a web server configured wrong: an error of the server's */
		{ "EXTPROXY_CLOSE_CLIENT=maybe", 500, false },
		{ "EXTPROXY_CLOSE_CLIENT=", 500, false },
	};
	char *envp[] = { "REQUEST_METHOD=GET", NULL, NULL };
	struct request r;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		envp[1] = (char *)cases[i].param;
		if (parse(envp, &r) != cases[i].status)
			fail_msg("%s: not %d", cases[i].param, cases[i].status);
		if (cases[i].status == 0 && r.close_client != cases[i].close)
			fail_msg("%s: close_client is %d", cases[i].param,
			    r.close_client);
	}
}

static void
test_request_body(void **state)
{
	char method[64], cl[64];
	char *envp[] = { method, cl, NULL };
	char *bare[] = { method, NULL };
	char *ct[] = { "REQUEST_METHOD=POST", "CONTENT_TYPE=text/plain", NULL };
	char *ct_empty[] = { "REQUEST_METHOD=POST", "CONTENT_TYPE=", NULL };
	struct request r;

	(void)state;
	/* GET and HEAD with a body: 400; with none or 0: fine */
	snprintf(cl, sizeof(cl), "CONTENT_LENGTH=5");
	snprintf(method, sizeof(method), "REQUEST_METHOD=GET");
	assert_int_equal(parse(envp, &r), 400);
	snprintf(method, sizeof(method), "REQUEST_METHOD=HEAD");
	assert_int_equal(parse(envp, &r), 400);
	snprintf(cl, sizeof(cl), "CONTENT_LENGTH=0");
	assert_int_equal(parse(envp, &r), 0);
	assert_false(r.has_body);
	snprintf(method, sizeof(method), "REQUEST_METHOD=GET");
	assert_int_equal(parse(envp, &r), 0);
	assert_false(r.has_body);
	assert_int_equal(parse(bare, &r), 0);
	assert_false(r.has_body);

	/* POST, PUT, PATCH always send a body, even an empty one */
	snprintf(method, sizeof(method), "REQUEST_METHOD=POST");
	assert_int_equal(parse(bare, &r), 0);
	assert_true(r.has_body);
	assert_int_equal(r.content_length, 0);
	snprintf(method, sizeof(method), "REQUEST_METHOD=PUT");
	assert_int_equal(parse(envp, &r), 0);
	assert_true(r.has_body);
	snprintf(method, sizeof(method), "REQUEST_METHOD=PATCH");
	snprintf(cl, sizeof(cl), "CONTENT_LENGTH=7");
	assert_int_equal(parse(envp, &r), 0);
	assert_true(r.has_body);
	assert_int_equal(r.content_length, 7);

	/* DELETE (and OPTIONS) only with a body */
	snprintf(method, sizeof(method), "REQUEST_METHOD=DELETE");
	assert_int_equal(parse(envp, &r), 0);
	assert_true(r.has_body);
	snprintf(cl, sizeof(cl), "CONTENT_LENGTH=0");
	assert_int_equal(parse(envp, &r), 0);
	assert_false(r.has_body);
	assert_int_equal(parse(bare, &r), 0);
	assert_false(r.has_body);
	snprintf(method, sizeof(method), "REQUEST_METHOD=OPTIONS");
	assert_int_equal(parse(bare, &r), 0);
	assert_false(r.has_body);
	snprintf(cl, sizeof(cl), "CONTENT_LENGTH=3");
	assert_int_equal(parse(envp, &r), 0);
	assert_true(r.has_body);

	/* Content-Type presence */
	assert_int_equal(parse(ct, &r), 0);
	assert_true(r.has_content_type);
	assert_int_equal(parse(ct_empty, &r), 0);
	assert_false(r.has_content_type);
	assert_int_equal(parse(bare, &r), 0);
	assert_false(r.has_content_type);
}

/* ---- http ---- */

static void
test_http_tchar(void **state)
{
	static const char tchar[] = "!#$%&'*+-.^_`|~"
	    "0123456789"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz";
	int c;

	(void)state;
	for (c = 0; c < 256; c++) {
		bool want = c != 0 && strchr(tchar, c) != NULL;

		if (http_tchar((unsigned char)c) != want)
			fail_msg("http_tchar(0x%02x) = %d", c, !want);
	}
}

static void
test_http_methods(void **state)
{
	static const char *const names[] = {
		"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"
	};
	static const char *const bad[] = {
		"", "get", "Get", "GET ", " GET", "PROPFIND", "TRACE", "CONNECT",
		"OPTIONSX",
	};
	char buf[128], small[12];
	size_t i;

	(void)state;
	assert_int_equal(METHOD_COUNT, NELEM(names));
	for (i = 0; i < NELEM(names); i++) {
		assert_int_equal(method_lookup(names[i]), (int)i);
		assert_string_equal(method_name((enum method)i), names[i]);
	}
	for (i = 0; i < NELEM(bad); i++)
		if (method_lookup(bad[i]) != -1)
			fail_msg("method \"%s\" looked up", bad[i]);
	assert_string_equal(method_allow(buf, sizeof(buf)),
	    "Allow: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
	/* cut short at a whole method, never overrun */
	assert_string_equal(method_allow(small, sizeof(small)), "Allow: GET");
}

/* Numbers in heads without printf: every digit, and whole or not at all. */
static void
test_outbuf_u64(void **state)
{
	char buf[32], tiny[4];
	struct outbuf o;

	(void)state;
	outbuf_init(&o, buf, sizeof(buf));
	outbuf_u64(&o, 0);
	outbuf_str(&o, " ");
	outbuf_u64(&o, 204);
	outbuf_str(&o, " ");
	outbuf_u64(&o, UINT64_MAX);
	assert_false(o.full);
	assert_string_equal(buf, "0 204 18446744073709551615");
	outbuf_init(&o, tiny, sizeof(tiny));
	outbuf_u64(&o, 1048576);
	assert_true(o.full);
	assert_string_equal(tiny, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outbuf_u64),
		cmocka_unit_test(test_http_tchar),
		cmocka_unit_test(test_http_methods),
		cmocka_unit_test(test_req_names),
		cmocka_unit_test(test_req_dropped),
		cmocka_unit_test(test_req_connection_tokens),
		cmocka_unit_test(test_req_connection_twice),
		cmocka_unit_test(test_req_strip),
		cmocka_unit_test(test_req_content_type),
		cmocka_unit_test(test_req_empty_value),
		cmocka_unit_test(test_req_control_chars),
		cmocka_unit_test(test_req_not_headers),
		cmocka_unit_test(test_req_long_and_emit_failure),
		cmocka_unit_test(test_hdr_split),
		cmocka_unit_test(test_resp_filter),
		cmocka_unit_test(test_resp_length),
		cmocka_unit_test(test_resp_has_body),
		cmocka_unit_test(test_resp_no_cache),
		cmocka_unit_test(test_resp_connection_tokens),
		cmocka_unit_test(test_request_methods),
		cmocka_unit_test(test_request_target),
		cmocka_unit_test(test_request_repeated),
		cmocka_unit_test(test_request_length),
		cmocka_unit_test(test_request_close_client),
		cmocka_unit_test(test_request_body),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
