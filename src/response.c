/* SPDX-License-Identifier: ISC */
/*
 * response: the upstream's response, as libcurl delivers it during a
 * transfer: the head collected and judged (status, framing, size, a
 * redirect to refuse or follow) and then relayed through reply_head(),
 * the body streamed to the client within [limits] max_response_body.
 * Never relays a trailer, an interim response or the body of a
 * redirect it follows.
 */
#include "autoconf.h"

#include "response.h"

#include <string.h>
#include <strings.h>

#include "cutoff.h"
#include "headers.h"
#include "log.h"
#include "outbuf.h"
#include "redirect.h"
#include "reply.h"
#include "upstream.h"

static const struct hdr *
find_header(const struct transfer *t, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcasecmp(t->room->hdrs[i].name, name) == 0)
			return &t->room->hdrs[i];
	return NULL;
}

/*
 * In follow mode: may this redirect be fetched?  On yes, hop.next holds
 * the new target.  On no, the 3xx goes to the client as in passthrough.
 */
static bool
prepare_follow(struct transfer *t, long code, const char *location)
{
	bool body = t->send_body;

	if (t->hops >= t->cfg->redirect_max)
		return false;
	/*
	 * A streamed request body cannot be sent a second time: follow only
	 * when the next hop goes without one (303, or 301/302 after POST).
	 */
	redirect_method(t->method, code, &body);
	if (body)
		return false;
	if (redirect_target(t->f->target->url, location, &t->cfg->allow,
	    &t->hop.next) == -1) {
		log_info("not following a redirect: %s",
		    "target not allowed or invalid");
		return false;
	}
	t->hop.have_next = true;
	return true;
}

/* Send the head of the upstream's response (reply_head()) to the client. */
static int
send_head(struct transfer *t, long code, size_t n, int64_t clen)
{
	struct relay_head h = {
		.code = (int)code, .hdrs = t->room->hdrs, .n = n,
		.strip = &t->cfg->strip_response, .no_cache = t->cfg->no_cache,
		.length = clen, .head_request = t->method == METHOD_HEAD,
		.close = t->f->client->abort_unseen || t->f->req->close_client,
		.base = t->f->target->url,
	};
	struct outbuf o;
	int i, rc;

	outbuf_init(&o, t->room->head, sizeof(t->room->head));
	rc = reply_head(&o, &h);
	for (i = 0; i < h.dropped; i++)
		log_info("dropped a Location that is not a valid URL");
	if (rc == -1)
		return -1;
	if (t->f->client->write(t->f->client, o.buf, o.len) == -1) {
		t->hop.fail = FAIL_CLIENT_GONE;
		return -1;
	}
	t->unflushed = true;
	return 0;
}

/* The upstream's headers are complete: decide, then relay or refuse. */
static bool
end_of_headers(struct transfer *t, long code)
{
	const struct hdr *loc;
	int64_t clen;
	size_t i, n = 0;
	char *p = t->room->hbuf;

	for (i = 0; i < t->hop.nlines; i++) {
		size_t len = strlen(p);

		if (hdr_split(p, &t->room->hdrs[n]) == 0)
			n++;
		else
			log_debug("dropped a malformed upstream header line");
		p += len + 1;
	}
	if (code < 200 || code > 599) {
		t->hop.fail = FAIL_BAD_HEADERS;
		return false;
	}
	if (response_length(t->room->hdrs, n, (int)code, &clen) == -1) {
		t->hop.fail = FAIL_BAD_LENGTH;
		return false;
	}
	loc = find_header(t, n, "Location");
	if (redirect_code(code) && loc != NULL) {
		if (t->cfg->redirect_mode == REDIRECT_BLOCK) {
			t->hop.fail = FAIL_REDIRECT_BLOCKED;
			return false;
		}
		if (t->cfg->redirect_mode == REDIRECT_FOLLOW &&
		    prepare_follow(t, code, loc->value)) {
			t->hop.discard = true;
			return true;
		}
	}
	if (response_has_body((int)code, t->method == METHOD_HEAD) &&
	    clen > t->cfg->max_response_body) {
		t->hop.fail = FAIL_TOO_BIG;
		return false;
	}
	if (send_head(t, code, n, clen) == -1) {
		if (t->hop.fail == FAIL_NONE)
			t->hop.fail = FAIL_BAD_HEADERS;
		return false;
	}
	t->hop.headers_done = true;
	t->f->status = (int)code;
	t->hop.phase = PH_BODY;
	t->hop.mark_ms = now_ms();
	return true;
}

size_t
response_header(char *buf, size_t size, size_t n, void *arg)
{
	struct transfer *t = arg;
	size_t len = size * n;
	long code = 0;

	if (t->hop.headers_done || t->hop.discard)
		return len;		/* trailers: never relayed */
	if (len >= 5 && memcmp(buf, "HTTP/", 5) == 0) {
		t->hop.hlen = t->hop.nlines = 0;
		return len;
	}
	if ((len == 2 && buf[0] == '\r' && buf[1] == '\n') ||
	    (len == 1 && buf[0] == '\n')) {
		curl_easy_getinfo(t->u->easy, CURLINFO_RESPONSE_CODE, &code);
		if (code >= 100 && code < 200) {
			/* an interim response */
			t->hop.hlen = t->hop.nlines = 0;
			return len;
		}
		return end_of_headers(t, code) ? len : 0;
	}
	/*
	 * hlen - nlines bytes received so far (our NULs aside): at most
	 * HDR_MAX_BYTES of them in at most HDR_MAX_COUNT lines, which
	 * hbuf holds with a NUL after each.
	 */
	if (t->hop.hlen - t->hop.nlines + len > HDR_MAX_BYTES ||
	    t->hop.nlines >= HDR_MAX_COUNT || memchr(buf, '\0', len) != NULL) {
		t->hop.fail = FAIL_BAD_HEADERS;
		return 0;
	}
	memcpy(t->room->hbuf + t->hop.hlen, buf, len);
	t->room->hbuf[t->hop.hlen + len] = '\0';
	t->hop.hlen += len + 1;
	t->hop.nlines++;
	return len;
}

size_t
response_body(char *buf, size_t size, size_t n, void *arg)
{
	struct transfer *t = arg;
	struct client *c = t->f->client;
	size_t len = size * n, left;

	if (t->hop.discard)
		return len;		/* body of a redirect we follow */
	if (!t->hop.headers_done)
		return 0;
	left = (size_t)(t->cfg->max_response_body - t->f->bytes_down);
	if (len > left) {
		/* cut the stream at the limit, then abort */
		if (left > 0 && c->write(c, buf, left) == 0)
			t->f->bytes_down += (int64_t)left;
		t->hop.fail = FAIL_TOO_BIG_STREAM;
		return 0;
	}
	if (c->write(c, buf, len) == -1) {
		t->hop.fail = FAIL_CLIENT_GONE;
		return 0;
	}
	t->unflushed = true;
	t->f->bytes_down += (int64_t)len;
	t->hop.mark_ms = now_ms();
	return len;
}
