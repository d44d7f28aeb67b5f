/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for fcgi.c over a socketpair standing in for the web
 * server: the records extproxy writes itself (large output, the broken
 * response), gone() on a watched connection, and whether a connection
 * is kept for the next request.
 */
#include "autoconf.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fastcgi.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client.h"
#include "cutoff.h"
#include "fcgi.h"

#define REQUEST_ID	1

struct pair {
	struct fcgi	*f;
	struct client	*c;
	int		 ours;		/* extproxy's end */
	int		 web;		/* the web server's end, or -1 */
};

static void
send_record(int fd, unsigned char version, unsigned char type,
    const void *data, size_t len)
{
	FCGI_Header h = {
		.version = version, .type = type,
		.requestIdB0 = REQUEST_ID,
		.contentLengthB1 = (unsigned char)(len >> 8),
		.contentLengthB0 = (unsigned char)len,
	};

	assert_int_equal(write(fd, &h, sizeof(h)), sizeof(h));
	if (len > 0)
		assert_int_equal(write(fd, data, len), (ssize_t)len);
}

/* A request with params A=B and the body "body", as a web server sends it. */
static void
send_request(int fd)
{
	static const FCGI_BeginRequestBody begin = {
		.roleB0 = FCGI_RESPONDER, .flags = FCGI_KEEP_CONN,
	};

	send_record(fd, FCGI_VERSION_1, FCGI_BEGIN_REQUEST, &begin,
	    sizeof(begin));
	send_record(fd, FCGI_VERSION_1, FCGI_PARAMS, "\1\1AB", 4);
	send_record(fd, FCGI_VERSION_1, FCGI_PARAMS, NULL, 0);
	send_record(fd, FCGI_VERSION_1, FCGI_STDIN, "body", 4);
	send_record(fd, FCGI_VERSION_1, FCGI_STDIN, NULL, 0);
}

/* Read the whole body; it must be "body". */
static void
read_body(struct client *c)
{
	char buf[16];
	ssize_t n, got = 0;

	while ((n = c->read(c, buf + got, sizeof(buf) - (size_t)got)) > 0)
		got += n;
	assert_int_equal(n, 0);
	assert_int_equal(got, 4);
	assert_memory_equal(buf, "body", 4);
}

static void
read_all(int fd, void *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, (char *)buf + got, len - got);
		assert_true(n > 0);
		got += (size_t)n;
	}
}

static int
setup(void **state)
{
	struct pair *p = calloc(1, sizeof(*p));
	int sv[2];

	assert_non_null(p);
	assert_int_equal(cutoff_start(1), 0);
	assert_non_null(p->f = fcgi_new(0));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	p->ours = sv[0];
	p->web = sv[1];
	send_request(p->web);
	assert_true(fcgi_accept(p->f, p->ours, 0));
	p->c = fcgi_client(p->f);
	/* libfcgi puts the role first */
	assert_string_equal(p->c->envp[0], "FCGI_ROLE=RESPONDER");
	assert_string_equal(p->c->envp[1], "A=B");
	assert_null(p->c->envp[2]);
	*state = p;
	return 0;
}

static int
teardown(void **state)
{
	struct pair *p = *state;

	/* first, or libfcgi waits for the web server to close */
	if (p->web != -1)
		close(p->web);
	fcgi_finish(p->f, p->ours, false);
	fcgi_free(p->f);
	cutoff_stop();
	free(p);
	return 0;
}

/* The body read to its end: the connection is the one to watch. */
static struct client *
watched(struct pair *p)
{
	read_body(p->c);
	assert_int_equal(p->c->watch_fd(p->c), p->ours);
	return p->c;
}

static void
test_gone_nothing_arrived(void **state)
{
	struct client *c = watched(*state);

	assert_false(c->gone(c));
}

static void
test_gone_abort_request(void **state)
{
	struct pair *p = *state;
	struct client *c = watched(p);
	char buf[FCGI_HEADER_LEN];

	send_record(p->web, FCGI_VERSION_1, FCGI_ABORT_REQUEST, NULL, 0);
	assert_true(c->gone(c));
	/* peeked at, not taken */
	assert_int_equal(recv(p->ours, buf, sizeof(buf),
	    MSG_PEEK | MSG_DONTWAIT), FCGI_HEADER_LEN);
	assert_int_equal(buf[1], FCGI_ABORT_REQUEST);
}

static void
test_gone_closed(void **state)
{
	struct pair *p = *state;
	struct client *c = watched(p);

	close(p->web);
	p->web = -1;
	assert_true(c->gone(c));
}

/* Any other record, or an abort in another version, is not an abort. */
static void
test_gone_other_record(void **state)
{
	struct pair *p = *state;
	struct client *c = watched(p);

	send_record(p->web, FCGI_VERSION_1, FCGI_GET_VALUES, NULL, 0);
	assert_false(c->gone(c));
}

static void
test_gone_other_version(void **state)
{
	struct pair *p = *state;
	struct client *c = watched(p);

	send_record(p->web, FCGI_VERSION_1 + 1, FCGI_ABORT_REQUEST, NULL, 0);
	assert_false(c->gone(c));
}

/* Read one FCGI_STDOUT record of want bytes; they must be `out`'s. */
static void
read_stdout(int fd, const char *out, size_t want)
{
	char *in = malloc(FCGI_MAX_LENGTH);
	FCGI_Header h;

	assert_non_null(in);
	read_all(fd, &h, sizeof(h));
	assert_int_equal(h.version, FCGI_VERSION_1);
	assert_int_equal(h.type, FCGI_STDOUT);
	assert_int_equal(h.requestIdB1 << 8 | h.requestIdB0, REQUEST_ID);
	assert_int_equal((size_t)(h.contentLengthB1 << 8 | h.contentLengthB0),
	    want);
	assert_int_equal(h.paddingLength, 0);
	read_all(fd, in, want);
	assert_memory_equal(in, out, want);
	free(in);
}

/*
 * Large output goes out as FCGI_STDOUT records of FCGI_MAX_LENGTH; what
 * is left of it, on flush.
 */
static void
test_large_write(void **state)
{
	struct pair *p = *state;
	size_t len = FCGI_MAX_LENGTH + 1000;
	char *out = malloc(len);

	assert_non_null(out);
	memset(out, 'x', len);
	assert_int_equal(p->c->write(p->c, out, len), 0);
	read_stdout(p->web, out, FCGI_MAX_LENGTH);
	assert_int_equal(p->c->flush(p->c), 0);
	read_stdout(p->web, out, 1000);
	free(out);
}

/*
 * A body handed over in 16 KiB pieces (libcurl's largest) goes out in
 * records of FCGI_MAX_LENGTH, not one per piece: 1 MiB in 17, the last
 * one on flush.  Each piece holds its own offset, so a byte out of
 * place shows.
 */
static void
test_pieces_gathered(void **state)
{
	struct pair *p = *state;
	size_t len = 1 << 20, piece = 16384, off, i;
	char *out = malloc(len);

	assert_non_null(out);
	for (i = 0; i < len; i++)
		out[i] = (char)(i * 7 + i / 4096);
	for (off = 0; off < len; off += piece) {
		assert_int_equal(p->c->write(p->c, out + off, piece), 0);
		/* one full record each time one fills */
		if ((off + piece) / FCGI_MAX_LENGTH > off / FCGI_MAX_LENGTH)
			read_stdout(p->web, out + off / FCGI_MAX_LENGTH *
			    FCGI_MAX_LENGTH, FCGI_MAX_LENGTH);
	}
	assert_int_equal(p->c->flush(p->c), 0);
	read_stdout(p->web, out + len / FCGI_MAX_LENGTH * FCGI_MAX_LENGTH,
	    len % FCGI_MAX_LENGTH);
	free(out);
}

/* What gathered goes out before the end of the request. */
static void
test_gathered_before_end(void **state)
{
	struct pair *p = *state;
	FCGI_EndRequestRecord end;
	FCGI_Header h;
	char out[10001];

	memset(out, 'y', sizeof(out) - 1);
	out[sizeof(out) - 1] = 'z';
	read_body(p->c);
	/* a large write, then a small one: both gather, in order */
	assert_int_equal(p->c->write(p->c, out, sizeof(out) - 1), 0);
	assert_int_equal(p->c->write(p->c, out + sizeof(out) - 1, 1), 0);
	assert_true(fcgi_finish(p->f, p->ours, true));
	read_stdout(p->web, out, sizeof(out));
	read_all(p->web, &h, sizeof(h));	/* the empty FCGI_STDOUT */
	assert_int_equal(h.type, FCGI_STDOUT);
	assert_int_equal(h.contentLengthB1 << 8 | h.contentLengthB0, 0);
	read_all(p->web, &end, sizeof(end));
	assert_int_equal(end.header.type, FCGI_END_REQUEST);
	close(p->ours);
	p->ours = -1;
}

/*
 * A response that broke off: an FCGI_UNKNOWN_TYPE record, then the
 * connection closes, with no FCGI_END_REQUEST.
 */
static void
test_abort_record(void **state)
{
	struct pair *p = *state;
	FCGI_UnknownTypeRecord r;
	char more;

	p->c->abort(p->c);
	read_all(p->web, &r, sizeof(r));
	assert_int_equal(r.header.version, FCGI_VERSION_1);
	assert_int_equal(r.header.type, FCGI_UNKNOWN_TYPE);
	assert_int_equal(r.header.requestIdB1, 0);
	assert_int_equal(r.header.requestIdB0, FCGI_NULL_REQUEST_ID);
	assert_int_equal(r.header.contentLengthB1, 0);
	assert_int_equal(r.header.contentLengthB0, sizeof(r.body));
	assert_int_equal(r.body.type, 0);
	assert_int_equal(read(p->web, &more, 1), 0);
}

/*
 * A clean connection the web server asked to keep is the server's again
 * after FCGI_END_REQUEST, and carries the next request; with no room
 * (may_keep false) it is closed.
 */
static void
test_keep(void **state)
{
	struct pair *p = *state;
	FCGI_EndRequestRecord end;
	FCGI_Header h;
	char more;

	read_body(p->c);
	assert_true(fcgi_finish(p->f, p->ours, true));
	read_all(p->web, &h, sizeof(h));	/* the empty FCGI_STDOUT */
	assert_int_equal(h.type, FCGI_STDOUT);
	read_all(p->web, &end, sizeof(end));
	assert_int_equal(end.header.type, FCGI_END_REQUEST);
	assert_int_equal(end.body.protocolStatus, FCGI_REQUEST_COMPLETE);

	send_request(p->web);
	assert_true(fcgi_accept(p->f, p->ours, 0));
	read_body(p->c);
	shutdown(p->web, SHUT_WR);	/* libfcgi reads to the end on close */
	assert_false(fcgi_finish(p->f, p->ours, false));
	read_all(p->web, &h, sizeof(h));
	read_all(p->web, &end, sizeof(end));
	assert_int_equal(end.header.type, FCGI_END_REQUEST);
	assert_int_equal(read(p->web, &more, 1), 0);
	/* teardown's finish must not close the number again */
	p->ours = -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_gone_nothing_arrived,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_gone_abort_request,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_gone_closed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_gone_other_record,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_gone_other_version,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_write, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_pieces_gathered, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_gathered_before_end,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_abort_record, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_keep, setup, teardown),
	};

	/* finishing a request whose peer is gone writes to a closed socket */
	signal(SIGPIPE, SIG_IGN);
	if (fcgi_init() == -1)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
