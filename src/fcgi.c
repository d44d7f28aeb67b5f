/* SPDX-License-Identifier: ISC */
/*
 * fcgi: one worker's FastCGI requests over libfcgi's FCGX_Request.
 *
 * libfcgi reads the request and buffers the response's head; extproxy
 * gathers a large body itself into records of up to 64 KiB (one write
 * each, however small the pieces libcurl hands over), and writes the
 * record that tells the web server a response broke off.  Reading a
 * request is bounded in total (cutoff.c): its head by [timeouts]
 * request_header, its body by the deadline transfer.c sets
 * (read_deadline), what follows the response by LINGER_MS.  Each read
 * and write is bounded by the connection's [timeouts] idle, which the
 * server sets when it accepts the connection.
 */
#include "autoconf.h"

#include "fcgi.h"

#include <errno.h>
#include <fastcgi.h>
#include <fcgiapp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "client.h"
#include "cutoff.h"
#include "log.h"

struct fcgi {
	int		 id;		/* the worker's, and its cutoff slot */
	/*
	 * The connection cutoff.c watches for this slot, or -1: it stays
	 * watched across the requests a worker serves on it in a row.
	 */
	int		 watched;
	FCGX_Request	 req;
	struct client	 client;
	/*
	 * Since the request's first large write, all its output gathers
	 * here, one FCGI_STDOUT record's worth, sent when full, on flush
	 * and before the request ends.
	 */
	bool		 gathering;
	size_t		 olen;
	char		 obuf[FCGI_MAX_LENGTH];
};

/* ---- the request as a struct client ---- */

static ssize_t
fcgi_read(struct client *c, char *buf, size_t n)
{
	struct fcgi *f = c->ctx;
	FCGX_Request *r = &f->req;
	int got;

	/* a cut TCP connection still reads what arrives: stop here */
	if (cutoff_passed(f->id))
		return -1;
	got = FCGX_GetStr(buf, n > 1 << 30 ? 1 << 30 : (int)n, r->in);
	if (got < 0 || (got == 0 && FCGX_GetError(r->in) != 0))
		return -1;
	return got;
}

static void
fcgi_read_deadline(struct client *c, int64_t at)
{
	struct fcgi *f = c->ctx;

	cutoff_set(f->id, at, SHUT_RD);
}

/*
 * From the first write of at least this much, output bypasses libfcgi's
 * stream, which cuts it into 8 KiB records, one write(2) each: it goes
 * out as records of up to FCGI_MAX_LENGTH (64 KiB), header and data in
 * one writev(2).
 */
#define DIRECT_WRITE_MIN	8192

_Static_assert(sizeof(FCGI_Header) == FCGI_HEADER_LEN, "FCGI_Header");

/* The header of a record of type with len bytes of content. */
static FCGI_Header
record_header(unsigned char type, int request_id, size_t len)
{
	return (FCGI_Header){
		.version = FCGI_VERSION_1,
		.type = type,
		.requestIdB1 = (unsigned char)(request_id >> 8),
		.requestIdB0 = (unsigned char)request_id,
		.contentLengthB1 = (unsigned char)(len >> 8),
		.contentLengthB0 = (unsigned char)len,
	};
}

/* An FCGI_STDOUT record of len bytes, at most FCGI_MAX_LENGTH. */
static int
write_record(int fd, int request_id, const char *buf, size_t len)
{
	FCGI_Header h = record_header(FCGI_STDOUT, request_id, len);
	struct iovec iov[2] = {
		{ .iov_base = &h, .iov_len = FCGI_HEADER_LEN },
		{ .iov_base = (void *)(uintptr_t)buf, .iov_len = len },
	};
	struct iovec *v = iov;
	int nv = 2;

	while (nv > 0) {
		ssize_t w = writev(fd, v, nv);

		if (w == -1) {
			if (errno == EINTR)
				continue;
			/* EAGAIN: SO_SNDTIMEO ([timeouts] idle) */
			return -1;
		}
		while (nv > 0 && (size_t)w >= v->iov_len) {
			w -= (ssize_t)v->iov_len;
			v++;
			nv--;
		}
		if (nv > 0) {
			v->iov_base = (char *)v->iov_base + w;
			v->iov_len -= (size_t)w;
		}
	}
	return 0;
}

/* Send what gathered, if anything, as one record. */
static int
send_gathered(struct fcgi *f)
{
	size_t len = f->olen;

	f->olen = 0;
	if (len == 0)
		return 0;
	return write_record(f->req.ipcFd, f->req.requestId, f->obuf, len);
}

/*
 * Gather into full records: a piece that fills the record is sent with
 * it, and whole records of what is left go out straight from buf.
 */
static int
gather(struct fcgi *f, const char *buf, size_t n)
{
	size_t k;

	while (n > 0) {
		if (f->olen == 0 && n >= FCGI_MAX_LENGTH) {
			if (write_record(f->req.ipcFd, f->req.requestId, buf,
			    FCGI_MAX_LENGTH) == -1)
				return -1;
			buf += FCGI_MAX_LENGTH;
			n -= FCGI_MAX_LENGTH;
			continue;
		}
		k = sizeof(f->obuf) - f->olen;
		if (k > n)
			k = n;
		memcpy(f->obuf + f->olen, buf, k);
		f->olen += k;
		buf += k;
		n -= k;
		if (f->olen == sizeof(f->obuf) && send_gathered(f) == -1)
			return -1;
	}
	return 0;
}

static int
fcgi_write(struct client *c, const char *buf, size_t n)
{
	struct fcgi *f = c->ctx;
	FCGX_Request *r = &f->req;

	if (!f->gathering && n >= DIRECT_WRITE_MIN && r->ipcFd >= 0) {
		/* what libfcgi holds goes first, to keep the order */
		if (FCGX_GetError(r->out) != 0 || FCGX_FFlush(r->out) != 0)
			return -1;
		f->gathering = true;
	}
	if (f->gathering)
		return gather(f, buf, n);
	while (n > 0) {
		int chunk = n > 1 << 30 ? 1 << 30 : (int)n;

		if (FCGX_PutStr(buf, chunk, r->out) != chunk)
			return -1;
		buf += chunk;
		n -= (size_t)chunk;
	}
	return 0;
}

static int
fcgi_flush(struct client *c)
{
	struct fcgi *f = c->ctx;

	if (f->gathering)
		return send_gathered(f);
	return FCGX_FFlush(f->req.out) == 0 ? 0 : -1;
}

/*
 * Close the connection without FCGI_END_REQUEST, so the web server sees
 * the response as broken rather than complete.  nginx without response
 * buffering takes a bare close for the end of a response and leaves its
 * client waiting, so an FCGI_UNKNOWN_TYPE record goes first: no web
 * server expects one there, and each takes it as a protocol error and
 * drops its client's connection.
 */
static void
fcgi_abort(struct client *c)
{
	const FCGI_UnknownTypeRecord broken = {
		.header = record_header(FCGI_UNKNOWN_TYPE, FCGI_NULL_REQUEST_ID,
		    sizeof(FCGI_UnknownTypeBody)),
	};
	struct fcgi *f = c->ctx;
	FCGX_Request *r = &f->req;

	FCGX_FFlush(r->out);
	if (f->gathering && send_gathered(f) == -1)
		log_debug("abort: %s", strerror(errno));
	if (r->ipcFd >= 0) {
		if (write(r->ipcFd, &broken, sizeof(broken)) == -1)
			log_debug("abort record: %s", strerror(errno));
		shutdown(r->ipcFd, SHUT_RDWR);
	}
	FCGX_Free(r, 1);
}

static int
fcgi_watch_fd(struct client *c)
{
	FCGX_Request *r = &((struct fcgi *)c->ctx)->req;

	return r->ipcFd;
}

/*
 * With the request read to its end, the web server sends nothing more
 * on the connection unless it gives up: it closes the connection or
 * sends FCGI_ABORT_REQUEST.  What arrived is peeked at, not taken.
 */
static bool
fcgi_gone(struct client *c)
{
	FCGX_Request *r = &((struct fcgi *)c->ctx)->req;
	FCGI_Header h;
	/* the version and type tell an abort from anything else */
	const size_t want = offsetof(FCGI_Header, requestIdB1);
	ssize_t n = recv(r->ipcFd, &h, want, MSG_PEEK | MSG_DONTWAIT);

	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR))
		return true;
	return (size_t)n == want && h.version == FCGI_VERSION_1 &&
	    h.type == FCGI_ABORT_REQUEST;
}

/* ---- a request on an accepted connection ---- */

/*
 * Reading what the web server sends after the response (the rest of an
 * unread body, then nothing until it closes: libfcgi reads until then
 * before it closes a connection) takes at most this long in all.
 */
#define LINGER_MS	2000

/* cutoff.c no longer watches f's connection: was it cut? */
static bool
unwatch(struct fcgi *f)
{
	f->watched = -1;
	return cutoff_unwatch(f->id);
}

bool
fcgi_accept(struct fcgi *f, int fd, long limit)
{
	if (f->watched != fd && f->watched != -1)
		unwatch(f);
	if (f->watched == -1 && cutoff_watch(f->id, fd) == -1) {
		log_error("worker %d: cannot watch a FastCGI connection: %s",
		    f->id, strerror(errno));
		close(fd);
		return false;
	}
	f->watched = fd;
	if (limit > 0)
		cutoff_set(f->id, now_ms() + limit, SHUT_RDWR);
	f->req.ipcFd = fd;
	f->req.keepConnection = 1;	/* Accept_r must not close it */
	f->gathering = false;
	f->olen = 0;
	if (FCGX_Accept_r(&f->req) != 0) {
		if (unwatch(f))
			log_warn("worker %d: a FastCGI request head took longer "
			    "than [timeouts] request_header (%ld ms): "
			    "connection closed", f->id, limit);
		return false;
	}
	cutoff_set(f->id, 0, SHUT_RD);	/* the body's is transfer.c's */
	f->client.envp = f->req.envp;
	return true;
}

/*
 * After a response on a connection the web server asked to keep
 * (FCGI_KEEP_CONN): is it clean for the next request?  The rest of the
 * request body, if any, is read and dropped, up to a bound; a request
 * whose body was left unread past that is not worth the wait.
 */
static bool
can_keep(FCGX_Request *r)
{
	char scratch[4096];
	int i, got;

	if (r->ipcFd < 0 || !r->keepConnection)
		return false;
	if (r->in == NULL || FCGX_GetError(r->in) != 0)
		return false;
	for (i = 0; i < 16; i++) {
		if (FCGX_HasSeenEOF(r->in))
			return FCGX_GetError(r->in) == 0;
		got = FCGX_GetStr(scratch, sizeof(scratch), r->in);
		if (got <= 0 && !FCGX_HasSeenEOF(r->in))
			return false;
	}
	return FCGX_HasSeenEOF(r->in) && FCGX_GetError(r->in) == 0;
}

bool
fcgi_finish(struct fcgi *f, int fd, bool may_keep)
{
	bool cut;

	/* the end of the response goes after what gathered */
	if (f->gathering && send_gathered(f) == -1)
		f->req.keepConnection = 0;
	cutoff_set(f->id, now_ms() + LINGER_MS, SHUT_RD);
	if (!cutoff_passed(f->id) && may_keep && can_keep(&f->req)) {
		FCGX_Finish_r(&f->req);
		/* no cut from here on; one made before shows */
		cutoff_set(f->id, 0, SHUT_RD);
		cut = cutoff_passed(f->id);
		if (f->req.ipcFd == fd && !cut) {	/* still open */
			f->req.ipcFd = -1;
			return true;
		}
		unwatch(f);
		log_debug("worker %d: FastCGI connection closed after an "
		    "error", f->id);
		f->req.keepConnection = 0;
		FCGX_Free(&f->req, 1);
		return false;
	}
	f->req.keepConnection = 0;
	FCGX_Finish_r(&f->req);
	unwatch(f);
	return false;
}

void
fcgi_release(struct fcgi *f)
{
	if (f->watched != -1)
		unwatch(f);
}

/* ---- set-up ---- */

int
fcgi_init(void)
{
	return FCGX_Init() == 0 ? 0 : -1;
}

struct fcgi *
fcgi_new(int id)
{
	struct fcgi *f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	if (FCGX_InitRequest(&f->req, -1, 0) != 0) {
		free(f);
		return NULL;
	}
	f->id = id;
	f->watched = -1;
	f->client = (struct client){
		.read = fcgi_read, .read_deadline = fcgi_read_deadline,
		.write = fcgi_write, .flush = fcgi_flush, .abort = fcgi_abort,
		.watch_fd = fcgi_watch_fd, .gone = fcgi_gone, .ctx = f,
	};
	return f;
}

void
fcgi_free(struct fcgi *f)
{
	if (f == NULL)
		return;
	fcgi_release(f);
	FCGX_Free(&f->req, 1);
	free(f);
}

struct client *
fcgi_client(struct fcgi *f)
{
	return &f->client;
}
