#!/bin/bash
# nginx in front with fastcgi_keep_conn and an upstream keepalive pool:
# several requests travel over one FastCGI connection (FCGI_KEEP_CONN
# honoured), an idle kept connection never holds a worker, and a request
# whose body was left unread does not leave its connection kept.

. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/scenarios.sh"

require_cmd nginx
start_origins
SOCK=$T/extproxy.sock

WORKERS=2 LOG_LEVEL=debug write_config "$T/extproxy.ini"
"$EXTPROXY" -c "$T/extproxy.ini" -l "unix:$SOCK" >"$T/extproxy.log" 2>&1 &
EP_PID=$!
PIDS="$PIDS $EP_PID"
wait_for test -S "$SOCK" || die "extproxy did not start"

mkdir -p "$T/nginx"
cat >"$T/nginx.conf" <<CONF
daemon off;
user root;
worker_processes 1;
pid $T/nginx/nginx.pid;
error_log $T/nginx-error.log;
events { worker_connections 256; }
http {
	access_log off;
	client_max_body_size 10m;
	client_body_temp_path $T/nginx/body;
	fastcgi_temp_path $T/nginx/fastcgi;
	proxy_temp_path $T/nginx/proxy;
	uwsgi_temp_path $T/nginx/uwsgi;
	scgi_temp_path $T/nginx/scgi;
	upstream extproxy {
		server unix:$SOCK;
		keepalive 8;
	}
	server {
		listen 127.0.0.1:$WEB_PORT;
		location / { return 200 "up\n"; }
		location /externalproxy {
			include /etc/nginx/fastcgi_params;
			fastcgi_pass extproxy;
			fastcgi_keep_conn on;
			fastcgi_buffering off;
		}
	}
}
CONF
nginx -t -p "$T/nginx" -c "$T/nginx.conf" >"$T/nginx-check.log" 2>&1 ||
    die "nginx rejects its configuration: $(cat "$T/nginx-check.log")"
nginx -p "$T/nginx" -c "$T/nginx.conf" >"$T/nginx.log" 2>&1 &
PIDS="$PIDS $!"
wait_for curl -sf -o /dev/null "http://127.0.0.1:$WEB_PORT/" ||
    die "nginx did not start"

fcgi_conns() { grep -c 'new FastCGI connection' "$T/extproxy.log"; }

before=$(fcgi_conns)
for i in $(seq 1 30); do
	curl -s -o /dev/null -m 10 -H "Proxy-To: $UP/echo" "$PROXY_URL"
done
opened=$(( $(fcgi_conns) - before ))
echo "# 30 sequential requests over nginx keep_conn: $opened FastCGI connection(s)"
check "kept FastCGI connection carries the next requests" test "$opened" -le 2

# Two kept connections idle in nginx's pool must not hold the two
# workers: three parallel slow requests, then one more, all served.
par=
for i in 1 2 3; do
	curl -s -o "$T/par$i" -w '%{http_code}' -m 10 \
	    -H "Proxy-To: $UP/sleep/300" "$PROXY_URL" >"$T/par$i.status" &
	par="$par $!"
done
wait $par
check "parallel requests over kept connections served" \
    is "$(cat "$T/par1.status" "$T/par2.status" "$T/par3.status")" 200200200
s=$(curl -s -o /dev/null -w '%{http_code}' -m 5 -H "Proxy-To: $UP/echo" "$PROXY_URL")
check "a request after the pool filled is served" is "$s" 200

# A body refused unread (413: larger than max_request_body) must not
# leave stale stdin on a connection that serves the next request.
head -c 2000000 /dev/zero >"$T/big"
s=$(curl -s -o /dev/null -w '%{http_code}' -H "Proxy-To: $UP/echo" \
    --data-binary @"$T/big" "$PROXY_URL")
check "oversized body refused" is "$s" 413
for i in 1 2 3 4; do
	s=$(curl -s -o "$T/body" -w '%{http_code}' -H "Proxy-To: $UP/echo" \
	    --data-binary "n$i" "$PROXY_URL")
	check "request $i after the refused body relayed" is "$s" 200
	check "request $i got its own body echoed" grep -q "n$i" "$T/body"
done

WORKERS_TOTAL=2
run_scenarios

check "no FastCGI protocol errors logged" \
    not grep -qi 'protocol\|unexpected' "$T/extproxy.log"
finish
