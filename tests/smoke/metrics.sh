#!/bin/bash
# SPDX-License-Identifier: ISC
# [metrics] path: a known mix of requests gives exact counters in the
# Prometheus text format, checked against the test origin's own count of
# connections; the endpoint works behind lighttpd (SCRIPT_NAME +
# PATH_INFO), and only for a GET without Proxy-To on that exact path.

. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/lighttpd.sh"

require_cmd cgi-fcgi
require_cmd lighttpd
require_cmd curl

start_upstream UP
DEAD_PORT=$(free_port)
UP=http://127.0.0.1:$UP_PORT
SOCK=$T/ep.sock

WORKERS=1 write_config "$T/ep.ini"
printf '[metrics]\npath = /externalproxy/metrics\n' >>"$T/ep.ini"
"$EXTPROXY" -c "$T/ep.ini" -l "$SOCK" 2>"$T/extproxy.log" &
PIDS="$PIDS $!"
wait_for test -S "$SOCK" || die "extproxy did not start"

# fcgi METHOD TARGET [VAR=value...]: one request through cgi-fcgi, the
# response in $T/out.
fcgi() {
	local m=$1 target=$2
	shift 2
	env -i REQUEST_METHOD="$m" SCRIPT_NAME=/externalproxy \
	    SERVER_PROTOCOL=HTTP/1.1 HTTP_PROXY_TO="$target" "$@" \
	    cgi-fcgi -bind -connect "$SOCK" >"$T/out" 2>/dev/null
}

# scrape [VAR=value...]: GET the metrics path into $T/metrics.
scrape() {
	env -i REQUEST_METHOD=GET SCRIPT_NAME=/externalproxy \
	    PATH_INFO=/metrics "$@" \
	    cgi-fcgi -bind -connect "$SOCK" >"$T/metrics" 2>/dev/null
}

# metric LINE-PREFIX: the value of that sample in $T/metrics.
metric() {
	tr -d '\r' <"$T/metrics" | awk -v k="$1" '$1 == k { print $2 }'
}

scrape
check "metrics: status 200" grep -q '^Status: 200' "$T/metrics"
check "metrics: Prometheus text content type" \
    grep -qi '^Content-Type: text/plain; version=0.0.4' "$T/metrics"
check "metrics: not cached" grep -qi '^Cache-Control: no-cache' "$T/metrics"
check "metrics: all counters start at 0" \
    is "$(metric 'extproxy_request_duration_seconds_count')" 0
check "metrics: build info names the version and libcurl" \
    grep -Eq '^extproxy_build_info\{version="[0-9.]+",libcurl="[0-9.]+",libfcgi="[^"]+"\} 1' "$T/metrics"
check "metrics: every sample line is NAME{labels} VALUE" \
    not grep -Ev '^(# (HELP|TYPE) .*|[a-z_]+(\{[a-z]+="[^"]*"(,[a-z]+="[^"]*")*\})? [0-9.e+]+|Status: .*|[A-Za-z-]+: .*|)$' \
    <(tr -d '\r' <"$T/metrics")

conns0=$(conns "$UP_PORT")

# the known mix
fcgi GET "$UP/bytes/1000"				# GET 2xx, opens
fcgi GET "$UP/bytes/2000"				# GET 2xx, reused
fcgi GET "$UP/bytes/3000"				# GET 2xx, reused
fcgi HEAD "$UP/bytes/1000"				# HEAD 2xx, reused, 0 bytes
printf 'hello' | env -i REQUEST_METHOD=POST SCRIPT_NAME=/externalproxy \
    CONTENT_LENGTH=5 HTTP_PROXY_TO="$UP/bytes/500" \
    cgi-fcgi -bind -connect "$SOCK" >/dev/null 2>&1	# POST 2xx, 5 in, 500 out
fcgi GET "$UP/status/404"				# GET 4xx, 11 bytes out
fcgi GET "http://127.0.0.1:2/"				# denial: allowlist
fcgi PROPFIND "$UP/echo"				# denial: method (other 4xx)
fcgi PUT "$UP/echo" CONTENT_LENGTH=2000000		# denial: request_size
fcgi GET ""						# denial: target (no Proxy-To)
fcgi GET "$UP/sleep/3000"				# timeout: response_header
fcgi GET "http://127.0.0.1:$DEAD_PORT/"			# 502, connect refused
fcgi GET "$UP/bytes/1"					# GET 2xx, opens again
# not scrapes: a Proxy-To, another path, another method
fcgi GET "$UP/bytes/1" PATH_INFO=/metrics		# GET 2xx (a relay), reused
env -i REQUEST_METHOD=GET SCRIPT_NAME=/externalproxy PATH_INFO=/metricsx \
    cgi-fcgi -bind -connect "$SOCK" >"$T/notm" 2>/dev/null	# denial: target
check "a longer path is not the metrics path" grep -q '^Status: 400' "$T/notm"
env -i REQUEST_METHOD=POST SCRIPT_NAME=/externalproxy PATH_INFO=/metrics \
    CONTENT_LENGTH=0 cgi-fcgi -bind -connect "$SOCK" >"$T/notm" 2>/dev/null	# denial: target
check "a POST to the metrics path is not a scrape" grep -q '^Status: 400' "$T/notm"

conns1=$(conns "$UP_PORT")
scrape
check "a scrape is not counted as a request" \
    is "$(metric 'extproxy_request_duration_seconds_count')" 16
scrape
# the counters, exactly
check "GET 2xx" is "$(metric 'extproxy_requests_total{method="GET",class="2xx"}')" 5
check "HEAD 2xx" is "$(metric 'extproxy_requests_total{method="HEAD",class="2xx"}')" 1
check "POST 2xx" is "$(metric 'extproxy_requests_total{method="POST",class="2xx"}')" 1
check "GET 4xx (404, 403, 400 x2)" is "$(metric 'extproxy_requests_total{method="GET",class="4xx"}')" 4
check "POST 4xx" is "$(metric 'extproxy_requests_total{method="POST",class="4xx"}')" 1
check "PUT 4xx (413)" is "$(metric 'extproxy_requests_total{method="PUT",class="4xx"}')" 1
check "other 4xx (405)" is "$(metric 'extproxy_requests_total{method="other",class="4xx"}')" 1
check "GET 5xx (504, 502)" is "$(metric 'extproxy_requests_total{method="GET",class="5xx"}')" 2
check "no 3xx" is "$(metric 'extproxy_requests_total{method="GET",class="3xx"}')" 0
check "denials: allowlist" is "$(metric 'extproxy_denials_total{reason="allowlist"}')" 1
check "denials: method" is "$(metric 'extproxy_denials_total{reason="method"}')" 1
check "denials: request_size" is "$(metric 'extproxy_denials_total{reason="request_size"}')" 1
check "denials: target" is "$(metric 'extproxy_denials_total{reason="target"}')" 3
check "denials: address" is "$(metric 'extproxy_denials_total{reason="address"}')" 0
check "timeouts: response_header" is "$(metric 'extproxy_timeouts_total{kind="response_header"}')" 1
check "timeouts: connect" is "$(metric 'extproxy_timeouts_total{kind="connect"}')" 0
check "timeouts: idle" is "$(metric 'extproxy_timeouts_total{kind="idle"}')" 0
check "bytes in" is "$(metric extproxy_request_body_bytes_total)" 5
check "bytes out" is "$(metric extproxy_response_body_bytes_total)" \
    $((1000 + 2000 + 3000 + 500 + 11 + 1 + 1))
opened=$(metric 'extproxy_upstream_connections_total{result="opened"}')
check "connections opened match what the origin accepted" \
    is "$opened" $((conns1 - conns0 - 1))
check "connections opened: after the start and after the timeout" is "$opened" 2
check "connections reused" \
    is "$(metric 'extproxy_upstream_connections_total{result="reused"}')" 6
check "histogram count is every request" \
    is "$(metric 'extproxy_request_duration_seconds_bucket{le="+Inf"}')" 16
# (over 0.5s, not "over 1s": the 1s deadline counts whole milliseconds,
# so the measured duration may end a fraction of one short of 1s)
check "the timed-out request is over 0.5s" \
    is "$(metric 'extproxy_request_duration_seconds_bucket{le="0.5"}')" 15
check "... and under 2.5s" \
    is "$(metric 'extproxy_request_duration_seconds_bucket{le="2.5"}')" 16
check "duration sum holds the 1s timeout" \
    awk -v s="$(metric extproxy_request_duration_seconds_sum)" 'BEGIN { exit !(s >= 1 && s < 10) }'

# behind lighttpd: /externalproxy/metrics is SCRIPT_NAME + PATH_INFO
WEB_PORT=$(free_port)
lighttpd_socket_conf "$T/extproxy-lighttpd.conf" "$SOCK"
lighttpd_conf "$T/lighttpd.conf" "$T/extproxy-lighttpd.conf"
start_lighttpd "$T/lighttpd.conf"
s=$(curl -s -o "$T/lm" -w '%{http_code} %{content_type}' \
    "http://127.0.0.1:$WEB_PORT/externalproxy/metrics?x=1")
check "lighttpd: the metrics path answers (query ignored)" \
    is "$s" "200 text/plain; version=0.0.4; charset=utf-8"
check "lighttpd: ... with the counters" \
    grep -q '^extproxy_request_duration_seconds_count 16$' "$T/lm"
s=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$WEB_PORT/externalproxy")
check "lighttpd: the mount point without Proxy-To is still a 400" is "$s" 400

# no [metrics] path: no endpoint
stop_all
WORKERS=1 write_config "$T/ep.ini"
"$EXTPROXY" -c "$T/ep.ini" -l "$SOCK" 2>"$T/extproxy2.log" &
PIDS="$PIDS $!"
wait_for test -S "$SOCK" || die "extproxy did not start"
scrape
check "without [metrics] path there is no endpoint" grep -q '^Status: 400' "$T/metrics"

finish
