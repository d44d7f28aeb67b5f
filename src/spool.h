/* SPDX-License-Identifier: ISC */
/*
 * spool: the copy of a request body beyond what a worker keeps in
 * memory, in a temporary file in [server] temp_dir, so that libcurl can
 * send the body again when a pooled upstream connection turns out to
 * be dead.  The file has no name from the start (O_TMPFILE, which can
 * never be linked) or, on a filesystem without it, a random one unlinked
 * at once; mode 0600.  Its only way in is the descriptor, one per
 * worker, which the transfer empties at the end of every request.
 * Never logs, never reads a byte of a body but the caller's.
 */
#ifndef EXTPROXY_SPOOL_H
#define EXTPROXY_SPOOL_H

#include <stddef.h>
#include <stdint.h>

/* An empty, unlinked file in dir for reading and writing; -1, errno. */
int	spool_open(const char *dir);
/* len bytes at off, whole: 0, or -1 with errno (ENOSPC, EIO, ...). */
int	spool_write(int fd, int64_t off, const char *buf, size_t len);
/* len bytes from off, whole: 0, or -1 with errno (EIO if short). */
int	spool_read(int fd, int64_t off, char *buf, size_t len);
/*
 * Empty the file *fd (its blocks freed); if it cannot be, close it and
 * set *fd to -1, which frees them too.
 */
void	spool_empty(int *fd);
/*
 * Can the calling user keep a body in dir: make a file there, write a
 * block to it and read it back?  0, or -1 with errno (ENOENT, ENOTDIR,
 * EACCES, EROFS, ENOSPC, ...).  Leaves nothing behind.
 */
int	spool_check(const char *dir);

#endif
