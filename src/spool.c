/* SPDX-License-Identifier: ISC */
/*
 * spool: unlinked temporary files for request bodies' copies, written
 * and read at offsets (pwrite/pread), so that one descriptor needs no
 * position of its own.
 */
#include "autoconf.h"

#include "spool.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/*
 * O_TMPFILE where the filesystem has it: the file never has a name, and
 * O_EXCL keeps linkat() from ever giving it one.  Else a random name,
 * created exclusively with mode 0600 and unlinked before anything is
 * written to it.
 */
int
spool_open(const char *dir)
{
	char path[PATH_MAX];
	int fd, e;

	fd = open(dir, O_TMPFILE | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
	if (fd != -1 || (errno != EOPNOTSUPP && errno != EISDIR))
		return fd;
	if (snprintf(path, sizeof(path), "%s/extproxy-body-XXXXXX", dir) >=
	    (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = mkostemp(path, O_CLOEXEC)) == -1)
		return -1;
	if (unlink(path) == -1) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/*
 * len bytes at off, whole, one way or the other.  A write that makes no
 * progress is a full disk; a read that finds the end, a file shorter
 * than what was written to it.
 */
static int
whole(int fd, int64_t off, char *buf, size_t len, bool writing)
{
	ssize_t n;

	while (len > 0) {
		n = writing ? pwrite(fd, buf, len, (off_t)off) :
		    pread(fd, buf, len, (off_t)off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0) {
			errno = writing ? ENOSPC : EIO;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

int
spool_write(int fd, int64_t off, const char *buf, size_t len)
{
	/* pwrite() only reads it */
	return whole(fd, off, (char *)(uintptr_t)buf, len, true);
}

int
spool_read(int fd, int64_t off, char *buf, size_t len)
{
	return whole(fd, off, buf, len, false);
}

void
spool_empty(int *fd)
{
	if (*fd == -1 || ftruncate(*fd, 0) == 0)
		return;
	close(*fd);
	*fd = -1;
}

int
spool_check(const char *dir)
{
	char block[4096], back[sizeof(block)];
	int fd, rc = 0, e = 0;

	if ((fd = spool_open(dir)) == -1)
		return -1;
	memset(block, 'x', sizeof(block));
	if (spool_write(fd, 0, block, sizeof(block)) == -1 ||
	    spool_read(fd, 0, back, sizeof(back)) == -1) {
		e = errno;
		rc = -1;
	} else if (memcmp(block, back, sizeof(block)) != 0) {
		e = EIO;
		rc = -1;
	}
	close(fd);
	errno = e;
	return rc;
}
