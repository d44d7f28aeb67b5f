/*
 * outcome: how a request ended, in the few kinds the access log and the
 * metrics name: why extproxy refused it (a denial), and which deadline
 * cut it short.  Names are fixed keywords, never request data.
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

/* "allowlist", "address", ...; NULL for DENY_NONE. */
const char	*deny_name(enum deny d);
/* "connect", "response_header", ...; NULL for TIMEOUT_NONE. */
const char	*timeout_name(enum timeout_kind t);

#endif
