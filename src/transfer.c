/* SPDX-License-Identifier: ISC */
/*
 * transfer: one proxied request's HTTP transfer, on the worker's handle
 * (upstream.h).  The loop in run() drives it with curl_multi_poll() and
 * enforces the response-header, idle and total deadlines itself, to the
 * millisecond; libcurl enforces the connect timeout through its own
 * timers.  The address policy is checked on every address connected to
 * and again on the peer of every transfer, a reused connection's too.
 * The request body is body.c's, the response response.c's.
 */
#include "autoconf.h"

#include "transfer.h"

#include <sys/socket.h>

#include "addr.h"
#include "body.h"
#include "cutoff.h"
#include "log.h"
#include "redirect.h"
#include "reply.h"
#include "response.h"
#include "upstream.h"

/* ---- callbacks ---- */

static curl_socket_t
open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct transfer *t = arg;
	enum addr_verdict v;

	(void)purpose;
	/* a new connection after a pooled one: libcurl retries */
	t->hop.opens++;
	if (t->hop.first_reused)
		t->retried = true;
	v = addr_check(&a->addr, &t->cfg->net_allow, &t->cfg->net_deny);
	if (v != ADDR_OK) {
		t->hop.addr_denied = true;
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
	struct transfer *t = arg;
	enum addr_verdict v;

	(void)local_ip;
	(void)port;
	(void)local_port;
	/* a second request in one hop is libcurl's retry */
	if (t->hop.sends++ == 0)
		t->hop.first_reused = t->hop.opens == 0;
	else
		t->retried = true;
	v = addr_check_str(ip, &t->cfg->net_allow, &t->cfg->net_deny);
	if (v != ADDR_OK) {
		t->hop.fail = FAIL_ADDRESS;
		log_debug("refused to send on a connection: %s",
		    addr_verdict_str(v));
		return CURL_PREREQFUNC_ABORT;
	}
	t->hop.phase = PH_WAIT_HEADERS;
	t->hop.mark_ms = now_ms();
	return CURL_PREREQFUNC_OK;
}

int
transfer_bind(struct upstream *u)
{
	CURL *e = u->easy;
	void *t = &u->t;

	if (!upstream_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket) ||
	    !upstream_setopt(e, CURLOPT_OPENSOCKETDATA, t) ||
	    !upstream_setopt(e, CURLOPT_PREREQFUNCTION, on_prereq) ||
	    !upstream_setopt(e, CURLOPT_PREREQDATA, t) ||
	    !upstream_setopt(e, CURLOPT_HEADERFUNCTION, response_header) ||
	    !upstream_setopt(e, CURLOPT_HEADERDATA, t) ||
	    !upstream_setopt(e, CURLOPT_WRITEFUNCTION, response_body) ||
	    !upstream_setopt(e, CURLOPT_WRITEDATA, t) ||
	    !upstream_setopt(e, CURLOPT_READFUNCTION, body_next) ||
	    !upstream_setopt(e, CURLOPT_READDATA, t) ||
	    !upstream_setopt(e, CURLOPT_SEEKFUNCTION, body_rewind) ||
	    !upstream_setopt(e, CURLOPT_SEEKDATA, t))
		return -1;
	return 0;
}

/* ---- one transfer ---- */

static int
set_method(struct transfer *t)
{
	CURL *e = t->u->easy;
	const char *custom = NULL;

	if (!upstream_setopt(e, CURLOPT_HTTPGET, 1L))
		return -1;
	if (t->send_body) {
		if (!upstream_setopt(e, CURLOPT_POST, 1L) ||
		    !upstream_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)t->f->req->content_length))
			return -1;
		if (t->method != METHOD_POST)
			custom = t->f->req->method_name;
	} else if (t->method == METHOD_HEAD) {
		if (!upstream_setopt(e, CURLOPT_NOBODY, 1L))
			return -1;
	} else if (t->method != METHOD_GET)
		custom = t->method == METHOD_POST ? "POST" :
		    t->f->req->method_name;
	return upstream_setopt(e, CURLOPT_CUSTOMREQUEST, custom) ? 0 : -1;
}

static enum fail
deadline_passed(struct transfer *t, int64_t now, int64_t *wait)
{
	const struct config *cfg = t->cfg;
	int64_t deadline = 0, d;
	enum fail why = FAIL_NONE, w;

	if (t->hop.phase == PH_WAIT_HEADERS && cfg->response_header_ms > 0) {
		deadline = t->hop.mark_ms + cfg->response_header_ms;
		why = FAIL_TIMEOUT_HEADER;
	} else if (t->hop.phase == PH_BODY && cfg->idle_ms > 0) {
		deadline = t->hop.mark_ms + cfg->idle_ms;
		why = FAIL_TIMEOUT_IDLE;
	}
	if (cfg->total_ms > 0) {
		d = t->start_ms + cfg->total_ms;
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
run(struct transfer *t)
{
	struct curl_waitfd wfd;
	CURLcode rc = CURLE_OK;
	CURLMsg *msg;
	int running = 1, left;
	int64_t wait;
	enum fail late;

	curl_multi_add_handle(t->u->multi, t->u->easy);
	for (;;) {
		if (curl_multi_perform(t->u->multi, &running) != CURLM_OK) {
			rc = CURLE_FAILED_INIT;
			break;
		}
		if (running == 0)
			break;
		if ((late = deadline_passed(t, now_ms(), &wait)) != FAIL_NONE) {
			t->hop.fail = late;
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
		if (t->unflushed) {
			t->unflushed = false;
			if (t->f->client->flush(t->f->client) == -1) {
				t->hop.fail = FAIL_CLIENT_GONE;
				rc = CURLE_WRITE_ERROR;
				break;
			}
		}
		wfd.fd = t->watch_fd;
		wfd.events = CURL_WAIT_POLLIN;
		wfd.revents = 0;
		curl_multi_poll(t->u->multi, &wfd, t->watch_fd >= 0 ? 1 : 0,
		    (int)wait, NULL);
		if (t->watch_fd >= 0 && wfd.revents != 0) {
			if (t->f->client->gone(t->f->client)) {
				t->hop.fail = FAIL_CLIENT_GONE;
				rc = CURLE_ABORTED_BY_CALLBACK;
				break;
			}
			/* unexpected data: stop watching */
			t->watch_fd = -1;
		}
	}
	while ((msg = curl_multi_info_read(t->u->multi, &left)) != NULL)
		if (msg->msg == CURLMSG_DONE && running == 0)
			rc = msg->data.result;
	curl_multi_remove_handle(t->u->multi, t->u->easy);
	return rc;
}

/*
 * The status and reason extproxy answers with when the transfer failed:
 * the row of the failure kind, else what the libcurl error says.
 */
static int
failure_status(struct transfer *t, CURLcode rc, const char **why)
{
	struct fetch *f = t->f;
	const struct failure *o;

	if (rc == CURLE_COULDNT_CONNECT && t->hop.fail == FAIL_NONE &&
	    t->hop.addr_denied)
		o = failure_of(FAIL_ADDRESS);
	else
		o = failure_of(t->hop.fail);
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
		if (t->hop.phase == PH_CONNECT)
			f->timeout = TIMEOUT_CONNECT;
		*why = t->hop.phase == PH_CONNECT ? "upstream connect timeout" :
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

/* One hop: the request to f->target, and its response. */
static CURLcode
run_hop(struct transfer *t, struct curl_slist *headers, long *code)
{
	CURL *e = t->u->easy;
	struct fetch *f = t->f;
	CURLcode rc;
	long conns = 0;

	t->hop = (struct hop){ 0 };
	/* a hop not set up as asked is never run */
	if (!upstream_setopt(e, CURLOPT_CURLU, f->target->url) ||
	    !upstream_setopt(e, CURLOPT_HTTPHEADER, headers) ||
	    set_method(t) == -1) {
		t->hop.fail = FAIL_SETUP;
		return CURLE_FAILED_INIT;
	}
	rc = run(t);
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, code);
	curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &conns);
	f->conns_opened += conns;
	f->reused = rc == CURLE_OK && conns == 0;
	return rc;
}

/*
 * Make hop.next the target of the next hop, with the method it takes;
 * the first time it leaves the origin, the headers lose the client's
 * credentials (*own, which the caller frees).
 */
static void
follow(struct transfer *t, long code, struct curl_slist **headers,
    struct curl_slist **own)
{
	struct fetch *f = t->f;

	if (*own == NULL && !redirect_same_origin(f->target, &t->hop.next)) {
		*own = redirect_headers(f->headers);
		*headers = *own;
	}
	target_free(f->target);
	*f->target = t->hop.next;
	t->hops++;
	t->method = redirect_method(t->method, code, &t->send_body);
}

/* The transfer failed: our own answer, or the response cut short. */
static void
answer_failure(struct transfer *t, CURLcode rc)
{
	struct fetch *f = t->f;

	if (!t->hop.headers_done) {
		f->status = failure_status(t, rc, &f->reason);
		if (t->hop.fail != FAIL_CLIENT_GONE)
			reply_error(f->client, f->status, f->reason, NULL);
	} else {
		failure_status(t, rc, &f->reason);
		f->aborted = true;
		f->client->abort(f->client);
	}
}

void
transfer_fetch(struct upstream *u, struct fetch *f)
{
	struct transfer *t = &u->t;
	struct curl_slist *headers = f->headers, *own = NULL;
	CURLcode rc;
	long code = 0;

	*t = (struct transfer){
		.u = u, .room = &u->room, .cfg = u->cfg, .f = f,
		.method = f->req->method, .send_body = f->req->has_body,
		.watch_fd = -1, .start_ms = now_ms(),
	};
	if (u->refused)
		t->hop.fail = FAIL_SETUP;
	if (t->hop.fail != FAIL_NONE || body_start(t) == -1) {
		answer_failure(t, CURLE_OK);
		return;
	}
	for (;;) {
		rc = run_hop(t, headers, &code);
		if (!t->hop.have_next)
			break;
		if (rc != CURLE_OK && t->hop.fail != FAIL_NONE) {
			target_free(&t->hop.next);
			break;
		}
		follow(t, code, &headers, &own);
	}
	if (rc != CURLE_OK || t->hop.fail != FAIL_NONE)
		answer_failure(t, rc);
	/* setting NULL cannot fail */
	curl_easy_setopt(u->easy, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(u->easy, CURLOPT_CURLU, NULL);
	curl_slist_free_all(own);
	if (t->retried)
		upstream_renew(u);
	body_end(t);
}
