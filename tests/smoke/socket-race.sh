#!/bin/bash
# SPDX-License-Identifier: ISC
# A unix socket in a directory another account can write: that account
# may replace the socket's name by a symlink at any moment.  extproxy,
# started as root, must never change the owner or mode of what the name
# then points to.  tests/bindrace.so makes the race deterministic: right
# after extproxy's bind() it renames a symlink to a root-owned 0600
# file over the socket path, the move an attacker racing with inotify
# would make.  Needs root.

. "${top_srcdir:-.}/tests/lib.sh"

[ "$(id -u)" = 0 ] || { echo "# SKIP: needs root"; exit 77; }
require_cmd cgi-fcgi
SHIM=$top_builddir/tests/bindrace.so
[ -f "$SHIM" ] || die "$SHIM is not built"
# an ASan build wants its runtime first; the shim only wraps bind()
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0

start_upstream UP
UP=http://127.0.0.1:$UP_PORT
uid=$(id -u "$TEST_USER")
gid=$(id -g "$TEST_USER")

cat >"$T/e.ini" <<INI
[server]
$SERVER_USER
workers = 2
[allow]
urls = http://127.0.0.1:$UP_PORT
[network]
allow = 127.0.0.0/8
INI

# the victim: root's, 0600, outside the attacker's directory
victim=$T/victim
echo secret >"$victim"
chown 0:0 "$victim"
chmod 0600 "$victim"
# the attacker's directory: owned by the [server] user, as the README
# suggests for a socket the user must be able to remove
dir=$T/run
mkdir "$dir"
chown "$TEST_USER" "$dir"
chmod 0755 "$dir"

fcgi_get() {
	env -i REQUEST_METHOD=GET SCRIPT_NAME=/externalproxy \
	    SERVER_PROTOCOL=HTTP/1.1 HTTP_PROXY_TO="$2" \
	    cgi-fcgi -bind -connect "$1" </dev/null
}

victim_intact() {
	is "$(stat -c '%u:%g %a' "$victim")" "0:0 600" &&
	    is "$(cat "$victim")" secret
}

# start SOCKET: extproxy on SOCKET with the shim; waits until it serves
start() {
	LD_PRELOAD=$SHIM BINDRACE_FROM="$dir/link" BINDRACE_TO="$1" \
	    BINDRACE_DONE="$T/raced" \
	    "$EXTPROXY" -c "$T/e.ini" -l "$1" 2>>"$T/extproxy.log" &
	pid=$!
	PIDS="$PIDS $pid"
}

# 1. the race, made deterministic
sock=$dir/extproxy.sock
ln -s "$victim" "$dir/link"
start "$sock"
wait_for test -S "$sock"
check "the shim ran its race (symlink renamed over the socket path)" \
    test -e "$T/raced"
check "the file the symlink named keeps owner root and mode 0600" victim_intact
check "the socket is in place" test -S "$sock"
check "... owned by the [server] user and its group" \
    is "$(stat -c '%u:%g' "$sock")" "$uid:$gid"
check "... with mode 0660" is "$(stat -c '%a' "$sock")" 660
out=$(fcgi_get "$sock" "$UP/echo")
check "... and serves" sh -c "printf '%s' \"\$1\" | grep -q '^Status: 200'" _ "$out"
check "no private directory is left behind" \
    is "$(find "$dir" -mindepth 1 -name '.extproxy-*' | wc -l)" 0
kill -TERM "$pid"; wait "$pid"

# 2. a symlink already at the path: refused, the target untouched
rm -f "$T/raced"
ln -s "$victim" "$dir/pre.sock"
"$EXTPROXY" -c "$T/e.ini" -l "$dir/pre.sock" 2>"$T/pre.log"; rc=$?
check "a symlink at the socket path: exits 1" is "$rc" 1
check "... saying it is not a socket" grep -q "exists and is not a socket" "$T/pre.log"
check "... and the file it names is unchanged" victim_intact
check "... and the symlink is still there" test -L "$dir/pre.sock"

# 3. a stale socket (nobody listening) is replaced
sock=$dir/stale.sock
python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' \
    "$sock" 2>/dev/null || die "cannot make a stale socket"
start "$sock"
wait_for sh -c "[ \"\$(stat -c %u '$sock')\" = $uid ]"
out=$(fcgi_get "$sock" "$UP/echo")
check "a stale socket is replaced by a serving one" \
    sh -c "printf '%s' \"\$1\" | grep -q '^Status: 200'" _ "$out"
check "... owned by the [server] user, mode 0660" \
    is "$(stat -c '%u:%g %a' "$sock")" "$uid:$gid 660"

# 4. ... but a live one is not
"$EXTPROXY" -c "$T/e.ini" -l "$sock" 2>"$T/live.log"; rc=$?
check "a socket someone listens on: exits 1" is "$rc" 1
check "... saying so" grep -q "another process is listening on it" "$T/live.log"
out=$(fcgi_get "$sock" "$UP/echo")
check "... and the first server still serves on it" \
    sh -c "printf '%s' \"\$1\" | grep -q '^Status: 200'" _ "$out"
kill -TERM "$pid"; wait "$pid"

# 5. a directory only root may write (/run, say) works as before
rdir=$T/rootrun
mkdir "$rdir"
chmod 0755 "$rdir"
sock=$rdir/extproxy.sock
start "$sock"
wait_for test -S "$sock"
check "in a root-only directory: owned by the user, mode 0660" \
    is "$(stat -c '%u:%g %a' "$sock")" "$uid:$gid 660"
out=$(fcgi_get "$sock" "$UP/echo")
check "... and serves" sh -c "printf '%s' \"\$1\" | grep -q '^Status: 200'" _ "$out"
kill -TERM "$pid"; wait "$pid"
check "... no private directory left behind" \
    is "$(find "$rdir" -mindepth 1 -name '.extproxy-*' | wc -l)" 0

finish
