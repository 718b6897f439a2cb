/*
 * fd_io - what several parts of the host do with files the same way: write
 * a whole buffer to a descriptor, and pick the directory for temporary
 * files.
 */
#ifndef CDH_FD_IO_H
#define CDH_FD_IO_H

#include <stddef.h>

/* Writes all `len` bytes (retrying short writes and EINTR). 0, or -1 with
 * errno (EIO when a write wrote nothing). */
int cdh_write_all(int fd, const void *bytes, size_t len);

/* $TMPDIR when set and not empty, else "/tmp". */
const char *cdh_tmp_dir(void);

#endif
