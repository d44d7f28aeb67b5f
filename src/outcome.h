/* SPDX-License-Identifier: ISC */
/*
 * outcome: how a request ended, in the few kinds the access log and the
 * metrics name: why extproxy refused it (a denial), and which deadline
 * cut it short; and, for each reason extproxy ends a transfer itself,
 * the status, reason text and kinds it answers with.  Names and reasons
 * are fixed text, never request data.
 */
#ifndef EXTPROXY_OUTCOME_H
#define EXTPROXY_OUTCOME_H

enum deny {
	DENY_NONE,
	DENY_REQUEST,		/* malformed request: method, length, header */
	DENY_TARGET,		/* Proxy-To missing or not a valid target */
	DENY_METHOD,		/* method not relayed (405) */
	DENY_ALLOWLIST,		/* target not on [allow] urls */
	DENY_ADDRESS,		/* address policy ([network]) */
	DENY_REQUEST_SIZE,	/* over max_request_body (413) */
	DENY_RESPONSE_SIZE,	/* over max_response_body */
	DENY_REDIRECT,		/* redirect refused in block mode */
	DENY_BUSY,		/* no worker free within queue_timeout (503) */
	DENY_UPSTREAM_BUSY,	/* its origin at max_per_host (503) */
	DENY_COUNT
};

enum timeout_kind {
	TIMEOUT_NONE,
	TIMEOUT_CONNECT,
	TIMEOUT_RESPONSE_HEADER,
	TIMEOUT_IDLE,
	TIMEOUT_TOTAL,
	TIMEOUT_COUNT
};

/* Why extproxy ended a transfer itself. */
enum fail {
	FAIL_NONE,
	FAIL_CLIENT_GONE,	/* the client went away */
	FAIL_CLIENT_BODY,	/* the request body ended short */
	FAIL_TIMEOUT_BODY,	/* reading the request body passed total */
	FAIL_TOO_BIG,		/* declared response over max_response_body */
	FAIL_TOO_BIG_STREAM,	/* streamed response over max_response_body */
	FAIL_BAD_HEADERS,	/* malformed or oversized response head */
	FAIL_BAD_LENGTH,	/* ambiguous Content-Length */
	FAIL_REDIRECT_BLOCKED,	/* a redirect in block mode */
	FAIL_TIMEOUT_HEADER,	/* [timeouts] response_header */
	FAIL_TIMEOUT_IDLE,	/* [timeouts] idle */
	FAIL_TIMEOUT_TOTAL,	/* [timeouts] total */
	FAIL_NO_REPLAY,		/* a streamed body needed again */
	FAIL_ADDRESS,		/* a peer the address policy refuses */
	FAIL_SETUP,		/* libcurl refused a setting */
	FAIL_COUNT
};

/* What the client is told when a transfer ended for one reason. */
struct failure {
	int			 status;	/* 499: nothing, it is gone */
	const char		*reason;	/* for the body and the log */
	enum deny		 deny;		/* or DENY_NONE */
	enum timeout_kind	 timeout;	/* or TIMEOUT_NONE */
};

/* The row of f; NULL for FAIL_NONE. */
const struct failure	*failure_of(enum fail f);
/* "allowlist", "address", ...; NULL for DENY_NONE. */
const char	*deny_name(enum deny d);
/* "connect", "response_header", ...; NULL for TIMEOUT_NONE. */
const char	*timeout_name(enum timeout_kind t);

#endif
