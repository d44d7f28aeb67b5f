#!/bin/bash
# SPDX-License-Identifier: ISC
# [upstream] max_per_host, through extproxy -l and cgi-fcgi.  With a cap
# of 3, 8 requests at once to an upstream that answers after 2 s get
# exactly 3 x 200 and 5 x 503 (at once, with Retry-After, deny=
# upstream_busy in the access log, counted in the metrics), while a
# request to another origin, and one that a redirect leads from there
# into the full origin, are served at once.  Failed requests give their
# place back: with the cap held by a 504 (response_header), a stream cut
# by the idle timeout and a client that goes away, 2 more are refused;
# the one whose client went away frees a place at once, and when the
# other two end a new burst gets 3 x 200 again.  The metrics' gauges
# show the requests in flight per origin, and none after each burst.  A
# reload applies the key without a restart: 0 lets all through, 1 lets
# one.

. "${top_srcdir:-.}/tests/lib.sh"

require_cmd cgi-fcgi
require_cmd curl

start_upstream UP
start_upstream UP2
DEAD_PORT=$(free_port)
UP=http://127.0.0.1:$UP_PORT
UP2=http://127.0.0.1:$UP2_PORT
SOCK=$T/ep.sock
INI=$T/ep.ini

# config CAP: the test configuration with [upstream] max_per_host = CAP
config() {
	REDIRECT_MODE=follow write_config "$INI.new"
	sed -i -e "s|^urls = |urls = $UP2, |" \
	    -e 's/^response_header = .*/response_header = 3s/' \
	    -e 's/^idle = .*/idle = 3s/' "$INI.new"
	printf '[upstream]\nmax_per_host = %s\n[metrics]\npath = /m\n' "$1" \
	    >>"$INI.new"
	mv "$INI.new" "$INI"
}

config 3
"$EXTPROXY" -c "$INI" -l "$SOCK" 2>"$T/extproxy.log" &
EP=$!
PIDS="$PIDS $EP"
wait_for test -S "$SOCK" || die "extproxy did not start"

# fcgi TARGET: one GET through cgi-fcgi, the response on stdout
fcgi() {
	env -i REQUEST_METHOD=GET SCRIPT_NAME=/externalproxy \
	    SERVER_PROTOCOL=HTTP/1.1 HTTP_PROXY_TO="$1" \
	    cgi-fcgi -bind -connect "$SOCK" 2>/dev/null
}

# req NAME TARGET: fcgi in the background: the response in $T/NAME.out,
# "STATUS MS" in $T/NAME.res; its PID in $REQS.
req() {
	(
		t0=$(date +%s%N)
		fcgi "$2" >"$T/$1.out"
		t1=$(date +%s%N)
		echo "$(status_of "$T/$1.out") $(((t1 - t0) / 1000000))" \
		    >"$T/$1.res"
	) &
	REQS="$REQS $!"
}

status_of() { tr -d '\r' <"$1" | sed -n '1s/^Status: \([0-9]*\).*/\1/p'; }

# burst PREFIX N TARGET: N requests at once (req), their PIDs in $REQS
burst() {
	local i
	REQS=
	for i in $(seq 1 "$2"); do
		req "$1.$i" "$3"
	done
}

# count PREFIX STATUS: how many of PREFIX.*.res have that status
count() { cat "$T/$1".*.res | grep -c "^$2 "; }
# slowest PREFIX STATUS: the longest time in ms of those
slowest() {
	cat "$T/$1".*.res | awk -v s="$2" '$1 == s && $2 > m { m = $2 } END { print m + 0 }'
}
fastest() {
	cat "$T/$1".*.res | awk -v s="$2" '$1 == s && (m == "" || $2 < m) { m = $2 } END { print m + 0 }'
}

scrape() {
	env -i REQUEST_METHOD=GET SCRIPT_NAME=/m cgi-fcgi -bind \
	    -connect "$SOCK" 2>/dev/null | tr -d '\r' >"${1:-$T/metrics}"
}
metric() { awk -v k="$1" '$1 == k { print $2 }' "${2:-$T/metrics}"; }
logged() { grep -c " status=$1 .*deny=upstream_busy " "$T/extproxy.log"; }
# hits: requests the origin UP has read (its /hits not counted)
hits() { curl -s "$UP/hits"; }
hits_reach() { [ "$(hits)" -ge "$1" ]; }

s=$(status_of <(fcgi "$UP/echo"))
check "extproxy serves with max_per_host = 3" is "$s" 200

# --- 8 at once to an upstream that answers after 2 s
scrape "$T/m0"
h0=$(hits)
burst over 8 "$UP/sleep/2000"
over=$REQS
wait_for hits_reach $((h0 + 3)) || die "the 3 did not reach the origin"
scrape "$T/mid"
req other "$UP2/echo"
req hop "$UP2/redirect/302?to=$UP/echo"
wait $over $REQS
echo "# 8 at once: $(count over 200) x 200 (slowest $(slowest over 200) ms)," \
    "$(count over 503) x 503 (slowest $(slowest over 503) ms)"
check "8 at once with max_per_host = 3: exactly 3 x 200" is "$(count over 200)" 3
check "... and exactly 5 x 503" is "$(count over 503)" 5
check "... the 503s at once, not when the 3 end (2 s)" \
    test "$(slowest over 503)" -lt 1000
check "... the 200s after the upstream's 2 s" test "$(fastest over 200)" -ge 1900
check "... each 503 with Retry-After: 1" \
    is "$(cat "$T"/over.*.out | tr -d '\r' | grep -c '^Retry-After: 1$')" 5
check "... and the reason as its body" \
    is "$(cat "$T"/over.*.out | grep -c '^extproxy: too many requests in flight to this upstream$')" 5
read -r s ms <"$T/other.res"
echo "# meanwhile a request to another origin: $s in $ms ms"
check "meanwhile another origin is served at once" is "$s" 200
check "... within 1 s" test "$ms" -lt 1000
check "a redirect from another origin into the full one is followed" \
    is "$(cut -d' ' -f1 "$T/hop.res")" 200
check "the access log has the 5 with deny=upstream_busy" is "$(logged 503)" 5
check "... naming the origin, never the path" \
    is "$(grep -c "target=http://127.0.0.1:$UP_PORT status=503 .*deny=upstream_busy reason=\"too many requests in flight to this upstream\"" "$T/extproxy.log")" 5
scrape "$T/m1"
delta() { echo $(($(metric "$1" "$T/m1") - $(metric "$1" "$T/m0"))); }
check "the metrics count the 5 as 503s, reason upstream_busy" \
    is "$(delta 'extproxy_unavailable_total{reason="upstream_busy"}')" 5
check "... and as denials" \
    is "$(delta 'extproxy_denials_total{reason="upstream_busy"}')" 5
check "... and none as busy (no worker was missing)" \
    is "$(delta 'extproxy_unavailable_total{reason="busy"}')" 0
# in_flight FILE: "ORIGINS REQUESTS CAP" from the gauges in FILE
in_flight() {
	echo "$(metric extproxy_upstream_origins_in_flight "$1")" \
	    "$(metric extproxy_upstream_requests_in_flight "$1")" \
	    "$(metric extproxy_upstream_max_per_host "$1")"
}
check "the gauges during the burst: 1 origin, 3 requests, cap 3" \
    is "$(in_flight "$T/mid")" "1 3 3"
check "... and after it: none in flight" is "$(in_flight "$T/m1")" "0 0 3"

# --- the cap held by requests that fail: a 504, a stream cut by the
# idle timeout, a client that goes away
h0=$(hits)
REQS=
req timeout "$UP/sleep/10000"
req cut "$UP/stall/10000"
failing=$REQS
env -i REQUEST_METHOD=GET SCRIPT_NAME=/externalproxy SERVER_PROTOCOL=HTTP/1.1 \
    HTTP_PROXY_TO="$UP/sleep/10000" cgi-fcgi -bind -connect "$SOCK" \
    >/dev/null 2>&1 &
gone=$!
wait_for hits_reach $((h0 + 3)) || die "the 3 did not reach the origin"
burst held 2 "$UP/echo"
wait $REQS
check "3 failing requests hold the cap: 2 more get 503" is "$(count held 503)" 2
kill "$gone"
wait "$gone" 2>/dev/null
gone_logged() { grep -q "target=http://127.0.0.1:$UP_PORT status=499 " "$T/extproxy.log"; }
check "the client that went away is logged 499" wait_for gone_logged
burst freed 1 "$UP/echo"
wait $REQS
check "... and its place is free at once" is "$(count freed 200)" 1
wait $failing
check "the 504 (response_header timeout) ends" \
    is "$(cut -d' ' -f1 "$T/timeout.res")" 504
check "the stream cut by the idle timeout ends" \
    grep -q "target=http://127.0.0.1:$UP_PORT status=200 .*aborted=yes timeout=idle" "$T/extproxy.log"
scrape
check "after the failed ones: none in flight" is "$(in_flight "$T/metrics")" "0 0 3"
burst again 8 "$UP/sleep/2000"
wait $REQS
check "after them a new burst of 8 gets 3 x 200 again" is "$(count again 200)" 3
check "... and 5 x 503" is "$(count again 503)" 5

# --- a reload applies it: 0 is no cap, 1 lets one through
config 0
kill -HUP "$EP"
reloaded() { [ "$(grep -c 'reload: configuration .* loaded' "$T/extproxy.log")" = "$1" ]; }
wait_for reloaded 1 || die "no reload"
burst nocap 8 "$UP/sleep/1000"
wait $REQS
check "reloaded to max_per_host = 0: 8 at once, 8 x 200" is "$(count nocap 200)" 8
scrape
check "... the gauges show the cap 0, and count nothing" \
    is "$(in_flight "$T/metrics")" "0 0 0"
config 1
kill -HUP "$EP"
wait_for reloaded 2 || die "no reload"
burst one 4 "$UP/sleep/1000"
wait $REQS
check "reloaded to max_per_host = 1: 4 at once, 1 x 200" is "$(count one 200)" 1
check "... and 3 x 503" is "$(count one 503)" 3
scrape
check "... the gauges show the cap 1, none in flight" \
    is "$(in_flight "$T/metrics")" "0 0 1"
check "no restart was needed" \
    not grep -q 'max_per_host.*needs a restart' "$T/extproxy.log"

kill -TERM "$EP"; wait "$EP"; rc=$?
check "extproxy stops on SIGTERM with 0" is "$rc" 0
finish
