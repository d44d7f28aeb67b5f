/* SPDX-License-Identifier: ISC */
/*
 * tests/rawenv.c: run a program with exactly the environment given, in
 * order and with repeated names kept.  env(1) keeps only the last entry
 * of a name; a web server may send a FastCGI param twice, and cgi-fcgi
 * sends its environment as the params, so the tests need both.
 *
 *	rawenv [NAME=VALUE ...] -- PROGRAM [ARG ...]
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* execvpe */
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char *argv[])
{
	char **env;
	int i, n;

	for (n = 1; n < argc && strcmp(argv[n], "--") != 0; n++)
		continue;
	if (n + 1 >= argc) {
		fprintf(stderr, "usage: rawenv [NAME=VALUE ...] -- PROGRAM [ARG ...]\n");
		return 2;
	}
	if ((env = calloc((size_t)n, sizeof(*env))) == NULL) {
		perror("rawenv");
		return 1;
	}
	for (i = 1; i < n; i++)
		env[i - 1] = argv[i];
	env[n - 1] = NULL;
	/* PROGRAM is looked up in rawenv's own PATH, then gets env only */
	execvpe(argv[n + 1], argv + n + 1, env);
	perror(argv[n + 1]);
	return 127;
}
