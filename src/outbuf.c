/* SPDX-License-Identifier: ISC */
/*
 * outbuf: a bounded string builder over a caller's buffer.  Never writes
 * past the buffer, never allocates, never leaves it unterminated.
 */
#include "autoconf.h"

#include "outbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void
outbuf_init(struct outbuf *o, char *buf, size_t size)
{
	o->buf = buf;
	o->size = size;
	o->len = 0;
	o->full = false;
	buf[0] = '\0';
}

/* Append a whole piece, or nothing and mark the output full. */
void
outbuf_put(struct outbuf *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->size - o->len) {
		o->buf[o->len] = '\0';
		o->full = true;
		return;
	}
	o->len += (size_t)n;
}

void
outbuf_add(struct outbuf *o, const char *s, size_t n)
{
	if (o->full)
		return;
	if (n >= o->size - o->len) {
		o->full = true;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

void
outbuf_str(struct outbuf *o, const char *s)
{
	outbuf_add(o, s, strlen(s));
}

void
outbuf_u64(struct outbuf *o, uint64_t v)
{
	char d[20];
	size_t i = sizeof(d);

	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	outbuf_add(o, d + i, sizeof(d) - i);
}
