#!/bin/bash
# SPDX-License-Identifier: ISC
# The command line and the daemon's life: -h, -V, -t, -l on TCP and unix
# sockets (stale socket replaced, mode 0660, a live one refused), silent
# and dripping FastCGI peers cut off at their deadlines, and a graceful
# stop on SIGTERM that lets in-flight requests finish.  The FastCGI
# client is cgi-fcgi from libfcgi, or raw records over bash's /dev/tcp.

. "${top_srcdir:-.}/tests/lib.sh"

require_cmd cgi-fcgi
require_cmd curl

start_upstream UP
DEAD_PORT=$(free_port)
UP=http://127.0.0.1:$UP_PORT

out=$("$EXTPROXY" -h); rc=$?
check "-h exits 0" is "$rc" 0
check "-h prints usage" sh -c "echo '$out' | grep -q '^usage: extproxy'"
out=$("$EXTPROXY" -V); rc=$?
check "-V exits 0" is "$rc" 0
check "-V names extproxy and libcurl" sh -c "echo '$out' | grep -q '^extproxy ' && echo '$out' | grep -q '^libcurl '"
check "-V prints the version of extproxy" is "$(echo "$out" | sed -n 1p)" \
    "extproxy $(sed -n 's/^AC_INIT(\[extproxy\], \[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac")"
check "-V prints the libcurl it runs with" sh -c "echo '$out' | grep -q '^libcurl $(curl-config --version 2>/dev/null | cut -d' ' -f2)'"
check "-V prints the libfcgi version" sh -c "echo '$out' | grep -Eq '^libfcgi [0-9][0-9.]*'"
limits="extproxy: max_workers at most 1024, listen backlog $(cat /proc/sys/net/core/somaxconn) (net.core.somaxconn), open files $(ulimit -Hn)"
check "-V prints the limits: max_workers, listen backlog, open files" \
    is "$(echo "$out" | sed -n 4p)" "$limits"
"$EXTPROXY" -x >/dev/null 2>&1; rc=$?
check "unknown option exits 2" is "$rc" 2

out=$("$EXTPROXY" -t -c "$top_srcdir/etc/extproxy.ini" 2>&1); rc=$?
check "-t accepts the default configuration" is "$rc" 0
check "-t says it is ok" is "$(echo "$out" | sed -n 1p)" \
    "extproxy: configuration $top_srcdir/etc/extproxy.ini is ok"
check "-t prints the pool's limits and the cap per upstream" \
    is "$(echo "$out" | sed -n 2p)" \
    "extproxy: workers 4 max_workers 256 worker_idle 60s queue_timeout 5s max_per_host 0"
check "... and the system's" is "$(echo "$out" | sed -n 3p)" "$limits"
check "... and nothing else" is "$(echo "$out" | wc -l)" 3
printf '[server]\nworkers = 300\nworker_idle = 1500ms\nqueue_timeout = 0\n[upstream]\nmax_per_host = 0\n' >"$T/limits.ini"
check "-t prints the limits in force: max_workers rises to workers" \
    is "$("$EXTPROXY" -t -c "$T/limits.ini" 2>&1 | sed -n 2p)" \
    "extproxy: workers 300 max_workers 300 worker_idle 1500ms queue_timeout 0s max_per_host 0"

cat >"$T/bad.ini" <<'INI'
[server]
workers = 0
bogus = 1
[timeouts]
idle = 5 years
[allow]
urls = https://:443/x
[nosuch]
a = b
INI
out=$("$EXTPROXY" -t -c "$T/bad.ini" 2>&1); rc=$?
check "-t rejects a bad configuration with 1" is "$rc" 1
for want in "[server] workers" "[server] bogus: unknown key" "[timeouts] idle" \
    "[allow] urls" "[nosuch]: unknown section" "has 5 errors"; do
	check "-t reports: $want" sh -c "printf '%s\n' \"\$1\" | grep -qF \"\$2\"" _ "$out" "$want"
done
"$EXTPROXY" -c "$T/bad.ini" -l "$T/never.sock" 2>/dev/null; rc=$?
check "a bad configuration refuses to start" sh -c "[ $rc = 1 ] && [ ! -e '$T/never.sock' ]"
out=$("$EXTPROXY" -t -c "$T/missing.ini" 2>&1); rc=$?
check "a missing file is an error" sh -c "[ $rc = 1 ] && echo '$out' | grep -q 'cannot open'"

WORKERS=12 write_config "$T/extproxy.ini"

# timed_get SOCKET TARGET: fcgi_get into $out, its duration into $t.
timed_get() {
	local start
	start=$(date +%s.%N)
	out=$(fcgi_get "$1" "$2")
	t=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
}

# status_is CODE: does the response in $out have that status?
status_is() { printf '%s' "$out" | grep -q "^Status: $1"; }

# fcgi_get SOCKET TARGET: one GET through cgi-fcgi; prints the response.
fcgi_get() {
	env -i REQUEST_METHOD=GET SCRIPT_NAME=/externalproxy \
	    SERVER_PROTOCOL=HTTP/1.1 HTTP_PROXY_TO="$2" \
	    cgi-fcgi -bind -connect "$1" </dev/null
}

# TCP listener
port=$(free_port)
"$EXTPROXY" -c "$T/extproxy.ini" -l "127.0.0.1:$port" 2>>"$T/extproxy.log" &
pid=$!
PIDS="$PIDS $pid"
wait_for sh -c "ss -Htln 'sport = :$port' | grep -q ."
out=$(fcgi_get "127.0.0.1:$port" "$UP/echo")
check "-l host:port serves FastCGI" status_is 200
kill -TERM "$pid"; wait "$pid"; rc=$?
check "SIGTERM on an idle server exits 0" is "$rc" 0

# FCGI_WEB_SERVER_ADDRS limits who may connect over TCP, as in libfcgi
port=$(free_port)
FCGI_WEB_SERVER_ADDRS=127.0.0.2 "$EXTPROXY" -c "$T/extproxy.ini" \
    -l "127.0.0.1:$port" 2>>"$T/addrs.log" &
pid=$!
PIDS="$PIDS $pid"
wait_for sh -c "ss -Htln 'sport = :$port' | grep -q ."
out=$(fcgi_get "127.0.0.1:$port" "$UP/echo" 2>/dev/null)
check "FCGI_WEB_SERVER_ADDRS refuses other addresses" not status_is 200
check "... and says so" grep -q "not in FCGI_WEB_SERVER_ADDRS" "$T/addrs.log"
stop_pid "$pid"
FCGI_WEB_SERVER_ADDRS="127.0.0.2,127.0.0.1" "$EXTPROXY" -c "$T/extproxy.ini" \
    -l "127.0.0.1:$port" 2>>"$T/addrs.log" &
pid=$!
PIDS="$PIDS $pid"
wait_for sh -c "ss -Htln 'sport = :$port' | grep -q ."
out=$(fcgi_get "127.0.0.1:$port" "$UP/echo")
check "FCGI_WEB_SERVER_ADDRS lets listed addresses in" status_is 200
stop_pid "$pid"
FCGI_WEB_SERVER_ADDRS="bogus" "$EXTPROXY" -c "$T/extproxy.ini" \
    -l "127.0.0.1:$port" 2>"$T/bogus.log"; rc=$?
check "a bad FCGI_WEB_SERVER_ADDRS refuses to start" is "$rc" 1

# a connection that never sends a request holds one worker for at most
# [timeouts] idle, and never the others
WORKERS=2 write_config "$T/two.ini"
port=$(free_port)
"$EXTPROXY" -c "$T/two.ini" -l "127.0.0.1:$port" 2>>"$T/two.log" &
pid=$!
PIDS="$PIDS $pid"
wait_for sh -c "ss -Htln 'sport = :$port' | grep -q ."
exec 3<>"/dev/tcp/127.0.0.1/$port"
sleep 0.2
timed_get "127.0.0.1:$port" "$UP/echo"
check "a silent FastCGI connection does not block the other worker" \
    status_is 200
check "... which answers at once" within 0 0.8 "$t"
sleep 1.2
check "the silent connection is dropped after the idle timeout" \
    sh -c "! ss -Htn state established 'dport = :$port' | grep -q ."
exec 3<&-
kill -TERM "$pid"; wait "$pid"; rc=$?
check "SIGTERM after a silent connection exits 0" is "$rc" 0

# A FastCGI peer that drips its request one byte every 0.5s, well inside
# [timeouts] idle (1.5s here), holds a worker only until request_header
# (4s) for the params, and until total (4s) for the body; a slow body
# with total = 0 still goes through.  Raw FastCGI records go over bash's
# /dev/tcp; request id 1, no keep.

# fcgi_header TYPE LENGTH: a record header.
fcgi_header() {
	printf "$(printf '\\x01\\x%02x\\x00\\x01\\x%02x\\x%02x\\x00\\x00' \
	    "$1" $(($2 >> 8)) $(($2 & 255)))"
}
# fcgi_params NAME=VALUE...: the content of a PARAMS record into $params
# (each name and value under 128 bytes, no NUL).
fcgi_params() {
	local kv n v
	params=
	for kv; do
		n=${kv%%=*} v=${kv#*=}
		printf -v params '%s\\x%02x\\x%02x%s%s' "$params" ${#n} ${#v} "$n" "$v"
	done
	printf -v params "$params"
}
# fcgi_head: BEGIN_REQUEST (responder) and the header of a PARAMS record
# for $params.
fcgi_head() {
	fcgi_header 1 8
	printf '\x00\x01\x00\x00\x00\x00\x00\x00'
	fcgi_header 4 ${#params}
}
# drip BYTES: write BYTES to fd 3 one at a time, one every 0.5s.
drip() {
	local i
	trap '' PIPE
	for ((i = 0; i < ${#1}; i++)); do
		sleep 0.5
		printf '%s' "${1:i:1}" >&3 2>/dev/null || return
	done
}
# since T0: seconds from date +%s.%N T0 to now.
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { print b - a }'; }
# sleep_until T0 S: sleep until S seconds after T0.
sleep_until() {
	sleep "$(awk -v t="$(since "$1")" -v s="$2" \
	    'BEGIN { print (s > t ? s - t : 0) }')"
}

WORKERS=3 write_config "$T/drip.ini"
sed -i 's/^idle = .*/idle = 1500ms\nrequest_header = 4s/' "$T/drip.ini"
sed 's/^idle = .*/&\ntotal = 4s/' "$T/drip.ini" >"$T/drip-total.ini"
port=$(free_port)
"$EXTPROXY" -c "$T/drip.ini" -l "127.0.0.1:$port" 2>>"$T/drip.log" &
pid=$!
PIDS="$PIDS $pid"
tport=$(free_port)
"$EXTPROXY" -c "$T/drip-total.ini" -l "127.0.0.1:$tport" 2>>"$T/drip-total.log" &
tpid=$!
PIDS="$PIDS $tpid"
wait_for sh -c "ss -Htln 'sport = :$port' | grep -q ."
wait_for sh -c "ss -Htln 'sport = :$tport' | grep -q ."

# the params, dripped: about 100 bytes, 50s at this pace
fcgi_params REQUEST_METHOD=GET HTTP_PROXY_TO="$UP/echo" \
    HTTP_X_PAD=abcdefghijklmnopqrstuvwxyz
exec 3<>"/dev/tcp/127.0.0.1/$port"
t0=$(date +%s.%N)
fcgi_head >&3
drip "$params" &
dripper=$!
timed_get "127.0.0.1:$port" "$UP/echo"
check "a peer dripping its params does not block another worker" status_is 200
sleep_until "$t0" 2.75
check "... and outlives [timeouts] idle, byte by byte" \
    sh -c "ss -Htn state established 'dport = :$port' | grep -q ."
timeout 10 cat <&3 >/dev/null
t=$(since "$t0")
check "... but is dropped at [timeouts] request_header" within 3.9 7 "$t"
check "... and logged as such" grep -q "request_header" "$T/drip.log"
kill "$dripper" 2>/dev/null; wait "$dripper" 2>/dev/null
exec 3<&-
timed_get "127.0.0.1:$port" "$UP/echo"
check "the server answers normally after a dripped head" status_is 200

# the body dripped, with total = 4s: 408 at total, whether buffered
# (up to 64 KiB) or streamed to the upstream
for len in 40 70000; do
	fcgi_params REQUEST_METHOD=POST CONTENT_LENGTH=$len \
	    SCRIPT_NAME=/externalproxy HTTP_PROXY_TO="$UP/echo"
	exec 3<>"/dev/tcp/127.0.0.1/$tport"
	t0=$(date +%s.%N)
	{ fcgi_head; printf '%s' "$params"; fcgi_header 4 0; fcgi_header 5 40; } >&3
	drip 0123456789012345678901234567890123456789 &
	dripper=$!
	timeout 10 cat <&3 >"$T/drip.out"
	t=$(since "$t0")
	check "a $len-byte body dripped under idle gets a 408" \
	    grep -aq "Status: 408" "$T/drip.out"
	check "... at [timeouts] total" within 3.9 7 "$t"
	kill "$dripper" 2>/dev/null; wait "$dripper" 2>/dev/null
	exec 3<&-
done
check "... logged as a total timeout" \
    grep -q 'status=408 .*timeout=total reason="request body timeout"' \
    "$T/drip-total.log"
timed_get "127.0.0.1:$tport" "$UP/echo"
check "the server answers normally after dripped bodies" status_is 200

# with total = 0, a slow body (10 bytes over 5s) is legitimate
fcgi_params REQUEST_METHOD=POST CONTENT_LENGTH=10 \
    SCRIPT_NAME=/externalproxy HTTP_PROXY_TO="$UP/echo"
exec 3<>"/dev/tcp/127.0.0.1/$port"
{ fcgi_head; printf '%s' "$params"; fcgi_header 4 0; fcgi_header 5 10; } >&3
drip slow--body
fcgi_header 5 0 >&3
timeout 10 cat <&3 >"$T/drip.out"
exec 3<&-
check "with total = 0, a slow body outlives request_header and is relayed" \
    sh -c "grep -aq 'Status: 200' '$T/drip.out' && grep -aq slow--body '$T/drip.out'"
stop_pid "$pid"
stop_pid "$tpid"

# after the response, libfcgi reads until the web server closes before
# it closes; a peer that keeps dripping instead holds the only worker
# for 2s at most
WORKERS=1 MAX_WORKERS=1 write_config "$T/drip1.ini"
sed -i 's/^idle = .*/idle = 1500ms/' "$T/drip1.ini"
port=$(free_port)
"$EXTPROXY" -c "$T/drip1.ini" -l "127.0.0.1:$port" 2>>"$T/drip1.log" &
pid=$!
PIDS="$PIDS $pid"
wait_for sh -c "ss -Htln 'sport = :$port' | grep -q ."
fcgi_params REQUEST_METHOD=GET SCRIPT_NAME=/externalproxy \
    HTTP_PROXY_TO="$UP/echo"
exec 3<>"/dev/tcp/127.0.0.1/$port"
{ fcgi_head; printf '%s' "$params"; fcgi_header 4 0; fcgi_header 5 0; } >&3
drip 01234567890123456789 &
dripper=$!
sleep 0.3
timed_get "127.0.0.1:$port" "$UP/echo"
check "a peer that drips past its response frees the only worker" \
    status_is 200
check "... within 2s" within 0 4 "$t"
kill "$dripper" 2>/dev/null; wait "$dripper" 2>/dev/null
exec 3<&-
stop_pid "$pid"

# unix socket: stale file replaced, mode 0660, live socket refused
sock=$T/ep.sock
"$EXTPROXY" -c "$T/extproxy.ini" -l "$sock" 2>>"$T/extproxy.log" &
pid=$!
wait_for test -S "$sock"
kill -KILL "$pid"; wait "$pid" 2>/dev/null
check "a killed server leaves a stale socket" test -S "$sock"
"$EXTPROXY" -c "$T/extproxy.ini" -l "unix:$sock" 2>>"$T/extproxy.log" &
pid=$!
PIDS="$PIDS $pid"
wait_for sh -c "fcgi_out=\$(env -i REQUEST_METHOD=GET HTTP_PROXY_TO='$UP/echo' cgi-fcgi -bind -connect '$sock' </dev/null) && echo \"\$fcgi_out\" | grep -q '^Status: 200'"
check "stale socket replaced and served" sh -c "fcgi_out=\$(env -i REQUEST_METHOD=GET HTTP_PROXY_TO='$UP/echo' cgi-fcgi -bind -connect '$sock' </dev/null) && echo \"\$fcgi_out\" | grep -q '^Status: 200'"
check "socket mode is 0660" is "$(stat -c %a "$sock")" 660
"$EXTPROXY" -c "$T/extproxy.ini" -l "$sock" 2>"$T/second.log"; rc=$?
check "a socket in use is not stolen" sh -c "[ $rc = 1 ] && grep -q 'another process is listening' '$T/second.log'"
touch "$T/plain-file"
"$EXTPROXY" -c "$T/extproxy.ini" -l "$T/plain-file" 2>/dev/null; rc=$?
check "a path that is not a socket is never removed" sh -c "[ $rc = 1 ] && [ -f '$T/plain-file' ]"

# a FastCGI client that goes away frees its worker at once (web
# servers such as nginx close the FastCGI connection when their client
# leaves; lighttpd 1.4 does not while it waits for the response)
WORKERS=1 MAX_WORKERS=1 write_config "$T/one.ini"
sed -i 's/^response_header = .*/response_header = 20s/' "$T/one.ini"
"$EXTPROXY" -c "$T/one.ini" -l "$T/one.sock" 2>>"$T/one.log" &
one=$!
PIDS="$PIDS $one"
wait_for test -S "$T/one.sock"
env -i REQUEST_METHOD=GET HTTP_PROXY_TO="$UP/sleep/8000" \
    timeout 0.5 cgi-fcgi -bind -connect "$T/one.sock" </dev/null >/dev/null 2>&1
timed_get "$T/one.sock" "$UP/echo"
check "after its client left, the only worker serves the next request" \
    status_is 200
check "... at once, not when the upstream answers" within 0 2 "$t"
check "the abandoned transfer is logged as such" \
    grep -q 'reason="client went away"' "$T/one.log"
stop_pid "$one"

# graceful stop: ten requests in flight all complete
for i in $(seq 1 10); do
	fcgi_get "$sock" "$UP/sleep/600" >"$T/inflight.$i" 2>&1 &
	eval "c$i=\$!"
done
sleep 0.3
kill -TERM "$pid"
for i in $(seq 1 10); do
	eval "wait \$c$i"
done
wait "$pid"; rc=$?
check "SIGTERM with requests in flight exits 0" is "$rc" 0
check "the socket file is removed on exit" test ! -e "$sock"
ok=0
for i in $(seq 1 10); do
	grep -q '^Status: 200' "$T/inflight.$i" && grep -q slept "$T/inflight.$i" && ok=$((ok + 1))
done
check "all 10 in-flight requests completed after SIGTERM" is "$ok" 10

finish
