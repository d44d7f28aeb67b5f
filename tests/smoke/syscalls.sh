#!/bin/bash
# SPDX-License-Identifier: ISC
# System calls per proxied request on a kept FastCGI connection, behind
# nginx as etc/nginx-extproxy*.conf ship it, traced with strace: the read
# and write timeouts ([timeouts] idle) are set once per connection, not
# on every request (bench/run --count gives the whole picture).

. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/scenarios.sh"
. "$top_srcdir/tests/deploy.sh"

require_cmd nginx
require_cmd strace
start_origins

EP_PORT=$(free_port)
WORKERS=2 write_config "$INI"
"$EXTPROXY" -c "$INI" -l "127.0.0.1:$EP_PORT" 2>>"$T/extproxy.log" &
EP_PID=$!
PIDS="$PIDS $EP_PID"
wait_for sh -c "ss -Htln 'sport = :$EP_PORT' | grep -q ." ||
    die "extproxy -l did not start"
etc_conf nginx-extproxy-upstream.conf "$T/extproxy-upstream.conf" \
    "127.0.0.1:$EP_PORT"
etc_conf nginx-extproxy.conf "$T/extproxy-location.conf"
nginx_conf "$T/nginx.conf" "$T/extproxy-upstream.conf" \
    "$T/extproxy-location.conf"
start_nginx "$T/nginx.conf"

# requests N: N requests one after another on one client connection
requests() {
	curl -s -o /dev/null -w '%{http_code}\n' -H "Proxy-To: $UP/echo" \
	    "$PROXY_URL?n=[1-$1]" | sort | uniq -c | tr -s ' '
}

check "warm-up requests relayed" is "$(requests 10)" " 10 200"
strace -f -e trace=setsockopt,accept4 -o "$T/strace.out" -p "$EP_PID" \
    2>"$T/strace.log" &
STRACE_PID=$!
wait_for grep -q attached "$T/strace.log" || die "strace did not attach"
sleep 0.5
check "requests relayed while counted" is "$(requests 50)" " 50 200"
kill -INT "$STRACE_PID"
wait "$STRACE_PID"
# (libcurl's own setsockopt calls on a new upstream connection aside)
n=$(grep -c 'SO_RCVTIMEO\|SO_SNDTIMEO' "$T/strace.out")
a=$(grep -c 'accept4(.*= [0-9]' "$T/strace.out")
echo "# extproxy, 50 requests: $n timeouts set, $a connections accepted"
# two (SO_RCVTIMEO, SO_SNDTIMEO) per connection nginx opened, and for
# the one it kept from the warm-up; per request it would be 100
check "timeouts set per connection, not per request" \
    test "$n" -le $((2 * (a + 1)))

finish
