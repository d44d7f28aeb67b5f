/* SPDX-License-Identifier: ISC */
/*
 * fuzz_request_headers: FastCGI params through request_headers, the
 * rebuild of the upstream request headers.  Input: one "NAME=VALUE"
 * param per line.  Invariants, for every emitted line:
 *  - it is "Name: value" or "Name;", the name a token of letters, digits
 *    and single inner '-', the value without CR, LF or another control
 *    byte but tab, and without leading blanks;
 *  - it comes from a param: HTTP_NAME (or CONTENT_TYPE), same value;
 *  - its name is not hop-by-hop, not one extproxy consumes or curl sets,
 *    not in the strip list, not named by any Connection header (every
 *    HTTP_CONNECTION param: two Connection lines make one list);
 * and when request_headers succeeds, every other HTTP_ param was emitted.
 */
#include "autoconf.h"

#include <ctype.h>
#include <stdbool.h>
#include <strings.h>

#include "fuzz.h"
#include "headers.h"
#include "request.h"
#include "units.h"

#define MAX_PARAMS	512

static const char *const ref_never[] = {
	/* hop-by-hop, RFC 9110 7.6.1, and the legacy Proxy-Connection */
	"Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer",
	"Transfer-Encoding", "Upgrade",
	/* consumed by extproxy or set by curl */
	"Proxy-To", "Forward-To", "Host", "Proxy", "Proxy-Authorization",
	"Content-Length", "Expect", "HTTP2-Settings",
	NULL
};

static char *strip_words[] = { "Authorization", "Cookie", "X-Secret-*" };
static const struct strlist strip = { strip_words, 3 };

struct out {
	char	*v[MAX_PARAMS];
	size_t	 n;
};

static int
collect(void *arg, const char *line)
{
	struct out *o = arg;

	FUZZ_CHECK(o->n < MAX_PARAMS, "at most one line per param");
	if ((o->v[o->n] = strdup(line)) == NULL)
		abort();
	o->n++;
	return 0;
}

/* "HTTP_X_FOO_BAR" -> "X-Foo-Bar", written independently of headers.c. */
static bool
ref_name(const char *param, char *buf, size_t size)
{
	const char *eq = strchr(param, '='), *p;
	size_t i = 0;

	if (strncmp(param, "HTTP_", 5) != 0 || eq == NULL || eq == param + 5)
		return false;
	for (p = param + 5; p < eq; p++) {
		if (i + 1 >= size)
			return false;
		if (*p == '_') {
			if (p == param + 5 || p[-1] == '_' || p + 1 == eq)
				return false;
			buf[i++] = '-';
		} else if (isupper((unsigned char)*p) ||
		    isdigit((unsigned char)*p))
			buf[i++] = (p == param + 5 || p[-1] == '_') ? *p :
			    (char)tolower((unsigned char)*p);
		else
			return false;
	}
	buf[i] = '\0';
	return true;
}

/*
 * The Connection headers' names: comma-separated, blanks trimmed, in
 * every HTTP_CONNECTION param.  With `loose`, blanks separate names too,
 * as headers.c reads a malformed value, stripping more: that is what
 * completeness is checked against.
 */
static bool
ref_connection_names(char *const *envp, const char *name, bool loose)
{
	size_t len = strlen(name), n;
	const char *p, *end;

	for (; *envp != NULL; envp++) {
		if (strncmp(*envp, "HTTP_CONNECTION=", 16) != 0)
			continue;
		for (p = *envp + 16; *p != '\0'; p = end) {
			while (*p == ' ' || *p == '\t' || *p == ',')
				p++;
			end = p + strcspn(p, loose ? ", \t" : ",");
			n = (size_t)(end - p);
			while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
				n--;
			if (n == len && strncasecmp(p, name, len) == 0)
				return true;
		}
	}
	return false;
}

static bool
ref_excluded(const char *name, char *const *envp, bool loose)
{
	size_t i;

	for (i = 0; ref_never[i] != NULL; i++)
		if (strcasecmp(name, ref_never[i]) == 0)
			return true;
	if (strcasecmp(name, "Authorization") == 0 ||
	    strcasecmp(name, "Cookie") == 0 ||
	    strncasecmp(name, "X-Secret-", 9) == 0)
		return true;
	return ref_connection_names(envp, name, loose);
}

static const char *
skip_blanks(const char *v)
{
	while (*v == ' ' || *v == '\t')
		v++;
	return v;
}

/* Is there a param this line could have come from? */
static bool
has_source(char *const *envp, const char *name, const char *value)
{
	char buf[256];

	for (; *envp != NULL; envp++) {
		const char *v = strchr(*envp, '=');

		if (v == NULL || strcmp(skip_blanks(v + 1), value) != 0)
			continue;
		if (strcmp(name, "Content-Type") == 0) {
			if (strncmp(*envp, "CONTENT_TYPE=", 13) == 0)
				return true;
		} else if (ref_name(*envp, buf, sizeof(buf)) &&
		    strcmp(buf, name) == 0)
			return true;
	}
	return false;
}

static void
check_line(const char *line, char *const *envp)
{
	char name[256];
	const char *p, *value;
	size_t n;

	for (p = line; *p != '\0'; p++)
		FUZZ_CHECK(((unsigned char)*p >= 0x20 || *p == '\t') &&
		    (unsigned char)*p != 0x7f, "no CR, LF or control byte");
	n = strcspn(line, ":;");
	FUZZ_CHECK(n > 0 && n < sizeof(name), "line has a name");
	memcpy(name, line, n);
	name[n] = '\0';
	for (p = name; *p != '\0'; p++)
		FUZZ_CHECK(isalnum((unsigned char)*p) || (*p == '-' &&
		    p != name && p[1] != '\0' && p[1] != '-'),
		    "name is letters, digits and inner single '-'");
	if (line[n] == ';') {
		FUZZ_CHECK(line[n + 1] == '\0', "empty value is \"Name;\"");
		value = "";
	} else {
		FUZZ_CHECK(line[n + 1] == ' ' && line[n + 2] != '\0' &&
		    line[n + 2] != ' ' && line[n + 2] != '\t',
		    "\"Name: value\", value not empty, no leading blank");
		value = line + n + 2;
	}
	FUZZ_CHECK(!ref_excluded(name, envp, false), "no stripped or hop-by-hop header");
	FUZZ_CHECK(has_source(envp, name, value), "line comes from a param");
}

static bool
was_emitted(const struct out *o, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < o->n; i++)
		if (strncmp(o->v[i], name, n) == 0 &&
		    (o->v[i][n] == ':' || o->v[i][n] == ';'))
			return true;
	return false;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *envp[MAX_PARAMS + 1], *text, *line, *next, buf[256];
	struct out o = { .n = 0 };
	const char *why = NULL, *v;
	size_t n = 0, i;
	int rc;

	text = fuzz_strndup(data, size);
	for (line = text; line != NULL && n < MAX_PARAMS; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		/* libfcgi's params always have one */
		if (strchr(line, '=') != NULL)
			envp[n++] = line;
	}
	envp[n] = NULL;
	rc = request_headers(envp, &strip, collect, &o, &why);
	FUZZ_CHECK(rc == 0 || rc == -1, "result");
	FUZZ_CHECK(rc == 0 || why != NULL, "a failure says why");
	for (i = 0; i < o.n; i++)
		check_line(o.v[i], envp);
	/*
	 * Completeness.  headers.c drops names of 255 bytes or more (its
	 * name buffer), which no real header has; below 200 they must pass.
	 */
	for (i = 0; rc == 0 && i < n; i++) {
		v = skip_blanks(strchr(envp[i], '=') + 1);
		if (ref_name(envp[i], buf, sizeof(buf)) && strlen(buf) < 200 &&
		    !ref_excluded(buf, envp, true) &&
		    strcasecmp(buf, "Content-Type") != 0)
			FUZZ_CHECK(was_emitted(&o, buf), "every other header is sent");
		else if (strncmp(envp[i], "CONTENT_TYPE=", 13) == 0 && *v != '\0')
			FUZZ_CHECK(was_emitted(&o, "Content-Type"),
			    "Content-Type is sent");
	}
	for (i = 0; i < o.n; i++)
		free(o.v[i]);
	free(text);
	return 0;
}
