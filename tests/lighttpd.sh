# SPDX-License-Identifier: ISC
# tests/lighttpd.sh: lighttpd configurations for the tests (sourced).

# lighttpd_conf FILE INCLUDED: lighttpd on 127.0.0.1:$WEB_PORT, its
# errors in $T, INCLUDED (an etc/lighttpd-extproxy*.conf made by
# etc_conf) included for /externalproxy.
lighttpd_conf() {
	mkdir -p "$T/www"
	cat >"$1" <<CONF
server.document-root = "$T/www"
server.bind = "127.0.0.1"
server.port = $WEB_PORT
server.errorlog = "$T/lighttpd-error.log"
include "$2"
CONF
}

# lighttpd_socket_conf OUT SOCKET: etc/lighttpd-extproxy-socket.conf
# pointed at SOCKET, into OUT (an INCLUDED for lighttpd_conf).
lighttpd_socket_conf() {
	sed "s|/run/extproxy.sock|$2|g" \
	    "$top_srcdir/etc/lighttpd-extproxy-socket.conf" >"$1"
}
