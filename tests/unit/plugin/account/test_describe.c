/*
 * test_describe - Clouddriver's /credentials shapes, byte for byte, and no
 * secret (nor passwordCommand, passwordFile, username, repositories).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "account_fixture.h"
#include "account/describe.h"

static struct drg_account *parse_ok(const char *body)
{
	struct drg_account *acct = NULL;

	if (fixture_parse(body, &acct) != CDH_OK)
		fixture_print_diags();
	assert_non_null(acct);
	return acct;
}

static void expect_json(const char *body, int32_t detail, const char *want)
{
	struct drg_account *acct = parse_ok(body);
	char *json = drg_describe_account(acct, detail);

	assert_non_null(json);
	assert_string_equal(json, want);
	free(json);
	drg_account_free(acct);
}

static void summary_of_a_minimal_account(void **state)
{
	(void)state;
	expect_json("name = \"my-docker-registry\"; address = \"index.docker.io\";"
		    "repositories = [\"library/nginx\"];",
		    CDH_DESCRIBE_SUMMARY,
		    "{\"name\":\"my-docker-registry\","
		    "\"environment\":\"my-docker-registry\","
		    "\"accountType\":\"my-docker-registry\","
		    "\"cloudProvider\":\"dockerRegistry\","
		    "\"requiredGroupMembership\":[],\"permissions\":{},"
		    "\"type\":\"dockerRegistry\","
		    "\"challengeDestructiveActions\":false,"
		    "\"primaryAccount\":false}");
}

static void summary_with_permissions_and_groups(void **state)
{
	(void)state;
	expect_json("name = \"a\"; address = \"r.io\"; environment = \"prod\";"
		    "accountType = \"docker\"; requiredGroupMembership = [\"ops\"];"
		    "permissions = { write = [\"Deployers\"]; READ = [\"all\", \"ops\"]; };",
		    CDH_DESCRIBE_SUMMARY,
		    "{\"name\":\"a\",\"environment\":\"prod\","
		    "\"accountType\":\"docker\","
		    "\"cloudProvider\":\"dockerRegistry\","
		    "\"requiredGroupMembership\":[\"ops\"],"
		    "\"permissions\":{\"READ\":[\"all\",\"ops\"],"
		    "\"WRITE\":[\"deployers\"]},"
		    "\"type\":\"dockerRegistry\","
		    "\"challengeDestructiveActions\":false,"
		    "\"primaryAccount\":false}");
}

static void expanded_with_defaults(void **state)
{
	(void)state;
	expect_json("name = \"local\"; address = \"http://127.0.0.1:5000/\";",
		    CDH_DESCRIBE_EXPANDED,
		    "{\"name\":\"local\",\"environment\":\"local\","
		    "\"accountType\":\"local\",\"cloudProvider\":\"dockerRegistry\","
		    "\"requiredGroupMembership\":[],\"permissions\":{},"
		    "\"type\":\"dockerRegistry\","
		    "\"challengeDestructiveActions\":false,\"primaryAccount\":false,"
		    "\"address\":\"http://127.0.0.1:5000\","
		    "\"registry\":\"127.0.0.1:5000\","
		    "\"v2Endpoint\":\"http://127.0.0.1:5000/v2\","
		    "\"trackDigests\":false,\"inspectDigests\":false,"
		    "\"sortTagsByDate\":false,\"insecureRegistry\":false,"
		    "\"cacheThreads\":1,\"cacheIntervalSeconds\":30,"
		    "\"clientTimeoutMillis\":60000,\"paginateSize\":100,"
		    "\"skip\":[],\"enabled\":true,\"maxConcurrentRequests\":16,"
		    "\"requestsPerSecond\":0}");
}

static void expanded_shows_every_setting(void **state)
{
	(void)state;
	expect_json("name = \"full\"; address = \"https://r.example/base/v2\";"
		    "email = \"me@x.io\"; trackDigests = true; inspectDigests = true;"
		    "sortTagsByDate = true; insecureRegistry = true; cacheThreads = 3;"
		    "cacheIntervalSeconds = 60; clientTimeoutMillis = 5000;"
		    "paginateSize = 25; skip = [\"a/old\"];"
		    "repositoriesRegex = \"a/.*\"; maxConcurrentRequests = 4;"
		    "requestsPerSecond = 10; caCertFile = \"/etc/ca.pem\";",
		    CDH_DESCRIBE_EXPANDED,
		    "{\"name\":\"full\",\"environment\":\"full\","
		    "\"accountType\":\"full\",\"cloudProvider\":\"dockerRegistry\","
		    "\"requiredGroupMembership\":[],\"permissions\":{},"
		    "\"type\":\"dockerRegistry\","
		    "\"challengeDestructiveActions\":false,\"primaryAccount\":false,"
		    "\"address\":\"https://r.example/base\","
		    "\"registry\":\"r.example/base\","
		    "\"v2Endpoint\":\"https://r.example/base/v2\","
		    "\"email\":\"me@x.io\","
		    "\"trackDigests\":true,\"inspectDigests\":true,"
		    "\"sortTagsByDate\":true,\"insecureRegistry\":true,"
		    "\"cacheThreads\":3,\"cacheIntervalSeconds\":60,"
		    "\"clientTimeoutMillis\":5000,\"paginateSize\":25,"
		    "\"skip\":[\"a/old\"],\"repositoriesRegex\":\"a/.*\","
		    "\"enabled\":true,\"maxConcurrentRequests\":4,"
		    "\"requestsPerSecond\":10,\"caCertFile\":\"/etc/ca.pem\"}");
}

/* Igor reads an account's itemUpperThreshold from /credentials/<name>. */
static void expanded_shows_item_upper_threshold_when_set(void **state)
{
	struct drg_account *acct;
	char *json;

	(void)state;
	acct = parse_ok("name = \"a\"; address = \"r.io\"; itemUpperThreshold = 7;");
	json = drg_describe_account(acct, CDH_DESCRIBE_EXPANDED);
	assert_non_null(strstr(json, ",\"itemUpperThreshold\":7}"));
	free(json);
	drg_account_free(acct);
}

static void no_secret_nor_secret_source_is_shown(void **state)
{
	static const char *const bodies[] = {
		"username = \"bob\"; password = \"hunter2-pw\";",
		"username = \"bob\"; passwordFile = \"/run/secrets/hunter2-file\";",
		"username = \"bob\"; passwordCommand = \"echo hunter2-cmd\";",
		"dockerconfigFile = \"/run/hunter2/config.json\";",
	};
	static const char *const hidden_keys[] = {
		"password", "passwordFile", "passwordCommand", "username",
		"dockerconfigFile", "repositories", "catalogFile", NULL,
	};
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		char body[512];
		struct drg_account *acct;
		char *json;
		json_object *obj;

		snprintf(body, sizeof(body),
			 "name = \"a\"; address = \"r.io\"; repositories = [\"x/y\"]; %s",
			 bodies[i]);
		acct = parse_ok(body);
		json = drg_describe_account(acct, CDH_DESCRIBE_EXPANDED);
		assert_non_null(json);
		if (strstr(json, "hunter2"))
			fprintf(stderr, "leak: %s\n", json);
		assert_null(strstr(json, "hunter2"));
		assert_null(strstr(json, "bob"));
		obj = json_tokener_parse(json);
		assert_non_null(obj);
		for (k = 0; hidden_keys[k]; k++)
			assert_false(json_object_object_get_ex(obj, hidden_keys[k], NULL));
		json_object_put(obj);
		free(json);
		drg_account_free(acct);
	}
}

static void unknown_detail_is_refused(void **state)
{
	struct drg_account *acct = parse_ok("name = \"a\"; address = \"r.io\";");

	(void)state;
	assert_null(drg_describe_account(acct, 7));
	drg_account_free(acct);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(summary_of_a_minimal_account),
		cmocka_unit_test(summary_with_permissions_and_groups),
		cmocka_unit_test(expanded_with_defaults),
		cmocka_unit_test(expanded_shows_every_setting),
		cmocka_unit_test(expanded_shows_item_upper_threshold_when_set),
		cmocka_unit_test(no_secret_nor_secret_source_is_shown),
		cmocka_unit_test(unknown_detail_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
