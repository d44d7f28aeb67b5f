/* SPDX-License-Identifier: ISC */
/*
 * headers: request header rebuilding, response header filtering and the
 * response's framing (its one Content-Length).
 */
#include "autoconf.h"

#include "headers.h"
#include "decimal.h"
#include "http.h"
#include "outbuf.h"
#include "params.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

const char *const no_cache_headers[] = {
	"Cache-Control: no-cache, private, max-age=0",
	"Expires: Thu, 01 Jan 1970 00:00:00 GMT",
	"Pragma: no-cache",
	"X-Accel-Expires: 0",
	NULL
};

/* RFC 9110 7.6.1 hop-by-hop headers, plus the legacy Proxy-Connection. */
static const char *const hop_by_hop[] = {
	"Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer",
	"Transfer-Encoding", "Upgrade", NULL
};

/* Request headers that extproxy itself consumes or that curl sets. */
static const char *const request_never[] = {
	"Proxy-To", "Forward-To", "Host", "Proxy", "Proxy-Authorization",
	"Content-Length", "Content-Type", "Expect", "HTTP2-Settings", NULL
};

/*
 * Response headers a web server may obey as instructions (CGI, X-*), and
 * Content-Length, which extproxy writes itself (response_length()).
 */
static const char *const response_never[] = {
	"Status", "X-Sendfile*", "X-Accel-*", "X-Lighttpd-*", "X-LIGHTTPD-send-file", "Proxy-Authenticate",
	"Content-Length", NULL
};

/* Cache headers replaced by ours when no_cache is on. */
static const char *const cache_headers[] = {
	"Cache-Control", "Expires", "Pragma", "X-Accel-Expires", NULL
};

/* ASCII lower case, inline: a header name is ASCII */
static inline unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

static bool
name_matches(const char *name, size_t len, const char *pat)
{
	size_t plen;

	/* most names differ at once: no strlen, no strncasecmp then */
	if (pat[0] != '*' && lower((unsigned char)pat[0]) !=
	    lower((unsigned char)name[0]))
		return false;
	plen = strlen(pat);
	if (plen > 0 && pat[plen - 1] == '*')
		return len >= plen - 1 && strncasecmp(name, pat, plen - 1) == 0;
	return len == plen && strncasecmp(name, pat, len) == 0;
}

static bool
in_table(const char *name, size_t len, const char *const *t)
{
	for (; *t != NULL; t++)
		if (name_matches(name, len, *t))
			return true;
	return false;
}

/* Is name in the list (case-insensitive; "X-Foo-*" matches a prefix)? */
static bool
header_listed(const char *name, size_t len, const struct strlist *l)
{
	size_t i;

	if (l == NULL)
		return false;
	for (i = 0; i < l->n; i++)
		if (name_matches(name, len, l->v[i]))
			return true;
	return false;
}

/* Is `name` one of the comma-separated tokens of a Connection value? */
static bool
connection_names(const char *conn, const char *name, size_t len)
{
	const char *p = conn, *start;

	while (conn != NULL && *p != '\0') {
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		start = p;
		while (*p != '\0' && *p != ',' && *p != ' ' && *p != '\t')
			p++;
		if ((size_t)(p - start) == len && len > 0 &&
		    strncasecmp(start, name, len) == 0)
			return true;
	}
	return false;
}

/*
 * Is `name` named by a Connection header?  Connection is a list: two
 * header lines (two params, as nginx before 1.23 passes them) count as
 * one list, so a name in either is hop-by-hop.
 */
static bool
connection_params_name(char *const *envp, const char *name, size_t len)
{
	const char *v;

	for (; *envp != NULL; envp++)
		if ((v = param_value(*envp, "HTTP_CONNECTION")) != NULL &&
		    connection_names(v, name, len))
			return true;
	return false;
}

static bool
value_is_clean(const char *v)
{
	for (; *v != '\0'; v++) {
		unsigned char c = (unsigned char)*v;

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return false;
	}
	return true;
}

/* "HTTP_X_FOO_BAR=v" -> "X-Foo-Bar" into buf; -1 if not a usable name. */
static int
param_to_name(const char *param, char *buf, size_t size)
{
	const char *p = param + 5;	/* after "HTTP_" */
	size_t i = 0;
	bool word_start = true;

	for (; *p != '=' && *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (i + 1 >= size)
			return -1;
		if (c == '_') {
			if (word_start)
				return -1;	/* empty word: "__" or leading "_" */
			buf[i++] = '-';
			word_start = true;
		} else if (isupper(c) || isdigit(c)) {
			buf[i++] = word_start ? (char)c : (char)tolower(c);
			word_start = false;
		} else
			return -1;
	}
	if (*p != '=' || i == 0 || buf[0] == '-' || buf[i - 1] == '-')
		return -1;
	buf[i] = '\0';
	return 0;
}

/* Does any param carry a Connection header? */
static bool
has_connection(char *const *envp)
{
	for (; *envp != NULL; envp++)
		if (param_value(*envp, "HTTP_CONNECTION") != NULL)
			return true;
	return false;
}

int
request_headers(char *const *envp, const struct strlist *strip,
    int (*emit)(void *, const char *), void *arg, const char **why)
{
	char *const *all = envp;
	const char *value;
	char name[256], line[16384];
	struct outbuf o;
	size_t len;
	bool conn = has_connection(envp);

	for (; *envp != NULL; envp++) {
		if (param_value(*envp, "CONTENT_TYPE") != NULL)
			strcpy(name, "Content-Type");	/* CGI passes it bare */
		else if (strncmp(*envp, "HTTP_", 5) != 0 ||
		    param_to_name(*envp, name, sizeof(name)) == -1)
			continue;	/* not a header a client could send */
		else {
			len = strlen(name);
			if (in_table(name, len, hop_by_hop) ||
			    in_table(name, len, request_never) ||
			    (conn && connection_params_name(all, name, len)) ||
			    header_listed(name, len, strip))
				continue;
		}
		value = strchr(*envp, '=') + 1;
		if (!value_is_clean(value)) {
			*why = "a request header value contains a control character";
			return -1;
		}
		while (*value == ' ' || *value == '\t')
			value++;
		if (*value == '\0' && strcmp(name, "Content-Type") == 0)
			continue;
		outbuf_init(&o, line, sizeof(line));
		outbuf_str(&o, name);
		outbuf_str(&o, *value == '\0' ? ";" : ": ");
		outbuf_str(&o, value);
		if (o.full) {
			*why = "a request header is too long";
			return -1;
		}
		if (emit(arg, line) == -1) {
			*why = "out of memory";
			return -1;
		}
	}
	return 0;
}

int
hdr_split(char *line, struct hdr *h)
{
	char *colon, *end, *p;

	if (line[0] == ' ' || line[0] == '\t')
		return -1;		/* obs-fold continuation */
	end = line + strlen(line);
	while (end > line && (end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	if ((colon = strchr(line, ':')) == NULL || colon == line)
		return -1;
	for (p = line; p < colon; p++)
		if (!http_tchar((unsigned char)*p))
			return -1;
	*colon = '\0';
	p = colon + 1;
	while (*p == ' ' || *p == '\t')
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	if (!value_is_clean(p))
		return -1;
	h->name = line;
	h->value = p;
	return 0;
}

bool
response_header_passes(const struct hdr *h, const struct hdr *all, size_t n,
    const struct strlist *strip, bool no_cache)
{
	size_t i, len = strlen(h->name);

	if (in_table(h->name, len, hop_by_hop) ||
	    in_table(h->name, len, response_never) ||
	    header_listed(h->name, len, strip))
		return false;
	if (no_cache && in_table(h->name, len, cache_headers))
		return false;
	for (i = 0; i < n; i++)
		if (lower((unsigned char)all[i].name[0]) == 'c' &&
		    strcasecmp(all[i].name, "Connection") == 0 &&
		    connection_names(all[i].value, h->name, len))
			return false;
	return true;
}

static bool
ows(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * The one value all Content-Length fields and list elements declare, or
 * -1 if there is none; -1 returned if any is malformed or they differ.
 */
static int
declared_length(const struct hdr *all, size_t n, int64_t *len)
{
	const char *p, *start, *end;
	int64_t v;
	size_t i;

	*len = -1;
	for (i = 0; i < n; i++) {
		if (strcasecmp(all[i].name, "Content-Length") != 0)
			continue;
		for (p = all[i].value;; p = end + 1) {
			end = p + strcspn(p, ",");
			for (start = p; start < end && ows(*start); start++)
				;
			while (end > start && ows(end[-1]))
				end--;
			if (parse_length(start, (size_t)(end - start),
			    &v) == -1 ||
			    (*len != -1 && v != *len))
				return -1;
			*len = v;
			end += strspn(end, " \t");
			if (*end == '\0')
				break;
		}
	}
	return 0;
}

int
response_length(const struct hdr *all, size_t n, int code, int64_t *len)
{
	size_t i;

	if (declared_length(all, n, len) == -1)
		return -1;
	/* RFC 9110 8.6: never in a 1xx or 204 */
	if (code < 200 || code == 204)
		*len = -1;
	/* RFC 9112 6.3: Transfer-Encoding overrides; libcurl de-chunks */
	for (i = 0; i < n; i++)
		if (strcasecmp(all[i].name, "Transfer-Encoding") == 0)
			*len = -1;
	return 0;
}

bool
response_has_body(int code, bool head_request)
{
	return !head_request && code >= 200 && code != 204 && code != 304;
}
