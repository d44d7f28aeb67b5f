/* SPDX-License-Identifier: ISC */
/*
 * fuzz_response_headers: upstream response header lines through
 * hdr_split, response_header_passes and response_length, and the CGI
 * response head that reply_head() builds from them ("Status: N reason",
 * the relayed headers, Location made absolute, extproxy's own
 * Content-Length, Connection: close, the no-cache headers): the very
 * function the transfer calls.  Input: a flag byte (bit 0: [headers]
 * no_cache; bit 1: a cut body would go unseen; bits 2-3: status 200,
 * 204, 304 or 302; bit 4: a HEAD request), then header lines as curl
 * delivers them, each ending in "\n" (a "\r" before it is the line's).
 * Invariants:
 *  - a header that passes has a token name and a value without CR, LF,
 *    NUL or other control bytes but tab, and without surrounding blanks;
 *  - nothing that passes is named Status, X-Sendfile*, X-Accel-*,
 *    X-Lighttpd-*, Proxy-Authenticate, Content-Length, hop-by-hop, in
 *    the strip list, named by a Connection header, or a cache header
 *    under no_cache;
 *  - the response is refused (502) exactly when a reference reading of
 *    RFC 9112 6.3 finds its Content-Length ambiguous; otherwise the head
 *    has at most one Content-Length, all digits, equal to the value
 *    every upstream Content-Length declares, and none beside a
 *    Transfer-Encoding or in a 204;
 *  - the head has exactly one Status, ours, first: so a relayed Location
 *    can never be a CGI local redirect (Location without Status); and
 *    every Location it relays is absolute ("scheme://...");
 *  - every line ends in CRLF, and the head ends at its only blank line;
 *  - "Connection: close" exactly when a cut body would go unseen and a
 *    body follows; the no-cache headers exactly under no_cache.
 */
#include "autoconf.h"

#include <ctype.h>
#include <stdbool.h>
#include <strings.h>

#include "fuzz.h"
#include "headers.h"
#include "outbuf.h"
#include "reply.h"
#include "units.h"

static char *strip_words[] = { "Set-Cookie", "X-Internal-*" };
static const struct strlist strip = { strip_words, 2 };

/* Names a web server in front would obey, or that are not end-to-end. */
static const char *const ref_never[] = {
	"Status", "Proxy-Authenticate", "Content-Length", "Connection", "Keep-Alive",
	"Proxy-Connection", "TE", "Trailer", "Transfer-Encoding", "Upgrade",
	"Set-Cookie", NULL
};
static const char *const ref_never_prefix[] = {
	"X-Sendfile", "X-Accel-", "X-Lighttpd-", "X-Internal-", NULL
};
static const char *const ref_cache[] = {
	"Cache-Control", "Expires", "Pragma", "X-Accel-Expires", NULL
};

static bool
in_list(const char *name, const char *const *l, bool prefix)
{
	for (; *l != NULL; l++)
		if (prefix ? strncasecmp(name, *l, strlen(*l)) == 0 :
		    strcasecmp(name, *l) == 0)
			return true;
	return false;
}

/* RFC 9110 5.6.2 tchar */
static bool
ref_token(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) &&
		    strchr("!#$%&'*+-.^_`|~", *s) == NULL)
			return false;
	return true;
}

static bool
ref_connection_names(const char *conn, const char *name)
{
	size_t len = strlen(name), n;
	const char *p = conn, *end;

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		end = p + strcspn(p, ",");
		n = (size_t)(end - p);
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == len && strncasecmp(p, name, len) == 0)
			return true;
		p = end;
	}
	return false;
}

static void
check_passing(const struct hdr *h, const struct hdr *all, size_t n,
    bool no_cache)
{
	const char *p;
	size_t i, vlen = strlen(h->value);

	FUZZ_CHECK(ref_token(h->name), "name is a token");
	for (p = h->value; *p != '\0'; p++)
		FUZZ_CHECK(((unsigned char)*p >= 0x20 || *p == '\t') &&
		    (unsigned char)*p != 0x7f, "no CR, LF or control byte");
	FUZZ_CHECK(vlen == 0 || (h->value[0] != ' ' && h->value[0] != '\t' &&
	    h->value[vlen - 1] != ' ' && h->value[vlen - 1] != '\t'),
	    "value trimmed");
	FUZZ_CHECK(!in_list(h->name, ref_never, false) &&
	    !in_list(h->name, ref_never_prefix, true),
	    "no instruction to the web server, hop-by-hop or stripped header");
	FUZZ_CHECK(!no_cache || !in_list(h->name, ref_cache, false),
	    "no upstream cache header under no_cache");
	for (i = 0; i < n; i++)
		if (strcasecmp(all[i].name, "Connection") == 0)
			FUZZ_CHECK(!ref_connection_names(all[i].value, h->name),
			    "no header named by Connection");
}

/*
 * RFC 9112 6.3 read as strings: every comma-separated element of every
 * Content-Length, OWS trimmed, is 1*DIGIT naming the same number of at
 * most INT64_MAX.  Returns false if ambiguous; else *want is that
 * number in plain decimal ("" if there is no Content-Length).
 */
static bool
ref_length(const struct hdr *all, size_t n, char *want, size_t size)
{
	const char *p, *e;
	size_t i, k;
	char el[20];

	want[0] = '\0';
	for (i = 0; i < n; i++) {
		if (strcasecmp(all[i].name, "Content-Length") != 0)
			continue;
		p = all[i].value;
		do {
			e = strchr(p, ',');
			k = e != NULL ? (size_t)(e - p) : strlen(p);
			while (k > 0 && (*p == ' ' || *p == '\t')) {
				p++;
				k--;
			}
			while (k > 0 && (p[k - 1] == ' ' || p[k - 1] == '\t'))
				k--;
			if (k == 0 || strspn(p, "0123456789") < k)
				return false;
			while (k > 1 && *p == '0') {
				p++;
				k--;
			}
			if (k > 19)
				return false;
			memcpy(el, p, k);
			el[k] = '\0';
			if (k == 19 && strcmp(el, "9223372036854775807") > 0)
				return false;
			if (want[0] != '\0' && strcmp(want, el) != 0)
				return false;
			FUZZ_CHECK(k < size, "reference fits");
			strcpy(want, el);
			p = e != NULL ? e + 1 : NULL;
		} while (p != NULL);
	}
	return true;
}

static bool
has_header(const struct hdr *all, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcasecmp(all[i].name, name) == 0)
			return true;
	return false;
}

/* The flag byte's choices beside the status. */
struct flags {
	bool	no_cache;
	bool	close;
	bool	head_request;
};

/* Does v start with "scheme://"? */
static bool
ref_absolute(const char *v)
{
	size_t k = strspn(v, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");

	return k > 0 && strncmp(v + k, "://", 3) == 0;
}

/* One line of the head (CRLF cut off) against the invariants. */
static void
check_line(const char *line, const char *want, size_t *statuses,
    size_t *lengths, size_t *closes, size_t *cache)
{
	FUZZ_CHECK(strpbrk(line, "\r\n") == NULL, "no bare CR or LF");
	if (strncasecmp(line, "Status:", 7) == 0)
		(*statuses)++;
	if (strncasecmp(line, "Content-Length:", 15) == 0) {
		(*lengths)++;
		FUZZ_CHECK(line[15] == ' ' && line[16] != '\0' &&
		    strspn(line + 16, "0123456789") == strlen(line + 16),
		    "Content-Length is all digits");
		FUZZ_CHECK(strcmp(line + 16, want) == 0,
		    "Content-Length is the one the upstream declared");
	}
	if (strncasecmp(line, "Location:", 9) == 0)
		FUZZ_CHECK(ref_absolute(line + 10),
		    "a relayed Location is absolute");
	if (strcasecmp(line, "Connection: close") == 0)
		(*closes)++;
	if (strncasecmp(line, "Cache-Control:", 14) == 0)
		(*cache)++;
}

/*
 * The head reply_head() builds for status code, read back line by line;
 * or the refusal of an ambiguous framing.
 */
static void
check_head(const struct hdr *all, size_t n, struct flags fl, int code)
{
	static char head[HDR_MAX_BYTES + 1024];
	static CURLU *base;
	size_t statuses = 0, lengths = 0, closes = 0, cache = 0;
	char *line, *crlf, want[32];
	struct relay_head h;
	struct outbuf o;
	int64_t clen;
	bool ok;

	ok = ref_length(all, n, want, sizeof(want));
	if (response_length(all, n, code, &clen) == -1) {
		FUZZ_CHECK(!ok, "refused only when ambiguous");
		return;		/* a 502: no head relayed */
	}
	FUZZ_CHECK(ok, "ambiguous framing refused");
	if (code == 204 || has_header(all, n, "Transfer-Encoding"))
		want[0] = '\0';
	if (base == NULL && ((base = curl_url()) == NULL ||
	    curl_url_set(base, CURLUPART_URL, "http://example.com/dir/page?q",
	    0) != CURLUE_OK))
		abort();
	h = (struct relay_head){
		.code = code, .hdrs = all, .n = n, .strip = &strip,
		.no_cache = fl.no_cache, .length = clen,
		.head_request = fl.head_request, .close = fl.close,
		.base = base,
	};
	outbuf_init(&o, head, sizeof(head));
	if (reply_head(&o, &h) == -1) {
		FUZZ_CHECK(o.full, "refused only when it does not fit");
		return;		/* a 502 */
	}
	FUZZ_CHECK(strlen(head) == o.len, "no NUL in the head");
	FUZZ_CHECK(o.len >= 4 && strcmp(head + o.len - 4, "\r\n\r\n") == 0,
	    "the head ends with a blank line");
	for (line = head; *line != '\0'; line = crlf + 2) {
		crlf = strstr(line, "\r\n");
		FUZZ_CHECK(crlf != NULL, "every line ends in CRLF");
		*crlf = '\0';
		FUZZ_CHECK(line != head || strncmp(line, "Status: ", 8) == 0,
		    "our Status is the first line");
		FUZZ_CHECK(*line != '\0' || crlf[2] == '\0',
		    "the only blank line ends the head");
		check_line(line, want, &statuses, &lengths, &closes, &cache);
	}
	FUZZ_CHECK(statuses == 1, "exactly one Status");
	FUZZ_CHECK(lengths <= 1, "at most one Content-Length");
	FUZZ_CHECK((lengths == 1) == (want[0] != '\0'),
	    "a Content-Length exactly when one is declared and no "
	    "Transfer-Encoding or 204 overrides it");
	FUZZ_CHECK(closes == (fl.close && response_has_body(code,
	    fl.head_request) && clen != 0 ? 1u : 0u),
	    "Connection: close exactly when a cut body would go unseen");
	FUZZ_CHECK(!fl.no_cache || cache == 1,
	    "no_cache: exactly our Cache-Control");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int codes[] = { 200, 204, 304, 302 };
	struct hdr all[HDR_MAX_COUNT];
	char *lines[HDR_MAX_COUNT], *copy, *p, *nl;
	size_t n = 0, nlines = 0, i, len;
	struct flags fl;
	int code;

	if (size < 1 || size > HDR_MAX_BYTES ||
	    memchr(data + 1, '\0', size - 1) != NULL)
		return 0;	/* the transfer refuses the whole response */
	fl.no_cache = data[0] & 1;
	fl.close = (data[0] >> 1) & 1;
	fl.head_request = (data[0] >> 4) & 1;
	code = codes[(data[0] >> 2) & 3];
	copy = fuzz_strndup(data + 1, size - 1);
	for (p = copy; *p != '\0' && nlines < HDR_MAX_COUNT; p = nl) {
		/* one line as curl hands it over, "\n" included */
		nl = strchr(p, '\n');
		nl = nl != NULL ? nl + 1 : p + strlen(p);
		len = (size_t)(nl - p);
		if ((lines[nlines] = malloc(len + 1)) == NULL)
			abort();
		memcpy(lines[nlines], p, len);
		lines[nlines][len] = '\0';
		if (hdr_split(lines[nlines], &all[n]) == 0) {
			FUZZ_CHECK(all[n].name[0] != '\0', "split: a name");
			n++;
		}
		nlines++;
	}
	for (i = 0; i < n; i++)
		if (response_header_passes(&all[i], all, n, &strip,
		    fl.no_cache))
			check_passing(&all[i], all, n, fl.no_cache);
	check_head(all, n, fl, code);
	for (i = 0; i < nlines; i++)
		free(lines[i]);
	free(copy);
	return 0;
}
