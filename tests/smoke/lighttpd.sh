#!/bin/bash
# SPDX-License-Identifier: ISC
# extproxy spawned by lighttpd itself (bin-path, two processes) with
# etc/lighttpd-extproxy.conf; the shared scenarios and extproxy-smoke
# through it, and Authorization handed over when not stripped.

. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/lighttpd.sh"
. "$top_srcdir/tests/scenarios.sh"
. "$top_srcdir/tests/deploy.sh"

start_origins

WORKERS=2 write_config "$INI"
etc_conf lighttpd-extproxy.conf "$T/extproxy-lighttpd.conf"
lighttpd_conf "$T/lighttpd.conf" "$T/extproxy-lighttpd.conf"
start_lighttpd "$T/lighttpd.conf"
wait_for curl -sf -o /dev/null -H "Proxy-To: $UP/echo" "$PROXY_URL" ||
    die "extproxy under lighttpd does not answer"

nprocs=$(pgrep -c -f "^$EXTPROXY -c $INI")
check "lighttpd spawned two extproxy processes" is "$nprocs" 2

WORKERS_TOTAL=4
run_scenarios
deploy_smoke
smoke_fails

stop_pid "$LIGHTTPD_PID"
wait_for sh -c "! pgrep -f '^$EXTPROXY -c $INI' >/dev/null"
check "extproxy processes exit with lighttpd" test "$(pgrep -c -f "^$EXTPROXY -c $INI")" = 0

write_auth_config
start_lighttpd "$T/lighttpd.conf"
wait_for curl -sf -o /dev/null -H "Proxy-To: $UP/echo" "$PROXY_URL" ||
    die "extproxy under lighttpd does not answer"
deploy_authorization_forwarded

finish
