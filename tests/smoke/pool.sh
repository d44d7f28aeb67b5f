#!/bin/bash
# SPDX-License-Identifier: ISC
# The elastic worker pool, behind nginx with the etc/ files (extproxy -l
# on the unix socket they name).  Head-of-line: with workers = 2 and
# max_workers = 64, 40 requests to an upstream that answers after 3 s,
# then 20 requests to a fast one: each fast one is answered within
# FAST_MS of being sent (the worst case is printed) and all 40 slow ones
# complete.  The pool shrinks back to [server] workers threads within
# 2 x worker_idle.  A reload that lowers max_workers below the busy
# count finishes the requests in flight, retires the surplus and holds
# the new ceiling.  The queue deadline (set by a reload): with
# max_workers busy, requests that wait queue_timeout get a 503 with
# Retry-After, exactly as many as the overload, logged and counted as
# deny=busy.  Overload (ab, keep-alive): 256 and then 1024 clients at
# once on a fast target get only 200s, and nginx never fails to connect
# (with a fixed pool and a backlog of 128 it did, EAGAIN, for half the
# requests); the pool hardly grows, since its workers keep answering.  300 streams of 1 MiB at 64 KiB/s with max_workers = 256
# all complete whole; threads and RSS are printed before, at the peak
# and after, when the pool is back to [server] workers.

. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/scenarios.sh"
. "$top_srcdir/tests/deploy.sh"

require_cmd nginx
require_cmd ab
start_origins

# Each fast request must be answered within this many ms.  Issue 12 asks
# for 200, which holds on a 2-core machine under the test's own load (60
# curl processes, nginx, the upstream: a worst case of 13 to 45 ms), but
# not when other jobs share it too (load average 10: 264 and 331 ms).  So
# the check allows 500 ms, still six times below the 3 s a request stuck
# behind the slow ones would take, and the output says whether 200 held.
FAST_MS=${FAST_MS:-500}
# extproxy's own threads besides its workers: main, acceptor, cutoff.c
FIXED_THREADS=3
# each overload run lasts this long
OVERLOAD_SECONDS=${OVERLOAD_SECONDS:-3}

# extproxy -l on a unix socket, as the etc/ files name one; as root it
# serves as the web server's user, so that nginx may connect
mkdir "$T/sock"
if [ -n "$WEB_USER" ]; then
	chown "$WEB_USER" "$T/sock"
	SERVER_USER="user = $WEB_USER"
fi
SOCK=$T/sock/extproxy.sock

# pool_config WORKERS MAX_WORKERS [[server] lines]: $INI, long upstream
# timeouts, worker_idle 1s and the metrics on /externalproxy.  Every
# request here goes to one origin, under the default [upstream]
# max_per_host (0: no cap; the cap is tests/smoke/hostcap.sh's).
pool_config() {
	local line lines
	WORKERS=$1 MAX_WORKERS=$2 write_config "$INI.new"
	shift 2
	lines=("$@")
	case " $* " in
	*"worker_idle ="*) ;;
	*) lines+=("worker_idle = 1s") ;;
	esac
	sed -i -e 's/^response_header = .*/response_header = 10s/' \
	    -e 's/^idle = .*/idle = 10s/' -e 's/^connect = .*/connect = 10s/' \
	    "$INI.new"
	for line in "${lines[@]}"; do
		sed -i "s/^\\[server\\]\$/&\\n$line/" "$INI.new"
	done
	printf '[metrics]\npath = /externalproxy\n' >>"$INI.new"
	mv "$INI.new" "$INI"
}

start_extproxy() {
	"$EXTPROXY" -c "$INI" -l "$SOCK" 2>>"$T/extproxy.log" &
	EP_PID=$!
	PIDS="$PIDS $EP_PID"
	wait_for test -S "$SOCK" || die "extproxy -l did not start"
}

threads() { ls "/proc/$EP_PID/task" | wc -l; }
threads_are() { [ "$(threads)" = "$1" ]; }

# get N TARGET PREFIX: N requests at once in the background; each
# writes "STATUS SECONDS" to PREFIX.I; their PIDs in $GETS.
get() {
	local i
	GETS=
	for i in $(seq 1 "$1"); do
		curl -s -o /dev/null -m 30 -w '%{http_code} %{time_total}\n' \
		    -H "Proxy-To: $2" "$PROXY_URL" >"$3.$i" &
		GETS="$GETS $!"
	done
}

# count_ok PREFIX: how many of PREFIX.* are a 200
count_ok() { cat "$1".* | grep -c '^200 '; }

reloaded() { [ "$(grep -c 'reload: configuration .* loaded' "$T/extproxy.log")" = "$1" ]; }

# scrape [FILE]: the metrics, through nginx, into FILE ($T/metrics)
scrape() { curl -s -o "${1:-$T/metrics}" "$PROXY_URL"; }
# metric NAME [FILE]: its value in FILE ($T/metrics)
metric() { awk -v k="$1" '$1 == k { print $2 }' "${2:-$T/metrics}"; }

etc_conf nginx-extproxy.conf "$T/extproxy-location.conf"
etc_conf nginx-extproxy-upstream.conf "$T/extproxy-upstream.conf"
NGINX_CONNECTIONS=4096 nginx_conf "$T/nginx.conf" "$T/extproxy-upstream.conf" \
    "$T/extproxy-location.conf"
start_nginx "$T/nginx.conf"

# --- head-of-line
pool_config 2 64
start_extproxy
s=$(px "$UP/echo")
check "extproxy serves behind nginx" is "$s" 200
base=$(threads)
check "it starts with [server] workers = 2 workers" is "$base" $((2 + FIXED_THREADS))
rss0=$(rss_kib "$EP_PID")

get 40 "$UP/sleep/3000" "$T/slow"
slow=$GETS
wait_for sh -c "[ \$(ls /proc/$EP_PID/task | wc -l) -ge $((40 + FIXED_THREADS)) ]"
check "the pool grew for 40 slow requests" test "$(threads)" -ge $((40 + FIXED_THREADS))
rss40=$(rss_kib "$EP_PID")
get 20 "$UP/echo" "$T/fast"
wait $GETS
worst=$(cat "$T"/fast.* | awk '$1 == 200 { if ($2 > w) w = $2 } END { printf "%d", w * 1000 }')
echo "# 20 fast requests beside 40 slow ones: worst ${worst} ms (bound ${FAST_MS} ms;" \
    "within issue 12's 200 ms: $([ "$worst" -lt 200 ] && echo yes || echo no))"
check "all 20 fast requests are answered" is "$(count_ok "$T/fast")" 20
check "... each within $FAST_MS ms while 40 slow ones wait" test "$worst" -lt "$FAST_MS"
wait $slow
check "all 40 slow requests complete" is "$(count_ok "$T/slow")" 40
peak=$(threads) rss_idle=$(rss_kib "$EP_PID")
echo "# threads: $base at start, $peak at the peak; RSS ${rss0} KiB, ${rss40} KiB" \
    "with 40 busy, ${rss_idle} KiB with them idle"
echo "# memory per idle worker (RSS growth per started worker):" \
    "$(( (rss_idle - rss0) / (peak - base) )) KiB"

# --- shrinking: worker_idle = 1s, so back to 2 workers within 2 s
sleep 2
check "2 x worker_idle later the pool is back to 2 workers" threads_are "$base"
echo "# threads 2 s after the burst: $(threads); RSS $(rss_kib "$EP_PID") KiB"
scrape
started=$(metric extproxy_workers_started_total)
retired=$(metric extproxy_workers_retired_total)
echo "# workers started $started, retired $retired"
check "the metrics: one worker busy (with this scrape), one idle" \
    is "$(metric 'extproxy_workers{state="busy"}') $(metric 'extproxy_workers{state="idle"}')" "1 1"
check "... the workers started less those retired are the 2 left" \
    is $((started - retired)) 2
# 40 slow requests at once beside the 2 kept workers need 38 more; the
# fast ones may or may not need their own, depending on timing
check "... at least 38 started for the burst and retired" test "$retired" -ge 38
check "... none waiting, max_workers 64" \
    is "$(metric extproxy_requests_waiting) $(metric extproxy_workers_max)" "0 64"
s=$(px "$UP/echo")
check "the shrunk pool serves" is "$s" 200

# --- a reload lowers max_workers below the busy count
get 10 "$UP/sleep/2000" "$T/busy"
busy=$GETS
wait_for sh -c "[ \$(ls /proc/$EP_PID/task | wc -l) -ge $((10 + FIXED_THREADS)) ]"
check "10 requests busy" test "$(threads)" -ge $((10 + FIXED_THREADS))
pool_config 2 4 "worker_idle = 60s"
kill -HUP "$EP_PID"
wait_for reloaded 1
wait $busy
check "the 10 requests in flight at the reload complete" is "$(count_ok "$T/busy")" 10
scrape
check "the metrics show the new max_workers" is "$(metric extproxy_workers_max)" 4
check "... then the surplus retires: 4 workers (max_workers)" \
    wait_for threads_are $((4 + FIXED_THREADS))
get 8 "$UP/sleep/500" "$T/held"
most=0
for i in $(seq 1 20); do
	n=$(threads)
	[ "$n" -gt "$most" ] && most=$n
	sleep 0.05
done
wait $GETS
check "8 requests under max_workers = 4 are all served" is "$(count_ok "$T/held")" 8
check "... by 4 workers at most" test "$most" -le $((4 + FIXED_THREADS))
slowest=$(cat "$T"/held.* | awk '{ if ($2 > w) w = $2 } END { print w }')
check "... so half of them waited for a worker" within 0.95 5 "$slowest"

# --- the queue deadline, applied by a reload: both of max_workers = 2
# busy for 3 s, 5 more requests wait queue_timeout = 1s and get a 503
pool_config 2 2 "queue_timeout = 1s"
kill -HUP "$EP_PID"
wait_for reloaded 2
scrape "$T/m0"
logged0=$(grep -c ' status=503 .* deny=busy ' "$T/extproxy.log")
get 2 "$UP/sleep/3000" "$T/hold"
hold=$GETS
sleep 0.5
for i in $(seq 1 5); do
	curl -s -o "$T/over.$i.body" -D "$T/over.$i.head" -m 30 \
	    -w '%{http_code} %{time_total}\n' -H "Proxy-To: $UP/echo" \
	    "$PROXY_URL" >"$T/over.$i" &
	GETS="$GETS $!"
done
wait $GETS
check "the 2 requests holding the workers complete" is "$(count_ok "$T/hold")" 2
check "exactly the 5 requests that waited get a 503" \
    is "$(cat "$T"/over.? | grep -c '^503 ')" 5
late=$(cat "$T"/over.? | awk '$1 == 503 && ($2 < 0.95 || $2 >= 2.9)' | wc -l)
check "... after queue_timeout (1 s), not when a worker frees (3 s)" is "$late" 0
check "... each with Retry-After" \
    is "$(cat "$T"/over.*.head | tr -d '\r' | grep -c '^Retry-After: 1$')" 5
check "... and a short text body" \
    is "$(cat "$T"/over.*.body | grep -c '^extproxy: no worker free within queue_timeout$')" 5
check "the access log has the 5 with deny=busy" \
    is "$(($(grep -c ' status=503 .* deny=busy ' "$T/extproxy.log") - logged0))" 5
scrape "$T/m1"
delta() { echo $(($(metric "$1" "$T/m1") - $(metric "$1" "$T/m0"))); }
check "the metrics count the 5 as denials, reason busy" \
    is "$(delta 'extproxy_denials_total{reason="busy"}')" 5
check "... and as 503s, reason busy" \
    is "$(delta 'extproxy_unavailable_total{reason="busy"}')" 5
check "... whose waits, and only theirs, were over 0.5 s" \
    is $(($(delta 'extproxy_queue_wait_seconds_count') - \
    $(delta 'extproxy_queue_wait_seconds_bucket{le="0.5"}'))) 5
check "the 503s name no target path" \
    not grep -q 'deny=busy.*target=[^ ]*/echo' "$T/extproxy.log"

# ab_field FILE NAME: the number after "NAME:" in ab's report (0 if absent)
ab_field() {
	awk -F: -v k="$2" '$1 == k { split($2, a, " "); v = a[1] } END { print v + 0 }' "$1"
}
# ab_p99 FILE: the 99th percentile in ms
ab_p99() { awk '$1 == "99%" { print $2 }' "$1"; }

# --- overload: 256, then 1024 clients at once on a fast target, for a
# few seconds each; with the default pool limits
pool_config 2 256 "queue_timeout = 5s"
kill -HUP "$EP_PID"
wait_for reloaded 3
for c in 256 1024; do
	scrape "$T/ab$c.m0"
	ab -q -r -k -c "$c" -t "$OVERLOAD_SECONDS" -n 10000000 -s 30 \
	    -H "Proxy-To: $UP/bytes/1024" "$PROXY_URL" >"$T/ab$c.txt" 2>&1
	scrape "$T/ab$c.m1"
	done_=$(ab_field "$T/ab$c.txt" "Complete requests")
	failed=$(ab_field "$T/ab$c.txt" "Failed requests")
	non2xx=$(ab_field "$T/ab$c.txt" "Non-2xx responses")
	started=$(($(metric extproxy_workers_started_total "$T/ab$c.m1") -
	    $(metric extproxy_workers_started_total "$T/ab$c.m0")))
	echo "# $c clients for ${OVERLOAD_SECONDS}s: $done_ requests," \
	    "$(ab_field "$T/ab$c.txt" "Requests per second") req/s, p99" \
	    "$(ab_p99 "$T/ab$c.txt") ms, $failed failed, $non2xx not 200," \
	    "threads $(threads), workers started $started"
	check "$c clients: requests were served" test "$done_" -gt "$c"
	check "... none failed" is "$failed" 0
	check "... every one a 200" is "$non2xx" 0
	# a fast upstream keeps the 2 workers answering: the wait is the
	# CPU's, and more threads would only share it (one late answer may
	# double the pool once or twice; growing per waiting request started
	# 80 workers here, and 256)
	check "... and the pool hardly grew: $started workers started" \
	    test "$started" -lt 16
done
check "nginx logged no failed connect() under overload" \
    not grep -q 'connect() .*failed' "$T/nginx-error.log"

# --- 300 streams of 1 MiB at 64 KiB/s (16 s each) with max_workers =
# 256: 256 stream at once, the other 44 wait for a worker (queue_timeout
# 30s here) and stream after them; none fails
pool_config 2 256 "queue_timeout = 30s"
kill -HUP "$EP_PID"
wait_for reloaded 4
wait_for threads_are "$base"
t_before=$(threads) r_before=$(rss_kib "$EP_PID")
ab -q -r -c 300 -n 300 -s 60 -H "Proxy-To: $UP/bytes/1048576?rate=65536" \
    "$PROXY_URL" >"$T/streams.txt" 2>&1 &
streams=$!
t_peak=0 r_peak=0
while kill -0 "$streams" 2>/dev/null; do
	n=$(threads) r=$(rss_kib "$EP_PID")
	[ "$n" -gt "$t_peak" ] && t_peak=$n
	[ "$r" -gt "$r_peak" ] && r_peak=$r
	sleep 0.5
done
wait "$streams"
sleep 2
t_after=$(threads) r_after=$(rss_kib "$EP_PID")
echo "# 300 streams: threads $t_before before, $t_peak at the peak, $t_after 2 s after;" \
    "RSS $r_before KiB, $r_peak KiB, $r_after KiB"
check "300 streams: all complete" is "$(ab_field "$T/streams.txt" "Complete requests")" 300
check "... none failed" is "$(ab_field "$T/streams.txt" "Failed requests")" 0
check "... every one a 200" is "$(ab_field "$T/streams.txt" "Non-2xx responses")" 0
check "... each whole (300 MiB of bodies)" \
    test "$(ab_field "$T/streams.txt" "HTML transferred")" -eq $((300 * 1048576))
check "... with max_workers (256) workers at the peak" is "$t_peak" $((256 + FIXED_THREADS))
check "... and 2 s after, [server] workers again" is "$t_after" "$base"

kill -TERM "$EP_PID"; wait "$EP_PID"; rc=$?
check "extproxy stops on SIGTERM with 0" is "$rc" 0
check "nginx logged no failed connect()" \
    not grep -q 'connect() .*failed' "$T/nginx-error.log"

finish
