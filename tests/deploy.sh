# SPDX-License-Identifier: ISC
# tests/deploy.sh: run the web servers users deploy extproxy under, each
# with the configuration file from etc/ that the README tells users to
# include (sourced after tests/lib.sh and tests/scenarios.sh).
#
# The etc/ files name the installed paths (/usr/local/bin/extproxy,
# /run/extproxy.sock, ...); etc_conf maps them to the test's own and
# refuses a file that still names a path the test does not map, so the
# tests always run the very file users copy.

SMOKE=$top_srcdir/scripts/extproxy-smoke
INI=$T/extproxy.ini
SOCK=$T/extproxy.sock

# The user web server workers run as when the test runs as root (they
# refuse to serve as root); empty otherwise.
WEB_USER=
if [ "$(id -u)" = 0 ]; then
	WEB_USER=www-data
	# the workers must reach the sockets and files in $T
	chmod 0711 "$T"
fi

# etc_conf NAME OUT [EP_ADDR]: etc/NAME with the installed paths mapped
# to the test's, into OUT.  With EP_ADDR (host:port) the unix socket
# becomes that TCP address.
etc_conf() {
	local src=$top_srcdir/etc/$1 out=$2 addr=${3:-}
	[ -f "$src" ] || die "no $src"
	sed -e "${addr:+s|unix:/run/extproxy.sock|$addr|g}" \
	    -e "s|/run/lighttpd/extproxy.sock|$SOCK|g" \
	    -e "s|/run/extproxy.sock|$SOCK|g" \
	    -e "s|/run/extproxy.pid|$T/extproxy.pid|g" \
	    -e "s|/usr/local/bin/extproxy|$EXTPROXY|g" \
	    -e "s|/usr/local/etc/extproxy.ini|$INI|g" \
	    -e "s|/usr/local/libexec/extproxy/extproxy.cgi|$T/extproxy.cgi|g" \
	    "$src" >"$out"
	if sed -e 's/#.*//' "$out" | grep -q -e '/usr/local/' -e '/run/' -e '/etc/'; then
		die "etc/$1 names a path the tests do not map: $(grep -n -e '/usr/local/' -e '/run/' -e '/etc/' "$out" | grep -v '^[0-9]*:[[:space:]]*#')"
	fi
}

# start_spawn_fcgi PROCS: extproxy on the unix socket $SOCK through
# spawn-fcgi, PROCS processes of the $INI configuration, reachable by
# $WEB_USER; sets SPAWNED (their PIDs).
start_spawn_fcgi() {
	local p
	rm -f "$SOCK" "$T/extproxy.pid"
	# spawn-fcgi points a forked child's stderr at /dev/null: the shell
	# keeps extproxy's log (and any sanitizer report) and execs it
	spawn-fcgi -s "$SOCK" -M 0660 ${WEB_USER:+-U "$WEB_USER" -G "$WEB_USER"} \
	    -F "$1" -P "$T/extproxy.pid" -- /bin/sh -c 'exec "$0" -c "$1" 2>>"$2"' \
	    "$EXTPROXY" "$INI" "$T/extproxy.log" \
	    >>"$T/spawn-fcgi.log" 2>&1 || die "spawn-fcgi failed"
	wait_for test -S "$SOCK" || die "extproxy did not start"
	SPAWNED=$(tr '\n' ' ' <"$T/extproxy.pid")
	PIDS="$PIDS $SPAWNED"
	for p in $SPAWNED; do
		kill -0 "$p" || die "extproxy $p from spawn-fcgi is not running"
	done
}

stop_spawned() {
	local p
	for p in ${SPAWNED:-}; do
		kill "$p" 2>/dev/null
	done
	for p in ${SPAWNED:-}; do
		wait_for sh -c "! kill -0 $p" || die "extproxy $p does not stop"
	done
	SPAWNED=
}

# ---- Apache ----

APACHE_KEEPALIVE=2

# apache_conf FILE MODULES INCLUDED: Apache on 127.0.0.1:$WEB_PORT with
# the given modules (names as in mod_NAME.so) and INCLUDED included.
apache_conf() {
	local m mods=
	mkdir -p "$T/www" "$T/apache-run" "$T/fcgid"
	[ -n "$WEB_USER" ] && chown "$WEB_USER" "$T/fcgid"
	for m in mpm_event authz_core $2; do
		mods="${mods}LoadModule ${m}_module /usr/lib/apache2/modules/mod_$m.so
"
	done
	cat >"$1" <<CONF
ServerRoot "$T"
ServerName 127.0.0.1
Listen 127.0.0.1:$WEB_PORT
PidFile "$T/apache.pid"
DefaultRuntimeDir "$T/apache-run"
ErrorLog "$T/apache-error.log"
LogLevel warn
${WEB_USER:+User $WEB_USER
Group $WEB_USER}
$mods
StartServers 1
ServerLimit 2
ThreadsPerChild 16
MaxRequestWorkers 32
KeepAlive On
# Without EXTPROXY_CLOSE_CLIENT, Apache would hold a client whose
# response broke until this runs out; the default of 5 would only slow
# the tests
KeepAliveTimeout $APACHE_KEEPALIVE
DocumentRoot "$T/www"
<Directory />
	Require all granted
</Directory>
<IfModule fcgid_module>
	FcgidIPCDir "$T/fcgid"
	FcgidProcessTableFile "$T/fcgid/shm"
</IfModule>
Include "$3"
CONF
}

# start_apache CONF: apache2 in the foreground with its own CONF.
start_apache() {
	require_cmd apache2
	apache2 -t -f "$1" >"$T/apache-check.log" 2>&1 ||
	    die "apache2 rejects $1: $(cat "$T/apache-check.log")"
	apache2 -f "$1" -DFOREGROUND >"$T/apache.log" 2>&1 &
	APACHE_PID=$!
	PIDS="$PIDS $APACHE_PID"
	wait_for curl -s -o /dev/null "http://127.0.0.1:$WEB_PORT/" ||
	    die "apache2 did not start"
}

# ---- nginx ----

# nginx_conf FILE UPSTREAM_CONF LOCATION_CONF: NGINX_CONNECTIONS (default
# 256) connections at most, client and upstream ones together.
nginx_conf() {
	local d
	mkdir -p "$T/www"
	for d in body fastcgi proxy uwsgi scgi; do
		mkdir -p "$T/nginx/$d"
	done
	cat >"$1" <<CONF
${WEB_USER:+user $WEB_USER;}
worker_processes 1;
daemon off;
pid $T/nginx.pid;
error_log $T/nginx-error.log warn;
events {
	worker_connections ${NGINX_CONNECTIONS:-256};
}
http {
	access_log off;
	client_body_temp_path $T/nginx/body;
	fastcgi_temp_path $T/nginx/fastcgi;
	proxy_temp_path $T/nginx/proxy;
	uwsgi_temp_path $T/nginx/uwsgi;
	scgi_temp_path $T/nginx/scgi;
	include $2;
	server {
		listen 127.0.0.1:$WEB_PORT;
		root $T/www;
		include $3;
	}
}
CONF
}

# start_nginx CONF: nginx in the foreground with its own prefix and CONF.
start_nginx() {
	require_cmd nginx
	nginx -t -p "$T/nginx/" -e "$T/nginx-error.log" -c "$1" \
	    >"$T/nginx-check.log" 2>&1 ||
	    die "nginx rejects $1: $(cat "$T/nginx-check.log")"
	nginx -p "$T/nginx/" -e "$T/nginx-error.log" -c "$1" \
	    >"$T/nginx.log" 2>&1 &
	NGINX_PID=$!
	PIDS="$PIDS $NGINX_PID"
	wait_for curl -s -o /dev/null "http://127.0.0.1:$WEB_PORT/" ||
	    die "nginx did not start"
}

# ---- checks every deployment runs besides run_scenarios ----

# deploy_smoke: extproxy-smoke, as users run it, against this deployment;
# its denied target is a loopback origin that must never be contacted.
deploy_smoke() {
	local decoy out rc
	decoy=$(conns "$DECOY_PORT")
	out=$("$SMOKE" -d "http://127.0.0.1:$DECOY_PORT/" "$PROXY_URL" "$UP/echo")
	rc=$?
	printf '%s\n' "$out" | sed 's/^/#   /'
	check "extproxy-smoke passes" is "$rc" 0
	check "extproxy-smoke printed only ok lines" \
	    sh -c "printf '%s\n' \"\$1\" | grep -q '^ok - ' && ! printf '%s\n' \"\$1\" | grep -qv '^ok - '" _ "$out"
	check "extproxy-smoke's denied target was never contacted" \
	    is "$(conns "$DECOY_PORT")" $((decoy + 1))
}

# smoke_fails: extproxy-smoke itself can fail: usage errors, a denied
# target that is relayed, and a URL where no extproxy is mounted.
smoke_fails() {
	local out rc
	"$SMOKE" --help | grep -q '^usage: extproxy-smoke'
	check "extproxy-smoke --help prints its usage" is "${PIPESTATUS[0]}" 0
	"$SMOKE" "$PROXY_URL" >/dev/null 2>&1; rc=$?
	check "extproxy-smoke without a target: usage error 2" is "$rc" 2
	out=$("$SMOKE" -d "$UP/echo" "$PROXY_URL" "$UP/echo"); rc=$?
	check "extproxy-smoke fails when the denied target is relayed" is "$rc" 1
	check "... naming that check" \
	    sh -c "printf '%s\n' \"\$1\" | grep -q '^FAIL - denied target: status 200'" _ "$out"
	out=$("$SMOKE" -d "http://127.0.0.1:$DECOY_PORT/" "$UP/echo" "$UP/echo"); rc=$?
	check "extproxy-smoke fails where no extproxy is mounted" is "$rc" 1
	check "... on the missing no-cache headers" \
	    sh -c "printf '%s\n' \"\$1\" | grep -q '^FAIL - Cache-Control'" _ "$out"
}

# deploy_authorization_forwarded: with Authorization no longer in
# [headers] strip_request, the web server hands it to extproxy (Apache
# needs CGIPassAuth) and it reaches the upstream.
deploy_authorization_forwarded() {
	local s
	s=$(px "$UP/echo" -H 'Authorization: Bearer passme' -H 'Cookie: a=b')
	check "Authorization forwarded when not stripped" body_has "^Authorization: Bearer passme"
	check "... Cookie still stripped" body_lacks "^Cookie:"
}

# write_auth_config: the test configuration, forwarding Authorization.
write_auth_config() {
	write_config "$INI"
	printf '[headers]\nstrip_request = Cookie, Proxy-Authorization\n' >>"$INI"
}
