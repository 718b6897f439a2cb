/*
 * test_repositories - which repositories an agent refreshes, and the class
 * of the error when it cannot tell: a catalogFile is re-read every cycle, so
 * one that is missing or broken is CDH_E_TRANSIENT (fixing the file heals the
 * agent at its next try), never a config error that waits for a reload.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/repositories.h"
#include "testdir.h"

struct fixture {
	struct testdir dir;
	struct drg_account acct;
	struct drg_strvec out;
	char err[512];
	char path[512];
};

static int setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	*state = &f;
	if (testdir_init(&f.dir) != 0)
		return -1;
	snprintf(f.path, sizeof(f.path), "%s", testdir_file(&f.dir, "catalog.json"));
	f.acct.name = "hub";
	f.acct.cache_threads = 1;
	f.acct.catalog_file = f.path;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	drg_strvec_release(&f->out);
	testdir_release(&f->dir);
	return 0;
}

static int32_t owned(struct fixture *f)
{
	struct drg_strvec invalid = { 0 };
	int32_t rc;

	drg_strvec_release(&f->out);
	memset(&f->out, 0, sizeof(f->out));
	f->err[0] = '\0';
	rc = drg_repositories_owned(&f->acct, NULL, 0, &f->out, &invalid,
				    f->err, sizeof(f->err));
	drg_strvec_release(&invalid);
	return rc;
}

static void a_readable_catalog_file_lists_the_repositories(void **state)
{
	struct fixture *f = *state;

	testdir_write(&f->dir, "catalog.json", "{\"repositories\":[\"a/b\",\"c\"]}");
	assert_int_equal(owned(f), CDH_OK);
	assert_int_equal(f->out.count, 2);
	assert_string_equal(f->out.items[0], "a/b");
	assert_string_equal(f->out.items[1], "c");
}

static void a_missing_catalog_file_is_transient(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(owned(f), CDH_E_TRANSIENT);
	assert_non_null(strstr(f->err, "catalog.json"));
	/* The file appears: the next cycle reads it, no reload needed. */
	testdir_write(&f->dir, "catalog.json", "{\"repositories\":[\"x\"]}");
	assert_int_equal(owned(f), CDH_OK);
	assert_int_equal(f->out.count, 1);
}

static void an_unreadable_catalog_file_is_transient(void **state)
{
	struct fixture *f = *state;

	/* A directory cannot be read as a file, even by root. */
	assert_int_equal(mkdir(f->path, 0755), 0);
	assert_int_equal(owned(f), CDH_E_TRANSIENT);
	assert_int_equal(rmdir(f->path), 0);
}

static void a_broken_catalog_file_is_transient(void **state)
{
	struct fixture *f = *state;

	testdir_write(&f->dir, "catalog.json", "{\"repositories\": [");
	assert_int_equal(owned(f), CDH_E_TRANSIENT);
	assert_non_null(strstr(f->err, "Unable to read catalog file"));
}

/* Duplicates (a catalog file written by hand, a registry repeating a name
 * across pages) are cached once, in the order first listed. */
static void duplicates_are_kept_once_in_first_order(void **state)
{
	struct fixture *f = *state;

	testdir_write(&f->dir, "catalog.json",
		      "{\"repositories\":[\"c\",\"a/b\",\"c\",\"d\",\"a/b\",\"c\"]}");
	assert_int_equal(owned(f), CDH_OK);
	assert_int_equal(f->out.count, 3);
	assert_string_equal(f->out.items[0], "c");
	assert_string_equal(f->out.items[1], "a/b");
	assert_string_equal(f->out.items[2], "d");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(a_readable_catalog_file_lists_the_repositories),
	    T(a_missing_catalog_file_is_transient),
	    T(an_unreadable_catalog_file_is_transient),
	    T(a_broken_catalog_file_is_transient),
	    T(duplicates_are_kept_once_in_first_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
