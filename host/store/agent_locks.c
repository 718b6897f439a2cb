#include "store/agent_locks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/redis_conn.h"
#include "store/store_backend.h"

/* Short: the scheduler's control thread waits for these. */
#define COMMAND_TIMEOUT_MS 1000

/* Clouddriver's release scripts, in behaviour (never its text): touch the
 * key only while it still holds this node's value. 1 done, 0 not ours. */
static const char CAS_SCRIPT[] =
	"if redis.call('get', KEYS[1]) == ARGV[1] then "
	"redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2], 'XX') return 1 "
	"else return 0 end";
static const char CAD_SCRIPT[] =
	"if redis.call('get', KEYS[1]) == ARGV[1] then "
	"return redis.call('del', KEYS[1]) else return 0 end";

struct cdh_agent_locks {
	struct cdh__redis_pool pool; /* ours: its backoff is not the store's */
	redisContext *c;
	struct cdh__redis_cmd cmd;
};

struct cdh_agent_locks *cdh_agent_locks_open(struct cdh_store *store,
					     char *err, size_t errlen)
{
	struct cdh_agent_locks *locks;
	struct cdh_redis_url url;

	err[0] = '\0';
	if (cdh__store_server(store, &url) != 0)
		return NULL;
	locks = calloc(1, sizeof(*locks));
	if (!locks) {
		snprintf(err, errlen, "agent locks: out of memory");
		memset(&url, 0, sizeof(url));
		return NULL;
	}
	cdh__redis_pool_init(&locks->pool, &url, NULL);
	memset(&url, 0, sizeof(url));
	return locks;
}

void cdh_agent_locks_close(struct cdh_agent_locks *locks)
{
	if (!locks)
		return;
	redisFree(locks->c);
	cdh__redis_cmd_release(&locks->cmd);
	cdh__redis_pool_release(&locks->pool);
	free(locks);
}

int64_t cdh_agent_lock_ttl(int64_t next_ms, int64_t now_ms)
{
	int64_t ttl = next_ms - now_ms;

	return ttl < CDH_LOCK_DELETE_BELOW_MS ? 0 : ttl;
}

/* The connection, (re)made if needed; 0 or the failure. Each call may try
 * at once: the scheduler calls once a second, and must learn within a
 * second that Redis is back (see the grace in scheduler.c). */
static int connection(struct cdh_agent_locks *l, char *err, size_t errlen)
{
	int rc = 0;

	if (l->c && !l->c->err)
		return 0;
	redisFree(l->c);
	cdh__redis_retry_now(&l->pool);
	l->c = cdh__redis_connect(&l->pool, COMMAND_TIMEOUT_MS, &rc, err, errlen);
	return l->c ? 0 : rc;
}

/* Ends a round trip: an I/O failure drops the connection. */
static int finish(struct cdh_agent_locks *l, struct cdh__redis_pipe *pipe,
		  char *err, size_t errlen)
{
	int rc = pipe->failed;

	if (rc == CDH_STORE_UNAVAILABLE) {
		rc = cdh__redis_io_failed(&l->pool, l->c, err, errlen);
		redisFree(l->c);
		l->c = NULL;
	} else if (rc) {
		snprintf(err, errlen, "agent locks: redis: %s", pipe->err);
	}
	return rc;
}

static void send_set_nx(struct cdh_agent_locks *l, struct cdh__redis_pipe *pipe,
			const char *key, const char *node, int64_t px_ms)
{
	char px[24];

	snprintf(px, sizeof(px), "%lld", (long long)px_ms);
	cdh__redis_cmd_str(&l->cmd, "SET");
	cdh__redis_cmd_str(&l->cmd, key);
	cdh__redis_cmd_str(&l->cmd, node);
	cdh__redis_cmd_str(&l->cmd, "NX");
	cdh__redis_cmd_str(&l->cmd, "PX");
	cdh__redis_cmd_str(&l->cmd, px);
	cdh__redis_pipe_append(pipe, &l->cmd);
}

/* Reads one reply; 1 for "OK", 0 for nil, -1 on failure (pipe says why). */
static int read_ok(struct cdh__redis_pipe *pipe)
{
	redisReply *r = cdh__redis_pipe_next(pipe);
	int ok = -1;

	if (r && r->type == REDIS_REPLY_STATUS && strcmp(r->str, "OK") == 0)
		ok = 1;
	else if (r && r->type == REDIS_REPLY_NIL)
		ok = 0;
	else if (r && !pipe->failed) {
		pipe->failed = -1;
		snprintf(pipe->err, sizeof(pipe->err), "%s",
			 r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
	}
	freeReplyObject(r);
	return ok;
}

static void send_keys(struct cdh_agent_locks *l, struct cdh__redis_pipe *pipe,
		      const char *command, const char *hash,
		      const char *const *keys, size_t n)
{
	size_t i;

	cdh__redis_cmd_str(&l->cmd, command);
	if (hash)
		cdh__redis_cmd_str(&l->cmd, hash);
	for (i = 0; i < n; i++)
		cdh__redis_cmd_str(&l->cmd, keys[i]);
	cdh__redis_pipe_append(pipe, &l->cmd);
}

/* Reads a GET's reply: whether it names a value other than `node`. */
static int read_other_holder(struct cdh__redis_pipe *pipe, const char *node)
{
	redisReply *r = cdh__redis_pipe_next(pipe);
	int other = r && r->type == REDIS_REPLY_STRING && strcmp(r->str, node) != 0;

	if (r && r->type != REDIS_REPLY_STRING && r->type != REDIS_REPLY_NIL &&
	    !pipe->failed) {
		pipe->failed = -1;
		snprintf(pipe->err, sizeof(pipe->err), "%s",
			 r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
	}
	freeReplyObject(r);
	return other;
}

int cdh_agent_locks_acquire(struct cdh_agent_locks *l, const char *const *keys,
			    size_t n, const char *node, const int64_t *px_ms,
			    int *won, char *err, size_t errlen)
{
	struct cdh__redis_pipe pipe;
	size_t i;
	int rc = connection(l, err, errlen);

	if (rc != 0)
		return rc;
	cdh__redis_pipe_init(&pipe, l->c);
	for (i = 0; i < n; i++) {
		send_set_nx(l, &pipe, keys[i], node, px_ms[i]);
		/* Not SET .. NX GET: Redis before 7.0 refuses NX with GET. */
		send_keys(l, &pipe, "GET", NULL, &keys[i], 1);
	}
	/* Every reply is read, even after an error reply, so that the
	 * connection stays in step. */
	for (i = 0; i < n; i++) {
		int taken = read_ok(&pipe) == 1;
		int other = read_other_holder(&pipe, node);

		won[i] = taken ? CDH_LOCK_TAKEN
			 : other ? CDH_LOCK_LOST : CDH_LOCK_NOT_TAKEN;
	}
	return finish(l, &pipe, err, errlen);
}

static void send_release(struct cdh_agent_locks *l, struct cdh__redis_pipe *pipe,
			 const char *key, const char *node, int64_t ttl_ms)
{
	char ttl[24];

	snprintf(ttl, sizeof(ttl), "%lld", (long long)ttl_ms);
	cdh__redis_cmd_str(&l->cmd, "EVAL");
	cdh__redis_cmd_str(&l->cmd, ttl_ms > 0 ? CAS_SCRIPT : CAD_SCRIPT);
	cdh__redis_cmd_str(&l->cmd, "1");
	cdh__redis_cmd_str(&l->cmd, key);
	cdh__redis_cmd_str(&l->cmd, node);
	if (ttl_ms > 0)
		cdh__redis_cmd_str(&l->cmd, ttl);
	cdh__redis_pipe_append(pipe, &l->cmd);
}

int cdh_agent_locks_release(struct cdh_agent_locks *l, const char *key,
			    const char *node, int64_t ttl_ms,
			    const char *last_run_json, char *err, size_t errlen)
{
	struct cdh__redis_pipe pipe;
	redisReply *r;
	int rc = connection(l, err, errlen), done = 0;

	if (rc != 0)
		return rc;
	cdh__redis_pipe_init(&pipe, l->c);
	send_release(l, &pipe, key, node, ttl_ms);
	if (last_run_json) {
		cdh__redis_cmd_str(&l->cmd, "HSET");
		cdh__redis_cmd_str(&l->cmd, CDH_LOCK_LAST_RUN_KEY);
		cdh__redis_cmd_str(&l->cmd, key);
		cdh__redis_cmd_str(&l->cmd, last_run_json);
		pipe.pending++; /* its reply is only checked */
		cdh__redis_pipe_append(&pipe, &l->cmd);
	}
	r = cdh__redis_pipe_next(&pipe);
	if (r && r->type == REDIS_REPLY_INTEGER)
		done = r->integer > 0;
	else if (r && !pipe.failed) {
		pipe.failed = -1;
		snprintf(pipe.err, sizeof(pipe.err), "%s",
			 r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
	}
	freeReplyObject(r);
	cdh__redis_pipe_flush(&pipe);
	rc = finish(l, &pipe, err, errlen);
	return rc ? rc : done;
}

/* An array reply of n strings or nils into out[] (new strings). */
static void read_strings(struct cdh__redis_pipe *pipe, char **out, size_t n)
{
	redisReply *r = cdh__redis_pipe_next(pipe);
	size_t i;

	if (r && (r->type != REDIS_REPLY_ARRAY || r->elements != n) &&
	    !pipe->failed) {
		pipe->failed = -1;
		snprintf(pipe->err, sizeof(pipe->err), "%s",
			 r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
	}
	for (i = 0; !pipe->failed && i < n; i++) {
		const redisReply *e = r->element[i];

		out[i] = e->type == REDIS_REPLY_STRING ? strdup(e->str) : NULL;
	}
	freeReplyObject(r);
}

int cdh_agent_locks_look(struct cdh_agent_locks *l, const char *const *keys,
			 size_t n, const char *node, const int64_t *holds_px,
			 char **owners, char **last_runs, char *err,
			 size_t errlen)
{
	struct cdh__redis_pipe pipe;
	size_t i, held = 0;
	int rc;

	memset(owners, 0, n * sizeof(*owners));
	memset(last_runs, 0, n * sizeof(*last_runs));
	if (n == 0)
		return 0;
	if ((rc = connection(l, err, errlen)) != 0)
		return rc;
	cdh__redis_pipe_init(&pipe, l->c);
	for (i = 0; i < n; i++)
		if (holds_px && holds_px[i] > 0) {
			send_set_nx(l, &pipe, keys[i], node, holds_px[i]);
			held++;
		}
	send_keys(l, &pipe, "MGET", NULL, keys, n);
	send_keys(l, &pipe, "HMGET", CDH_LOCK_LAST_RUN_KEY, keys, n);
	for (i = 0; i < held; i++)
		read_ok(&pipe);
	read_strings(&pipe, owners, n);
	read_strings(&pipe, last_runs, n);
	rc = finish(l, &pipe, err, errlen);
	for (i = 0; rc != 0 && i < n; i++) {
		free(owners[i]);
		free(last_runs[i]);
		owners[i] = last_runs[i] = NULL;
	}
	return rc;
}
