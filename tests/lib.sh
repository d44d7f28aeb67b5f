# SPDX-License-Identifier: ISC
# tests/lib.sh: helpers shared by the shell tests (sourced, bash).
#
# Every test runs in its own temporary directory, starts its servers on
# free loopback ports, and stops them by PID on exit.  Checks print one
# "ok"/"FAIL" line each; the test exits non-zero if any check failed.

set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
EXTPROXY=$top_builddir/extproxy
UPSTREAM=$top_builddir/tests/upstream
RAWENV=$top_builddir/tests/rawenv	# env -i that keeps repeated names

T=$(mktemp -d "${TMPDIR:-/tmp}/extproxy-test.XXXXXX")

# As root, extproxy refuses to serve without [server] user: the test
# configurations then name TEST_USER ($SERVER_USER goes under [server]),
# which owns $T so that extproxy can still remove its sockets there.
if [ "$(id -u)" = 0 ]; then
	TEST_USER=${EXTPROXY_TEST_USER:-nobody}
	SERVER_USER="user = $TEST_USER"
	chown "$TEST_USER" "$T"
else
	TEST_USER=
	SERVER_USER=
fi
PIDS=""
npass=0
nfail=0

stop_all() {
	local p
	for p in $PIDS; do
		kill "$p" 2>/dev/null
	done
	for p in $PIDS; do
		wait "$p" 2>/dev/null
	done
	PIDS=""
}

cleanup() {
	stop_all
	if [ "$nfail" -eq 0 ] && [ -z "${KEEP_TMP:-}" ]; then
		rm -rf "$T"
	else
		echo "# logs kept in $T"
	fi
}
trap cleanup EXIT

die() {
	echo "FATAL: $*"
	for f in "$T"/*.log; do
		[ -f "$f" ] && { echo "--- $f"; tail -n 30 "$f"; }
	done
	exit 1
}

pass() { npass=$((npass + 1)); echo "ok - $*"; }
fail() { nfail=$((nfail + 1)); echo "FAIL - $*"; }

# check DESCRIPTION COMMAND...: pass if the command succeeds.
check() {
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}

# not COMMAND...: succeeds when the command fails.
not() { ! "$@"; }

# is GOT EXPECTED
is() { [ "$1" = "$2" ] || { echo "#   got '$1', expected '$2'"; return 1; }; }

# within MIN MAX SECONDS: MIN <= SECONDS < MAX.
within() {
	awk -v t="$3" -v lo="$1" -v hi="$2" 'BEGIN { exit !(t >= lo && t < hi) }' ||
	    { echo "#   took ${3}s, expected [$1, $2)"; return 1; }
}

# finish: stop every server, fail on any sanitizer report in the logs,
# print the tally and exit with it.
finish() {
	local f
	stop_all
	for f in "$T"/*.log; do
		[ -f "$f" ] || continue
		if grep -q -e 'Sanitizer' -e 'runtime error:' "$f"; then
			fail "sanitizer report in $(basename "$f")"
			grep -m 20 -A 10 -e 'Sanitizer' -e 'runtime error:' "$f"
		fi
	done
	echo "$npass passed, $nfail failed"
	[ "$nfail" -eq 0 ]
	exit
}

require_cmd() {
	command -v "$1" >/dev/null 2>&1 ||
	    die "$1 is not installed (run tests/install-deps)"
}

# A TCP port on 127.0.0.1 that no socket uses right now, below the
# kernel's ephemeral range so that no client connection takes it later.
free_port() {
	local p low
	read -r low _ </proc/sys/net/ipv4/ip_local_port_range
	[ "$low" -gt 12000 ] || low=32768
	while :; do
		p=$((10000 + RANDOM % (low - 10000)))
		if ! ss -Htan "sport = :$p" | grep -q .; then
			echo "$p"
			return
		fi
	done
}

# wait_for COMMAND...: retry for up to 10 s.
wait_for() {
	local i
	for i in $(seq 1 200); do
		"$@" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# start_upstream NAME [-B]: a test origin (with -B, a port whose
# connects hang); sets NAME_PORT and NAME_PID.
start_upstream() {
	local name=$1 pf="$T/$1.port"
	"$UPSTREAM" ${2:-} -f "$pf" >"$T/$name.log" 2>&1 &
	PIDS="$PIDS $!"
	eval "${name}_PID=$!"
	wait_for test -s "$pf" || die "upstream $name did not start"
	eval "${name}_PORT=$(cat "$pf")"
}

# conns PORT: TCP connections the test origin on PORT has accepted
# (the query itself included).
conns() {
	curl -s "http://127.0.0.1:$1/conns"
}

# start_lighttpd CONF: run lighttpd in the foreground on CONF.
start_lighttpd() {
	lighttpd -tt -f "$1" >"$T/lighttpd-check.log" 2>&1 ||
	    die "lighttpd rejects $1: $(cat "$T/lighttpd-check.log")"
	lighttpd -D -f "$1" >"$T/lighttpd.log" 2>&1 &
	LIGHTTPD_PID=$!
	PIDS="$PIDS $LIGHTTPD_PID"
	wait_for curl -s -o /dev/null "http://127.0.0.1:$WEB_PORT/" ||
	    die "lighttpd did not start"
}

stop_pid() {
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

# VmRSS of PID in KiB.
rss_kib() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# write_config FILE [extra INI lines...]: the test configuration.  Lines
# given as "[section] key = value" replace that key.  WORKERS (default
# 2) and MAX_WORKERS (default: extproxy's) size the pool.
write_config() {
	local file=$1
	shift
	cat >"$file" <<INI
[server]
workers = ${WORKERS:-2}
${MAX_WORKERS:+max_workers = $MAX_WORKERS}
$SERVER_USER
[allow]
urls = http://127.0.0.1:$UP_PORT, http://127.0.0.1:$DEAD_PORT, \\
       http://127.0.0.1:${HOLE_PORT:-1}, \\
       http://localhost:$UP_PORT/echo*
[timeouts]
connect = 2s
response_header = 1s
idle = 1s
[limits]
max_request_body = 1M
max_response_body = 30M
[redirects]
mode = ${REDIRECT_MODE:-passthrough}
[network]
allow = 127.0.0.0/8
[log]
level = ${LOG_LEVEL:-info}
INI
}
