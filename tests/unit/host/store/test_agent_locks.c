/*
 * test_agent_locks - Clouddriver's agent lock protocol against a real
 * redis-server this test starts on loopback (with a password): SET NX PX
 * takes a free lock only, the release scripts touch a lock only while it
 * holds this node's value (a refusal says whether another value held it,
 * compare-and-set leaves the TTL asked for,
 * compare-and-delete removes it), a lock held by a Clouddriver node is left
 * alone, the look re-asserts runs in flight, the TTL arithmetic, and Redis
 * down then back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <hiredis/hiredis.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/agent_locks.h"
#include "store/store.h"
#include "redis_server.h"

#define KEY "hub/DockerRegistryImageCachingAgent[1/1]"
#define PASSWORD "lock-test-secret"

static struct redis_server server = { .pid = -1 };
static struct cdh_store *store;
static struct cdh_agent_locks *node_a, *node_b;

static redisContext *admin(void)
{
	return redis_server_connect(&server);
}

/* One admin command; its reply as text ("(nil)" for nil, the integer). */
static void admin_command(char *out, size_t outlen, const char *fmt,
			  const char *arg1, const char *arg2)
{
	redisContext *c = admin();
	redisReply *r = c ? redisCommand(c, fmt, arg1, arg2) : NULL;

	assert_non_null(r);
	if (r->type == REDIS_REPLY_INTEGER)
		snprintf(out, outlen, "%lld", r->integer);
	else if (r->type == REDIS_REPLY_NIL)
		snprintf(out, outlen, "(nil)");
	else
		snprintf(out, outlen, "%s", r->str);
	freeReplyObject(r);
	redisFree(c);
}

static long long pttl(void)
{
	char out[64];

	admin_command(out, sizeof(out), "PTTL %s", KEY, NULL);
	return strtoll(out, NULL, 10);
}

static void value(char *out, size_t outlen)
{
	admin_command(out, outlen, "GET %s", KEY, NULL);
}

static void redis_kill(void)
{
	redis_server_stop(&server, SIGKILL);
}

static int group_setup(void **state)
{
	char url[128], err[512];

	(void)state;
	if (redis_server_start(&server, PASSWORD) != 0)
		return -1;
	snprintf(url, sizeof(url), "redis://:%s@127.0.0.1:%d/0", PASSWORD,
		 server.port);
	store = cdh_store_open_redis(url, NULL, err, sizeof(err));
	node_a = store ? cdh_agent_locks_open(store, err, sizeof(err)) : NULL;
	node_b = store ? cdh_agent_locks_open(store, err, sizeof(err)) : NULL;
	return node_a && node_b ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	cdh_agent_locks_close(node_a);
	cdh_agent_locks_close(node_b);
	cdh_store_close(store);
	redis_kill();
	return 0;
}

static int clean(void **state)
{
	char out[64];

	(void)state;
	admin_command(out, sizeof(out), "FLUSHALL", NULL, NULL);
	return 0;
}

static int take(struct cdh_agent_locks *l, const char *node, int64_t px)
{
	const char *keys[1] = { KEY };
	char err[512];
	int won = -1;

	assert_int_equal(cdh_agent_locks_acquire(l, keys, 1, node, &px, &won,
						 err, sizeof(err)), 0);
	return won;
}

/* Clouddriver's arithmetic: the rest of the interval, 0 under 500 ms. */
static void test_ttl(void **state)
{
	(void)state;
	assert_int_equal(cdh_agent_lock_ttl(30000, 12000), 18000);
	assert_int_equal(cdh_agent_lock_ttl(10500, 10000), 500);
	assert_int_equal(cdh_agent_lock_ttl(10499, 10000), 0);
	assert_int_equal(cdh_agent_lock_ttl(9000, 10000), 0);
}

/* Memory and SQLite share nothing: no lock client, and no error. */
static void test_no_server(void **state)
{
	char err[512] = "x";
	struct cdh_store *mem = cdh_store_open_memory(err, sizeof(err));

	(void)state;
	assert_non_null(mem);
	assert_null(cdh_agent_locks_open(mem, err, sizeof(err)));
	assert_string_equal(err, "");
	cdh_store_close(mem);
}

/* SET NX PX: the first node takes it for PX ms, the second is refused
 * (lost: another value holds it); the first, trying again under its own
 * key, is refused too, but lost nothing. */
static void test_acquire(void **state)
{
	char v[128];
	long long ttl;

	(void)state;
	assert_int_equal(take(node_a, "a", 60000), CDH_LOCK_TAKEN);
	assert_int_equal(take(node_b, "b", 60000), CDH_LOCK_LOST);
	assert_int_equal(take(node_a, "a", 60000), CDH_LOCK_NOT_TAKEN);
	value(v, sizeof(v));
	assert_string_equal(v, "a");
	ttl = pttl();
	assert_true(ttl > 50000 && ttl <= 60000);
}

/* Compare-and-set: the owner leaves the TTL it asks; another node cannot. */
static void test_release_keeps_schedule(void **state)
{
	char err[512], v[128], last[256];
	long long ttl;

	(void)state;
	assert_int_equal(take(node_a, "a", 60000), 1);
	assert_int_equal(cdh_agent_locks_release(node_b, KEY, "b", 5000, NULL,
						 err, sizeof(err)), 0);
	assert_true(pttl() > 50000);
	assert_int_equal(cdh_agent_locks_release(node_a, KEY, "a", 5000,
						 "{\"node\":\"a\"}", err,
						 sizeof(err)), 1);
	value(v, sizeof(v));
	assert_string_equal(v, "a");
	ttl = pttl();
	assert_true(ttl > 4000 && ttl <= 5000);
	admin_command(last, sizeof(last), "HGET %s %s", CDH_LOCK_LAST_RUN_KEY, KEY);
	assert_string_equal(last, "{\"node\":\"a\"}");
	/* The key is the schedule: nobody takes it before it expires. */
	assert_int_equal(take(node_b, "b", 60000), CDH_LOCK_LOST);
}

/* Compare-and-delete: under 500 ms left, the owner frees it at once. */
static void test_release_deletes(void **state)
{
	char err[512], v[128];

	(void)state;
	assert_int_equal(take(node_a, "a", 60000), 1);
	assert_int_equal(cdh_agent_locks_release(node_b, KEY, "b", 0, NULL, err,
						 sizeof(err)), 0);
	value(v, sizeof(v));
	assert_string_equal(v, "a");
	assert_int_equal(cdh_agent_locks_release(node_a, KEY, "a", 0, NULL, err,
						 sizeof(err)), 1);
	value(v, sizeof(v));
	assert_string_equal(v, "(nil)");
	assert_int_equal(take(node_b, "b", 60000), 1);
}

/* A Clouddriver node's lock: never taken, never released by us. */
static void test_foreign_lock(void **state)
{
	char err[512], v[128], out[64];

	(void)state;
	admin_command(out, sizeof(out), "SET %s %s PX 60000", KEY, "clouddriver-1");
	assert_int_equal(take(node_a, "a", 60000), CDH_LOCK_LOST);
	assert_int_equal(cdh_agent_locks_release(node_a, KEY, "a", 5000, NULL,
						 err, sizeof(err)), 0);
	assert_int_equal(cdh_agent_locks_release(node_a, KEY, "a", 0, NULL, err,
						 sizeof(err)), 0);
	value(v, sizeof(v));
	assert_string_equal(v, "clouddriver-1");
	assert_true(pttl() > 50000);
}

/* The look: owners and last runs; a run in flight gets its vanished lock
 * back, one not in flight does not. */
static void test_look(void **state)
{
	const char *keys[2] = { KEY, "other/X[1/1]" };
	int64_t holds[2] = { 7000, 0 };
	char *owners[2], *last[2], err[512], out[64];
	long long ttl;

	(void)state;
	admin_command(out, sizeof(out), "HSET %s %s {\"node\":\"c\"}",
		      CDH_LOCK_LAST_RUN_KEY, "other/X[1/1]");
	assert_int_equal(cdh_agent_locks_look(node_a, keys, 2, "a", holds, owners,
					      last, err, sizeof(err)), 0);
	assert_string_equal(owners[0], "a"); /* re-asserted, then read */
	assert_null(owners[1]);
	assert_null(last[0]);
	assert_string_equal(last[1], "{\"node\":\"c\"}");
	ttl = pttl();
	assert_true(ttl > 6000 && ttl <= 7000);
	free(owners[0]);
	free(last[1]);
	/* Held by another node by now: the re-assert leaves it. */
	admin_command(out, sizeof(out), "SET %s %s", KEY, "b");
	assert_int_equal(cdh_agent_locks_look(node_a, keys, 1, "a", holds, owners,
					      last, err, sizeof(err)), 0);
	assert_string_equal(owners[0], "b");
	free(owners[0]);
}

/* Redis down: unavailable (no password in the message); back: at once. */
static void test_redis_down_and_back(void **state)
{
	char err[512];
	const char *keys[1] = { KEY };
	int64_t px = 60000;
	int won = 0;

	(void)state;
	assert_int_equal(take(node_a, "a", 60000), 1);
	redis_kill();
	assert_int_equal(cdh_agent_locks_acquire(node_a, keys, 1, "a", &px, &won,
						 err, sizeof(err)),
			 CDH_STORE_UNAVAILABLE);
	assert_non_null(strstr(err, "redis 127.0.0.1"));
	assert_null(strstr(err, PASSWORD));
	assert_int_equal(cdh_agent_locks_release(node_a, KEY, "a", 0, NULL, err,
						 sizeof(err)),
			 CDH_STORE_UNAVAILABLE);
	assert_int_equal(redis_server_respawn(&server), 0);
	/* A connection from before the restart fails once, and is not
	 * retried behind the caller's back: the scheduler must learn of the
	 * outage (its grace after one). The next call reconnects at once. */
	assert_int_equal(cdh_agent_locks_acquire(node_b, keys, 1, "b", &px, &won,
						 err, sizeof(err)),
			 CDH_STORE_UNAVAILABLE);
	/* Restarted empty: the lock went with it. */
	assert_int_equal(take(node_b, "b", 60000), CDH_LOCK_TAKEN);
	assert_int_equal(take(node_a, "a", 60000), CDH_LOCK_LOST);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ttl),
		cmocka_unit_test(test_no_server),
		cmocka_unit_test_setup(test_acquire, clean),
		cmocka_unit_test_setup(test_release_keeps_schedule, clean),
		cmocka_unit_test_setup(test_release_deletes, clean),
		cmocka_unit_test_setup(test_foreign_lock, clean),
		cmocka_unit_test_setup(test_look, clean),
		cmocka_unit_test_setup(test_redis_down_and_back, clean),
	};

	return cmocka_run_group_tests_name("agent_locks", tests, group_setup,
					   group_teardown);
}
