/* SPDX-License-Identifier: ISC */
/*
 * http: RFC 9110 token characters, and the one table of the methods
 * extproxy relays, for the request parser, the 405 reply and the
 * metrics labels alike.
 */
#include "autoconf.h"

#include "http.h"

#include <string.h>

#include "outbuf.h"

/* in enum method order */
static const char *const method_names[] = {
	"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"
};

_Static_assert(sizeof(method_names) / sizeof(method_names[0]) ==
    METHOD_COUNT, "one name per enum method");

bool
http_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-.^_`|~",
	    c) != NULL);
}

const char *
method_name(enum method m)
{
	return method_names[m];
}

int
method_lookup(const char *m)
{
	int i;

	for (i = 0; i < METHOD_COUNT; i++)
		if (strcmp(m, method_names[i]) == 0)
			return i;
	return -1;
}

const char *
method_allow(char *buf, size_t size)
{
	struct outbuf o;
	int i;

	outbuf_init(&o, buf, size);
	outbuf_str(&o, "Allow: ");
	for (i = 0; i < METHOD_COUNT; i++) {
		if (i > 0)
			outbuf_str(&o, ", ");
		outbuf_str(&o, method_names[i]);
	}
	return buf;
}

const char *
http_reason(int code)
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
