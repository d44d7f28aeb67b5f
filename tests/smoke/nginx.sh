#!/bin/bash
# nginx with etc/nginx-extproxy-upstream.conf and etc/nginx-extproxy.conf
# (fastcgi_keep_conn on, an upstream keepalive pool, fastcgi_buffering
# off): the shared scenarios and extproxy-smoke through a unix socket
# (spawn-fcgi -F 2, one worker each) and through TCP (extproxy -l, two
# workers), and Authorization handed over when not stripped.

. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/scenarios.sh"
. "$top_srcdir/tests/deploy.sh"

require_cmd nginx
require_cmd spawn-fcgi
start_origins

etc_conf nginx-extproxy.conf "$T/extproxy-location.conf"
check "the location keeps FastCGI connections and streams" \
    sh -c "grep -q '^[[:space:]]*fastcgi_keep_conn on;' '$T/extproxy-location.conf' &&
        grep -q '^[[:space:]]*fastcgi_buffering off;' '$T/extproxy-location.conf'"

# unix socket: spawn-fcgi, two processes of one worker
echo "# nginx, unix socket, spawn-fcgi -F 2"
WORKERS=1 write_config "$INI"
start_spawn_fcgi 2
check "spawn-fcgi -F 2 started two extproxy processes" \
    is "$(pgrep -c -f "^$EXTPROXY -c $INI")" 2
etc_conf nginx-extproxy-upstream.conf "$T/extproxy-upstream.conf"
nginx_conf "$T/nginx.conf" "$T/extproxy-upstream.conf" "$T/extproxy-location.conf"
start_nginx "$T/nginx.conf"
WORKERS_TOTAL=2
run_scenarios
deploy_smoke
stop_pid "$NGINX_PID"
stop_spawned

# TCP: extproxy's own listener, two workers
echo "# nginx, TCP, extproxy -l"
EP_PORT=$(free_port)
WORKERS=2 write_config "$INI"
"$EXTPROXY" -c "$INI" -l "127.0.0.1:$EP_PORT" 2>>"$T/extproxy-tcp.log" &
EP_PID=$!
PIDS="$PIDS $EP_PID"
wait_for sh -c "ss -Htln 'sport = :$EP_PORT' | grep -q ." || die "extproxy -l did not start"
etc_conf nginx-extproxy-upstream.conf "$T/extproxy-upstream-tcp.conf" "127.0.0.1:$EP_PORT"
check "upstream pool on TCP" grep -q "server 127.0.0.1:$EP_PORT;" "$T/extproxy-upstream-tcp.conf"
nginx_conf "$T/nginx-tcp.conf" "$T/extproxy-upstream-tcp.conf" "$T/extproxy-location.conf"
start_nginx "$T/nginx-tcp.conf"
WORKERS_TOTAL=2
run_scenarios
deploy_smoke

stop_pid "$EP_PID"
write_auth_config
"$EXTPROXY" -c "$INI" -l "127.0.0.1:$EP_PORT" 2>>"$T/extproxy-tcp.log" &
PIDS="$PIDS $!"
wait_for sh -c "ss -Htln 'sport = :$EP_PORT' | grep -q ." || die "extproxy -l did not restart"
deploy_authorization_forwarded

finish
