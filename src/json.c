/* SPDX-License-Identifier: ISC */
/*
 * json: escape a JSON string body.
 */
#include "autoconf.h"

#include "json.h"

#include <string.h>

size_t
json_escape(char *buf, size_t size, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;
	char esc[7];
	const char *add;
	size_t alen;

	if (size == 0)
		return 0;
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			esc[2] = '\0';
			add = esc;
		} else if (c < 0x20 || c >= 0x7f) {
			/* bytes, not characters: never invalid UTF-8 */
			esc[0] = '\\';
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			esc[6] = '\0';
			add = esc;
		} else {
			esc[0] = (char)c;
			esc[1] = '\0';
			add = esc;
		}
		alen = strlen(add);
		if (n + alen >= size)
			break;		/* never half an escape */
		memcpy(buf + n, add, alen);
		n += alen;
	}
	buf[n] = '\0';
	return n;
}
