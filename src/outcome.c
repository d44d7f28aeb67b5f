/* SPDX-License-Identifier: ISC */
/*
 * outcome: the names of denials and timeouts, and what each reason for
 * ending a transfer answers with.
 */
#include "autoconf.h"

#include "outcome.h"

#include <stddef.h>

static const char *const deny_names[DENY_COUNT] = {
	[DENY_NONE] = NULL,
	[DENY_REQUEST] = "request",
	[DENY_TARGET] = "target",
	[DENY_METHOD] = "method",
	[DENY_ALLOWLIST] = "allowlist",
	[DENY_ADDRESS] = "address",
	[DENY_REQUEST_SIZE] = "request_size",
	[DENY_RESPONSE_SIZE] = "response_size",
	[DENY_REDIRECT] = "redirect",
	[DENY_BUSY] = "busy",
	[DENY_UPSTREAM_BUSY] = "upstream_busy",
};

static const char *const timeout_names[TIMEOUT_COUNT] = {
	[TIMEOUT_NONE] = NULL,
	[TIMEOUT_CONNECT] = "connect",
	[TIMEOUT_RESPONSE_HEADER] = "response_header",
	[TIMEOUT_IDLE] = "idle",
	[TIMEOUT_TOTAL] = "total",
};

static const struct failure failures[FAIL_COUNT] = {
	[FAIL_CLIENT_GONE] = { 499, "client went away",
	    DENY_NONE, TIMEOUT_NONE },
	[FAIL_CLIENT_BODY] = { 400, "request body incomplete",
	    DENY_NONE, TIMEOUT_NONE },
	[FAIL_TIMEOUT_BODY] = { 408, "request body timeout",
	    DENY_NONE, TIMEOUT_TOTAL },
	[FAIL_TOO_BIG] = { 502, "upstream response too large",
	    DENY_RESPONSE_SIZE, TIMEOUT_NONE },
	[FAIL_TOO_BIG_STREAM] = { 502, "upstream response too large",
	    DENY_RESPONSE_SIZE, TIMEOUT_NONE },
	[FAIL_BAD_HEADERS] = { 502, "upstream sent a malformed response",
	    DENY_NONE, TIMEOUT_NONE },
	[FAIL_BAD_LENGTH] = { 502, "upstream sent an ambiguous Content-Length",
	    DENY_NONE, TIMEOUT_NONE },
	[FAIL_REDIRECT_BLOCKED] = { 502, "upstream redirect refused",
	    DENY_REDIRECT, TIMEOUT_NONE },
	[FAIL_TIMEOUT_HEADER] = { 504, "upstream response header timeout",
	    DENY_NONE, TIMEOUT_RESPONSE_HEADER },
	[FAIL_TIMEOUT_IDLE] = { 504, "upstream idle timeout",
	    DENY_NONE, TIMEOUT_IDLE },
	[FAIL_TIMEOUT_TOTAL] = { 504, "upstream total timeout",
	    DENY_NONE, TIMEOUT_TOTAL },
	[FAIL_NO_REPLAY] = { 502,
	    "upstream connection lost, request body cannot be resent",
	    DENY_NONE, TIMEOUT_NONE },
	[FAIL_ADDRESS] = { 403, "target address not allowed",
	    DENY_ADDRESS, TIMEOUT_NONE },
	[FAIL_SETUP] = { 500, "upstream request could not be set up",
	    DENY_NONE, TIMEOUT_NONE },
};

const struct failure *
failure_of(enum fail f)
{
	return f != FAIL_NONE && (unsigned)f < FAIL_COUNT ? &failures[f] :
	    NULL;
}

const char *
deny_name(enum deny d)
{
	return (unsigned)d < DENY_COUNT ? deny_names[d] : NULL;
}

const char *
timeout_name(enum timeout_kind t)
{
	return (unsigned)t < TIMEOUT_COUNT ? timeout_names[t] : NULL;
}
