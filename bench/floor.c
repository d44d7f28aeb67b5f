/* SPDX-License-Identifier: ISC */
/*
 * floor: the FastCGI floor for bench/run, a responder that fetches
 * nothing.  It answers each request from memory with the file named by
 * the last path segment of its Proxy-To header (read at start-up), so
 * that what it costs behind a web server is what no FastCGI program can
 * avoid there; extproxy's own cost is what it adds on top.
 *
 * A thread per FastCGI connection, kept as long as the web server asks
 * (FCGI_KEEP_CONN), so an idle kept connection holds up nothing.  The
 * head goes through libfcgi's stream; a body of 8 KiB or more goes out
 * as records of up to 64 KiB, header and data in one writev(2), as
 * extproxy writes it.  For benchmarks only: no limits, no checks.
 *
 *   bench/floor SOCKET FILE...
 */
#include "autoconf.h"

#include <errno.h>
#include <fastcgi.h>
#include <fcgiapp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

struct file {
	const char	*name;		/* the last path segment */
	char		*data;
	size_t		 len;
};

static struct file *files;
static int nfiles;

static const struct file *
find(const char *url)
{
	const char *slash;
	int i;

	if (url == NULL || (slash = strrchr(url, '/')) == NULL)
		return NULL;
	for (i = 0; i < nfiles; i++)
		if (strcmp(files[i].name, slash + 1) == 0)
			return &files[i];
	return NULL;
}

/* One FCGI_STDOUT record: header and data in one writev(2). */
static int
put_record(FCGX_Request *r, const char *buf, size_t len)
{
	FCGI_Header h = {
		.version = FCGI_VERSION_1, .type = FCGI_STDOUT,
		.requestIdB1 = (unsigned char)(r->requestId >> 8),
		.requestIdB0 = (unsigned char)r->requestId,
		.contentLengthB1 = (unsigned char)(len >> 8),
		.contentLengthB0 = (unsigned char)len,
	};
	struct iovec v[2] = {
		{ .iov_base = &h, .iov_len = sizeof(h) },
		{ .iov_base = (void *)(uintptr_t)buf, .iov_len = len },
	};
	ssize_t n = writev(r->ipcFd, v, 2);

	/* a short write on a blocking socket: give up, this is a bench */
	return n == (ssize_t)(sizeof(h) + len) ? 0 : -1;
}

static void
reply(FCGX_Request *r)
{
	const struct file *f = find(FCGX_GetParam("HTTP_PROXY_TO", r->envp));
	char head[128];
	size_t off, len;
	int n;

	if (f == NULL) {
		FCGX_PutS("Status: 404 Not Found\r\n\r\n", r->out);
		return;
	}
	n = snprintf(head, sizeof(head), "Content-Type: application/"
	    "octet-stream\r\nContent-Length: %zu\r\n\r\n", f->len);
	FCGX_PutStr(head, n, r->out);
	if (f->len < 8192) {
		FCGX_PutStr(f->data, (int)f->len, r->out);
		return;
	}
	if (FCGX_FFlush(r->out) != 0)
		return;
	for (off = 0; off < f->len; off += len) {
		len = f->len - off < FCGI_MAX_LENGTH ? f->len - off :
		    FCGI_MAX_LENGTH;
		if (put_record(r, f->data + off, len) == -1)
			return;
	}
}

static void *
serve(void *arg)
{
	FCGX_Request r;

	if (FCGX_InitRequest(&r, -1, 0) != 0)
		return NULL;
	r.ipcFd = (int)(intptr_t)arg;
	r.keepConnection = 1;	/* Accept_r must not close it */
	while (r.ipcFd >= 0 && FCGX_Accept_r(&r) == 0) {
		reply(&r);
		/* closes the connection unless the web server keeps it */
		FCGX_Finish_r(&r);
	}
	FCGX_Free(&r, 1);
	return NULL;
}

static int
load(struct file *f, const char *path)
{
	FILE *fp = fopen(path, "rb");
	long n;

	if (fp == NULL || fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET) != 0 || (f->data = malloc((size_t)n + 1)) ==
	    NULL || fread(f->data, 1, (size_t)n, fp) != (size_t)n) {
		perror(path);
		return -1;
	}
	fclose(fp);
	f->len = (size_t)n;
	f->name = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
	return 0;
}

int
main(int argc, char **argv)
{
	pthread_attr_t attr;
	pthread_t t;
	int i, lfd, fd;

	if (argc < 3) {
		fprintf(stderr, "usage: floor SOCKET FILE...\n");
		return 2;
	}
	nfiles = argc - 2;
	if ((files = calloc((size_t)nfiles, sizeof(*files))) == NULL)
		return 1;
	for (i = 0; i < nfiles; i++)
		if (load(&files[i], argv[i + 2]) == -1)
			return 1;
	if (FCGX_Init() != 0 || (lfd = FCGX_OpenSocket(argv[1], 128)) < 0) {
		fprintf(stderr, "floor: cannot listen on %s\n", argv[1]);
		return 1;
	}
	/* libfcgi's SIGTERM handler only flags its own accept loop */
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (;;) {
		if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) == -1) {
			if (errno != EINTR && errno != ECONNABORTED) {
				perror("floor: accept");
				usleep(100 * 1000);	/* e.g. EMFILE */
			}
			continue;
		}
		if (pthread_create(&t, &attr, serve, (void *)(intptr_t)fd) != 0)
			close(fd);
	}
}
