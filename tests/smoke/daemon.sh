#!/bin/bash
# The command line and the daemon's life: -h, -V, -t, -l on TCP and unix
# sockets (stale socket replaced, mode 0660, a live one refused), and a
# graceful stop on SIGTERM that lets in-flight requests finish.  The
# FastCGI client is cgi-fcgi from libfcgi.

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
"$EXTPROXY" -x >/dev/null 2>&1; rc=$?
check "unknown option exits 2" is "$rc" 2

out=$("$EXTPROXY" -t -c "$top_srcdir/etc/extproxy.ini" 2>&1); rc=$?
check "-t accepts the default configuration" is "$rc" 0
check "-t says it is ok" is "$out" "extproxy: configuration $top_srcdir/etc/extproxy.ini is ok"

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
WORKERS=1 write_config "$T/one.ini"
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
