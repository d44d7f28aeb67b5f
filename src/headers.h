/* SPDX-License-Identifier: ISC */
/*
 * headers: decide which headers cross the proxy, in each direction.
 * Request headers are rebuilt from FastCGI/CGI params (HTTP_FOO_BAR ->
 * Foo-Bar); response header lines are parsed and filtered so that nothing
 * hop-by-hop, stripped, or meant as an instruction to the web server
 * (Status, X-Sendfile, X-Accel-*, X-Lighttpd-*) gets through, and the
 * response is framed one way only: an upstream Content-Length never
 * passes, extproxy writes its own from response_length().  Pure: never
 * does I/O, never logs a header value.
 */
#ifndef EXTPROXY_HEADERS_H
#define EXTPROXY_HEADERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strlist.h"

/* ---- client to upstream ---- */

/*
 * Build upstream request header lines ("Name: value", or "Name;" for an
 * empty value, as curl_slist wants them) from the request params.  emit()
 * returning -1 aborts.  Returns 0, or -1 with *why set (a forwarded
 * header value holds a control character, or emit failed).
 */
int	request_headers(char *const *envp, const struct strlist *strip,
	    int (*emit)(void *arg, const char *line), void *arg,
	    const char **why);

/* ---- upstream to client ---- */

#define HDR_MAX_COUNT	256		/* response headers accepted */
/* response header line bytes, CRLFs included */
#define HDR_MAX_BYTES	(64 * 1024)

/* One response header, split in place out of a copied line. */
struct hdr {
	char	*name;
	char	*value;
};

/*
 * Split "Name: value\r\n" (line is modified).  Returns -1 for a line that
 * is not a well-formed header: no colon, a bad name, control bytes in the
 * value, or a continuation (obs-fold) line.
 */
int	hdr_split(char *line, struct hdr *h);

/* Should response header h (one of all[0..n)) be relayed to the client? */
bool	response_header_passes(const struct hdr *h, const struct hdr *all,
	    size_t n, const struct strlist *strip, bool no_cache);

/*
 * The Content-Length to write for a response with status code, from all
 * the upstream's headers (RFC 9112 6.3), into *len: the length every
 * upstream Content-Length declares, or -1 to write none (there is none,
 * a Transfer-Encoding overrides it, or the status is 204).  Returns -1
 * when the framing is ambiguous: a Content-Length that is not 1*DIGIT
 * (sign, junk, empty, over INT64_MAX) or values that differ, in one list
 * ("5, 30") or across fields.  Equal values ("5, 5", or two fields)
 * collapse to one.
 */
int	response_length(const struct hdr *all, size_t n, int code,
	    int64_t *len);

/* Does content follow the head of a response (RFC 9110 6.4.1)? */
bool	response_has_body(int code, bool head_request);

/* The headers added to every response when [headers] no_cache is on. */
extern const char *const no_cache_headers[];

#endif
