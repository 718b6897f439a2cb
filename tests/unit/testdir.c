#include "testdir.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int testdir_init(struct testdir *dir)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir->path, sizeof(dir->path), "%s/cdh-unit-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	dir->scratch[0] = '\0';
	return mkdtemp(dir->path) ? 0 : -1;
}

void testdir_release(struct testdir *dir)
{
	DIR *d = opendir(dir->path);
	struct dirent *entry;

	if (!d)
		return;
	while ((entry = readdir(d)) != NULL) {
		if (strcmp(entry->d_name, ".") == 0 ||
		    strcmp(entry->d_name, "..") == 0)
			continue;
		unlink(testdir_file(dir, entry->d_name));
	}
	closedir(d);
	rmdir(dir->path);
}

const char *testdir_file(struct testdir *dir, const char *name)
{
	snprintf(dir->scratch, sizeof(dir->scratch), "%s/%s", dir->path, name);
	return dir->scratch;
}

const char *testdir_write(struct testdir *dir, const char *name,
			  const char *text)
{
	const char *path = testdir_file(dir, name);
	FILE *f = fopen(path, "w");
	int ok;

	if (!f)
		return NULL;
	ok = fputs(text, f) >= 0;
	ok = fclose(f) == 0 && ok;
	return ok ? path : NULL;
}
