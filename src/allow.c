/* SPDX-License-Identifier: ISC */
/*
 * allow: compile and match allowlist patterns.
 *
 * Pattern syntax: scheme://host[:port][/path].  host and path are globs
 * ('*' = any run of characters).  No port means the scheme's default port
 * only; ":*" means any port.  No path, or "/", means every path.  Host and
 * path are matched separately, so a host glob can never reach into the
 * path or the query.
 */
#include "autoconf.h"

#include "allow.h"
#include "decimal.h"
#include "glob.h"
#include "hostname.h"
#include "target.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void
pattern_free(struct allow_pattern *p)
{
	free(p->scheme);
	free(p->host);
	free(p->path);
}

void
allowlist_free(struct allowlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		pattern_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* A byte of a host glob: '*', or one of a DNS name or a bracketed IPv6. */
static bool
host_glob_char(unsigned char c, bool bracketed)
{
	if (c == '*')
		return true;
	if (bracketed)
		return isalnum(c) || c == ':' || c == '.';
	return hostname_char(c);
}

/* Split "host[:port]" (host may be "[v6]") into p->host and p->port. */
static int
parse_authority(struct allow_pattern *p, const char *a, size_t len,
    const char **why)
{
	const char *port = NULL, *hend;
	bool br = len > 0 && a[0] == '[';
	size_t i, hlen;

	if (br) {
		hend = memchr(a, ']', len);
		if (hend == NULL) {
			*why = "unterminated '[' in pattern host";
			return -1;
		}
		hend++;
		if (hend < a + len && *hend != ':') {
			*why = "junk after ']' in pattern host";
			return -1;
		}
	} else {
		hend = memchr(a, ':', len);
		if (hend == NULL)
			hend = a + len;
	}
	if (hend < a + len)
		port = hend + 1;
	hlen = (size_t)(hend - a);
	if (hlen > 1 && a[hlen - 1] == '.')
		hlen--;
	if (hlen == 0 || (br && hlen <= 2)) {
		*why = "pattern has no host";
		return -1;
	}
	for (i = br ? 1 : 0; i < (br ? hlen - 1 : hlen); i++) {
		if (!host_glob_char((unsigned char)a[i], br)) {
			*why = "invalid character in pattern host";
			return -1;
		}
	}
	if ((p->host = strndup(a, hlen)) == NULL) {
		*why = "out of memory";
		return -1;
	}
	for (i = 0; i < hlen; i++)
		p->host[i] = (char)tolower((unsigned char)p->host[i]);

	p->port = scheme_default_port(p->scheme);
	if (port == NULL)
		return 0;
	if (port == a + len) {
		*why = "empty port in pattern";
		return -1;
	}
	if ((size_t)(a + len - port) == 1 && *port == '*') {
		p->port = ALLOW_ANY_PORT;
		return 0;
	}
	if (parse_port(port, (size_t)(a + len - port), &p->port) == -1) {
		*why = "invalid port in pattern";
		return -1;
	}
	return 0;
}

static int
parse_pattern(struct allow_pattern *p, const char *s, const char **why)
{
	const char *sep, *auth, *path;
	size_t i;

	if (strpbrk(s, "?#@\\") != NULL) {
		*why = "pattern must not contain a query, fragment, userinfo or backslash";
		return -1;
	}
	for (i = 0; s[i] != '\0'; i++) {
		if ((unsigned char)s[i] <= 0x20 ||
		    (unsigned char)s[i] >= 0x7f) {
			*why = "pattern contains whitespace, control or non-ASCII bytes";
			return -1;
		}
	}
	if ((sep = strstr(s, "://")) == NULL) {
		*why = "pattern must start with http:// or https://";
		return -1;
	}
	if ((p->scheme = strndup(s, (size_t)(sep - s))) == NULL) {
		*why = "out of memory";
		return -1;
	}
	for (i = 0; p->scheme[i] != '\0'; i++)
		p->scheme[i] = (char)tolower((unsigned char)p->scheme[i]);
	if (scheme_default_port(p->scheme) == -1) {
		*why = "pattern must start with http:// or https://";
		return -1;
	}
	auth = sep + 3;
	path = strchr(auth, '/');
	if (path == NULL)
		path = auth + strlen(auth);
	if (parse_authority(p, auth, (size_t)(path - auth), why) == -1)
		return -1;
	if (path[0] == '\0' || strcmp(path, "/") == 0)
		return 0;
	if ((p->path = strdup(path)) == NULL) {
		*why = "out of memory";
		return -1;
	}
	return 0;
}

int
allowlist_add(struct allowlist *l, const char *pattern, const char **why)
{
	struct allow_pattern p, *nv;

	memset(&p, 0, sizeof(p));
	if (parse_pattern(&p, pattern, why) == -1) {
		pattern_free(&p);
		return -1;
	}
	if ((nv = realloc(l->v, (l->n + 1) * sizeof(*nv))) == NULL) {
		pattern_free(&p);
		*why = "out of memory";
		return -1;
	}
	l->v = nv;
	l->v[l->n++] = p;
	return 0;
}

/* The byte "%XX" at p stands for, or -1 if p is no such escape. */
static int
escaped_byte(const char *p)
{
	static const char hex[] = "0123456789abcdef";
	const char *hi, *lo;

	if (p[0] != '%' || p[1] == '\0' || p[2] == '\0' ||
	    (hi = strchr(hex, tolower((unsigned char)p[1]))) == NULL ||
	    (lo = strchr(hex, tolower((unsigned char)p[2]))) == NULL)
		return -1;
	return (int)(hi - hex) * 16 + (int)(lo - hex);
}

/*
 * Do the escapes of path decode to valid UTF-8 (RFC 3629)?  A decoder
 * that accepts an overlong form reads "%c0%ae" as '.' and "%c0%af" or
 * "%e0%80%af" as '/'; one that is lenient about a cut or stray sequence
 * may swallow the bytes after it.  A '%' that starts no escape ("%u002e",
 * which IIS reads as '.') fails too.
 */
static bool
escapes_are_utf8(const char *path)
{
	const char *p = path;
	int b, lo, hi, more;

	while ((p = strchr(p, '%')) != NULL) {
		if ((b = escaped_byte(p)) == -1)
			return false;
		p += 3;
		lo = 0x80;
		hi = 0xbf;
		if (b < 0x80)
			more = 0;
		else if (b >= 0xc2 && b <= 0xdf)
			more = 1;
		else if (b >= 0xe0 && b <= 0xef) {
			more = 2;
			if (b == 0xe0)
				lo = 0xa0;	/* else overlong */
			else if (b == 0xed)
				hi = 0x9f;	/* else a surrogate */
		} else if (b >= 0xf0 && b <= 0xf4) {
			more = 3;
			if (b == 0xf0)
				lo = 0x90;	/* else overlong */
			else if (b == 0xf4)
				hi = 0x8f;	/* else above U+10FFFF */
		} else
			return false;	/* 0x80-0xc1, 0xf5-0xff never lead */
		for (; more > 0; more--, p += 3, lo = 0x80, hi = 0xbf)
			if ((b = escaped_byte(p)) < lo || b > hi)
				return false;
	}
	return true;
}

/*
 * A path restriction must hold for what the upstream will see.  Encoded
 * dots, slashes and backslashes may be decoded by the upstream into
 * different segments than the glob saw, so may overlong UTF-8 forms of
 * them, and path parameters (";") are read by some servers as segment
 * boundaries, so such paths never match a path-restricted pattern.
 */
static bool
path_is_plain(const char *path)
{
	const char *p;

	for (p = path; (p = strchr(p, '%')) != NULL; p++) {
		if (strncasecmp(p, "%2e", 3) == 0 || strncasecmp(p, "%2f", 3) == 0 ||
		    strncasecmp(p, "%5c", 3) == 0 || strncmp(p, "%25", 3) == 0 ||
		    strncasecmp(p, "%3b", 3) == 0)
			return false;
	}
	/* ';' starts path parameters: some servers read "/a/..;/b" as /b */
	return strpbrk(path, "\\;") == NULL && escapes_are_utf8(path);
}

static bool
pattern_match(const struct allow_pattern *p, const char *scheme,
    const char *host, long port, const char *path)
{
	if (strcmp(p->scheme, scheme) != 0)
		return false;
	if (p->port != ALLOW_ANY_PORT && p->port != port)
		return false;
	if (!glob_match(p->host, host, true))
		return false;
	if (p->path == NULL)
		return true;
	return path_is_plain(path) && glob_match(p->path, path, false);
}

bool
allowlist_match(const struct allowlist *l, const char *scheme,
    const char *host, long port, const char *path)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (pattern_match(&l->v[i], scheme, host, port, path))
			return true;
	return false;
}
