/* SPDX-License-Identifier: ISC */
/*
 * replay: run a fuzz target's LLVMFuzzerTestOneInput over the files named
 * on the command line, so that the seed corpus is a regression test that
 * needs no clang.  Exits non-zero if a file cannot be read; an invariant
 * violation aborts.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static int
replay(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL, *nb;
	size_t len = 0, cap = 0, n;

	if (f == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 4096;
			if ((nb = realloc(buf, cap)) == NULL) {
				fprintf(stderr, "replay: out of memory\n");
				free(buf);
				fclose(f);
				return -1;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "replay: %s: read error\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	/* a copy of exactly len bytes, so ASan sees any over-read */
	nb = malloc(len ? len : 1);
	if (nb == NULL) {
		free(buf);
		return -1;
	}
	memcpy(nb, buf, len);
	free(buf);
	LLVMFuzzerTestOneInput(nb, len);
	free(nb);
	return 0;
}

int
main(int argc, char **argv)
{
	int i, rc = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++)
		if (replay(argv[i]) == -1)
			rc = 1;
	return rc;
}
