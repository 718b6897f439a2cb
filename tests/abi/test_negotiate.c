/*
 * test_negotiate - the entry point CDH_PLUGIN_DEFINE generates, called as
 * hosts of other sizes would call it: it answers in full whenever the host's
 * answer struct is at least the 1.0 size, writes nothing past the host's
 * struct_size, refuses a struct smaller than 1.0, and says the minor it was
 * built against and the minor it requires. argv[1]: the fixture directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "cdh_plugin.h"
#include "plugins/host_table.h"

static const char *fixture_dir;

struct loaded {
	void *handle;
	cdh_plugin_entry_fn entry;
};

static struct loaded load(const char *file)
{
	struct loaded l;
	char path[1024];
	void *sym;

	snprintf(path, sizeof(path), "%s/%s", fixture_dir, file);
	l.handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!l.handle)
		fail_msg("dlopen %s: %s", path, dlerror());
	sym = dlsym(l.handle, CDH_PLUGIN_ENTRY_SYMBOL);
	assert_non_null(sym);
	*(void **)&l.entry = sym;
	return l;
}

static struct cdh_negotiate_in host_offer(void)
{
	struct cdh_negotiate_in in = { sizeof(in), CDH_ABI_MAJOR, CDH_ABI_MINOR,
				       CDH_ABI_SIGNATURE, cdh_host_table_get() };
	return in;
}

/* The answer struct inside a larger buffer, so writes past it show. */
union answer {
	struct cdh_negotiate_out out;
	unsigned char bytes[sizeof(struct cdh_negotiate_out) + 64];
};

static void a_host_offering_the_1_0_size_gets_every_1_0_field(void **state)
{
	struct loaded l = load("fixture_built_newer.so");
	struct cdh_negotiate_in in = host_offer();
	union answer a;
	size_t i;

	(void)state;
	memset(&a, 0xaa, sizeof(a));
	a.out.struct_size = CDH_NEGOTIATE_OUT_SIZE_1_0;
	assert_int_equal(l.entry(&in, &a.out), CDH_OK);
	assert_int_equal(a.out.abi_major, 1);
	assert_int_equal(a.out.abi_minor, 9);
	assert_int_equal(a.out.abi_minor_required, 0);
	assert_int_equal(a.out.signature, CDH_ABI_SIGNATURE);
	assert_non_null(a.out.desc);
	assert_string_equal(a.out.desc->name, "fixture_built_newer");
	for (i = CDH_NEGOTIATE_OUT_SIZE_1_0; i < sizeof(a.bytes); i++)
		if (a.bytes[i] != 0xaa)
			fail_msg("byte %zu past the host's struct was written", i);
	dlclose(l.handle);
}

static void a_struct_smaller_than_1_0_is_refused(void **state)
{
	struct loaded l = load("fixture_v1.so");
	struct cdh_negotiate_in in = host_offer();
	union answer a;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.out.struct_size = CDH_NEGOTIATE_OUT_SIZE_1_0 - 1;
	assert_int_equal(l.entry(&in, &a.out), CDH_E_ABI);
	assert_int_equal(a.out.abi_major, 0); /* nothing written */
	a.out.struct_size = sizeof(a.out);
	in.struct_size = CDH_NEGOTIATE_IN_SIZE_1_0 - 1;
	assert_int_equal(l.entry(&in, &a.out), CDH_E_ABI);
	dlclose(l.handle);
}

static void the_required_minor_is_answered(void **state)
{
	struct loaded l = load("fixture_requires_newer.so");
	struct cdh_negotiate_in in = host_offer();
	union answer a;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.out.struct_size = sizeof(a.out);
	l.entry(&in, &a.out);
	assert_int_equal(a.out.abi_minor, 9);
	assert_int_equal(a.out.abi_minor_required, 9);
	dlclose(l.handle);
	l = load("fixture_v1.so");
	memset(&a, 0, sizeof(a));
	a.out.struct_size = sizeof(a.out);
	assert_int_equal(l.entry(&in, &a.out), CDH_OK);
	assert_int_equal(a.out.abi_minor, 0);
	assert_int_equal(a.out.abi_minor_required, 0);
	dlclose(l.handle);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_host_offering_the_1_0_size_gets_every_1_0_field),
		cmocka_unit_test(a_struct_smaller_than_1_0_is_refused),
		cmocka_unit_test(the_required_minor_is_answered),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s FIXTURE_DIR\n", argv[0]);
		return 2;
	}
	fixture_dir = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
