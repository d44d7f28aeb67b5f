#!/bin/bash
# SPDX-License-Identifier: ISC
# tests/demo, the README's first command, as a new user runs it: it
# builds what is missing, serves extproxy under lighttpd with the shipped
# etc/extproxy.ini (plus its two demo keys) and prints a curl line; that
# line, run as printed, fetches the demo origin through extproxy.  Only
# the loopback line is run: the 169.254.169.254 line it also prints is
# for a person to try, and no test sends a packet off loopback.  The
# demo builds in the source tree, so a read-only or separate source tree
# (make distcheck) skips this test.

. "${top_srcdir:-.}/tests/lib.sh"

[ "$top_srcdir" = "$top_builddir" ] && [ -w "$top_srcdir" ] ||
    { echo "# SKIP: tests/demo builds in the source tree"; exit 77; }
require_cmd lighttpd
require_cmd curl

# printed: the curl line is out (up to 2 minutes: it may build first)
printed() {
	local i
	for i in $(seq 1 1200); do
		grep -q "curl -i -H 'Proxy-To: http://127.0.0.1:" "$T/demo.out" &&
		    return 0
		kill -0 "$DEMO" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

port=$(free_port)
t0=$(date +%s)
DEMO_PORT=$port setsid "$top_srcdir/tests/demo" >"$T/demo.out" 2>&1 &
DEMO=$!
PIDS="$PIDS $DEMO"
check "the demo prints its curl line" \
    printed
echo "# tests/demo took $(( $(date +%s) - t0 )) s to the curl line"
line=$(grep -m 1 "curl -i -H 'Proxy-To: http://127.0.0.1:" "$T/demo.out")
check "... on the port asked for" \
    sh -c "printf '%s' \"\$1\" | grep -q 'http://127.0.0.1:$port/externalproxy'" _ "$line"
out=$(eval "${line/curl -i/curl -s -i -m 10}" 2>&1)
check "the printed line fetches the demo origin through extproxy: 200" \
    sh -c "printf '%s' \"\$1\" | head -n 1 | grep -q ' 200'" _ "$out"
check "... with the origin's echo of the request" \
    sh -c "printf '%s' \"\$1\" | grep -qi '^GET /echo'" _ "$out"
# stop the demo and everything it started (lighttpd, extproxy, origin)
kill -TERM -- "-$DEMO" 2>/dev/null
wait "$DEMO" 2>/dev/null
check "stopped, it leaves no lighttpd on its port" \
    wait_for sh -c "! ss -Htln 'sport = :$port' | grep -q ."

finish
