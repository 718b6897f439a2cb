/*
 * test_partition - which cacheThreads agent owns a repository: Java's
 * String.hashCode over UTF-16 code units (so repositories land on the same
 * agent index as in Clouddriver), and abs(hash % count) == index ownership.
 *
 * Expected hashes are Java's, computed with 32-bit wrap-around over UTF-16
 * (a code point above U+FFFF counts as its surrogate pair).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "agent/partition.h"

/* ---- drg_partition_java_hash ---- */

static void hash_of_ascii_strings_is_javas(void **state)
{
	(void)state;
	assert_int_equal(drg_partition_java_hash(""), 0);
	assert_int_equal(drg_partition_java_hash("a"), 97);
	assert_int_equal(drg_partition_java_hash("ab"), 3105);
	assert_int_equal(drg_partition_java_hash("library/nginx"), 1457304902);
	assert_int_equal(drg_partition_java_hash("yourusername/app"), 1087308059);
}

static void hash_wraps_around_like_a_java_int(void **state)
{
	(void)state;
	assert_int_equal(drg_partition_java_hash("library/ubuntu"), -1872044357);
	assert_int_equal(drg_partition_java_hash("library/busybox"), -1339083810);
	/* The classic: this one hashes to Integer.MIN_VALUE. */
	assert_int_equal(drg_partition_java_hash("polygenelubricants"), INT32_MIN);
}

static void hash_counts_utf16_code_units_not_utf8_bytes(void **state)
{
	(void)state;
	/* U+00E9: two UTF-8 bytes, one UTF-16 unit. */
	assert_int_equal(drg_partition_java_hash("\xC3\xA9"), 233);
	assert_int_equal(drg_partition_java_hash("caf\xC3\xA9"), 3045921);
	/* U+20AC: three UTF-8 bytes, one UTF-16 unit. */
	assert_int_equal(drg_partition_java_hash("\xE2\x82\xAC"), 8364);
}

static void an_astral_character_hashes_as_its_surrogate_pair(void **state)
{
	(void)state;
	/* U+1F600 is 0xD83D 0xDE00 in UTF-16: 0xD83D * 31 + 0xDE00. */
	assert_int_equal(drg_partition_java_hash("\xF0\x9F\x98\x80"), 1772899);
	assert_int_equal(drg_partition_java_hash("x\xF0\x9F\x98\x80y"), 58534910);
}

/* ---- drg_partition_owns ---- */

static const char *const repos[] = {
    "library/nginx",
    "library/redis",
    "library/ubuntu",
    "library/alpine",
    "library/busybox",
    "yourusername/app",
    "polygenelubricants",
    "a",
    "ab",
    "app",
    "a/b",
    "caf\xC3\xA9",
    "x\xF0\x9F\x98\x80y",
};
#define REPO_COUNT (sizeof(repos) / sizeof(repos[0]))

static void one_agent_owns_every_repository(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < REPO_COUNT; i++)
		assert_true(drg_partition_owns(repos[i], 0, 1));
}

static void each_repository_has_exactly_one_owner(void **state)
{
	uint32_t count, index;
	size_t i;

	(void)state;
	for (count = 2; count <= 7; count++) {
		for (i = 0; i < REPO_COUNT; i++) {
			int owners = 0;

			for (index = 0; index < count; index++)
				owners += drg_partition_owns(repos[i], index, count)
					      ? 1
					      : 0;
			assert_int_equal(owners, 1);
		}
	}
}

static void the_owner_is_abs_of_java_remainder(void **state)
{
	(void)state;
	/* 1457304902 % 3 == 2 */
	assert_true(drg_partition_owns("library/nginx", 2, 3));
	/* 1460934439 % 4 == 3 */
	assert_true(drg_partition_owns("library/redis", 3, 4));
}

static void a_negative_hash_uses_the_absolute_remainder(void **state)
{
	(void)state;
	/* Java: -1872044357 % 3 == -2, abs == 2 (not floor-mod's 1). */
	assert_true(drg_partition_owns("library/ubuntu", 2, 3));
	assert_false(drg_partition_owns("library/ubuntu", 1, 3));
	/* Java: -1339083810 % 4 == -2, abs == 2. */
	assert_true(drg_partition_owns("library/busybox", 2, 4));
	/* Integer.MIN_VALUE % 3 == -2: abs never overflows. */
	assert_true(drg_partition_owns("polygenelubricants", 2, 3));
	assert_true(drg_partition_owns("polygenelubricants", 0, 4));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(hash_of_ascii_strings_is_javas),
	    cmocka_unit_test(hash_wraps_around_like_a_java_int),
	    cmocka_unit_test(hash_counts_utf16_code_units_not_utf8_bytes),
	    cmocka_unit_test(an_astral_character_hashes_as_its_surrogate_pair),
	    cmocka_unit_test(one_agent_owns_every_repository),
	    cmocka_unit_test(each_repository_has_exactly_one_owner),
	    cmocka_unit_test(the_owner_is_abs_of_java_remainder),
	    cmocka_unit_test(a_negative_hash_uses_the_absolute_remainder),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
