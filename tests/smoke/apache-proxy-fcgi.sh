#!/bin/bash
# SPDX-License-Identifier: ISC
# Apache 2.4 with mod_proxy_fcgi (etc/apache2-extproxy-proxy-fcgi.conf),
# extproxy under spawn-fcgi on a unix socket: the shared scenarios,
# extproxy-smoke, and Authorization handed over thanks to CGIPassAuth.
# Then the TCP variant the file describes (ProxyPass fcgi://).

. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/scenarios.sh"
. "$top_srcdir/tests/deploy.sh"

require_cmd apache2
require_cmd spawn-fcgi
start_origins

WORKERS=2 write_config "$INI"
start_spawn_fcgi 1
etc_conf apache2-extproxy-proxy-fcgi.conf "$T/extproxy-apache.conf"
apache_conf "$T/apache.conf" "proxy proxy_fcgi env" "$T/extproxy-apache.conf"
start_apache "$T/apache.conf"

WORKERS_TOTAL=2
CL_DROPPED=yes
CLOSE_AFTER_BODY=yes
run_scenarios
deploy_smoke

write_auth_config
stop_spawned
start_spawn_fcgi 1
deploy_authorization_forwarded
stop_pid "$APACHE_PID"
stop_spawned

# over TCP, as the comment in the file shows
EP_PORT=$(free_port)
WORKERS=2 write_config "$INI"
"$EXTPROXY" -c "$INI" -l "127.0.0.1:$EP_PORT" 2>>"$T/extproxy-tcp.log" &
PIDS="$PIDS $!"
sed -n 's/^#   *//p' "$T/extproxy-apache.conf" | sed -n '/^ProxyPass/,$p' |
    sed "s|fcgi://127.0.0.1:9000/|fcgi://127.0.0.1:$EP_PORT/|" >"$T/extproxy-apache-tcp.conf"
check "the file shows the TCP variant" grep -q "^ProxyPass.*fcgi://127.0.0.1:$EP_PORT/" "$T/extproxy-apache-tcp.conf"
apache_conf "$T/apache-tcp.conf" "proxy proxy_fcgi env" "$T/extproxy-apache-tcp.conf"
start_apache "$T/apache-tcp.conf"
deploy_smoke

finish
