/*
 * reply: extproxy's own responses.
 */
#include <config.h>

#include "reply.h"
#include "headers.h"
#include "outbuf.h"

#include <stdio.h>
#include <string.h>

const char *
status_reason(int code)
{
	switch (code) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 203: return "Non-Authoritative Information";
	case 204: return "No Content";
	case 205: return "Reset Content";
	case 206: return "Partial Content";
	case 300: return "Multiple Choices";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 307: return "Temporary Redirect";
	case 308: return "Permanent Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default:
		if (code < 200) return "Informational";
		if (code < 300) return "Success";
		if (code < 400) return "Redirection";
		if (code < 500) return "Client Error";
		return "Server Error";
	}
}

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
	    status_reason(status));
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
