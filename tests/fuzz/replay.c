/*
 * replay - runs a fuzz target's corpus without libFuzzer: feeds every file
 * of the directories given to LLVMFuzzerTestOneInput, so the regular (gcc,
 * ASan+UBSan) suite exercises each target on its seeds and past findings.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_input.h"

#define REPLAY_MAX_INPUT (1u << 20)

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = malloc(REPLAY_MAX_INPUT);
	size_t n;

	if (!f || !buf) {
		fprintf(stderr, "replay: cannot read %s\n", path);
		if (f)
			fclose(f);
		free(buf);
		return -1;
	}
	n = fread(buf, 1, REPLAY_MAX_INPUT, f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 0;
}

static int run_dir(const char *dir, size_t *count)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4096];
	int rc = 0;

	if (!d) {
		fprintf(stderr, "replay: cannot open %s\n", dir);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (run_file(path) != 0)
			rc = -1;
		(*count)++;
	}
	closedir(d);
	return rc;
}

int main(int argc, char **argv)
{
	size_t count = 0;
	int rc = 0;

	for (int i = 1; i < argc; i++)
		if (run_dir(argv[i], &count) != 0)
			rc = 1;
	if (count == 0) {
		fprintf(stderr, "replay: no inputs\n");
		return 1;
	}
	printf("replay: %zu inputs, no crash\n", count);
	return rc;
}
