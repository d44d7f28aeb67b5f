# SPDX-License-Identifier: ISC
# tests/scenarios.sh: the end-to-end checks every deployment must pass.
# Sourced after tests/lib.sh; expects PROXY_URL (where extproxy is
# mounted), UP_PORT (test origin), DEAD_PORT (allow-listed, closed),
# HOLE_PORT (allow-listed, connects hang),
# DECOY_PORT (a second origin nothing should reach) and WORKERS_TOTAL.


# start_origins: the origins and ports every scenario run needs, and
# PROXY_URL on the lighttpd port.
start_origins() {
	require_cmd lighttpd
	require_cmd curl
	start_upstream UP
	start_upstream DECOY
	start_upstream HOLE -B
	DEAD_PORT=$(free_port)
	WEB_PORT=$(free_port)
	PROXY_URL=http://127.0.0.1:$WEB_PORT/externalproxy
	UP=http://127.0.0.1:$UP_PORT
}

# px TARGET [curl args...]: request through extproxy; prints the status,
# leaves the body in $T/body and the headers in $T/head.
px() {
	local target=$1
	shift
	curl -s -o "$T/body" -D "$T/head" -w '%{http_code}' \
	    -H "Proxy-To: $target" "$@" "$PROXY_URL"
}

# px_timed TARGET [curl args...]: as px, prints "STATUS SECONDS".
px_timed() {
	local target=$1
	shift
	curl -s -o "$T/body" -D "$T/head" -w '%{http_code} %{time_total}' \
	    -H "Proxy-To: $target" "$@" "$PROXY_URL"
}

# hdr NAME: the value of response header NAME in $T/head ("" if absent).
hdr() {
	tr -d '\r' <"$T/head" | awk -v n="$1" 'BEGIN { IGNORECASE = 1 }
	    tolower(substr($0, 1, length(n) + 1)) == tolower(n ":") {
	        sub(/^[^:]*: */, ""); print; exit }'
}

has_hdr() { tr -d '\r' <"$T/head" | grep -qi "^$1:"; }
body_has() { grep -q -- "$1" "$T/body"; }
body_lacks() { ! grep -qi -- "$1" "$T/body"; }
scenario_methods() {
	local s
	s=$(px "$UP/echo?x=1" -H 'X-Custom: hello')
	check "GET relayed with status 200" is "$s" 200
	check "GET body is the upstream's" body_has "^GET /echo?x=1$"
	check "custom request header forwarded" body_has "^X-Custom: hello"
	check "Host is the target's" body_has "^Host: 127.0.0.1:$UP_PORT"
	check "Proxy-To not forwarded" body_lacks "^Proxy-To:"
	check "upstream header relayed" has_hdr X-Conn-Seq

	s=$(px "$UP/echo" -I)
	check "HEAD relayed" is "$s" 200
	check "HEAD has no body" body_lacks "^HEAD /echo"

	head -c 100000 /dev/urandom >"$T/post.bin"
	s=$(px "$UP/echo" --data-binary @"$T/post.bin" -H 'Content-Type: application/x-test')
	check "POST relayed" is "$s" 200
	check "POST body arrived whole" is "$(hdr X-Body-Length)" 100000
	check "POST body bytes identical" cmp -s <(tail -c 100000 "$T/body") "$T/post.bin"
	check "POST Content-Type forwarded" body_has "^Content-Type: application/x-test"

	s=$(px "$UP/echo" --data-binary 'a=1' -H 'Content-Type:')
	check "POST without Content-Type gets none added" body_lacks "^Content-Type:"

	for m in PUT PATCH DELETE OPTIONS; do
		s=$(px "$UP/echo" -X "$m" --data-binary "body-$m")
		check "$m relayed" is "$s" 200
		check "$m method and body reach the upstream" \
		    sh -c "grep -q '^$m /echo' '$T/body' && grep -q 'body-$m' '$T/body'"
	done
	s=$(px "$UP/echo" -X DELETE)
	check "DELETE without body relayed" is "$s" 200

	s=$(px "$UP/status/404")
	check "upstream 404 relayed" is "$s" 404
	s=$(px "$UP/status/503")
	check "upstream 503 relayed" is "$s" 503
	s=$(px "$UP/status/204")
	check "upstream 204 relayed" is "$s" 204
}

scenario_refusals() {
	local s h0 h1
	s=$(curl -s -o "$T/body" -D "$T/head" -w '%{http_code}' "$PROXY_URL")
	check "missing Proxy-To: 400" is "$s" 400
	check "error body is text/plain" sh -c "grep -qi '^Content-Type: text/plain' '$T/head'"
	s=$(px "ftp://127.0.0.1:$UP_PORT/")
	check "ftp target: 400" is "$s" 400
	s=$(px "http://user:secret@127.0.0.1:$UP_PORT/echo")
	check "userinfo in target: 400" is "$s" 400
	check "error body does not echo the target" body_lacks "secret"
	s=$(px "127.0.0.1:$UP_PORT/echo")
	check "target without scheme: 400" is "$s" 400
	# nginx before 1.23 passes two params, lighttpd and Apache one joined
	# value: either way no target is picked and nothing is fetched
	h0=$(curl -s "$UP/hits")
	s=$(px "$UP/echo" -H "Proxy-To: $UP/echo/second")
	h1=$(curl -s "$UP/hits")
	check "two Proxy-To headers: 400" is "$s" 400
	check "... and nothing fetched" is "$h1" "$h0"
	s=$(px "http://127.0.0.1:$DECOY_PORT/echo?token=hunter2")
	check "target off the allowlist: 403" is "$s" 403
	check "403 body does not echo the target" body_lacks "hunter2"
	s=$(px "http://localhost:$UP_PORT/headers")
	check "allowed host, path off the allowlist: 403" is "$s" 403
	s=$(curl -s -o "$T/body" -D "$T/head" -w '%{http_code}' -X PROPFIND \
	    -H "Proxy-To: $UP/echo" "$PROXY_URL")
	check "PROPFIND: 405" is "$s" 405
	check "405 carries Allow" has_hdr Allow
	head -c 1100000 /dev/zero >"$T/big.bin"
	s=$(px "$UP/echo" --data-binary @"$T/big.bin")
	check "request body over max_request_body: 413" is "$s" 413
	s=$(px "http://127.0.0.1:$DEAD_PORT/")
	check "closed upstream port: 502" is "$s" 502
	s=$(px "$UP/garbage")
	check "non-HTTP upstream answer: 502" is "$s" 502
}

scenario_timeouts() {
	local s t start pid
	# a stalled upstream ties up one worker; another request still flows
	start=$(date +%s.%N)
	curl -s -o "$T/slow.body" -w '%{http_code} %{time_total}' \
	    -H "Proxy-To: $UP/sleep/5000" "$PROXY_URL" >"$T/slow.out" &
	pid=$!
	sleep 0.2
	s=$(px_timed "$UP/echo")
	check "another worker serves while one waits" is "${s%% *}" 200
	check "... and serves promptly" within 0 0.8 "${s##* }"
	wait "$pid"
	read -r s t <"$T/slow.out"
	check "response_header timeout: 504" is "$s" 504
	# upper bounds: well before what the upstream would take (here 5 s),
	# with room for a loaded machine and a CGI process start
	check "response_header timeout fires after 1s" within 0.95 2.5 "$t"
	check "... and says so" grep -q "upstream response header timeout" "$T/slow.body"

	scenario_cut

	s=$(px_timed "http://127.0.0.1:$HOLE_PORT/")
	check "connect timeout: 504" is "${s%% *}" 504
	check "connect timeout fires after 2s" within 1.95 3.5 "${s##* }"
	check "... and says so" body_has "upstream connect timeout"

	s=$(px_timed "$UP/slow/6/400")
	check "slow stream longer than every timeout completes" is "${s%% *}" 200
	check "... with all its chunks" body_has "^chunk 6$"
	check "... taking its time" within 1.9 5 "${s##* }"
}

scenario_headers() {
	local s
	s=$(px "$UP/echo" -H 'Authorization: Bearer topsecret' -H 'Cookie: a=b' \
	    -H 'Proxy-Authorization: Basic eA==' -H 'X-Keep: 1' \
	    -H 'Connection: X-Drop-Me' -H 'X-Drop-Me: 1' -H 'Forward-To: http://x/')
	check "request relayed" is "$s" 200
	check "Authorization stripped" body_lacks "^Authorization:"
	check "Cookie stripped" body_lacks "^Cookie:"
	check "Proxy-Authorization stripped" body_lacks "^Proxy-Authorization:"
	if [ "${CONNECTION_PARAM:-yes}" = no ]; then
		# mod_fcgid never passes HTTP_CONNECTION: extproxy cannot know
		check "header named by Connection relayed (no Connection param)" \
		    body_has "^X-Drop-Me: 1"
	else
		check "header named by Connection stripped" body_lacks "^X-Drop-Me:"
	fi
	check "Forward-To not forwarded" body_lacks "^Forward-To:"
	check "ordinary header kept" body_has "^X-Keep: 1"

	s=$(px "$UP/headers")
	check "headers response relayed" is "$s" 200
	check "Set-Cookie stripped" sh -c "! grep -qi '^Set-Cookie' '$T/head'"
	check "X-Accel-Redirect never reaches the web server" sh -c "! grep -qi '^X-Accel-Redirect' '$T/head'"
	check "X-Sendfile never reaches the web server" sh -c "! grep -qi '^X-Sendfile' '$T/head'"
	check "upstream Status header ignored" is "$(head -n1 "$T/head" | tr -d '\r' | cut -d' ' -f2)" 200
	check "hop-by-hop Keep-Alive stripped" sh -c "! grep -qi '^Keep-Alive' '$T/head'"
	check "header named by upstream Connection stripped" sh -c "! grep -qi '^X-Hop' '$T/head'"
	check "ordinary upstream header kept" is "$(hdr X-Upstream)" yes
	check "no-cache: Cache-Control" is "$(hdr Cache-Control)" "no-cache, private, max-age=0"
	check "no-cache: Expires" is "$(hdr Expires)" "Thu, 01 Jan 1970 00:00:00 GMT"
	check "no-cache: Pragma" is "$(hdr Pragma)" "no-cache"

	s=$(px "$UP/gzip")
	check "gzip response relayed" is "$s" 200
	check "Content-Encoding passed through" is "$(hdr Content-Encoding)" gzip
	check "gzip body untouched" sh -c "gunzip -c <'$T/body' | grep -q 'hello gzip'"

	local decoy
	decoy=$(conns "$DECOY_PORT")
	s=$(px "$UP/echo" -H "Proxy: http://127.0.0.1:$DECOY_PORT")
	check "Proxy: header does not divert" is "$s" 200
	check "Proxy: header not forwarded" body_lacks "^Proxy:"
	check "decoy proxy never contacted" is "$(conns "$DECOY_PORT")" $((decoy + 1))
}

# scenario_cut: an upstream that stalls mid-body is cut after [timeouts]
# idle (1s), and the client must see a broken response, not a complete
# one: with a Content-Length (short body) and chunked (no last chunk).
# What some deployments do instead, asserted so that a change shows:
#   CUT_DELAY=N      the server holds the client N more seconds first
#                    (until its keep-alive timeout: Apache without
#                    EXTPROXY_CLOSE_CLIENT)
#   CUT=error-page   the server ends the response itself, with its own
#                    500 error page as the rest of the body (mod_fcgid)
#   CUT_CHUNKED=end  a chunked cut ends like a complete response (CGI:
#                    the end of the output is the end of the response)
scenario_cut() {
	local t max
	max=$(awk -v d="${CUT_DELAY:-0}" 'BEGIN { print 2.5 + d }')
	t=$(curl -s -o "$T/body" -w '%{time_total}' -H "Proxy-To: $UP/stall/4000" \
	    "$PROXY_URL"; echo " $?")
	check "idle timeout fires after 1s" within 0.95 "$max" "${t%% *}"
	check "the body started before the cut" body_has begin
	check "... and its end never came" body_lacks "^end"
	if [ "${CUT:-broken}" = error-page ]; then
		check "cut short: the server's error page fills the Content-Length" \
		    sh -c "[ \$(wc -c <'$T/body') = 10 ] && grep -q '^<!DO' '$T/body'"
	else
		check "idle timeout cuts a stalled body short" sh -c "[ '${t##* }' != 0 ]"
	fi

	t=$(curl -s -o "$T/body" -w '%{time_total}' -H "Proxy-To: $UP/slow/3/2000" \
	    "$PROXY_URL"; echo " $?")
	check "chunked: idle timeout fires after 1s" within 0.95 "$max" "${t%% *}"
	check "chunked: the body started before the cut" body_has "^chunk 1$"
	check "chunked: ... and the rest never came" body_lacks "^chunk 2$"
	case ${CUT:-broken}/${CUT_CHUNKED:-broken} in
	error-page/*)
		check "chunked: cut short, the server appends its error page" \
		    body_has "Internal Server Error" ;;
	*/end)
		check "chunked: cut short, yet it ends like a complete response" \
		    is "${t##* }" 0 ;;
	*)
		check "chunked: the client sees a broken response" \
		    sh -c "[ '${t##* }' != 0 ]" ;;
	esac
}

scenario_redirect_passthrough() {
	local s
	s=$(px "$UP/redirect/302?to=/echo")
	check "redirect passed through" is "$s" 302
	check "relative Location made absolute" is "$(hdr Location)" "$UP/echo"
	check "redirect body is the upstream's" body_has "^redirect$"
	s=$(px "$UP/redirect/301?to=http://example.invalid/x")
	check "absolute Location kept" is "$(hdr Location)" "http://example.invalid/x"
	s=$(px "$UP/redirect/201?to=/echo")
	check "201 with a Location relayed" is "$s" 201
	check "... the Location made absolute" is "$(hdr Location)" "$UP/echo"
	s=$(px "$UP/redirect/200?to=/echo")
	if [ "${LOCATION_200:-200}" = 302 ]; then
		# mod_fcgid applies CGI's rule: a Location with status 200 is
		# a redirect
		check "200 with a Location: the server makes it a 302" is "$s" 302
	else
		check "200 with a Location relayed as 200" is "$s" 200
	fi
}

scenario_reuse() {
	local before after i n=${REUSE_N:-50}
	before=$(conns "$UP_PORT")
	for i in $(seq 1 $n); do
		curl -s -o /dev/null -H "Proxy-To: $UP/echo" "$PROXY_URL"
	done
	after=$(conns "$UP_PORT")
	opened=$((after - before - 1))
	echo "# $n sequential requests opened $opened upstream connection(s)"
	if [ "${REUSE:-yes}" = no ]; then
		# plain CGI: a process per request, a connection per process
		check "$n requests open $n connections (CGI: no reuse)" is "$opened" "$n"
		return
	fi
	check "$n requests reuse connections (<= $WORKERS_TOTAL opened)" \
	    test "$opened" -le "$WORKERS_TOTAL" -a "$opened" -ge 0
}

# ep_pids: the extproxy processes serving this test.
ep_pids() {
	pgrep -f "^$EXTPROXY -c $T/" | tr '\n' ' '
}

# rss_sum PID...: their VmRSS in KiB, added up.
rss_sum() {
	local p sum=0
	for p in "$@"; do
		sum=$((sum + $(rss_kib "$p" || echo 0)))
	done
	echo "$sum"
}

# scenario_stream [PID...]: a 20 MiB body streamed; the RSS of the PIDs
# (the extproxy processes; none for plain CGI) must stay flat.
scenario_stream() {
	local s before after
	px "$UP/bytes/1048576" >/dev/null
	before=$(rss_sum "$@")
	s=$(curl -s -o "$T/stream.bin" -w '%{http_code}' -H "Proxy-To: $UP/bytes/20971520" "$PROXY_URL")
	after=$(rss_sum "$@")
	check "20 MiB body relayed" is "$s" 200
	curl -s -o "$T/direct.bin" "$UP/bytes/20971520"
	check "20 MiB body byte-exact" cmp -s "$T/stream.bin" "$T/direct.bin"
	rm -f "$T/stream.bin" "$T/direct.bin"
	[ $# -gt 0 ] || return 0
	echo "# extproxy RSS before ${before} KiB, after a 20 MiB body ${after} KiB"
	check "RSS stays flat (< 4 MiB growth)" test $((after - before)) -lt 4096
}

# pipelined M1 T1 M2 T2: two requests through extproxy on one client
# connection, sent at once (M1 to T1, then M2 to T2, which closes it),
# read until the web server closes.  Prints each response as read by its
# own framing (Content-Length, chunked, or the close): its status, with
# " cut" if its body ends before its framing does, " bad" if it holds
# the start of the next response; "bad" where a response should start
# and does not; "closed" if nothing came.  A response that says
# "Connection: close" is the last.  The first one's head is left in
# $T/head, its body in $T/body.
pipelined() (
	local path=/${PROXY_URL#http://*/} out= m line st len te close body n
	local i=0 LC_ALL=C
	: >"$T/head"
	: >"$T/body"
	: >"$T/pipe.out"
	# a server that has already reset the connection fails the write;
	# what it sent before is still to be read
	trap '' PIPE
	exec 7<>"/dev/tcp/127.0.0.1/$WEB_PORT" || { echo noconnect; return; }
	printf '%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nProxy-To: %s\r\n\r\n%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nProxy-To: %s\r\nConnection: close\r\n\r\n' \
	    "$1" "$path" "$2" "$3" "$path" "$4" >&7 2>/dev/null
	timeout 10 cat <&7 >"$T/pipe.out" 2>/dev/null
	exec 7<&-
	[ -s "$T/pipe.out" ] || { echo closed; return; }
	exec 8<"$T/pipe.out"
	for m in "$1" "$3"; do
		IFS= read -r line <&8 || break	# closed after a response
		line=${line%$'\r'}
		if [[ ! $line =~ ^HTTP/1\.[01]\ ([0-9]{3}) ]]; then
			out+=" bad"
			break
		fi
		st=${BASH_REMATCH[1]}
		len=
		te=
		close=
		[ $i = 0 ] && printf '%s\n' "$line" >>"$T/head"
		while IFS= read -r line <&8; do
			line=${line%$'\r'}
			[ -z "$line" ] && break
			[ $i = 0 ] && printf '%s\n' "$line" >>"$T/head"
			case ${line,,} in
			content-length:*) len=${line#*:}; len=${len// /} ;;
			transfer-encoding:*chunked*) te=chunked ;;
			connection:*close*) close=1 ;;
			esac
		done
		body=
		if [ "$m" = HEAD ] || [ "$st" = 204 ] || [ "$st" = 304 ]; then
			:
		elif [ -n "$te" ]; then
			st="$st cut"
			while IFS= read -r line <&8; do
				line=${line%$'\r'}
				if [[ $line == HTTP/1.[01]\ * ]]; then
					st="$st bad"	# the next response
					break
				fi
				[[ $line =~ ^[0-9a-fA-F]+$ ]] || break
				n=$((16#$line))
				if [ "$n" = 0 ]; then
					while IFS= read -r line <&8 &&
					    [ -n "${line%$'\r'}" ]; do :; done
					st=${st% cut}
					break
				fi
				IFS= read -r -N "$n" line <&8
				body+=$line
				IFS= read -r line <&8
			done
		elif [ -n "$len" ]; then
			IFS= read -r -N "$len" body <&8
			[ "${#body}" = "$len" ] || st="$st cut"
		else
			IFS= read -r -d '' body <&8
			close=1
		fi
		[ $i = 0 ] && printf '%s' "$body" >"$T/body"
		[[ $body == *HTTP/1.[01]\ [0-9][0-9][0-9]* ]] && st="$st bad"
		out+=" $st"
		i=$((i + 1))
		[[ -n $close || $st == *\ * ]] && break
	done
	exec 8<&-
	echo "${out# }"
)

# count_hdr NAME: how many response headers in $T/head are named NAME.
count_hdr() { tr -d '\r' <"$T/head" | grep -ci "^$1:"; }

# scenario_framing: an upstream's message framing reaches the client
# one way only, through whatever web server is in front.  Each case is
# two pipelined requests on one client connection: the second response
# must be read where the first one's framing says it starts, or the
# connection must end with the first.
#   CL_DROPPED=yes   the server drops extproxy's Content-Length and
#                    sends the body chunked (Apache mod_proxy_fcgi)
#   CLOSE_AFTER_BODY=yes   extproxy has the server close the client's
#                    connection after each response body (plain CGI,
#                    Apache with EXTPROXY_CLOSE_CLIENT)
# and CUT, CUT_CHUNKED as in scenario_cut.
scenario_framing() {
	local r raw="$UP/raw?nolen=1&h=" second="$UP/echo?second" ok="200 200"
	[ "${CLOSE_AFTER_BODY:-no}" = yes ] && ok=200
	r=$(pipelined GET "${raw}Content-Length:%20278%0d%0aContent-Length:%205%0d%0a&b=hello" \
	    GET "$second")
	check "two differing Content-Lengths: 502, the next response in step" \
	    is "$r" "502 200"
	r=$(pipelined GET "${raw}Content-Length:%205%0d%0aContent-Length:%205%0d%0a&b=hello" \
	    GET "$second")
	check "two equal Content-Lengths: relayed, the next response in step" \
	    is "$r" "$ok"
	check "... with the body" is "$(cat "$T/body")" hello
	if [ "${CL_DROPPED:-no}" = yes ]; then
		check "... the server drops the length and sends it chunked" \
		    is "$(count_hdr Content-Length)" 0
	else
		check "... with one Content-Length" is "$(count_hdr Content-Length)" 1
	fi
	if [ "${CLOSE_AFTER_BODY:-no}" = yes ]; then
		check "... and the server closes the connection after it" \
		    grep -qi '^Connection: *close' "$T/head"
	fi
	r=$(pipelined GET "${raw}Content-Length:%20278%0d%0aTransfer-Encoding:%20chunked%0d%0a&b=5%0d%0ahello%0d%0a0%0d%0a%0d%0a" \
	    GET "$second")
	check "Content-Length beside chunked: relayed, the next response in step" \
	    is "$r" "$ok"
	check "... without that Content-Length" not grep -qi '^Content-Length: *278' "$T/head"
	check "... de-chunked" is "$(cat "$T/body")" hello
	r=$(pipelined HEAD "${raw}Content-Length:%20278%0d%0a&b=hello" GET "$second")
	check "HEAD with a Content-Length: the next response in step" is "$r" "200 200"

	# cut short after the head: the client must never read on into
	# the next response ("closed": the server reset the connection
	# before the client read anything)
	r=$(pipelined GET "${raw}Content-Length:%20278%0d%0a&b=hello" GET "$second")
	if [ "${CUT:-broken}" = error-page ]; then
		check "a body short of its Content-Length: the server's error page fills it, then it closes" \
		    sh -c "[ '$r' = 200 ] && grep -q '^hello<!DOCTYPE' '$T/body'"
	else
		check "a body short of its Content-Length: cut, the connection ends" \
		    sh -c "[ '$r' = '200 cut' ] || [ '$r' = closed ]"
	fi
	r=$(pipelined GET "$UP/truncated" GET "$second")
	case ${CUT:-broken}/${CUT_CHUNKED:-broken} in
	error-page/*|*/end)
		check "a chunked body cut short: ends as if complete, the connection with it" \
		    is "$r" 200 ;;
	*)
		check "a chunked body cut short: cut, the connection ends" \
		    sh -c "[ '$r' = '200 cut' ] || [ '$r' = closed ]" ;;
	esac
}

run_scenarios() {
	scenario_methods
	scenario_refusals
	scenario_headers
	scenario_redirect_passthrough
	scenario_timeouts
	scenario_reuse
	scenario_stream $(ep_pids)
	# last: mod_fcgid is slow to hand out a process again after a
	# response that broke off, which would delay the timing checks
	scenario_framing
}
