/* SPDX-License-Identifier: ISC */
/* tests/upstream.c: a small HTTP/1.1 test origin for extproxy's shell tests.
 * It is never used in production; it only serves the canned routes below.
 * It binds loopback addresses only (127.0.0.0/8 or ::1). */

#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define HEAD_MAX (64 * 1024)            /* request line + headers */
#define BUF_CAP (HEAD_MAX + 64 * 1024)  /* head, then room for the body */
#define LINE_MAX_CHUNK 4096             /* chunk-size and trailer lines */
#define BODY_MAX ((uint64_t)64 << 20)
#define MAX_HDRS 512
#define BLOCK (64 * 1024)
#define BYTES_MAX ((uint64_t)1 << 40)
#define MS_MAX 3600000u
#define SLOW_MAX 100000u
#define LEN_NONE (-1)                   /* send_head: no length, end by close */
#define LEN_CHUNKED (-2)                /* send_head: chunked encoding */

static atomic_ulong g_conns;
static uint64_t g_keepalive_ms;         /* -k: idle keep-alive limit, 0 none */
static uint64_t g_max_requests;         /* -n: answered per connection, 0 any */
static atomic_ulong g_hits;             /* requests served, /hits excluded */
static unsigned char g_pattern[BLOCK + 251];

/* "hello gzip\n", gzip -n -9 */
static const unsigned char g_gzip[] = {
	0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xcb, 0x48,
	0xcd, 0xc9, 0xc9, 0x57, 0x48, 0xaf, 0xca, 0x2c, 0xe0, 0x02, 0x00, 0x39,
	0x7c, 0x63, 0x56, 0x0b, 0x00, 0x00, 0x00,
};

static const char g_headers_extra[] =
	"Set-Cookie: session=secret\r\n"
	"X-Upstream: yes\r\n"
	"Cache-Control: public, max-age=3600\r\n"
	"Expires: Wed, 21 Oct 2037 07:28:00 GMT\r\n"
	"Connection: X-Hop\r\n"
	"X-Hop: hop\r\n"
	"Keep-Alive: timeout=5\r\n"
	"X-Accel-Redirect: /internal\r\n"
	"X-Sendfile: /etc/passwd\r\n"
	"Status: 500 Nope\r\n"
	"Content-Encoding: identity\r\n";

/* ---- growable byte buffer ---- */

struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static bool sb_reserve(struct sbuf *b, size_t more)
{
	if (b->oom)
		return false;
	if (b->len + more + 1 <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + more + 1)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

static void sb_add(struct sbuf *b, const void *data, size_t n)
{
	if (!sb_reserve(b, n))
		return;
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_str(struct sbuf *b, const char *s) { sb_add(b, s, strlen(s)); }

__attribute__((format(printf, 2, 3)))
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !sb_reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* ---- connection state ---- */

struct hdr {
	const char *line, *val;   /* raw line (CR/LF removed), trimmed value */
	size_t len, name_len, val_len;
};

struct req {
	const char *method, *target, *path, *query;
	size_t path_len, query_len, nh;
	struct hdr h[MAX_HDRS];
	bool close, http10, chunked, head, expect100, has_len;
	uint64_t clen, body_len;
};

struct conn {
	int fd;
	unsigned long seq, rseq;
	bool reset;              /* close with a RST, not a FIN */
	size_t keep, pos, end;   /* buf[0, keep) holds the current head */
	struct req rq;
	char buf[BUF_CAP];
};

/* ---- low-level I/O ---- */

static int write_all(int fd, const void *data, size_t n)
{
	const char *s = data;
	while (n > 0) {
		ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static int writev_all(int fd, struct iovec *iov, int cnt)
{
	while (cnt > 0) {
		ssize_t w = writev(fd, iov, cnt);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		size_t left = (size_t)w;
		while (cnt > 0 && left >= iov->iov_len) {
			left -= iov->iov_len;
			iov++;
			cnt--;
		}
		if (cnt > 0) {
			iov->iov_base = (char *)iov->iov_base + left;
			iov->iov_len -= left;
		}
	}
	return 0;
}

static int write_chunk(int fd, const void *data, size_t n)
{
	char size[24];
	int k = snprintf(size, sizeof size, "%zx\r\n", n);
	struct iovec iov[3] = {
		{ size, (size_t)k }, { (void *)data, n }, { (void *)"\r\n", 2 },
	};
	return writev_all(fd, iov, 3);
}

static void sleep_ms(uint64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000),
	    (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* More input after buf[keep]: 1 got data, 0 EOF, -1 error or no room. */
static int fill(struct conn *c)
{
	if (c->pos == c->end) {
		c->pos = c->end = c->keep;
	} else if (c->end == BUF_CAP && c->pos > c->keep) {
		memmove(c->buf + c->keep, c->buf + c->pos, c->end - c->pos);
		c->end -= c->pos - c->keep;
		c->pos = c->keep;
	}
	if (c->end == BUF_CAP)
		return -1;
	for (;;) {
		ssize_t n = recv(c->fd, c->buf + c->end, BUF_CAP - c->end, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 ? 0 : -1;
		c->end += (size_t)n;
		return 1;
	}
}

/* ---- request parsing; errors are negative (close) or an HTTP status ---- */

static size_t find_head_end(const char *b, size_t from, size_t len)
{
	for (size_t i = from; i < len; i++) {
		if (b[i] != '\n')
			continue;
		if (i + 1 < len && b[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && b[i + 1] == '\r' && b[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

static int read_head(struct conn *c, size_t *head_len)
{
	/* pipelined bytes */
	memmove(c->buf, c->buf + c->pos, c->end - c->pos);
	c->end -= c->pos;
	c->pos = c->keep = 0;
	size_t scanned = 0;
	for (;;) {
		/* empty lines before a request line are ignored */
		size_t skip = 0;
		while (skip < c->end &&
		    (c->buf[skip] == '\r' || c->buf[skip] == '\n'))
			skip++;
		if (skip > 0) {
			memmove(c->buf, c->buf + skip, c->end - skip);
			c->end -= skip;
			scanned = 0;
		}
		size_t n = find_head_end(c->buf, scanned > 2 ? scanned - 2 : 0,
		    c->end);
		if (n > HEAD_MAX || (n == 0 && c->end > HEAD_MAX))
			return 431;
		if (n > 0) {
			*head_len = c->pos = c->keep = n;
			return 0;
		}
		scanned = c->end;
		if (fill(c) <= 0)
			return -1;
	}
}

static bool ieq(const char *a, size_t alen, const char *b)
{
	size_t blen = strlen(b);
	if (alen != blen)
		return false;
	for (size_t i = 0; i < alen; i++) {
		char x = a[i], y = b[i];
		if (x >= 'A' && x <= 'Z')
			x = (char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (char)(y - 'A' + 'a');
		if (x != y)
			return false;
	}
	return true;
}

/* Is TOKEN in the comma-separated list V? */
static bool has_token(const char *v, size_t len, const char *token)
{
	size_t i = 0;
	while (i < len) {
		while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		size_t s = i;
		while (i < len && v[i] != ',')
			i++;
		size_t e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e > s && ieq(v + s, e - s, token))
			return true;
	}
	return false;
}

static bool parse_num(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

static int parse_request_line(struct req *rq, char *line)
{
	char *sp1 = strchr(line, ' ');
	char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (!sp1 || !sp2 || sp1 == line || sp2 == sp1 + 1)
		return 400;
	*sp1 = *sp2 = '\0';
	const char *ver = sp2 + 1;
	if (strncmp(ver, "HTTP/1.", 7) != 0 || ver[7] < '0' || ver[7] > '9' || ver[8])
		return 400;
	rq->method = line;
	rq->target = sp1 + 1;
	rq->close = rq->http10 = ver[7] == '0';   /* 1.0 closes by default */
	rq->head = strcmp(line, "HEAD") == 0;
	return 0;
}

static int parse_header(struct req *rq, const char *line, size_t len)
{
	const char *colon = memchr(line, ':', len);
	if (!colon || colon == line)
		return 400;
	for (const char *p = line; p < colon; p++)
		if (*p == ' ' || *p == '\t')
			return 400;
	if (rq->nh == MAX_HDRS)
		return 431;
	const char *v = colon + 1, *e = line + len;
	while (v < e && (*v == ' ' || *v == '\t'))
		v++;
	while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	struct hdr *h = &rq->h[rq->nh++];
	*h = (struct hdr){ line, v, len, (size_t)(colon - line),
	    (size_t)(e - v) };
	return 0;
}

static int apply_header(struct req *rq, const struct hdr *h)
{
	const char *n = h->line;
	if (ieq(n, h->name_len, "content-length")) {
		uint64_t v;
		if (!parse_num(h->val, h->val_len, UINT64_MAX, &v) ||
		    (rq->has_len && v != rq->clen))
			return 400;
		rq->clen = v;
		rq->has_len = true;
	} else if (ieq(n, h->name_len, "transfer-encoding")) {
		if (!ieq(h->val, h->val_len, "chunked"))
			return 501;
		rq->chunked = true;
	} else if (ieq(n, h->name_len, "connection")) {
		if (has_token(h->val, h->val_len, "close"))
			rq->close = true;
		else if (has_token(h->val, h->val_len, "keep-alive"))
			rq->close = false;
	} else if (ieq(n, h->name_len, "expect")) {
		rq->expect100 = ieq(h->val, h->val_len, "100-continue");
	}
	return 0;
}

static void split_target(struct req *rq)
{
	const char *p = rq->target;
	if (strncmp(p, "http://", 7) == 0 || strncmp(p, "https://", 8) == 0) {
		p = strstr(p, "//") + 2;   /* absolute-form: skip the authority */
		p += strcspn(p, "/?#");
		if (*p != '/')
			p = "/";
	}
	rq->path = p;
	rq->path_len = strcspn(p, "?#");
	rq->query = p[rq->path_len] == '?' ? p + rq->path_len + 1 : "";
	rq->query_len = strcspn(rq->query, "#");
}

static int parse_head(struct conn *c, size_t head_len)
{
	struct req *rq = &c->rq;
	char *s = c->buf, *end = c->buf + head_len;
	for (bool first = true; s < end; first = false) {
		char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t len = (size_t)(nl - s);
		if (len > 0 && s[len - 1] == '\r')
			len--;
		s[len] = *nl = '\0';
		if (len == 0)
			break;
		int r = first ? parse_request_line(rq, s) :
		    parse_header(rq, s, len);
		if (r)
			return r;
		s = nl + 1;
	}
	for (size_t i = 0; i < rq->nh; i++) {
		int r = apply_header(rq, &rq->h[i]);
		if (r)
			return r;
	}
	split_target(rq);
	return 0;
}

/* ---- request body ---- */

static int take(struct conn *c, uint64_t n, struct sbuf *sink)
{
	while (n > 0) {
		if (c->pos == c->end && fill(c) <= 0)
			return -1;
		size_t k = c->end - c->pos;
		if (k > n)
			k = (size_t)n;
		if (sink) {
			sb_add(sink, c->buf + c->pos, k);
			if (sink->oom)
				return -1;
		}
		c->pos += k;
		n -= k;
	}
	return 0;
}

static int read_line(struct conn *c, const char **line, size_t *len)
{
	for (;;) {
		const char *s = c->buf + c->pos;
		const char *nl = memchr(s, '\n', c->end - c->pos);
		if (nl) {
			size_t n = (size_t)(nl - s);
			c->pos += n + 1;
			*line = s;
			*len = n > 0 && s[n - 1] == '\r' ? n - 1 : n;
			return 0;
		}
		if (c->end - c->pos >= LINE_MAX_CHUNK)
			return 400;
		if (fill(c) <= 0)
			return -1;
	}
}

static int hexval(char ch)
{
	return ch >= '0' && ch <= '9' ? ch - '0'
	     : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
	     : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
}

static int parse_chunk_size(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;
	for (int d; i < len && (d = hexval(s[i])) >= 0; i++) {
		if (v > BODY_MAX)
			return 413;
		v = v * 16 + (unsigned)d;
	}
	if (i == 0 || (i < len && s[i] != ';' && s[i] != ' ' && s[i] != '\t'))
		return 400;
	*out = v;
	return 0;
}

static int read_chunked(struct conn *c, struct sbuf *sink)
{
	const char *line;
	size_t len, trailers = 0;
	for (;;) {
		uint64_t size;
		int r = read_line(c, &line, &len);
		if (!r)
			r = parse_chunk_size(line, len, &size);
		if (r)
			return r;
		if (size == 0)
			break;
		if (c->rq.body_len + size > BODY_MAX)
			return 413;
		if (take(c, size, sink))
			return -1;
		c->rq.body_len += size;
		if ((r = read_line(c, &line, &len)))
			return r;
		if (len != 0)
			return 400;
	}
	for (;;) {   /* trailer section, discarded */
		int r = read_line(c, &line, &len);
		if (r || len == 0)
			return r;
		if ((trailers += len) > HEAD_MAX)
			return 431;
	}
}

static int read_body(struct conn *c, struct sbuf *sink)
{
	struct req *rq = &c->rq;
	if (!rq->chunked && rq->clen > BODY_MAX)
		return 413;
	if (rq->expect100 && !rq->http10 && (rq->chunked || rq->clen > 0)) {
		static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
		if (write_all(c->fd, cont, sizeof cont - 1))
			return -1;
	}
	if (rq->chunked)
		return read_chunked(c, sink);
	if (take(c, rq->clen, sink))
		return -1;
	rq->body_len = rq->clen;
	return 0;
}

/* ---- responses ---- */

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 307: return "Temporary Redirect";
	case 308: return "Permanent Redirect";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 413: return "Content Too Large";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Status";
	}
}

/* CLEN: a Content-Length, LEN_CHUNKED or LEN_NONE. EXTRA: header lines. */
static int send_head(struct conn *c, int status, const char *ctype,
    int64_t clen, const char *extra)
{
	struct sbuf b = { 0 };
	sb_printf(&b, "HTTP/1.1 %d %s\r\nX-Conn-Seq: %lu\r\nX-Req-Seq: %lu\r\n",
	    status, reason(status), c->seq, c->rseq);
	if (ctype)
		sb_printf(&b, "Content-Type: %s\r\n", ctype);
	if (clen >= 0)
		sb_printf(&b, "Content-Length: %" PRId64 "\r\n", clen);
	else if (clen == LEN_CHUNKED)
		sb_str(&b, "Transfer-Encoding: chunked\r\n");
	if (extra)
		sb_str(&b, extra);
	if (c->rq.close)
		sb_str(&b, "Connection: close\r\n");
	sb_str(&b, "\r\n");
	int r = b.oom ? -1 : write_all(c->fd, b.p, b.len);
	free(b.p);
	return r;
}

static int send_simple(struct conn *c, int status, const char *ctype,
    const void *body, size_t len, const char *extra)
{
	if (send_head(c, status, ctype, (int64_t)len, extra))
		return -1;
	return c->rq.head ? 0 : write_all(c->fd, body, len);
}

static int send_text(struct conn *c, int status, const char *text)
{
	return send_simple(c, status, "text/plain", text, strlen(text), NULL);
}

static int send_error(struct conn *c, int status)
{
	char msg[64];
	snprintf(msg, sizeof msg, "%d %s\n", status, reason(status));
	c->rq.close = true;
	return send_text(c, status, msg);
}

/* ---- routes ---- */

static bool path_is(const struct req *rq, const char *p)
{
	return rq->path_len == strlen(p) &&
	    memcmp(rq->path, p, rq->path_len) == 0;
}

/* Does the path start with PREFIX? Sets REST to what follows. */
static bool path_under(const struct req *rq, const char *prefix,
    const char **rest, size_t *rest_len)
{
	size_t n = strlen(prefix);
	if (rq->path_len < n || memcmp(rq->path, prefix, n) != 0)
		return false;
	*rest = rq->path + n;
	*rest_len = rq->path_len - n;
	return true;
}

static bool query_get(const struct req *rq, const char *name,
    const char **val, size_t *len)
{
	const char *q = rq->query, *end = q + rq->query_len;
	size_t n = strlen(name);
	while (q < end) {
		const char *amp = memchr(q, '&', (size_t)(end - q));
		if (!amp)
			amp = end;
		if ((size_t)(amp - q) >= n && memcmp(q, name, n) == 0 &&
		    (q + n == amp || q[n] == '=')) {
			*val = q + n + (q + n < amp);
			*len = (size_t)(amp - *val);
			return true;
		}
		q = amp + 1;
	}
	return false;
}

static bool query_flag(const struct req *rq, const char *name)
{
	const char *v;
	size_t n;
	return query_get(rq, name, &v, &n) && n == 1 && v[0] == '1';
}

static void percent_decode(struct sbuf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 &&
		    hexval(s[i + 2]) >= 0) {
			char ch = (char)(hexval(s[i + 1]) * 16 +
			    hexval(s[i + 2]));
			sb_add(out, &ch, 1);
			i += 2;
		} else {
			sb_add(out, s + i, 1);
		}
	}
}

static void echo_prefix(const struct req *rq, struct sbuf *b)
{
	sb_printf(b, "%s %s\n", rq->method, rq->target);
	for (size_t i = 0; i < rq->nh; i++) {
		sb_add(b, rq->h[i].line, rq->h[i].len);
		sb_str(b, "\n");
	}
	sb_str(b, "\n");
}

static int route_echo(struct conn *c, const struct sbuf *body)
{
	char extra[64];
	snprintf(extra, sizeof extra, "X-Body-Length: %" PRIu64 "\r\n", c->rq.body_len);
	return send_simple(c, 200, "text/plain", body->p, body->len, extra);
}

static int route_status(struct conn *c, const char *s, size_t n)
{
	uint64_t code;
	if (!parse_num(s, n, 599, &code) || code < 200)
		return send_text(c, 400, "bad status\n");
	if (code == 204 || code == 304)
		return send_head(c, (int)code, NULL, LEN_NONE, NULL);
	char body[32];
	snprintf(body, sizeof body, "status %d\n", (int)code);
	return send_text(c, (int)code, body);
}

/* /bytes/N: N bytes of a pattern; ?chunked=1, ?nolength=1 (end by
 * close), ?rate=R: R bytes a second, an eighth of them every 125 ms. */
static int route_bytes(struct conn *c, const char *s, size_t n)
{
	struct req *rq = &c->rq;
	uint64_t total, rate = 0;
	const char *rv;
	size_t rn, step = BLOCK;
	if (!parse_num(s, n, BYTES_MAX, &total) ||
	    (query_get(rq, "rate", &rv, &rn) &&
	    (!parse_num(rv, rn, BYTES_MAX, &rate) || rate < 8)))
		return send_text(c, 404, "not found\n");
	if (rate != 0 && rate / 8 < BLOCK)
		step = (size_t)(rate / 8);
	bool chunked = query_flag(rq, "chunked"), nolen = query_flag(rq, "nolength");
	if (nolen)
		rq->close = true;
	int64_t clen = nolen ? LEN_NONE : chunked ? LEN_CHUNKED :
	    (int64_t)total;
	if (send_head(c, 200, "application/octet-stream", clen, NULL))
		return -1;
	if (rq->head)
		return 0;
	for (uint64_t i = 0; i < total;) {
		size_t k = total - i > step ? step : (size_t)(total - i);
		const unsigned char *p = g_pattern + i % 251;
		if (chunked ? write_chunk(c->fd, p, k) : write_all(c->fd, p, k))
			return -1;
		i += k;
		if (rate != 0 && i < total)
			sleep_ms(125);
	}
	return chunked ? write_all(c->fd, "0\r\n\r\n", 5) : 0;
}

static int route_sleep(struct conn *c, const char *s, size_t n)
{
	uint64_t ms;
	if (!parse_num(s, n, MS_MAX, &ms))
		return send_text(c, 404, "not found\n");
	sleep_ms(ms);
	return send_text(c, 200, "slept\n");
}

static int route_stall(struct conn *c, const char *s, size_t n)
{
	uint64_t ms;
	if (!parse_num(s, n, MS_MAX, &ms))
		return send_text(c, 404, "not found\n");
	if (send_head(c, 200, "text/plain", 10, NULL))
		return -1;
	if (c->rq.head)
		return 0;
	if (write_all(c->fd, "begin\n", 6))
		return -1;
	sleep_ms(ms);
	return write_all(c->fd, "end\n", 4);
}

static int route_slow(struct conn *c, const char *s, size_t n)
{
	const char *slash = memchr(s, '/', n);
	uint64_t count, ms;
	if (!slash || !parse_num(s, (size_t)(slash - s), SLOW_MAX, &count) ||
	    !parse_num(slash + 1, n - (size_t)(slash - s) - 1, MS_MAX, &ms))
		return send_text(c, 404, "not found\n");
	if (send_head(c, 200, "text/plain", LEN_CHUNKED, NULL))
		return -1;
	if (c->rq.head)
		return 0;
	for (uint64_t i = 1; i <= count; i++) {
		char line[32];
		if (i > 1)
			sleep_ms(ms);
		int k = snprintf(line, sizeof line, "chunk %" PRIu64 "\n", i);
		if (write_chunk(c->fd, line, (size_t)k))
			return -1;
	}
	return write_all(c->fd, "0\r\n\r\n", 5);
}

/* /redirect/CODE?to=URL[&len=N]: CODE with Location URL (percent-decoded),
 * with len=N padded with 'a' to N bytes if shorter. */
static int route_redirect(struct conn *c, const char *s, size_t n)
{
	uint64_t code, len = 0;
	const char *to, *lv;
	size_t to_len, lv_len;
	if (!parse_num(s, n, 308, &code) || (code != 301 && code != 302 &&
	    code != 303 && code != 307 && code != 308 && code != 200 &&
	    code != 201))
		return send_text(c, 400, "bad redirect code\n");
	if (!query_get(&c->rq, "to", &to, &to_len))
		return send_text(c, 400, "missing to\n");
	if (query_get(&c->rq, "len", &lv, &lv_len) &&
	    !parse_num(lv, lv_len, HEAD_MAX, &len))
		return send_text(c, 400, "bad len\n");
	struct sbuf loc = { 0 };
	sb_str(&loc, "Location: ");
	size_t start = loc.len;
	percent_decode(&loc, to, to_len);
	while (loc.len - start < len && !loc.oom)
		sb_add(&loc, "a", 1);
	sb_str(&loc, "\r\n");
	int r;
	if (loc.oom)
		r = -1;
	else if (strcspn(loc.p, "\r\n") != loc.len - 2 || strlen(loc.p) != loc.len)
		r = send_text(c, 400, "bad location\n");
	else
		r = send_simple(c, (int)code, "text/plain", "redirect\n", 9, loc.p);
	free(loc.p);
	return r;
}

/* /reset/headers, /reset/body: a connection reset (RST) halfway through
 * the response head, or after 64 KiB of a 1 MiB body. */
static int route_reset(struct conn *c, const char *s, size_t n)
{
	static const char part[] = "HTTP/1.1 200 OK\r\nContent-Type: text/pl";
	if (n == 4 && memcmp(s, "body", 4) == 0) {
		if (send_head(c, 200, "application/octet-stream", 1 << 20, NULL) ||
		    write_all(c->fd, g_pattern, BLOCK))
			return -1;
	} else if (write_all(c->fd, part, sizeof part - 1)) {
		return -1;
	}
	sleep_ms(300);   /* let what was sent travel before the reset */
	c->reset = true;
	return -1;
}

/* /truncated: a chunked body whose connection closes (FIN) before its
 * last chunk. */
static int route_truncated(struct conn *c)
{
	if (send_head(c, 200, "text/plain", LEN_CHUNKED, NULL) ||
	    write_chunk(c->fd, "partial\n", 8))
		return -1;
	sleep_ms(300);
	return -1;
}

/* /raw?h=HEAD[&s=LINE][&b=BODY][&nolen=1]: a response whose header block
 * is HEAD, and status line LINE (default "HTTP/1.1 200 OK"), both
 * percent-decoded and sent as is (bare CR, LF, NUL, obs-fold, anything),
 * then a short body: BODY percent-decoded, or "raw\n".  The origin adds
 * "Content-Length: 4" before HEAD unless nolen=1, and closes the
 * connection after the body, whatever HEAD says its length is. */
static int route_raw(struct conn *c)
{
	const char *h, *st, *body;
	size_t n, stn, bodyn;
	if (!query_get(&c->rq, "h", &h, &n))
		return send_text(c, 400, "missing h\n");
	struct sbuf b = { 0 };
	if (query_get(&c->rq, "s", &st, &stn))
		percent_decode(&b, st, stn);
	else
		sb_str(&b, "HTTP/1.1 200 OK");
	sb_str(&b, "\r\n");
	if (!query_flag(&c->rq, "nolen"))
		sb_str(&b, "Content-Length: 4\r\n");
	percent_decode(&b, h, n);
	sb_str(&b, "\r\n");
	if (query_get(&c->rq, "b", &body, &bodyn))
		percent_decode(&b, body, bodyn);
	else
		sb_str(&b, "raw\n");
	c->rq.close = true;
	int r = b.oom ? -1 : write_all(c->fd, b.p, b.len);
	free(b.p);
	return r;
}

/* /manyheaders/N: N headers; /longheader/N: one header line of N bytes. */
static int route_big_head(struct conn *c, const char *s, size_t n, bool many)
{
	uint64_t count;
	if (!parse_num(s, n, 1u << 24, &count))
		return send_text(c, 404, "not found\n");
	struct sbuf b = { 0 };
	if (many) {
		for (uint64_t i = 0; i < count; i++)
			sb_printf(&b, "X-Many-%" PRIu64 ": %" PRIu64 "\r\n", i, i);
	} else {
		sb_str(&b, "X-Long: ");
		for (uint64_t i = 0; i < count; i++)
			sb_add(&b, "a", 1);
		sb_str(&b, "\r\n");
	}
	c->rq.close = true;
	int r = b.oom ? -1 : send_simple(c, 200, "text/plain", "big\n", 4, b.p);
	free(b.p);
	return r;
}

/*
 * /headlines/N[?bytes=B]: a 200 whose header block is exactly N lines
 * (N >= 2): Content-Length, Connection: close and N - 2 of "X-Fill-I: I";
 * with bytes=B the last line is padded with 'a' so that the N lines,
 * each with its CRLF, are B bytes in all.  Nothing else in the head.
 */
static int route_headlines(struct conn *c, const char *s, size_t n)
{
	uint64_t count, bytes = 0;
	const char *bv;
	size_t bv_len;
	if (!parse_num(s, n, 1u << 20, &count) || count < 2)
		return send_text(c, 404, "not found\n");
	if (query_get(&c->rq, "bytes", &bv, &bv_len) &&
	    !parse_num(bv, bv_len, 1u << 24, &bytes))
		return send_text(c, 400, "bad bytes\n");
	struct sbuf b = { 0 };
	sb_str(&b, "HTTP/1.1 200 OK\r\n");
	size_t start = b.len;
	sb_str(&b, "Content-Length: 4\r\nConnection: close\r\n");
	for (uint64_t i = 0; i + 2 < count; i++)
		sb_printf(&b, "X-Fill-%" PRIu64 ": %" PRIu64 "\r\n", i, i);
	if (bytes > 0) {
		if (b.len - start > bytes) {
			free(b.p);
			return send_text(c, 400, "bytes too small\n");
		}
		b.len -= 2;	/* pad the last line before its CRLF */
		while (b.len - start + 2 < bytes && !b.oom)
			sb_add(&b, "a", 1);
		sb_str(&b, "\r\n");
	}
	sb_str(&b, "\r\nbig\n");
	c->rq.close = true;
	int r = b.oom ? -1 : write_all(c->fd, b.p, b.len);
	free(b.p);
	return r;
}

/* /chain/N: a 302 to /chain/N-1; /chain/0 is a 200. */
static int route_chain(struct conn *c, const char *s, size_t n)
{
	uint64_t left;
	char loc[64];
	if (!parse_num(s, n, 1000, &left))
		return send_text(c, 404, "not found\n");
	if (left == 0)
		return send_text(c, 200, "end of chain\n");
	snprintf(loc, sizeof loc, "Location: /chain/%" PRIu64 "\r\n", left - 1);
	return send_simple(c, 302, "text/plain", "chain\n", 6, loc);
}

static int route(struct conn *c, const struct sbuf *echo_body)
{
	struct req *rq = &c->rq;
	const char *rest;
	size_t n;
	if (path_is(rq, "/echo") || path_under(rq, "/echo/", &rest, &n))
		return route_echo(c, echo_body);
	if (path_is(rq, "/conns") || path_is(rq, "/hits")) {
		char body[32];
		snprintf(body, sizeof body, "%lu\n", atomic_load(path_is(rq,
		    "/hits") ? &g_hits : &g_conns));
		return send_text(c, 200, body);
	}
	if (path_is(rq, "/raw"))
		return route_raw(c);
	if (path_is(rq, "/loop"))	/* a redirect to itself */
		return send_simple(c, 302, "text/plain", "loop\n", 5,
		    "Location: /loop\r\n");
	if (path_under(rq, "/manyheaders/", &rest, &n))
		return route_big_head(c, rest, n, true);
	if (path_under(rq, "/longheader/", &rest, &n))
		return route_big_head(c, rest, n, false);
	if (path_under(rq, "/headlines/", &rest, &n))
		return route_headlines(c, rest, n);
	if (path_under(rq, "/chain/", &rest, &n))
		return route_chain(c, rest, n);
	if (path_under(rq, "/status/", &rest, &n))
		return route_status(c, rest, n);
	if (path_under(rq, "/bytes/", &rest, &n))
		return route_bytes(c, rest, n);
	if (path_under(rq, "/sleep/", &rest, &n))
		return route_sleep(c, rest, n);
	if (path_under(rq, "/stall/", &rest, &n))
		return route_stall(c, rest, n);
	if (path_under(rq, "/slow/", &rest, &n))
		return route_slow(c, rest, n);
	if (path_under(rq, "/redirect/", &rest, &n))
		return route_redirect(c, rest, n);
	if (path_is(rq, "/headers"))
		return send_simple(c, 200, "text/plain", "headers\n", 8, g_headers_extra);
	if (path_is(rq, "/gzip"))
		return send_simple(c, 200, "application/octet-stream", g_gzip,
		    sizeof g_gzip, "Content-Encoding: gzip\r\n");
	if (path_is(rq, "/close")) {
		rq->close = true;
		return send_text(c, 200, "bye\n");
	}
	if (path_under(rq, "/reset/", &rest, &n))
		return route_reset(c, rest, n);
	if (path_is(rq, "/truncated"))
		return route_truncated(c);
	if (path_is(rq, "/garbage")) {
		static const char junk[] = "this is not http\r\n\r\n";
		write_all(c->fd, junk, sizeof junk - 1);
		return -1;
	}
	return send_text(c, 404, "not found\n");
}

/* One request/response exchange: 0 to go on, -1 to close the connection. */
static int serve_one(struct conn *c)
{
	struct req *rq = &c->rq;
	size_t head_len = 0;
	int r = read_head(c, &head_len);
	if (r < 0)
		return -1;
	c->rseq++;
	memset(rq, 0, sizeof *rq);
	if (r == 0)
		r = parse_head(c, head_len);
	if (r > 0 || !path_is(rq, "/hits"))
		atomic_fetch_add(&g_hits, 1);
	if (r > 0) {
		send_error(c, r);
		return -1;
	}
	struct sbuf body = { 0 };
	const char *rest;
	size_t rest_len;
	bool echo = path_is(rq, "/echo") || path_under(rq, "/echo/", &rest, &rest_len);
	if (echo)
		echo_prefix(rq, &body);
	r = read_body(c, echo ? &body : NULL);
	if (r == 0 && g_max_requests > 0 && c->rseq > g_max_requests) {
		free(body.p);   /* -n: read it whole, close without an answer */
		return -1;
	}
	if (r == 0)
		r = route(c, &body);
	else if (r > 0)
		r = send_error(c, r);
	free(body.p);
	return r < 0 || rq->close ? -1 : 0;
}

/* Send FIN, then drain briefly so unread input does not turn into a RST
 * that could destroy the response still in flight. */
static void linger_close(int fd, char *scratch, size_t size)
{
	struct timeval tv = { 0, 500000 };
	size_t drained = 0;
	shutdown(fd, SHUT_WR);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	for (ssize_t n = 1; n > 0 && drained < BODY_MAX; drained += (size_t)n)
		n = recv(fd, scratch, size, 0);
	close(fd);
}

/* -k: wait for the next request at most g_keepalive_ms; false: close. */
static bool next_request_comes(struct conn *c)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	int r;
	if (g_keepalive_ms == 0 || c->pos < c->end)
		return true;
	while ((r = poll(&p, 1, (int)g_keepalive_ms)) < 0 && errno == EINTR)
		;
	return r > 0;
}

static void *conn_main(void *arg)
{
	struct conn *c = arg;
	while (serve_one(c) == 0 && next_request_comes(c))
		;
	if (c->reset) {
		struct linger l = { 1, 0 };
		setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
		close(c->fd);
	} else {
		linger_close(c->fd, c->buf, sizeof c->buf);
	}
	free(c);
	return NULL;
}

/* ---- startup ---- */

static void on_signal(int sig)
{
	(void)sig;
	_exit(0);
}

static void usage(void)
{
	fprintf(stderr, "usage: upstream [-B] [-a ADDR] [-p PORT] [-f PORTFILE]"
	    " [-k MS] [-n N]\n"
	    "  -k MS  close a keep-alive connection idle for MS milliseconds\n"
	    "  -n N   answer N requests per connection, then read the next\n"
	    "         request whole and close without answering it\n");
	exit(2);
}

/* ADDR must be a loopback IPv4 (127.0.0.0/8) or IPv6 (::1) literal. */
static int open_listener(const char *addr, uint16_t port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	memset(&ss, 0, sizeof ss);
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1 &&
	    (ntohl(sin->sin_addr.s_addr) >> 24) == 127) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		len = sizeof *sin;
	} else if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1 &&
	    IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr)) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		len = sizeof *sin6;
	} else {
		fprintf(stderr, "upstream: %s is not a loopback address literal\n", addr);
		exit(2);
	}
	int one = 1;
	int fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    (ss.ss_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0) ||
	    bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 128) < 0) {
		perror("upstream: listen");
		exit(1);
	}
	return fd;
}

/*
 * -B: a port whose connects hang, as to a host that drops packets.  The
 * listener's accept queue (backlog 0) is filled by our own connections
 * and never drained, so the kernel drops every further SYN.
 */
static void blackhole(int lfd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	if (listen(lfd, 0) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&ss, &len) < 0) {
		perror("upstream: blackhole");
		exit(1);
	}
	for (int i = 0; i < 4; i++) {
		int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (fd < 0 || (connect(fd, (struct sockaddr *)&ss, len) < 0 &&
		    errno != EINPROGRESS)) {
			perror("upstream: blackhole connect");
			exit(1);
		}
	}
	sleep_ms(200);	/* let the handshakes that fit complete */
}

static unsigned bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		perror("upstream: getsockname");
		exit(1);
	}
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* Written to a temporary file and renamed: readers never see half of it. */
static void announce_port(const char *portfile, unsigned port)
{
	if (!portfile) {
		printf("%u\n", port);
		fflush(stdout);
		return;
	}
	struct sbuf tmp = { 0 };
	sb_printf(&tmp, "%s.tmp.%ld", portfile, (long)getpid());
	FILE *f = tmp.oom ? NULL : fopen(tmp.p, "w");
	bool ok = f && fprintf(f, "%u\n", port) > 0;
	if (f && fclose(f) != 0)
		ok = false;
	if (!ok || rename(tmp.p, portfile) < 0) {
		perror("upstream: port file");
		exit(1);
	}
	free(tmp.p);
}

static void set_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

static void spawn(int fd, unsigned long seq)
{
	struct conn *c = malloc(sizeof *c);
	pthread_attr_t attr;
	pthread_t tid;
	if (!c) {
		close(fd);
		return;
	}
	/* a head and a body in two writes must not wait for a delayed ACK */
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	c->fd = fd;
	c->seq = seq;
	c->rseq = 0;
	c->reset = false;
	c->keep = c->pos = c->end = 0;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&tid, &attr, conn_main, c) != 0) {
		close(fd);
		free(c);
	}
	pthread_attr_destroy(&attr);
}

int main(int argc, char **argv)
{
	const char *addr = "127.0.0.1", *portfile = NULL;
	uint64_t port = 0;
	bool hole = false;
	int opt;
	while ((opt = getopt(argc, argv, "Ba:p:f:k:n:")) != -1) {
		if (opt == 'B')
			hole = true;
		else if (opt == 'a')
			addr = optarg;
		else if (opt == 'p' &&
		    parse_num(optarg, strlen(optarg), 65535, &port))
			continue;
		else if (opt == 'f')
			portfile = optarg;
		else if (opt == 'k' &&
		    parse_num(optarg, strlen(optarg), MS_MAX, &g_keepalive_ms))
			continue;
		else if (opt == 'n' &&
		    parse_num(optarg, strlen(optarg), UINT32_MAX,
		    &g_max_requests))
			continue;
		else
			usage();
	}
	if (optind != argc)
		usage();
	for (size_t i = 0; i < sizeof g_pattern; i++)
		g_pattern[i] = (unsigned char)(i % 251);
	set_signals();
	int lfd = open_listener(addr, (uint16_t)port);
	if (hole) {
		blackhole(lfd);
		announce_port(portfile, bound_port(lfd));
		for (;;)
			pause();
	}
	announce_port(portfile, bound_port(lfd));
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		if (fd < 0) {
			/* out of descriptors or memory */
			if (errno != EINTR && errno != ECONNABORTED)
				sleep_ms(50);
			continue;
		}
		spawn(fd, atomic_fetch_add(&g_conns, 1) + 1);
	}
}
