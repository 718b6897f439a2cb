/*
 * regular_file - opens a file an account setting names (passwordFile,
 * dockerconfigFile, catalogFile) for reading, and only if it is a regular
 * file.
 *
 * open() of a FIFO blocks until a writer comes, so a setting naming one
 * hung the refresh for good and SIGTERM could not end the service (issue
 * #19). The file is opened with O_NONBLOCK and checked with fstat() on that
 * descriptor (no window between check and use). Symlinks are followed on
 * purpose: Kubernetes mounts secrets as symlinks to regular files.
 */
#ifndef DRG_REGULAR_FILE_H
#define DRG_REGULAR_FILE_H

#include <stddef.h>
#include <sys/stat.h>

/*
 * Opens `path` read-only (close-on-exec) and fills *sb from the descriptor.
 * Returns the descriptor (caller closes), or -1 with `err` set to
 * "<setting> <path>: <why>", e.g. "catalogFile /x: not a regular file (a
 * FIFO)" or "passwordFile /x: cannot read: No such file or directory".
 */
int drg_regular_file_open(const char *path, const char *setting,
			  struct stat *sb, char *err, size_t errlen);

#endif
