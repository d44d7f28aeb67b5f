/* SPDX-License-Identifier: ISC */
/*
 * body: the request body of a transfer, as libcurl reads it: from the
 * client, as libcurl asks for it, within [timeouts] total, and kept so
 * that libcurl can rewind it and send it again on a new connection when
 * a pooled one was dead.  A body of up to BODY_REPLAY_MAX bytes is read
 * whole first, into the worker's room; a larger one streams, and can be
 * sent only once.  Never sends a body cut short: what cannot be sent
 * again whole ends the transfer.
 */
#include "autoconf.h"

#include "body.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cutoff.h"
#include "log.h"
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

/* The request body from room->body, as often as libcurl needs it. */
static size_t
read_buffered(struct transfer *t, char *buf, size_t want)
{
	size_t k = t->body_len - t->hop.body_pos;

	if (k > want)
		k = want;
	memcpy(buf, t->room->body + t->hop.body_pos, k);
	t->hop.body_pos += k;
	if ((int64_t)t->hop.body_pos > t->f->bytes_up)
		t->f->bytes_up = (int64_t)t->hop.body_pos;
	t->hop.mark_ms = now_ms();
	return k;
}

size_t
body_next(char *buf, size_t size, size_t n, void *arg)
{
	struct transfer *t = arg;
	size_t want = size * n;
	ssize_t got;

	if (t->body_buffered)
		return read_buffered(t, buf, want);
	if ((int64_t)want > t->hop.body_left)
		want = (size_t)t->hop.body_left;
	if (want == 0)
		return 0;
	got = t->f->client->read(t->f->client, buf, want);
	/* a read cut at the deadline may return what came before it */
	if (got <= 0 || (got < t->hop.body_left &&
	    body_failure(t) == FAIL_TIMEOUT_BODY)) {
		t->hop.fail = body_failure(t);
		return CURL_READFUNC_ABORT;
	}
	t->hop.body_left -= got;
	t->f->bytes_up += got;
	t->hop.mark_ms = now_ms();
	if (t->hop.body_left == 0) {
		body_deadline(t, false);
		watch_client(t);
	}
	return (size_t)got;
}

/* A streamed body can only be "rewound" before its first byte was read. */
int
body_rewind(void *arg, curl_off_t offset, int origin)
{
	struct transfer *t = arg;

	if (origin != SEEK_SET)
		return CURL_SEEKFUNC_CANTSEEK;
	if (t->body_buffered && offset >= 0 &&
	    offset <= (curl_off_t)t->body_len) {
		t->hop.body_pos = (size_t)offset;
		return CURL_SEEKFUNC_OK;
	}
	if (!t->body_buffered && offset == 0 &&
	    t->hop.body_left == t->f->req->content_length)
		return CURL_SEEKFUNC_OK;
	log_warn("a request body of %" PRId64 " bytes (over %d) was streamed "
	    "and cannot be sent again on a new upstream connection",
	    t->f->req->content_length, BODY_REPLAY_MAX);
	t->hop.fail = FAIL_NO_REPLAY;
	return CURL_SEEKFUNC_FAIL;
}

/* Read a small request body whole, to be able to send it again. */
static int
buffer_body(struct transfer *t)
{
	struct client *c = t->f->client;
	size_t want = (size_t)t->f->req->content_length;
	ssize_t got;

	t->body_len = 0;
	while (t->body_len < want) {
		got = c->read(c, t->room->body + t->body_len,
		    want - t->body_len);
		if (got <= 0)
			return -1;
		t->body_len += (size_t)got;
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
		t->body_buffered = true;
	}
	if (!t->send_body || t->body_buffered)
		watch_client(t);
	return 0;
}
