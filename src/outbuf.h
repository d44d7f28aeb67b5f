/*
 * outbuf: a bounded string builder over a caller's buffer, for the pure
 * formatters (access lines, metrics).  Pieces are appended whole or not
 * at all; it never writes past the buffer and never allocates.
 */
#ifndef EXTPROXY_OUTBUF_H
#define EXTPROXY_OUTBUF_H

#include <stdbool.h>
#include <stddef.h>

struct outbuf {
	char	*buf;
	size_t	 size;		/* of buf, at least 1 */
	size_t	 len;		/* bytes used, buf[len] is '\0' */
	bool	 full;		/* a piece did not fit: output incomplete */
};

void	outbuf_put(struct outbuf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
