#!/bin/bash
# SPDX-License-Identifier: ISC
# The manual pages: mandoc finds nothing to warn about, and
# extproxy.ini(5), etc/extproxy.ini and the key table of src/config.c
# list the same "[section] key" pairs with the same defaults, so a key
# cannot be added, renamed or given a new default in one place only.
# The documented defaults and the page's example must also pass
# extproxy -t.

. "${top_srcdir:-.}/tests/lib.sh"

require_cmd mandoc
require_cmd perl
MAN5=$top_srcdir/man/extproxy.ini.5
MAN8=$top_srcdir/man/extproxy.8
MAN1=$top_srcdir/man/extproxy-smoke.1
INI=$top_srcdir/etc/extproxy.ini
CONFIG_C=$top_srcdir/src/config.c

for page in "$MAN8" "$MAN5" "$MAN1"; do
	out=$(mandoc -T lint -W warning "$page" 2>&1); rc=$?
	[ -n "$out" ] && printf '%s\n' "$out"
	check "mandoc -T lint: $(basename "$page") has no warning" \
	    sh -c "[ $rc = 0 ] && [ -z \"\$1\" ]" _ "$out"
done

# Each source prints "section key=default" lines, sorted.

# The man page: ".It Ic key" under ".Ss \&[section]\&" in SECTIONS; the
# entry's "Default:" line is followed by ".Ql value [.]", or reads
# "Default: empty."
man_keys() {
	awk '
	function flush() {
		if (key != "")
			print sec " " key "=" (have ? def : "<no Default: line>")
		key = ""
	}
	/^\.Sh / { flush(); in_sections = ($2 == "SECTIONS"); next }
	!in_sections { next }
	/^\.Ss / {
		flush()
		sec = $2
		gsub(/\\&/, "", sec)
		gsub(/[][]/, "", sec)
		next
	}
	/^\.It Ic / { flush(); key = $3; have = 0; want_ql = 0; next }
	key != "" && /^Default: empty\.$/ { def = ""; have = 1; next }
	key != "" && /^Default:$/ { want_ql = 1; next }
	want_ql {
		want_ql = 0
		if ($1 != ".Ql")
			next
		v = $0
		sub(/^\.Ql /, "", v)
		sub(/ [.,;]$/, "", v)
		if (v ~ /^".*"$/)
			v = substr(v, 2, length(v) - 2)
		def = v
		have = 1
	}
	END { flush() }
	' "$MAN5" | LC_ALL=C sort
}

# etc/extproxy.ini: "key = value" lines of each section, comments aside.
ini_keys() {
	awk '
	/^[ \t]*[;#]/ || /^[ \t]*$/ { next }
	/^[ \t]*\[/ {
		sec = $0
		gsub(/[][ \t]/, "", sec)
		sec = tolower(sec)
		next
	}
	/=/ {
		k = substr($0, 1, index($0, "=") - 1)
		v = substr($0, index($0, "=") + 1)
		gsub(/^[ \t]+|[ \t]+$/, "", k)
		gsub(/^[ \t]+|[ \t]+$/, "", v)
		if (v ~ /^".*"$/)
			v = substr(v, 2, length(v) - 2)
		print sec " " tolower(k) "=" v
	}
	' "$INI" | LC_ALL=C sort
}

# src/config.c: the entries of "keys[] = { ... };", where the first
# string literal after the section and the name is the default.  Fails
# if any entry escapes the pattern, rather than silently dropping it.
config_keys() {
	perl -0777 -ne '
		/\bkeys\[\]\s*=\s*\{(.*?)\n\};/s or die "no keys[] table\n";
		my $t = $1;
		$t =~ s{/\*.*?\*/}{}gs;
		my $n = () = $t =~ /\{\s*"/g;
		my $m = 0;
		while ($t =~ /\{\s*"(\w+)",\s*"(\w+)",[^"}]*"((?:[^"\\]|\\.)*)"\s*\}/g) {
			print "$1 $2=$3\n";
			$m++;
		}
		die "understood $m of the $n entries of keys[]\n" if $m != $n;
	' "$CONFIG_C" | LC_ALL=C sort
}

man_keys >"$T/man.keys"
ini_keys >"$T/ini.keys"
config_keys >"$T/config.keys" || fail "cannot read the key table of src/config.c"

n=$(wc -l <"$T/config.keys")
echo "# $n keys in src/config.c"
check "the key table of src/config.c has keys" test "$n" -ge 10
for src in man ini; do
	if diff -u "$T/config.keys" "$T/$src.keys" >"$T/$src.diff"; then
		pass "$src: same keys and defaults as src/config.c"
	else
		fail "$src: keys or defaults differ from src/config.c (- config.c, + $src)"
		sed 1,2d "$T/$src.diff"
	fi
done
check "every key of extproxy.ini(5) names its default" \
    not grep -q '<no Default: line>' "$T/man.keys"

# the defaults as documented, written out, form a valid file
awk '{
	sp = index($0, " "); eq = index($0, "=")
	sec = substr($0, 1, sp - 1)
	if (sec != last) { print "[" sec "]"; last = sec }
	print substr($0, sp + 1, eq - sp - 1) " = " substr($0, eq + 1)
}' "$T/man.keys" >"$T/defaults.ini"
out=$("$EXTPROXY" -t -c "$T/defaults.ini" 2>&1); rc=$?
check "extproxy -t accepts every documented default" is "$rc" 0
[ "$rc" = 0 ] || printf '%s\n' "$out"

# the example of extproxy.ini(5) is a valid file
awk '/^\.Sh EXAMPLES/ { ex = 1 } ex && /^\.Bd/ { on = 1; next }
    on && /^\.Ed/ { exit } on { gsub(/\\e/, "\\"); print }' "$MAN5" \
    >"$T/example.ini"
check "extproxy.ini(5) has an example" grep -q '^\[allow\]' "$T/example.ini"
out=$("$EXTPROXY" -t -c "$T/example.ini" 2>&1); rc=$?
check "extproxy -t accepts the example of extproxy.ini(5)" is "$rc" 0
[ "$rc" = 0 ] || printf '%s\n' "$out"

# every option of main.c's getopt string is in extproxy(8), and back
opts=$(sed -n 's/.*getopt(argc, argv, "\([^"]*\)").*/\1/p' \
    "$top_srcdir/src/main.c" | tr -d :)
check "src/main.c has a getopt string" test -n "$opts"
documented=$(sed -n 's/^\.It Fl \([A-Za-z]\).*/\1/p' "$MAN8" | tr -d '\n')
check "extproxy(8) documents exactly the options of main.c" \
    is "$(echo "$documented" | fold -w1 | LC_ALL=C sort | tr -d '\n')" \
    "$(echo "$opts" | fold -w1 | LC_ALL=C sort | tr -d '\n')"

finish
