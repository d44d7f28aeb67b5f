#!/bin/bash
# SPDX-License-Identifier: ISC
# Live reload (SIGHUP) under load: clients run throughout ten reloads
# that alternately allow and deny a second origin, and not one of their
# requests fails (in flight, queued or new); each change is visible on
# the first request after its reload is logged; pooled upstream
# connections survive every reload.  A bad file is refused with the
# messages of -t and changes nothing; keys that need a restart are
# reported and kept.  A reload that narrows [network] reaches the pooled
# connections: warm pools to 127.0.0.1 and ::1, loopback no longer
# allowed, and every request is a 403 (deny=address) the origin never
# sees; widening works again; a re-pinned name ([upstream] resolve) is
# fetched from its new address, never on a connection to the old one.

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

# ---- a reload reaches pooled connections ----
# hits PORT: requests the test origin on PORT has served
hits() { curl -s "http://127.0.0.1:$1/hits"; }
# access_since N: the access lines logged after the first N
access_since() { grep 'access: ' "$T/extproxy.log" | sed "1,${1}d"; }
naccess() { grep -c 'access: ' "$T/extproxy.log"; }
# reload_now: SIGHUP, and wait until the reload is logged
reload_now() {
	local before
	before=$(reloads)
	kill -HUP "$EP"
	wait_for sh -c "[ \$(grep -c 'reload: configuration .* loaded' '$T/extproxy.log') -gt $before ]" ||
	    die "reload was not logged"
}
# eight TARGET: the statuses of 8 requests, one after the other, sorted
eight() {
	local i
	for i in 1 2 3 4 5 6 7 8; do fcgi "$1"; done | sort | uniq -c |
	    awk '{ printf "%s%sx%s", sep, $1, $2; sep = " " }'
}
# warm TARGET: a pooled connection in each of the 4 workers
warm() {
	local i w=""
	for i in 1 2 3 4 5 6 7 8; do fcgi "$1" >/dev/null & w="$w $!"; done
	wait $w
}

# loopback of both families: the origin UP, and UP6 on ::1
"$UPSTREAM" -a ::1 -f "$T/UP6.port" >"$T/UP6.log" 2>&1 &
PIDS="$PIDS $!"
wait_for test -s "$T/UP6.port" || die "upstream UP6 did not start"
UP6=http://[::1]:$(cat "$T/UP6.port")
hits6() { curl -sg "$UP6/hits"; }
# network ALLOW: UP6 allow-listed too, [network] allow = ALLOW
network() {
	config yes
	sed -i -e "s|^urls = |urls = $UP6, |" \
	    -e "s|^allow = 127\\.0\\.0\\.0/8\$|allow = $1|" "$INI"
	reload_now
}

network "127.0.0.0/8, ::1"
warm "$UP/sleep/100"
warm "$UP6/sleep/100"
n=$(naccess)
check "warm pool: 8 requests are 200" is "$(eight "$UP/echo")" "8x200"
check "... and 8 over IPv6" is "$(eight "$UP6/echo")" "8x200"
check "... all on reused connections" \
    is "$(access_since "$n" | grep -c ' status=200 .* reused=yes ')" 16

# narrow [network]: loopback no longer allowed
h0=$(hits "$UP_PORT")
h6=$(hits6)
n=$(naccess)
network ""
check "after narrowing [network], 8 requests are refused" \
    is "$(eight "$UP/echo")" "8x403"
check "... and 8 over IPv6" is "$(eight "$UP6/echo")" "8x403"
check "... each logged as an address denial" \
    is "$(access_since "$n" | grep -c ' status=403 .*deny=address reason="target address not allowed"$')" 16
check "... and the origin saw none of them" is "$(hits "$UP_PORT")" "$h0"
check "... nor the IPv6 one" is "$(hits6)" "$h6"

# widen it again
network "127.0.0.0/8, ::1"
check "after widening [network] again, 8 requests are 200" \
    is "$(eight "$UP/echo")" "8x200"
check "... and 8 over IPv6" is "$(eight "$UP6/echo")" "8x200"

# re-pin a name: the pooled connections to the old address are not used
"$UPSTREAM" -a 127.0.0.2 -p "$UP_PORT" -f "$T/UP2.port" >"$T/UP2.log" 2>&1 &
PIDS="$PIDS $!"
wait_for test -s "$T/UP2.port" || die "upstream UP2 did not start"
# pin ADDRESS: pinned.test:UP_PORT allowed and pinned to ADDRESS
pin() {
	config yes "[upstream]" "resolve = pinned.test:$UP_PORT:$1"
	sed -i "s|^urls = |urls = http://pinned.test:$UP_PORT, |" "$INI"
	reload_now
}
pin 127.0.0.1
warm "http://pinned.test:$UP_PORT/sleep/100"
check "pinned to 127.0.0.1: 200" \
    is "$(eight "http://pinned.test:$UP_PORT/echo")" "8x200"
h1=$(hits "$UP_PORT")
h2=$(curl -s "http://127.0.0.2:$UP_PORT/hits")
pin 127.0.0.2
check "re-pinned to 127.0.0.2: 200" \
    is "$(eight "http://pinned.test:$UP_PORT/echo")" "8x200"
check "... all from the new address" \
    is "$(curl -s "http://127.0.0.2:$UP_PORT/hits")" "$((h2 + 8))"
check "... none from the old one" is "$(hits "$UP_PORT")" "$h1"

kill -TERM "$EP"; wait "$EP"; rc=$?
check "SIGTERM after reloads exits 0" is "$rc" 0
finish
