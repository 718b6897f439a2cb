#include "util/regular_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* What a non-regular file is, for the error message. */
static const char *kind_of(mode_t mode)
{
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	return "not a file";
}

int drg_regular_file_open(const char *path, const char *setting,
			  struct stat *sb, char *err, size_t errlen)
{
	/* O_NONBLOCK: a FIFO opens at once instead of waiting for a writer;
	 * O_NOCTTY: a terminal named by mistake never becomes ours. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	if (fd < 0 || fstat(fd, sb) != 0) {
		snprintf(err, errlen, "%s %s: cannot read: %s", setting, path,
			 strerror(errno));
		goto fail;
	}
	if (!S_ISREG(sb->st_mode)) {
		snprintf(err, errlen, "%s %s: not a regular file (%s)", setting,
			 path, kind_of(sb->st_mode));
		goto fail;
	}
	/* Reads of a regular file never block anyway; clear the flag so
	 * they behave as everywhere else. */
	if (fcntl(fd, F_SETFL, 0) != 0) {
		snprintf(err, errlen, "%s %s: cannot read: %s", setting, path,
			 strerror(errno));
		goto fail;
	}
	return fd;
fail:
	if (fd >= 0)
		close(fd);
	return -1;
}
