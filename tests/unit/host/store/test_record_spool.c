/*
 * test_record_spool - a refresh's records wait in the spool: in memory up to
 * its bound (no file), beyond it in an unlinked file of $TMPDIR that leaves
 * no name behind; read back they are what was appended, in order, however
 * long; a visit stops when asked; a write that fails (no directory, a file
 * size limit standing in for a full disk) fails the spool for good, with
 * the reason, and nothing is read back from it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "store/record_spool.h"
#include "testdir.h"

struct fixture {
	struct testdir dir;
	struct cdh_record_spool spool;
	char *saved_tmpdir;
	char err[512];
};

static int setup(void **state)
{
	static struct fixture f;
	const char *tmpdir = getenv("TMPDIR");

	memset(&f, 0, sizeof(f));
	if (testdir_init(&f.dir) != 0)
		return -1;
	f.saved_tmpdir = tmpdir ? strdup(tmpdir) : NULL;
	/* The spool's files go to the test's own directory. */
	setenv("TMPDIR", f.dir.path, 1);
	cdh_record_spool_init(&f.spool, 256);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	cdh_record_spool_release(&f->spool);
	if (f->saved_tmpdir)
		setenv("TMPDIR", f->saved_tmpdir, 1);
	else
		unsetenv("TMPDIR");
	free(f->saved_tmpdir);
	testdir_release(&f->dir);
	return 0;
}

/* Record i: scope "repo<i/10>", id "id:<i>", attributes of `size` bytes
 * (at least the id's JSON). */
static void record_of(int i, size_t size, char *scope, char *id, char *attrs)
{
	size_t len;

	snprintf(scope, 32, "repo%d", i / 10);
	snprintf(id, 32, "id:%d", i);
	len = (size_t)snprintf(attrs, 64, "{\"n\":%d,\"pad\":\"", i);
	for (; len + 2 < size; len++)
		attrs[len] = (char)('a' + (i + (int)len) % 26);
	memcpy(attrs + len, "\"}", 3);
}

static int append(struct fixture *f, int i, size_t size)
{
	static char attrs[1024 * 1024];
	char scope[32], id[32];
	struct cdh_spooled_record r = { scope, i % 2 ? "imageId" : "taggedImage",
					id, attrs };

	record_of(i, size, scope, id, attrs);
	return cdh_record_spool_append(&f->spool, &r);
}

/* Checks each record against record_of(i, sizes[i % nsizes]). */
struct expect {
	const size_t *sizes;
	size_t nsizes;
	int next;
	int stop_at; /* return 7 at this record; -1 never */
};

static int check_record(const struct cdh_spooled_record *r, void *data)
{
	static char attrs[1024 * 1024];
	struct expect *e = data;
	char scope[32], id[32];

	record_of(e->next, e->sizes[e->next % e->nsizes], scope, id, attrs);
	assert_string_equal(r->scope, scope);
	assert_string_equal(r->type, e->next % 2 ? "imageId" : "taggedImage");
	assert_string_equal(r->id, id);
	assert_string_equal(r->attributes, attrs);
	return e->next++ == e->stop_at ? 7 : 0;
}

static void files_in(struct fixture *f, int expected)
{
	DIR *d = opendir(f->dir.path);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	assert_int_equal(n, expected);
}

static void records_under_the_bound_stay_in_memory(void **state)
{
	struct fixture *f = *state;
	static const size_t sizes[] = { 40 };
	struct expect e = { sizes, 1, 0, -1 };

	assert_int_equal(append(f, 0, 40), 0);
	assert_int_equal(append(f, 1, 40), 0);
	assert_int_equal(f->spool.fd, -1);
	assert_int_equal(f->spool.count, 2);
	assert_int_equal(cdh_record_spool_each(&f->spool, check_record, &e,
					       f->err, sizeof(f->err)),
			 0);
	assert_int_equal(e.next, 2);
}

/* Past the bound: a file, memory under the bound, no name left behind,
 * and every record back in order, some across the reads' boundaries. */
static void records_past_the_bound_come_back_from_the_file(void **state)
{
	struct fixture *f = *state;
	static const size_t sizes[] = { 40, 300, 97, 5000, 64 };
	struct expect e = { sizes, 5, 0, -1 };
	int i;

	for (i = 0; i < 2000; i++)
		assert_int_equal(append(f, i, sizes[i % 5]), 0);
	assert_true(f->spool.fd >= 0);
	assert_true(f->spool.file_size > 256u * 1024u); /* several reads */
	assert_true(f->spool.len <= 256);
	files_in(f, 0);
	assert_int_equal(cdh_record_spool_each(&f->spool, check_record, &e,
					       f->err, sizeof(f->err)),
			 0);
	assert_int_equal(e.next, 2000);
	/* Again: reading changes nothing. */
	e.next = 0;
	assert_int_equal(cdh_record_spool_each(&f->spool, check_record, &e,
					       f->err, sizeof(f->err)),
			 0);
	assert_int_equal(e.next, 2000);
}

/* A record longer than what a visit reads at a time (256 KiB). */
static void a_record_longer_than_a_read_comes_back_whole(void **state)
{
	struct fixture *f = *state;
	static const size_t sizes[] = { 100, 700 * 1024 };
	struct expect e = { sizes, 2, 0, -1 };
	int i;

	for (i = 0; i < 6; i++)
		assert_int_equal(append(f, i, sizes[i % 2]), 0);
	assert_true(f->spool.fd >= 0);
	assert_int_equal(cdh_record_spool_each(&f->spool, check_record, &e,
					       f->err, sizeof(f->err)),
			 0);
	assert_int_equal(e.next, 6);
}

static void a_visit_stops_when_the_callback_says_so(void **state)
{
	struct fixture *f = *state;
	static const size_t sizes[] = { 50 };
	struct expect e = { sizes, 1, 0, 3 };
	int i;

	for (i = 0; i < 20; i++)
		assert_int_equal(append(f, i, 50), 0);
	assert_int_equal(cdh_record_spool_each(&f->spool, check_record, &e,
					       f->err, sizeof(f->err)),
			 7);
	assert_int_equal(e.next, 4);
}

static void no_directory_to_write_to_fails_the_spool(void **state)
{
	struct fixture *f = *state;

	setenv("TMPDIR", "/nonexistent/cdhost-test", 1);
	assert_int_equal(append(f, 0, 200), 0); /* under the bound */
	assert_int_equal(append(f, 1, 200), -2);
	assert_int_equal(f->spool.failed, 1);
	assert_string_equal(f->spool.error,
			    "cannot keep the cycle's records: "
			    "/nonexistent/cdhost-test: No such file or directory");
	/* Failed for good: nothing more is taken, nothing is read back. */
	setenv("TMPDIR", f->dir.path, 1);
	assert_int_equal(append(f, 2, 200), -2);
	assert_int_equal(cdh_record_spool_each(&f->spool, check_record, NULL,
					       f->err, sizeof(f->err)),
			 -1);
	assert_non_null(strstr(f->err, "No such file or directory"));
}

/* A full disk, simulated by a file size limit (EFBIG, SIGXFSZ ignored). */
static void a_write_that_fails_midway_fails_the_spool(void **state)
{
	struct fixture *f = *state;
	struct rlimit saved, small;
	void (*old)(int) = signal(SIGXFSZ, SIG_IGN);
	int i, rc = 0;

	assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
	small = saved;
	small.rlim_cur = 64 * 1024;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	for (i = 0; i < 1000 && rc == 0; i++)
		rc = append(f, i, 200);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
	signal(SIGXFSZ, old);
	assert_int_equal(rc, -2);
	assert_true(i > 64 * 1024 / 250);
	assert_non_null(strstr(f->spool.error, "writing to "));
	assert_non_null(strstr(f->spool.error, "File too large"));
	assert_int_equal(cdh_record_spool_each(&f->spool, check_record, NULL,
					       f->err, sizeof(f->err)),
			 -1);
}

static void release_empties_the_spool(void **state)
{
	struct fixture *f = *state;
	int i;

	for (i = 0; i < 50; i++)
		assert_int_equal(append(f, i, 100), 0);
	cdh_record_spool_release(&f->spool);
	assert_int_equal(f->spool.fd, -1);
	assert_int_equal(f->spool.count, 0);
	assert_int_equal(f->spool.memory_limit, 256);
	assert_int_equal(cdh_record_spool_each(&f->spool, check_record, NULL,
					       f->err, sizeof(f->err)),
			 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(records_under_the_bound_stay_in_memory),
	    T(records_past_the_bound_come_back_from_the_file),
	    T(a_record_longer_than_a_read_comes_back_whole),
	    T(a_visit_stops_when_the_callback_says_so),
	    T(no_directory_to_write_to_fails_the_spool),
	    T(a_write_that_fails_midway_fails_the_spool),
	    T(release_empties_the_spool),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
