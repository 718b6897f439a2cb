/*
 * test_find - GET /dockerRegistry/images/find, the plugin's query op run by
 * the host's query runner over a real store: Clouddriver's
 * image objects (reference §5.2) with their key order, digest only when known,
 * label-derived details and labels on request; the account, repository, tag
 * and q filters, count after filtering, and only accounts configured now.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query/images.h"
#include "queryrun.h"
#include "testdir.h"
#include "testdirectory.h"

#define AGENT "hub/DockerRegistryImageCachingAgent[1/1]"
#define HUB "index.docker.io"
#define QUAY "quay.io"

/* One image as find returns it without details and without a digest. */
#define IMAGE(account, registry, repo, tag)                                    \
	"{\"repository\":\"" repo "\",\"tag\":\"" tag                          \
	"\",\"account\":\"" account "\",\"registry\":\"" registry              \
	"\",\"artifact\":{\"name\":\"" repo                                    \
	"\",\"type\":\"docker\",\"version\":\"" tag                            \
	"\",\"reference\":\"" registry "/" repo ":" tag                        \
	"\",\"metadata\":{\"registry\":\"" registry "\",\"labels\":{}}}}"

/* The images of some_images(), as find returns them. */
#define HUB_APP_1_0 IMAGE("hub", HUB, "app", "1.0")
#define HUB_APP_1_1 IMAGE("hub", HUB, "app", "1.1")
#define HUB_NGINX_1_25 IMAGE("hub", HUB, "library/nginx", "1.25")
#define HUB_NGINX_LATEST IMAGE("hub", HUB, "library/nginx", "latest")
#define QUAY_API_2 IMAGE("quay", QUAY, "team/api", "2")

struct fixture {
	struct testdir dir;
	struct cdh_store *store;
	struct cdh_refresh refresh;
	struct cdh_directory *accounts;
	char *json;
	char err[512];
};

static int setup_store(void **state, int memory)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	*state = &f;
	if (testdir_init(&f.dir) != 0)
		return -1;
	f.store = memory
		      ? cdh_store_open_memory(f.err, sizeof(f.err))
		      : cdh_store_open_sqlite(testdir_file(&f.dir, "cache.db"),
					      f.err, sizeof(f.err));
	f.accounts = testdirectory_new();
	if (!f.store || !f.accounts ||
	    testdirectory_add(f.accounts, "hub", HUB, NULL,
			      "{\"registry\":\"" HUB "\"}") != 0 ||
	    testdirectory_add(f.accounts, "quay", QUAY, NULL,
			      "{\"registry\":\"" QUAY "\"}") != 0)
		return -1;
	return cdh_refresh_init(&f.refresh, AGENT, 0, NULL);
}

static int setup(void **state)
{
	return setup_store(state, 0);
}

/* The memory backend: q reads the store while scanning it. */
static int setup_memory(void **state)
{
	return setup_store(state, 1);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->json);
	cdh_directory_release(f->accounts);
	cdh_refresh_release(&f->refresh);
	cdh_store_close(f->store);
	testdir_release(&f->dir);
	return 0;
}

static void emit(struct fixture *f, const char *scope, const char *type,
		 const char *id, const char *attributes)
{
	struct cdh_record rec = {sizeof(rec), 0, scope, type, id, attributes};

	assert_int_equal(cdh_refresh_emit(&f->refresh, &rec), CDH_OK);
}

/*
 * One image as the plugin caches it: the taggedImage record (its attributes
 * plus `extra`, a JSON fragment such as ",\"digest\":\"sha256:1\"") and the
 * imageId record pointing at it.
 */
static void image(struct fixture *f, const char *account, const char *registry,
		  const char *repo, const char *tag, const char *extra)
{
	char tag_key[512], id_key[512], attributes[1024];

	snprintf(tag_key, sizeof(tag_key),
		 "dockerRegistry:taggedImage:%s:%s:%s", account, repo, tag);
	snprintf(id_key, sizeof(id_key), "dockerRegistry:imageId:%s/%s:%s",
		 registry, repo, tag);
	snprintf(attributes, sizeof(attributes),
		 "{\"name\":\"%s:%s\",\"account\":\"%s\"%s}", repo, tag,
		 account, extra ? extra : "");
	emit(f, repo, "taggedImage", tag_key, attributes);
	snprintf(attributes, sizeof(attributes),
		 "{\"tagKey\":\"%s\",\"account\":\"%s\"}", tag_key, account);
	emit(f, repo, "imageId", id_key, attributes);
}

static void store_them(struct fixture *f)
{
	assert_int_equal(cdh_refresh_finish(&f->refresh), 0);
	assert_int_equal(
	    cdh_store_apply(f->store, &f->refresh, f->err, sizeof(f->err)), 0);
}

/* GET /dockerRegistry/images/find with `params` as its query string. */
static const char *find(struct fixture *f, struct drg_find_params params)
{
	const char *args[16];
	char count[32];
	const char *count_arg = params.count ? count : NULL;
	const char *details_arg = params.include_details ? "true" : NULL;
	struct queryrun answer;
	size_t n = 0;

#define ARG(name, value)                                                       \
	do {                                                                   \
		if (value) {                                                   \
			args[n++] = name;                                      \
			args[n++] = value;                                     \
		}                                                              \
	} while (0)
	snprintf(count, sizeof(count), "%ld", params.count);
	ARG("q", params.q);
	ARG("account", params.account);
	ARG("repository", params.repository);
	ARG("tag", params.tag);
	ARG("count", count_arg);
	ARG("includeDetails", details_arg);
	args[n] = NULL;
	free(f->json);
	assert_int_equal(queryrun_get(f->store, f->accounts,
				      "/dockerRegistry/images/find", args,
				      &answer),
			 0);
	f->json = answer.body;
	if (answer.status != 200)
		fail_msg("find failed: %d %s", answer.status, answer.body);
	return f->json;
}

/* Three repositories of hub and one of quay, stored in scrambled order. */
static void some_images(struct fixture *f)
{
	image(f, "quay", QUAY, "team/api", "2", NULL);
	image(f, "hub", HUB, "library/nginx", "latest", NULL);
	image(f, "hub", HUB, "app", "1.1", NULL);
	image(f, "hub", HUB, "library/nginx", "1.25", NULL);
	image(f, "hub", HUB, "app", "1.0", NULL);
	store_them(f);
}

/* ---- the shape of one image ---- */

static void an_image_has_clouddrivers_keys_in_order(void **state)
{
	struct fixture *f = *state;

	image(f, "hub", HUB, "library/nginx", "1.25",
	      ",\"digest\":\"sha256:aa\",\"labels\":{\"commitId\":\"c1\"}");
	store_them(f);
	assert_string_equal(
	    find(f, (struct drg_find_params){0}),
	    "[{\"repository\":\"library/nginx\",\"tag\":\"1.25\","
	    "\"account\":\"hub\",\"registry\":\"index.docker.io\","
	    "\"digest\":\"sha256:aa\","
	    "\"artifact\":{\"name\":\"library/nginx\",\"type\":\"docker\","
	    "\"version\":\"1.25\","
	    "\"reference\":\"index.docker.io/library/nginx:1.25\","
	    "\"metadata\":{\"registry\":\"index.docker.io\",\"labels\":{}}}}]");
}

static void digest_is_there_only_when_the_record_has_one(void **state)
{
	struct fixture *f = *state;

	image(f, "hub", HUB, "app", "1", NULL);
	store_them(f);
	assert_string_equal(find(f, (struct drg_find_params){0}),
			    "[" IMAGE("hub", HUB, "app", "1") "]");
}

static void details_come_from_labels_after_the_digest(void **state)
{
	struct fixture *f = *state;

	image(f, "hub", HUB, "app", "7",
	      ",\"digest\":\"sha256:bb\",\"labels\":{\"branch\":\"main\","
	      "\"commitId\":\"c0ffee\",\"buildNumber\":\"42\",\"team\":\"x\"}");
	store_them(f);
	assert_string_equal(
	    find(f, (struct drg_find_params){.include_details = 1}),
	    "[{\"repository\":\"app\",\"tag\":\"7\",\"account\":\"hub\","
	    "\"registry\":\"index.docker.io\",\"digest\":\"sha256:bb\","
	    "\"commitId\":\"c0ffee\",\"buildNumber\":\"42\",\"branch\":"
	    "\"main\","
	    "\"artifact\":{\"name\":\"app\",\"type\":\"docker\",\"version\":"
	    "\"7\","
	    "\"reference\":\"index.docker.io/app:7\","
	    "\"metadata\":{\"registry\":\"index.docker.io\",\"labels\":{"
	    "\"branch\":\"main\",\"commitId\":\"c0ffee\",\"buildNumber\":"
	    "\"42\","
	    "\"team\":\"x\"}}}}]");
}

static void details_without_labels_omit_them(void **state)
{
	struct fixture *f = *state;

	image(f, "hub", HUB, "app", "7", NULL);
	store_them(f);
	assert_string_equal(
	    find(f, (struct drg_find_params){.include_details = 1}),
	    "[{\"repository\":\"app\",\"tag\":\"7\",\"account\":\"hub\","
	    "\"registry\":\"index.docker.io\","
	    "\"artifact\":{\"name\":\"app\",\"type\":\"docker\",\"version\":"
	    "\"7\","
	    "\"reference\":\"index.docker.io/app:7\","
	    "\"metadata\":{\"registry\":\"index.docker.io\"}}}]");
}

/* ---- which images, in which order ---- */

static void everything_comes_in_key_order(void **state)
{
	struct fixture *f = *state;

	some_images(f);
	assert_string_equal(find(f, (struct drg_find_params){0}),
			    "[" HUB_APP_1_0 "," HUB_APP_1_1 "," HUB_NGINX_1_25
			    "," HUB_NGINX_LATEST "," QUAY_API_2 "]");
}

static void account_keeps_that_accounts_images(void **state)
{
	struct fixture *f = *state;

	some_images(f);
	assert_string_equal(
	    find(f, (struct drg_find_params){.account = "quay"}),
	    "[" QUAY_API_2 "]");
}

static void repository_keeps_that_repositorys_images(void **state)
{
	struct fixture *f = *state;

	some_images(f);
	assert_string_equal(
	    find(f, (struct drg_find_params){.repository = "library/nginx"}),
	    "[" HUB_NGINX_1_25 "," HUB_NGINX_LATEST "]");
	assert_string_equal(
	    find(f, (struct drg_find_params){.repository = "app",
					     .account = "quay"}),
	    "[]");
}

static void tag_keeps_that_tag_with_or_without_repository(void **state)
{
	struct fixture *f = *state;

	some_images(f);
	assert_string_equal(
	    find(f,
		 (struct drg_find_params){.repository = "app", .tag = "1.1"}),
	    "[" HUB_APP_1_1 "]");
	assert_string_equal(find(f, (struct drg_find_params){.tag = "latest"}),
			    "[" HUB_NGINX_LATEST "]");
}

static void count_applies_after_filtering(void **state)
{
	struct fixture *f = *state;

	some_images(f);
	assert_string_equal(
	    find(f, (struct drg_find_params){.repository = "library/nginx",
					     .count = 1}),
	    "[" HUB_NGINX_1_25 "]");
	assert_string_equal(
	    find(f, (struct drg_find_params){.account = "quay", .count = 1}),
	    "[" QUAY_API_2 "]");
	assert_string_equal(find(f, (struct drg_find_params){.count = 2}),
			    "[" HUB_APP_1_0 "," HUB_APP_1_1 "]");
}

static void zero_or_negative_count_means_all(void **state)
{
	struct fixture *f = *state;
	const char *all;

	some_images(f);
	all = find(f, (struct drg_find_params){.account = "hub", .count = 0});
	assert_non_null(strstr(all, "\"tag\":\"latest\""));
	assert_non_null(strstr(
	    find(f, (struct drg_find_params){.account = "hub", .count = -1}),
	    "\"tag\":\"latest\""));
}

/* ---- q: a glob inside "<registry>/<repository>:<tag>" ---- */

static void q_is_a_substring_of_registry_repository_and_tag(void **state)
{
	struct fixture *f = *state;

	some_images(f);
	assert_string_equal(find(f, (struct drg_find_params){.q = "nginx:1"}),
			    "[" HUB_NGINX_1_25 "]");
	assert_string_equal(find(f, (struct drg_find_params){.q = "quay.io/"}),
			    "[" QUAY_API_2 "]");
	assert_string_equal(
	    find(f, (struct drg_find_params){.q = "docker.io/app"}),
	    "[" HUB_APP_1_0 "," HUB_APP_1_1 "]");
	assert_string_equal(find(f, (struct drg_find_params){.q = "nothing"}),
			    "[]");
}

static void q_interprets_glob_metacharacters(void **state)
{
	struct fixture *f = *state;

	some_images(f);
	assert_string_equal(
	    find(f, (struct drg_find_params){.q = "library/*:l"}),
	    "[" HUB_NGINX_LATEST "]");
	assert_string_equal(find(f, (struct drg_find_params){.q = "app:1.?"}),
			    "[" HUB_APP_1_0 "," HUB_APP_1_1 "]");
	assert_string_equal(
	    find(f, (struct drg_find_params){.q = "app:1.[1-9]"}),
	    "[" HUB_APP_1_1 "]");
}

static void q_combines_with_account_and_count(void **state)
{
	struct fixture *f = *state;

	some_images(f);
	assert_string_equal(
	    find(f, (struct drg_find_params){.q = "a", .account = "quay"}),
	    "[" QUAY_API_2 "]");
	assert_string_equal(
	    find(f, (struct drg_find_params){.q = "app", .count = 1}),
	    "[" HUB_APP_1_0 "]");
}

/* ---- accounts ---- */

static void an_unconfigured_accounts_images_are_not_answered(void **state)
{
	struct fixture *f = *state;

	image(f, "gone", "gone.example", "app", "1", NULL);
	image(f, "hub", HUB, "app", "1", NULL);
	store_them(f);
	assert_string_equal(find(f, (struct drg_find_params){0}),
			    "[" IMAGE("hub", HUB, "app", "1") "]");
	assert_string_equal(
	    find(f, (struct drg_find_params){.account = "gone"}), "[]");
	assert_string_equal(
	    find(f, (struct drg_find_params){.q = "gone.example"}), "[]");
}

static void an_unknown_account_is_an_empty_array(void **state)
{
	struct fixture *f = *state;

	some_images(f);
	assert_string_equal(
	    find(f, (struct drg_find_params){.account = "nobody"}), "[]");
	assert_string_equal(find(f, (struct drg_find_params){.account = "hu"}),
			    "[]");
}

static void an_account_is_answered_with_its_registry(void **state)
{
	struct fixture *f = *state;

	/* The same repository in two accounts: each with its own registry. */
	image(f, "hub", HUB, "app", "1", NULL);
	image(f, "quay", QUAY, "app", "1", NULL);
	store_them(f);
	assert_string_equal(
	    find(f, (struct drg_find_params){.repository = "app"}),
	    "[" IMAGE("hub", HUB, "app", "1") "," IMAGE("quay", QUAY, "app",
							"1") "]");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
#define T_MEMORY(fn) cmocka_unit_test_setup_teardown(fn, setup_memory, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(an_image_has_clouddrivers_keys_in_order),
	    T(digest_is_there_only_when_the_record_has_one),
	    T(details_come_from_labels_after_the_digest),
	    T(details_without_labels_omit_them),
	    T(everything_comes_in_key_order),
	    T(account_keeps_that_accounts_images),
	    T(repository_keeps_that_repositorys_images),
	    T(tag_keeps_that_tag_with_or_without_repository),
	    T(count_applies_after_filtering),
	    T(zero_or_negative_count_means_all),
	    T(q_is_a_substring_of_registry_repository_and_tag),
	    T(q_interprets_glob_metacharacters),
	    T(q_combines_with_account_and_count),
	    T(an_unconfigured_accounts_images_are_not_answered),
	    T(an_unknown_account_is_an_empty_array),
	    T(an_account_is_answered_with_its_registry),
	    T_MEMORY(everything_comes_in_key_order),
	    T_MEMORY(q_interprets_glob_metacharacters),
	    T_MEMORY(q_combines_with_account_and_count),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
