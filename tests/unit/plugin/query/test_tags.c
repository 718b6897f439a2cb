/*
 * test_tags - GET /dockerRegistry/images/tags, the plugin's query op run by
 * the host's query runner over a real store: the tags
 * of one repository of one account, as Clouddriver's JSON array, newest first
 * when records carry dates (undated last), else by tag.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "queryrun.h"
#include "testdir.h"
#include "testdirectory.h"

#define AGENT "hub/DockerRegistryImageCachingAgent[1/1]"

struct fixture {
	struct testdir dir;
	struct cdh_store *store;
	struct cdh_refresh refresh;
	char *json;
	char err[512];
};

static int setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	*state = &f;
	if (testdir_init(&f.dir) != 0)
		return -1;
	f.store = cdh_store_open_sqlite(testdir_file(&f.dir, "cache.db"), f.err,
					sizeof(f.err));
	if (!f.store)
		return -1;
	return cdh_refresh_init(&f.refresh, AGENT, 0, NULL);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->json);
	cdh_refresh_release(&f->refresh);
	cdh_store_close(f->store);
	testdir_release(&f->dir);
	return 0;
}

/* One taggedImage record, keyed as Clouddriver's Keys.getTaggedImageKey. */
static void tagged_image(struct fixture *f, const char *account,
			 const char *repo, const char *tag, const char *date)
{
	char id[512], attributes[512];
	struct cdh_record rec = {sizeof(rec),	0,  repo,
				 "taggedImage", id, attributes};

	snprintf(id, sizeof(id), "dockerRegistry:taggedImage:%s:%s:%s", account,
		 repo, tag);
	if (date)
		snprintf(attributes, sizeof(attributes),
			 "{\"name\":\"%s:%s\",\"account\":\"%s\",\"date\":%s}",
			 repo, tag, account, date);
	else
		snprintf(attributes, sizeof(attributes),
			 "{\"name\":\"%s:%s\",\"account\":\"%s\"}", repo, tag,
			 account);
	assert_int_equal(cdh_refresh_emit(&f->refresh, &rec), CDH_OK);
}

/* A taggedImage record with a tag of any bytes (an older cache's, or a
 * Clouddriver node's on a shared Redis): no date. */
static void odd_tag(struct fixture *f, const char *tag)
{
	char id[512];
	struct cdh_record rec = {sizeof(rec), 0, "r", "taggedImage", id, "{}"};

	snprintf(id, sizeof(id), "dockerRegistry:taggedImage:hub:r:%s", tag);
	assert_int_equal(cdh_refresh_emit(&f->refresh, &rec), CDH_OK);
}

static void store_them(struct fixture *f)
{
	assert_int_equal(cdh_refresh_finish(&f->refresh), 0);
	assert_int_equal(
	    cdh_store_apply(f->store, &f->refresh, f->err, sizeof(f->err)), 0);
}

static const char *tags(struct fixture *f, const char *account,
			const char *repo)
{
	const char *args[] = { "account", account, "repository", repo, NULL };
	struct cdh_directory *dir = testdirectory_new();
	struct queryrun answer;

	assert_non_null(dir);
	free(f->json);
	assert_int_equal(queryrun_get(f->store, dir,
				      "/dockerRegistry/images/tags", args,
				      &answer),
			 0);
	cdh_directory_release(dir);
	assert_int_equal(answer.status, 200);
	f->json = answer.body;
	return f->json;
}

static void undated_tags_come_in_tag_order(void **state)
{
	struct fixture *f = *state;

	tagged_image(f, "hub", "library/nginx", "latest", NULL);
	tagged_image(f, "hub", "library/nginx", "1.25", NULL);
	tagged_image(f, "hub", "library/nginx", "1.24", NULL);
	store_them(f);
	assert_string_equal(tags(f, "hub", "library/nginx"),
			    "[\"1.24\",\"1.25\",\"latest\"]");
}

static void dated_tags_come_newest_first_and_undated_last(void **state)
{
	struct fixture *f = *state;

	tagged_image(f, "hub", "app", "old",
		     "{\"epochSecond\":1600000000,\"nano\":0}");
	tagged_image(f, "hub", "app", "new",
		     "{\"epochSecond\":1700000000,\"nano\":0}");
	tagged_image(f, "hub", "app", "b-undated", NULL);
	tagged_image(f, "hub", "app", "a-undated", NULL);
	tagged_image(f, "hub", "app", "mid",
		     "{\"epochSecond\":1650000000,\"nano\":0}");
	store_them(f);
	assert_string_equal(
	    tags(f, "hub", "app"),
	    "[\"new\",\"mid\",\"old\",\"a-undated\",\"b-undated\"]");
}

static void nanos_break_a_tie_of_seconds_then_the_tag(void **state)
{
	struct fixture *f = *state;

	tagged_image(f, "hub", "app", "x",
		     "{\"epochSecond\":1700000000,\"nano\":5}");
	tagged_image(f, "hub", "app", "z",
		     "{\"epochSecond\":1700000000,\"nano\":9}");
	tagged_image(f, "hub", "app", "b",
		     "{\"epochSecond\":1700000000,\"nano\":5}");
	store_them(f);
	assert_string_equal(tags(f, "hub", "app"), "[\"z\",\"b\",\"x\"]");
}

static void an_unknown_account_is_an_empty_array(void **state)
{
	struct fixture *f = *state;

	tagged_image(f, "hub", "app", "1", NULL);
	store_them(f);
	assert_string_equal(tags(f, "nobody", "app"), "[]");
	assert_string_equal(tags(f, "hub", "nothing"), "[]");
}

static void a_repository_does_not_see_longer_named_ones(void **state)
{
	struct fixture *f = *state;

	tagged_image(f, "hub", "library/nginx", "1", NULL);
	tagged_image(f, "hub", "library/nginx-exporter", "2", NULL);
	tagged_image(f, "hub", "library/nginx/sub", "3", NULL);
	tagged_image(f, "hub2", "library/nginx", "4", NULL);
	store_them(f);
	assert_string_equal(tags(f, "hub", "library/nginx"), "[\"1\"]");
	assert_string_equal(tags(f, "hub", "library/nginx-exporter"),
			    "[\"2\"]");
	assert_string_equal(tags(f, "hub", "library"), "[]");
	assert_string_equal(tags(f, "hub2", "library/nginx"), "[\"4\"]");
}

static void an_account_does_not_see_longer_named_ones(void **state)
{
	struct fixture *f = *state;

	tagged_image(f, "hub", "app", "1", NULL);
	tagged_image(f, "hubby", "app", "2", NULL);
	store_them(f);
	assert_string_equal(tags(f, "hub", "app"), "[\"1\"]");
}

/* Written as text when json-c would write it as is, through json-c when
 * it escapes something: the same bytes either way. */
static void tags_json_c_would_escape_are_escaped_as_json_c_does(void **state)
{
	struct fixture *f = *state;

	odd_tag(f, "a\"b");
	odd_tag(f, "c\\d");
	odd_tag(f, "e\001f");
	odd_tag(f, "g/h");
	odd_tag(f, "i");
	store_them(f);
	assert_string_equal(tags(f, "hub", "r"),
			    "[\"a\\\"b\",\"c\\\\d\",\"e\\u0001f\",\"g/h\",\"i\"]");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(undated_tags_come_in_tag_order),
	    T(dated_tags_come_newest_first_and_undated_last),
	    T(nanos_break_a_tie_of_seconds_then_the_tag),
	    T(an_unknown_account_is_an_empty_array),
	    T(a_repository_does_not_see_longer_named_ones),
	    T(an_account_does_not_see_longer_named_ones),
	    T(tags_json_c_would_escape_are_escaped_as_json_c_does),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
