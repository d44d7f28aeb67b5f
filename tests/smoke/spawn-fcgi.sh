#!/bin/bash
# SPDX-License-Identifier: ISC
# extproxy started by spawn-fcgi on a unix socket, lighttpd in front
# with etc/lighttpd-extproxy-socket.conf.  Runs the shared scenarios and
# extproxy-smoke, then the checks that need their own
# configuration: exact connection reuse with one worker, follow and
# block redirects, a 20 MiB stream with flat RSS, and proxy settings in
# the environment that must be ignored.

. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/lighttpd.sh"
. "$top_srcdir/tests/scenarios.sh"
. "$top_srcdir/tests/deploy.sh"

require_cmd spawn-fcgi
start_origins

# start_extproxy CONFIG: (re)start extproxy under spawn-fcgi on $SOCK,
# with outbound proxy variables pointing at the decoy.
start_extproxy() {
	[ -n "${EP_PID:-}" ] && stop_pid "$EP_PID"
	rm -f "$SOCK"
	env http_proxy="http://127.0.0.1:$DECOY_PORT" \
	    HTTPS_PROXY="http://127.0.0.1:$DECOY_PORT" \
	    ALL_PROXY="http://127.0.0.1:$DECOY_PORT" \
	    spawn-fcgi -n -s "$SOCK" -M 0660 -- "$EXTPROXY" -c "$1" \
	    >>"$T/extproxy.log" 2>&1 &
	EP_PID=$!
	PIDS="$PIDS $EP_PID"
	wait_for test -S "$SOCK" || die "extproxy did not start"
}

WORKERS=2 write_config "$T/extproxy.ini"
start_extproxy "$T/extproxy.ini"
etc_conf lighttpd-extproxy-socket.conf "$T/extproxy-lighttpd.conf"
lighttpd_conf "$T/lighttpd.conf" "$T/extproxy-lighttpd.conf"
start_lighttpd "$T/lighttpd.conf"

WORKERS_TOTAL=2
run_scenarios
deploy_smoke

decoy=$(conns "$DECOY_PORT")
px "$UP/echo" >/dev/null
check "http_proxy/HTTPS_PROXY/ALL_PROXY in the environment are ignored" \
    is "$(conns "$DECOY_PORT")" $((decoy + 1))

# one worker: 50 sequential requests open exactly one connection
WORKERS=1 write_config "$T/one.ini"
start_extproxy "$T/one.ini"
before=$(conns "$UP_PORT")
for i in $(seq 1 50); do
	curl -s -o /dev/null -H "Proxy-To: $UP/echo" "$PROXY_URL"
done
opened=$(( $(conns "$UP_PORT") - before - 1 ))
echo "# one worker, 50 sequential requests: $opened upstream connection(s)"
check "one worker reuses one connection for 50 requests" is "$opened" 1
scenario_stream "$EP_PID"

# follow mode
REDIRECT_MODE=follow write_config "$T/follow.ini"
start_extproxy "$T/follow.ini"
s=$(px "$UP/redirect/302?to=/echo")
check "follow: redirect fetched" is "$s" 200
check "follow: final body from the new location" body_has "^GET /echo$"
s=$(px "$UP/redirect/303?to=/echo" --data-binary x)
check "follow: 303 after POST becomes GET" body_has "^GET /echo$"
s=$(px "$UP/redirect/302?to=/echo" -X PUT --data-binary abc)
check "follow: a 302 after PUT is passed through (the body is spent)" is "$s" 302
s=$(px "$UP/redirect/307?to=/echo" --data-binary abc)
check "follow: a 307 after POST is passed through (the body is spent)" is "$s" 307
s=$(px "$UP/redirect/302?to=http://127.0.0.1:$DECOY_PORT/echo")
check "follow: redirect off the allowlist passed through" is "$s" 302
check "follow: decoy not contacted" is "$(conns "$DECOY_PORT")" $((decoy + 2))
s=$(px "$UP/redirect/302?to=file:///etc/passwd")
check "follow: file: redirect passed through, not fetched" is "$s" 302
s=$(px "$UP/redirect/302?to=/redirect/302%3Fto%3D/redirect/302%253Fto%253D/echo")
check "follow: chain of redirects followed" is "$s" 200

# block mode
REDIRECT_MODE=block write_config "$T/block.ini"
start_extproxy "$T/block.ini"
s=$(px "$UP/redirect/302?to=/echo")
check "block: redirect answered 502" is "$s" 502
s=$(px "$UP/echo")
check "block: ordinary request still relayed" is "$s" 200

finish
