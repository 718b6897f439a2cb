/*
 * test_registry - the registry client's Link header parsing
 * (drg_registry_link_next): RFC 8288 link-values as registries send them
 * (reference/registry-protocol.md §3.2), several Link lines joined by ", ".
 * The target is returned verbatim: opaque pagination tokens must never be
 * decoded or re-encoded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "registry.h"

#define OUT_MAX 512

static void expect_next(const char *link, const char *target)
{
	char out[OUT_MAX] = "";

	assert_int_equal(drg_registry_link_next(link, out, sizeof(out)), 1);
	assert_string_equal(out, target);
}

static void expect_no_next(const char *link)
{
	char out[OUT_MAX] = "";

	assert_int_equal(drg_registry_link_next(link, out, sizeof(out)), 0);
}

static void the_distribution_form_quoted_next(void **state)
{
	(void)state;
	expect_next("</v2/_catalog?last=beta&n=2>; rel=\"next\"",
		    "/v2/_catalog?last=beta&n=2");
}

static void an_unquoted_rel_next(void **state)
{
	(void)state;
	expect_next("</v2/app/tags/list?last=1.0&n=100>; rel=next",
		    "/v2/app/tags/list?last=1.0&n=100");
}

static void rel_and_next_are_case_insensitive(void **state)
{
	(void)state;
	expect_next("</v2/app/tags/list?n=1>; REL=\"NEXT\"",
		    "/v2/app/tags/list?n=1");
	expect_next("</v2/app/tags/list?n=1>; Rel=Next",
		    "/v2/app/tags/list?n=1");
}

static void next_as_the_second_of_several_link_values(void **state)
{
	(void)state;
	expect_next("</v2/app/tags/list?n=1>; rel=\"prev\", "
		    "</v2/app/tags/list?last=b&n=1>; rel=\"next\"",
		    "/v2/app/tags/list?last=b&n=1");
}

static void next_as_the_first_of_several_link_values(void **state)
{
	(void)state;
	expect_next(
	    "</v2/a?last=b>; rel=\"next\", </v2/a?last=z>; rel=\"last\"",
	    "/v2/a?last=b");
}

static void unquoted_next_followed_by_another_link_value(void **state)
{
	(void)state;
	/* Two Link lines joined by ", ": the comma ends the first rel value. */
	expect_next("</v2/a?last=b>; rel=next, </v2/a?last=z>; rel=last",
		    "/v2/a?last=b");
}

static void a_trailing_comma_is_tolerated(void **state)
{
	(void)state;
	expect_next("</v2/a?last=b>; rel=\"next\",", "/v2/a?last=b");
	expect_next("</v2/a?last=b>; rel=next,", "/v2/a?last=b");
}

static void rel_may_list_several_relation_types(void **state)
{
	(void)state;
	expect_next("</v2/a?last=b>; rel=\"next last\"", "/v2/a?last=b");
	expect_next("</v2/a?last=b>; rel=\"last next\"", "/v2/a?last=b");
}

static void other_params_around_rel_do_not_matter(void **state)
{
	(void)state;
	expect_next("</v2/a?last=b>; type=\"text/html\"; rel=\"next\"; title=x",
		    "/v2/a?last=b");
}

static void a_relation_that_only_starts_with_next_is_not_next(void **state)
{
	(void)state;
	expect_no_next("</v2/a?last=b>; rel=\"nextpage\"");
	expect_no_next("</v2/a?last=b>; rel=\"prev\"");
	expect_no_next("</v2/a?last=b>; title=\"next\"");
}

static void no_link_or_no_next_is_zero(void **state)
{
	(void)state;
	expect_no_next("");
	expect_no_next(
	    "</v2/a?n=1>; rel=\"prev\", </v2/a?last=z>; rel=\"last\"");
	expect_no_next("</v2/a?n=1; rel=\"next\"");
}

static void a_target_too_big_for_the_buffer_is_minus_one(void **state)
{
	char out[8];

	(void)state;
	assert_int_equal(
	    drg_registry_link_next("</v2/_catalog?last=b>; rel=next", out,
				   sizeof(out)),
	    -1);
	/* Exactly fitting, NUL included, is fine. */
	assert_int_equal(
	    drg_registry_link_next("</v2/abc>; rel=next", out, sizeof(out)), 1);
	assert_string_equal(out, "/v2/abc");
}

static void opaque_query_strings_are_kept_verbatim(void **state)
{
	(void)state;
	expect_next("</v2/_catalog?last=gamma%2Fone&n=2>; rel=\"next\"",
		    "/v2/_catalog?last=gamma%2Fone&n=2");
	expect_next(
	    "</v2/coreos/etcd/tags/list?next_page=gAAAAABc%2B%3D&n=50>; "
	    "rel=\"next\"",
	    "/v2/coreos/etcd/tags/list?next_page=gAAAAABc%2B%3D&n=50");
	expect_next(
	    "<https://1234.dkr.ecr.eu-west-1.amazonaws.com/v2/img/tags/list"
	    "?last=ukD72mdD/mC8b5xV3susmJzzaTgp3hKwR9nRUW1yZZ6dLc=>; "
	    "rel=\"next\"",
	    "https://1234.dkr.ecr.eu-west-1.amazonaws.com/v2/img/tags/list"
	    "?last=ukD72mdD/mC8b5xV3susmJzzaTgp3hKwR9nRUW1yZZ6dLc=");
}

static void a_target_may_contain_commas_and_semicolons(void **state)
{
	(void)state;
	expect_next("</v2/a?last=x,y;z&n=1>; rel=\"next\"",
		    "/v2/a?last=x,y;z&n=1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(the_distribution_form_quoted_next),
	    cmocka_unit_test(an_unquoted_rel_next),
	    cmocka_unit_test(rel_and_next_are_case_insensitive),
	    cmocka_unit_test(next_as_the_second_of_several_link_values),
	    cmocka_unit_test(next_as_the_first_of_several_link_values),
	    cmocka_unit_test(unquoted_next_followed_by_another_link_value),
	    cmocka_unit_test(a_trailing_comma_is_tolerated),
	    cmocka_unit_test(rel_may_list_several_relation_types),
	    cmocka_unit_test(other_params_around_rel_do_not_matter),
	    cmocka_unit_test(a_relation_that_only_starts_with_next_is_not_next),
	    cmocka_unit_test(no_link_or_no_next_is_zero),
	    cmocka_unit_test(a_target_too_big_for_the_buffer_is_minus_one),
	    cmocka_unit_test(opaque_query_strings_are_kept_verbatim),
	    cmocka_unit_test(a_target_may_contain_commas_and_semicolons),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
