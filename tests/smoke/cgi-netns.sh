#!/bin/bash
# SPDX-License-Identifier: ISC
# Plain CGI mode, and the address policy against non-loopback targets.
# Runs inside a new network namespace that has only a loopback interface
# (unshare -n, as root), so even a broken policy cannot send a packet
# anywhere but 127.0.0.1.

if [ -z "${EXTPROXY_IN_NETNS:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "FATAL: needs root for unshare -n"; exit 1; }
	exec unshare -n env EXTPROXY_IN_NETNS=1 bash "$0" "$@"
fi

. "${top_srcdir:-.}/tests/lib.sh"

ip link set lo up || die "cannot bring up lo in the namespace"
check "the namespace has no interface but lo" \
    test "$(ip -o link show | grep -vc ': lo:')" = 0

start_upstream UP
start_upstream DECOY
DEAD_PORT=$(free_port)
UP=http://127.0.0.1:$UP_PORT

# cgi CONFIG TARGET [VAR=value...]: one CGI request; prints the response.
cgi() {
	local cfg=$1 target=$2
	shift 2
	env -i REQUEST_METHOD=GET SERVER_PROTOCOL=HTTP/1.1 \
	    HTTP_PROXY_TO="$target" "$@" "$EXTPROXY" -c "$cfg" </dev/null \
	    2>>"$T/extproxy.log"
}
status_of() { head -n1 | tr -d '\r' | sed -n 's/^Status: \([0-9]*\).*/\1/p'; }

cat >"$T/public.ini" <<INI
[server]
$SERVER_USER
[allow]
urls = http://*:*, https://*:*, http://[*]:*
INI

for target in http://10.0.0.1/ http://10.255.255.255:8080/ \
    http://169.254.169.254/latest/meta-data/ http://172.16.0.1/ \
    http://192.168.1.1/ http://100.64.0.1/ http://0.0.0.0:$UP_PORT/ \
    http://127.0.0.1:$UP_PORT/echo http://127.1:$UP_PORT/echo \
    http://2130706433:$UP_PORT/echo http://0x7f.1:$UP_PORT/echo \
    "http://[::1]:$UP_PORT/" "http://[::ffff:169.254.169.254]/" \
    "http://[::ffff:127.0.0.1]:$UP_PORT/" "http://[fd00::1]/" \
    "http://[fe80::1]/" "http://[::]:$UP_PORT/" "http://localhost:$UP_PORT/echo" \
    http://224.0.0.1/ http://255.255.255.255/; do
	out=$(cgi "$T/public.ini" "$target")
	check "non-public address refused: ${target%%/latest*}" \
	    sh -c "printf '%s' \"\$1\" | grep -q '^Status: 403' &&
	        printf '%s' \"\$1\" | grep -q 'target address not allowed'" _ "$out"
done
check "the origin on loopback saw no proxied connection" is "$(conns "$UP_PORT")" 1

cat >"$T/loop.ini" <<INI
[server]
$SERVER_USER
[allow]
urls = http://127.0.0.1:*
[network]
allow = 127.0.0.0/8
deny = 127.0.0.2
INI
out=$(cgi "$T/loop.ini" "$UP/echo")
check "CGI mode relays a request" is "$(echo "$out" | status_of)" 200
check "CGI mode relays the body" sh -c "printf '%s' \"\$1\" | grep -q '^GET /echo'" _ "$out"
s=$(cgi "$T/loop.ini" "http://127.0.0.2:$UP_PORT/echo" | status_of)
check "[network] deny wins over allow" is "$s" 403

decoy=$(conns "$DECOY_PORT")
out=$(cgi "$T/loop.ini" "$UP/echo" HTTP_PROXY="http://127.0.0.1:$DECOY_PORT" \
    http_proxy="http://127.0.0.1:$DECOY_PORT" HTTPS_PROXY="http://127.0.0.1:$DECOY_PORT" \
    ALL_PROXY="http://127.0.0.1:$DECOY_PORT")
check "CGI: request relayed despite proxy variables" is "$(echo "$out" | status_of)" 200
check "CGI: httpoxy and *_proxy variables never used" is "$(conns "$DECOY_PORT")" $((decoy + 1))

s=$(env -i REQUEST_METHOD=GET "$EXTPROXY" -c "$T/loop.ini" </dev/null 2>/dev/null | status_of)
check "CGI: missing Proxy-To is 400" is "$s" 400

finish
