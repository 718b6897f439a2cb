/*
 * test_host_table - the ABI 1.1 read API as a plugin sees it through the
 * host table (cache_ids, cache_get, cache_scope, previous_records), over
 * the SQLite and the memory store: the same answers on both, in the order
 * the header promises, a callback's non-zero return stopping the visit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "plugins/host_table.h"
#include "store/store.h"
#include "testdir.h"

#define AGENT "hub/DockerRegistryImageCachingAgent[1/1]"

struct fixture {
	struct testdir dir;
	struct cdh_store *store;
	const struct cdh_host_api *api;
	char seen[2048];
	int stop_after; /* 0: never */
	int calls;
	char err[512];
};

static int open_store(void **state, int memory)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	*state = &f;
	f.api = cdh_host_table_get();
	if (testdir_init(&f.dir) != 0)
		return -1;
	f.store = memory ? cdh_store_open_memory(f.err, sizeof(f.err))
			 : cdh_store_open_sqlite(testdir_file(&f.dir, "c.db"),
						 f.err, sizeof(f.err));
	return f.store ? 0 : -1;
}

static int setup_sqlite(void **state)
{
	return open_store(state, 0);
}

static int setup_memory(void **state)
{
	return open_store(state, 1);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	cdh_store_close(f->store);
	testdir_release(&f->dir);
	return 0;
}

static const struct cdh_cache *cache(struct fixture *f)
{
	return (const struct cdh_cache *)(void *)f->store;
}

/* Stores: nginx 1, 2 (taggedImage + imageId) and redis 1, one cycle. */
static void store_some(struct fixture *f)
{
	static const char *const rows[][3] = {
		{ "nginx", "taggedImage", "hub:nginx:2" },
		{ "nginx", "taggedImage", "hub:nginx:1" },
		{ "nginx", "imageId", "r/nginx:1" },
		{ "redis", "taggedImage", "hub:redis:1" },
	};
	struct cdh_refresh refresh;
	size_t i;

	assert_int_equal(cdh_refresh_init(&refresh, AGENT, 0, NULL), 0);
	for (i = 0; i < 4; i++) {
		char attrs[64];
		struct cdh_record rec = { sizeof(rec), 0, rows[i][0], rows[i][1],
					  rows[i][2], attrs };

		snprintf(attrs, sizeof(attrs), "{\"n\":%zu}", i);
		assert_int_equal(cdh_refresh_emit(&refresh, &rec), CDH_OK);
	}
	assert_int_equal(cdh_refresh_finish(&refresh), 0);
	assert_int_equal(cdh_store_apply(f->store, &refresh, f->err,
					 sizeof(f->err)),
			 0);
	cdh_refresh_release(&refresh);
}

static int32_t note_row(void *data, const char *id, const char *attributes)
{
	struct fixture *f = data;
	size_t len = strlen(f->seen);

	snprintf(f->seen + len, sizeof(f->seen) - len, "%s%s=%s",
		 len ? " " : "", id, attributes);
	return ++f->calls == f->stop_after;
}

static int32_t note_record(void *data, const char *type, const char *id,
			   const char *attributes)
{
	struct fixture *f = data;
	size_t len = strlen(f->seen);

	snprintf(f->seen + len, sizeof(f->seen) - len, "%s%s/%s=%s",
		 len ? " " : "", type, id, attributes);
	return ++f->calls == f->stop_after;
}

static void reset(struct fixture *f, int stop_after)
{
	f->seen[0] = '\0';
	f->calls = 0;
	f->stop_after = stop_after;
}

static void ids_of_a_type_matching_a_glob_come_in_id_order(void **state)
{
	struct fixture *f = *state;

	store_some(f);
	reset(f, 0);
	assert_int_equal(f->api->cache_ids(cache(f), "taggedImage", "hub:*",
					   note_row, f),
			 CDH_OK);
	assert_string_equal(f->seen, "hub:nginx:1={\"n\":1} hub:nginx:2={\"n\":0} "
				     "hub:redis:1={\"n\":3}");
	reset(f, 0);
	assert_int_equal(f->api->cache_ids(cache(f), "taggedImage",
					   "*:nginx:[2-9]", note_row, f),
			 CDH_OK);
	assert_string_equal(f->seen, "hub:nginx:2={\"n\":0}");
	reset(f, 1);
	assert_int_equal(f->api->cache_ids(cache(f), "taggedImage", "*",
					   note_row, f),
			 CDH_OK);
	assert_string_equal(f->seen, "hub:nginx:1={\"n\":1}");
}

static void records_by_ids_come_in_the_order_asked_missing_skipped(void **state)
{
	struct fixture *f = *state;
	const char *ids[] = { "hub:redis:1", "hub:none:1", "hub:nginx:1" };

	store_some(f);
	reset(f, 0);
	assert_int_equal(f->api->cache_get(cache(f), "taggedImage", ids, 3,
					   note_row, f),
			 CDH_OK);
	assert_string_equal(f->seen, "hub:redis:1={\"n\":3} hub:nginx:1={\"n\":1}");
	reset(f, 1);
	assert_int_equal(f->api->cache_get(cache(f), "taggedImage", ids, 3,
					   note_row, f),
			 CDH_OK);
	assert_string_equal(f->seen, "hub:redis:1={\"n\":3}");
}

static void the_records_of_one_agent_and_scope(void **state)
{
	struct fixture *f = *state;

	store_some(f);
	reset(f, 0);
	assert_int_equal(f->api->cache_scope(cache(f), AGENT, "nginx",
					     note_record, f),
			 CDH_OK);
	assert_string_equal(f->seen, "taggedImage/hub:nginx:1={\"n\":1} "
				     "taggedImage/hub:nginx:2={\"n\":0} "
				     "imageId/r/nginx:1={\"n\":2}");
	reset(f, 0);
	assert_int_equal(f->api->cache_scope(cache(f), "other", "nginx",
					     note_record, f),
			 CDH_OK);
	assert_string_equal(f->seen, "");
}

static void previous_records_are_the_refreshing_agents(void **state)
{
	struct fixture *f = *state;
	struct cdh_refresh refresh;

	store_some(f);
	assert_int_equal(cdh_refresh_init(&refresh, AGENT, 0, NULL), 0);
	reset(f, 0);
	/* A refresh not bound to a store (a dry run) has nothing stored. */
	assert_int_equal(f->api->previous_records(&refresh, "redis",
						  note_record, f),
			 CDH_OK);
	assert_string_equal(f->seen, "");
	refresh.store = f->store;
	assert_int_equal(f->api->previous_records(&refresh, "redis",
						  note_record, f),
			 CDH_OK);
	assert_string_equal(f->seen, "taggedImage/hub:redis:1={\"n\":3}");
	cdh_refresh_release(&refresh);
}

static void the_table_offers_the_read_api(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(f->api->abi_minor, 1);
	assert_true(CDH_HOST_HAS(f->api, cache_ids));
	assert_true(CDH_HOST_HAS(f->api, cache_get));
	assert_true(CDH_HOST_HAS(f->api, cache_scope));
	assert_true(CDH_HOST_HAS(f->api, previous_records));
}

#define S(fn) cmocka_unit_test_setup_teardown(fn, setup_sqlite, teardown)
#define M(fn) cmocka_unit_test_setup_teardown(fn, setup_memory, teardown)

int main(void)
{
	const struct CMUnitTest sqlite[] = {
		S(the_table_offers_the_read_api),
		S(ids_of_a_type_matching_a_glob_come_in_id_order),
		S(records_by_ids_come_in_the_order_asked_missing_skipped),
		S(the_records_of_one_agent_and_scope),
		S(previous_records_are_the_refreshing_agents),
	};
	const struct CMUnitTest memory[] = {
		M(ids_of_a_type_matching_a_glob_come_in_id_order),
		M(records_by_ids_come_in_the_order_asked_missing_skipped),
		M(the_records_of_one_agent_and_scope),
		M(previous_records_are_the_refreshing_agents),
	};
	int failed = cmocka_run_group_tests_name("sqlite", sqlite, NULL, NULL);

	return failed + cmocka_run_group_tests_name("memory", memory, NULL, NULL);
}
