/* SPDX-License-Identifier: ISC */
/*
 * redirect: where, how and with what a followed redirect goes.
 */
#include "autoconf.h"

#include "redirect.h"

#include <string.h>
#include <strings.h>

bool
redirect_code(long code)
{
	return code == 301 || code == 302 || code == 303 || code == 307 ||
	    code == 308;
}

enum method
redirect_method(enum method m, long code, bool *body)
{
	if (m == METHOD_HEAD)
		return m;
	if (code == 303 || ((code == 301 || code == 302) &&
	    m == METHOD_POST)) {
		*body = false;
		return METHOD_GET;
	}
	return m;
}

int
redirect_target(CURLU *base, const char *location,
    const struct allowlist *allow, struct target *next)
{
	const char *why;

	memset(next, 0, sizeof(*next));
	if ((next->url = curl_url_dup(base)) == NULL)
		return -1;
	/* a Location followed is held to the rules of a target */
	if (!target_bytes_ok(location, &why) ||
	    !target_host_written(location, &why) ||
	    curl_url_set(next->url, CURLUPART_URL, location, 0) != CURLUE_OK ||
	    target_describe(next, &why) == -1 ||
	    !allowlist_match(allow, next->scheme, next->host, next->port,
	    next->path)) {
		target_free(next);
		return -1;
	}
	return 0;
}

bool
redirect_same_origin(const struct target *a, const struct target *b)
{
	return strcmp(a->scheme, b->scheme) == 0 &&
	    strcmp(a->host, b->host) == 0 && a->port == b->port;
}

static bool
is_credential(const char *line)
{
	size_t n = strcspn(line, ":;");

	return (n == 13 && strncasecmp(line, "Authorization", n) == 0) ||
	    (n == 6 && strncasecmp(line, "Cookie", n) == 0);
}

struct curl_slist *
redirect_headers(const struct curl_slist *in)
{
	struct curl_slist *out = NULL, *l;

	for (; in != NULL; in = in->next) {
		if (is_credential(in->data))
			continue;
		if ((l = curl_slist_append(out, in->data)) == NULL) {
			curl_slist_free_all(out);
			return NULL;
		}
		out = l;
	}
	return out;
}
