/*
 * testdir - a scratch directory for one test: created empty under $TMPDIR
 * (or /tmp), removed with everything in it (one level deep) when freed.
 */
#ifndef CDH_TESTDIR_H
#define CDH_TESTDIR_H

#include <stddef.h>

struct testdir {
	char path[256];
	char scratch[512]; /* the last testdir_file() result */
};

/* Creates the directory; 0 ok, -1 on failure. */
int testdir_init(struct testdir *dir);
/* Removes every file in it, then the directory itself. */
void testdir_release(struct testdir *dir);
/* "<dir>/<name>" in dir->scratch (valid until the next call). */
const char *testdir_file(struct testdir *dir, const char *name);
/* Writes `text` to "<dir>/<name>"; returns the path (as testdir_file) or NULL.
 */
const char *testdir_write(struct testdir *dir, const char *name,
			  const char *text);

#endif
