#!/bin/bash
# SPDX-License-Identifier: ISC
# Pooled keep-alive connections that the upstream closed: by its own
# short keep-alive timeout (the close is seen before the next request),
# and by a server that reads the next request on a kept connection and
# closes without answering (the race libcurl answers by retrying on a
# new connection).  The next GET and the next POST must still succeed,
# the POST with its body whole, a small one kept in memory or a larger
# one streamed (its copy in [server] temp_dir: tests/smoke/spool.sh).

. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/lighttpd.sh"
. "$top_srcdir/tests/scenarios.sh"

require_cmd lighttpd
require_cmd curl
start_upstream UP
start_upstream SHORT "-k 300"
start_upstream CUT "-n 1"
DEAD_PORT=$(free_port)
WEB_PORT=$(free_port)
PROXY_URL=http://127.0.0.1:$WEB_PORT/externalproxy
SOCK=$T/extproxy.sock

# one worker, so every request goes through the same connection pool
SHORT_URL=http://127.0.0.1:$SHORT_PORT
CUT_URL=http://127.0.0.1:$CUT_PORT
WORKERS=1 write_config "$T/extproxy.ini"
sed -i "s|^urls = |urls = $SHORT_URL, $CUT_URL, |" "$T/extproxy.ini"
"$EXTPROXY" -c "$T/extproxy.ini" -l "$SOCK" 2>>"$T/extproxy.log" &
EP_PID=$!
PIDS="$PIDS $EP_PID"
wait_for test -S "$SOCK" || die "extproxy did not start"
lighttpd_socket_conf "$T/extproxy-lighttpd.conf" "$SOCK"
lighttpd_conf "$T/lighttpd.conf" "$T/extproxy-lighttpd.conf"
start_lighttpd "$T/lighttpd.conf"

head -c 30000 /dev/urandom >"$T/small.bin"
head -c 200000 /dev/urandom >"$T/large.bin"

# post_ok NAME: the last px was a POST of $T/small.bin echoed whole
post_ok() {
	[ "$s" = 200 ] && [ "$(hdr X-Body-Length)" = 30000 ] &&
	    cmp -s <(tail -c 30000 "$T/body") "$T/small.bin"
}

# --- the upstream closes idle connections after 300 ms
S=$SHORT_URL
s=$(px "$S/echo")
check "keep-alive timeout: first GET" is "$s" 200
sleep 0.8
s=$(px "$S/echo")
check "keep-alive timeout: GET after the upstream closed the pooled connection" \
    is "$s" 200
sleep 0.8
s=$(px "$S/echo" --data-binary @"$T/small.bin")
check "keep-alive timeout: POST after the upstream closed the pooled connection" \
    post_ok
sleep 0.8
s=$(px "$S/echo" --data-binary @"$T/large.bin")
check "keep-alive timeout: large POST on a fresh connection" is "$s" 200
check "... with its body whole" is "$(hdr X-Body-Length)" 200000

# --- the upstream answers one request per connection and drops the next
C=$CUT_URL
s=$(px "$C/echo")
check "dropped request: first GET" is "$s" 200
s=$(px "$C/echo")
check "dropped request: GET on the dead pooled connection is retried" is "$s" 200
check "... on a new connection" is "$(hdr X-Req-Seq)" 1
s=$(px "$C/echo" --data-binary @"$T/small.bin")
check "dropped request: POST on the dead pooled connection is retried" post_ok
check "... on a new connection" is "$(hdr X-Req-Seq)" 1
s=$(px "$C/echo" -X PUT --data-binary @"$T/small.bin")
check "dropped request: PUT is retried with its body" post_ok
s=$(px "$C/echo" --data-binary '')
check "dropped request: empty POST is retried" is "$s" 200
check "... and sends an empty body" is "$(hdr X-Body-Length)" 0

s=$(px "$C/echo" --data-binary @"$T/large.bin")
check "dropped request: a streamed 200 kB POST is sent again" is "$s" 200
check "... on a new connection" is "$(hdr X-Req-Seq)" 1
check "... with its body whole" is "$(hdr X-Body-Length)" 200000
check "... byte for byte" cmp -s <(tail -c 200000 "$T/body") "$T/large.bin"
s=$(px "$C/echo" --data-binary @"$T/small.bin")
check "the worker serves the next POST" post_ok

# every time: libcurl counted these retries over the worker's life
ok=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	s=$(px "$C/echo" --data-binary @"$T/small.bin")
	post_ok && [ "$(hdr X-Req-Seq)" = 1 ] && ok=$((ok + 1))
done
check "dropped request: 10 more in a row, each sent again" is "$ok" 10

finish
