#!/bin/bash
# SPDX-License-Identifier: ISC
# System calls per proxied request on a kept FastCGI connection, behind
# nginx as etc/nginx-extproxy*.conf ship it, traced with strace: the read
# and write timeouts ([timeouts] idle) are set once per connection, not
# on every request; the worker that answered a request serves the next
# one on the same connection itself, without handing the connection to
# the acceptor's epoll set and back, and cutoff.c's duplicate of it is
# made once, not per request (bench/run --count gives the whole picture).

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
strace -f -e trace=setsockopt,accept4,epoll_ctl,fcntl -o "$T/strace.out" -p "$EP_PID" \
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
# Each request arrives well within the 1 ms a worker waits for it (nginx
# sends it as soon as curl has the last response), so none needs the
# epoll set; a machine loaded enough to miss the wait now and then still
# stays far below the one epoll_ctl() and one duplicate per request the
# code made before, and would make again if the worker did not wait.
e=$(grep -c 'epoll_ctl(.*EPOLL_CTL_\(MOD\|ADD\), [0-9]*, .*= 0' "$T/strace.out")
d=$(grep -c 'fcntl(.*F_DUPFD_CLOEXEC.*= [0-9]' "$T/strace.out")
echo "# ... $e connections put in the epoll set, $d duplicated for cutoff.c"
check "the next request on a kept connection is served by its worker" \
    test "$e" -lt 25
check "cutoff.c duplicates a connection once, not per request" \
    test "$d" -lt 25

finish
