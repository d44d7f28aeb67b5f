/*
 * http: RFC 9110 token characters, and the one table of the methods
 * extproxy relays, for the request parser, the 405 reply and the
 * metrics labels alike.
 */
#include <config.h>

#include "http.h"

#include <stdio.h>
#include <string.h>

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
	size_t len;
	int i;

	len = (size_t)snprintf(buf, size, "Allow: %s", method_names[0]);
	for (i = 1; i < METHOD_COUNT && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, ", %s",
		    method_names[i]);
	return buf;
}
