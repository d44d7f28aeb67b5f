/* SPDX-License-Identifier: ISC */
/*
 * reply: the response heads extproxy writes, its own and relayed ones.
 */
#include "autoconf.h"

#include "reply.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http.h"
#include "target.h"

/* Each header line of no_cache_headers. */
static void
add_no_cache(struct outbuf *o)
{
	const char *const *h;

	for (h = no_cache_headers; *h != NULL; h++) {
		outbuf_str(o, *h);
		outbuf_add(o, "\r\n", 2);
	}
}

int
reply_error(struct client *c, int status, const char *msg,
    const char *extra_header)
{
	char buf[1024];
	struct outbuf o;

	outbuf_init(&o, buf, sizeof(buf));
	outbuf_put(&o, "Status: %d %s\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n", status,
	    http_reason(status));
	add_no_cache(&o);
	if (extra_header != NULL)
		outbuf_put(&o, "%s\r\n", extra_header);
	outbuf_put(&o, "\r\nextproxy: %s\n", msg);
	/* not flushed: ending the request sends it with the end record */
	return c->write(c, o.buf, o.len);
}

int
reply_body(struct client *c, const char *type, const char *body, size_t len)
{
	char buf[1024];
	struct outbuf o;

	outbuf_init(&o, buf, sizeof(buf));
	outbuf_put(&o, "Status: 200 OK\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\n", type, len);
	add_no_cache(&o);
	outbuf_add(&o, "\r\n", 2);
	if (c->write(c, o.buf, o.len) == -1)
		return -1;
	return c->write(c, body, len);
}

/* "name: value\r\n", without printf: this runs for every header. */
static void
add_header(struct outbuf *o, const char *name, const char *value)
{
	outbuf_str(o, name);
	outbuf_add(o, ": ", 2);
	outbuf_str(o, value);
	outbuf_add(o, "\r\n", 2);
}

/*
 * Location (as the upstream spelled its name) made absolute against
 * base; false, and nothing added, if it cannot be.
 */
static bool
add_location(struct outbuf *o, const char *name, const char *loc,
    CURLU *base)
{
	CURLU *h = curl_url_dup(base);
	char *abs = NULL;
	const char *why;
	bool ok = false;

	if (h != NULL && target_host_written(loc, &why) &&
	    curl_url_set(h, CURLUPART_URL, loc,
	    CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
	    curl_url_get(h, CURLUPART_URL, &abs, 0) == CURLUE_OK &&
	    strlen(abs) <= TARGET_MAX) {
		add_header(o, name, abs);
		ok = true;
	}
	curl_free(abs);
	curl_url_cleanup(h);
	return ok;
}

int
reply_head(struct outbuf *o, struct relay_head *h)
{
	const struct hdr *x;
	size_t i;

	h->dropped = 0;
	/* the hot path: no printf */
	outbuf_str(o, "Status: ");
	outbuf_u64(o, (uint64_t)h->code);
	outbuf_add(o, " ", 1);
	outbuf_str(o, http_reason(h->code));
	outbuf_add(o, "\r\n", 2);
	for (i = 0; i < h->n && !o->full; i++) {
		x = &h->hdrs[i];
		if (!response_header_passes(x, h->hdrs, h->n, h->strip,
		    h->no_cache))
			continue;
		if (strcasecmp(x->name, "Location") != 0)
			add_header(o, x->name, x->value);
		else if (!add_location(o, x->name, x->value, h->base))
			h->dropped++;
	}
	if (h->length >= 0) {
		outbuf_str(o, "Content-Length: ");
		outbuf_u64(o, (uint64_t)h->length);
		outbuf_add(o, "\r\n", 2);
	}
	if (h->close && response_has_body(h->code, h->head_request) &&
	    h->length != 0)
		add_header(o, "Connection", "close");
	if (h->no_cache)
		add_no_cache(o);
	outbuf_add(o, "\r\n", 2);
	return o->full ? -1 : 0;
}
