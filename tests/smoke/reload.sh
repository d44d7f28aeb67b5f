#!/bin/bash
# Live reload (SIGHUP) under load: clients run throughout ten reloads
# that alternately allow and deny a second origin, and not one of their
# requests fails (in flight, queued or new); each change is visible on
# the first request after its reload is logged; pooled upstream
# connections survive every reload.  A bad file is refused with the
# messages of -t and changes nothing; keys that need a restart are
# reported and kept.

. "${top_srcdir:-.}/tests/lib.sh"

require_cmd cgi-fcgi
require_cmd curl

start_upstream UP
start_upstream OTHER
DEAD_PORT=$(free_port)
UP=http://127.0.0.1:$UP_PORT
OTHER=http://127.0.0.1:$OTHER_PORT
SOCK=$T/ep.sock
INI=$T/ep.ini

# config ALLOW_OTHER [extra lines]: the configuration, replaced at once
config() {
	local allow=$1
	shift
	WORKERS=4 write_config "$T/new.ini"
	if [ "$allow" = yes ]; then
		sed -i "s|^urls = |urls = $OTHER, |" "$T/new.ini"
	fi
	printf '[metrics]\npath = /m\n' >>"$T/new.ini"
	printf '%s\n' "$@" >>"$T/new.ini"
	mv "$T/new.ini" "$INI"
}

# fcgi TARGET: status of one GET through cgi-fcgi
fcgi() {
	env -i REQUEST_METHOD=GET SCRIPT_NAME=/x HTTP_PROXY_TO="$1" \
	    cgi-fcgi -bind -connect "$SOCK" </dev/null 2>/dev/null |
	    tr -d '\r' | sed -n 's/^Status: \([0-9]*\).*/\1/p'
}

metric() {
	env -i REQUEST_METHOD=GET SCRIPT_NAME=/m cgi-fcgi -bind \
	    -connect "$SOCK" </dev/null 2>/dev/null | tr -d '\r' |
	    awk -v k="$1" '$1 == k { print $2 }'
}

reloads() { grep -c 'reload: configuration .* loaded' "$T/extproxy.log"; }
refusals() { grep -c 'reload: configuration .* has [0-9]* errors*;' "$T/extproxy.log"; }

config no
"$EXTPROXY" -c "$INI" -l "$SOCK" 2>"$T/extproxy.log" &
EP=$!
PIDS="$PIDS $EP"
wait_for test -S "$SOCK" || die "extproxy did not start"
check "before any reload the other origin is denied" is "$(fcgi "$OTHER/echo")" 403

# warm the pool: each of the 4 workers has a connection to UP
warm=""
for i in 1 2 3 4 5 6 7 8; do fcgi "$UP/sleep/100" >/dev/null & warm="$warm $!"; done
wait $warm
conns0=$(conns "$UP_PORT")

# the load: fast requests, and slow ones that are in flight at every
# reload; every status goes to a file
touch "$T/run"
load() {
	while [ -e "$T/run" ]; do
		echo "$(fcgi "$1")" >>"$2"
	done
}
load "$UP/echo" "$T/fast.st" &
L1=$!
load "$UP/sleep/300" "$T/slow.st" &
L2=$!
load "$UP/bytes/100" "$T/fast2.st" &
L3=$!
sleep 0.5

ok_visible=0
for i in $(seq 1 10); do
	if [ $((i % 2)) = 1 ]; then allow=yes; want=200; else allow=no; want=403; fi
	config "$allow"
	before=$(reloads)
	kill -HUP "$EP"
	wait_for sh -c "[ \$(grep -c 'reload: configuration .* loaded' '$T/extproxy.log') -gt $before ]" ||
	    die "reload $i was not logged"
	got=$(fcgi "$OTHER/echo")
	if [ "$got" = "$want" ]; then
		ok_visible=$((ok_visible + 1))
	else
		echo "#   reload $i: other origin gave $got, expected $want"
	fi
	sleep 0.3
done
check "each of the 10 reloads is visible on the next request" is "$ok_visible" 10

# a bad file: refused with the messages of -t, the old behaviour stays
# (the last good reload denied OTHER)
cat >"$T/bad.ini" <<'INI'
[server]
workers = 0
[allow]
urls = ftp://nope
INI
"$EXTPROXY" -t -c "$T/bad.ini" >"$T/t.out" 2>&1
cp "$T/bad.ini" "$INI"
kill -HUP "$EP"
wait_for sh -c "grep -q 'reload: configuration .* has 2 errors; keeping the running configuration' '$T/extproxy.log'" 
check "a bad reload is logged as refused" \
    grep -q "reload: configuration $INI has 2 errors; keeping the running configuration" "$T/extproxy.log"
msgs_same() {
	local m
	while read -r m; do
		m=${m#extproxy: $T/bad.ini: }
		grep -qF -- "$INI: $m" "$T/extproxy.log" || { echo "#   missing: $m"; return 1; }
	done < <(grep -v 'has 2 errors' "$T/t.out")
}
check "... with the messages of -t" msgs_same
check "... and the old configuration stays" is "$(fcgi "$OTHER/echo")" 403
check "... while good targets still work" is "$(fcgi "$UP/echo")" 200

# keys that need a restart: reported, kept; the rest applies
config yes "[server]" "listen = $T/other.sock"
sed -i 's/^workers = .*/workers = 7/' "$INI"
before=$(reloads)
kill -HUP "$EP"
wait_for sh -c "[ \$(grep -c 'reload: configuration .* loaded' '$T/extproxy.log') -gt $before ]" ||
    die "restart-key reload was not logged"
check "a changed workers needs a restart" \
    grep -q 'reload: \[server\] workers changed: needs a restart' "$T/extproxy.log"
check "a changed listen needs a restart" \
    grep -q 'reload: \[server\] listen changed: needs a restart' "$T/extproxy.log"
check "... and is not opened" test ! -e "$T/other.sock"
check "... while the other keys apply" is "$(fcgi "$OTHER/echo")" 200

rm -f "$T/run"
wait "$L1" "$L2" "$L3"
total=$(cat "$T/fast.st" "$T/slow.st" "$T/fast2.st" | wc -l)
bad=$(cat "$T/fast.st" "$T/slow.st" "$T/fast2.st" | grep -vc '^200$')
echo "# $total requests under load across 12 reloads, $bad not 200"
check "the load ran throughout (> 100 requests)" test "$total" -gt 100
check "slow requests were in flight across the reloads" test "$(wc -l <"$T/slow.st")" -gt 10
check "not one request failed across the reloads" is "$bad" 0
conns1=$(conns "$UP_PORT")
check "pooled connections survive reloads (<= 4 new for 4 workers)" \
    test $((conns1 - conns0 - 1)) -le 4
echo "# upstream connections opened under load: $((conns1 - conns0 - 1))"

check "reloads counted" is "$(metric 'extproxy_config_reloads_total{result="ok"}')" 11
check "refused reloads counted" is "$(metric 'extproxy_config_reloads_total{result="error"}')" 1
check "last reload successful" is "$(metric extproxy_config_last_reload_successful)" 1

kill -TERM "$EP"; wait "$EP"; rc=$?
check "SIGTERM after reloads exits 0" is "$rc" 0
finish
