#!/bin/bash
# SPDX-License-Identifier: ISC
# 10 000 mixed requests through lighttpd and extproxy: every status as
# expected, RSS and descriptors flat (tests/soak; tests/soak 100000 is
# the long version, which records bench/soak.txt).

exec bash "${top_srcdir:-.}/tests/soak" 10000
