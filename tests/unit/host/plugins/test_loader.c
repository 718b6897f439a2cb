/*
 * test_loader - what the loader does with a plugin file it cannot keep
 * track of: when the private copy's path cannot be allocated, the plugin
 * is refused as out of memory and the copy is removed, so freeing the
 * loader leaves nothing behind. (The load loop over the ABI fixtures is
 * tests/abi/test_loader_loop.c.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "failalloc.h"
#include "plugins/loader.h"
#include "testdir.h"

struct fixture {
	struct testdir plugins; /* the plugin directory */
	struct testdir tmp;     /* TMPDIR: where the private copies go */
	char *old_tmpdir;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *old = getenv("TMPDIR");

	if (!f || testdir_init(&f->plugins) != 0 || testdir_init(&f->tmp) != 0)
		return -1;
	f->old_tmpdir = old ? strdup(old) : NULL;
	/* Not an ELF file: refused once loaded, after it was copied. */
	if (!testdir_write(&f->plugins, "x.so", "not a shared object\n") ||
	    setenv("TMPDIR", f->tmp.path, 1) != 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	failalloc_strdup_ending(NULL);
	if (f->old_tmpdir)
		setenv("TMPDIR", f->old_tmpdir, 1);
	else
		unsetenv("TMPDIR");
	free(f->old_tmpdir);
	testdir_release(&f->tmp);
	testdir_release(&f->plugins);
	free(f);
	return 0;
}

static int entries_in(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

/* Scans the plugin directory once and returns x.so's refusal. */
static void scan_and_free(struct fixture *f, char *why, size_t whylen)
{
	char err[256];
	struct cdh_loader *l = cdh_loader_new(NULL, err, sizeof(err));
	const struct cdh_plugin_slot *slot;

	assert_non_null(l);
	assert_int_equal(cdh_loader_scan(l, f->plugins.path, err, sizeof(err)), 0);
	assert_int_equal(cdh_loader_count(l), 1);
	slot = cdh_loader_slot(l, 0);
	assert_false(slot->ready);
	snprintf(why, whylen, "%s", slot->error);
	cdh_loader_free(l);
}

static void a_bad_plugin_is_refused_and_its_copy_removed(void **state)
{
	struct fixture *f = *state;
	char why[512];

	scan_and_free(f, why, sizeof(why));
	assert_non_null(strstr(why, "cannot load"));
	assert_int_equal(entries_in(f->tmp.path), 0);
}

static void no_memory_for_the_copy_path_refuses_and_removes_the_copy(void **state)
{
	struct fixture *f = *state;
	char why[512];

	/* The private copy is "<dir>/<n>-x.so"; the plugin's own path ends
	 * in "/x.so" and still gets its memory. */
	failalloc_strdup_ending("-x.so");
	scan_and_free(f, why, sizeof(why));
	failalloc_strdup_ending(NULL);
	assert_string_equal(why, "out of memory");
	assert_int_equal(entries_in(f->tmp.path), 0);
}

/* A file whose reloads keep failing (each retry of a transient failure
 * is one) leaves one refused entry, the last, not one per try. */
static void failed_reloads_of_a_file_keep_one_refused_entry(void **state)
{
	struct fixture *f = *state;
	struct cdh_plugin_slot *replaced;
	char err[256], path[4096];
	struct cdh_loader *l = cdh_loader_new(NULL, err, sizeof(err));
	int i;

	assert_non_null(l);
	assert_int_equal(cdh_loader_scan(l, f->plugins.path, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/x.so", f->plugins.path);
	for (i = 0; i < 3; i++)
		assert_null(cdh_loader_reload_file(l, path, &replaced, err,
						   sizeof(err)));
	assert_int_equal(cdh_loader_count(l), 1);
	assert_false(cdh_loader_slot(l, 0)->ready);
	assert_non_null(strstr(cdh_loader_slot(l, 0)->error, "cannot load"));
	cdh_loader_free(l);
	assert_int_equal(entries_in(f->tmp.path), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		a_bad_plugin_is_refused_and_its_copy_removed, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		failed_reloads_of_a_file_keep_one_refused_entry, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		no_memory_for_the_copy_path_refuses_and_removes_the_copy, setup,
		teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
