/* SPDX-License-Identifier: ISC */
/*
 * access: format access log lines.
 */
#include "autoconf.h"

#include "access.h"
#include "http.h"
#include "json.h"
#include "outbuf.h"

#include <stdio.h>
#include <string.h>

#define METHOD_MAX	32

/* A client's method, reduced to at most METHOD_MAX token characters. */
static void
clean_method(char *out, const char *m)
{
	size_t i;

	if (m == NULL || *m == '\0') {
		strcpy(out, "-");
		return;
	}
	for (i = 0; m[i] != '\0' && i < METHOD_MAX; i++)
		out[i] = http_tchar((unsigned char)m[i]) ? m[i] : '_';
	out[i] = '\0';
}

static void
rfc3339(char *out, size_t size, const struct timespec *ts)
{
	struct tm tm;
	time_t t = ts->tv_sec;
	int ms = (int)(ts->tv_nsec / 1000000);

	if (gmtime_r(&t, &tm) == NULL) {
		snprintf(out, size, "-");
		return;
	}
	if (ms < 0 || ms > 999)
		ms = 0;
	snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, ms);
}

static void
put_json_string(struct outbuf *o, const char *key, const char *val)
{
	char esc[2 * 1024];

	json_escape(esc, sizeof(esc), val);
	outbuf_put(o, ",\"%s\":\"%s\"", key, esc);
}

size_t
access_format(char *buf, size_t size, const struct access_entry *e,
    enum log_format format)
{
	struct outbuf o = { buf, size, 0, false };
	char when[96], method[METHOD_MAX + 1];
	const char *target = e->target != NULL ? e->target : "-";
	const char *deny = deny_name(e->deny);
	const char *timeout = timeout_name(e->timeout);

	if (size == 0)
		return 0;
	buf[0] = '\0';
	rfc3339(when, sizeof(when), &e->start);
	clean_method(method, e->method);
	if (format == LOG_FORMAT_TEXT) {
		outbuf_put(&o, "time=%s method=%s target=%s status=%d in=%lld out=%lld "
		    "ms=%.1f reused=%s aborted=%s", when, method, target,
		    e->status, (long long)e->bytes_in, (long long)e->bytes_out,
		    e->ms, e->reused ? "yes" : "no", e->aborted ? "yes" : "no");
		if (deny != NULL)
			outbuf_put(&o, " deny=%s", deny);
		if (timeout != NULL)
			outbuf_put(&o, " timeout=%s", timeout);
		/* reasons are extproxy's own fixed text, without quotes */
		if (e->reason != NULL)
			outbuf_put(&o, " reason=\"%s\"", e->reason);
		return o.len;
	}
	o.size = size - 1;	/* room for the closing brace */
	outbuf_put(&o, "{\"time\":\"%s\"", when);
	put_json_string(&o, "method", method);
	put_json_string(&o, "target", target);
	outbuf_put(&o, ",\"status\":%d,\"bytes_in\":%lld,\"bytes_out\":%lld,"
	    "\"duration_ms\":%.1f,\"reused\":%s,\"aborted\":%s", e->status,
	    (long long)e->bytes_in, (long long)e->bytes_out, e->ms,
	    e->reused ? "true" : "false", e->aborted ? "true" : "false");
	if (deny != NULL)
		put_json_string(&o, "deny", deny);
	if (timeout != NULL)
		put_json_string(&o, "timeout", timeout);
	if (e->reason != NULL)
		put_json_string(&o, "reason", e->reason);
	buf[o.len++] = '}';
	buf[o.len] = '\0';
	return o.len;
}

void
access_target(char *buf, size_t size, const char *scheme, const char *host,
    long port, const char *path, bool has_query, bool full_url)
{
	if (scheme == NULL || host == NULL)
		snprintf(buf, size, "-");
	else if (!full_url || path == NULL)
		snprintf(buf, size, "%s://%s:%ld", scheme, host, port);
	else
		snprintf(buf, size, "%s://%s:%ld%s%s", scheme, host, port, path,
		    has_query ? "?REDACTED" : "");
}
