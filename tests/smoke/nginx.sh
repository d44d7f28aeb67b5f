#!/bin/bash
# SPDX-License-Identifier: ISC
# nginx with etc/nginx-extproxy-upstream.conf and etc/nginx-extproxy.conf
# (fastcgi_keep_conn on, an upstream keepalive pool, fastcgi_buffering
# off): the shared scenarios, extproxy-smoke and kept FastCGI
# connections through a unix socket (spawn-fcgi -F 2, one worker each)
# and through TCP (extproxy -l, two workers), and Authorization handed
# over when not stripped.  Kept connections: several requests travel
# over one FastCGI connection (FCGI_KEEP_CONN honoured), an idle kept
# connection never holds a worker, and a request whose body was left
# unread does not leave its connection kept.

. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/scenarios.sh"
. "$top_srcdir/tests/deploy.sh"

require_cmd nginx
require_cmd spawn-fcgi
start_origins

# kept_connections LOG: the checks of kept FastCGI connections, against
# the extproxy whose debug log is LOG, before nginx has opened any.
kept_connections() {
	local log=$1 before opened i par s
	before=$(grep -c 'new FastCGI connection' "$log")
	for i in $(seq 1 30); do
		curl -s -o /dev/null -m 10 -H "Proxy-To: $UP/echo" "$PROXY_URL"
	done
	opened=$(( $(grep -c 'new FastCGI connection' "$log") - before ))
	echo "# 30 sequential requests over nginx keep_conn: $opened FastCGI connection(s)"
	check "kept FastCGI connection carries the next requests" \
	    test "$opened" -ge 1 -a "$opened" -le 2

	# Two kept connections idle in nginx's pool must not hold the two
	# workers: three parallel slow requests, then one more, all served.
	par=
	for i in 1 2 3; do
		curl -s -o "$T/par$i" -w '%{http_code}' -m 10 \
		    -H "Proxy-To: $UP/sleep/300" "$PROXY_URL" >"$T/par$i.status" &
		par="$par $!"
	done
	wait $par
	check "parallel requests over kept connections served" \
	    is "$(cat "$T/par1.status" "$T/par2.status" "$T/par3.status")" 200200200
	s=$(curl -s -o /dev/null -w '%{http_code}' -m 5 -H "Proxy-To: $UP/echo" "$PROXY_URL")
	check "a request after the pool filled is served" is "$s" 200

	# A body refused unread (413: larger than max_request_body) must not
	# leave stale stdin on a connection that serves the next request.
	head -c 2000000 /dev/zero >"$T/big"
	s=$(curl -s -o /dev/null -w '%{http_code}' -H "Proxy-To: $UP/echo" \
	    --data-binary @"$T/big" "$PROXY_URL")
	check "oversized body refused" is "$s" 413
	for i in 1 2 3 4; do
		s=$(curl -s -o "$T/body" -w '%{http_code}' -H "Proxy-To: $UP/echo" \
		    --data-binary "n$i" "$PROXY_URL")
		check "request $i after the refused body relayed" is "$s" 200
		check "request $i got its own body echoed" grep -q "n$i" "$T/body"
	done
	check "no FastCGI protocol errors logged" \
	    not grep -qi 'protocol\|unexpected' "$log"
}

etc_conf nginx-extproxy.conf "$T/extproxy-location.conf"
check "the location keeps FastCGI connections and streams" \
    sh -c "grep -q '^[[:space:]]*fastcgi_keep_conn on;' '$T/extproxy-location.conf' &&
        grep -q '^[[:space:]]*fastcgi_buffering off;' '$T/extproxy-location.conf'"
check "the location relays through a 64k buffer" \
    grep -q '^[[:space:]]*fastcgi_buffer_size 64k;' "$T/extproxy-location.conf"

# unix socket: spawn-fcgi, two processes of one worker
echo "# nginx, unix socket, spawn-fcgi -F 2"
WORKERS=1 LOG_LEVEL=debug write_config "$INI"
start_spawn_fcgi 2
check "spawn-fcgi -F 2 started two extproxy processes" \
    is "$(pgrep -c -f "^$EXTPROXY -c $INI")" 2
etc_conf nginx-extproxy-upstream.conf "$T/extproxy-upstream.conf"
nginx_conf "$T/nginx.conf" "$T/extproxy-upstream.conf" "$T/extproxy-location.conf"
start_nginx "$T/nginx.conf"
WORKERS_TOTAL=2
kept_connections "$T/extproxy.log"
run_scenarios
deploy_smoke
stop_pid "$NGINX_PID"
stop_spawned

# TCP: extproxy's own listener, two workers
echo "# nginx, TCP, extproxy -l"
EP_PORT=$(free_port)
WORKERS=2 LOG_LEVEL=debug write_config "$INI"
"$EXTPROXY" -c "$INI" -l "127.0.0.1:$EP_PORT" 2>>"$T/extproxy-tcp.log" &
EP_PID=$!
PIDS="$PIDS $EP_PID"
wait_for sh -c "ss -Htln 'sport = :$EP_PORT' | grep -q ." || die "extproxy -l did not start"
etc_conf nginx-extproxy-upstream.conf "$T/extproxy-upstream-tcp.conf" "127.0.0.1:$EP_PORT"
check "upstream pool on TCP" grep -q "server 127.0.0.1:$EP_PORT;" "$T/extproxy-upstream-tcp.conf"
nginx_conf "$T/nginx-tcp.conf" "$T/extproxy-upstream-tcp.conf" "$T/extproxy-location.conf"
start_nginx "$T/nginx-tcp.conf"
WORKERS_TOTAL=2
kept_connections "$T/extproxy-tcp.log"
run_scenarios
deploy_smoke

stop_pid "$EP_PID"
write_auth_config
"$EXTPROXY" -c "$INI" -l "127.0.0.1:$EP_PORT" 2>>"$T/extproxy-tcp.log" &
PIDS="$PIDS $!"
wait_for sh -c "ss -Htln 'sport = :$EP_PORT' | grep -q ." || die "extproxy -l did not restart"
deploy_authorization_forwarded

finish
