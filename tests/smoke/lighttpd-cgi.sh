#!/bin/bash
# SPDX-License-Identifier: ISC
# extproxy as a plain CGI program under lighttpd's mod_cgi
# (etc/lighttpd-extproxy-cgi.conf and etc/extproxy.cgi): the shared
# scenarios and extproxy-smoke, one process and one upstream connection
# per request.

. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/lighttpd.sh"
. "$top_srcdir/tests/scenarios.sh"
. "$top_srcdir/tests/deploy.sh"

start_origins

write_config "$INI"
etc_conf extproxy.cgi "$T/extproxy.cgi"
chmod 0755 "$T/extproxy.cgi"
etc_conf lighttpd-extproxy-cgi.conf "$T/extproxy-lighttpd.conf"
lighttpd_conf "$T/lighttpd.conf" "$T/extproxy-lighttpd.conf"
start_lighttpd "$T/lighttpd.conf"

s=$(px "$UP/echo")
check "mod_cgi runs extproxy" is "$s" 200
check "no extproxy process outlives its request" is "$(ep_pids)" ""

# a process start per request: ten show there is no reuse; lighttpd
# takes the end of a CGI's output for the end of the response even when
# it is short of the Content-Length, so extproxy has it close the
# client's connection after each body
REUSE=no REUSE_N=10 CUT_CHUNKED=end CLOSE_AFTER_BODY=yes run_scenarios
deploy_smoke

write_auth_config
deploy_authorization_forwarded

finish
