/*
 * upstream: the transfer.  One easy handle inside one multi handle per
 * worker; the multi handle owns the connection pool, so keep-alive
 * connections outlive FastCGI requests.  The loop in run() drives the
 * transfer with curl_multi_poll() and enforces the response-header, idle
 * and total deadlines itself, to the millisecond; libcurl enforces the
 * connect timeout through its own timers.  The address policy is
 * checked on every address connected to and again on the peer of every
 * transfer, a reused connection's too.  [timeouts] total also bounds
 * reading the request body, through the client's read deadline.
 */
#include <config.h>

#include "upstream.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "addr.h"
#include "allow.h"
#include "cutoff.h"
#include "headers.h"
#include "log.h"
#include "outbuf.h"
#include "reply.h"

enum phase { PH_CONNECT, PH_WAIT_HEADERS, PH_BODY };

/*
 * A request body up to this size is read whole before the transfer, so
 * that libcurl can send it again (rewinding through on_seek()) when a
 * reused keep-alive connection turns out to have been closed by the
 * upstream.  A larger body streams from the client and can be sent only
 * once: a transfer that needs it again fails with 502, never sends a
 * part of it.
 */
#define BODY_REPLAY_MAX	(64 * 1024)

struct upstream {
	const struct config	*cfg;		/* of the current request */
	unsigned long		 gen;		/* snapshot the handle is set for */
	unsigned long		 pool_gen;	/* live_pool_gen() of the pool */
	const char		*default_ca;	/* libcurl's own CA bundle */
	CURL			*easy;
	CURLM			*multi;
	struct curl_slist	*resolve;	/* [upstream] resolve, for curl */

	/* state of the current transfer */
	struct fetch		*f;
	enum method		 method;
	bool			 send_body;
	enum phase		 phase;
	enum fail		 fail;
	bool			 addr_denied;
	bool			 headers_done;	/* status line sent to client */
	bool			 unflushed;	/* client output not yet flushed */
	bool			 discard;	/* redirect being followed */
	bool			 have_next;
	int			 hops;		/* redirects followed so far */
	struct target		 next;		/* where to follow to */
	int64_t			 start_ms;
	int64_t			 mark_ms;	/* last progress */
	int64_t			 body_left;	/* request body still to read */
	int64_t			 body_deadline;	/* of reading it; 0: none */
	int			 watch_fd;	/* client to watch, or -1 */
	bool			 body_buffered;	/* body is in body[] */
	size_t			 body_len;
	size_t			 body_pos;	/* next byte to send */

	/* response header lines as received, each followed by a NUL */
	size_t			 hlen;
	size_t			 nlines;
	char			 hbuf[HDR_MAX_BYTES + HDR_MAX_COUNT];
	struct hdr		 hdrs[HDR_MAX_COUNT];
	char			 obuf[HDR_MAX_BYTES + 1024];
	char			 body[BODY_REPLAY_MAX];
};

/* ---- callbacks ---- */

static curl_socket_t
open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct upstream *u = arg;
	enum addr_verdict v;

	(void)purpose;
	v = addr_check(&a->addr, &u->cfg->net_allow, &u->cfg->net_deny);
	if (v != ADDR_OK) {
		u->addr_denied = true;
		log_debug("refused to connect: %s", addr_verdict_str(v));
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

/*
 * Called for every transfer, on a new or a reused connection, before
 * the request is sent: the peer (the upstream, or the proxy when there
 * is one, as in open_socket()) is judged by the policy in force now, so
 * a pooled connection opened under an older configuration never serves
 * a request the current one refuses.
 */
static int
on_prereq(void *arg, char *ip, char *local_ip, int port, int local_port)
{
	struct upstream *u = arg;
	enum addr_verdict v;

	(void)local_ip;
	(void)port;
	(void)local_port;
	v = addr_check_str(ip, &u->cfg->net_allow, &u->cfg->net_deny);
	if (v != ADDR_OK) {
		u->fail = FAIL_ADDRESS;
		log_debug("refused to send on a connection: %s",
		    addr_verdict_str(v));
		return CURL_PREREQFUNC_ABORT;
	}
	u->phase = PH_WAIT_HEADERS;
	u->mark_ms = now_ms();
	return CURL_PREREQFUNC_OK;
}

/*
 * The request body has been read: read the client's end-of-body marker
 * too, so that anything that arrives later means the client went away.
 */
static void
watch_client(struct upstream *u)
{
	struct client *c = u->f->client;
	char buf[512];
	int i;

	u->watch_fd = -1;
	if (c->watch_fd == NULL)
		return;
	for (i = 0; i < 16; i++) {
		ssize_t n = c->read(c, buf, sizeof(buf));

		if (n == 0) {
			u->watch_fd = c->watch_fd(c);
			log_debug("watching the client on fd %d", u->watch_fd);
			return;
		}
		if (n < 0)
			return;
	}
}

/*
 * The watched descriptor is readable: did the client go away?  On a
 * FastCGI connection with the request fully read, the web server sends
 * nothing more unless it gives up: it closes the connection or sends
 * FCGI_ABORT_REQUEST (type 2).
 */
static bool
client_gone(int fd)
{
	unsigned char hdr[2];
	ssize_t n = recv(fd, hdr, sizeof(hdr), MSG_PEEK | MSG_DONTWAIT);

	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR))
		return true;
	return n == 2 && hdr[0] == 1 && hdr[1] == 2;
}

/*
 * Bound reading the request body by [timeouts] total, from the start of
 * the request, however slowly its bytes come (each gap is bounded by
 * idle): on, or off once it has been read.  A slow upload that stays
 * within total is never cut; with total = 0 none is.
 */
static void
body_deadline(struct upstream *u, bool on)
{
	struct client *c = u->f->client;

	if (u->cfg->total_ms <= 0 || c->read_deadline == NULL)
		return;
	u->body_deadline = on ? u->start_ms + u->cfg->total_ms : 0;
	c->read_deadline(c, u->body_deadline);
}

/* Why reading the request body failed: its deadline, or the client. */
static enum fail
body_failure(const struct upstream *u)
{
	return u->body_deadline != 0 && now_ms() >= u->body_deadline ?
	    FAIL_TIMEOUT_BODY : FAIL_CLIENT_BODY;
}

/* The request body from body[], as often as libcurl needs it. */
static size_t
read_buffered(struct upstream *u, char *buf, size_t want)
{
	size_t k = u->body_len - u->body_pos;

	if (k > want)
		k = want;
	memcpy(buf, u->body + u->body_pos, k);
	u->body_pos += k;
	if ((int64_t)u->body_pos > u->f->bytes_up)
		u->f->bytes_up = (int64_t)u->body_pos;
	u->mark_ms = now_ms();
	return k;
}

static size_t
on_read(char *buf, size_t size, size_t n, void *arg)
{
	struct upstream *u = arg;
	size_t want = size * n;
	ssize_t got;

	if (u->body_buffered)
		return read_buffered(u, buf, want);
	if ((int64_t)want > u->body_left)
		want = (size_t)u->body_left;
	if (want == 0)
		return 0;
	got = u->f->client->read(u->f->client, buf, want);
	/* a read cut at the deadline may return what came before it */
	if (got <= 0 || (got < u->body_left &&
	    body_failure(u) == FAIL_TIMEOUT_BODY)) {
		u->fail = body_failure(u);
		return CURL_READFUNC_ABORT;
	}
	u->body_left -= got;
	u->f->bytes_up += got;
	u->mark_ms = now_ms();
	if (u->body_left == 0) {
		body_deadline(u, false);
		watch_client(u);
	}
	return (size_t)got;
}

/*
 * libcurl rewinds the request body to send it again on a new connection
 * (a reused one was dead).  A streamed body can only be "rewound" before
 * its first byte was read.
 */
static int
on_seek(void *arg, curl_off_t offset, int origin)
{
	struct upstream *u = arg;

	if (origin != SEEK_SET)
		return CURL_SEEKFUNC_CANTSEEK;
	if (u->body_buffered && offset >= 0 &&
	    offset <= (curl_off_t)u->body_len) {
		u->body_pos = (size_t)offset;
		return CURL_SEEKFUNC_OK;
	}
	if (!u->body_buffered && offset == 0 &&
	    u->body_left == u->f->req->content_length)
		return CURL_SEEKFUNC_OK;
	log_warn("a request body of %" PRId64 " bytes (over %d) was streamed "
	    "and cannot be sent again on a new upstream connection",
	    u->f->req->content_length, BODY_REPLAY_MAX);
	u->fail = FAIL_NO_REPLAY;
	return CURL_SEEKFUNC_FAIL;
}

/* Read a small request body whole, to be able to send it again. */
static int
buffer_body(struct upstream *u)
{
	struct client *c = u->f->client;
	size_t want = (size_t)u->f->req->content_length;
	ssize_t got;

	u->body_len = 0;
	while (u->body_len < want) {
		got = c->read(c, u->body + u->body_len, want - u->body_len);
		if (got <= 0)
			return -1;
		u->body_len += (size_t)got;
	}
	return 0;
}

static const struct hdr *
find_header(const struct upstream *u, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcasecmp(u->hdrs[i].name, name) == 0)
			return &u->hdrs[i];
	return NULL;
}

static bool
same_origin(const struct target *a, const struct target *b)
{
	return strcmp(a->scheme, b->scheme) == 0 &&
	    strcmp(a->host, b->host) == 0 && a->port == b->port;
}

/*
 * In follow mode: may this redirect be fetched?  On yes, u->next holds
 * the new target.  On no, the 3xx goes to the client as in passthrough.
 */
static bool
prepare_follow(struct upstream *u, long code, const char *location)
{
	const char *why;

	if (u->hops >= u->cfg->redirect_max)
		return false;
	/*
	 * A streamed request body cannot be sent a second time: follow only
	 * when the next hop goes without one (303, or 301/302 after POST).
	 */
	if (u->send_body && code != 303 &&
	    !((code == 301 || code == 302) && u->method == METHOD_POST))
		return false;
	memset(&u->next, 0, sizeof(u->next));
	if ((u->next.url = curl_url_dup(u->f->target->url)) == NULL)
		return false;
	/* a Location followed is held to the rules of a target */
	if (!target_bytes_ok(location, &why) ||
	    !target_host_written(location, &why) ||
	    curl_url_set(u->next.url, CURLUPART_URL, location, 0) != CURLUE_OK ||
	    target_describe(&u->next, &why) == -1 ||
	    !allowlist_match(&u->cfg->allow, u->next.scheme, u->next.host,
	    u->next.port, u->next.path)) {
		log_info("not following a redirect: %s",
		    "target not allowed or invalid");
		target_free(&u->next);
		return false;
	}
	u->have_next = true;
	return true;
}

static bool
is_redirect(long code)
{
	return code == 301 || code == 302 || code == 303 || code == 307 ||
	    code == 308;
}

/* Send the head of the upstream's response (reply_head()) to the client. */
static int
send_head(struct upstream *u, long code, size_t n, int64_t clen)
{
	struct relay_head h = {
		.code = (int)code, .hdrs = u->hdrs, .n = n,
		.strip = &u->cfg->strip_response, .no_cache = u->cfg->no_cache,
		.length = clen, .head_request = u->method == METHOD_HEAD,
		.close = u->f->client->abort_unseen || u->f->req->close_client,
		.base = u->f->target->url,
	};
	struct outbuf o;
	int i, rc;

	outbuf_init(&o, u->obuf, sizeof(u->obuf));
	rc = reply_head(&o, &h);
	for (i = 0; i < h.dropped; i++)
		log_info("dropped a Location that is not a valid URL");
	if (rc == -1)
		return -1;
	if (u->f->client->write(u->f->client, o.buf, o.len) == -1) {
		u->fail = FAIL_CLIENT_GONE;
		return -1;
	}
	u->unflushed = true;
	return 0;
}

/* The upstream's headers are complete: decide, then relay or refuse. */
static bool
end_of_headers(struct upstream *u, long code)
{
	const struct hdr *loc;
	int64_t clen;
	size_t i, n = 0;
	char *p = u->hbuf;

	for (i = 0; i < u->nlines; i++) {
		size_t len = strlen(p);

		if (hdr_split(p, &u->hdrs[n]) == 0)
			n++;
		else
			log_debug("dropped a malformed upstream header line");
		p += len + 1;
	}
	if (code < 200 || code > 599) {
		u->fail = FAIL_BAD_HEADERS;
		return false;
	}
	if (response_length(u->hdrs, n, (int)code, &clen) == -1) {
		u->fail = FAIL_BAD_LENGTH;
		return false;
	}
	loc = find_header(u, n, "Location");
	if (is_redirect(code) && loc != NULL) {
		if (u->cfg->redirect_mode == REDIRECT_BLOCK) {
			u->fail = FAIL_REDIRECT_BLOCKED;
			return false;
		}
		if (u->cfg->redirect_mode == REDIRECT_FOLLOW &&
		    prepare_follow(u, code, loc->value)) {
			u->discard = true;
			return true;
		}
	}
	if (response_has_body((int)code, u->method == METHOD_HEAD) &&
	    clen > u->cfg->max_response_body) {
		u->fail = FAIL_TOO_BIG;
		return false;
	}
	if (send_head(u, code, n, clen) == -1) {
		if (u->fail == FAIL_NONE)
			u->fail = FAIL_BAD_HEADERS;
		return false;
	}
	u->headers_done = true;
	u->f->status = (int)code;
	u->phase = PH_BODY;
	u->mark_ms = now_ms();
	return true;
}

static size_t
on_header(char *buf, size_t size, size_t n, void *arg)
{
	struct upstream *u = arg;
	size_t len = size * n;
	long code = 0;

	if (u->headers_done || u->discard)
		return len;		/* trailers: never relayed */
	if (len >= 5 && memcmp(buf, "HTTP/", 5) == 0) {
		u->hlen = u->nlines = 0;
		return len;
	}
	if ((len == 2 && buf[0] == '\r' && buf[1] == '\n') ||
	    (len == 1 && buf[0] == '\n')) {
		curl_easy_getinfo(u->easy, CURLINFO_RESPONSE_CODE, &code);
		if (code >= 100 && code < 200) {
			u->hlen = u->nlines = 0;	/* interim response */
			return len;
		}
		return end_of_headers(u, code) ? len : 0;
	}
	/*
	 * hlen - nlines bytes received so far (our NULs aside): at most
	 * HDR_MAX_BYTES of them in at most HDR_MAX_COUNT lines, which
	 * hbuf holds with a NUL after each.
	 */
	if (u->hlen - u->nlines + len > HDR_MAX_BYTES ||
	    u->nlines >= HDR_MAX_COUNT || memchr(buf, '\0', len) != NULL) {
		u->fail = FAIL_BAD_HEADERS;
		return 0;
	}
	memcpy(u->hbuf + u->hlen, buf, len);
	u->hbuf[u->hlen + len] = '\0';
	u->hlen += len + 1;
	u->nlines++;
	return len;
}

static size_t
on_write(char *buf, size_t size, size_t n, void *arg)
{
	struct upstream *u = arg;
	struct client *c = u->f->client;
	size_t len = size * n, room;

	if (u->discard)
		return len;		/* body of a redirect we follow */
	if (!u->headers_done)
		return 0;
	room = (size_t)(u->cfg->max_response_body - u->f->bytes_down);
	if (len > room) {
		/* cut the stream at the limit, then abort */
		if (room > 0 && c->write(c, buf, room) == 0)
			u->f->bytes_down += (int64_t)room;
		u->fail = FAIL_TOO_BIG_STREAM;
		return 0;
	}
	if (c->write(c, buf, len) == -1) {
		u->fail = FAIL_CLIENT_GONE;
		return 0;
	}
	u->unflushed = true;
	u->f->bytes_down += (int64_t)len;
	u->mark_ms = now_ms();
	return len;
}

/* ---- set-up ---- */

/*
 * [upstream] resolve as a CURLOPT_RESOLVE list, built once per worker
 * and again after a reload that changed the configuration.
 * Entries for the same name and port become one "name:port:a1,a2" line:
 * curl keeps only the last line for a name and port.
 */
static int
build_resolve(const struct strlist *in, struct curl_slist **out)
{
	struct curl_slist *l, *list = NULL;
	char *line;
	size_t i, j, klen;
	bool first;

	*out = NULL;
	for (i = 0; i < in->n; i++) {
		/* "name:port:" is the key: config.c checked both colons */
		klen = (size_t)(strchr(strchr(in->v[i], ':') + 1, ':') -
		    in->v[i]) + 1;
		for (j = 0, first = true; j < i; j++)
			if (strncmp(in->v[j], in->v[i], klen) == 0)
				first = false;
		if (!first)
			continue;
		if ((line = strdup(in->v[i])) == NULL)
			goto fail;
		for (j = i + 1; j < in->n; j++) {
			char *longer;

			if (strncmp(in->v[j], in->v[i], klen) != 0)
				continue;
			if (asprintf(&longer, "%s,%s", line, in->v[j] + klen) == -1) {
				free(line);
				goto fail;
			}
			free(line);
			line = longer;
		}
		l = curl_slist_append(list, line);
		free(line);
		if (l == NULL)
			goto fail;
		list = l;
	}
	*out = list;
	return 0;
fail:
	curl_slist_free_all(list);
	return -1;
}

/*
 * Pin the names of [upstream] resolve; the address policy still applies
 * to the addresses they give.  Pins stay in the shared DNS cache until
 * removed, so the names pinned before a reload are unpinned first
 * ("-name:port" entries, which curl applies in order).
 */
static void
set_resolve(struct upstream *u, const struct config *cfg)
{
	struct curl_slist *list = NULL, *add, *l, *old;
	char *line;
	const char *colon;

	for (old = u->resolve; old != NULL; old = old->next) {
		if (old->data[0] == '-')
			continue;
		colon = strchr(strchr(old->data, ':') + 1, ':');
		if (asprintf(&line, "-%.*s", (int)(colon - old->data),
		    old->data) == -1)
			goto fail;
		l = curl_slist_append(list, line);
		free(line);
		if (l == NULL)
			goto fail;
		list = l;
	}
	if (build_resolve(&cfg->resolve, &add) == -1)
		goto fail;
	for (l = add; l != NULL; l = l->next) {
		struct curl_slist *n = curl_slist_append(list, l->data);

		if (n == NULL) {
			curl_slist_free_all(add);
			goto fail;
		}
		list = n;
	}
	curl_slist_free_all(add);
	curl_easy_setopt(u->easy, CURLOPT_RESOLVE, list);
	curl_slist_free_all(u->resolve);
	u->resolve = list;
	return;
fail:
	curl_slist_free_all(list);
	log_error("out of memory: [upstream] resolve not applied");
}

/* The share of the pool this worker keeps open. */
static void
set_pool_size(struct upstream *u, const struct config *cfg)
{
	long pool = cfg->max_connections / cfg->workers;

	curl_multi_setopt(u->multi, CURLMOPT_MAXCONNECTS, pool > 0 ? pool : 1L);
}

/*
 * Close every pooled connection: the multi handle owns the pool, so a
 * new one replaces it.  On failure the old pool stays (and on_prereq()
 * still judges each of its connections); -1.
 */
static int
flush_pool(struct upstream *u, const struct config *cfg)
{
	CURLM *m;

	if ((m = curl_multi_init()) == NULL) {
		log_error("out of memory: pooled upstream connections kept");
		return -1;
	}
	curl_multi_cleanup(u->multi);
	u->multi = m;
	set_pool_size(u, cfg);
	log_debug("closed the pooled upstream connections: [network] or "
	    "[upstream] resolve or proxy changed");
	return 0;
}

/*
 * The handle settings that come from the configuration.  Set again
 * only when a reload changed the snapshot: the handle, its multi handle
 * and so the pooled connections stay.  libcurl reuses a pooled
 * connection only when its proxy and TLS settings still match.
 */
static void
apply_config(struct upstream *u, const struct config *cfg)
{
	CURL *e = u->easy;

	set_pool_size(u, cfg);
	/* "" disables proxies, including http_proxy & co. in the environment */
	curl_easy_setopt(e, CURLOPT_PROXY, cfg->proxy != NULL ? cfg->proxy : "");
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, cfg->connect_ms);
	curl_easy_setopt(e, CURLOPT_MAXAGE_CONN,
	    cfg->pool_idle_ms >= 1000 ? cfg->pool_idle_ms / 1000 : 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, cfg->verify_tls ? 1L : 0L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, cfg->verify_tls ? 2L : 0L);
	if (cfg->ca_file != NULL || u->default_ca != NULL)
		curl_easy_setopt(e, CURLOPT_CAINFO, cfg->ca_file != NULL ?
		    cfg->ca_file : u->default_ca);
	set_resolve(u, cfg);
	/* benchmarking only: a new connection and handshake each time */
	curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, cfg->reuse ? 0L : 1L);
	curl_easy_setopt(e, CURLOPT_FORBID_REUSE, cfg->reuse ? 0L : 1L);
	curl_easy_setopt(e, CURLOPT_SSL_SESSIONID_CACHE, cfg->reuse ? 1L : 0L);
}

struct upstream *
upstream_new(const struct config *cfg, CURLSH *share)
{
	struct upstream *u;
	CURL *e;

	if ((u = calloc(1, sizeof(*u))) == NULL)
		return NULL;
	u->cfg = cfg;
	if ((u->easy = curl_easy_init()) == NULL ||
	    (u->multi = curl_multi_init()) == NULL) {
		upstream_free(u);
		return NULL;
	}
	e = u->easy;
#if LIBCURL_VERSION_NUM >= 0x075400	/* 7.84.0 */
	/* to return to it when a reload empties [upstream] ca_file */
	if (curl_easy_getinfo(e, CURLINFO_CAINFO, &u->default_ca) != CURLE_OK)
		u->default_ca = NULL;
#endif

	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_SHARE, share);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 65536L);
	apply_config(u, cfg);

	curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, u);
	curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, on_prereq);
	curl_easy_setopt(e, CURLOPT_PREREQDATA, u);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, u);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, u);
	curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read);
	curl_easy_setopt(e, CURLOPT_READDATA, u);
	curl_easy_setopt(e, CURLOPT_SEEKFUNCTION, on_seek);
	curl_easy_setopt(e, CURLOPT_SEEKDATA, u);
	return u;
}

void
upstream_use(struct upstream *u, const struct config *cfg, unsigned long gen,
    unsigned long pool_gen)
{
	u->cfg = cfg;
	if (u->pool_gen == 0)
		u->pool_gen = pool_gen;		/* first request: nothing pooled */
	else if (pool_gen != u->pool_gen && flush_pool(u, cfg) == 0)
		u->pool_gen = pool_gen;
	if (gen != u->gen) {
		apply_config(u, cfg);
		u->gen = gen;
	}
}

void
upstream_free(struct upstream *u)
{
	if (u == NULL)
		return;
	if (u->easy != NULL)
		curl_easy_cleanup(u->easy);
	if (u->multi != NULL)
		curl_multi_cleanup(u->multi);
	curl_slist_free_all(u->resolve);
	free(u);
}

/* ---- one transfer ---- */

/* Credentials never go to another origin after a redirect (as curl). */
static bool
is_credential(const char *line)
{
	size_t n = strcspn(line, ":;");

	return (n == 13 && strncasecmp(line, "Authorization", n) == 0) ||
	    (n == 6 && strncasecmp(line, "Cookie", n) == 0);
}

static struct curl_slist *
without_credentials(const struct curl_slist *in)
{
	struct curl_slist *out = NULL, *l;

	for (; in != NULL; in = in->next) {
		if (is_credential(in->data))
			continue;
		if ((l = curl_slist_append(out, in->data)) == NULL) {
			curl_slist_free_all(out);
			return NULL;
		}
		out = l;
	}
	return out;
}

static int
set_method(struct upstream *u)
{
	CURL *e = u->easy;
	const char *custom = NULL;

	curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	if (u->send_body) {
		curl_easy_setopt(e, CURLOPT_POST, 1L);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)u->f->req->content_length);
		if (u->method != METHOD_POST)
			custom = u->f->req->method_name;
	} else if (u->method == METHOD_HEAD)
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	else if (u->method != METHOD_GET)
		custom = u->method == METHOD_POST ? "POST" :
		    u->f->req->method_name;
	return curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, custom) == CURLE_OK ?
	    0 : -1;
}

static enum fail
deadline_passed(struct upstream *u, int64_t now, int64_t *wait)
{
	const struct config *cfg = u->cfg;
	int64_t deadline = 0, d;
	enum fail why = FAIL_NONE, w;

	if (u->phase == PH_WAIT_HEADERS && cfg->response_header_ms > 0) {
		deadline = u->mark_ms + cfg->response_header_ms;
		why = FAIL_TIMEOUT_HEADER;
	} else if (u->phase == PH_BODY && cfg->idle_ms > 0) {
		deadline = u->mark_ms + cfg->idle_ms;
		why = FAIL_TIMEOUT_IDLE;
	}
	if (cfg->total_ms > 0) {
		d = u->start_ms + cfg->total_ms;
		w = FAIL_TIMEOUT_TOTAL;
		if (deadline == 0 || d < deadline) {
			deadline = d;
			why = w;
		}
	}
	*wait = 1000;
	if (deadline == 0)
		return FAIL_NONE;
	if (now >= deadline)
		return why;
	if (deadline - now < *wait)
		*wait = deadline - now;
	return FAIL_NONE;
}

/* Drive the transfer to its end or to a deadline. */
static CURLcode
run(struct upstream *u)
{
	struct curl_waitfd wfd;
	CURLcode rc = CURLE_OK;
	CURLMsg *msg;
	int running = 1, left;
	int64_t wait;
	enum fail late;

	curl_multi_add_handle(u->multi, u->easy);
	for (;;) {
		if (curl_multi_perform(u->multi, &running) != CURLM_OK) {
			rc = CURLE_FAILED_INIT;
			break;
		}
		if (running == 0)
			break;
		if ((late = deadline_passed(u, now_ms(), &wait)) != FAIL_NONE) {
			u->fail = late;
			rc = CURLE_OPERATION_TIMEDOUT;
			break;
		}
		/*
		 * Flush only before waiting: what arrived so far reaches the
		 * client now, and the last block of a response goes out with
		 * the end of the request in one write, so a web server that
		 * stops reading once it has Content-Length bytes still sees
		 * the end (nginx keeps the FastCGI connection only then).
		 */
		if (u->unflushed) {
			u->unflushed = false;
			if (u->f->client->flush(u->f->client) == -1) {
				u->fail = FAIL_CLIENT_GONE;
				rc = CURLE_WRITE_ERROR;
				break;
			}
		}
		wfd.fd = u->watch_fd;
		wfd.events = CURL_WAIT_POLLIN;
		wfd.revents = 0;
		curl_multi_poll(u->multi, &wfd, u->watch_fd >= 0 ? 1 : 0,
		    (int)wait, NULL);
		if (u->watch_fd >= 0 && wfd.revents != 0) {
			if (client_gone(u->watch_fd)) {
				u->fail = FAIL_CLIENT_GONE;
				rc = CURLE_ABORTED_BY_CALLBACK;
				break;
			}
			u->watch_fd = -1;	/* unexpected data: stop watching */
		}
	}
	while ((msg = curl_multi_info_read(u->multi, &left)) != NULL)
		if (msg->msg == CURLMSG_DONE && running == 0)
			rc = msg->data.result;
	curl_multi_remove_handle(u->multi, u->easy);
	return rc;
}

/*
 * The status and reason extproxy answers with when the transfer failed:
 * the row of the failure kind, else what the libcurl error says.
 */
static int
failure_status(struct upstream *u, CURLcode rc, const char **why)
{
	struct fetch *f = u->f;
	const struct failure *o;

	if (rc == CURLE_COULDNT_CONNECT && u->fail == FAIL_NONE &&
	    u->addr_denied)
		o = failure_of(FAIL_ADDRESS);
	else
		o = failure_of(u->fail);
	if (o != NULL) {
		if (o->deny != DENY_NONE)
			f->deny = o->deny;
		if (o->timeout != TIMEOUT_NONE)
			f->timeout = o->timeout;
		*why = o->reason;
		return o->status;
	}
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		/* libcurl runs only the connect timer */
		if (u->phase == PH_CONNECT)
			f->timeout = TIMEOUT_CONNECT;
		*why = u->phase == PH_CONNECT ? "upstream connect timeout" :
		    "upstream timeout";
		return 504;
	case CURLE_COULDNT_CONNECT:
		*why = "upstream unreachable";
		return 502;
	case CURLE_COULDNT_RESOLVE_HOST:
		*why = "upstream host not found";
		return 502;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
		*why = "upstream TLS failure";
		return 502;
	default:
		*why = "upstream failed";
		return 502;
	}
}

/* Method for the next hop of a followed redirect (as browsers do). */
static void
next_method(struct upstream *u, long code)
{
	if (u->method == METHOD_HEAD)
		return;
	if (code == 303 || ((code == 301 || code == 302) &&
	    u->method == METHOD_POST)) {
		u->method = METHOD_GET;
		u->send_body = false;
	}
}

void
upstream_fetch(struct upstream *u, struct fetch *f)
{
	struct curl_slist *headers = f->headers, *own = NULL;
	CURLcode rc;
	long code = 0, conns = 0;

	u->f = f;
	u->method = f->req->method;
	u->send_body = f->req->has_body;
	u->hops = 0;
	u->start_ms = now_ms();
	u->watch_fd = -1;
	u->unflushed = false;
	u->body_buffered = false;
	u->body_deadline = 0;
	if (u->send_body)
		body_deadline(u, true);
	if (u->send_body && f->req->content_length <= BODY_REPLAY_MAX) {
		if (buffer_body(u) == -1) {
			u->fail = body_failure(u);
			f->status = failure_status(u, CURLE_OK, &f->reason);
			reply_error(f->client, f->status, f->reason, NULL);
			return;
		}
		body_deadline(u, false);
		u->body_buffered = true;
	}
	if (!u->send_body || u->body_buffered)
		watch_client(u);
	for (;;) {
		u->phase = PH_CONNECT;
		u->fail = FAIL_NONE;
		u->addr_denied = u->headers_done = u->discard = u->have_next = false;
		u->hlen = u->nlines = 0;
		u->body_left = u->send_body ? f->req->content_length : 0;
		u->body_pos = 0;
		curl_easy_setopt(u->easy, CURLOPT_CURLU, f->target->url);
		curl_easy_setopt(u->easy, CURLOPT_HTTPHEADER, headers);
		set_method(u);
		rc = run(u);
		curl_easy_getinfo(u->easy, CURLINFO_RESPONSE_CODE, &code);
		curl_easy_getinfo(u->easy, CURLINFO_NUM_CONNECTS, &conns);
		f->conns_opened += conns;
		f->reused = rc == CURLE_OK && conns == 0;
		if (u->have_next && (rc == CURLE_OK || u->fail == FAIL_NONE)) {
			if (own == NULL && !same_origin(f->target, &u->next)) {
				own = without_credentials(f->headers);
				headers = own;
			}
			target_free(f->target);
			*f->target = u->next;
			u->hops++;
			next_method(u, code);
			continue;
		}
		if (u->have_next)
			target_free(&u->next);
		if (rc == CURLE_OK && u->fail == FAIL_NONE)
			break;
		if (!u->headers_done) {
			f->status = failure_status(u, rc, &f->reason);
			if (u->fail != FAIL_CLIENT_GONE)
				reply_error(f->client, f->status, f->reason, NULL);
		} else {
			failure_status(u, rc, &f->reason);
			f->aborted = true;
			f->client->abort(f->client);
		}
		break;
	}
	curl_easy_setopt(u->easy, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(u->easy, CURLOPT_CURLU, NULL);
	curl_slist_free_all(own);
}
