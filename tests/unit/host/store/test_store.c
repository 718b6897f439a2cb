/*
 * test_store - the cache store's backends (SQLite, memory, and Redis on a
 * redis-server this test starts on loopback) and the apply semantics of
 * store.h, one suite run over each:
 * results are authoritative per (agent, scope): an OK scope gets exactly its
 * new records, a FAILED scope keeps what it had, a scope the agent stopped
 * mentioning loses its records, another agent's records are never touched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <hiredis/hiredis.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/redis_apply.h"
#include "store/store.h"
#include "redis_server.h"
#include "testdir.h"

#define AGENT_A "hub/DockerRegistryImageCachingAgent[1/2]"
#define AGENT_B "hub/DockerRegistryImageCachingAgent[2/2]"

struct fixture {
	struct testdir dir;
	char db_path[512];
	struct cdh_store *store;
	struct cdh_refresh refresh;
	char ids[4096];
	char err[512];
};

static int setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	if (testdir_init(&f.dir) != 0)
		return -1;
	snprintf(f.db_path, sizeof(f.db_path), "%s",
		 testdir_file(&f.dir, "cache.db"));
	f.store = cdh_store_open_sqlite(f.db_path, f.err, sizeof(f.err));
	*state = &f;
	return f.store ? 0 : -1;
}

/* The same semantics, held in memory only. */
static int setup_memory(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	if (testdir_init(&f.dir) != 0)
		return -1;
	f.store = cdh_store_open_memory(f.err, sizeof(f.err));
	*state = &f;
	return f.store ? 0 : -1;
}

/* ---- a redis-server of our own, on loopback ---- */

static struct redis_server server = { .pid = -1 };

static redisContext *redis_admin(void)
{
	return redis_server_connect(&server);
}

static int redis_start(void **state)
{
	(void)state;
	return redis_server_start(&server, NULL);
}

static int redis_stop(void **state)
{
	(void)state;
	redis_server_stop(&server, SIGTERM);
	return 0;
}

static void redis_command(const char *command)
{
	redisContext *c = redis_admin();
	redisReply *r = c ? redisCommand(c, command) : NULL;

	assert_non_null(r);
	freeReplyObject(r);
	redisFree(c);
}

/* The same semantics, in Redis (emptied before each test). */
static int setup_redis(void **state)
{
	static struct fixture f;
	char url[64];

	memset(&f, 0, sizeof(f));
	if (testdir_init(&f.dir) != 0)
		return -1;
	redis_command("FLUSHALL");
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d/0", server.port);
	f.store = cdh_store_open_redis(url, NULL, f.err, sizeof(f.err));
	*state = &f;
	return f.store ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	cdh_store_close(f->store);
	testdir_release(&f->dir);
	return 0;
}

/* ---- building and applying one cycle ---- */

static void cycle_begin(struct fixture *f, const char *agent)
{
	assert_int_equal(cdh_refresh_init(&f->refresh, agent, 0, NULL), 0);
	assert_int_equal(cdh_refresh_set_provider(&f->refresh, "dockerRegistry"), 0);
	/* Every cycle here keeps all but its last record or two on file (a
	 * big cycle's case): each backend reads both the file and memory. */
	f->refresh.records.memory_limit = 64;
}

static void emit_as(struct fixture *f, const char *type, const char *scope,
		    const char *id, const char *attributes)
{
	struct cdh_record rec = {sizeof(rec), 0, scope, type, id, attributes};

	assert_int_equal(cdh_refresh_emit(&f->refresh, &rec), CDH_OK);
}

static void emit(struct fixture *f, const char *scope, const char *id)
{
	emit_as(f, "taggedImage", scope, id, "{}");
}

static void scope_result(struct fixture *f, const char *scope, int32_t result)
{
	assert_int_equal(
	    cdh_refresh_scope_result(&f->refresh, scope, result, NULL), CDH_OK);
}

/* Closes the cycle as the runner does (finish, then apply). */
static void cycle_apply(struct fixture *f)
{
	assert_int_equal(cdh_refresh_finish(&f->refresh), 0);
	if (cdh_store_apply(f->store, &f->refresh, f->err, sizeof(f->err)) != 0)
		fail_msg("apply: %s", f->err);
	cdh_refresh_release(&f->refresh);
}

/* ---- reading back ---- */

static int append_id(const char *id, const char *attributes, void *data)
{
	struct fixture *f = data;
	size_t len = strlen(f->ids);

	(void)attributes;
	snprintf(f->ids + len, sizeof(f->ids) - len, "%s%s", len ? " " : "",
		 id);
	return 0;
}

/* The ids of `type` under `prefix`, space-separated, in scan order. */
static const char *ids(struct fixture *f, const char *type, const char *prefix)
{
	f->ids[0] = '\0';
	assert_int_equal(cdh_store_scan(f->store, type, prefix, append_id, f,
					f->err, sizeof(f->err)),
			 0);
	return f->ids;
}

static const char *tagged(struct fixture *f)
{
	return ids(f, "taggedImage", "");
}

static int copy_attributes(const char *id, const char *attributes, void *data)
{
	(void)id;
	snprintf(data, 256, "%s", attributes);
	return 0;
}

/* ---- apply ---- */

static void an_ok_scope_gets_exactly_its_new_records(void **state)
{
	struct fixture *f = *state;

	cycle_begin(f, AGENT_A);
	emit(f, "nginx", "hub:nginx:1");
	emit(f, "nginx", "hub:nginx:2");
	cycle_apply(f);
	assert_string_equal(tagged(f), "hub:nginx:1 hub:nginx:2");

	/* Tag 1 was deleted from the registry, tag 3 pushed. */
	cycle_begin(f, AGENT_A);
	emit(f, "nginx", "hub:nginx:2");
	emit(f, "nginx", "hub:nginx:3");
	scope_result(f, "nginx", CDH_SCOPE_OK);
	cycle_apply(f);
	assert_string_equal(tagged(f), "hub:nginx:2 hub:nginx:3");
}

/* A cycle whose records could not all be kept (no directory for the
 * file) is refused whole: the runner never applies it, nor does a store. */
static void a_cycle_whose_records_were_not_kept_is_not_applied(void **state)
{
	struct fixture *f = *state;
	const char *tmpdir = getenv("TMPDIR");
	char *saved = tmpdir ? strdup(tmpdir) : NULL;
	struct cdh_record rec = {sizeof(rec), 0, "nginx", "taggedImage",
				 "hub:nginx:2", "{}"};

	cycle_begin(f, AGENT_A);
	emit(f, "nginx", "hub:nginx:1");
	cycle_apply(f);
	cycle_begin(f, AGENT_A);
	setenv("TMPDIR", "/nonexistent/cdhost-test", 1);
	assert_int_equal(cdh_refresh_emit(&f->refresh, &rec), CDH_OK);
	rec.id = "hub:nginx:3";
	assert_int_equal(cdh_refresh_emit(&f->refresh, &rec), CDH_E_NOMEM);
	if (saved)
		setenv("TMPDIR", saved, 1);
	else
		unsetenv("TMPDIR");
	free(saved);
	assert_int_equal(cdh_refresh_finish(&f->refresh), 0);
	assert_int_equal(
	    cdh_store_apply(f->store, &f->refresh, f->err, sizeof(f->err)), -1);
	assert_non_null(strstr(f->err, "cannot keep the cycle's records"));
	cdh_refresh_release(&f->refresh);
	assert_string_equal(tagged(f), "hub:nginx:1");
}

static void an_ok_scope_with_no_records_is_emptied(void **state)
{
	struct fixture *f = *state;

	cycle_begin(f, AGENT_A);
	emit(f, "nginx", "hub:nginx:1");
	cycle_apply(f);
	cycle_begin(f, AGENT_A);
	scope_result(f, "nginx", CDH_SCOPE_OK);
	cycle_apply(f);
	assert_string_equal(tagged(f), "");
}

static void a_failed_scope_keeps_its_old_records(void **state)
{
	struct fixture *f = *state;

	cycle_begin(f, AGENT_A);
	emit(f, "nginx", "hub:nginx:1");
	emit(f, "redis", "hub:redis:7");
	cycle_apply(f);

	/* A 429 on nginx's second page: what it emitted is not the truth. */
	cycle_begin(f, AGENT_A);
	emit(f, "nginx", "hub:nginx:2");
	scope_result(f, "nginx", CDH_SCOPE_FAILED);
	emit(f, "redis", "hub:redis:8");
	scope_result(f, "redis", CDH_SCOPE_OK);
	cycle_apply(f);
	assert_string_equal(tagged(f), "hub:nginx:1 hub:redis:8");
}

static void a_scope_no_longer_mentioned_loses_its_records(void **state)
{
	struct fixture *f = *state;

	cycle_begin(f, AGENT_A);
	emit(f, "nginx", "hub:nginx:1");
	emit(f, "redis", "hub:redis:7");
	cycle_apply(f);

	/* redis left the account's repository list. */
	cycle_begin(f, AGENT_A);
	emit(f, "nginx", "hub:nginx:1");
	cycle_apply(f);
	assert_string_equal(tagged(f), "hub:nginx:1");
}

static void another_agents_records_are_untouched(void **state)
{
	struct fixture *f = *state;

	cycle_begin(f, AGENT_A);
	emit(f, "nginx", "hub:nginx:1");
	cycle_apply(f);
	cycle_begin(f, AGENT_B);
	emit(f, "redis", "hub:redis:7");
	cycle_apply(f);

	/* Agent A now owns nothing; B's redis stays. */
	cycle_begin(f, AGENT_A);
	cycle_apply(f);
	assert_string_equal(tagged(f), "hub:redis:7");
	cycle_begin(f, AGENT_A);
	emit(f, "nginx", "hub:nginx:2");
	scope_result(f, "nginx", CDH_SCOPE_OK);
	cycle_apply(f);
	assert_string_equal(tagged(f), "hub:nginx:2 hub:redis:7");
}

static void new_attributes_replace_old_ones(void **state)
{
	struct fixture *f = *state;
	char attributes[256] = "";

	cycle_begin(f, AGENT_A);
	emit_as(f, "taggedImage", "nginx", "hub:nginx:1",
		"{\"digest\":\"sha256:aa\"}");
	cycle_apply(f);
	cycle_begin(f, AGENT_A);
	emit_as(f, "taggedImage", "nginx", "hub:nginx:1",
		"{\"digest\":\"sha256:bb\"}");
	cycle_apply(f);
	assert_int_equal(cdh_store_get(f->store, "taggedImage", "hub:nginx:1",
				       copy_attributes, attributes, f->err,
				       sizeof(f->err)),
			 1);
	assert_string_equal(attributes, "{\"digest\":\"sha256:bb\"}");
}

static void a_partial_refresh_leaves_unmentioned_scopes(void **state)
{
	struct fixture *f = *state;

	cycle_begin(f, AGENT_A);
	emit(f, "nginx", "hub:nginx:1");
	emit(f, "redis", "hub:redis:7");
	cycle_apply(f);

	/* refresh_scope of nginx: redis is not part of it and stays. */
	cycle_begin(f, AGENT_A);
	f->refresh.partial = 1;
	emit(f, "nginx", "hub:nginx:2");
	scope_result(f, "nginx", CDH_SCOPE_OK);
	cycle_apply(f);
	assert_string_equal(tagged(f), "hub:nginx:2 hub:redis:7");

	/* A failed partial refresh changes nothing. */
	cycle_begin(f, AGENT_A);
	f->refresh.partial = 1;
	emit(f, "redis", "hub:redis:8");
	scope_result(f, "redis", CDH_SCOPE_FAILED);
	cycle_apply(f);
	assert_string_equal(tagged(f), "hub:nginx:2 hub:redis:7");
}

/* ---- newest observation per scope ---- */

/* Wall-clock instants: a base and seconds after it. */
#define AT(s) (1700000000000000000ull + (uint64_t)(s) * 1000000000ull)

static void observed(struct fixture *f, const char *scope, uint64_t ns)
{
	assert_int_equal(cdh_refresh_scope_observed(&f->refresh, scope, ns),
			 CDH_OK);
}

/*
 * A full cycle reads nginx at t=1 and is slow; a push reads nginx at t=2
 * and is stored first. The cycle's nginx (older) must not overwrite the
 * push's; its redis scope, newer than anything stored, is written.
 */
static void an_older_observation_keeps_the_newer_scope(void **state)
{
	struct fixture *f = *state;

	cycle_begin(f, AGENT_A);
	observed(f, "nginx", AT(0));
	observed(f, "redis", AT(0));
	emit(f, "nginx", "hub:nginx:1");
	emit(f, "redis", "hub:redis:7");
	cycle_apply(f);

	/* The push: nginx read at t=2 has tag 2. */
	cycle_begin(f, AGENT_A);
	f->refresh.partial = 1;
	observed(f, "nginx", AT(2));
	emit(f, "nginx", "hub:nginx:1");
	emit(f, "nginx", "hub:nginx:2");
	scope_result(f, "nginx", CDH_SCOPE_OK);
	cycle_apply(f);

	/* The slow cycle, read at t=1: nginx without tag 2, redis 8. */
	cycle_begin(f, AGENT_A);
	observed(f, "nginx", AT(1));
	observed(f, "redis", AT(1));
	emit(f, "nginx", "hub:nginx:1");
	emit(f, "redis", "hub:redis:8");
	cycle_apply(f);
	assert_string_equal(tagged(f), "hub:nginx:1 hub:nginx:2 hub:redis:8");

	/* The next cycle, read at t=3, is newest: its nginx is written. */
	cycle_begin(f, AGENT_A);
	observed(f, "nginx", AT(3));
	observed(f, "redis", AT(3));
	emit(f, "nginx", "hub:nginx:3");
	emit(f, "redis", "hub:redis:8");
	cycle_apply(f);
	assert_string_equal(tagged(f), "hub:nginx:3 hub:redis:8");
}

/* An older partial refresh (a late push) does not undo a newer cycle of a
 * scope pushed before (times are kept from a scope's first push on). */
static void an_older_push_keeps_the_newer_cycle(void **state)
{
	struct fixture *f = *state;

	cycle_begin(f, AGENT_A);
	f->refresh.partial = 1;
	observed(f, "nginx", AT(3));
	emit(f, "nginx", "hub:nginx:3");
	scope_result(f, "nginx", CDH_SCOPE_OK);
	cycle_apply(f);
	cycle_begin(f, AGENT_A);
	observed(f, "nginx", AT(5));
	emit(f, "nginx", "hub:nginx:5");
	cycle_apply(f);
	cycle_begin(f, AGENT_A);
	f->refresh.partial = 1;
	observed(f, "nginx", AT(4));
	emit(f, "nginx", "hub:nginx:4");
	scope_result(f, "nginx", CDH_SCOPE_OK);
	cycle_apply(f);
	assert_string_equal(tagged(f), "hub:nginx:5");
}

/*
 * Without an observation a scope is written as before; a failed scope
 * records no time (its stored data was not replaced); times are per agent;
 * of two calls for one scope the earlier counts.
 */
static void observations_are_per_agent_and_scope(void **state)
{
	struct fixture *f = *state;

	cycle_begin(f, AGENT_A);
	f->refresh.partial = 1;
	observed(f, "nginx", AT(10));
	emit(f, "nginx", "hub:nginx:10");
	cycle_apply(f);
	/* No time: written whatever is stored. */
	cycle_begin(f, AGENT_A);
	emit(f, "nginx", "hub:nginx:0");
	cycle_apply(f);
	assert_string_equal(tagged(f), "hub:nginx:0");
	/* Failed at t=20: nothing replaced, t=10 still stored. */
	cycle_begin(f, AGENT_A);
	observed(f, "nginx", AT(20));
	emit(f, "nginx", "hub:nginx:20");
	scope_result(f, "nginx", CDH_SCOPE_FAILED);
	cycle_apply(f);
	cycle_begin(f, AGENT_A);
	observed(f, "nginx", AT(15));
	observed(f, "nginx", AT(30)); /* the earlier, 15, counts */
	emit(f, "nginx", "hub:nginx:15");
	cycle_apply(f);
	assert_string_equal(tagged(f), "hub:nginx:15");
	/* Another agent's scope of the same name has its own time. */
	cycle_begin(f, AGENT_B);
	observed(f, "nginx", AT(1));
	emit(f, "nginx", "hub:other:1");
	cycle_apply(f);
	assert_string_equal(tagged(f), "hub:nginx:15 hub:other:1");
}

/* Observation times outlive the store's process (the file, Redis). */
static void observations_survive_reopening(void **state)
{
	struct fixture *f = *state;

	cycle_begin(f, AGENT_A);
	f->refresh.partial = 1;
	observed(f, "nginx", AT(2));
	emit(f, "nginx", "hub:nginx:2");
	cycle_apply(f);
	cdh_store_close(f->store);
	f->store = cdh_store_open_sqlite(f->db_path, f->err, sizeof(f->err));
	assert_non_null(f->store);
	cycle_begin(f, AGENT_A);
	observed(f, "nginx", AT(1));
	emit(f, "nginx", "hub:nginx:1");
	cycle_apply(f);
	assert_string_equal(tagged(f), "hub:nginx:2");
}

/*
 * A push beside the fixture's cycle, on `store`: refreshes `scope` alone,
 * read at `ns`, with the records ids[0..n).
 */
static void push_on(struct cdh_store *store, const char *scope, uint64_t ns,
		    const char *const *ids, size_t n)
{
	struct cdh_refresh push;
	char err[256];
	size_t i;

	assert_int_equal(cdh_refresh_init(&push, AGENT_A, 0, NULL), 0);
	assert_int_equal(cdh_refresh_set_provider(&push, "dockerRegistry"), 0);
	push.partial = 1;
	assert_int_equal(cdh_refresh_scope_observed(&push, scope, ns), CDH_OK);
	for (i = 0; i < n; i++) {
		struct cdh_record rec = { sizeof(rec), 0, scope, "taggedImage",
					  ids[i], "{}" };

		assert_int_equal(cdh_refresh_emit(&push, &rec), CDH_OK);
	}
	assert_int_equal(cdh_refresh_scope_result(&push, scope, CDH_SCOPE_OK,
						  NULL), CDH_OK);
	assert_int_equal(cdh_refresh_finish(&push), 0);
	assert_int_equal(cdh_store_apply(store, &push, err, sizeof(err)), 0);
	cdh_refresh_release(&push);
}

/* A full cycle of nginx alone, begun at `began`, nginx read at `began`. */
static void nginx_cycle(struct fixture *f, uint64_t began)
{
	cycle_begin(f, AGENT_A);
	f->refresh.began_ns = began;
	observed(f, "nginx", began);
	emit(f, "nginx", "hub:nginx:1");
}

/*
 * A catalog account's cycle begins at t=1 and lists nginx only; team/new
 * is pushed for the first time at t=2 and stored beside it. The cycle
 * ends without mentioning it: it stays (it was not there to list). A
 * repository pushed before the cycle began and not listed goes, and so
 * does team/new at the next cycle, begun after its push.
 */
static void a_scope_pushed_after_a_cycle_began_outlives_it(void **state)
{
	static const char *const old_tags[] = { "hub:old:1" };
	static const char *const new_tags[] = { "hub:new:1" };
	struct fixture *f = *state;

	push_on(f->store, "old", AT(0), old_tags, 1);
	nginx_cycle(f, AT(1));
	push_on(f->store, "team/new", AT(2), new_tags, 1);
	cycle_apply(f);
	assert_string_equal(tagged(f), "hub:new:1 hub:nginx:1");
	nginx_cycle(f, AT(3));
	cycle_apply(f);
	assert_string_equal(tagged(f), "hub:nginx:1");
}

/* ---- scan and get ---- */

static void scan_visits_ids_in_byte_order(void **state)
{
	struct fixture *f = *state;

	cycle_begin(f, AGENT_A);
	emit(f, "r", "k:r:b");
	emit(f, "r", "k:r:B");
	emit(f, "r", "k:r:a");
	emit(f, "r", "k:r:10");
	emit(f, "r", "k:r:9");
	cycle_apply(f);
	assert_string_equal(tagged(f), "k:r:10 k:r:9 k:r:B k:r:a k:r:b");
}

static void scan_matches_the_prefix_and_nothing_longer(void **state)
{
	struct fixture *f = *state;

	cycle_begin(f, AGENT_A);
	emit(f, "b", "a:b:1");
	emit(f, "b", "a:b:2");
	emit(f, "bc", "a:bc:1");
	emit(f, "b", "a:b");
	emit(f, "", "a:a:9");
	cycle_apply(f);
	assert_string_equal(ids(f, "taggedImage", "a:b:"), "a:b:1 a:b:2");
	assert_string_equal(ids(f, "taggedImage", "a:bc:"), "a:bc:1");
	assert_string_equal(ids(f, "taggedImage", "a:b"),
			    "a:b a:b:1 a:b:2 a:bc:1");
	assert_string_equal(ids(f, "taggedImage", "zz"), "");
}

static void scan_is_per_type(void **state)
{
	struct fixture *f = *state;

	cycle_begin(f, AGENT_A);
	emit_as(f, "taggedImage", "nginx",
		"dockerRegistry:taggedImage:hub:nginx:1", "{}");
	emit_as(f, "imageId", "nginx", "dockerRegistry:imageId:r.io/nginx:1",
		"{}");
	cycle_apply(f);
	assert_string_equal(ids(f, "imageId", "dockerRegistry:"),
			    "dockerRegistry:imageId:r.io/nginx:1");
	assert_string_equal(ids(f, "taggedImage", "dockerRegistry:"),
			    "dockerRegistry:taggedImage:hub:nginx:1");
}

static int stop_after_first(const char *id, const char *attributes, void *data)
{
	(void)attributes;
	snprintf(data, 64, "%s", id);
	return 1;
}

static void a_non_zero_return_stops_the_scan(void **state)
{
	struct fixture *f = *state;
	char first[64] = "";

	cycle_begin(f, AGENT_A);
	emit(f, "r", "r:1");
	emit(f, "r", "r:2");
	cycle_apply(f);
	assert_int_equal(cdh_store_scan(f->store, "taggedImage", "",
					stop_after_first, first, f->err,
					sizeof(f->err)),
			 0);
	assert_string_equal(first, "r:1");
}

static void get_finds_one_record_by_type_and_id(void **state)
{
	struct fixture *f = *state;
	char attributes[256] = "";

	cycle_begin(f, AGENT_A);
	emit_as(f, "taggedImage", "nginx", "hub:nginx:1",
		"{\"name\":\"nginx:1\"}");
	cycle_apply(f);
	assert_int_equal(cdh_store_get(f->store, "taggedImage", "hub:nginx:1",
				       copy_attributes, attributes, f->err,
				       sizeof(f->err)),
			 1);
	assert_string_equal(attributes, "{\"name\":\"nginx:1\"}");
	assert_int_equal(cdh_store_get(f->store, "taggedImage", "hub:nginx:2",
				       copy_attributes, attributes, f->err,
				       sizeof(f->err)),
			 0);
	assert_int_equal(cdh_store_get(f->store, "imageId", "hub:nginx:1",
				       copy_attributes, attributes, f->err,
				       sizeof(f->err)),
			 0);
}

static void forgetting_an_agent_drops_only_its_records(void **state)
{
	struct fixture *f = *state;
	char err[256];

	cycle_begin(f, AGENT_A);
	emit(f, "nginx", "hub:nginx:1");
	cycle_apply(f);
	cycle_begin(f, AGENT_B);
	emit(f, "app", "quay:app:1");
	cycle_apply(f);
	assert_int_equal(cdh_store_forget_agent(f->store, AGENT_A, err, sizeof(err)), 0);
	assert_string_equal(tagged(f), "quay:app:1");
}

/* ---- the read API: globs and one (agent, scope) ---- */

static int append_match(const char *id, const char *attributes, void *data)
{
	return append_id(id, attributes, data);
}

static const char *matching(struct fixture *f, const char *type,
			    const char *glob)
{
	f->ids[0] = '\0';
	assert_int_equal(cdh_store_match(f->store, type, glob, append_match, f,
					 f->err, sizeof(f->err)),
			 0);
	return f->ids;
}

static void glob_syntax_is_redis(void **state)
{
	(void)state;
	assert_true(cdh_store_glob_match("*", ""));
	assert_true(cdh_store_glob_match("a*c", "abbbc"));
	assert_false(cdh_store_glob_match("a*c", "abbbd"));
	assert_true(cdh_store_glob_match("a?c", "abc"));
	assert_false(cdh_store_glob_match("a?c", "ac"));
	assert_true(cdh_store_glob_match("h[ae]llo", "hello"));
	assert_false(cdh_store_glob_match("h[^e]llo", "hello"));
	assert_true(cdh_store_glob_match("h[a-b]llo", "hbllo"));
	assert_true(cdh_store_glob_match("h[b-a]llo", "hallo"));
	assert_true(cdh_store_glob_match("a\\*b", "a*b"));
	assert_false(cdh_store_glob_match("a\\*b", "axb"));
	assert_true(cdh_store_glob_match("*:nginx:*", "hub:nginx:1.25"));
	assert_true(cdh_store_glob_match("**a*", "bab"));
	assert_false(cdh_store_glob_match("*a", "ab"));
	assert_false(cdh_store_glob_match("abc", "ab"));
}

static void match_lists_the_ids_of_a_type_matching_a_glob(void **state)
{
	struct fixture *f = *state;

	cycle_begin(f, AGENT_A);
	emit(f, "nginx", "hub:nginx:1");
	emit(f, "nginx", "hub:nginx:10");
	emit(f, "redis", "hub:redis:1");
	emit(f, "app", "quay:app:1");
	emit(f, "odd", "hub:a*b:1");
	emit_as(f, "imageId", "nginx", "hub:nginx:1", "{}");
	cycle_apply(f);
	assert_string_equal(matching(f, "taggedImage", "*"),
			    "hub:a*b:1 hub:nginx:1 hub:nginx:10 hub:redis:1 "
			    "quay:app:1");
	assert_string_equal(matching(f, "taggedImage", "hub:nginx:?"),
			    "hub:nginx:1");
	assert_string_equal(matching(f, "taggedImage", "*:*:1"),
			    "hub:a*b:1 hub:nginx:1 hub:redis:1 quay:app:1");
	assert_string_equal(matching(f, "taggedImage", "hub:[nr]*:1"),
			    "hub:nginx:1 hub:redis:1");
	assert_string_equal(matching(f, "taggedImage", "hub:a\\*b:*"),
			    "hub:a*b:1");
	assert_string_equal(matching(f, "taggedImage", "hub:nginx:1"),
			    "hub:nginx:1");
	assert_string_equal(matching(f, "imageId", "*"), "hub:nginx:1");
	assert_string_equal(matching(f, "nothing", "*"), "");
}

static int append_record(const char *type, const char *id,
			 const char *attributes, void *data)
{
	struct fixture *f = data;
	size_t len = strlen(f->ids);

	snprintf(f->ids + len, sizeof(f->ids) - len, "%s%s/%s=%s",
		 len ? " " : "", type, id, attributes);
	return 0;
}

static const char *scope_records(struct fixture *f, const char *agent,
				 const char *scope)
{
	f->ids[0] = '\0';
	assert_int_equal(cdh_store_scope_records(f->store, agent, scope,
						 append_record, f, f->err,
						 sizeof(f->err)),
			 0);
	return f->ids;
}

static void scope_records_are_what_the_agent_stored_there_last(void **state)
{
	struct fixture *f = *state;

	cycle_begin(f, AGENT_A);
	emit_as(f, "taggedImage", "nginx", "hub:nginx:2", "{\"d\":2}");
	emit_as(f, "imageId", "nginx", "hub:nginx:1", "{\"i\":1}");
	emit_as(f, "taggedImage", "nginx", "hub:nginx:1", "{\"d\":1}");
	emit(f, "redis", "hub:redis:1");
	cycle_apply(f);
	cycle_begin(f, AGENT_B);
	emit(f, "nginx", "hub:nginx:9");
	cycle_apply(f);
	assert_string_equal(scope_records(f, AGENT_A, "nginx"),
			    "imageId/hub:nginx:1={\"i\":1} "
			    "taggedImage/hub:nginx:1={\"d\":1} "
			    "taggedImage/hub:nginx:2={\"d\":2}");
	assert_string_equal(scope_records(f, AGENT_B, "nginx"),
			    "taggedImage/hub:nginx:9={}");
	assert_string_equal(scope_records(f, AGENT_A, "none"), "");

	/* A failed cycle of nginx keeps what was stored; OK replaces it. */
	cycle_begin(f, AGENT_A);
	emit(f, "nginx", "hub:nginx:3");
	scope_result(f, "nginx", CDH_SCOPE_FAILED);
	emit(f, "redis", "hub:redis:2");
	cycle_apply(f);
	assert_string_equal(scope_records(f, AGENT_A, "nginx"),
			    "imageId/hub:nginx:1={\"i\":1} "
			    "taggedImage/hub:nginx:1={\"d\":1} "
			    "taggedImage/hub:nginx:2={\"d\":2}");
	assert_string_equal(scope_records(f, AGENT_A, "redis"),
			    "taggedImage/hub:redis:2={}");
}

/* ---- the file ---- */

static void records_survive_closing_and_reopening(void **state)
{
	struct fixture *f = *state;

	cycle_begin(f, AGENT_A);
	emit(f, "nginx", "hub:nginx:1");
	cycle_apply(f);
	cdh_store_close(f->store);
	f->store = cdh_store_open_sqlite(f->db_path, f->err, sizeof(f->err));
	assert_non_null(f->store);
	assert_string_equal(tagged(f), "hub:nginx:1");
}

static void set_user_version(const char *path, int version)
{
	sqlite3 *db = NULL;
	char sql[64];

	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", version);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void another_schema_version_is_refused(void **state)
{
	struct fixture *f = *state;
	char err[512] = "";
	const char *path = testdir_file(&f->dir, "future.db");

	set_user_version(path, 99);
	assert_null(cdh_store_open_sqlite(path, err, sizeof(err)));
	assert_string_equal(
	    err, "cache store: schema version 99, this cdhost reads 1");
}

static void an_unopenable_path_is_an_error_naming_it(void **state)
{
	struct fixture *f = *state;
	char err[512] = "", path[512], expect[600];

	snprintf(path, sizeof(path), "%s",
		 testdir_file(&f->dir, "no/such/dir/cache.db"));
	assert_null(cdh_store_open_sqlite(path, err, sizeof(err)));
	snprintf(expect, sizeof(expect), "cache store %s: ", path);
	err[strlen(expect)] = '\0';
	assert_string_equal(err, expect);
}

static int collect_record(const char *type, const char *id,
			  const char *attributes, void *data);

static void a_record_that_moves_scope_belongs_to_the_new_one(void **state)
{
	struct fixture *f = *state;
	char out[256] = "";

	cycle_begin(f, AGENT_A);
	emit(f, "z-old", "hub:app:1");
	cycle_apply(f);
	/* The same id now comes from another scope (sorted before the old). */
	cycle_begin(f, AGENT_A);
	emit(f, "a-new", "hub:app:1");
	scope_result(f, "z-old", CDH_SCOPE_OK);
	cycle_apply(f);
	assert_string_equal(tagged(f), "hub:app:1");
	assert_int_equal(cdh_store_scope_records(f->store, AGENT_A, "z-old",
						 collect_record, out, f->err,
						 sizeof(f->err)),
			 0);
	assert_string_equal(out, "");
	/* The old scope goes: the record stays with the new one. */
	cycle_begin(f, AGENT_A);
	emit(f, "a-new", "hub:app:1");
	cycle_apply(f);
	assert_string_equal(tagged(f), "hub:app:1");
}

/* ---- Redis only ---- */

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A command's reply as text: a string, a number, or an array sorted and
 * joined with spaces. */
static const char *redis_text(const char *fmt, ...)
{
	static char out[4096];
	redisContext *c = redis_admin();
	redisReply *r;
	va_list ap;
	size_t i, len = 0;

	assert_non_null(c);
	va_start(ap, fmt);
	r = redisvCommand(c, fmt, ap);
	va_end(ap);
	assert_non_null(r);
	out[0] = '\0';
	if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS)
		snprintf(out, sizeof(out), "%s", r->str);
	else if (r->type == REDIS_REPLY_INTEGER)
		snprintf(out, sizeof(out), "%lld", r->integer);
	else if (r->type == REDIS_REPLY_NIL)
		snprintf(out, sizeof(out), "(nil)");
	else if (r->type == REDIS_REPLY_ARRAY) {
		char **items = calloc(r->elements + 1, sizeof(*items));

		for (i = 0; i < r->elements; i++)
			items[i] = r->element[i]->str;
		qsort(items, r->elements, sizeof(*items), by_string);
		for (i = 0; i < r->elements; i++)
			len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%s",
						i ? " " : "", items[i]);
		free(items);
	}
	freeReplyObject(r);
	redisFree(c);
	return out;
}

#define TAG_ID "dockerRegistry:taggedImage:hub:team/app:1.2.3"
#define IMAGE_ID "dockerRegistry:imageId:registry.example.com/team/app:1.2.3"
#define HUB_AGENT "hub/DockerRegistryImageCachingAgent[1/1]"

/* Clouddriver's worked example (reference §1.5), key for key. */
static void the_keys_are_clouddriver_s_layout(void **state)
{
	struct fixture *f = *state;
	const char *attrs = "{\"name\":\"team/app:1.2.3\",\"account\":\"hub\"}";

	cycle_begin(f, HUB_AGENT);
	emit_as(f, "taggedImage", "team/app", TAG_ID, attrs);
	emit_as(f, "imageId", "team/app", IMAGE_ID,
		"{\"tagKey\":\"" TAG_ID "\",\"account\":\"hub\"}");
	cycle_apply(f);
	assert_string_equal(redis_text("KEYS dockerRegistry:taggedImage:*"),
			    "dockerRegistry:taggedImage:attributes:_ALL_ "
			    "dockerRegistry:taggedImage:attributes:" TAG_ID " "
			    "dockerRegistry:taggedImage:hashes "
			    "dockerRegistry:taggedImage:members "
			    "dockerRegistry:taggedImage:relationships "
			    "dockerRegistry:taggedImage:relationships:_ALL_:" HUB_AGENT);
	assert_string_equal(redis_text("SMEMBERS dockerRegistry:taggedImage:members"),
			    "_ALL_ " TAG_ID);
	assert_string_equal(redis_text("GET dockerRegistry:taggedImage:attributes:%s",
				       TAG_ID), attrs);
	assert_string_equal(redis_text("GET dockerRegistry:imageId:attributes:_ALL_"),
			    "{\"id\":\"_ALL_\"}");
	assert_string_equal(redis_text("GET dockerRegistry:imageId:relationships:_ALL_:%s",
				       HUB_AGENT), "[\"" IMAGE_ID "\"]");
	assert_string_equal(redis_text("SMEMBERS dockerRegistry:imageId:relationships"),
			    HUB_AGENT);
	/* SHA-1 of the UTF-16LE JSON (python3 hashlib), keyed by key name. */
	assert_string_equal(redis_text("HGET dockerRegistry:taggedImage:hashes "
				       "dockerRegistry:taggedImage:attributes:_ALL_"),
			    "cd01c9ce0a3931797637eb633855c12f0fa04b29");
}

static void a_failed_scope_keeps_its_ids_in_all(void **state)
{
	struct fixture *f = *state;

	cycle_begin(f, AGENT_A);
	emit(f, "nginx", "hub:nginx:1");
	emit(f, "redis", "hub:redis:7");
	cycle_apply(f);
	cycle_begin(f, AGENT_A);
	emit(f, "nginx", "hub:nginx:2");
	scope_result(f, "nginx", CDH_SCOPE_FAILED);
	emit(f, "redis", "hub:redis:8");
	cycle_apply(f);
	assert_string_equal(
	    redis_text("GET dockerRegistry:taggedImage:relationships:_ALL_:%s", AGENT_A),
	    "[\"hub:nginx:1\",\"hub:redis:8\"]");
	assert_string_equal(redis_text("SMEMBERS dockerRegistry:taggedImage:members"),
			    "_ALL_ hub:nginx:1 hub:redis:8");
	assert_string_equal(redis_text("HEXISTS dockerRegistry:taggedImage:hashes "
				       "dockerRegistry:taggedImage:attributes:hub:redis:7"),
			    "0");
}

static void a_type_emptied_gets_an_empty_all_list(void **state)
{
	struct fixture *f = *state;

	cycle_begin(f, AGENT_A);
	emit(f, "nginx", "hub:nginx:1");
	cycle_apply(f);
	cycle_begin(f, AGENT_A);
	scope_result(f, "nginx", CDH_SCOPE_OK);
	cycle_apply(f);
	assert_string_equal(
	    redis_text("GET dockerRegistry:taggedImage:relationships:_ALL_:%s", AGENT_A),
	    "[]");
	assert_string_equal(redis_text("EXISTS dockerRegistry:taggedImage:attributes:hub:nginx:1"),
			    "0");
}

static void redis_down_is_unavailable(void **state)
{
	struct fixture *f = *state;
	struct cdh_store *down;
	char why[256] = "", err[256] = "";

	/* Nothing listens on port 1 of loopback. */
	down = cdh_store_open_redis("redis://127.0.0.1:1/0", NULL, err, sizeof(err));
	assert_non_null(down);
	cycle_begin(f, AGENT_A);
	emit(f, "nginx", "hub:nginx:1");
	assert_int_equal(cdh_refresh_finish(&f->refresh), 0);
	assert_int_equal(cdh_store_apply(down, &f->refresh, err, sizeof(err)),
			 CDH_STORE_UNAVAILABLE);
	cdh_refresh_release(&f->refresh);
	assert_string_equal(err, "cache store: redis 127.0.0.1:1: Connection refused");
	/* Within the backoff, no new attempt: the same reason, retrying. */
	assert_int_equal(cdh_store_scan(down, "taggedImage", "", append_id, f,
					err, sizeof(err)),
			 CDH_STORE_UNAVAILABLE);
	assert_string_equal(err, "cache store: redis 127.0.0.1:1: Connection refused (retrying)");
	assert_int_equal(cdh_store_health(down, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "redis 127.0.0.1:1: Connection refused"));
	cdh_store_close(down);
}

static void a_password_is_never_in_an_error(void **state)
{
	struct fixture *f = *state;
	struct cdh_store *store;
	char url[128], why[256] = "", err[256] = "";
	const char *pw = testdir_write(&f->dir, "pw", "s3cr3t-pw\n");

	assert_non_null(pw);
	snprintf(url, sizeof(url), "redis://u:url-pw@127.0.0.1:%d/0", server.port);
	store = cdh_store_open_redis(url, pw, err, sizeof(err));
	assert_non_null(store);
	/* This Redis has no such user: AUTH fails, and says so without it. */
	assert_int_equal(cdh_store_health(store, why, sizeof(why)), -1);
	assert_null(strstr(why, "s3cr3t"));
	assert_null(strstr(why, "url-pw"));
	assert_non_null(strstr(why, "refused the connection"));
	cdh_store_close(store);
}

static void a_restarted_empty_redis_is_refilled_by_the_next_apply(void **state)
{
	struct fixture *f = *state;

	cycle_begin(f, AGENT_A);
	emit(f, "nginx", "hub:nginx:1");
	cycle_apply(f);
	assert_string_equal(tagged(f), "hub:nginx:1");
	redis_server_stop(&server, SIGTERM);
	assert_int_equal(redis_server_respawn(&server), 0);
	/* The store's connections are from before the restart. */
	cycle_begin(f, AGENT_A);
	emit(f, "nginx", "hub:nginx:1");
	cycle_apply(f);
	assert_string_equal(tagged(f), "hub:nginx:1");
	assert_string_equal(redis_text("SMEMBERS dockerRegistry:taggedImage:members"),
			    "_ALL_ hub:nginx:1");
}

static void a_steady_cycle_writes_nothing(void **state)
{
	struct fixture *f = *state;
	redisContext *c;
	redisReply *r;

	cycle_begin(f, AGENT_A);
	emit_as(f, "taggedImage", "nginx", "hub:nginx:1", "{\"a\":\"\\u00e9\"}");
	emit_as(f, "imageId", "nginx", "r/nginx:1", "{}");
	cycle_apply(f);
	redis_command("CONFIG RESETSTAT");
	cycle_begin(f, AGENT_A);
	emit_as(f, "taggedImage", "nginx", "hub:nginx:1", "{\"a\":\"\\u00e9\"}");
	emit_as(f, "imageId", "nginx", "r/nginx:1", "{}");
	cycle_apply(f);
	c = redis_admin();
	r = redisCommand(c, "INFO commandstats");
	assert_non_null(r);
	if (strstr(r->str, "cmdstat_set") || strstr(r->str, "cmdstat_mset") ||
	    strstr(r->str, "cmdstat_sadd") || strstr(r->str, "cmdstat_hset") ||
	    strstr(r->str, "cmdstat_multi"))
		fail_msg("a steady cycle wrote: %s", r->str);
	freeReplyObject(r);
	redisFree(c);
}

static int collect_record(const char *type, const char *id,
			  const char *attributes, void *data)
{
	char *out = data;
	size_t len = strlen(out);

	snprintf(out + len, 256 - len, "%s%s/%s=%s", len ? " " : "", type, id,
		 attributes);
	return 0;
}

static void scope_records_are_what_the_scope_holds(void **state)
{
	struct fixture *f = *state;
	char out[256] = "";

	cycle_begin(f, AGENT_A);
	emit_as(f, "taggedImage", "nginx", "hub:nginx:2", "{\"t\":2}");
	emit_as(f, "imageId", "nginx", "r/nginx:2", "{}");
	emit_as(f, "taggedImage", "nginx", "hub:nginx:1", "{\"t\":1}");
	emit_as(f, "taggedImage", "redis", "hub:redis:1", "{}");
	cycle_apply(f);
	assert_int_equal(cdh_store_scope_records(f->store, AGENT_A, "nginx",
						 collect_record, out, f->err,
						 sizeof(f->err)),
			 0);
	assert_string_equal(out, "taggedImage/hub:nginx:1={\"t\":1} "
				 "taggedImage/hub:nginx:2={\"t\":2} "
				 "imageId/r/nginx:2={}");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
/* ---- changes noted for events (DESIGN 9.4) ---- */

static struct cdh_store_changes changes;

static void cycle_apply_noting(struct fixture *f, struct cdh_store *store)
{
	cdh_store_changes_release(&changes);
	f->refresh.changes = &changes;
	assert_int_equal(cdh_refresh_finish(&f->refresh), 0);
	assert_int_equal(
	    cdh_store_apply(store, &f->refresh, f->err, sizeof(f->err)), 0);
	cdh_refresh_release(&f->refresh);
}

/* "id=old>new" per noted change, sorted by id, space-separated. */
static const char *noted(struct fixture *f)
{
	size_t i, j, len;

	for (i = 1; i < changes.count; i++)
		for (j = i; j > 0 && strcmp(changes.items[j - 1].id,
					    changes.items[j].id) > 0; j--) {
			struct cdh_store_change t = changes.items[j];

			changes.items[j] = changes.items[j - 1];
			changes.items[j - 1] = t;
		}
	f->ids[0] = '\0';
	for (i = 0; i < changes.count; i++) {
		len = strlen(f->ids);
		snprintf(f->ids + len, sizeof(f->ids) - len, "%s%s=%s>%s",
			 len ? " " : "", changes.items[i].id,
			 changes.items[i].old_attributes
				 ? changes.items[i].old_attributes : "NULL",
			 changes.items[i].new_attributes);
	}
	return f->ids;
}

static void two_tags(struct fixture *f, const char *digest_1)
{
	cycle_begin(f, AGENT_A);
	emit_as(f, "taggedImage", "nginx", "hub:nginx:1", digest_1);
	emit_as(f, "taggedImage", "nginx", "hub:nginx:2", "{\"d\":2}");
}

/* What the last apply noted: whether it was part of a first fill, and
 * the changes (as noted() lists them). */
static void expect_noted(struct fixture *f, int first_fill, const char *want)
{
	assert_int_equal(changes.first_fill, first_fill);
	assert_string_equal(noted(f), want);
}

/* Not even noted: at a million tags that was two million copies (#16). */
static void the_first_fill_notes_nothing(void **state)
{
	struct fixture *f = *state;

	two_tags(f, "{\"d\":1}");
	cycle_apply_noting(f, f->store);
	expect_noted(f, 1, "");
	assert_string_equal(tagged(f), "hub:nginx:1 hub:nginx:2");
	cdh_store_changes_release(&changes);
}

/* A push of one repository (a partial refresh) of AGENT_A, applied on
 * `store` noting changes. */
static void push_noting(struct fixture *f, struct cdh_store *store,
			const char *scope, const char *id)
{
	cycle_begin(f, AGENT_A);
	f->refresh.partial = 1;
	emit(f, scope, id);
	scope_result(f, scope, CDH_SCOPE_OK);
	cycle_apply_noting(f, store);
}

/* The first fill lasts until a complete cycle is stored: a push before it
 * (the registry refused the first cycle, or the push came first) is part
 * of it, and so is that cycle, whatever the push stored. */
static void a_push_before_the_first_cycle_is_part_of_the_fill(void **state)
{
	struct fixture *f = *state;

	push_noting(f, f->store, "redis", "hub:redis:7");
	expect_noted(f, 1, "");
	two_tags(f, "{\"d\":1}");
	emit(f, "redis", "hub:redis:7");
	cycle_apply_noting(f, f->store);
	expect_noted(f, 1, "");
	/* Filled: the next new tag is a change. */
	push_noting(f, f->store, "redis", "hub:redis:8");
	expect_noted(f, 0, "hub:redis:8=NULL>{}");
	cdh_store_changes_release(&changes);
}

/* A cycle in which a scope failed stored no tag of it: those would come
 * as new with the next cycle. The fill goes on until every scope stored. */
static void a_cycle_with_a_failed_scope_does_not_end_the_fill(void **state)
{
	struct fixture *f = *state;

	two_tags(f, "{\"d\":1}");
	emit(f, "redis", "hub:redis:7");
	scope_result(f, "nginx", CDH_SCOPE_FAILED);
	cycle_apply_noting(f, f->store);
	assert_int_equal(changes.first_fill, 1);
	two_tags(f, "{\"d\":1}");
	emit(f, "redis", "hub:redis:7");
	cycle_apply_noting(f, f->store);
	expect_noted(f, 1, "");
	two_tags(f, "{\"d\":1}");
	emit(f, "redis", "hub:redis:8");
	cycle_apply_noting(f, f->store);
	expect_noted(f, 0, "hub:redis:8=NULL>{}");
	cdh_store_changes_release(&changes);
}

/* The marker is kept whether or not changes are noted: an apply without
 * Echo still ends the fill, so turning Echo on later sends new tags. */
static void a_fill_without_noting_still_ends_the_fill(void **state)
{
	struct fixture *f = *state;

	two_tags(f, "{\"d\":1}");
	cycle_apply(f);
	push_noting(f, f->store, "redis", "hub:redis:7");
	expect_noted(f, 0, "hub:redis:7=NULL>{}");
	cdh_store_changes_release(&changes);
}

/* Forgetting an agent forgets its fill: back, it fills again silently. */
static void a_forgotten_agent_fills_again(void **state)
{
	struct fixture *f = *state;

	two_tags(f, "{\"d\":1}");
	cycle_apply(f);
	assert_int_equal(cdh_store_forget_agent(f->store, AGENT_A, f->err,
						sizeof(f->err)),
			 0);
	two_tags(f, "{\"d\":1}");
	cycle_apply_noting(f, f->store);
	expect_noted(f, 1, "");
	cdh_store_changes_release(&changes);
}

/* A second handle on the fixture's store: the same SQLite file, or the
 * same redis-server (another cluster node). */
static struct cdh_store *second_handle(struct fixture *f)
{
	char url[64];
	struct cdh_store *store;

	if (strcmp(cdh_store_backend_name(f->store), "sqlite") == 0) {
		store = cdh_store_open_sqlite(f->db_path, f->err, sizeof(f->err));
	} else {
		snprintf(url, sizeof(url), "redis://127.0.0.1:%d/0", server.port);
		store = cdh_store_open_redis(url, NULL, f->err, sizeof(f->err));
	}
	assert_non_null(store);
	return store;
}

/* Node B's push for a new account lands while node A's first cycle runs:
 * A's cycle is still the first fill; then B sees A's marker. */
static void two_handles_share_the_fill(void **state)
{
	struct fixture *f = *state;
	struct cdh_store *node_b = second_handle(f);

	push_noting(f, node_b, "redis", "hub:redis:7");
	assert_int_equal(changes.first_fill, 1);
	two_tags(f, "{\"d\":1}");
	emit(f, "redis", "hub:redis:7");
	cycle_apply_noting(f, f->store);
	expect_noted(f, 1, "");
	push_noting(f, node_b, "redis", "hub:redis:8");
	expect_noted(f, 0, "hub:redis:8=NULL>{}");
	cdh_store_changes_release(&changes);
	cdh_store_close(node_b);
}

/* A cache of an older cdhost: the agent's records, no marker. */
static void drop_the_marker(struct fixture *f)
{
	sqlite3 *db = NULL;

	if (strcmp(cdh_store_backend_name(f->store), "redis") == 0) {
		redis_command("DEL cdhost:dockerRegistry:fill:" AGENT_A);
		return;
	}
	assert_int_equal(sqlite3_open(f->db_path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "DELETE FROM fill_state", NULL, NULL,
				      NULL),
			 SQLITE_OK);
	sqlite3_close(db);
}

/* Upgrading keeps events: records without a marker count as filled. */
static void an_older_cdhost_s_cache_counts_as_filled(void **state)
{
	struct fixture *f = *state;

	two_tags(f, "{\"d\":1}");
	cycle_apply(f);
	drop_the_marker(f);
	push_noting(f, f->store, "redis", "hub:redis:7");
	expect_noted(f, 0, "hub:redis:7=NULL>{}");
	cdh_store_changes_release(&changes);
}

static void new_and_changed_records_are_noted_with_the_old(void **state)
{
	struct fixture *f = *state;

	two_tags(f, "{\"d\":1}");
	cycle_apply_noting(f, f->store);
	two_tags(f, "{\"d\":9}");
	emit_as(f, "taggedImage", "redis", "hub:redis:7", "{}");
	cycle_apply_noting(f, f->store);
	assert_int_equal(changes.first_fill, 0);
	assert_string_equal(noted(f), "hub:nginx:1={\"d\":1}>{\"d\":9} "
				      "hub:redis:7=NULL>{}");
	two_tags(f, "{\"d\":9}");
	emit_as(f, "taggedImage", "redis", "hub:redis:7", "{}");
	cycle_apply_noting(f, f->store);
	assert_string_equal(noted(f), "");
	cdh_store_changes_release(&changes);
}

static void a_failed_scope_notes_nothing(void **state)
{
	struct fixture *f = *state;

	two_tags(f, "{\"d\":1}");
	cycle_apply_noting(f, f->store);
	two_tags(f, "{\"d\":5}");
	emit_as(f, "taggedImage", "redis", "hub:redis:7", "{}");
	scope_result(f, "nginx", CDH_SCOPE_FAILED);
	cycle_apply_noting(f, f->store);
	assert_string_equal(noted(f), "hub:redis:7=NULL>{}");
	cdh_store_changes_release(&changes);
}

static void no_changes_are_noted_unless_asked(void **state)
{
	struct fixture *f = *state;

	two_tags(f, "{\"d\":1}");
	cycle_apply(f);
	assert_string_equal(tagged(f), "hub:nginx:1 hub:nginx:2");
}

/*
 * Two nodes on one Redis apply the same change; the second compared the
 * hashes before the first wrote (the race): only the first notes it.
 */
static struct cdh_store *first_node;
static struct fixture *first_fixture;

static void first_node_writes(void)
{
	struct cdh_store_changes mine = { 0 };
	struct cdh_refresh refresh;

	assert_int_equal(cdh_refresh_init(&refresh, AGENT_A, 0, NULL), 0);
	assert_int_equal(cdh_refresh_set_provider(&refresh, "dockerRegistry"), 0);
	{
		struct cdh_record rec = { sizeof(rec), 0, "nginx", "taggedImage",
					  "hub:nginx:1", "{\"d\":3}" };
		struct cdh_record rec2 = { sizeof(rec2), 0, "nginx", "taggedImage",
					   "hub:nginx:2", "{\"d\":2}" };

		assert_int_equal(cdh_refresh_emit(&refresh, &rec), CDH_OK);
		assert_int_equal(cdh_refresh_emit(&refresh, &rec2), CDH_OK);
	}
	refresh.changes = &mine;
	assert_int_equal(cdh_refresh_finish(&refresh), 0);
	assert_int_equal(cdh_store_apply(first_node, &refresh, first_fixture->err,
					 sizeof(first_fixture->err)),
			 0);
	cdh_refresh_release(&refresh);
	assert_int_equal(mine.count, 1);
	assert_string_equal(mine.items[0].id, "hub:nginx:1");
	assert_string_equal(mine.items[0].old_attributes, "{\"d\":1}");
	cdh_store_changes_release(&mine);
}

static void of_two_nodes_only_the_writer_notes_a_change(void **state)
{
	struct fixture *f = *state;
	char url[64];

	snprintf(url, sizeof(url), "redis://127.0.0.1:%d/0", server.port);
	first_node = cdh_store_open_redis(url, NULL, f->err, sizeof(f->err));
	assert_non_null(first_node);
	first_fixture = f;
	two_tags(f, "{\"d\":1}");
	cycle_apply_noting(f, f->store);
	cdh__redis_between_hook = first_node_writes;
	two_tags(f, "{\"d\":3}");
	cycle_apply_noting(f, f->store);
	assert_null(cdh__redis_between_hook); /* it ran */
	assert_string_equal(noted(f), "");
	assert_string_equal(tagged(f), "hub:nginx:1 hub:nginx:2");
	cdh_store_changes_release(&changes);
	cdh_store_close(first_node);
}

/*
 * Two nodes on one Redis: this node's cycle read nginx at t=1; the other
 * node's push, read at t=2, lands after this node read the stored times
 * (between its reads and its writes, or between its check of nginx's
 * time and its transaction). The push's records survive.
 */
static void the_other_node_pushes_nginx(void)
{
	static const char *const tags[] = { "hub:nginx:1", "hub:nginx:2" };

	push_on(first_node, "nginx", AT(2), tags, 2);
}

static void open_first_node(struct fixture *f)
{
	char url[64];

	snprintf(url, sizeof(url), "redis://127.0.0.1:%d/0", server.port);
	first_node = cdh_store_open_redis(url, NULL, f->err, sizeof(f->err));
	assert_non_null(first_node);
}

static void a_cycle_beside_a_push_on_another_node(struct fixture *f,
						  void (**hook)(void))
{
	open_first_node(f);
	nginx_cycle(f, AT(0));
	cycle_apply(f);
	*hook = the_other_node_pushes_nginx;
	cycle_begin(f, AGENT_A);
	observed(f, "nginx", AT(1));
	emit(f, "nginx", "hub:nginx:3");
	cycle_apply(f);
	assert_null(*hook); /* it ran */
	assert_string_equal(tagged(f), "hub:nginx:1 hub:nginx:2");
	cdh_store_close(first_node);
}

static void a_push_on_another_node_before_the_writes_survives(void **state)
{
	a_cycle_beside_a_push_on_another_node(*state, &cdh__redis_between_hook);
}

static void a_push_on_another_node_inside_the_check_survives(void **state)
{
	a_cycle_beside_a_push_on_another_node(*state, &cdh__redis_watch_hook);
}

/*
 * Kept times only rise: this node's push of nginx, read at t=1, and the
 * other node's, read at t=3, find nginx as it is; the other's lands after
 * this one read the times. A cycle read at t=2 still finds t=3 kept.
 */
static void the_other_node_pushes_nginx_unchanged(void)
{
	static const char *const tags[] = { "hub:nginx:1" };

	push_on(first_node, "nginx", AT(3), tags, 1);
}

static void a_kept_time_is_never_lowered(void **state)
{
	static const char *const tags[] = { "hub:nginx:1" };
	struct fixture *f = *state;

	open_first_node(f);
	nginx_cycle(f, AT(0));
	cycle_apply(f);
	cdh__redis_between_hook = the_other_node_pushes_nginx_unchanged;
	push_on(f->store, "nginx", AT(1), tags, 1);
	assert_null(cdh__redis_between_hook);
	nginx_cycle(f, AT(2));
	emit(f, "nginx", "hub:nginx:9");
	cycle_apply(f);
	assert_string_equal(tagged(f), "hub:nginx:1");
	cdh_store_close(first_node);
}

/*
 * The same for a scope the cycle does not mention: team/new, pushed on
 * the other node after this cycle began, is not deleted by it.
 */
static void the_other_node_pushes_team_new(void)
{
	static const char *const tags[] = { "hub:new:1" };

	push_on(first_node, "team/new", AT(2), tags, 1);
}

static void a_scope_pushed_on_another_node_outlives_a_cycle(void **state)
{
	static const char *const tags[] = { "hub:new:1" };
	struct fixture *f = *state;

	open_first_node(f);
	push_on(f->store, "team/new", AT(0), tags, 1);
	cdh__redis_between_hook = the_other_node_pushes_team_new;
	nginx_cycle(f, AT(1));
	cycle_apply(f);
	assert_null(cdh__redis_between_hook);
	assert_string_equal(tagged(f), "hub:new:1 hub:nginx:1");
	cdh_store_close(first_node);
}

#define M(fn) cmocka_unit_test_setup_teardown(fn, setup_memory, teardown)
#define R(fn) cmocka_unit_test_setup_teardown(fn, setup_redis, teardown)

int main(void)
{
	const struct CMUnitTest memory[] = {
	    M(an_ok_scope_gets_exactly_its_new_records),
	    M(an_ok_scope_with_no_records_is_emptied),
	    M(a_cycle_whose_records_were_not_kept_is_not_applied),
	    M(a_failed_scope_keeps_its_old_records),
	    M(a_scope_no_longer_mentioned_loses_its_records),
	    M(another_agents_records_are_untouched),
	    M(new_attributes_replace_old_ones),
	    M(a_partial_refresh_leaves_unmentioned_scopes),
	    M(scan_visits_ids_in_byte_order),
	    M(scan_matches_the_prefix_and_nothing_longer),
	    M(scan_is_per_type),
	    M(a_non_zero_return_stops_the_scan),
	    M(get_finds_one_record_by_type_and_id),
	    M(forgetting_an_agent_drops_only_its_records),
	    M(glob_syntax_is_redis),
	    M(match_lists_the_ids_of_a_type_matching_a_glob),
	    M(scope_records_are_what_the_agent_stored_there_last),
	    M(scope_records_are_what_the_scope_holds),
	    M(a_record_that_moves_scope_belongs_to_the_new_one),
	    M(the_first_fill_notes_nothing),
	    M(a_push_before_the_first_cycle_is_part_of_the_fill),
	    M(a_cycle_with_a_failed_scope_does_not_end_the_fill),
	    M(a_fill_without_noting_still_ends_the_fill),
	    M(a_forgotten_agent_fills_again),
	    M(new_and_changed_records_are_noted_with_the_old),
	    M(a_failed_scope_notes_nothing),
	    M(no_changes_are_noted_unless_asked),
	    M(an_older_observation_keeps_the_newer_scope),
	    M(an_older_push_keeps_the_newer_cycle),
	    M(observations_are_per_agent_and_scope),
	    M(a_scope_pushed_after_a_cycle_began_outlives_it),
	};
	const struct CMUnitTest tests[] = {
	    T(forgetting_an_agent_drops_only_its_records),
	    T(glob_syntax_is_redis),
	    T(match_lists_the_ids_of_a_type_matching_a_glob),
	    T(scope_records_are_what_the_agent_stored_there_last),
	    T(an_ok_scope_gets_exactly_its_new_records),
	    T(an_ok_scope_with_no_records_is_emptied),
	    T(a_cycle_whose_records_were_not_kept_is_not_applied),
	    T(a_failed_scope_keeps_its_old_records),
	    T(a_scope_no_longer_mentioned_loses_its_records),
	    T(another_agents_records_are_untouched),
	    T(new_attributes_replace_old_ones),
	    T(a_partial_refresh_leaves_unmentioned_scopes),
	    T(scan_visits_ids_in_byte_order),
	    T(scan_matches_the_prefix_and_nothing_longer),
	    T(scan_is_per_type),
	    T(a_non_zero_return_stops_the_scan),
	    T(get_finds_one_record_by_type_and_id),
	    T(scope_records_are_what_the_scope_holds),
	    T(a_record_that_moves_scope_belongs_to_the_new_one),
	    T(records_survive_closing_and_reopening),
	    T(the_first_fill_notes_nothing),
	    T(a_push_before_the_first_cycle_is_part_of_the_fill),
	    T(a_cycle_with_a_failed_scope_does_not_end_the_fill),
	    T(a_fill_without_noting_still_ends_the_fill),
	    T(a_forgotten_agent_fills_again),
	    T(two_handles_share_the_fill),
	    T(an_older_cdhost_s_cache_counts_as_filled),
	    T(new_and_changed_records_are_noted_with_the_old),
	    T(a_failed_scope_notes_nothing),
	    T(no_changes_are_noted_unless_asked),
	    T(another_schema_version_is_refused),
	    T(an_unopenable_path_is_an_error_naming_it),
	    T(an_older_observation_keeps_the_newer_scope),
	    T(an_older_push_keeps_the_newer_cycle),
	    T(observations_are_per_agent_and_scope),
	    T(observations_survive_reopening),
	    T(a_scope_pushed_after_a_cycle_began_outlives_it),
	};

	const struct CMUnitTest redis[] = {
	    R(an_older_observation_keeps_the_newer_scope),
	    R(an_older_push_keeps_the_newer_cycle),
	    R(observations_are_per_agent_and_scope),
	    R(a_scope_pushed_after_a_cycle_began_outlives_it),
	    R(an_ok_scope_gets_exactly_its_new_records),
	    R(an_ok_scope_with_no_records_is_emptied),
	    R(a_cycle_whose_records_were_not_kept_is_not_applied),
	    R(a_failed_scope_keeps_its_old_records),
	    R(a_scope_no_longer_mentioned_loses_its_records),
	    R(a_partial_refresh_leaves_unmentioned_scopes),
	    R(glob_syntax_is_redis),
	    R(match_lists_the_ids_of_a_type_matching_a_glob),
	    R(scope_records_are_what_the_agent_stored_there_last),
	    R(another_agents_records_are_untouched),
	    R(new_attributes_replace_old_ones),
	    R(scan_visits_ids_in_byte_order),
	    R(scan_matches_the_prefix_and_nothing_longer),
	    R(scan_is_per_type),
	    R(a_non_zero_return_stops_the_scan),
	    R(get_finds_one_record_by_type_and_id),
	    R(forgetting_an_agent_drops_only_its_records),
	    R(scope_records_are_what_the_scope_holds),
	    R(a_record_that_moves_scope_belongs_to_the_new_one),
	    R(the_keys_are_clouddriver_s_layout),
	    R(a_failed_scope_keeps_its_ids_in_all),
	    R(a_type_emptied_gets_an_empty_all_list),
	    R(a_steady_cycle_writes_nothing),
	    R(the_first_fill_notes_nothing),
	    R(a_push_before_the_first_cycle_is_part_of_the_fill),
	    R(a_cycle_with_a_failed_scope_does_not_end_the_fill),
	    R(a_fill_without_noting_still_ends_the_fill),
	    R(a_forgotten_agent_fills_again),
	    R(two_handles_share_the_fill),
	    R(an_older_cdhost_s_cache_counts_as_filled),
	    R(new_and_changed_records_are_noted_with_the_old),
	    R(a_failed_scope_notes_nothing),
	    R(no_changes_are_noted_unless_asked),
	    R(of_two_nodes_only_the_writer_notes_a_change),
	    R(a_push_on_another_node_before_the_writes_survives),
	    R(a_push_on_another_node_inside_the_check_survives),
	    R(a_scope_pushed_on_another_node_outlives_a_cycle),
	    R(a_kept_time_is_never_lowered),
	    R(a_restarted_empty_redis_is_refilled_by_the_next_apply),
	    R(redis_down_is_unavailable),
	    R(a_password_is_never_in_an_error),
	};

	int failed = cmocka_run_group_tests_name("sqlite", tests, NULL, NULL);

	failed += cmocka_run_group_tests_name("memory", memory, NULL, NULL);
	return failed + cmocka_run_group_tests_name("redis", redis, redis_start,
						    redis_stop);
}
