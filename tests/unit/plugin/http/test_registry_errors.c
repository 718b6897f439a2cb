/* registry_errors: error bodies and classes (§5, pitfalls #34, #35). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cdh_plugin.h"
#include "http/registry_errors.h"

#define S(x) x, strlen(x)

static void json_content_types(void **state)
{
	(void)state;
	assert_true(drg_content_type_is_json("application/json"));
	assert_true(drg_content_type_is_json("application/json; charset=utf-8"));
	assert_true(drg_content_type_is_json("Application/JSON;charset=ISO-8859-1"));
	assert_true(drg_content_type_is_json("application/vnd.oci.image.index.v1+json"));
	assert_false(drg_content_type_is_json("text/plain; charset=utf-8"));
	assert_false(drg_content_type_is_json("text/html"));
	assert_false(drg_content_type_is_json("application/xml"));
	assert_false(drg_content_type_is_json(NULL));
	assert_false(drg_content_type_is_json(""));
}

static void parses_first_error_with_any_detail(void **state)
{
	struct drg_registry_error e;
	const char *details[] = { "null", "\"text\"", "{\"name\":\"nope\"}",
				  "[{\"Type\":\"repository\"}]" };
	char body[256];

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		int n = snprintf(body, sizeof(body),
				 "{\"errors\":[{\"code\":\"NAME_UNKNOWN\",\"message\":"
				 "\"repository name not known to registry\",\"detail\":%s},"
				 "{\"code\":\"SECOND\"}]}", details[i]);
		assert_int_equal(drg_registry_error_parse("application/json", body,
							  (size_t)n, &e), 1);
		assert_string_equal(e.code, "NAME_UNKNOWN");
		assert_string_equal(e.message, "repository name not known to registry");
	}
}

static void non_json_bodies_are_not_parsed(void **state)
{
	struct drg_registry_error e;

	(void)state;
	assert_int_equal(drg_registry_error_parse("text/plain; charset=utf-8",
						  S("404 page not found"), &e), 0);
	assert_string_equal(e.code, "");
	/* JSON text under a non-JSON type is still not trusted. */
	assert_int_equal(drg_registry_error_parse("text/plain",
		S("{\"errors\":[{\"code\":\"X\"}]}"), &e), 0);
	assert_int_equal(drg_registry_error_parse("application/json", S("Too Many Requests (HAP429)."), &e), 0);
	assert_int_equal(drg_registry_error_parse("application/json", S(""), &e), 0);
	assert_int_equal(drg_registry_error_parse("application/json", S("{\"errors\":null}"), &e), 0);
	assert_int_equal(drg_registry_error_parse("application/json", S("{\"errors\":[null]}"), &e), 0);
	assert_int_equal(drg_registry_error_parse("application/json",
		S("{\"errors\":[{\"code\":5,\"message\":[1]}]}"), &e), 0);
	assert_int_equal(drg_registry_error_parse("application/json",
		S("{\"errors\":[{\"code\":\"DENIED\",\"message\":null}]}"), &e), 1);
	assert_string_equal(e.code, "DENIED");
	assert_string_equal(e.message, "");
}

static void classes_by_status_and_code(void **state)
{
	(void)state;
	assert_int_equal(drg_error_classify(401, "UNAUTHORIZED"), DRG_ERR_AUTH);
	assert_int_equal(drg_error_classify(403, "DENIED"), DRG_ERR_AUTH);
	assert_int_equal(drg_error_classify(404, "NAME_UNKNOWN"), DRG_ERR_NOT_FOUND);
	assert_int_equal(drg_error_classify(404, NULL), DRG_ERR_NOT_FOUND);
	assert_int_equal(drg_error_classify(429, NULL), DRG_ERR_RATE_LIMITED);
	assert_int_equal(drg_error_classify(503, "TOOMANYREQUESTS"), DRG_ERR_RATE_LIMITED);
	assert_int_equal(drg_error_classify(503, NULL), DRG_ERR_TRANSIENT);
	assert_int_equal(drg_error_classify(0, NULL), DRG_ERR_TRANSIENT);
	assert_int_equal(drg_error_classify(400, "PAGINATION_NUMBER_INVALID"), DRG_ERR_FATAL);
	assert_int_equal(drg_error_classify(405, "UNSUPPORTED"), DRG_ERR_FATAL);
	assert_true(drg_error_status_retryable(502));
	assert_false(drg_error_status_retryable(404));
	assert_int_equal(drg_error_class_cdh(DRG_ERR_NONE), CDH_OK);
	assert_int_equal(drg_error_class_cdh(DRG_ERR_AUTH), CDH_E_TRANSIENT);
	assert_int_equal(drg_error_class_cdh(DRG_ERR_RATE_LIMITED), CDH_E_TRANSIENT);
	assert_int_equal(drg_error_class_cdh(DRG_ERR_TRANSIENT), CDH_E_TRANSIENT);
	assert_int_equal(drg_error_class_cdh(DRG_ERR_NOT_FOUND), CDH_E_FATAL);
	assert_int_equal(drg_error_class_cdh(DRG_ERR_FATAL), CDH_E_FATAL);
	assert_int_equal(drg_error_class_cdh(DRG_ERR_CREDENTIALS),
			 CDH_E_CREDENTIALS);
	assert_string_equal(drg_error_class_name(DRG_ERR_RATE_LIMITED), "rate limited");
	assert_string_equal(drg_error_class_name(99), "unknown");
}

/* CDH_E_CREDENTIALS is ABI 1.1's: a 1.0 host gets CDH_E_TRANSIENT (#20). */
static void rejected_credentials_reach_a_1_0_host_as_transient(void **state)
{
	struct cdh_host_api api = { .struct_size = sizeof(api) };

	(void)state;
	api.abi_minor = 0;
	assert_int_equal(drg_error_for_host(&api, CDH_E_CREDENTIALS),
			 CDH_E_TRANSIENT);
	assert_int_equal(drg_error_for_host(NULL, CDH_E_CREDENTIALS),
			 CDH_E_TRANSIENT);
	assert_int_equal(drg_error_for_host(&api, CDH_E_FATAL), CDH_E_FATAL);
	api.abi_minor = 1;
	assert_int_equal(drg_error_for_host(&api, CDH_E_CREDENTIALS),
			 CDH_E_CREDENTIALS);
	assert_int_equal(drg_error_for_host(&api, CDH_OK), CDH_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(json_content_types),
		cmocka_unit_test(parses_first_error_with_any_detail),
		cmocka_unit_test(non_json_bodies_are_not_parsed),
		cmocka_unit_test(classes_by_status_and_code),
		cmocka_unit_test(rejected_credentials_reach_a_1_0_host_as_transient),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
