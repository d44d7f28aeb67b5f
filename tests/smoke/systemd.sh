#!/bin/bash
# SPDX-License-Identifier: ISC
# The systemd units as make install installs them: ExecStart runs the
# installed binary on the installed configuration, that command line
# serves FastCGI on a listening socket passed as fd 0 (what
# StandardInput=socket does), and systemd-analyze verify accepts both
# units, their man: links resolving to the installed pages.  Without
# systemd-analyze (systemd not installed), the last check is skipped
# and says so; the others still run.

. "${top_srcdir:-.}/tests/lib.sh"

require_cmd cgi-fcgi
ROOT=$T/root
make -s -C "$top_builddir" install DESTDIR="$ROOT" >"$T/install.log" 2>&1 ||
    die "make install DESTDIR=$ROOT failed: $(tail -n 5 "$T/install.log")"

service=$(find "$ROOT" -name extproxy.service -type f)
socket=$(find "$ROOT" -name extproxy.socket -type f)
if [ -z "$service" ] || [ -z "$socket" ]; then
	# configure --without-systemdsystemunitdir installs no units
	grep -q '^systemdsystemunitdir = ' "$top_builddir/Makefile" &&
	    die "make install installed no systemd units"
	echo "# units not installed (--without-systemdsystemunitdir): skipped"
	exit 77
fi
check "both units go into one directory" \
    is "$(dirname "$service")" "$(dirname "$socket")"

# ExecStart=PROGRAM -c CONFIG, with paths as installed
exec_start=$(sed -n 's/^ExecStart=//p' "$service")
read -r prog copt conf rest <<<"$exec_start"
echo "# ExecStart=$exec_start"
check "ExecStart has no unsubstituted @variable@" \
    not grep -q '@[a-z]*@' "$service"
check "ExecStart is PROGRAM -c CONFIG" \
    sh -c '[ "$1" = -c ] && [ -n "$2" ] && [ -z "$3" ]' _ "$copt" "$conf" "$rest"
check "ExecStart runs the installed extproxy" \
    cmp -s "$ROOT$prog" "$top_builddir/extproxy"
check "... which is executable" test -x "$ROOT$prog"
check "ExecStart's -c names the installed extproxy.ini" \
    cmp -s "$ROOT$conf" "$top_srcdir/etc/extproxy.ini"

# the socket hands over one listening socket, on fd 0, and nothing else
check "the socket unit passes a listening socket (Accept=no)" \
    grep -qx 'Accept=no' "$socket"
check "the service takes it on fd 0" grep -qx 'StandardInput=socket' "$service"
check "... and does not write to it" grep -qx 'StandardOutput=journal' "$service"
check "the service runs unprivileged" grep -qx 'User=extproxy' "$service"
check "the installed configuration leaves [server] listen empty" \
    grep -qx 'listen =' "$ROOT$conf"

# ExecStart, verbatim, on a listening socket as fd 0, and as an
# unprivileged user as User= has it: the installed configuration allows
# nothing, so a request gets extproxy's own 403
if command -v systemd-socket-activate >/dev/null 2>&1; then
	sock=$T/activate.sock
	as_user=
	if [ "$(id -u)" = 0 ]; then
		chmod 711 "$T"
		as_user="setpriv --reuid=nobody --regid=nogroup --clear-groups"
	fi
	systemd-socket-activate -l "$sock" --inetd \
	    $as_user "$ROOT$prog" -c "$ROOT$conf" 2>"$T/activate.log" &
	act=$!
	PIDS="$PIDS $act"
	wait_for test -S "$sock" || die "systemd-socket-activate did not start"
	out=$(env -i REQUEST_METHOD=GET HTTP_PROXY_TO=http://127.0.0.1:1/ \
	    cgi-fcgi -bind -connect "$sock" </dev/null)
	check "ExecStart serves FastCGI on the socket in fd 0" \
	    sh -c 'printf "%s\n" "$1" | grep -q "^Status: 403" &&
	        printf "%s\n" "$1" | grep -q "extproxy: target not allowed"' _ "$out"
	[ -n "$as_user" ] && check "... as the unprivileged user" \
	    is "$(ps -o user= -p "$act")" nobody
else
	echo "# systemd-socket-activate not installed: fd 0 serving is covered by spawn-fcgi.sh only"
fi

if command -v systemd-analyze >/dev/null 2>&1; then
	# verify needs ExecStart to exist on this machine: point it into
	# the staged root, and man: links at the staged pages
	mkdir -p "$T/units"
	sed "s|^ExecStart=$prog |ExecStart=$ROOT$prog |" "$service" \
	    >"$T/units/extproxy.service"
	cp "$socket" "$T/units/extproxy.socket"
	man8=$(find "$ROOT" -path '*/man8/extproxy.8')
	out=$(MANPATH=${man8%/man8/extproxy.8} systemd-analyze verify \
	    "$T/units/extproxy.service" "$T/units/extproxy.socket" 2>&1)
	rc=$?
	[ -n "$out" ] && printf '%s\n' "$out"
	check "systemd-analyze verify accepts both units, without a message" \
	    sh -c '[ "$1" = 0 ] && [ -z "$2" ]' _ "$rc" "$out"
else
	echo "# systemd-analyze not installed: units not verified by systemd"
fi

finish
