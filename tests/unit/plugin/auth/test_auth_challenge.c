/* challenge: RFC 7235 WWW-Authenticate as registries send it (§2.1, #3-#7). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "auth/challenge.h"

static struct drg_challenges set;

static int setup(void **state)
{
	(void)state;
	drg_challenges_init(&set);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	drg_challenges_release(&set);
	return 0;
}

static void bearer_with_quoted_scope_and_spaces(void **state)
{
	(void)state;
	assert_int_equal(drg_challenges_parse(&set,
		"Bearer realm=\"https://auth.docker.io/token\", "
		"service=\"registry.docker.io\",scope=\"repository:samalba/my-app:pull,push\""),
		0);
	assert_int_equal(set.count, 1);
	assert_int_equal(set.items[0].scheme, DRG_AUTH_BEARER);
	assert_string_equal(set.items[0].realm, "https://auth.docker.io/token");
	assert_string_equal(set.items[0].service, "registry.docker.io");
	assert_string_equal(set.items[0].scope,
			    "repository:samalba/my-app:pull,push");
	assert_null(set.items[0].error);
}

static void names_are_case_insensitive(void **state)
{
	(void)state;
	assert_int_equal(drg_challenges_parse(&set,
		"bEARER REALM=\"r\",Service=s,ERROR=\"invalid_token\""), 0);
	assert_int_equal(set.items[0].scheme, DRG_AUTH_BEARER);
	assert_string_equal(set.items[0].realm, "r");
	assert_string_equal(set.items[0].service, "s");
	assert_string_equal(set.items[0].error, "invalid_token");
}

static void escapes_in_quoted_strings(void **state)
{
	(void)state;
	assert_int_equal(drg_challenges_parse(&set,
		"Basic realm=\"a \\\"quoted\\\" \\\\ realm, with comma\""), 0);
	assert_int_equal(set.count, 1);
	assert_string_equal(set.items[0].realm,
			    "a \"quoted\" \\ realm, with comma");
}

static void several_challenges_in_one_header(void **state)
{
	const struct drg_challenge *c;

	(void)state;
	assert_int_equal(drg_challenges_parse(&set,
		"Negotiate, Basic realm=\"basic\", Bearer realm=\"https://t/x\",service=\"svc\""),
		0);
	assert_int_equal(set.count, 3);
	assert_int_equal(set.items[0].scheme, DRG_AUTH_OTHER);
	assert_int_equal(set.items[1].scheme, DRG_AUTH_BASIC);
	c = drg_challenges_pick(&set);
	assert_non_null(c);
	assert_int_equal(c->scheme, DRG_AUTH_BEARER);
	assert_string_equal(c->realm, "https://t/x");
}

static void several_headers_and_token68(void **state)
{
	(void)state;
	assert_int_equal(drg_challenges_parse(&set, "Negotiate abc+/def=="), 0);
	assert_int_equal(drg_challenges_parse(&set, "Basic realm=\"b\""), 0);
	assert_int_equal(set.count, 2);
	assert_int_equal(drg_challenges_pick(&set)->scheme, DRG_AUTH_BASIC);
}

static void missing_service_and_ecr_extra_params(void **state)
{
	(void)state;
	assert_int_equal(drg_challenges_parse(&set,
		"Basic realm=\"https://1.dkr.ecr.us-east-1.amazonaws.com/\",service=\"ecr.amazonaws.com\""),
		0);
	assert_string_equal(set.items[0].service, "ecr.amazonaws.com");
	drg_challenges_release(&set);
	assert_int_equal(drg_challenges_parse(&set,
		"Bearer realm=\"https://openshift/oauth/token\""), 0);
	assert_null(set.items[0].service);
	assert_null(set.items[0].scope);
}

static void relative_realm_and_realm_with_query_kept_verbatim(void **state)
{
	(void)state;
	assert_int_equal(drg_challenges_parse(&set,
		"Bearer realm=\"/zot/auth/token\",service=\"zot\""), 0);
	assert_string_equal(set.items[0].realm, "/zot/auth/token");
	drg_challenges_release(&set);
	assert_int_equal(drg_challenges_parse(&set,
		"Bearer realm=\"https://h/token?tenant=a%2Fb&x=1\",scope=\"repository::pull\""),
		0);
	assert_string_equal(set.items[0].realm, "https://h/token?tenant=a%2Fb&x=1");
	assert_string_equal(set.items[0].scope, "repository::pull");
}

static void unquoted_url_is_accepted(void **state)
{
	(void)state;
	assert_int_equal(drg_challenges_parse(&set,
		"Bearer realm=http://127.0.0.1:5/token,service=x"), 0);
	assert_string_equal(set.items[0].realm, "http://127.0.0.1:5/token");
	assert_string_equal(set.items[0].service, "x");
}

static void malformed_values(void **state)
{
	(void)state;
	assert_int_equal(drg_challenges_parse(&set, "Basic realm=\"unterminated"), -1);
	drg_challenges_release(&set);
	assert_int_equal(drg_challenges_parse(&set, "realm=\"no scheme\""), -1);
	drg_challenges_release(&set);
	assert_int_equal(drg_challenges_parse(&set, "Bearer realm=\"x\\\""), -1);
	drg_challenges_release(&set);
	assert_int_equal(drg_challenges_parse(&set, ""), 0);
	assert_int_equal(set.count, 0);
	assert_null(drg_challenges_pick(&set));
}

static void first_duplicate_param_wins_and_copy(void **state)
{
	struct drg_challenge copy = { 0 };

	(void)state;
	assert_int_equal(drg_challenges_parse(&set,
		"Bearer realm=\"a\", realm=\"b\", scope=\"s1 s2\""), 0);
	assert_string_equal(set.items[0].realm, "a");
	assert_int_equal(drg_challenge_copy(&copy, &set.items[0]), 0);
	assert_string_equal(copy.realm, "a");
	assert_string_equal(copy.scope, "s1 s2");
	assert_null(copy.service);
	drg_challenge_release(&copy);
}

static void too_many_challenges_are_dropped(void **state)
{
	(void)state;
	for (int i = 0; i < DRG_CHALLENGE_MAX + 3; i++)
		assert_int_equal(drg_challenges_parse(&set, "Basic realm=\"x\""), 0);
	assert_int_equal(set.count, DRG_CHALLENGE_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(bearer_with_quoted_scope_and_spaces),
		T(names_are_case_insensitive),
		T(escapes_in_quoted_strings),
		T(several_challenges_in_one_header),
		T(several_headers_and_token68),
		T(missing_service_and_ecr_extra_params),
		T(relative_realm_and_realm_with_query_kept_verbatim),
		T(unquoted_url_is_accepted),
		T(malformed_values),
		T(first_duplicate_param_wins_and_copy),
		T(too_many_challenges_are_dropped),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
