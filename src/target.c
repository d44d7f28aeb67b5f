/* SPDX-License-Identifier: ISC */
/*
 * target: parse and vet a target URL with libcurl's URL API.  Refuses
 * what a careful proxy must not guess about: other schemes, a host not
 * written as scheme://host, userinfo, zone ids, control bytes,
 * whitespace, backslashes, non-ASCII bytes and URLs that curl would
 * read differently when it parses them again.
 */
#include "autoconf.h"

#include "target.h"
#include "decimal.h"
#include "hostname.h"

#include <ctype.h>
#include <string.h>

long
scheme_default_port(const char *scheme)
{
	if (strcmp(scheme, "http") == 0)
		return 80;
	if (strcmp(scheme, "https") == 0)
		return 443;
	return -1;
}

static void
clear_derived(struct target *t)
{
	curl_free(t->scheme);
	curl_free(t->host);
	curl_free(t->path);
	t->scheme = t->host = t->path = NULL;
	t->port = 0;
}

void
target_free(struct target *t)
{
	clear_derived(t);
	curl_url_cleanup(t->url);
	t->url = NULL;
}

/*
 * At most TARGET_MAX bytes of printable ASCII other than space and
 * backslash: parsers disagree on everything else (WHATWG strips tabs,
 * reads '\' as '/', IDNA-maps non-ASCII; upstreams decode raw bytes
 * >= 0x80 as UTF-8, some leniently).
 */
bool
target_bytes_ok(const char *ref, const char **why)
{
	const char *s;

	if (strlen(ref) > TARGET_MAX) {
		*why = "target URL too long";
		return false;
	}
	for (s = ref; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c <= 0x20 || c >= 0x7f || c == '\\') {
			*why = "target URL contains whitespace, control, backslash or non-ASCII bytes";
			return false;
		}
	}
	return true;
}

static bool
has_part(CURLU *u, CURLUPart part)
{
	char *v = NULL;
	CURLUcode rc = curl_url_get(u, part, &v, 0);

	curl_free(v);
	return rc == CURLUE_OK;
}

static bool
valid_host(const char *h)
{
	size_t n = strlen(h);

	if (n == 0 || n > 253 + 2)
		return false;
	if (h[0] == '[')
		return h[n - 1] == ']' && strchr(h, '%') == NULL;
	return hostname_valid(h, n);
}

/*
 * curl does not use the CURLU it is given as it is: it turns it into a
 * URL string and parses that again.  A URL that reads differently the
 * second time (curl decodes a percent-encoded host only after deciding
 * it is not an IPv4 address, so "http://%38/" is host "8" here and
 * 0.0.0.8 to the transfer) would be judged on one host and fetched from
 * another: refuse it.
 */
static bool
url_is_stable(CURLU *u)
{
	static const CURLUPart parts[] = {
		CURLUPART_SCHEME, CURLUPART_HOST, CURLUPART_PORT, CURLUPART_PATH
	};
	CURLU *again = NULL;
	char *url = NULL, *a, *b;
	CURLUcode ra, rb;
	bool same = false;
	size_t i;

	if (curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK ||
	    (again = curl_url()) == NULL ||
	    curl_url_set(again, CURLUPART_URL, url,
	    CURLU_GUESS_SCHEME | CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK)
		goto out;
	same = true;
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]) && same; i++) {
		a = b = NULL;
		ra = curl_url_get(u, parts[i], &a, CURLU_DEFAULT_PORT);
		rb = curl_url_get(again, parts[i], &b, CURLU_DEFAULT_PORT);
		same = ra == rb && (ra != CURLUE_OK || strcmp(a, b) == 0);
		curl_free(a);
		curl_free(b);
	}
out:
	curl_url_cleanup(again);
	curl_free(url);
	return same;
}

/*
 * A host with one trailing dot ("example.com.") names the same host as
 * without it; the allowlist and [upstream] resolve know it without.
 * Drop the dot in the handle itself, and read the URL again as if it had
 * never been there ("127.0.0.1." is then an address, "0x7f.1." is
 * normalised like "0x7f.1"), so the name the allowlist matches is the
 * name the transfer resolves, and a pinned name is never asked of DNS.
 */
static int
drop_trailing_dot(CURLU *u, char **host)
{
	char *url = NULL;
	CURLUcode rc;

	(*host)[strlen(*host) - 1] = '\0';
	rc = curl_url_set(u, CURLUPART_HOST, *host, 0);
	if (rc == CURLUE_OK)
		rc = curl_url_get(u, CURLUPART_URL, &url, 0);
	if (rc == CURLUE_OK)
		rc = curl_url_set(u, CURLUPART_URL, url, 0);
	curl_free(url);
	curl_free(*host);
	*host = NULL;
	if (rc == CURLUE_OK)
		rc = curl_url_get(u, CURLUPART_HOST, host, 0);
	return rc == CURLUE_OK ? 0 : -1;
}

int
target_describe(struct target *t, const char **why)
{
	char *port = NULL, *h;
	size_t n;

	clear_derived(t);
	if (curl_url_get(t->url, CURLUPART_SCHEME, &t->scheme, 0) !=
	    CURLUE_OK) {
		*why = "target has no scheme";
		return -1;
	}
	for (h = t->scheme; *h != '\0'; h++)
		*h = (char)tolower((unsigned char)*h);
	if (scheme_default_port(t->scheme) == -1) {
		*why = "target scheme must be http or https";
		return -1;
	}
	if (has_part(t->url, CURLUPART_USER) ||
	    has_part(t->url, CURLUPART_PASSWORD) ||
	    has_part(t->url, CURLUPART_OPTIONS)) {
		*why = "target must not carry credentials";
		return -1;
	}
	if (has_part(t->url, CURLUPART_ZONEID)) {
		*why = "target must not carry an IPv6 zone id";
		return -1;
	}
	if (curl_url_get(t->url, CURLUPART_HOST, &t->host, 0) != CURLUE_OK ||
	    t->host[0] == '\0') {
		*why = "target has no host";
		return -1;
	}
	n = strlen(t->host);
	if (n > 1 && t->host[n - 1] == '.' &&
	    drop_trailing_dot(t->url, &t->host) == -1) {
		*why = "target host is not a plain DNS name or IP address";
		return -1;
	}
	for (h = t->host; *h != '\0'; h++)
		*h = (char)tolower((unsigned char)*h);
	if (!valid_host(t->host)) {
		*why = "target host is not a plain DNS name or IP address";
		return -1;
	}
	if (curl_url_get(t->url, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) !=
	    CURLUE_OK) {
		*why = "target port is invalid";
		return -1;
	}
	if (parse_port(port, strlen(port), &t->port) == -1) {
		curl_free(port);
		*why = "target port is invalid";
		return -1;
	}
	curl_free(port);
	if (curl_url_get(t->url, CURLUPART_PATH, &t->path, 0) != CURLUE_OK) {
		*why = "target path is invalid";
		return -1;
	}
	/* a fragment is never sent; drop it so nothing downstream sees it */
	curl_url_set(t->url, CURLUPART_FRAGMENT, NULL, 0);
	if (!url_is_stable(t->url)) {
		*why = "target URL is ambiguous (it reads differently once normalised)";
		return -1;
	}
	return 0;
}

/* Length of the scheme that starts s ("http" of "http:..."), or 0. */
static size_t
scheme_len(const char *s)
{
	size_t n;

	if (!isalpha((unsigned char)s[0]))
		return 0;
	for (n = 1; isalnum((unsigned char)s[n]) || s[n] == '+' ||
	    s[n] == '-' || s[n] == '.'; n++)
		continue;
	return s[n] == ':' ? n : 0;
}

/*
 * A host is accepted only where RFC 3986 puts one, spelled plainly:
 * libcurl also finds one in "http:/host", "http:///host" and "///host",
 * and percent-decodes "allowed%2eexample" into allowed.example, hosts
 * the text never showed to whoever checked it before extproxy.  A '%'
 * has no business in an authority (userinfo and zone ids are refused
 * anyway), so any there refuses the URL.
 */
bool
target_host_written(const char *ref, const char **why)
{
	const char *a;
	size_t n = scheme_len(ref);

	if (n > 0) {
		if (strncmp(ref + n, "://", 3) != 0) {
			*why = "target URL must be written scheme://host";
			return false;
		}
		a = ref + n + 3;
	} else if (strncmp(ref, "//", 2) == 0)
		a = ref + 2;
	else
		return true;	/* a path, query or fragment: no host */
	n = strcspn(a, "/?#");
	if (n == 0) {
		*why = "target URL must be written scheme://host";
		return false;
	}
	if (memchr(a, '%', n) != NULL) {
		*why = "target host is not a plain DNS name or IP address";
		return false;
	}
	return true;
}

int
target_parse(const char *raw, struct target *t, const char **why)
{
	memset(t, 0, sizeof(*t));
	if (raw == NULL || raw[0] == '\0') {
		*why = "missing Proxy-To header";
		return -1;
	}
	if (!target_bytes_ok(raw, why))
		return -1;
	if ((t->url = curl_url()) == NULL) {
		*why = "out of memory";
		return -1;
	}
	/* no scheme guessing: "example.com/x" is an error, not http */
	if (curl_url_set(t->url, CURLUPART_URL, raw, 0) != CURLUE_OK) {
		*why = "target URL does not parse";
		goto fail;
	}
	if (target_describe(t, why) == -1 || !target_host_written(raw, why))
		goto fail;
	return 0;
fail:
	target_free(t);
	return -1;
}
