/*
 * outcome: the names of denials and timeouts.
 */
#include <config.h>

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
};

static const char *const timeout_names[TIMEOUT_COUNT] = {
	[TIMEOUT_NONE] = NULL,
	[TIMEOUT_CONNECT] = "connect",
	[TIMEOUT_RESPONSE_HEADER] = "response_header",
	[TIMEOUT_IDLE] = "idle",
	[TIMEOUT_TOTAL] = "total",
};

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
