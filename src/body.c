/* SPDX-License-Identifier: ISC */
/*
 * body: the request body of a transfer, as libcurl reads it: from the
 * client, as libcurl asks for it, within [timeouts] total, and kept so
 * that libcurl can rewind it and send it again on a new connection when
 * a pooled one was dead.  A body of up to BODY_REPLAY_MAX bytes is read
 * whole first; a larger one streams, its first BODY_REPLAY_MAX bytes
 * copied into the worker's room and the rest into its spool file
 * (spool.h).  Never sends a body cut short or patched from another
 * request: what cannot be sent again whole ends the transfer.
 */
#include "autoconf.h"

#include "body.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cutoff.h"
#include "log.h"
#include "spool.h"
#include "upstream.h"

/*
 * The request body has been read: read the client's end-of-body marker
 * too, so that anything that arrives later means the client went away.
 */
static void
watch_client(struct transfer *t)
{
	struct client *c = t->f->client;
	char buf[512];
	int i;

	t->watch_fd = -1;
	if (c->watch_fd == NULL)
		return;
	for (i = 0; i < 16; i++) {
		ssize_t n = c->read(c, buf, sizeof(buf));

		if (n == 0) {
			t->watch_fd = c->watch_fd(c);
			log_debug("watching the client on fd %d", t->watch_fd);
			return;
		}
		if (n < 0)
			return;
	}
}

/*
 * Bound reading the request body by [timeouts] total, from the start of
 * the request, however slowly its bytes come (each gap is bounded by
 * idle): on, or off once it has been read.  A slow upload that stays
 * within total is never cut; with total = 0 none is.
 */
static void
body_deadline(struct transfer *t, bool on)
{
	struct client *c = t->f->client;

	if (t->cfg->total_ms <= 0 || c->read_deadline == NULL)
		return;
	t->body_deadline = on ? t->start_ms + t->cfg->total_ms : 0;
	c->read_deadline(c, t->body_deadline);
}

/* Why reading the request body failed: its deadline, or the client. */
static enum fail
body_failure(const struct transfer *t)
{
	return t->body_deadline != 0 && now_ms() >= t->body_deadline ?
	    FAIL_TIMEOUT_BODY : FAIL_CLIENT_BODY;
}

/*
 * Bytes of the request body that libcurl reads again after a rewind:
 * from room->body, then from the spool file, never past what was read
 * from the client.  A copy that cannot be read back ends the transfer
 * (502): a body is sent whole or not at all.
 */
static size_t
read_again(struct transfer *t, char *buf, size_t want)
{
	int64_t pos = t->hop.body_pos;

	if ((int64_t)want > t->body_read - pos)
		want = (size_t)(t->body_read - pos);
	if (pos < BODY_REPLAY_MAX) {
		if ((int64_t)want > BODY_REPLAY_MAX - pos)
			want = (size_t)(BODY_REPLAY_MAX - pos);
		memcpy(buf, t->room->body + pos, want);
	} else if (spool_read(t->u->spool_fd, pos - BODY_REPLAY_MAX, buf,
	    want) == -1) {
		log_error("cannot read a request body's copy back from "
		    "[server] temp_dir: %s", strerror(errno));
		t->hop.fail = FAIL_NO_REPLAY;
		return CURL_READFUNC_ABORT;
	}
	t->hop.body_pos += (int64_t)want;
	if (t->hop.body_pos > t->f->bytes_up)
		t->f->bytes_up = t->hop.body_pos;
	t->hop.mark_ms = now_ms();
	return want;
}

/*
 * The copy of a streamed body could not be kept: it goes on streaming,
 * but cannot be sent again.  What the file holds goes at once, and its
 * space.
 */
static void
lose_copy(struct transfer *t, const char *why, int err)
{
	t->spool_lost = true;
	spool_empty(&t->u->spool_fd);
	if (why == NULL) {
		log_debug("a request body of %" PRId64 " bytes streams "
		    "without a copy: [server] temp_dir is empty",
		    t->f->req->content_length);
		return;
	}
	t->f->spool_failed = true;
	log_warn("cannot keep a copy of a request body in [server] temp_dir "
	    "(%s: %s): it streams, but cannot be sent again on a new "
	    "upstream connection", why, strerror(err));
}

/*
 * Keep n bytes just read from the client at t->body_read, to send them
 * again: the first BODY_REPLAY_MAX bytes of the body in room->body, the
 * rest in the worker's spool file, made when its first byte ever comes,
 * empty at the start of every request (body_end() empties it at the end
 * of each).
 */
static void
keep_copy(struct transfer *t, const char *buf, size_t n)
{
	int64_t pos = t->body_read;
	size_t k = 0;

	if (pos < BODY_REPLAY_MAX) {
		k = n;
		if ((int64_t)k > BODY_REPLAY_MAX - pos)
			k = (size_t)(BODY_REPLAY_MAX - pos);
		memcpy(t->room->body + pos, buf, k);
	}
	if (k == n || t->spool_lost)
		return;
	if (t->cfg->temp_dir == NULL) {
		lose_copy(t, NULL, 0);
		return;
	}
	if (t->u->spool_fd == -1 &&
	    (t->u->spool_fd = spool_open(t->cfg->temp_dir)) == -1) {
		lose_copy(t, "creating a file", errno);
		return;
	}
	if (spool_write(t->u->spool_fd, pos + (int64_t)k - BODY_REPLAY_MAX,
	    buf + k, n - k) == -1) {
		lose_copy(t, "writing", errno);
		return;
	}
	t->f->spooled += (int64_t)(n - k);
}

/* The next bytes of the request body from the client, copied as read. */
static size_t
read_client(struct transfer *t, char *buf, size_t want)
{
	int64_t left = t->f->req->content_length - t->body_read;
	ssize_t got;

	if ((int64_t)want > left)
		want = (size_t)left;
	if (want == 0)
		return 0;
	got = t->f->client->read(t->f->client, buf, want);
	/* a read cut at the deadline may return what came before it */
	if (got <= 0 || (got < left &&
	    body_failure(t) == FAIL_TIMEOUT_BODY)) {
		t->hop.fail = body_failure(t);
		return CURL_READFUNC_ABORT;
	}
	keep_copy(t, buf, (size_t)got);
	t->body_read += got;
	t->hop.body_pos = t->body_read;
	t->f->bytes_up = t->body_read;
	t->hop.mark_ms = now_ms();
	if (t->body_read == t->f->req->content_length) {
		body_deadline(t, false);
		watch_client(t);
	}
	return (size_t)got;
}

size_t
body_next(char *buf, size_t size, size_t n, void *arg)
{
	struct transfer *t = arg;

	if (t->hop.body_pos < t->body_read)
		return read_again(t, buf, size * n);
	return read_client(t, buf, size * n);
}

/* It can go back to any byte read so far, if every byte read was kept. */
int
body_rewind(void *arg, curl_off_t offset, int origin)
{
	struct transfer *t = arg;

	if (origin != SEEK_SET)
		return CURL_SEEKFUNC_CANTSEEK;
	if (offset >= 0 && offset <= t->body_read &&
	    (!t->spool_lost || offset == t->body_read)) {
		t->hop.body_pos = offset;
		return CURL_SEEKFUNC_OK;
	}
	log_warn("a request body of %" PRId64 " bytes (over %d) was streamed "
	    "without a whole copy and cannot be sent again on a new upstream "
	    "connection", t->f->req->content_length, BODY_REPLAY_MAX);
	t->hop.fail = FAIL_NO_REPLAY;
	return CURL_SEEKFUNC_FAIL;
}

/* Read a small request body whole, to be able to send it again. */
static int
buffer_body(struct transfer *t)
{
	struct client *c = t->f->client;
	int64_t want = t->f->req->content_length;
	ssize_t got;

	while (t->body_read < want) {
		got = c->read(c, t->room->body + t->body_read,
		    (size_t)(want - t->body_read));
		if (got <= 0)
			return -1;
		t->body_read += got;
	}
	return 0;
}

int
body_start(struct transfer *t)
{
	if (t->send_body)
		body_deadline(t, true);
	if (t->send_body && t->f->req->content_length <= BODY_REPLAY_MAX) {
		if (buffer_body(t) == -1) {
			t->hop.fail = body_failure(t);
			return -1;
		}
		body_deadline(t, false);
	}
	if (!t->send_body || t->body_read == t->f->req->content_length)
		watch_client(t);
	return 0;
}

void
body_end(struct transfer *t)
{
	/* the body's copy is never kept past its request */
	if (t->body_read > BODY_REPLAY_MAX)
		spool_empty(&t->u->spool_fd);
}
