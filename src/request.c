/* SPDX-License-Identifier: ISC */
/*
 * request: method, target and body length out of the request params.
 * A param it reads must come once: with two, whatever checked the
 * request before extproxy may have looked at the other one.
 */
#include "autoconf.h"

#include "request.h"
#include "decimal.h"
#include "http.h"
#include "params.h"
#include "units.h"

#include <string.h>

/*
 * The params extproxy decides on, with the reason a repeated one is
 * refused.  nginx before 1.23 passes each of two Proxy-To headers as a
 * param of its own; a filter in front may have vetted either one.
 */
static const struct {
	const char	*name;
	const char	*why;
} single_params[] = {
	{ "HTTP_PROXY_TO", "more than one Proxy-To header" },
	{ "HTTP_FORWARD_TO", "more than one Forward-To header" },
	{ "REQUEST_METHOD", "more than one REQUEST_METHOD param" },
	{ "CONTENT_LENGTH", "more than one CONTENT_LENGTH param" },
	{ "CONTENT_TYPE", "more than one CONTENT_TYPE param" },
};

int
request_parse(char *const *envp, struct request *r, const char **why)
{
	const char *m, *cl, *ct, *closing;
	size_t i;
	int method;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < sizeof(single_params) / sizeof(single_params[0]); i++)
		if (param_count(envp, single_params[i].name) > 1) {
			*why = single_params[i].why;
			return 400;
		}
	if ((m = param_get(envp, "REQUEST_METHOD")) == NULL) {
		*why = "no request method";
		return 400;
	}
	if ((method = method_lookup(m)) == -1) {
		*why = "method not allowed";
		return 405;
	}
	r->method = (enum method)method;
	r->method_name = method_name(r->method);

	/* Proxy-To, else the legacy Forward-To; an empty one is absent */
	r->target = param_get(envp, "HTTP_PROXY_TO");
	if (r->target == NULL || r->target[0] == '\0')
		r->target = param_get(envp, "HTTP_FORWARD_TO");
	if (r->target != NULL && r->target[0] == '\0')
		r->target = NULL;

	cl = param_get(envp, "CONTENT_LENGTH");
	if (cl != NULL && cl[0] != '\0' &&
	    parse_length(cl, strlen(cl), &r->content_length) == -1) {
		*why = "invalid Content-Length";
		return 400;
	}
	closing = param_get(envp, "EXTPROXY_CLOSE_CLIENT");
	if (closing != NULL && parse_bool(closing, &r->close_client) == -1) {
		*why = "EXTPROXY_CLOSE_CLIENT is not a boolean";
		return 500;
	}
	ct = param_get(envp, "CONTENT_TYPE");
	r->has_content_type = ct != NULL && ct[0] != '\0';
	switch (r->method) {
	case METHOD_POST:
	case METHOD_PUT:
	case METHOD_PATCH:
		r->has_body = true;
		break;
	case METHOD_DELETE:
	case METHOD_OPTIONS:
		r->has_body = r->content_length > 0;
		break;
	case METHOD_GET:
	case METHOD_HEAD:
		if (r->content_length > 0) {
			*why = "a GET or HEAD request must not have a body";
			return 400;
		}
		break;
	}
	return 0;
}
