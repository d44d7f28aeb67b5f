#!/bin/bash
# SPDX-License-Identifier: ISC
# Replay every fuzz target's seed corpus (tests/fuzz/corpus/NAME/)
# through its LLVMFuzzerTestOneInput, built with CC as
# tests/fuzz/replay_NAME: the invariants the fuzzers check hold for every
# seed, without clang.  The corpus must not be empty.
. "$top_srcdir/tests/lib.sh"

for name in target addr config request_headers response_headers; do
	prog=$top_builddir/tests/fuzz/replay_$name
	dir=$top_srcdir/tests/fuzz/corpus/fuzz_$name
	set -- "$dir"/*
	check "fuzz_$name has a seed corpus" test "$#" -ge 5 -a -f "$1"
	check "fuzz_$name: $# seeds keep every invariant" \
	    "$prog" "$@" 2>"$T/replay_$name.log"
	if [ -s "$T/replay_$name.log" ]; then
		sed -n 1,20p "$T/replay_$name.log"
	fi
done
finish
