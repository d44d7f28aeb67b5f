# tests/lighttpd.sh: lighttpd configurations for the tests (sourced).

# lighttpd_conf FILE FASTCGI_BODY: lighttpd on 127.0.0.1:$WEB_PORT with
# extproxy mounted at /externalproxy; FASTCGI_BODY is the inside of the
# fastcgi.server host entry ("socket" => ..., or "bin-path" => ...).
lighttpd_conf() {
	mkdir -p "$T/www"
	cat >"$1" <<CONF
server.document-root = "$T/www"
server.bind = "127.0.0.1"
server.port = $WEB_PORT
server.errorlog = "$T/lighttpd-error.log"
server.modules = ( "mod_fastcgi" )
# relay response bodies as they arrive
server.stream-response-body = 2
fastcgi.server = ( "/externalproxy" => ( "extproxy" => (
$2,
	"check-local" => "disable",
) ) )
CONF
}
