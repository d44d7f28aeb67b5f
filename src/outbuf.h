/* SPDX-License-Identifier: ISC */
/*
 * outbuf: the one bounded string builder, over a caller's buffer: for
 * the pure formatters (access lines, metrics), extproxy's own replies
 * and the response heads it relays.  Pieces are appended whole or not
 * at all; it never writes past the buffer and never allocates.
 */
#ifndef EXTPROXY_OUTBUF_H
#define EXTPROXY_OUTBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct outbuf {
	char	*buf;
	size_t	 size;		/* of buf, at least 1 */
	size_t	 len;		/* bytes used, buf[len] is '\0' */
	bool	 full;		/* a piece did not fit: output incomplete */
};

/* An empty builder over buf (size at least 1). */
void	outbuf_init(struct outbuf *, char *buf, size_t size);
void	outbuf_put(struct outbuf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* n bytes of s, without printf (for the hot path); s may hold no NUL. */
void	outbuf_add(struct outbuf *, const char *s, size_t n);
/* The string s, without printf. */
void	outbuf_str(struct outbuf *, const char *s);
/* The decimal digits of v, without printf. */
void	outbuf_u64(struct outbuf *, uint64_t v);

#endif
