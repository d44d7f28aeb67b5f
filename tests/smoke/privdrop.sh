#!/bin/bash
# SPDX-License-Identifier: ISC
# Never serve as root: without [server] user, extproxy run as root
# refuses to start, in FastCGI and CGI mode alike, and says why; with
# user = nobody it opens its socket, then serves as nobody (every thread:
# real, effective, saved and filesystem ids, groups, no capabilities).
# Needs root.

. "${top_srcdir:-.}/tests/lib.sh"

[ "$(id -u)" = 0 ] || { echo "# SKIP: needs root"; exit 77; }
require_cmd cgi-fcgi

start_upstream UP
UP=http://127.0.0.1:$UP_PORT
uid=$(id -u "$TEST_USER")
gid=$(id -g "$TEST_USER")

# conf FILE [server lines...]
conf() {
	local file=$1
	shift
	{
		echo "[server]"
		printf '%s\n' "$@"
		echo "[allow]"
		echo "urls = http://127.0.0.1:$UP_PORT"
		echo "[network]"
		echo "allow = 127.0.0.0/8"
	} >"$file"
}

fcgi_get() {
	env -i REQUEST_METHOD=GET SCRIPT_NAME=/externalproxy \
	    SERVER_PROTOCOL=HTTP/1.1 HTTP_PROXY_TO="$2" \
	    cgi-fcgi -bind -connect "$1" </dev/null
}

# ids_are PID MIN: PID has MIN threads or more, and every one runs as
# $uid/$gid, with no capability.
ids_are() {
	local s ok=0
	for s in /proc/"$1"/task/*/status; do
		awk -v u="$uid" -v g="$gid" '
		    /^Uid:/ { if ($2 != u || $3 != u || $4 != u || $5 != u) bad = 1 }
		    /^Gid:/ { if ($2 != g || $3 != g || $4 != g || $5 != g) bad = 1 }
		    /^Groups:/ { for (i = 2; i <= NF; i++) if ($i == 0) bad = 1 }
		    /^Cap(Prm|Eff):/ { if ($2 !~ /^0+$/) bad = 1 }
		    END { exit bad }' "$s" || { echo "#   $s:"; grep -E '^(Uid|Gid|Groups|CapPrm|CapEff):' "$s"; return 1; }
		ok=$((ok + 1))
	done
	[ "$ok" -ge "$2" ] || { echo "#   $ok threads, expected $2 or more"; return 1; }
}

# root without [server] user: refused, before any socket exists
conf "$T/nouser.ini"
"$EXTPROXY" -c "$T/nouser.ini" -l "$T/nouser.sock" 2>"$T/nouser.log"; rc=$?
check "as root without [server] user: exits 1" is "$rc" 1
check "... saying so" grep -q "refusing to run as root: set \[server\] user" "$T/nouser.log"
check "... before opening its socket" test ! -e "$T/nouser.sock"
out=$(env -i REQUEST_METHOD=GET HTTP_PROXY_TO="$UP/echo" "$EXTPROXY" \
    -c "$T/nouser.ini" </dev/null 2>"$T/nouser-cgi.log"); rc=$?
check "CGI as root without [server] user: exits 1" is "$rc" 1
check "... saying so" grep -q "refusing to run as root" "$T/nouser-cgi.log"
check "... and relays nothing" is "$(conns "$UP_PORT")" 1

# accounts that cannot be used
conf "$T/root.ini" "user = root"
"$EXTPROXY" -c "$T/root.ini" -l "$T/root.sock" 2>"$T/root.log"; rc=$?
check "user = root is refused" sh -c "[ $rc = 1 ] && grep -q '\"root\" is root' '$T/root.log'"
conf "$T/nosuch.ini" "user = no-such-user-here"
"$EXTPROXY" -c "$T/nosuch.ini" -l "$T/nosuch.sock" 2>"$T/nosuch.log"; rc=$?
check "an unknown user is refused" sh -c "[ $rc = 1 ] && grep -q 'no user \"no-such-user-here\"' '$T/nosuch.log'"
out=$("$EXTPROXY" -t -c "$T/nosuch.ini" 2>&1); rc=$?
check "-t reports an unknown user" sh -c "[ $rc = 1 ] && printf '%s' \"\$1\" | grep -q 'no user'" _ "$out"
out=$("$EXTPROXY" -t -c "$T/nouser.ini" 2>&1); rc=$?
check "-t as root accepts a file without user (it may run elsewhere)" is "$rc" 0

# user = nobody: serves, as nobody
conf "$T/nobody.ini" "user = $TEST_USER" "workers = 3"
sock=$T/nobody.sock
"$EXTPROXY" -c "$T/nobody.ini" -l "$sock" 2>"$T/nobody.log" &
pid=$!
PIDS="$PIDS $pid"
wait_for test -S "$sock"
out=$(fcgi_get "$sock" "$UP/echo")
check "as $TEST_USER: serves FastCGI" sh -c "printf '%s' \"\$1\" | grep -q '^Status: 200'" _ "$out"
check "... and logs who it runs as" grep -q "running as user $TEST_USER (uid $uid" "$T/nobody.log"
check "every thread runs as $TEST_USER, without capabilities" ids_are "$pid" 4
check "the socket belongs to $TEST_USER" is "$(stat -c %u "$sock")" "$uid"
kill -TERM "$pid"; wait "$pid"; rc=$?
check "SIGTERM exits 0" is "$rc" 0
check "the socket is removed on exit" test ! -e "$sock"

# CGI mode: the same rule; the request is answered as nobody
env -i REQUEST_METHOD=GET HTTP_PROXY_TO="$UP/sleep/1500" "$EXTPROXY" \
    -c "$T/nobody.ini" </dev/null >"$T/cgi.out" 2>"$T/cgi.log" &
cgi=$!
PIDS="$PIDS $cgi"
wait_for grep -q "running as user" "$T/cgi.log"
check "CGI as $TEST_USER: the request runs as $TEST_USER" ids_are "$cgi" 1
wait "$cgi"; rc=$?
check "... and is relayed" sh -c "[ $rc = 0 ] && grep -q '^Status: 200' '$T/cgi.out'"

finish
