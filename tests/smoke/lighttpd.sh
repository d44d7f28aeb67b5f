#!/bin/bash
# extproxy spawned by lighttpd itself (bin-path, two processes), the
# shared scenarios through it.

. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/lighttpd.sh"
. "$top_srcdir/tests/scenarios.sh"

start_origins

WORKERS=2 write_config "$T/extproxy.ini"
lighttpd_conf "$T/lighttpd.conf" "	\"socket\" => \"$T/extproxy.sock\",
	\"bin-path\" => \"$EXTPROXY -c $T/extproxy.ini\",
	\"max-procs\" => 2"
start_lighttpd "$T/lighttpd.conf"
wait_for curl -sf -o /dev/null -H "Proxy-To: $UP/echo" "$PROXY_URL" ||
    die "extproxy under lighttpd does not answer"

nprocs=$(pgrep -c -f "^$EXTPROXY -c $T/extproxy.ini")
check "lighttpd spawned two extproxy processes" is "$nprocs" 2

WORKERS_TOTAL=4
run_scenarios

stop_pid "$LIGHTTPD_PID"
wait_for sh -c "! pgrep -f '^$EXTPROXY -c $T/extproxy.ini' >/dev/null"
check "extproxy processes exit with lighttpd" test "$(pgrep -c -f "^$EXTPROXY -c $T/extproxy.ini")" = 0

finish
