/* SPDX-License-Identifier: ISC */
/*
 * fuzz_target: a Proxy-To value through target_parse and allowlist_match,
 * against fixed allowlists (host-only, path-restricted, port-wildcard).
 *
 * Input: the Proxy-To value; or "PATTERN\nVALUE", which also compiles
 * PATTERN as a one-pattern allowlist.  Invariants:
 *  - a parsed target was written "scheme://authority", the authority
 *    not empty and without '%' (libcurl also finds a host in "http:/h"
 *    and "http:///h", and decodes "h%2ex");
 *  - a parsed target is http(s), a plain lower-case host, a port in
 *    1..65535 and a path starting with '/' without dot segments;
 *  - the URL curl will request (the CURLU turned into a string and
 *    parsed again the way curl does) has the same scheme, host, port and
 *    path as the one the allowlist judged, and the host curl resolves is
 *    the judged one as it stands, without a trailing dot (no case);
 *  - allowlist_match agrees with an independent reference matcher on
 *    what curl will request, for every list (a path-restricted pattern
 *    judges only paths whose escapes decode to valid UTF-8).
 */
#include "autoconf.h"

#include <ctype.h>
#include <stdbool.h>
#include <strings.h>

#include <curl/curl.h>

#include "allow.h"
#include "fuzz.h"
#include "target.h"

/* The reference form of a pattern, written by hand, not parsed. */
struct ref {
	const char	*text;		/* what allowlist_add compiles */
	const char	*scheme;
	const char	*host;		/* glob */
	long		 port;		/* or ALLOW_ANY_PORT */
	const char	*path;		/* glob, or NULL for any */
};

static const struct ref hosts[] = {
	{ "https://api.example.com", "https", "api.example.com", 443, NULL },
	{ "http://*.example.org/", "http", "*.example.org", 80, NULL },
	{ "https://Example.NET.:8443", "https", "example.net", 8443, NULL },
	{ "http://127.0.0.1:8080", "http", "127.0.0.1", 8080, NULL },
	{ NULL, NULL, NULL, 0, NULL }
};

static const struct ref paths[] = {
	{ "https://api.example.com/v1/*", "https", "api.example.com", 443, "/v1/*" },
	{ "http://docs.example.org/pub/*.html", "http", "docs.example.org", 80,
	    "/pub/*.html" },
	{ "http://127.0.0.1:8080/public/*", "http", "127.0.0.1", 8080, "/public/*" },
	{ "https://*.cdn.example.com/img/*/thumb", "https", "*.cdn.example.com",
	    443, "/img/*/thumb" },
	{ NULL, NULL, NULL, 0, NULL }
};

static const struct ref ports[] = {
	{ "http://*.example.com:*", "http", "*.example.com", ALLOW_ANY_PORT, NULL },
	{ "https://[2001:db8::1]:*/x/*", "https", "[2001:db8::1]", ALLOW_ANY_PORT,
	    "/x/*" },
	{ "http://localhost:*", "http", "localhost", ALLOW_ANY_PORT, NULL },
	{ "HTTPS://*:*", "https", "*", ALLOW_ANY_PORT, NULL },
	{ NULL, NULL, NULL, 0, NULL }
};

static const struct ref *const refs[] = { hosts, paths, ports };
#define NLISTS	(sizeof(refs) / sizeof(refs[0]))

static struct allowlist lists[NLISTS];

/* Textbook glob, dynamic programming: independent of glob.c. */
static bool
ref_glob(const char *p, const char *s, bool nocase)
{
	size_t m = strlen(p), n = strlen(s), i, j;
	bool *prev, *cur, *tmp, r;

	prev = calloc(n + 1, sizeof(*prev));
	cur = calloc(n + 1, sizeof(*cur));
	if (prev == NULL || cur == NULL)
		abort();
	prev[0] = true;		/* empty pattern matches empty string */
	for (i = 1; i <= m; i++) {
		cur[0] = prev[0] && p[i - 1] == '*';
		for (j = 1; j <= n; j++) {
			if (p[i - 1] == '*')
				cur[j] = prev[j] || cur[j - 1];
			else if (nocase)
				cur[j] = prev[j - 1] &&
				    tolower((unsigned char)p[i - 1]) ==
				    tolower((unsigned char)s[j - 1]);
			else
				cur[j] = prev[j - 1] && p[i - 1] == s[j - 1];
		}
		tmp = prev;
		prev = cur;
		cur = tmp;
	}
	r = prev[n];
	free(prev);
	free(cur);
	return r;
}

/*
 * The path percent-decoded is valid UTF-8: decode every code point and
 * refuse overlong forms, surrogates and anything above U+10FFFF.  A '%'
 * without two hex digits is no valid path either.
 */
static bool
ref_utf8(const char *path)
{
	unsigned char *b;
	size_t n = 0, i, k, len;
	unsigned long cp, min;
	bool ok = false;

	if ((b = malloc(strlen(path) + 1)) == NULL)
		abort();
	for (i = 0; path[i] != '\0'; i++) {
		if (path[i] != '%')
			b[n++] = (unsigned char)path[i];
		else if (isxdigit((unsigned char)path[i + 1]) &&
		    isxdigit((unsigned char)path[i + 2])) {
			char hex[3] = { path[i + 1], path[i + 2], '\0' };

			b[n++] = (unsigned char)strtoul(hex, NULL, 16);
			i += 2;
		} else
			goto out;
	}
	for (i = 0; i < n; i += len) {
		if (b[i] < 0x80) {
			len = 1;
			continue;
		}
		if ((b[i] & 0xe0) == 0xc0) {
			len = 2, cp = b[i] & 0x1f, min = 0x80;
		} else if ((b[i] & 0xf0) == 0xe0) {
			len = 3, cp = b[i] & 0x0f, min = 0x800;
		} else if ((b[i] & 0xf8) == 0xf0) {
			len = 4, cp = b[i] & 0x07, min = 0x10000;
		} else
			goto out;
		if (i + len > n)
			goto out;
		for (k = 1; k < len; k++) {
			if ((b[i + k] & 0xc0) != 0x80)
				goto out;
			cp = cp << 6 | (b[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			goto out;
	}
	ok = true;
out:
	free(b);
	return ok;
}

/* May a path-restricted pattern judge this path at all? */
static bool
ref_plain(const char *path)
{
	static const char *const encoded[] = { "%2e", "%2f", "%5c", "%25", "%3b" };
	size_t i, k;

	for (i = 0; path[i] != '\0'; i++) {
		if (path[i] == ';' || path[i] == '\\')
			return false;
		for (k = 0; k < sizeof(encoded) / sizeof(encoded[0]); k++)
			if (strncasecmp(path + i, encoded[k], 3) == 0)
				return false;
	}
	return ref_utf8(path);
}

static bool
ref_match_one(const char *scheme, const char *host, long port,
    const char *path, const char *rscheme, const char *rhost, long rport,
    const char *rpath)
{
	if (strcmp(scheme, rscheme) != 0)
		return false;
	if (rport != ALLOW_ANY_PORT && rport != port)
		return false;
	if (!ref_glob(rhost, host, true))
		return false;
	return rpath == NULL ||
	    (ref_plain(path) && ref_glob(rpath, path, false));
}

static bool
ref_match(const struct ref *r, const struct target *t)
{
	for (; r->text != NULL; r++)
		if (ref_match_one(t->scheme, t->host, t->port, t->path,
		    r->scheme, r->host, r->port, r->path))
			return true;
	return false;
}

static void
setup(void)
{
	static bool done;
	const struct ref *r;
	const char *why;
	size_t i;

	if (done)
		return;
	done = true;
	for (i = 0; i < NLISTS; i++)
		for (r = refs[i]; r->text != NULL; r++)
			if (allowlist_add(&lists[i], r->text, &why) == -1) {
				fprintf(stderr, "%s: %s\n", r->text, why);
				abort();
			}
}

static bool
has_dot_segment(const char *path)
{
	const char *seg = path;

	while ((seg = strchr(seg, '/')) != NULL) {
		seg++;
		if ((seg[0] == '.' && (seg[1] == '/' || seg[1] == '\0')) ||
		    (seg[0] == '.' && seg[1] == '.' &&
		    (seg[2] == '/' || seg[2] == '\0')))
			return true;
	}
	return false;
}

static void
check_fields(const struct target *t)
{
	size_t i, n;

	FUZZ_CHECK(strcmp(t->scheme, "http") == 0 || strcmp(t->scheme, "https") == 0,
	    "scheme is http or https");
	FUZZ_CHECK(t->port >= 1 && t->port <= 65535, "port in range");
	n = strlen(t->host);
	FUZZ_CHECK(n > 0, "host not empty");
	if (t->host[0] == '[') {
		FUZZ_CHECK(t->host[n - 1] == ']', "bracketed host closed");
		for (i = 1; i + 1 < n; i++)
			FUZZ_CHECK(isxdigit((unsigned char)t->host[i]) ||
			    t->host[i] == ':' || t->host[i] == '.',
			    "IPv6 host is hex, ':' and '.' only");
	} else {
		FUZZ_CHECK(t->host[0] != '.' && t->host[n - 1] != '.' &&
		    strstr(t->host, "..") == NULL, "host has no empty label");
		for (i = 0; i < n; i++)
			FUZZ_CHECK(islower((unsigned char)t->host[i]) ||
			    isdigit((unsigned char)t->host[i]) ||
			    strchr("-._", t->host[i]) != NULL,
			    "host is a plain lower-case name");
	}
	FUZZ_CHECK(t->path[0] == '/', "path starts with '/'");
	for (i = 0; t->path[i] != '\0'; i++)
		FUZZ_CHECK((unsigned char)t->path[i] > 0x20 &&
		    (unsigned char)t->path[i] < 0x7f, "path is printable ASCII");
	FUZZ_CHECK(!has_dot_segment(t->path), "path has no dot segment");
}

/* The value as the client wrote it: "scheme://authority...". */
static void
check_written(const char *value, const struct target *t)
{
	size_t n = strlen(t->scheme), alen;
	const char *a = value + n + 3;

	FUZZ_CHECK(strncasecmp(value, t->scheme, n) == 0 &&
	    strncmp(value + n, "://", 3) == 0, "written as scheme://");
	alen = strcspn(a, "/?#");
	FUZZ_CHECK(alen > 0, "the written authority is not empty");
	FUZZ_CHECK(memchr(a, '%', alen) == NULL, "no '%' in the authority");
}

/*
 * What curl will request: since 7.62, a CURLOPT_CURLU handle is turned
 * into a URL string and parsed again with these flags.
 */
static void
reparse(const struct target *t, struct target *t2)
{
	char *url = NULL, *host = NULL;
	const char *why = NULL;
	size_t i;

	FUZZ_CHECK(curl_url_get(t->url, CURLUPART_URL, &url, 0) == CURLUE_OK,
	    "a parsed target has a URL");
	for (i = 0; url[i] != '\0'; i++)
		FUZZ_CHECK((unsigned char)url[i] > 0x20 &&
		    (unsigned char)url[i] < 0x7f, "URL is printable ASCII");
	FUZZ_CHECK(strchr(url, '#') == NULL, "no fragment is sent");
	memset(t2, 0, sizeof(*t2));
	t2->url = curl_url();
	FUZZ_CHECK(t2->url != NULL, "curl_url");
	FUZZ_CHECK(curl_url_set(t2->url, CURLUPART_URL, url,
	    CURLU_GUESS_SCHEME | CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK,
	    "the URL curl is given parses again");
	FUZZ_CHECK(curl_url_get(t2->url, CURLUPART_HOST, &host, 0) == CURLUE_OK,
	    "the URL curl is given has a host");
	FUZZ_CHECK(strcasecmp(host, t->host) == 0,
	    "the name curl resolves is the host judged");
	curl_free(host);
	FUZZ_CHECK(target_describe(t2, &why) == 0, "the URL curl is given is valid");
	FUZZ_CHECK(strcmp(t->scheme, t2->scheme) == 0, "same scheme");
	FUZZ_CHECK(strcmp(t->host, t2->host) == 0, "same host");
	FUZZ_CHECK(t->port == t2->port, "same port");
	FUZZ_CHECK(strcmp(t->path, t2->path) == 0, "same path");
	curl_free(url);
}

/* A compiled pattern looks like what allow.h promises. */
static void
check_pattern(const struct allow_pattern *p)
{
	size_t n = strlen(p->host);

	FUZZ_CHECK(strcmp(p->scheme, "http") == 0 || strcmp(p->scheme, "https") == 0,
	    "pattern scheme");
	FUZZ_CHECK(p->port == ALLOW_ANY_PORT ||
	    (p->port >= 1 && p->port <= 65535), "pattern port");
	FUZZ_CHECK(n > 0, "pattern host not empty");
	FUZZ_CHECK(strpbrk(p->host, "/@?#\\%") == NULL, "pattern host is a host");
	if (p->host[0] != '[')
		FUZZ_CHECK(strchr(p->host, ':') == NULL, "no port left in host");
	FUZZ_CHECK(p->path == NULL || (p->path[0] == '/' && p->path[1] != '\0'),
	    "pattern path");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct allowlist own = { 0 };
	struct target t, t2;
	const char *why = NULL, *value;
	char *s, *nl;
	bool own_ok = false;
	size_t i;

	setup();
	s = fuzz_strndup(data, size);
	value = s;
	if ((nl = strchr(s, '\n')) != NULL) {
		*nl = '\0';
		value = nl + 1;
		if (allowlist_add(&own, s, &why) == 0) {
			FUZZ_CHECK(own.n == 1, "one pattern compiled");
			check_pattern(&own.v[0]);
			own_ok = strlen(own.v[0].host) < 512 &&
			    (own.v[0].path == NULL ||
			    strlen(own.v[0].path) < 512);
		} else
			FUZZ_CHECK(why != NULL && own.n == 0, "a refused pattern says why");
	}
	if (target_parse(value, &t, &why) == -1) {
		FUZZ_CHECK(why != NULL && t.url == NULL, "a refusal says why, frees");
		/* a refused target is never allowed: nothing to match */
		goto out;
	}
	FUZZ_CHECK(strlen(value) <= TARGET_MAX, "length limit");
	check_written(value, &t);
	check_fields(&t);
	reparse(&t, &t2);
	check_fields(&t2);
	for (i = 0; i < NLISTS; i++)
		FUZZ_CHECK(allowlist_match(&lists[i], t.scheme, t.host, t.port,
		    t.path) == ref_match(refs[i], &t2),
		    "allowlist decision matches the reference on what curl requests");
	if (own_ok) {
		const struct allow_pattern *p = &own.v[0];

		FUZZ_CHECK(allowlist_match(&own, t.scheme, t.host, t.port,
		    t.path) == ref_match_one(t2.scheme, t2.host, t2.port,
		    t2.path, p->scheme, p->host, p->port, p->path),
		    "fuzzed pattern decision matches the reference");
	}
	target_free(&t2);
	target_free(&t);
out:
	allowlist_free(&own);
	free(s);
	return 0;
}
