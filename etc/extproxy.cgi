#!/bin/sh
# SPDX-License-Identifier: ISC
# extproxy as a plain CGI program: the web server runs this file once per
# request (see lighttpd-extproxy-cgi.conf).  extproxy sees no listening
# socket on fd 0 and answers the one request in its environment.
exec /usr/local/bin/extproxy -c /usr/local/etc/extproxy.ini
