/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for the URL allowlist (allow.c, glob.c), the host name
 * rule (hostname.c) and target.c, alone and end to end: a target is
 * parsed with target_parse() exactly as the proxy does, then matched
 * with allowlist_match().
 */
#include "autoconf.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "allow.h"
#include "glob.h"
#include "hostname.h"
#include "target.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* Outcomes of check(). */
#define REFUSED_PARSE	(-1)	/* target_parse() said no */
#define REFUSED_LIST	0	/* parsed, but no pattern matches */
#define ALLOWED		1

static void
add(struct allowlist *l, const char *pattern)
{
	const char *why = NULL;

	if (allowlist_add(l, pattern, &why) != 0)
		fail_msg("allowlist_add(\"%s\") failed: %s", pattern,
		    why != NULL ? why : "(no reason)");
}

/* One-pattern list. */
static struct allowlist
list1(const char *pattern)
{
	struct allowlist l = { NULL, 0 };

	add(&l, pattern);
	return l;
}

/* Parse url as the proxy does and match it against l. */
static int
check(const struct allowlist *l, const char *url)
{
	struct target t;
	const char *why = NULL;
	int rc;

	if (target_parse(url, &t, &why) != 0) {
		assert_non_null(why);
		assert_null(t.url);
		return REFUSED_PARSE;
	}
	assert_non_null(t.url);
	assert_non_null(t.scheme);
	assert_non_null(t.host);
	assert_non_null(t.path);
	rc = allowlist_match(l, t.scheme, t.host, t.port, t.path) ?
	    ALLOWED : REFUSED_LIST;
	target_free(&t);
	assert_null(t.url);
	return rc;
}

static const char *
outcome(int rc)
{
	return rc == ALLOWED ? "allowed" : rc == REFUSED_LIST ?
	    "refused by the allowlist" : "refused by target_parse";
}

static void
expect(const struct allowlist *l, const char *url, int want)
{
	int got = check(l, url);

	if (got != want)
		fail_msg("%s: %s, want %s", url, outcome(got), outcome(want));
}

static void
expect_refused(const struct allowlist *l, const char *url)
{
	int got = check(l, url);

	if (got == ALLOWED)
		fail_msg("%s: allowed, want refused", url);
}

/* ---- glob ---- */

static void
test_glob(void **state)
{
	char *s;

	(void)state;
	assert_true(glob_match("", "", false));
	assert_false(glob_match("", "a", false));
	assert_true(glob_match("*", "", false));
	assert_true(glob_match("*", "anything", false));
	assert_true(glob_match("abc", "abc", false));
	assert_false(glob_match("abc", "abcd", false));
	assert_false(glob_match("abcd", "abc", false));
	assert_false(glob_match("abc", "ABC", false));
	assert_true(glob_match("abc", "ABC", true));
	assert_true(glob_match("*.example.com", "a.example.com", false));
	assert_true(glob_match("*.example.com", "a.b.example.com", false));
	assert_false(glob_match("*.example.com", "example.com", false));
	assert_false(glob_match("*.example.com", "a.example.com.evil.com",
	    false));
	assert_false(glob_match("*.example.com", "aexample.com", false));
	assert_true(glob_match("a*b*c", "aXXbYYc", false));
	assert_true(glob_match("a*b*c", "abc", false));
	assert_false(glob_match("a*b*c", "aXXbYY", false));
	assert_true(glob_match("a**c", "ac", false));
	assert_true(glob_match("/v1/*", "/v1/", false));
	assert_false(glob_match("/v1/*", "/v1", false));
	assert_true(glob_match("*a", "aaaa", false));
	assert_false(glob_match("?", "a", false));	/* '?' is literal */
	assert_true(glob_match("?", "?", false));

	/* a hostile string stays cheap and gives the right answer */
	s = malloc(100001);
	assert_non_null(s);
	memset(s, 'a', 100000);
	s[100000] = '\0';
	assert_false(glob_match("*a*a*a*a*a*a*a*a*b", s, false));
	s[99999] = 'b';
	assert_true(glob_match("*a*a*a*a*a*a*a*a*b", s, false));
	free(s);
}

/* ---- allowlist_add ---- */

struct pat {
	const char	*pattern;
	const char	*scheme;
	const char	*host;
	long		 port;
	const char	*path;		/* NULL: every path */
};

static void
test_add_good(void **state)
{
	static const struct pat w[] = {
		{ "https://a.com", "https", "a.com", 443, NULL },
		{ "http://a.com", "http", "a.com", 80, NULL },
		{ "https://a.com/", "https", "a.com", 443, NULL },
		{ "HTTPS://A.Example.COM", "https", "a.example.com", 443, NULL },
		{ "https://a.com.", "https", "a.com", 443, NULL },
		{ "https://a.com:8443", "https", "a.com", 8443, NULL },
		{ "https://a.com:1", "https", "a.com", 1, NULL },
		{ "https://a.com:65535", "https", "a.com", 65535, NULL },
		{ "http://a.com:443", "http", "a.com", 443, NULL },
		{ "https://a.com:*", "https", "a.com", ALLOW_ANY_PORT, NULL },
		{ "https://*.example.com", "https", "*.example.com", 443, NULL },
		{ "https://*", "https", "*", 443, NULL },
		{ "https://api.example.com/v1/*", "https", "api.example.com",
		    443, "/v1/*" },
		{ "https://a.com:*/X/Y", "https", "a.com", ALLOW_ANY_PORT,
		    "/X/Y" },
		{ "https://a_b-c.com", "https", "a_b-c.com", 443, NULL },
		{ "https://10.0.0.1:8080/", "https", "10.0.0.1", 8080, NULL },
		{ "http://[::1]", "http", "[::1]", 80, NULL },
		{ "http://[::1]:8080/x", "http", "[::1]", 8080, "/x" },
		{ "http://[FE80::1]", "http", "[fe80::1]", 80, NULL },
	};
	struct allowlist l = { NULL, 0 };
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(w); i++) {
		add(&l, w[i].pattern);
		assert_int_equal(l.n, i + 1);
		assert_string_equal(l.v[i].scheme, w[i].scheme);
		assert_string_equal(l.v[i].host, w[i].host);
		if (l.v[i].port != w[i].port)
			fail_msg("%s: port %ld, want %ld", w[i].pattern,
			    l.v[i].port, w[i].port);
		if (w[i].path == NULL)
			assert_null(l.v[i].path);
		else {
			assert_non_null(l.v[i].path);
			assert_string_equal(l.v[i].path, w[i].path);
		}
	}
	allowlist_free(&l);
	assert_null(l.v);
	assert_int_equal(l.n, 0);
}

static void
test_add_bad(void **state)
{
	static const char *const bad[] = {
		"",
		"https://",			/* no host */
		"https:///x",
		"https://:443",
		"https://:*",
		"http://[]",
		"http://[]:80",
		"https://a.com:",		/* empty port */
		"https://a.com:/",
		"https://a.com:abc",		/* bad port */
		"https://a.com:80x",
		"https://a.com:-1",
		"https://a.com:+80",
		"https://a.com:0",
		"https://a.com:00",
		"https://a.com:65536",
		"https://a.com:99999999999999999999",
		"https://a.com:**",
		"https://a.com:8*",
		"https://a.com:80:81",
		"https://a.com/?",		/* query */
		"https://a.com/x?y=1",
		"https://a.com/#f",		/* fragment */
		"https://a.com#",
		"https://u@a.com",		/* userinfo */
		"https://u:p@a.com",
		"https://@a.com",
		"https://a.com\\x",		/* backslash */
		"https://a.com/x\\y",
		"ftp://a.com",			/* other schemes */
		"file:///etc/passwd",
		"gopher://a.com",
		"ws://a.com",
		"httpx://a.com",
		"a.com",			/* no scheme */
		"a.com/x",
		"//a.com",
		"://a.com",
		"https:a.com",
		"https:/a.com",
		"http://[::1",			/* unterminated '[' */
		"http://[",
		"http://[::1]x",		/* junk after ']' */
		"http://[::1]:",
		"http://[::1%eth0]",
		"https://a .com",		/* whitespace, control, non-ASCII */
		"https://a.com/ x",
		" https://a.com",
		"https://a.com\t",
		"https://a.com\r\n",
		"https://a.com/\x01",
		"https://a.com/\x7f",
		"https://ex\xc3\xa4mple.com",
		"https://a%2ecom",		/* bad host characters */
		"https://a;b.com",
		"https://a,b.com",
		"https://a!.com",
		"https://a=b.com",
		"https://a'b.com",
		"https://[::1/x]",
	};
	struct allowlist l = { NULL, 0 };
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(bad); i++) {
		why = NULL;
		if (allowlist_add(&l, bad[i], &why) != -1)
			fail_msg("allowlist_add(\"%s\") accepted", bad[i]);
		if (why == NULL || why[0] == '\0')
			fail_msg("allowlist_add(\"%s\") gave no reason", bad[i]);
		assert_int_equal(l.n, 0);
	}
	assert_null(l.v);

	/* a failure leaves earlier patterns alone */
	add(&l, "https://a.com");
	why = NULL;
	assert_int_equal(allowlist_add(&l, "https://", &why), -1);
	assert_non_null(why);
	assert_int_equal(l.n, 1);
	assert_true(allowlist_match(&l, "https", "a.com", 443, "/"));
	allowlist_free(&l);
}

static void
test_add_reasons(void **state)
{
	struct allowlist l = { NULL, 0 };
	const char *why;

	(void)state;
	why = NULL;
	assert_int_equal(allowlist_add(&l, "https://", &why), -1);
	assert_non_null(strstr(why, "no host"));
	why = NULL;
	assert_int_equal(allowlist_add(&l, "https://a.com:/", &why), -1);
	assert_non_null(strstr(why, "port"));
	why = NULL;
	assert_int_equal(allowlist_add(&l, "https://a.com:65536", &why), -1);
	assert_non_null(strstr(why, "port"));
	why = NULL;
	assert_int_equal(allowlist_add(&l, "http://[::1", &why), -1);
	assert_non_null(strstr(why, "'['"));
	why = NULL;
	assert_int_equal(allowlist_add(&l, "ftp://a.com", &why), -1);
	assert_non_null(strstr(why, "http"));
	assert_int_equal(l.n, 0);
}

/* ---- allowlist_match on already parsed parts ---- */

static void
test_match_parts(void **state)
{
	struct allowlist l = { NULL, 0 };

	(void)state;
	/* an empty list allows nothing */
	assert_false(allowlist_match(&l, "https", "a.com", 443, "/"));

	add(&l, "https://*.example.com");
	assert_true(allowlist_match(&l, "https", "a.example.com", 443, "/"));
	assert_true(allowlist_match(&l, "https", "A.Example.COM", 443, "/"));
	assert_true(allowlist_match(&l, "https", "a.b.example.com", 443,
	    "/x/y"));
	assert_false(allowlist_match(&l, "https", "example.com", 443, "/"));
	assert_false(allowlist_match(&l, "https", "a.example.com.evil.com",
	    443, "/"));
	assert_false(allowlist_match(&l, "https", "evil.com", 443,
	    "/a.example.com"));
	assert_false(allowlist_match(&l, "https", "a.example.com", 8443, "/"));
	assert_false(allowlist_match(&l, "https", "a.example.com", 80, "/"));
	assert_false(allowlist_match(&l, "http", "a.example.com", 443, "/"));
	assert_false(allowlist_match(&l, "http", "a.example.com", 80, "/"));

	add(&l, "http://plain.example.org:*");
	assert_true(allowlist_match(&l, "http", "plain.example.org", 80, "/"));
	assert_true(allowlist_match(&l, "http", "plain.example.org", 1, "/"));
	assert_true(allowlist_match(&l, "http", "plain.example.org", 65535,
	    "/"));
	assert_false(allowlist_match(&l, "https", "plain.example.org", 443,
	    "/"));

	add(&l, "https://api.example.net/v1/*");
	assert_true(allowlist_match(&l, "https", "api.example.net", 443,
	    "/v1/x"));
	assert_false(allowlist_match(&l, "https", "api.example.net", 443,
	    "/v2/x"));
	assert_false(allowlist_match(&l, "https", "api.example.net", 443,
	    "/v1"));
	assert_false(allowlist_match(&l, "https", "api.example.net", 443,
	    "/V1/x"));
	assert_false(allowlist_match(&l, "https", "api.example.net", 443,
	    "/v1/%2e%2e/v2"));
	assert_false(allowlist_match(&l, "https", "api.example.net", 443,
	    "/v1/%2E%2E/v2"));
	assert_false(allowlist_match(&l, "https", "api.example.net", 443,
	    "/v1/a%2fb"));
	assert_false(allowlist_match(&l, "https", "api.example.net", 443,
	    "/v1/a%5cb"));
	assert_false(allowlist_match(&l, "https", "api.example.net", 443,
	    "/v1/a%252e"));
	assert_false(allowlist_match(&l, "https", "api.example.net", 443,
	    "/v1/a\\b"));
	/* other encodings are harmless and allowed */
	assert_true(allowlist_match(&l, "https", "api.example.net", 443,
	    "/v1/a%20b"));

	/* a host-only pattern allows every path, encoded or not */
	assert_true(allowlist_match(&l, "https", "a.example.com", 443,
	    "/%2e%2e/x"));
	allowlist_free(&l);
}

/* ---- target_parse alone ---- */

struct tgt {
	const char	*url;
	const char	*scheme;
	const char	*host;
	long		 port;
	const char	*path;
};

static void
test_target_good(void **state)
{
	static const struct tgt w[] = {
		{ "https://a.example.com/x", "https", "a.example.com", 443,
		    "/x" },
		{ "http://a.example.com", "http", "a.example.com", 80, "/" },
		{ "HTTPS://A.EXAMPLE.COM/X", "https", "a.example.com", 443,
		    "/X" },
		{ "https://a.example.com./x", "https", "a.example.com", 443,
		    "/x" },
		{ "https://a.example.com:8443/", "https", "a.example.com",
		    8443, "/" },
		{ "https://a.example.com:443/", "https", "a.example.com", 443,
		    "/" },
		{ "http://a.example.com:65535/", "http", "a.example.com",
		    65535, "/" },
		{ "https://a.example.com/v1/x?q=/v2", "https", "a.example.com",
		    443, "/v1/x" },
		{ "https://a.example.com/x#frag", "https", "a.example.com",
		    443, "/x" },
		{ "https://a.example.com/v1/../v2/x", "https",
		    "a.example.com", 443, "/v2/x" },
		{ "https://a.example.com/v1/./x", "https", "a.example.com",
		    443, "/v1/x" },
		{ "https://a.example.com/v1/%2e%2e/v2", "https",
		    "a.example.com", 443, "/v1/%2e%2e/v2" },
		{ "http://[::1]:8080/x", "http", "[::1]", 8080, "/x" },
		{ "http://[FE80::1]/", "http", "[fe80::1]", 80, "/" },
		{ "https://xn--exmple-cua.com/", "https",
		    "xn--exmple-cua.com", 443, "/" },
	};
	struct target t;
	const char *why;
	char *frag;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(w); i++) {
		why = NULL;
		if (target_parse(w[i].url, &t, &why) != 0)
			fail_msg("target_parse(\"%s\") failed: %s", w[i].url,
			    why);
		assert_string_equal(t.scheme, w[i].scheme);
		assert_string_equal(t.host, w[i].host);
		if (t.port != w[i].port)
			fail_msg("%s: port %ld, want %ld", w[i].url, t.port,
			    w[i].port);
		assert_string_equal(t.path, w[i].path);
		/* the fragment is never sent */
		frag = NULL;
		assert_int_not_equal(curl_url_get(t.url, CURLUPART_FRAGMENT,
		    &frag, 0), CURLUE_OK);
		curl_free(frag);
		target_free(&t);
		assert_null(t.url);
		assert_null(t.host);
	}
}

static void
test_target_bad(void **state)
{
	static const char *const bad[] = {
		"",
		"example.com/x",		/* no scheme guessing */
		"example.com",
		"//example.com/x",
		"ftp://example.com/",
		"file:///etc/passwd",
		"file://localhost/etc/passwd",
		"gopher://example.com/",
		"dict://example.com/",
		"ldap://example.com/",
		"ws://example.com/",
		"https://user:pass@example.com/",	/* credentials */
		"https://user@example.com/",
		"https://:pass@example.com/",
		"https://a.example.com@evil.com/",
		"https://[fe80::1%25eth0]/",	/* zone id */
		"https://[fe80::1%eth0]/",
		"https://example.com:65536/",	/* ports */
		"https://example.com:0/",
		"https://example.com:99999999999/",
		"https://example.com:-1/",
		"https://example.com:x/",
		"https://exa mple.com/",	/* whitespace and control bytes */
		"https://example.com/a b",
		" https://example.com/",
		"https://example.com/ ",
		"https://example.com/\tx",
		"https://example.com/\rx",
		"https://example.com/\nx",
		"https://example.com/\r\nX-Injected: 1",
		"https://example.com/\x01",
		"https://exa\x01mple.com/",
		"https://example.com/\x1f",
		"https://example.com/\x7f",
		"https://ex\xc3\xa4mple.com/",	/* non-ASCII host bytes */
		"https://ex%c3%a4mple.com/",	/* ... also when encoded */
		"https://a%2eexample.com/",	/* libcurl decodes hosts */
		"https://a.example.com%2f.evil.com/",
		"https://%61.example.com/",
		"HTTPS://a.example%2Ecom:443/",
		"https://example.com/\xc3\xa4",
		"https://\xff/",
		"https://example.com\\x",	/* backslash */
		"https://example.com/a\\b",
		"https://evil.com\\@a.example.com/",
		"https:///",			/* no host */
		"https://",
		"https://:443/",
		/* a host only as scheme://host: libcurl reads these as hosts */
		"http:/a.example.com/x",
		"http:///a.example.com/x",
		"http:////a.example.com/x",
		"HTTP:/a.example.com/x",
		"https:/a%2eexample.com/x",
		"http:///a%2eexample.com/x",
		"http:a.example.com/x",
		"http:/%2fa.example.com/x",
		"http:%2f%2fa.example.com/x",
		"http:/",
		"http:",
		"http:?x",
		"a.example.com:443/x",
	};
	struct target t;
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(bad); i++) {
		why = NULL;
		memset(&t, 0xa5, sizeof(t));
		if (target_parse(bad[i], &t, &why) != -1) {
			fail_msg("target_parse(\"%s\") accepted: %s://%s:%ld%s",
			    bad[i], t.scheme, t.host, t.port, t.path);
		}
		if (why == NULL || why[0] == '\0')
			fail_msg("target_parse(\"%s\") gave no reason", bad[i]);
		/* nothing is left allocated or dangling */
		assert_null(t.url);
		assert_null(t.scheme);
		assert_null(t.host);
		assert_null(t.path);
	}
	why = NULL;
	assert_int_equal(target_parse(NULL, &t, &why), -1);
	assert_non_null(why);
}

static void
test_target_reasons(void **state)
{
	struct target t;
	const char *why;

	(void)state;
	why = NULL;
	assert_int_equal(target_parse("ftp://a.com/", &t, &why), -1);
	assert_non_null(strstr(why, "scheme"));
	why = NULL;
	assert_int_equal(target_parse("https://u:p@a.com/", &t, &why), -1);
	assert_non_null(strstr(why, "credentials"));
	why = NULL;
	assert_int_equal(target_parse("https://[fe80::1%25eth0]/", &t, &why),
	    -1);
	assert_non_null(strstr(why, "zone"));
	why = NULL;
	assert_int_equal(target_parse("https://a.com/\x01", &t, &why), -1);
	assert_non_null(strstr(why, "control"));
	why = NULL;
	assert_int_equal(target_parse("http:/a.com/", &t, &why), -1);
	assert_string_equal(why, "target URL must be written scheme://host");
	/* the reason never quotes the input */
	why = NULL;
	assert_int_equal(target_parse("https://secret-token@a.com/", &t, &why),
	    -1);
	assert_null(strstr(why, "secret-token"));
}

/*
 * Where a host may be written, in a target or a Location: only after
 * "scheme://" or "//", plainly.  A relative reference names no host.
 */
static void
test_target_host_written(void **state)
{
	static const char *const good[] = {
		"http://a.example.com/x", "HTTPS://A.example.com", "http://a:1?q",
		"http://a#f", "//a.example.com/x", "/x", "x", "x/y:z", "./a:b",
		"?q=http:/b", "#http:/b", "", "/x/http:/b", "//a/http:///b",
	};
	static const struct {
		const char	*ref;
		const char	*why;
	} bad[] = {
		{ "http:/a.example.com/x", "scheme://host" },
		{ "http:///a.example.com/x", "scheme://host" },
		{ "http:////a.example.com", "scheme://host" },
		{ "http:a.example.com", "scheme://host" },
		{ "HTTP:/a.example.com", "scheme://host" },
		{ "https:\\\\a.example.com", "scheme://host" },
		{ "http:/%2f/a.example.com", "scheme://host" },
		{ "http://?x", "scheme://host" },
		{ "http://#x", "scheme://host" },
		{ "http:", "scheme://host" },
		{ "a:b", "scheme://host" },
		{ "///a.example.com/x", "scheme://host" },
		{ "//", "scheme://host" },
		{ "http://a%2eexample.com/", "plain DNS name" },
		{ "//a%2eexample.com/", "plain DNS name" },
		{ "http://a.example.com%2f@b/", "plain DNS name" },
	};
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(good); i++) {
		why = NULL;
		if (!target_host_written(good[i], &why))
			fail_msg("\"%s\" refused: %s", good[i], why);
	}
	for (i = 0; i < NELEM(bad); i++) {
		why = NULL;
		if (target_host_written(bad[i].ref, &why))
			fail_msg("\"%s\" accepted", bad[i].ref);
		assert_non_null(strstr(why, bad[i].why));
	}
}

static void
test_target_length(void **state)
{
	static const char prefix[] = "https://a.example.com/";
	struct target t;
	const char *why;
	char *url;
	size_t plen = sizeof(prefix) - 1;

	(void)state;
	url = malloc(TARGET_MAX + 2);
	assert_non_null(url);
	memcpy(url, prefix, plen);

	/* exactly TARGET_MAX bytes: accepted */
	memset(url + plen, 'a', TARGET_MAX - plen);
	url[TARGET_MAX] = '\0';
	assert_int_equal(strlen(url), TARGET_MAX);
	why = NULL;
	if (target_parse(url, &t, &why) != 0)
		fail_msg("a %d-byte URL was refused: %s", TARGET_MAX, why);
	assert_int_equal(strlen(t.path), TARGET_MAX - plen + 1);
	target_free(&t);

	/* one more: refused */
	url[TARGET_MAX] = 'a';
	url[TARGET_MAX + 1] = '\0';
	why = NULL;
	assert_int_equal(target_parse(url, &t, &why), -1);
	assert_non_null(strstr(why, "too long"));
	assert_null(t.url);
	free(url);
}

/* target_describe re-vets a handle changed after parsing (a redirect). */
static void
test_target_describe(void **state)
{
	struct target t;
	const char *why;

	(void)state;
	why = NULL;
	assert_int_equal(target_parse("https://a.example.com/x", &t, &why), 0);

	assert_int_equal(curl_url_set(t.url, CURLUPART_URL,
	    "http://B.Example.COM:8080/y?z#f", 0), CURLUE_OK);
	assert_int_equal(target_describe(&t, &why), 0);
	assert_string_equal(t.scheme, "http");
	assert_string_equal(t.host, "b.example.com");
	assert_int_equal(t.port, 8080);
	assert_string_equal(t.path, "/y");

	assert_int_equal(curl_url_set(t.url, CURLUPART_URL,
	    "https://u:p@c.example.com/", 0), CURLUE_OK);
	why = NULL;
	assert_int_equal(target_describe(&t, &why), -1);
	assert_non_null(why);

	assert_int_equal(curl_url_set(t.url, CURLUPART_URL,
	    "ftp://c.example.com/", 0), CURLUE_OK);
	why = NULL;
	assert_int_equal(target_describe(&t, &why), -1);
	assert_non_null(why);
	target_free(&t);
	assert_null(t.url);
}

/* ---- end to end: target_parse + allowlist_match ---- */

static void
test_e2e_wildcard_host(void **state)
{
	static const char *const refused[] = {
		"https://evil.com/a.example.com",
		"https://evil.com?x=.example.com",
		"https://evil.com/?x=.example.com",
		"https://example.com.evil.com/",
		"https://evil.com#.example.com",
		"https://a.example.com.evil.com",
		"https://a.example.com.evil.com/x",
		"https://evil.com%2f.example.com",
		"https://evil.com%2F.example.com/",
		"https://evil.com%23.example.com/",
		"https://evil.com%3f.example.com/",
		"https://evil.com%40a.example.com/",
		"https://evil.com%5c.example.com/",
		"https://evil.com%00.example.com/",
		"https://evil.com%20.example.com/",
		"https://evil.com;.example.com/",
		"https://evil.com,.example.com/",
		"https://example.com",		/* the bare apex */
		"https://example.com/",
		"https://example.com./",
		"https://.example.com/",
		"https://aexample.com/",
		"https://.example.com.evil.com/",
		"https://..example.com/",
		"https://a..example.com/",	/* empty labels */
		"https://a.example.com../",
		"https://a.example.com%2e%2e/",
	};
	struct allowlist l = list1("https://*.example.com");
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(refused); i++)
		expect_refused(&l, refused[i]);

	/* refused by target_parse itself, before any matching */
	expect(&l, "https://evil.com\\@a.example.com", REFUSED_PARSE);
	expect(&l, "https://evil.com\\@a.example.com/", REFUSED_PARSE);
	expect(&l, "https://a.example.com@evil.com", REFUSED_PARSE);
	expect(&l, "https://a.example.com@evil.com/", REFUSED_PARSE);
	expect(&l, "https://a.example.com:x@evil.com/", REFUSED_PARSE);
	/* these parse, and the allowlist says no */
	expect(&l, "https://evil.com/a.example.com", REFUSED_LIST);
	expect(&l, "https://evil.com?x=.example.com", REFUSED_LIST);
	expect(&l, "https://evil.com#.example.com", REFUSED_LIST);
	expect(&l, "https://example.com.evil.com/", REFUSED_LIST);
	expect(&l, "https://a.example.com.evil.com", REFUSED_LIST);
	expect(&l, "https://example.com", REFUSED_LIST);

	expect(&l, "https://a.example.com/x", ALLOWED);
	expect(&l, "https://A.EXAMPLE.COM/x", ALLOWED);
	expect(&l, "https://a.example.com./x", ALLOWED);
	expect(&l, "https://a.example.com.", ALLOWED);
	expect(&l, "https://a.example.com", ALLOWED);
	expect(&l, "https://a.b.example.com/x?y=z#f", ALLOWED);
	expect(&l, "https://a.example.com/%2e%2e/x", ALLOWED);
	/* curl would decode the host into a name the text never showed */
	expect(&l, "https://a%2eexample.com/", REFUSED_PARSE);
	allowlist_free(&l);
}

static void
test_e2e_ports(void **state)
{
	struct allowlist l;

	(void)state;
	/* no port in the pattern: the scheme's default port only */
	l = list1("https://*.example.com");
	expect(&l, "https://a.example.com:8443/", REFUSED_LIST);
	expect(&l, "https://a.example.com:80/", REFUSED_LIST);
	expect(&l, "https://a.example.com:443/", ALLOWED);
	expect(&l, "https://a.example.com:0443/", ALLOWED);
	/* an http pattern does not allow an https target, nor vice versa */
	expect(&l, "http://a.example.com/", REFUSED_LIST);
	expect(&l, "http://a.example.com:443/", REFUSED_LIST);
	allowlist_free(&l);

	l = list1("http://a.example.com");
	expect(&l, "http://a.example.com/", ALLOWED);
	expect(&l, "http://a.example.com:80/", ALLOWED);
	expect(&l, "http://a.example.com:8080/", REFUSED_LIST);
	expect(&l, "https://a.example.com/", REFUSED_LIST);
	expect(&l, "https://a.example.com:80/", REFUSED_LIST);
	allowlist_free(&l);

	/* ":*" any port */
	l = list1("https://a.example.com:*");
	expect(&l, "https://a.example.com/", ALLOWED);
	expect(&l, "https://a.example.com:1/", ALLOWED);
	expect(&l, "https://a.example.com:8443/", ALLOWED);
	expect(&l, "https://a.example.com:65535/", ALLOWED);
	expect(&l, "https://a.example.com:65536/", REFUSED_PARSE);
	expect(&l, "http://a.example.com:8443/", REFUSED_LIST);
	expect(&l, "https://b.example.com:8443/", REFUSED_LIST);
	allowlist_free(&l);

	/* ":8080" that port exactly */
	l = list1("http://a.example.com:8080");
	expect(&l, "http://a.example.com:8080/x", ALLOWED);
	expect(&l, "http://a.example.com/x", REFUSED_LIST);
	expect(&l, "http://a.example.com:80/x", REFUSED_LIST);
	expect(&l, "http://a.example.com:8081/x", REFUSED_LIST);
	expect(&l, "http://a.example.com:18080/x", REFUSED_LIST);
	expect(&l, "https://a.example.com:8080/x", REFUSED_LIST);
	allowlist_free(&l);
}

static void
test_e2e_path(void **state)
{
	struct allowlist l = list1("https://api.example.com/v1/*");

	(void)state;
	expect(&l, "https://api.example.com/v1/x", ALLOWED);
	expect(&l, "https://api.example.com/v1/", ALLOWED);
	expect(&l, "https://api.example.com/v1/a/b/c", ALLOWED);
	expect(&l, "https://api.example.com/v1/./x", ALLOWED);
	/* the query is never matched */
	expect(&l, "https://api.example.com/v1/x?q=/v2", ALLOWED);
	expect(&l, "https://api.example.com/v2/x?q=/v1/x", REFUSED_LIST);
	expect(&l, "https://api.example.com/v2/x#/v1/x", REFUSED_LIST);

	expect(&l, "https://api.example.com/v2/x", REFUSED_LIST);
	expect(&l, "https://api.example.com/v1", REFUSED_LIST);
	expect(&l, "https://api.example.com/", REFUSED_LIST);
	expect(&l, "https://api.example.com", REFUSED_LIST);
	/* curl removes dot segments: /v1/../v2/x is sent as /v2/x */
	expect(&l, "https://api.example.com/v1/../v2/x", REFUSED_LIST);
	expect(&l, "https://api.example.com/v1/./../v2/x", REFUSED_LIST);
	/* path parameters: "..;" reads as ".." to some servers */
	expect(&l, "https://api.example.com/v1/..;/admin", REFUSED_LIST);
	expect(&l, "https://api.example.com/v1/x;jsessionid=1", REFUSED_LIST);
	expect(&l, "https://api.example.com/v1/%3b/x", REFUSED_LIST);
	/* encoded dots, slashes and backslashes never pass a path glob */
	expect(&l, "https://api.example.com/v1/%2e%2e/v2", REFUSED_LIST);
	expect(&l, "https://api.example.com/v1/%2E%2E/v2", REFUSED_LIST);
	expect(&l, "https://api.example.com/v1/.%2e/v2", REFUSED_LIST);
	expect(&l, "https://api.example.com/v1%2fx", REFUSED_LIST);
	expect(&l, "https://api.example.com/v1%2Fx", REFUSED_LIST);
	expect(&l, "https://api.example.com/v1/%2fx", REFUSED_LIST);
	expect(&l, "https://api.example.com/v1/%5c../v2", REFUSED_LIST);
	expect(&l, "https://api.example.com/v1/%252e%252e/v2", REFUSED_LIST);
	expect(&l, "https://api.example.com/v1/..\\v2", REFUSED_PARSE);
	/* paths are case-sensitive */
	expect(&l, "https://api.example.com/V1/x", REFUSED_LIST);
	/* the path restriction does not widen the host */
	expect(&l, "https://evil.com/v1/x", REFUSED_LIST);
	expect(&l, "https://api.example.com.evil.com/v1/x", REFUSED_LIST);
	allowlist_free(&l);
}

/*
 * Escapes on a path-restricted pattern must decode to valid UTF-8: an
 * overlong form is '.', '/' or '\' to a lenient decoder, and a cut or
 * stray sequence may swallow what follows it.  A host-only pattern
 * judges no path.
 */
static void
test_e2e_path_utf8(void **state)
{
	static const char *const bad[] = {
		"/v1/%c0%ae%c0%ae/admin",	/* overlong '.' */
		"/v1/%C0%AE%C0%AE/admin",
		"/v1/x/%c0%ae%c0%ae/%c0%ae%c0%ae/admin",
		"/v1/%c0%af..",			/* overlong '/' */
		"/v1/%c1%9c..",			/* overlong '\' */
		"/v1/%e0%80%ae%e0%80%ae/x",	/* three-byte overlong '.' */
		"/v1/%e0%80%af",
		"/v1/%f0%80%80%ae",		/* four-byte overlong '.' */
		"/v1/%f8%80%80%80%ae",		/* five bytes: never UTF-8 */
		"/v1/%c0",			/* lead bytes that never lead */
		"/v1/%c1%81",
		"/v1/%80",			/* a stray continuation byte */
		"/v1/%c3",			/* a cut sequence */
		"/v1/%c3x",
		"/v1/%e2%82",
		"/v1/%c3%41",
		"/v1/%ed%a0%80",		/* a surrogate */
		"/v1/%f4%90%80%80",		/* above U+10FFFF */
		"/v1/%ff",
		"/v1/%e9t%e9",			/* Latin-1, not UTF-8 */
		"/v1/%u002e%u002e/x",		/* IIS %u escapes */
		"/v1/%zz",			/* '%' that starts no escape */
		"/v1/a%",
		"/v1/a%4",
	};
	static const char *const good[] = {
		"/v1/%c3%a9",			/* U+00E9 */
		"/v1/%C3%A9",
		"/v1/%c2%80",			/* U+0080, the first two-byte */
		"/v1/%e0%a0%80",		/* U+0800, the first three-byte */
		"/v1/%e2%82%ac",		/* U+20AC */
		"/v1/%ed%9f%bf",		/* U+D7FF, below the surrogates */
		"/v1/%f0%90%80%80",		/* U+10000 */
		"/v1/%f4%8f%bf%bf",		/* U+10FFFF */
		"/v1/%41%20b",			/* ASCII escapes but . / \ % ; */
	};
	struct allowlist l = list1("https://api.example.com/v1/*");
	struct allowlist any = list1("https://api.example.com");
	char url[256];
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(bad); i++) {
		snprintf(url, sizeof(url), "https://api.example.com%s", bad[i]);
		expect(&l, url, REFUSED_LIST);
		expect(&any, url, ALLOWED);
	}
	for (i = 0; i < NELEM(good); i++) {
		snprintf(url, sizeof(url), "https://api.example.com%s", good[i]);
		expect(&l, url, ALLOWED);
	}
	allowlist_free(&any);
	allowlist_free(&l);
}

static void
test_e2e_several(void **state)
{
	struct allowlist l = { NULL, 0 };

	(void)state;
	expect(&l, "https://a.example.com/", REFUSED_LIST);	/* empty list */
	add(&l, "https://api.example.com/v1/*");
	add(&l, "https://*.cdn.example.net");
	add(&l, "http://legacy.example.org:8080/status");
	expect(&l, "https://api.example.com/v1/x", ALLOWED);
	expect(&l, "https://img.cdn.example.net/a/b.png", ALLOWED);
	expect(&l, "http://legacy.example.org:8080/status", ALLOWED);
	expect(&l, "http://legacy.example.org:8080/status?x=1", ALLOWED);
	expect(&l, "http://legacy.example.org:8080/status/x", REFUSED_LIST);
	expect(&l, "http://legacy.example.org/status", REFUSED_LIST);
	expect(&l, "https://api.example.com/v2/x", REFUSED_LIST);
	expect(&l, "https://cdn.example.net/", REFUSED_LIST);
	/* host of one pattern with the path of another */
	expect(&l, "https://img.cdn.example.net.evil.com/v1/x", REFUSED_LIST);
	allowlist_free(&l);
}

static void
test_e2e_ipv6(void **state)
{
	struct allowlist l = list1("http://[::1]:8080");

	(void)state;
	expect(&l, "http://[::1]:8080/", ALLOWED);
	expect(&l, "http://[0:0:0:0:0:0:0:1]:8080/", ALLOWED);
	expect(&l, "http://[::1]/", REFUSED_LIST);
	expect(&l, "http://[::2]:8080/", REFUSED_LIST);
	expect(&l, "http://[::1%25lo]:8080/", REFUSED_PARSE);
	allowlist_free(&l);
}

/*
 * Numeric IPv4 forms.  curl 7.88 normalises the decimal, hex, octal and
 * short forms to a dotted quad, so t.host is "127.0.0.1" for all of
 * these: http://2130706433/, http://0x7f.1/, http://0177.0.0.1/,
 * http://127.1/.  Whatever form curl leaves, matching must follow the
 * host string the transfer uses: a "http://127.0.0.1" pattern matches
 * exactly when t.host is "127.0.0.1", and a name pattern never matches.
 * A form curl does not normalise on the first parse (its host is
 * percent-encoded, so it is decoded only after the IPv4 check) would be
 * "0x7f.1" here but 127.0.0.1 to the transfer: target_parse refuses it
 * (see test_target_reparse).
 */
static void
test_e2e_numeric_ipv4(void **state)
{
	static const char *const forms[] = {
		"http://2130706433/",
		"http://0x7f.1/",
		"http://0177.0.0.1/",
		"http://127.1/",
		"http://0x7f000001/",
		"http://0x7F.0.0.1/",
		"http://127.0.1/",
		"http://127.0.0.1/",
		"http://127.0.0.1./",
	};
	static const char *const odd[] = {
		"http://0x7f%2e1/",
		"http://%31%32%37.0.0.1/",
		"http://%30/",
		"http://0/",
	};
	struct allowlist loop = list1("http://127.0.0.1");
	struct allowlist name = list1("http://example.com");
	struct allowlist star = list1("http://*.example.com:*");
	const curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);
	struct target t;
	const char *why;
	size_t i;
	bool m;

	(void)state;
	for (i = 0; i < NELEM(forms) + NELEM(odd); i++) {
		const char *url = i < NELEM(forms) ? forms[i] :
		    odd[i - NELEM(forms)];

		why = NULL;
		if (target_parse(url, &t, &why) != 0)
			continue;	/* refusing is always safe */
		if (i < NELEM(forms) && cv->version_num >= 0x075800 &&
		    strcmp(t.host, "127.0.0.1") != 0)
			fail_msg("%s: curl %s gave host \"%s\", want 127.0.0.1",
			    url, cv->version, t.host);
		m = allowlist_match(&loop, t.scheme, t.host, t.port, t.path);
		if (m != (strcmp(t.host, "127.0.0.1") == 0))
			fail_msg("%s: host \"%s\" and \"http://127.0.0.1\" "
			    "%s", url, t.host, m ? "match" : "do not match");
		if (allowlist_match(&name, t.scheme, t.host, t.port, t.path))
			fail_msg("%s: matched http://example.com", url);
		if (allowlist_match(&star, t.scheme, t.host, t.port, t.path))
			fail_msg("%s: matched http://*.example.com:*", url);
		target_free(&t);
	}
	allowlist_free(&loop);
	allowlist_free(&name);
	allowlist_free(&star);
}

/*
 * The transfer does not use t.url as it is: curl turns it into a string
 * and parses that again.  A target must read the same both times, or the
 * allowlist judges one host and curl connects to another.  Found by
 * tests/fuzz/fuzz_target: curl 7.88 decodes a percent-encoded host only
 * after its IPv4 check, so "http://%38/" was host "8" to the allowlist
 * and 0.0.0.8 to the transfer.
 */
static void
test_target_reparse(void **state)
{
	static const char *const urls[] = {
		"http://%38/",
		"http:/%38",
		"http://0%78%37f.1/",
		"http://%31%32%37.1/",
		"http://%31%32%37.0.0.1/",
		"http://0x7f%2e1/",
		"http://%30/",
		"http://ex%61mple.com/",
		"https://a.example.com/x/../y?q#f",
		"http://a.example.com./",
		"http://A.Example.COM.:81/",
		"http://127.0.0.1./",
		"http://0x7f.1./",
	};
	struct allowlist eight = list1("http://8");
	struct target t, again;
	const char *why;
	char *url, *host;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(urls); i++) {
		why = NULL;
		if (target_parse(urls[i], &t, &why) != 0) {
			assert_non_null(why);
			continue;	/* refusing is always safe */
		}
		url = NULL;
		assert_int_equal(curl_url_get(t.url, CURLUPART_URL, &url, 0),
		    CURLUE_OK);
		memset(&again, 0, sizeof(again));
		assert_non_null(again.url = curl_url());
		assert_int_equal(curl_url_set(again.url, CURLUPART_URL, url,
		    CURLU_GUESS_SCHEME | CURLU_NON_SUPPORT_SCHEME), CURLUE_OK);
		/* the name curl resolves is the one judged, dot and all */
		host = NULL;
		assert_int_equal(curl_url_get(again.url, CURLUPART_HOST, &host,
		    0), CURLUE_OK);
		if (strcasecmp(host, t.host) != 0)
			fail_msg("%s: judged host %s, curl resolves %s", urls[i],
			    t.host, host);
		curl_free(host);
		why = NULL;
		if (target_describe(&again, &why) != 0)
			fail_msg("%s: curl would request %s, which is refused: %s",
			    urls[i], url, why);
		if (strcmp(t.host, again.host) != 0 || t.port != again.port ||
		    strcmp(t.path, again.path) != 0)
			fail_msg("%s: judged as %s:%ld%s, curl requests %s:%ld%s",
			    urls[i], t.host, t.port, t.path, again.host,
			    again.port, again.path);
		curl_free(url);
		target_free(&again);
		target_free(&t);
	}
	/* the example in the comment, end to end */
	expect_refused(&eight, "http://%38/");
	allowlist_free(&eight);
}

/*
 * A trailing dot: dropped in the handle the transfer uses, not only in
 * t.host, so the name the allowlist matched is the name curl resolves
 * (and an [upstream] resolve pin of it applies).  One dot only.
 */
static void
test_target_trailing_dot(void **state)
{
	static const struct {
		const char	*url;
		const char	*host;		/* t.host */
		const char	*sent;		/* the URL curl is given */
		bool		 numeric;	/* normalised by curl >= 7.88 */
	} w[] = {
		{ "http://Allowed.Example.:8080/x?q=1#f", "allowed.example",
		    "http://Allowed.Example:8080/x?q=1", false },
		{ "https://a.example.com./", "a.example.com",
		    "https://a.example.com/", false },
		{ "http://127.0.0.1./", "127.0.0.1", "http://127.0.0.1/",
		    false },
		{ "http://0x7f.1.:81/", "127.0.0.1", "http://127.0.0.1:81/",
		    true },
		{ "http://2130706433./", "127.0.0.1", "http://127.0.0.1/",
		    true },
	};
	static const char *const bad[] = {
		"http://allowed.example../",
		"http://.allowed.example/",
		"http://.allowed.example./",
		"http://a..b./",
		"http://./",
		"http://../",
	};
	const curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);
	struct allowlist l = list1("http://allowed.example:*");
	struct target t;
	const char *why;
	char *url;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(w); i++) {
		if (w[i].numeric && cv->version_num < 0x075800)
			continue;
		why = NULL;
		if (target_parse(w[i].url, &t, &why) != 0)
			fail_msg("target_parse(\"%s\") failed: %s", w[i].url,
			    why);
		assert_string_equal(t.host, w[i].host);
		url = NULL;
		assert_int_equal(curl_url_get(t.url, CURLUPART_URL, &url, 0),
		    CURLUE_OK);
		assert_string_equal(url, w[i].sent);
		curl_free(url);
		target_free(&t);
	}
	for (i = 0; i < NELEM(bad); i++)
		expect(&l, bad[i], REFUSED_PARSE);
	expect(&l, "http://ALLOWED.EXAMPLE.:1/", ALLOWED);

	/* a redirect's Location follows the same rule */
	assert_int_equal(target_parse("http://allowed.example/", &t, &why), 0);
	assert_int_equal(curl_url_set(t.url, CURLUPART_URL,
	    "http://B.Example.:81/y", 0), CURLUE_OK);
	assert_int_equal(target_describe(&t, &why), 0);
	assert_string_equal(t.host, "b.example");
	url = NULL;
	assert_int_equal(curl_url_get(t.url, CURLUPART_URL, &url, 0),
	    CURLUE_OK);
	assert_string_equal(url, "http://B.Example:81/y");
	curl_free(url);
	target_free(&t);
	allowlist_free(&l);
}

static void
test_hostname(void **state)
{
	static const char *const good[] = {
		"a", "example.com", "A-B.example_1.com", "0", "127.0.0.1",
		"-lead.example", "trail-.example", "xn--bcher-kva.example",
	};
	static const char *const bad[] = {
		"", ".", ".example.com", "example.com.", "a..b", "a b",
		"a%2eb", "a/b", "a:80", "[::1]", "*.example.com", "a@b",
		"caf\xc3\xa9.example",
	};
	char longest[HOSTNAME_MAX + 2];
	size_t i;
	int c;

	(void)state;
	for (i = 0; i < NELEM(good); i++)
		if (!hostname_valid(good[i], strlen(good[i])))
			fail_msg("host \"%s\" refused", good[i]);
	for (i = 0; i < NELEM(bad); i++)
		if (hostname_valid(bad[i], strlen(bad[i])))
			fail_msg("host \"%s\" accepted", bad[i]);
	/* only the n bytes given are read */
	assert_true(hostname_valid("example.com:80", 11));
	memset(longest, 'a', sizeof(longest));
	assert_true(hostname_valid(longest, HOSTNAME_MAX));
	assert_false(hostname_valid(longest, HOSTNAME_MAX + 1));
	for (c = 0; c < 256; c++)
		if (hostname_char((unsigned char)c) !=
		    ((c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_'))
			fail_msg("hostname_char(0x%02x) wrong", c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostname),
		cmocka_unit_test(test_glob),
		cmocka_unit_test(test_add_good),
		cmocka_unit_test(test_add_bad),
		cmocka_unit_test(test_add_reasons),
		cmocka_unit_test(test_match_parts),
		cmocka_unit_test(test_target_good),
		cmocka_unit_test(test_target_bad),
		cmocka_unit_test(test_target_reasons),
		cmocka_unit_test(test_target_trailing_dot),
		cmocka_unit_test(test_target_host_written),
		cmocka_unit_test(test_target_length),
		cmocka_unit_test(test_target_describe),
		cmocka_unit_test(test_e2e_wildcard_host),
		cmocka_unit_test(test_e2e_ports),
		cmocka_unit_test(test_e2e_path),
		cmocka_unit_test(test_e2e_path_utf8),
		cmocka_unit_test(test_e2e_several),
		cmocka_unit_test(test_e2e_ipv6),
		cmocka_unit_test(test_e2e_numeric_ipv4),
		cmocka_unit_test(test_target_reparse),
	};
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
