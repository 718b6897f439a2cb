/*
 * test_strvec - drg_strvec, a growable array of owned strings: push copies,
 * order is kept, release frees everything and leaves an empty vector.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "util/strvec.h"

static void a_new_vector_is_empty(void **state)
{
	struct drg_strvec vec = DRG_STRVEC_INIT;

	(void)state;
	assert_int_equal(vec.count, 0);
	assert_null(vec.items);
	drg_strvec_release(&vec);
	assert_int_equal(vec.count, 0);
}

static void push_keeps_order_and_copies_the_string(void **state)
{
	struct drg_strvec vec = DRG_STRVEC_INIT;
	char name[16] = "library/nginx";

	(void)state;
	assert_int_equal(drg_strvec_push(&vec, name), 0);
	assert_int_equal(drg_strvec_push(&vec, "app"), 0);
	name[0] = 'X';
	assert_int_equal(vec.count, 2);
	assert_string_equal(vec.items[0], "library/nginx");
	assert_string_equal(vec.items[1], "app");
	drg_strvec_release(&vec);
}

static void push_accepts_the_empty_string(void **state)
{
	struct drg_strvec vec = DRG_STRVEC_INIT;

	(void)state;
	assert_int_equal(drg_strvec_push(&vec, ""), 0);
	assert_int_equal(vec.count, 1);
	assert_string_equal(vec.items[0], "");
	drg_strvec_release(&vec);
}

static void push_grows_past_the_first_allocation(void **state)
{
	struct drg_strvec vec = DRG_STRVEC_INIT;
	char item[32];
	int i;

	(void)state;
	for (i = 0; i < 1000; i++) {
		snprintf(item, sizeof(item), "tag-%d", i);
		assert_int_equal(drg_strvec_push(&vec, item), 0);
	}
	assert_int_equal(vec.count, 1000);
	assert_string_equal(vec.items[0], "tag-0");
	assert_string_equal(vec.items[16], "tag-16");
	assert_string_equal(vec.items[999], "tag-999");
	drg_strvec_release(&vec);
}

static void release_empties_and_the_vector_can_be_reused(void **state)
{
	struct drg_strvec vec = DRG_STRVEC_INIT;

	(void)state;
	assert_int_equal(drg_strvec_push(&vec, "a"), 0);
	drg_strvec_release(&vec);
	assert_null(vec.items);
	assert_int_equal(vec.count, 0);
	assert_int_equal(vec.alloc, 0);
	assert_int_equal(drg_strvec_push(&vec, "b"), 0);
	assert_int_equal(vec.count, 1);
	assert_string_equal(vec.items[0], "b");
	drg_strvec_release(&vec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(a_new_vector_is_empty),
	    cmocka_unit_test(push_keeps_order_and_copies_the_string),
	    cmocka_unit_test(push_accepts_the_empty_string),
	    cmocka_unit_test(push_grows_past_the_first_allocation),
	    cmocka_unit_test(release_empties_and_the_vector_can_be_reused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
