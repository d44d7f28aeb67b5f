/*
 * reply: extproxy's own responses.
 */
#include <config.h>

#include "reply.h"
#include "headers.h"

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

int
reply_error(struct client *c, int status, const char *msg,
    const char *extra_header)
{
	char buf[1024];
	const char *const *h;
	int n;
	size_t len;

	n = snprintf(buf, sizeof(buf), "Status: %d %s\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n", status,
	    status_reason(status));
	len = (size_t)n;
	for (h = no_cache_headers; *h != NULL; h++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s\r\n", *h);
	if (extra_header != NULL)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s\r\n",
		    extra_header);
	len += (size_t)snprintf(buf + len, sizeof(buf) - len, "\r\nextproxy: %s\n",
	    msg);
	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	/* not flushed: ending the request sends it with the end record */
	return c->write(c, buf, len);
}
