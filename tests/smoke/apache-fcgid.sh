#!/bin/bash
# SPDX-License-Identifier: ISC
# Apache 2.4 with mod_fcgid spawning extproxy (etc/apache2-extproxy-fcgid.conf):
# the shared scenarios, extproxy-smoke, Authorization handed over thanks
# to CGIPassAuth, and the processes gone when Apache stops.

. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/scenarios.sh"
. "$top_srcdir/tests/deploy.sh"

require_cmd apache2
[ -f /usr/lib/apache2/modules/mod_fcgid.so ] ||
    die "mod_fcgid is not installed (run tests/install-deps)"
start_origins

# mod_fcgid hands each process one request at a time: one worker each
# mod_fcgid starts extproxy as Apache's user, which [server] user must
# then name (or be left empty)
SERVER_USER=${WEB_USER:+"user = $WEB_USER"}
WORKERS=1 write_config "$INI"
etc_conf apache2-extproxy-fcgid.conf "$T/extproxy-apache.conf"
apache_conf "$T/apache.conf" "fcgid env" "$T/extproxy-apache.conf"
start_apache "$T/apache.conf"

# requests at once make mod_fcgid start more processes (a request that
# finds every process busy waits a second, then has one started: the
# first request streams for 3 s so that it is still busy then), which
# FcgidMinProcessesPerClass 2 then keeps
for i in 1 2 3 4 5; do
	[ "$(pgrep -c -f "^$EXTPROXY -c $INI")" -ge 2 ] && break
	curl -s -o /dev/null -H "Proxy-To: $UP/slow/30/100" "$PROXY_URL" &
	c1=$!
	sleep 0.2
	curl -s -o /dev/null -H "Proxy-To: $UP/sleep/1500" "$PROXY_URL"
	wait "$c1"
done
nprocs=$(pgrep -c -f "^$EXTPROXY -c $INI")
check "mod_fcgid started two extproxy processes" is "$nprocs" 2

WORKERS_TOTAL=$(pgrep -c -f "^$EXTPROXY -c $INI")
CUT=error-page
CLOSE_AFTER_BODY=yes
CONNECTION_PARAM=no
LOCATION_200=302
run_scenarios
deploy_smoke
check "mod_fcgid kept its processes (at most 8)" \
    test "$(pgrep -c -f "^$EXTPROXY -c $INI")" -le 8

stop_pid "$APACHE_PID"
wait_for sh -c "! pgrep -f '^$EXTPROXY -c $INI' >/dev/null"
check "extproxy processes exit with Apache" test "$(pgrep -c -f "^$EXTPROXY -c $INI")" = 0

write_auth_config
start_apache "$T/apache.conf"
deploy_authorization_forwarded

finish
