/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for the transfer (transfer.c, response.c, upstream.c): a
 * worker's client runs requests for a fake client held in memory
 * against the test origin (tests/upstream), which the test starts on
 * 127.0.0.1 and stops.  What the client receives is compared byte for
 * byte.  Also the pure parts: redirect.c's decisions and the failure
 * rows of outcome.c.
 */
#include "autoconf.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "cutoff.h"
#include "log.h"
#include "outcome.h"
#include "redirect.h"
#include "request.h"
#include "share.h"
#include "target.h"
#include "transfer.h"
#include "upstream.h"

/* ---- the test origin ---- */

struct origin {
	pid_t	pid;
	long	port;
};

static struct origin plain;	/* answers every request */
static struct origin cut;	/* -n 1: drops a kept connection's next */

/* Start tests/upstream with opt (or none); it prints its port. */
static int
origin_start(struct origin *o, const char *opt)
{
	const char *dir = getenv("top_builddir");
	char prog[4096], line[32];
	int fds[2];
	ssize_t n;

	snprintf(prog, sizeof(prog), "%s/tests/upstream",
	    dir != NULL ? dir : ".");
	if (pipe(fds) == -1 || (o->pid = fork()) == -1)
		return -1;
	if (o->pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		if (opt != NULL)
			execl(prog, prog, "-a", "127.0.0.1", "-n", opt,
			    (char *)NULL);
		else
			execl(prog, prog, "-a", "127.0.0.1", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	n = read(fds[0], line, sizeof(line) - 1);
	close(fds[0]);
	if (n <= 0)
		return -1;
	line[n] = '\0';
	o->port = strtol(line, NULL, 10);
	return o->port > 0 ? 0 : -1;
}

static void
origin_stop(struct origin *o)
{
	if (o->pid > 0) {
		kill(o->pid, SIGTERM);
		waitpid(o->pid, NULL, 0);
	}
}

/* ---- a libcurl that refuses an option ---- */

/*
 * The code under test calls curl_easy_setopt() through this (the test
 * is linked with --wrap=curl_easy_setopt): it refuses the option
 * refused, as a broken or mismatched libcurl would, and passes every
 * other on by the type the option's number says.
 */
static bool refusing;
static CURLoption refused;

CURLcode	__real_curl_easy_setopt(CURL *e, CURLoption opt, ...);
CURLcode	__wrap_curl_easy_setopt(CURL *e, CURLoption opt, ...);

CURLcode
__wrap_curl_easy_setopt(CURL *e, CURLoption opt, ...)
{
	va_list ap;
	CURLcode rc;

	if (refusing && opt == refused)
		return CURLE_NOT_BUILT_IN;
	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		rc = __real_curl_easy_setopt(e, opt, va_arg(ap, long));
	else if (opt < CURLOPTTYPE_FUNCTIONPOINT)
		rc = __real_curl_easy_setopt(e, opt, va_arg(ap, void *));
	else if (opt < CURLOPTTYPE_OFF_T)
		rc = __real_curl_easy_setopt(e, opt,
		    va_arg(ap, void (*)(void)));
	else if (opt < CURLOPTTYPE_BLOB)
		rc = __real_curl_easy_setopt(e, opt, va_arg(ap, curl_off_t));
	else
		rc = __real_curl_easy_setopt(e, opt, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

static void
refuse(CURLoption opt)
{
	refusing = true;
	refused = opt;
}

static int
refuse_none(void **state)
{
	(void)state;
	refusing = false;
	return 0;
}

/* What the code under test logs (stderr) while stderr is captured. */
static int saved_stderr = -1;
static FILE *captured;

static void
capture_start(void)
{
	assert_non_null(captured = tmpfile());
	fflush(stderr);
	assert_true((saved_stderr = dup(STDERR_FILENO)) != -1);
	assert_true(dup2(fileno(captured), STDERR_FILENO) != -1);
}

/* The captured text, into buf. */
static const char *
capture_end(char *buf, size_t size)
{
	size_t n;

	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	rewind(captured);
	n = fread(buf, 1, size - 1, captured);
	buf[n] = '\0';
	fclose(captured);
	return buf;
}

/* ---- the fake client ---- */

struct fake {
	struct client	 c;
	const char	*in;		/* the request body */
	size_t		 in_len;
	size_t		 in_pos;
	char		*out;		/* all that was written */
	size_t		 out_len;
	int		 flushes;
	int		 aborts;
};

static ssize_t
fake_read(struct client *c, char *buf, size_t n)
{
	struct fake *x = c->ctx;

	if (n > x->in_len - x->in_pos)
		n = x->in_len - x->in_pos;
	memcpy(buf, x->in + x->in_pos, n);
	x->in_pos += n;
	return (ssize_t)n;
}

static int
fake_write(struct client *c, const char *buf, size_t n)
{
	struct fake *x = c->ctx;
	char *p;

	if ((p = realloc(x->out, x->out_len + n + 1)) == NULL)
		return -1;
	x->out = p;
	memcpy(x->out + x->out_len, buf, n);
	x->out_len += n;
	x->out[x->out_len] = '\0';
	return 0;
}

static int
fake_flush(struct client *c)
{
	((struct fake *)c->ctx)->flushes++;
	return 0;
}

static void
fake_abort(struct client *c)
{
	((struct fake *)c->ctx)->aborts++;
}

/* ---- one request ---- */

static struct config cfg;
static CURLSH *share;
static struct upstream *up;

struct run {
	struct fake	 x;
	struct request	 r;
	struct target	 t;
	struct fetch	 f;
	char		 method[64];
	char		 target[256];
	char		 length[64];
	int64_t		 ms;		/* how long it took */
};

/* method url with body (len bytes) through the worker's client. */
static void
run(struct run *q, const char *method, const char *url, const char *body,
    size_t len)
{
	char *envp[] = { q->method, q->target, q->length, NULL };
	const char *why;
	int64_t t0;

	memset(q, 0, sizeof(*q));
	snprintf(q->method, sizeof(q->method), "REQUEST_METHOD=%s", method);
	snprintf(q->target, sizeof(q->target), "HTTP_PROXY_TO=%s", url);
	snprintf(q->length, sizeof(q->length), "CONTENT_LENGTH=%zu", len);
	q->x.c = (struct client){
		.read = fake_read, .write = fake_write, .flush = fake_flush,
		.abort = fake_abort, .ctx = &q->x,
	};
	q->x.in = body;
	q->x.in_len = len;
	assert_int_equal(request_parse(envp, &q->r, &why), 0);
	assert_int_equal(target_parse(q->r.target, &q->t, &why), 0);
	q->f.client = &q->x.c;
	q->f.req = &q->r;
	q->f.target = &q->t;
	q->f.headers = curl_slist_append(NULL, "Expect:");
	assert_non_null(q->f.headers);
	t0 = now_ms();
	transfer_fetch(up, &q->f);
	q->ms = now_ms() - t0;
}

static void
done(struct run *q)
{
	curl_slist_free_all(q->f.headers);
	target_free(&q->t);
	free(q->x.out);
}

/* http://127.0.0.1:port then path, into buf. */
static const char *
url(char *buf, size_t size, const struct origin *o, const char *path)
{
	snprintf(buf, size, "http://127.0.0.1:%ld%s", o->port, path);
	return buf;
}

/* The test origin's own headers: its connection and request numbers. */
static const char *
seq_headers(char *buf, size_t size, const char *out)
{
	unsigned long conn = 0, req = 0;
	const char *p;

	if ((p = strstr(out, "\r\nX-Conn-Seq: ")) != NULL)
		conn = strtoul(p + 14, NULL, 10);
	if ((p = strstr(out, "\r\nX-Req-Seq: ")) != NULL)
		req = strtoul(p + 13, NULL, 10);
	snprintf(buf, size, "X-Conn-Seq: %lu\r\nX-Req-Seq: %lu\r\n", conn,
	    req);
	return buf;
}

/* The body after the head the client got. */
static const char *
body_of(const struct run *q)
{
	const char *p = strstr(q->x.out, "\r\n\r\n");

	assert_non_null(p);
	return p + 4;
}

/* ---- the tests ---- */

/* A 200 reaches the client as the origin sent it, head and body. */
static void
test_relay_200(void **state)
{
	char u[128], seq[96], want[512];
	const char *b;
	struct run q;
	size_t i;

	(void)state;
	run(&q, "GET", url(u, sizeof(u), &plain, "/bytes/1000"), NULL, 0);
	assert_int_equal(q.f.status, 200);
	assert_int_equal(q.f.bytes_down, 1000);
	assert_false(q.f.aborted);
	assert_int_equal(q.x.aborts, 0);
	snprintf(want, sizeof(want), "Status: 200 OK\r\n%s"
	    "Content-Type: application/octet-stream\r\n"
	    "Content-Length: 1000\r\n\r\n",
	    seq_headers(seq, sizeof(seq), q.x.out));
	b = body_of(&q);
	assert_int_equal((size_t)(b - q.x.out), strlen(want));
	assert_memory_equal(q.x.out, want, strlen(want));
	assert_int_equal(q.x.out_len - strlen(want), 1000);
	for (i = 0; i < 1000; i++)
		assert_int_equal((unsigned char)b[i], i % 251);
	done(&q);
}

/* In passthrough mode a 3xx goes to the client, Location absolute. */
static void
test_passthrough_location(void **state)
{
	char u[128], loc[160], seq[96], want[512];
	struct run q;

	(void)state;
	cfg.redirect_mode = REDIRECT_PASSTHROUGH;
	run(&q, "GET", url(u, sizeof(u), &plain,
	    "/redirect/302?to=%2Fbytes%2F10"), NULL, 0);
	assert_int_equal(q.f.status, 302);
	snprintf(want, sizeof(want), "Status: 302 Found\r\n%s"
	    "Content-Type: text/plain\r\nLocation: %s\r\n"
	    "Content-Length: 9\r\n\r\nredirect\n",
	    seq_headers(seq, sizeof(seq), q.x.out),
	    url(loc, sizeof(loc), &plain, "/bytes/10"));
	assert_string_equal(q.x.out, want);
	done(&q);
}

/* In follow mode the redirect is fetched; the client sees the end. */
static void
test_follow(void **state)
{
	char u[128];
	struct run q;

	(void)state;
	cfg.redirect_mode = REDIRECT_FOLLOW;
	run(&q, "GET", url(u, sizeof(u), &plain,
	    "/redirect/302?to=%2Fbytes%2F10"), NULL, 0);
	cfg.redirect_mode = REDIRECT_PASSTHROUGH;
	assert_int_equal(q.f.status, 200);
	assert_int_equal(q.f.bytes_down, 10);
	assert_string_equal(q.t.path, "/bytes/10");
	assert_non_null(strstr(q.x.out, "Status: 200 OK\r\n"));
	assert_null(strstr(q.x.out, "Location"));
	done(&q);
}

/* In follow mode a Location the allowlist refuses is passed through. */
static void
test_follow_not_allowed(void **state)
{
	char u[128];
	struct run q;

	(void)state;
	cfg.redirect_mode = REDIRECT_FOLLOW;
	run(&q, "GET", url(u, sizeof(u), &plain,
	    "/redirect/302?to=http%3A%2F%2F127.0.0.2%2Fx"), NULL, 0);
	cfg.redirect_mode = REDIRECT_PASSTHROUGH;
	assert_int_equal(q.f.status, 302);
	assert_non_null(strstr(q.x.out,
	    "\r\nLocation: http://127.0.0.2/x\r\n"));
	done(&q);
}

/* In block mode a redirect is refused with our own 502. */
static void
test_block(void **state)
{
	char u[128];
	struct run q;

	(void)state;
	cfg.redirect_mode = REDIRECT_BLOCK;
	run(&q, "GET", url(u, sizeof(u), &plain,
	    "/redirect/302?to=%2Fbytes%2F10"), NULL, 0);
	cfg.redirect_mode = REDIRECT_PASSTHROUGH;
	assert_int_equal(q.f.status, 502);
	assert_int_equal(q.f.deny, DENY_REDIRECT);
	assert_string_equal(q.f.reason, "upstream redirect refused");
	assert_true(strncmp(q.x.out, "Status: 502 Bad Gateway\r\n", 25) == 0);
	assert_null(strstr(q.x.out, "Location"));
	assert_null(strstr(q.x.out, "redirect\n"));
	done(&q);
}

/* A response head late by [timeouts] response_header is a 504. */
static void
test_response_header_timeout(void **state)
{
	char u[128];
	struct run q;

	(void)state;
	cfg.response_header_ms = 300;
	run(&q, "GET", url(u, sizeof(u), &plain, "/sleep/3000"), NULL, 0);
	cfg.response_header_ms = 5000;
	assert_int_equal(q.f.status, 504);
	assert_int_equal(q.f.timeout, TIMEOUT_RESPONSE_HEADER);
	assert_string_equal(q.f.reason, "upstream response header timeout");
	assert_true(q.ms >= 300 && q.ms < 2500);
	assert_true(strncmp(q.x.out, "Status: 504 Gateway Timeout\r\n",
	    29) == 0);
	done(&q);
}

/* A body cut short after the head is relayed: the client is aborted. */
static void
test_body_cut(void **state)
{
	char u[128];
	struct run q;

	(void)state;
	run(&q, "GET", url(u, sizeof(u), &plain, "/truncated"), NULL, 0);
	assert_int_equal(q.f.status, 200);
	assert_true(q.f.aborted);
	assert_int_equal(q.x.aborts, 1);
	assert_true(strncmp(q.x.out, "Status: 200 OK\r\n", 16) == 0);
	assert_string_equal(body_of(&q), "partial\n");
	done(&q);
}

/*
 * The origin drops the next request on every kept connection: each of
 * many requests in a row on one worker's handle is sent again, on a new
 * connection (libcurl 7.88 counts those retries over a handle's life
 * and refuses the sixth unless the handle is renewed).
 */
static void
test_retry_every_time(void **state)
{
	char u[128];
	struct run q;
	int i;

	(void)state;
	run(&q, "GET", url(u, sizeof(u), &cut, "/echo"), NULL, 0);
	assert_int_equal(q.f.status, 200);
	done(&q);
	for (i = 0; i < 12; i++) {
		run(&q, i % 2 ? "GET" : "POST", url(u, sizeof(u), &cut,
		    "/echo"), "x", i % 2 ? 0 : 1);
		assert_int_equal(q.f.status, 200);
		assert_int_equal(q.f.conns_opened, 1);
		assert_non_null(strstr(q.x.out, "\r\nX-Req-Seq: 1\r\n"));
		done(&q);
	}
}

/*
 * A handle that libcurl will not set up again after a retry: requests
 * fail with 500, unsent, until the next request's upstream_use() gets
 * it set up.
 */
static void
test_renew_refused(void **state)
{
	char u[128], log[4096];
	struct run q;

	(void)state;
	run(&q, "GET", url(u, sizeof(u), &cut, "/echo"), NULL, 0);
	done(&q);
	refuse(CURLOPT_SSL_VERIFYPEER);
	capture_start();
	run(&q, "GET", url(u, sizeof(u), &cut, "/echo"), NULL, 0);
	capture_end(log, sizeof(log));
	assert_int_equal(q.f.status, 200);
	assert_non_null(strstr(q.x.out, "\r\nX-Req-Seq: 1\r\n"));
	assert_non_null(strstr(log, "libcurl refused CURLOPT_SSL_VERIFYPEER: "));
	done(&q);
	run(&q, "GET", url(u, sizeof(u), &plain, "/bytes/10"), NULL, 0);
	assert_int_equal(q.f.status, 500);
	done(&q);
	capture_start();
	upstream_use(up, &cfg, 1, 1);
	capture_end(log, sizeof(log));
	run(&q, "GET", url(u, sizeof(u), &plain, "/bytes/10"), NULL, 0);
	assert_int_equal(q.f.status, 500);
	done(&q);
	refuse_none(NULL);
	upstream_use(up, &cfg, 1, 1);
	run(&q, "GET", url(u, sizeof(u), &plain, "/bytes/10"), NULL, 0);
	assert_int_equal(q.f.status, 200);
	assert_int_equal(q.f.bytes_down, 10);
	done(&q);
}

/* ---- request bodies sent again ---- */

/* The spool's directory, made for the tests (cfg.temp_dir). */
static char spool_dir[] = "/tmp/extproxy-spool.XXXXXX";

/* Descriptors of this process open on a file in spool_dir. */
static int
spool_fds(void)
{
	char link[300], where[4096];
	size_t dlen = strlen(spool_dir);
	struct dirent *de;
	DIR *d;
	ssize_t n;
	int count = 0;

	assert_non_null(d = opendir("/proc/self/fd"));
	while ((de = readdir(d)) != NULL) {
		snprintf(link, sizeof(link), "/proc/self/fd/%s", de->d_name);
		if ((n = readlink(link, where, sizeof(where) - 1)) <= 0)
			continue;
		where[n] = '\0';
		if (strncmp(where, spool_dir, dlen) == 0 && where[dlen] == '/')
			count++;
	}
	closedir(d);
	return count;
}

/* Names in spool_dir. */
static int
spool_names(void)
{
	struct dirent *de;
	DIR *d;
	int count = 0;

	assert_non_null(d = opendir(spool_dir));
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			count++;
	closedir(d);
	return count;
}

/*
 * pwrite() and pread() for the spool (linked with --wrap): once fail_errno
 * is set, a write fails with it after fail_after more bytes went through,
 * a read at once when fail_reads is set too.
 */
static int fail_errno;
static int64_t fail_after;
static bool fail_reads;

ssize_t	__real_pwrite(int fd, const void *buf, size_t n, off_t off);
ssize_t	__wrap_pwrite(int fd, const void *buf, size_t n, off_t off);
ssize_t	__real_pread(int fd, void *buf, size_t n, off_t off);
ssize_t	__wrap_pread(int fd, void *buf, size_t n, off_t off);

ssize_t
__wrap_pwrite(int fd, const void *buf, size_t n, off_t off)
{
	if (fail_errno != 0 && !fail_reads) {
		if (fail_after == 0) {
			errno = fail_errno;
			return -1;
		}
		if ((int64_t)n > fail_after)
			n = (size_t)fail_after;		/* a short write */
		fail_after -= (int64_t)n;
	}
	return __real_pwrite(fd, buf, n, off);
}

ssize_t
__wrap_pread(int fd, void *buf, size_t n, off_t off)
{
	if (fail_errno != 0 && fail_reads) {
		errno = fail_errno;
		return -1;
	}
	return __real_pread(fd, buf, n, off);
}

static void
fail_none(void)
{
	fail_errno = 0;
	fail_after = 0;
	fail_reads = false;
}

/* len bytes that no offset error can leave unchanged, in a new buffer. */
static char *
body_bytes(size_t len)
{
	char *b;
	uint32_t x = 2463534242u;
	size_t i;

	assert_non_null(b = malloc(len));
	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		b[i] = (char)x;
	}
	return b;
}

/* A pooled connection to the cut origin, which drops the next request. */
static void
warm_cut(void)
{
	char u[128];
	struct run q;

	run(&q, "GET", url(u, sizeof(u), &cut, "/echo"), NULL, 0);
	assert_int_equal(q.f.status, 200);
	done(&q);
}

/* The client got the echo of body (len bytes) whole, on one try. */
static void
assert_echoed(const struct run *q, const char *body, size_t len)
{
	char want[64];

	assert_int_equal(q->f.status, 200);
	assert_int_equal(q->f.bytes_up, (int64_t)len);
	assert_int_equal(q->x.in_pos, len);
	snprintf(want, sizeof(want), "\r\nX-Body-Length: %zu\r\n", len);
	assert_non_null(strstr(q->x.out, want));
	assert_true(q->x.out_len > len);
	assert_memory_equal(q->x.out + q->x.out_len - len, body, len);
}

/*
 * No copy of a body left behind: no name in spool_dir, no descriptor on
 * a file there but the worker's, and that one empty.
 */
static void
assert_no_spool(void)
{
	struct stat st;

	assert_int_equal(spool_names(), 0);
	assert_int_equal(spool_fds(), up->spool_fd == -1 ? 0 : 1);
	if (up->spool_fd != -1) {
		assert_int_equal(fstat(up->spool_fd, &st), 0);
		assert_int_equal(st.st_size, 0);
		assert_int_equal(st.st_blocks, 0);
		assert_int_equal(st.st_mode & 07777, 0600);
		assert_int_equal(st.st_nlink, 0);
	}
}

/*
 * The origin drops the next request on a kept connection: a small body
 * (read whole first) and a larger one (streamed, its copy past memory
 * in the spool) are sent again whole on a new connection, and the copy
 * is gone with the request.
 */
static void
test_replay_on_dead_connection(void **state)
{
	static const size_t sizes[] = { 200 * 1024, 5 * 1024 * 1024,
	    BODY_REPLAY_MAX + 1 };
	const char small[] = "a small request body";
	char u[128], *big;
	struct run q;
	size_t i;

	(void)state;
	warm_cut();
	run(&q, "POST", url(u, sizeof(u), &cut, "/echo"), small,
	    sizeof(small) - 1);
	assert_echoed(&q, small, sizeof(small) - 1);
	assert_false(q.f.reused);
	assert_non_null(strstr(q.x.out, "\r\nX-Req-Seq: 1\r\n"));
	assert_int_equal(q.f.spooled, 0);
	done(&q);

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		big = body_bytes(sizes[i]);
		warm_cut();
		run(&q, "POST", url(u, sizeof(u), &cut, "/echo"), big,
		    sizes[i]);
		assert_echoed(&q, big, sizes[i]);
		/* sent on the pooled connection, dropped, sent again */
		assert_false(q.f.reused);
		assert_int_equal(q.f.conns_opened, 1);
		assert_non_null(strstr(q.x.out, "\r\nX-Req-Seq: 1\r\n"));
		assert_int_equal(q.f.spooled,
		    (int64_t)sizes[i] - BODY_REPLAY_MAX);
		assert_false(q.f.spool_failed);
		assert_no_spool();
		done(&q);
		free(big);
	}
}

/*
 * POST body (len bytes) to the plain origin and to the cut one, whose
 * pooled connection drops it: logged into log.  The plain origin gets
 * the body whole, streamed; the cut one cannot be sent it again, and
 * that is our own 502, never a part of the body sent.
 */
static void
post_without_copy(const char *body, size_t len, char *log, size_t size)
{
	char u[128];
	struct run q;

	run(&q, "POST", url(u, sizeof(u), &plain, "/echo"), body, len);
	assert_echoed(&q, body, len);
	assert_no_spool();
	done(&q);
	fail_after = 0;
	warm_cut();
	log_set_level(LOG_LEVEL_WARN);
	capture_start();
	run(&q, "POST", url(u, sizeof(u), &cut, "/echo"), body, len);
	capture_end(log, size);
	log_set_level(LOG_LEVEL_ERROR);
	assert_int_equal(q.f.status, 502);
	assert_string_equal(q.f.reason,
	    "upstream connection lost, request body cannot be resent");
	assert_true(strncmp(q.x.out, "Status: 502 Bad Gateway\r\n", 25) == 0);
	assert_non_null(strstr(log,
	    "cannot be sent again on a new upstream connection"));
	assert_no_spool();
	done(&q);
}

/* [server] temp_dir empty: no copy past memory, as asked. */
static void
test_replay_no_temp_dir(void **state)
{
	char log[4096], *dir = cfg.temp_dir, *big = body_bytes(200 * 1024);
	struct run q;
	char u[128];

	(void)state;
	cfg.temp_dir = NULL;
	post_without_copy(big, 200 * 1024, log, sizeof(log));
	/* the choice of the configuration, not a failure */
	assert_null(strstr(log, "cannot keep a copy"));
	run(&q, "POST", url(u, sizeof(u), &plain, "/echo"), big, 200 * 1024);
	assert_int_equal(q.f.spooled, 0);
	assert_false(q.f.spool_failed);
	done(&q);
	cfg.temp_dir = dir;
	free(big);
}

/*
 * A worker whose spool file cannot be made (temp_dir gone since start):
 * the body streams, without a copy.
 */
static void
test_replay_temp_dir_gone(void **state)
{
	char log[4096], *dir = cfg.temp_dir, *big = body_bytes(100 * 1024);

	(void)state;
	if (up->spool_fd != -1)
		close(up->spool_fd);
	up->spool_fd = -1;
	cfg.temp_dir = (char *)"/nonexistent/extproxy-spool";
	post_without_copy(big, 100 * 1024, log, sizeof(log));
	assert_non_null(strstr(log, "cannot keep a copy of a request body in "
	    "[server] temp_dir (creating a file: No such file or directory)"));
	cfg.temp_dir = dir;
	free(big);
}

/*
 * Writing the copy fails (a full disk, an I/O error, at the first byte
 * or after some): the body streams on whole, never cut; on a dead
 * connection, a 502.  The failure is logged and counted.
 */
static void
test_replay_write_fails(void **state)
{
	static const struct {
		int	err;
		int64_t	after;
		const char *says;
	} cases[] = {
		{ ENOSPC, 0, "(writing: No space left on device)" },
		{ ENOSPC, 70000, "(writing: No space left on device)" },
		{ EIO, 4096, "(writing: Input/output error)" },
	};
	char log[4096], u[128], *big = body_bytes(300 * 1024);
	struct run q;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fail_errno = cases[i].err;
		fail_after = cases[i].after;
		run(&q, "POST", url(u, sizeof(u), &plain, "/echo"), big,
		    300 * 1024);
		assert_echoed(&q, big, 300 * 1024);
		assert_true(q.f.spool_failed);
		assert_true(q.f.spooled <= cases[i].after);
		assert_no_spool();
		done(&q);
		fail_after = cases[i].after;
		post_without_copy(big, 300 * 1024, log, sizeof(log));
		assert_non_null(strstr(log, cases[i].says));
		fail_none();
	}
	free(big);
}

/* The copy cannot be read back: the transfer ends, the body not cut. */
static void
test_replay_read_fails(void **state)
{
	char log[4096], u[128], *big = body_bytes(200 * 1024);
	struct run q;

	(void)state;
	warm_cut();
	fail_errno = EIO;
	fail_reads = true;
	log_set_level(LOG_LEVEL_WARN);
	capture_start();
	run(&q, "POST", url(u, sizeof(u), &cut, "/echo"), big, 200 * 1024);
	capture_end(log, sizeof(log));
	log_set_level(LOG_LEVEL_ERROR);
	fail_none();
	assert_int_equal(q.f.status, 502);
	assert_string_equal(q.f.reason,
	    "upstream connection lost, request body cannot be resent");
	assert_non_null(strstr(log, "cannot read a request body's copy back "
	    "from [server] temp_dir: Input/output error"));
	assert_no_spool();
	done(&q);
	free(big);
}

/*
 * A libcurl that refuses an option extproxy relies on (the protocols it
 * may speak, its own redirect following off, no proxy from the
 * environment, TLS verification, the address checks...) stops start-up,
 * with a log line that names the option.
 */
static void
test_refused_option_stops_start(void **state)
{
	static const struct {
		CURLoption	 opt;
		const char	*name;
	} opts[] = {
		{ CURLOPT_PROTOCOLS_STR, "CURLOPT_PROTOCOLS_STR" },
		{ CURLOPT_REDIR_PROTOCOLS_STR, "CURLOPT_REDIR_PROTOCOLS_STR" },
		{ CURLOPT_FOLLOWLOCATION, "CURLOPT_FOLLOWLOCATION" },
		{ CURLOPT_PROXY, "CURLOPT_PROXY" },
		{ CURLOPT_SSL_VERIFYPEER, "CURLOPT_SSL_VERIFYPEER" },
		{ CURLOPT_SSL_VERIFYHOST, "CURLOPT_SSL_VERIFYHOST" },
		{ CURLOPT_OPENSOCKETFUNCTION, "CURLOPT_OPENSOCKETFUNCTION" },
		{ CURLOPT_PREREQFUNCTION, "CURLOPT_PREREQFUNCTION" },
		{ CURLOPT_NOSIGNAL, "CURLOPT_NOSIGNAL" },
		{ CURLOPT_RESOLVE, "CURLOPT_RESOLVE" },
		{ CURLOPT_SEEKDATA, "CURLOPT_SEEKDATA" },
	};
	char log[4096], want[128];
	struct upstream *u;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		refuse(opts[i].opt);
		capture_start();
		u = upstream_new(&cfg, share);
		capture_end(log, sizeof(log));
		refuse_none(NULL);
		upstream_free(u);
		assert_null(u);
		snprintf(want, sizeof(want), "libcurl refused %s: ",
		    opts[i].name);
		assert_non_null(strstr(log, want));
		assert_non_null(strstr(log,
		    "cannot set up the upstream client"));
	}
	assert_non_null(u = upstream_new(&cfg, share));
	upstream_free(u);
}

/*
 * A setting of a reloaded configuration that libcurl refuses fails the
 * requests with 500, never runs them on the old settings, until it is
 * taken.
 */
static void
test_refused_option_on_reload(void **state)
{
	char u[128], log[4096];
	struct run q;

	(void)state;
	refuse(CURLOPT_SSL_VERIFYPEER);
	capture_start();
	upstream_use(up, &cfg, 2, 1);
	capture_end(log, sizeof(log));
	assert_non_null(strstr(log,
	    "libcurl refused CURLOPT_SSL_VERIFYPEER: "));
	run(&q, "GET", url(u, sizeof(u), &plain, "/bytes/10"), NULL, 0);
	assert_int_equal(q.f.status, 500);
	assert_string_equal(q.f.reason,
	    "upstream request could not be set up");
	assert_true(strncmp(q.x.out,
	    "Status: 500 Internal Server Error\r\n", 35) == 0);
	done(&q);

	refuse_none(NULL);
	upstream_use(up, &cfg, 2, 1);
	run(&q, "GET", url(u, sizeof(u), &plain, "/bytes/10"), NULL, 0);
	assert_int_equal(q.f.status, 200);
	assert_int_equal(q.f.bytes_down, 10);
	done(&q);
}

/* A request option refused: that request fails with 500, unsent. */
static void
test_refused_request_option(void **state)
{
	char u[128], log[4096];
	struct run q;

	(void)state;
	refuse(CURLOPT_CUSTOMREQUEST);
	capture_start();
	run(&q, "PUT", url(u, sizeof(u), &plain, "/echo"), "x", 1);
	capture_end(log, sizeof(log));
	refuse_none(NULL);
	assert_int_equal(q.f.status, 500);
	assert_int_equal(q.f.bytes_up, 0);
	assert_non_null(strstr(log,
	    "libcurl refused CURLOPT_CUSTOMREQUEST: "));
	done(&q);
}

/* The next hop's method and body after a followed redirect. */
static void
test_redirect_method(void **state)
{
	static const struct {
		enum method	m;
		long		code;
		enum method	want;
		bool		body;
	} cases[] = {
		{ METHOD_POST, 301, METHOD_GET, false },
		{ METHOD_POST, 302, METHOD_GET, false },
		{ METHOD_POST, 303, METHOD_GET, false },
		{ METHOD_POST, 307, METHOD_POST, true },
		{ METHOD_POST, 308, METHOD_POST, true },
		{ METHOD_PUT, 302, METHOD_PUT, true },
		{ METHOD_PUT, 303, METHOD_GET, false },
		{ METHOD_HEAD, 303, METHOD_HEAD, true },
		{ METHOD_GET, 301, METHOD_GET, true },
	};
	size_t i;
	bool body;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		body = true;
		assert_int_equal(redirect_method(cases[i].m, cases[i].code,
		    &body), cases[i].want);
		assert_int_equal(body, cases[i].body);
	}
	assert_true(redirect_code(307));
	assert_false(redirect_code(304));
	assert_false(redirect_code(300));
}

/* The client's credentials never go to another origin. */
static void
test_redirect_headers(void **state)
{
	static const char *const in[] = {
		"Authorization: Basic eDp5", "X-A: 1", "cookie: a=b",
		"Cookie;", "Authorization-Extra: kept", "Expect:",
	};
	struct curl_slist *l = NULL, *out, *p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		assert_non_null(l = curl_slist_append(l, in[i]));
	out = redirect_headers(l);
	p = out;
	assert_string_equal(p->data, "X-A: 1");
	assert_string_equal((p = p->next)->data, "Authorization-Extra: kept");
	assert_string_equal((p = p->next)->data, "Expect:");
	assert_null(p->next);
	curl_slist_free_all(out);
	curl_slist_free_all(l);
}

/* Every failure kind answers with an error status and a reason. */
static void
test_failure_rows(void **state)
{
	const struct failure *o;
	int k;

	(void)state;
	assert_null(failure_of(FAIL_NONE));
	assert_null(failure_of(FAIL_COUNT));
	for (k = FAIL_NONE + 1; k < FAIL_COUNT; k++) {
		assert_non_null(o = failure_of((enum fail)k));
		assert_true(o->status >= 400 && o->status <= 599);
		assert_non_null(o->reason);
	}
	o = failure_of(FAIL_TIMEOUT_IDLE);
	assert_int_equal(o->status, 504);
	assert_int_equal(o->timeout, TIMEOUT_IDLE);
	o = failure_of(FAIL_ADDRESS);
	assert_int_equal(o->status, 403);
	assert_int_equal(o->deny, DENY_ADDRESS);
}

/* ---- set-up ---- */

static int
setup(void **state)
{
	char ini[] = "/tmp/extproxy-transfer.XXXXXX";
	struct config_errors e = { 0 };
	FILE *f;
	int fd, rc;

	(void)state;
	log_set_level(LOG_LEVEL_ERROR);
	if (origin_start(&plain, NULL) == -1 || origin_start(&cut, "1") == -1)
		return -1;
	if ((fd = mkstemp(ini)) == -1 || (f = fdopen(fd, "w")) == NULL)
		return -1;
	fprintf(f, "[allow]\nurls = http://127.0.0.1:%ld, "
	    "http://127.0.0.1:%ld\n"
	    "[timeouts]\nconnect = 2s\nresponse_header = 5s\nidle = 5s\n"
	    "[network]\nallow = 127.0.0.0/8\n[headers]\nno_cache = off\n",
	    plain.port, cut.port);
	fclose(f);
	rc = config_load(ini, &cfg, &e);
	unlink(ini);
	config_errors_free(&e);
	if (rc == -1 || mkdtemp(spool_dir) == NULL)
		return -1;
	free(cfg.temp_dir);
	if ((cfg.temp_dir = strdup(spool_dir)) == NULL ||
	    (share = share_new()) == NULL ||
	    (up = upstream_new(&cfg, share)) == NULL)
		return -1;
	upstream_use(up, &cfg, 1, 1);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	upstream_free(up);
	share_free(share);
	config_free(&cfg);
	rmdir(spool_dir);
	origin_stop(&plain);
	origin_stop(&cut);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_relay_200),
		cmocka_unit_test(test_passthrough_location),
		cmocka_unit_test(test_follow),
		cmocka_unit_test(test_follow_not_allowed),
		cmocka_unit_test(test_block),
		cmocka_unit_test(test_response_header_timeout),
		cmocka_unit_test(test_body_cut),
		cmocka_unit_test(test_retry_every_time),
		cmocka_unit_test_teardown(test_renew_refused, refuse_none),
		cmocka_unit_test(test_replay_on_dead_connection),
		cmocka_unit_test(test_replay_no_temp_dir),
		cmocka_unit_test(test_replay_temp_dir_gone),
		cmocka_unit_test(test_replay_write_fails),
		cmocka_unit_test(test_replay_read_fails),
		cmocka_unit_test_teardown(test_refused_option_stops_start,
		    refuse_none),
		cmocka_unit_test_teardown(test_refused_option_on_reload,
		    refuse_none),
		cmocka_unit_test_teardown(test_refused_request_option,
		    refuse_none),
		cmocka_unit_test(test_redirect_method),
		cmocka_unit_test(test_redirect_headers),
		cmocka_unit_test(test_failure_rows),
	};
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmocka_run_group_tests(tests, setup, teardown);
	curl_global_cleanup();
	return rc;
}
