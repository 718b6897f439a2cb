/*
 * test_agent - the caching agent's identity: Clouddriver's agent type string,
 * and a clean failure for an index out of range or a buffer too small.
 * (Which agent owns a repository: test_partition.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>

#include "agent/agent.h"

/* ---- drg_agent_name ---- */

static void agent_name_is_clouddrivers_agent_type(void **state)
{
	char name_buf[] = "my-docker-registry";
	struct drg_account account = {0};
	char buf[128];

	(void)state;
	account.name = name_buf;
	account.cache_threads = 3;
	assert_int_equal(drg_agent_name(&account, 0, buf, sizeof(buf)), CDH_OK);
	assert_string_equal(
	    buf, "my-docker-registry/DockerRegistryImageCachingAgent[1/3]");
	assert_int_equal(drg_agent_name(&account, 2, buf, sizeof(buf)), CDH_OK);
	assert_string_equal(
	    buf, "my-docker-registry/DockerRegistryImageCachingAgent[3/3]");
}

static void agent_index_out_of_range_is_fatal(void **state)
{
	char name_buf[] = "hub";
	struct drg_account account = {0};
	char buf[128];

	(void)state;
	account.name = name_buf;
	account.cache_threads = 1;
	assert_int_equal(drg_agent_name(&account, 0, buf, sizeof(buf)), CDH_OK);
	assert_string_equal(buf, "hub/DockerRegistryImageCachingAgent[1/1]");
	assert_int_equal(drg_agent_name(&account, 1, buf, sizeof(buf)),
			 CDH_E_FATAL);
	assert_int_equal(drg_agent_name(&account, UINT32_MAX, buf, sizeof(buf)),
			 CDH_E_FATAL);
}

static void agent_name_that_does_not_fit_is_fatal(void **state)
{
	char name_buf[] = "hub";
	struct drg_account account = {0};
	char buf[16];

	(void)state;
	account.name = name_buf;
	account.cache_threads = 1;
	assert_int_equal(drg_agent_name(&account, 0, buf, sizeof(buf)),
			 CDH_E_FATAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(agent_name_is_clouddrivers_agent_type),
	    cmocka_unit_test(agent_index_out_of_range_is_fatal),
	    cmocka_unit_test(agent_name_that_does_not_fit_is_fatal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
