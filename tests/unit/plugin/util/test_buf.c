/*
 * test_buf - drg_buf, the capped byte buffer everything the network feeds
 * goes through: the cap is hard, a refused append changes nothing, and the
 * contents are always a NUL-terminated string.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "util/buf.h"

static void an_empty_buffer_reads_as_the_empty_string(void **state)
{
	struct drg_buf buf;

	(void)state;
	drg_buf_init(&buf, 16);
	assert_string_equal(drg_buf_str(&buf), "");
	assert_int_equal(buf.len, 0);
	drg_buf_release(&buf);
}

static void appends_concatenate_and_stay_nul_terminated(void **state)
{
	struct drg_buf buf;

	(void)state;
	drg_buf_init(&buf, 64);
	assert_int_equal(drg_buf_append_str(&buf, "hello"), 0);
	assert_int_equal(drg_buf_append(&buf, ", world!!!", 7), 0);
	assert_string_equal(drg_buf_str(&buf), "hello, world");
	assert_int_equal(buf.len, 12);
	assert_int_equal(buf.data[buf.len], '\0');
	drg_buf_release(&buf);
}

static void an_empty_append_still_gives_a_string(void **state)
{
	struct drg_buf buf;

	(void)state;
	drg_buf_init(&buf, 8);
	assert_int_equal(drg_buf_append(&buf, "", 0), 0);
	assert_non_null(buf.data);
	assert_string_equal(drg_buf_str(&buf), "");
	drg_buf_release(&buf);
}

static void filling_exactly_to_the_cap_is_allowed(void **state)
{
	struct drg_buf buf;

	(void)state;
	drg_buf_init(&buf, 8);
	assert_int_equal(drg_buf_append_str(&buf, "1234"), 0);
	assert_int_equal(drg_buf_append_str(&buf, "5678"), 0);
	assert_string_equal(drg_buf_str(&buf), "12345678");
	drg_buf_release(&buf);
}

static void an_append_past_the_cap_fails_and_changes_nothing(void **state)
{
	struct drg_buf buf;

	(void)state;
	drg_buf_init(&buf, 8);
	assert_int_equal(drg_buf_append_str(&buf, "12345"), 0);
	assert_int_equal(drg_buf_append_str(&buf, "6789"), -1);
	assert_string_equal(drg_buf_str(&buf), "12345");
	assert_int_equal(buf.len, 5);
	/* What still fits is still accepted. */
	assert_int_equal(drg_buf_append_str(&buf, "678"), 0);
	assert_string_equal(drg_buf_str(&buf), "12345678");
	drg_buf_release(&buf);
}

static void a_single_append_larger_than_the_cap_fails(void **state)
{
	struct drg_buf buf;

	(void)state;
	drg_buf_init(&buf, 4);
	assert_int_equal(drg_buf_append_str(&buf, "12345"), -1);
	assert_string_equal(drg_buf_str(&buf), "");
	assert_int_equal(buf.len, 0);
	drg_buf_release(&buf);
}

static void a_huge_length_does_not_wrap_around_the_cap_check(void **state)
{
	struct drg_buf buf;

	(void)state;
	drg_buf_init(&buf, 16);
	assert_int_equal(drg_buf_append_str(&buf, "abc"), 0);
	assert_int_equal(drg_buf_append(&buf, "x", SIZE_MAX - 1), -1);
	assert_string_equal(drg_buf_str(&buf), "abc");
	drg_buf_release(&buf);
}

static void growth_beyond_the_first_allocation_keeps_the_contents(void **state)
{
	struct drg_buf buf;
	char chunk[100];
	size_t i;

	(void)state;
	memset(chunk, 'z', sizeof(chunk));
	drg_buf_init(&buf, 100000);
	for (i = 0; i < 50; i++)
		assert_int_equal(drg_buf_append(&buf, chunk, sizeof(chunk)), 0);
	assert_int_equal(buf.len, 5000);
	assert_int_equal(strlen(drg_buf_str(&buf)), 5000);
	assert_int_equal(drg_buf_str(&buf)[4999], 'z');
	drg_buf_release(&buf);
}

static void reset_empties_but_keeps_the_storage_and_cap(void **state)
{
	struct drg_buf buf;
	char *storage;

	(void)state;
	drg_buf_init(&buf, 8);
	assert_int_equal(drg_buf_append_str(&buf, "12345678"), 0);
	storage = buf.data;
	drg_buf_reset(&buf);
	assert_string_equal(drg_buf_str(&buf), "");
	assert_int_equal(buf.len, 0);
	assert_ptr_equal(buf.data, storage);
	assert_int_equal(drg_buf_append_str(&buf, "abcdefgh"), 0);
	assert_int_equal(drg_buf_append_str(&buf, "i"), -1);
	assert_string_equal(drg_buf_str(&buf), "abcdefgh");
	drg_buf_release(&buf);
}

static void reset_of_a_never_used_buffer_is_harmless(void **state)
{
	struct drg_buf buf;

	(void)state;
	drg_buf_init(&buf, 8);
	drg_buf_reset(&buf);
	assert_string_equal(drg_buf_str(&buf), "");
	drg_buf_release(&buf);
}

static void release_leaves_an_empty_reusable_buffer(void **state)
{
	struct drg_buf buf;

	(void)state;
	drg_buf_init(&buf, 8);
	assert_int_equal(drg_buf_append_str(&buf, "abc"), 0);
	drg_buf_release(&buf);
	assert_null(buf.data);
	assert_int_equal(buf.len, 0);
	assert_int_equal(buf.cap, 8);
	assert_string_equal(drg_buf_str(&buf), "");
	assert_int_equal(drg_buf_append_str(&buf, "xyz"), 0);
	assert_string_equal(drg_buf_str(&buf), "xyz");
	drg_buf_release(&buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(an_empty_buffer_reads_as_the_empty_string),
	    cmocka_unit_test(appends_concatenate_and_stay_nul_terminated),
	    cmocka_unit_test(an_empty_append_still_gives_a_string),
	    cmocka_unit_test(filling_exactly_to_the_cap_is_allowed),
	    cmocka_unit_test(an_append_past_the_cap_fails_and_changes_nothing),
	    cmocka_unit_test(a_single_append_larger_than_the_cap_fails),
	    cmocka_unit_test(a_huge_length_does_not_wrap_around_the_cap_check),
	    cmocka_unit_test(
		growth_beyond_the_first_allocation_keeps_the_contents),
	    cmocka_unit_test(reset_empties_but_keeps_the_storage_and_cap),
	    cmocka_unit_test(reset_of_a_never_used_buffer_is_harmless),
	    cmocka_unit_test(release_leaves_an_empty_reusable_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
