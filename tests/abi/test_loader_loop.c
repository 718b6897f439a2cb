/*
 * test_loader_loop - loads and frees the plugin directory many times in one
 * process (the reload pattern) so ASan/LSan see every path of the loader:
 * ready, refused at each negotiation step, init, shutdown, private copies.
 * argv[1]: a directory holding the conformance fixtures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "plugins/loader.h"

#define ROUNDS 20

static const char *fixture_dir;

static const struct cdh_plugin_slot *slot_named(const struct cdh_loader *l,
						const char *file)
{
	size_t i;

	for (i = 0; i < cdh_loader_count(l); i++) {
		const struct cdh_plugin_slot *s = cdh_loader_slot(l, i);
		const char *base = strrchr(s->path, '/');

		if (base && strcmp(base + 1, file) == 0)
			return s;
	}
	return NULL;
}

static void expect_refused(const struct cdh_loader *l, const char *file,
			   const char *why)
{
	const struct cdh_plugin_slot *s = slot_named(l, file);

	assert_non_null(s);
	assert_false(s->ready);
	if (!strstr(s->error, why))
		fail_msg("%s: error \"%s\" lacks \"%s\"", file, s->error, why);
}

static void load_refuse_and_free_repeatedly(void **state)
{
	char err[256];
	int round;

	(void)state;
	for (round = 0; round < ROUNDS; round++) {
		struct cdh_loader *l = cdh_loader_new(NULL, err, sizeof(err));

		assert_non_null(l);
		assert_int_equal(cdh_loader_scan(l, fixture_dir, err, sizeof(err)), 0);
		assert_non_null(slot_named(l, "fixture_v1.so"));
		assert_true(slot_named(l, "fixture_v1.so")->ready);
		assert_non_null(cdh_loader_find_section(l, "fixture"));
		assert_true(slot_named(l, "fixture_built_newer.so")->ready);
		/* Built against 1.9: it speaks this host's minor. */
		assert_int_equal(slot_named(l, "fixture_built_newer.so")->abi_minor,
				 CDH_ABI_MINOR);
		expect_refused(l, "fixture_requires_newer.so",
			       "plugin fixture_requires_newer requires ABI 1.9, "
			       "this host speaks 1.");
		expect_refused(l, "fixture_newer_major.so", "speaks ABI 2");
		expect_refused(l, "fixture_bad_signature.so", "build signature");
		expect_refused(l, "fixture_missing_op.so", "missing required op 'refresh'");
		expect_refused(l, "not_a_plugin.so", "no cdh_plugin_entry symbol");
		cdh_loader_free(l);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(load_refuse_and_free_repeatedly),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s FIXTURE_DIR\n", argv[0]);
		return 2;
	}
	fixture_dir = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
