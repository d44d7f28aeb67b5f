/*
 * http: RFC 9110 token characters.
 */
#include <config.h>

#include "http.h"

#include <string.h>

bool
http_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-.^_`|~",
	    c) != NULL);
}
