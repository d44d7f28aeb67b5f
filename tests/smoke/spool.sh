#!/bin/bash
# SPDX-License-Identifier: ISC
# Request bodies sent again: behind lighttpd, with one worker, a 200 KiB
# and a 5 MiB POST on a pooled connection that the upstream drops after
# reading the request arrive whole (same SHA-256) on the retry; the
# copy is the worker's one descriptor on a file with no name in
# [server] temp_dir, mode 0600, holding the body while its request runs
# and emptied when it ends; the metrics count the bytes copied.  [server] temp_dir that cannot take a file is
# refused by -t and at start (as [server] user when started as root);
# a copy cut short by a file size limit (and, as root, by a full
# tmpfs) lets the body stream on whole, and only a request that must be
# sent again fails, with 502, logged and counted.  In CGI mode a
# temp_dir that cannot take a file does not stop the request.

. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/lighttpd.sh"
. "$top_srcdir/tests/scenarios.sh"

require_cmd lighttpd
require_cmd curl
require_cmd cgi-fcgi
require_cmd sha256sum
start_upstream UP
start_upstream CUT "-n 1"
DEAD_PORT=$(free_port)
WEB_PORT=$(free_port)
PROXY_URL=http://127.0.0.1:$WEB_PORT/externalproxy
UP=http://127.0.0.1:$UP_PORT
C=http://127.0.0.1:$CUT_PORT
SOCK=$T/extproxy.sock
SPOOL=$T/spool
REPLAY=65536	# BODY_REPLAY_MAX: kept in memory, the rest is spooled

# spool_dir DIR: a directory the serving user may write to
spool_dir() {
	mkdir -p "$1"
	[ -z "$TEST_USER" ] || chown "$TEST_USER" "$1"
}

# ini FILE TEMP_DIR: the test configuration, with [server] temp_dir,
# 8M bodies, the CUT origin and the metrics path
ini() {
	WORKERS=1 write_config "$1"
	sed -i -e "s|^\[server\]|[server]\ntemp_dir = $2|" \
	    -e "s|^max_request_body = .*|max_request_body = 8M|" \
	    -e "s|^urls = |urls = $C, |" "$1"
	printf '[metrics]\npath = /externalproxy/metrics\n' >>"$1"
}

# spool_fds PID DIR: the descriptors of PID open on a file in DIR, as
# "SIZE MODE LINKS" lines
spool_fds() {
	local f
	for f in /proc/"$1"/fd/*; do
		case $(readlink "$f") in
		"$2"/*) stat -L -c '%s %a %h' "$f" ;;
		esac
	done
}

# echoed_sha N: the SHA-256 of the last N bytes of the echoed body
echoed_sha() { tail -c "$1" "$T/body" | sha256sum | cut -d' ' -f1; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

# metric NAME: its value in a scrape through lighttpd
metric() {
	curl -s "http://127.0.0.1:$WEB_PORT/externalproxy/metrics" |
	    tr -d '\r' | awk -v k="$1" '$1 == k { print $2 }'
}

spool_dir "$SPOOL"
ini "$T/extproxy.ini" "$SPOOL"
out=$("$EXTPROXY" -t -c "$T/extproxy.ini" 2>&1); rc=$?
check "-t: a writable temp_dir is fine" is "$rc" 0
"$EXTPROXY" -c "$T/extproxy.ini" -l "$SOCK" 2>>"$T/extproxy.log" &
EP_PID=$!
PIDS="$PIDS $EP_PID"
wait_for test -S "$SOCK" || die "extproxy did not start"
lighttpd_socket_conf "$T/extproxy-lighttpd.conf" "$SOCK"
lighttpd_conf "$T/lighttpd.conf" "$T/extproxy-lighttpd.conf"
start_lighttpd "$T/lighttpd.conf"
check "nothing in temp_dir after the start-up check" \
    is "$(ls -A "$SPOOL")" ""

# --- the upstream answers one request per connection, drops the next
head -c 204800 /dev/urandom >"$T/200k.bin"
head -c 5242880 /dev/urandom >"$T/5m.bin"
for f in 200k 5m; do
	len=$(stat -c %s "$T/$f.bin")
	s=$(px "$C/echo")
	check "$f: a GET leaves a pooled connection" is "$s" 200
	s=$(px "$C/echo" --data-binary @"$T/$f.bin")
	check "$f POST on the dropped pooled connection: sent again, 200" \
	    is "$s" 200
	check "... on a new connection" is "$(hdr X-Req-Seq)" 1
	check "... with its body whole" is "$(hdr X-Body-Length)" "$len"
	check "... the same SHA-256" is "$(echoed_sha "$len")" "$(sha "$T/$f.bin")"
	check "... one descriptor on temp_dir, the worker's: empty, 0600, no name" \
	    is "$(spool_fds "$EP_PID" "$SPOOL")" "0 600 0"
	check "... nothing in temp_dir" is "$(ls -A "$SPOOL")" ""
done
check "metrics: the bytes past the first 64 KiB were spooled" \
    is "$(metric extproxy_request_body_spooled_bytes_total)" \
    $((204800 - REPLAY + 5242880 - REPLAY))
check "metrics: no spool failure" \
    is "$(metric extproxy_request_body_spool_failures_total)" 0

# --- while a body's request runs, the file holds what is past memory
spooling() { [ "$(spool_fds "$EP_PID" "$SPOOL")" = "$((204800 - REPLAY)) 600 0" ]; }
px "$UP/sleep/800" --data-binary @"$T/200k.bin" >/dev/null &
curl_pid=$!
check "during the request: the copy past 64 KiB, mode 0600, no name" \
    wait_for spooling
check "... nothing in temp_dir" is "$(ls -A "$SPOOL")" ""
wait "$curl_pid"
check "after it: emptied" is "$(spool_fds "$EP_PID" "$SPOOL")" "0 600 0"

# a small body stays in memory
s=$(px "$C/echo")
s=$(px "$C/echo" --data-binary @<(head -c 65536 "$T/200k.bin"))
check "64 KiB POST sent again from memory" is "$(hdr X-Body-Length)" 65536
check "metrics: nothing more spooled" \
    is "$(metric extproxy_request_body_spooled_bytes_total)" \
    $((2 * (204800 - REPLAY) + 5242880 - REPLAY))

# --- temp_dir that cannot take a file: -t and start-up refuse it
mkdir -p "$T/rootonly"
chmod 0755 "$T/rootonly"
[ -z "$TEST_USER" ] && chmod 0555 "$T/rootonly"
: >"$T/afile"
for bad in /nonexistent/extproxy "$T/afile" "$T/rootonly"; do
	case $bad in
	/nonexistent*) why="No such file or directory" ;;
	"$T/afile") why="Not a directory" ;;
	*) why="Permission denied" ;;
	esac
	ini "$T/bad.ini" "$bad"
	out=$("$EXTPROXY" -t -c "$T/bad.ini" 2>&1); rc=$?
	check "-t: temp_dir $(basename "$bad"): exits 1" is "$rc" 1
	check "... saying why" grep -q \
	    "\[server\] temp_dir: cannot keep request bodies in $bad as uid [0-9]*: $why" \
	    <<<"$out"
	check "... nothing left in temp_dir" is "$(ls -A "$T/rootonly")" ""
	"$EXTPROXY" -c "$T/bad.ini" -l "$T/bad.sock" 2>"$T/bad.log"; rc=$?
	check "start-up: temp_dir $(basename "$bad"): exits 1" is "$rc" 1
	check "... saying why" grep -q "\[server\] temp_dir: .*: $why" "$T/bad.log"
	check "... never serving" not grep -q "serving FastCGI" "$T/bad.log"
done
if [ -n "$TEST_USER" ]; then
	uid=$(id -u "$TEST_USER")
	check "-t as root checks as [server] user" grep -q "as uid $uid:" <<<"$out"
fi

# --- CGI mode: each request a start; it serves without a copy
ini "$T/cgi.ini" /nonexistent/extproxy
env -i REQUEST_METHOD=POST CONTENT_LENGTH=204800 HTTP_PROXY_TO="$UP/echo" \
    "$EXTPROXY" -c "$T/cgi.ini" <"$T/200k.bin" >"$T/cgi.out" 2>"$T/cgi.log"
check "CGI, temp_dir missing: the POST is relayed" \
    grep -q "^Status: 200" "$T/cgi.out"
check "... whole" is "$(tail -c 204800 "$T/cgi.out" | sha256sum | cut -d' ' -f1)" \
    "$(sha "$T/200k.bin")"
check "... the failed copy logged" grep -q \
    "cannot keep a copy of a request body in \[server\] temp_dir (creating a file: No such file or directory)" \
    "$T/cgi.log"

# --- a copy cut short (ulimit -f): streams whole, 502 only to resend
# fcgi_post SOCK URL FILE: POST FILE through cgi-fcgi, into $T/out
fcgi_post() {
	env -i REQUEST_METHOD=POST SCRIPT_NAME=/externalproxy \
	    SERVER_PROTOCOL=HTTP/1.1 HTTP_PROXY_TO="$2" \
	    CONTENT_LENGTH="$(stat -c %s "$3")" \
	    cgi-fcgi -bind -connect "$1" <"$3" >"$T/out" 2>/dev/null
}
fcgi_get() {
	env -i REQUEST_METHOD=GET SCRIPT_NAME=/externalproxy \
	    SERVER_PROTOCOL=HTTP/1.1 HTTP_PROXY_TO="$2" \
	    cgi-fcgi -bind -connect "$1" </dev/null >"$T/out" 2>/dev/null
}
# limited NAME TEMP_DIR [prefix...]: a second extproxy on $T/NAME.sock
limited() {
	local name=$1 dir=$2
	shift 2
	ini "$T/$name.ini" "$dir"
	"$@" "$EXTPROXY" -c "$T/$name.ini" -l "$T/$name.sock" \
	    2>"$T/$name.log" &
	PIDS="$PIDS $!"
	eval "${name}_PID=$!"	# the prefix execs extproxy
	wait_for test -S "$T/$name.sock" || die "extproxy $name did not start"
}
# copy_cut NAME WHY DIR: through extproxy NAME, whose copies in DIR
# fail with WHY
copy_cut() {
	local sock=$T/$1.sock why=$2 pid
	eval "pid=\$${1}_PID"
	fcgi_post "$sock" "$UP/echo" "$T/200k.bin"
	check "$1: a POST whose copy failed is relayed" grep -q "^Status: 200" "$T/out"
	check "... whole" is "$(tail -c 204800 "$T/out" | sha256sum | cut -d' ' -f1)" \
	    "$(sha "$T/200k.bin")"
	check "... the failure logged" grep -q \
	    "cannot keep a copy of a request body in \[server\] temp_dir (writing: $why)" \
	    "$T/$1.log"
	fcgi_get "$sock" "$C/echo"
	fcgi_post "$sock" "$C/echo" "$T/200k.bin"
	check "$1: on a dropped connection it cannot be sent again: 502" \
	    grep -q "^Status: 502" "$T/out"
	check "... and says why" grep -q "request body cannot be resent" "$T/out"
	check "... in the log too" grep -q \
	    "cannot be sent again on a new upstream connection" "$T/$1.log"
	fcgi_get "$sock" "$C/echo"
	fcgi_post "$sock" "$C/echo" "$T/5m.bin" >/dev/null
	check "$1: the next one too" grep -q "^Status: 502" "$T/out"
	check "... the worker's copy emptied" \
	    is "$(spool_fds "$pid" "$3")" "0 600 0"
	env -i REQUEST_METHOD=GET SCRIPT_NAME=/externalproxy \
	    PATH_INFO=/metrics cgi-fcgi -bind -connect "$sock" \
	    </dev/null >"$T/out" 2>/dev/null
	check "... each failed copy counted" is "$(tr -d '\r' <"$T/out" |
	    awk '$1 == "extproxy_request_body_spool_failures_total" { print $2 }')" 3
}

spool_dir "$T/fsize"
limited fsize "$T/fsize" bash -c 'ulimit -f 100 && exec "$@"' _
copy_cut fsize "File too large" "$T/fsize"

if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null &&
    unshare -m true 2>/dev/null; then
	# a tmpfs of 128 KiB, in extproxy's own mount namespace
	mkdir -p "$T/full"
	limited full "$T/full" unshare -m bash -c \
	    'mount -t tmpfs -o size=128k,mode=0777 tmpfs "$0" && exec "$@"' \
	    "$T/full"
	copy_cut full "No space left on device" "$T/full"
	# full already at start: 4 KiB
	out=$(unshare -m bash -c 'mount -t tmpfs -o size=4k,mode=0777 tmpfs "$0" &&
	    head -c 4096 /dev/zero >"$0/filler" && "$1" -t -c "$2"' \
	    "$T/full" "$EXTPROXY" "$T/full.ini" 2>&1); rc=$?
	check "-t: a full temp_dir: exits 1" is "$rc" 1
	check "... saying why" grep -q \
	    "temp_dir: cannot keep request bodies in $T/full as uid [0-9]*: No space left on device" \
	    <<<"$out"
else
	echo "# SKIP: a full tmpfs needs root and unshare -m"
fi

finish
