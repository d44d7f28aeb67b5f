#!/bin/bash
# SPDX-License-Identifier: ISC
# The access log: one line per request in the documented text and JSON
# formats, with the fields the README names, never a path or query
# unless [log] full_url (and never a query even then), and no way for a
# client to forge a field or a line.  JSON lines are parsed with jq.

. "${top_srcdir:-.}/tests/lib.sh"

require_cmd cgi-fcgi
require_cmd jq

start_upstream UP
DEAD_PORT=$(free_port)
UP=http://127.0.0.1:$UP_PORT

# fcgi METHOD TARGET [VAR=value...]: one request through cgi-fcgi.
fcgi() {
	local m=$1 target=$2
	shift 2
	env -i REQUEST_METHOD="$m" SCRIPT_NAME=/externalproxy \
	    SERVER_PROTOCOL=HTTP/1.1 HTTP_PROXY_TO="$target" "$@" \
	    cgi-fcgi -bind -connect "$SOCK" </dev/null >/dev/null 2>&1
}

# run_mix LOG: start extproxy on $T/ep.ini, send the mix, stop it.
run_mix() {
	SOCK=$T/ep.sock
	"$EXTPROXY" -c "$T/ep.ini" -l "$SOCK" 2>"$1" &
	local pid=$!
	PIDS="$PIDS $pid"
	wait_for test -S "$SOCK" || die "extproxy did not start"
	fcgi GET "$UP/echo?secret=hunter2"
	fcgi GET "$UP/bytes/1000?token=x"
	fcgi POST "$UP/echo" CONTENT_LENGTH=0
	fcgi GET "http://127.0.0.1:2/x"			# off the allowlist
	fcgi 'GE"T x=1' "$UP/echo"			# hostile method: 405
	fcgi GET "$UP/sleep/3000"			# response_header timeout
	stop_pid "$pid"
}

# ---- text ----
WORKERS=1 write_config "$T/ep.ini"
run_mix "$T/text.log"
grep 'access: ' "$T/text.log" | sed 's/^.*access: //' >"$T/text.lines"
check "text: one line per request" is "$(wc -l <"$T/text.lines")" 6
field() { sed -n "${1}p" "$T/text.lines" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n1; }
check "text: time is RFC 3339 UTC with ms" \
    sh -c "field_time='$(field 1 time)'; echo \"\$field_time\" | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z\$'"
check "text: method" is "$(field 1 method)" GET
check "text: target is scheme://host:port only" is "$(field 1 target)" "$UP"
check "text: status" is "$(field 1 status)" 200
check "text: bytes out counted" is "$(field 2 out)" 1000
check "text: bytes in counted" is "$(field 1 in)" 0
check "text: duration in ms" sh -c "echo '$(field 1 ms)' | grep -Eq '^[0-9]+\\.[0-9]\$'"
check "text: first request opened a connection" is "$(field 1 reused)" no
check "text: second request reused it" is "$(field 2 reused)" yes
check "text: aborted field" is "$(field 1 aborted)" no
check "text: POST logged" is "$(field 3 method)" POST
check "text: no path or query logged" not grep -Eq 'echo|secret|hunter2|token|bytes/' "$T/text.lines"
check "text: allowlist denial" sh -c "sed -n 4p '$T/text.lines' | grep -q ' status=403 .*deny=allowlist reason=\"target not allowed\"\$'"
check "text: hostile method cannot add fields" is "$(field 5 method)" "GE_T_x_1"
check "text: ... denied as a method" sh -c "sed -n 5p '$T/text.lines' | grep -q ' status=405 .*deny=method '"
check "text: ... and no field is doubled" is "$(sed -n 5p "$T/text.lines" | grep -o 'status=' | wc -l)" 1
check "text: timeout kind" sh -c "sed -n 6p '$T/text.lines' | grep -q ' status=504 .*timeout=response_header reason='"
check "text: a success has no deny or reason" not grep -Eq 'deny|reason' <(sed -n 1,3p "$T/text.lines")

# ---- text, full_url ----
WORKERS=1 write_config "$T/ep.ini"
printf 'full_url = true\n' >>"$T/ep.ini"
run_mix "$T/full.log"
grep 'access: ' "$T/full.log" | sed 's/^.*access: //' >"$T/text.lines"
check "full_url: path logged, query redacted" is "$(field 1 target)" "$UP/echo?REDACTED"
check "full_url: no query in the path" is "$(field 3 target)" "$UP/echo"
check "full_url: never a query value" not grep -Eq 'secret|hunter2|token' "$T/full.log"

# ---- json ----
WORKERS=1 write_config "$T/ep.ini"
printf 'format = json\n' >>"$T/ep.ini"
run_mix "$T/json.log"
grep '^{' "$T/json.log" >"$T/json.lines"
check "json: one line per request" is "$(wc -l <"$T/json.lines")" 6
check "json: no text access lines" not grep -q 'access: ' "$T/json.log"
json_ok() { jq -e -s 'length == 6 and all(type == "object")' "$T/json.lines" >/dev/null; }
check "json: every line is one valid object" json_ok
j() { sed -n "${1}p" "$T/json.lines" | jq -r "$2"; }
check "json: time" sh -c "echo '$(j 1 .time)' | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{3}Z\$'"
check "json: method" is "$(j 1 .method)" GET
check "json: target" is "$(j 1 .target)" "$UP"
check "json: status is a number" is "$(j 1 '.status | type')" number
check "json: status" is "$(j 1 .status)" 200
check "json: bytes_out" is "$(j 2 .bytes_out)" 1000
check "json: bytes_in" is "$(j 1 .bytes_in)" 0
check "json: duration_ms is a number" is "$(j 1 '.duration_ms | type')" number
check "json: reused is a boolean" is "$(j 2 .reused)" true
check "json: first not reused" is "$(j 1 .reused)" false
check "json: aborted" is "$(j 1 .aborted)" false
check "json: deny" is "$(j 4 .deny)" allowlist
check "json: reason" is "$(j 4 .reason)" "target not allowed"
check "json: hostile method escaped" is "$(j 5 .method)" "GE_T_x_1"
check "json: timeout kind" is "$(j 6 .timeout)" response_header
check "json: success has no deny" is "$(j 1 '.deny // "none"')" none
check "json: no path or query" not grep -Eq 'echo|secret|hunter2|token' "$T/json.lines"

# ---- json, full_url, a very long path ----
WORKERS=1 write_config "$T/ep.ini"
printf 'format = json\nfull_url = true\n' >>"$T/ep.ini"
SOCK=$T/ep.sock
"$EXTPROXY" -c "$T/ep.ini" -l "$SOCK" 2>"$T/long.log" &
pid=$!
PIDS="$PIDS $pid"
wait_for test -S "$SOCK" || die "extproxy did not start"
long=$(head -c 6000 /dev/zero | tr '\0' a)
fcgi GET "$UP/x/$long?k=v"
stop_pid "$pid"
grep '^{' "$T/long.log" >"$T/long.lines"
one_json() { [ "$(wc -l <"$1")" = 1 ] && jq -e . "$1" >/dev/null; }
check "long path: still one valid JSON line" one_json "$T/long.lines"
check "long path: the fields after the target survive" is "$(jq -r .status "$T/long.lines")" 404
check "long path: target cut at 1023 bytes" is "$(jq -r '.target | length' "$T/long.lines")" 1023

# ---- off ----
WORKERS=1 write_config "$T/ep.ini"
printf 'access = false\n' >>"$T/ep.ini"
run_mix "$T/off.log"
check "access = false: no access lines" not grep -q -e 'access: ' -e '^{' "$T/off.log"

finish
