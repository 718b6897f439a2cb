/*
 * test_http_api - routing of Clouddriver's HTTP API without sockets: each
 * path reaches its handler with its query args, answers in Clouddriver's
 * shapes and content types, and a bad request or unknown path gets a status
 * and a Spring-style JSON error body.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/http_api.h"
#include "schedule/status.h"
#include "queryrun.h"
#include "testdir.h"
#include "testdirectory.h"

#define JSON "application/json"
#define HUB_SUMMARY "{\"name\":\"hub\",\"cloudProvider\":\"dockerRegistry\"}"
#define HUB_EXPANDED                                                           \
	"{\"name\":\"hub\",\"cloudProvider\":\"dockerRegistry\","              \
	"\"registry\":\"index.docker.io\",\"trackDigests\":true}"
#define QUAY_SUMMARY "{\"name\":\"quay\",\"cloudProvider\":\"dockerRegistry\"}"
#define QUAY_EXPANDED "{\"name\":\"quay\",\"registry\":\"quay.io\"}"

/* Query args: name/value pairs, ended by a NULL name. */
struct arg {
	const char *name, *value;
};

struct fixture {
	struct testdir dir;
	struct cdh_store *store;
	struct cdh_status *status;
	const char *type;
	char *body;
	char err[512];
};

static const char *lookup_arg(void *ctx, const char *name)
{
	const struct arg *a;

	for (a = ctx; a->name; a++)
		if (strcmp(a->name, name) == 0)
			return a->value;
	return NULL;
}

static int publish_accounts(void)
{
	struct cdh_directory *dir = testdirectory_new();

	if (!dir ||
	    testdirectory_add(dir, "hub", "index.docker.io", HUB_SUMMARY,
			      HUB_EXPANDED) != 0 ||
	    testdirectory_add(dir, "quay", "quay.io", QUAY_SUMMARY,
			      QUAY_EXPANDED) != 0 ||
	    testdirectory_add_provider(dir, "dockerRegistry", queryrun_op) != 0 ||
	    testdirectory_add_provider(dir, "plain", NULL) != 0) {
		cdh_directory_release(dir);
		return -1;
	}
	cdh_directory_publish(dir);
	return 0;
}

static int setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	*state = &f;
	f.status = cdh_status_new();
	if (!f.status || testdir_init(&f.dir) != 0 || publish_accounts() != 0)
		return -1;
	f.store = cdh_store_open_sqlite(testdir_file(&f.dir, "cache.db"), f.err,
					sizeof(f.err));
	return f.store ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->body);
	cdh_directory_publish(NULL);
	cdh_status_free(f->status);
	cdh_store_close(f->store);
	testdir_release(&f->dir);
	return 0;
}

/* GET path?args: returns the status; the body is kept in the fixture. */
static int get(struct fixture *f, const char *path, const struct arg *args)
{
	static const struct arg none[] = {{NULL, NULL}};
	int status;

	free(f->body);
	f->body = NULL;
	f->type = NULL;
	status = cdh_http_api_route(f->store, f->status, path, lookup_arg,
				    (void *)(args ? args : none), &f->type,
				    &f->body);
	assert_non_null(f->body);
	assert_non_null(f->type);
	return status;
}

/* One cached image of hub: the taggedImage and its imageId. */
static void cache_one_image(struct fixture *f)
{
	struct cdh_refresh refresh;
	struct cdh_record tagged = {sizeof(tagged),
				    0,
				    "app",
				    "taggedImage",
				    "dockerRegistry:taggedImage:hub:app:1.0",
				    "{\"name\":\"app:1.0\",\"account\":\"hub\","
				    "\"digest\":\"sha256:1\"}"};
	struct cdh_record id = {
	    sizeof(id),
	    0,
	    "app",
	    "imageId",
	    "dockerRegistry:imageId:index.docker.io/app:1.0",
	    "{\"tagKey\":\"dockerRegistry:taggedImage:hub:app:1.0\","
	    "\"account\":\"hub\"}"};

	assert_int_equal(cdh_refresh_init(&refresh, "hub/agent[1/1]", 0, NULL),
			 0);
	assert_int_equal(cdh_refresh_emit(&refresh, &tagged), CDH_OK);
	assert_int_equal(cdh_refresh_emit(&refresh, &id), CDH_OK);
	assert_int_equal(cdh_refresh_finish(&refresh), 0);
	assert_int_equal(
	    cdh_store_apply(f->store, &refresh, f->err, sizeof(f->err)), 0);
	cdh_refresh_release(&refresh);
}

/* ---- /health, /metrics ---- */

static void health_is_up(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(get(f, "/health", NULL), 200);
	assert_string_equal(f->type, JSON);
	if (strncmp(f->body, "{\"status\":\"UP\"", 14) != 0)
		fail_msg("/health: %s", f->body);
}

static void metrics_are_prometheus_text(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(get(f, "/metrics", NULL), 200);
	assert_string_equal(f->type, "text/plain; version=0.0.4");
	if (!strstr(f->body, "\ncdhost_reload_ok "))
		fail_msg("/metrics: %s", f->body);
}

/* ---- /credentials ---- */

static void credentials_lists_the_summaries(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(get(f, "/credentials", NULL), 200);
	assert_string_equal(f->type, JSON);
	assert_string_equal(f->body, "[" HUB_SUMMARY "," QUAY_SUMMARY "]");
}

static void credentials_expand_true_lists_the_expanded(void **state)
{
	struct fixture *f = *state;
	static const struct arg expand[] = {{"expand", "true"}, {NULL, NULL}};
	static const struct arg no[] = {{"expand", "false"}, {NULL, NULL}};

	assert_int_equal(get(f, "/credentials", expand), 200);
	assert_string_equal(f->body, "[" HUB_EXPANDED "," QUAY_EXPANDED "]");
	assert_int_equal(get(f, "/credentials", no), 200);
	assert_string_equal(f->body, "[" HUB_SUMMARY "," QUAY_SUMMARY "]");
}

static void credentials_name_is_the_expanded_account(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(get(f, "/credentials/hub", NULL), 200);
	assert_string_equal(f->type, JSON);
	assert_string_equal(f->body, HUB_EXPANDED);
}

static void an_unknown_name_is_404_with_clouddrivers_message(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(get(f, "/credentials/x", NULL), 404);
	assert_string_equal(f->type, JSON);
	assert_string_equal(
	    f->body, "{\"status\":404,\"error\":\"Not Found\","
		     "\"message\":\"Account does not exist (name: x)\"}");
}

static void a_republished_directory_is_what_is_served(void **state)
{
	struct fixture *f = *state;
	struct cdh_directory *dir = testdirectory_new();

	assert_non_null(dir);
	assert_int_equal(testdirectory_add(dir, "new", NULL,
					   "{\"name\":\"new\"}",
					   "{\"name\":\"new\",\"x\":1}"),
			 0);
	cdh_directory_publish(dir);
	assert_int_equal(get(f, "/credentials", NULL), 200);
	assert_string_equal(f->body, "[{\"name\":\"new\"}]");
	assert_int_equal(get(f, "/credentials/hub", NULL), 404);
}

/* ---- /dockerRegistry/images ---- */

static void tags_answers_from_the_store(void **state)
{
	struct fixture *f = *state;
	static const struct arg args[] = {
	    {"account", "hub"}, {"repository", "app"}, {NULL, NULL}};

	cache_one_image(f);
	assert_int_equal(get(f, "/dockerRegistry/images/tags", args), 200);
	assert_string_equal(f->type, JSON);
	assert_string_equal(f->body, "[\"1.0\"]");
}

static void tags_without_account_or_repository_is_400(void **state)
{
	struct fixture *f = *state;
	static const struct arg repo_only[] = {{"repository", "app"},
					       {NULL, NULL}};
	static const struct arg account_only[] = {{"account", "hub"},
						  {NULL, NULL}};

	assert_int_equal(get(f, "/dockerRegistry/images/tags", repo_only), 400);
	assert_string_equal(f->type, JSON);
	assert_string_equal(
	    f->body, "{\"status\":400,\"error\":\"Bad Request\","
		     "\"message\":\"account and repository are required\"}");
	assert_int_equal(get(f, "/dockerRegistry/images/tags", account_only),
			 400);
}

static void find_passes_its_args_to_the_query(void **state)
{
	struct fixture *f = *state;
	static const struct arg args[] = {
	    {"account", "hub"},	   {"includeDetails", "true"},
	    {"repository", "app"}, {"tag", "1.0"},
	    {"count", "1"},	   {NULL, NULL}};
	static const struct arg other[] = {{"account", "quay"}, {NULL, NULL}};

	cache_one_image(f);
	assert_int_equal(get(f, "/dockerRegistry/images/find", args), 200);
	assert_string_equal(f->type, JSON);
	assert_string_equal(
	    f->body,
	    "[{\"repository\":\"app\",\"tag\":\"1.0\",\"account\":\"hub\","
	    "\"registry\":\"index.docker.io\",\"digest\":\"sha256:1\","
	    "\"artifact\":{\"name\":\"app\",\"type\":\"docker\","
	    "\"version\":\"1.0\",\"reference\":\"index.docker.io/app:1.0\","
	    "\"metadata\":{\"registry\":\"index.docker.io\"}}}]");
	assert_int_equal(get(f, "/dockerRegistry/images/find", other), 200);
	assert_string_equal(f->body, "[]");
}

static void find_with_q_matches_inside_the_reference(void **state)
{
	struct fixture *f = *state;
	static const struct arg args[] = {{"q", "docker.io/ap"}, {NULL, NULL}};

	cache_one_image(f);
	assert_int_equal(get(f, "/dockerRegistry/images/find", args), 200);
	if (!strstr(f->body, "\"reference\":\"index.docker.io/app:1.0\""))
		fail_msg("find?q=docker.io/ap: %s", f->body);
}

static void find_with_a_count_that_is_no_number_is_400(void **state)
{
	struct fixture *f = *state;
	static const struct arg abc[] = {{"count", "abc"}, {NULL, NULL}};
	static const struct arg tail[] = {{"count", "5x"}, {NULL, NULL}};

	assert_int_equal(get(f, "/dockerRegistry/images/find", abc), 400);
	assert_string_equal(f->type, JSON);
	assert_string_equal(f->body,
			    "{\"status\":400,\"error\":\"Bad Request\","
			    "\"message\":\"count must be a number\"}");
	assert_int_equal(get(f, "/dockerRegistry/images/find", tail), 400);
}

static void find_with_an_empty_count_means_all(void **state)
{
	struct fixture *f = *state;
	static const struct arg empty[] = {{"count", ""}, {NULL, NULL}};

	cache_one_image(f);
	assert_int_equal(get(f, "/dockerRegistry/images/find", empty), 200);
	if (!strstr(f->body, "\"tag\":\"1.0\""))
		fail_msg("find?count=: %s", f->body);
}

/* ---- /cache/{provider}/{type}: any plugin's records ---- */

static void cache_lists_a_types_records_matching_the_pattern(void **state)
{
	struct fixture *f = *state;
	static const struct arg app[] = {{"pattern", "*:hub:app:*"},
					 {NULL, NULL}};
	static const struct arg none[] = {{"pattern", "*:nobody:*"},
					  {NULL, NULL}};

	cache_one_image(f);
	/* A provider without a query op is served here too. */
	assert_int_equal(get(f, "/cache/plain/taggedImage", NULL), 200);
	assert_string_equal(f->type, JSON);
	assert_string_equal(
	    f->body, "[{\"id\":\"dockerRegistry:taggedImage:hub:app:1.0\","
		     "\"attributes\":{\"name\":\"app:1.0\",\"account\":"
		     "\"hub\",\"digest\":\"sha256:1\"}}]");
	assert_int_equal(get(f, "/cache/dockerRegistry/taggedImage", app), 200);
	assert_string_equal(
	    f->body, "[{\"id\":\"dockerRegistry:taggedImage:hub:app:1.0\","
		     "\"attributes\":{\"name\":\"app:1.0\",\"account\":"
		     "\"hub\",\"digest\":\"sha256:1\"}}]");
	assert_int_equal(get(f, "/cache/plain/taggedImage", none), 200);
	assert_string_equal(f->body, "[]");
	assert_int_equal(get(f, "/cache/plain/nothing", NULL), 200);
	assert_string_equal(f->body, "[]");
}

static void cache_of_an_unknown_provider_is_404(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(get(f, "/cache/nobody/taggedImage", NULL), 404);
	assert_int_equal(get(f, "/cache/plain", NULL), 404);
	assert_int_equal(get(f, "/cache/plain/taggedImage/x", NULL), 404);
	/* A plugin without query serves no /<provider>/ routes. */
	assert_int_equal(get(f, "/plain/anything", NULL), 404);
}

/* ---- what is not there ---- */

static void an_unknown_path_is_404(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(get(f, "/nothing", NULL), 404);
	assert_string_equal(f->type, JSON);
	assert_string_equal(f->body, "{\"status\":404,\"error\":\"Not Found\","
				     "\"message\":\"no such endpoint\"}");
	assert_int_equal(get(f, "/dockerRegistry/images", NULL), 404);
	assert_int_equal(get(f, "/dockerRegistry/images/find/x", NULL), 404);
	assert_int_equal(get(f, "/healthz", NULL), 404);
}

static void credentials_below_a_name_is_404(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(get(f, "/credentials/a/b", NULL), 404);
	assert_string_equal(f->body, "{\"status\":404,\"error\":\"Not Found\","
				     "\"message\":\"no such endpoint\"}");
	assert_int_equal(get(f, "/credentials/hub/x", NULL), 404);
	assert_int_equal(get(f, "/credentials/", NULL), 404);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(health_is_up),
	    T(metrics_are_prometheus_text),
	    T(credentials_lists_the_summaries),
	    T(credentials_expand_true_lists_the_expanded),
	    T(credentials_name_is_the_expanded_account),
	    T(an_unknown_name_is_404_with_clouddrivers_message),
	    T(a_republished_directory_is_what_is_served),
	    T(tags_answers_from_the_store),
	    T(tags_without_account_or_repository_is_400),
	    T(find_passes_its_args_to_the_query),
	    T(find_with_q_matches_inside_the_reference),
	    T(find_with_a_count_that_is_no_number_is_400),
	    T(find_with_an_empty_count_means_all),
	    T(cache_lists_a_types_records_matching_the_pattern),
	    T(cache_of_an_unknown_provider_is_404),
	    T(an_unknown_path_is_404),
	    T(credentials_below_a_name_is_404),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
