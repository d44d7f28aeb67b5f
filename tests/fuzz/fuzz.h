/* SPDX-License-Identifier: ISC */
/*
 * fuzz: what every fuzz target shares.  A target defines
 * LLVMFuzzerTestOneInput and checks its invariants with FUZZ_CHECK, which
 * aborts: libFuzzer reports that as a crash, replay.c as a failed test.
 * Targets call only pure modules: no sockets, no threads, no globals
 * beyond fixed tables built on first use.
 */
#ifndef EXTPROXY_FUZZ_H
#define EXTPROXY_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond, what) do {					\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: invariant violated: %s (%s)\n",	\
		    __FILE__, __LINE__, (what), #cond);			\
		abort();						\
	}								\
} while (0)

/* data as a NUL-terminated string (an embedded NUL ends it, as in C). */
static inline char *
fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
