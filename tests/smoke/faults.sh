#!/bin/bash
# SPDX-License-Identifier: ISC
# Faults, with real processes: an upstream that resets the connection
# mid-headers and mid-body, cuts a chunked body short or answers with
# garbage; clients that leave mid-upload and mid-download; every worker
# stalled while more requests queue; the web server restarted under a
# running extproxy and extproxy restarted under a running web server;
# SIGTERM with requests in flight and queued.  Each must end with the
# right status (or a response the client can tell is cut short), no
# request lost, the worker free again and no descriptor leaked.

. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/lighttpd.sh"
. "$top_srcdir/tests/scenarios.sh"

require_cmd cgi-fcgi
start_origins
SOCK=$T/extproxy.sock

# start_extproxy CONFIG: extproxy listening on $SOCK, by itself (-l).
start_extproxy() {
	"$EXTPROXY" -c "$1" -l "$SOCK" 2>>"$T/extproxy.log" &
	EP_PID=$!
	PIDS="$PIDS $EP_PID"
	wait_for test -S "$SOCK" || die "extproxy did not start"
}

nfds() { ls "/proc/$1/fd" | wc -l; }
fds_are() { [ "$(nfds "$1")" = "$2" ]; }
# settled_fds PID: the descriptor count once it has not changed for
# 0.5 s.  A worker still holds its connection for a moment after the
# client has the whole response (the end of the FastCGI request, then
# libfcgi's close), so a count taken at once may be one or two high.
settled_fds() {
	local n last=-1 same=0 i
	for i in $(seq 1 100); do
		n=$(nfds "$1")
		if [ "$n" = "$last" ]; then
			same=$((same + 1))
			[ "$same" -ge 5 ] && break
		else
			same=0
		fi
		last=$n
		sleep 0.1
	done
	echo "$n"
}

# fcgi_post_cut SOCKET TARGET LENGTH: a POST through cgi-fcgi announcing
# LENGTH body bytes; it sends half of them and goes away after 0.5 s.
fcgi_post_cut() {
	(head -c $(($3 / 2)) /dev/zero; sleep 3) |
	    timeout 0.5 env -i REQUEST_METHOD=POST SCRIPT_NAME=/externalproxy \
	    SERVER_PROTOCOL=HTTP/1.1 HTTP_PROXY_TO="$2" CONTENT_LENGTH="$3" \
	    cgi-fcgi -bind -connect "$1" >/dev/null 2>&1
}

# Generous timeouts, so that only the upstream's faults end transfers.
WORKERS=1 write_config "$T/one.ini"
sed -i -e 's/^response_header = .*/response_header = 5s/' \
    -e 's/^idle = .*/idle = 3s/' "$T/one.ini"
start_extproxy "$T/one.ini"
lighttpd_socket_conf "$T/extproxy-lighttpd.conf" "$SOCK"
lighttpd_conf "$T/lighttpd.conf" "$T/extproxy-lighttpd.conf"
start_lighttpd "$T/lighttpd.conf"

s=$(px "$UP/echo")
check "one worker serves" is "$s" 200
# a body over 64 KiB makes the worker's file for its copy, which it
# keeps (emptied) from then on: part of the baseline, not a leak
s=$(px "$UP/echo" --data-binary @<(head -c 100000 /dev/zero))
check "... a streamed POST too" is "$(hdr X-Body-Length)" 100000
fd0=$(settled_fds "$EP_PID")
echo "# extproxy has $fd0 open descriptors"

# --- upstream faults
s=$(px "$UP/reset/headers")
check "reset mid-headers: 502" is "$s" 502
check "... saying the upstream failed" body_has "upstream failed"

rc=0
s=$(px "$UP/reset/body") || rc=$?
check "reset mid-body: the 200 and its headers were relayed" is "$s" 200
check "... and the client sees the response cut short" test "$rc" -ne 0
check "... with less than the announced 1 MiB" \
    test "$(stat -c %s "$T/body")" -lt 1048576
check "... after the bytes the upstream sent" \
    test "$(stat -c %s "$T/body")" -ge 65536

rc=0
s=$(px "$UP/truncated") || rc=$?
check "truncated chunked body: the 200 was relayed" is "$s" 200
check "... and the client sees the response cut short" test "$rc" -ne 0
check "... after the chunk the upstream sent" body_has "^partial$"

s=$(px "$UP/garbage")
check "garbage instead of HTTP: 502" is "$s" 502
check "the access log tells the cut responses" \
    test "$(grep -c ' aborted=yes ' "$T/extproxy.log")" -ge 2

s=$(px "$UP/echo")
check "after the upstream faults the worker serves again" is "$s" 200
check "... and no descriptor leaked" wait_for fds_are "$EP_PID" "$fd0"

# --- clients that leave
# mid-download: the client stops after 1 s of a throttled 20 MiB body
rc=0
curl -s -o /dev/null --limit-rate 200k --max-time 1 -H "Proxy-To: $UP/bytes/20971520" \
    "$PROXY_URL" || rc=$?
check "the downloading client left (curl timed out)" is "$rc" 28
s=$(px_timed "$UP/echo")
check "after a client left mid-download the worker serves the next request" \
    is "${s%% *}" 200
check "... and no descriptor leaked" wait_for fds_are "$EP_PID" "$fd0"

# mid-upload, a small (buffered) and a large (streamed) body: the web
# server (cgi-fcgi) goes away with the body half sent
for len in 50000 500000; do
	fcgi_post_cut "$SOCK" "$UP/echo" "$len"
	s=$(px "$UP/echo" --data-binary hello)
	check "after a client left mid-upload ($len bytes) the worker serves again" \
	    is "$s" 200
	check "... and no descriptor leaked" wait_for fds_are "$EP_PID" "$fd0"
done
check "the abandoned uploads are logged" \
    test "$(grep -c 'reason="request body incomplete"' "$T/extproxy.log")" -ge 2

# --- every worker stalled (max_workers of them), more requests queue:
# none is lost
stop_pid "$EP_PID"
WORKERS=2 MAX_WORKERS=2 write_config "$T/two.ini"
sed -i -e 's/^response_header = .*/response_header = 5s/' "$T/two.ini"
start_extproxy "$T/two.ini"
t0=$(date +%s.%N)
for i in 1 2; do
	curl -s -o "$T/stalled.$i" -w '%{http_code}' -H "Proxy-To: $UP/sleep/1500" \
	    "$PROXY_URL" >"$T/stalled.$i.code" &
	eval "st$i=\$!"
done
sleep 0.3
for i in $(seq 1 8); do
	(curl -s -o "$T/queued.$i" -w '%{http_code}' \
	    -H "Proxy-To: $UP/echo?q=$i" "$PROXY_URL" >"$T/queued.$i.code"
	    date +%s.%N >"$T/queued.$i.end") &
	eval "q$i=\$!"
done
for i in 1 2; do eval "wait \$st$i"; done
ok=0 late=0
for i in $(seq 1 8); do
	eval "wait \$q$i"
	[ "$(cat "$T/queued.$i.code")" = 200 ] &&
	    grep -q "^GET /echo?q=$i\$" "$T/queued.$i" && ok=$((ok + 1))
	# no worker is free before the stalled upstreams answer, 1.5 s
	# after t0
	awk -v t0="$t0" -v t="$(cat "$T/queued.$i.end")" \
	    'BEGIN { exit !(t - t0 >= 1.45) }' && late=$((late + 1))
done
check "both stalled requests complete" is "$(cat "$T/stalled.1.code" "$T/stalled.2.code")" 200200
check "all 8 requests queued behind them are served" is "$ok" 8
check "... once a worker was free (they waited for it)" is "$late" 8

# --- the web server restarts, extproxy keeps running
stop_pid "$LIGHTTPD_PID"
start_lighttpd "$T/lighttpd.conf"
s=$(px "$UP/echo")
check "after a web server restart the running extproxy serves" is "$s" 200
check "... the same process" kill -0 "$EP_PID"

# --- extproxy restarts, the web server keeps running
kill -TERM "$EP_PID"; wait "$EP_PID"; rc=$?
check "extproxy stops on SIGTERM with 0" is "$rc" 0
start_extproxy "$T/two.ini"
s=$(px "$UP/echo")
check "after an extproxy restart the running web server's first request succeeds" \
    is "$s" 200

# --- SIGTERM with ten requests in flight: 2 being served, 8 queued
for i in $(seq 1 10); do
	curl -s -o "$T/inflight.$i" -w '%{http_code}' -H "Proxy-To: $UP/slow/5/200" \
	    "$PROXY_URL" >"$T/inflight.$i.code" &
	eval "c$i=\$!"
done
sleep 0.5
kill -TERM "$EP_PID"
for i in $(seq 1 10); do eval "wait \$c$i"; done
wait "$EP_PID"; rc=$?
check "SIGTERM with requests in flight exits 0" is "$rc" 0
ok=0
for i in $(seq 1 10); do
	[ "$(cat "$T/inflight.$i.code")" = 200 ] &&
	    [ "$(grep -c '^chunk' "$T/inflight.$i")" = 5 ] && ok=$((ok + 1))
done
check "all 10 requests in flight at SIGTERM complete with full bodies" is "$ok" 10

finish
