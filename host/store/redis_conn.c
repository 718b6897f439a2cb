#include "store/redis_conn.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store.h"

#define CONNECT_TIMEOUT_MS 2000
#define READ_TIMEOUT_MS 10000
#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS 5000

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static struct timeval ms_tv(int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	return tv;
}

void cdh__redis_pool_init(struct cdh__redis_pool *pool,
			  const struct cdh_redis_url *url, const char *password)
{
	memset(pool, 0, sizeof(*pool));
	pool->url = *url;
	if (password)
		snprintf(pool->url.password, sizeof(pool->url.password), "%s",
			 password);
	pthread_mutex_init(&pool->lock, NULL);
}

void cdh__redis_pool_release(struct cdh__redis_pool *pool)
{
	size_t i;

	for (i = 0; i < pool->idle_count; i++)
		redisFree(pool->idle[i]);
	pthread_mutex_destroy(&pool->lock);
	/* The password leaves memory with the pool. */
	memset(&pool->url, 0, sizeof(pool->url));
}

static void note_down(struct cdh__redis_pool *pool, const char *why)
{
	redisContext *stale[CDH_REDIS_READERS];
	size_t n, i;

	pthread_mutex_lock(&pool->lock);
	pool->down = 1;
	snprintf(pool->last_error, sizeof(pool->last_error), "%s", why);
	pool->backoff_ms = pool->backoff_ms ? pool->backoff_ms * 2 : BACKOFF_FIRST_MS;
	if (pool->backoff_ms > BACKOFF_MAX_MS)
		pool->backoff_ms = BACKOFF_MAX_MS;
	pool->retry_at_ns = now_ns() + (uint64_t)pool->backoff_ms * 1000000u;
	/* A restarted Redis broke every idle reader too: drop them all, so
	 * one request fails instead of one per pooled connection. */
	n = pool->idle_count;
	memcpy(stale, pool->idle, n * sizeof(*stale));
	pool->idle_count = 0;
	pthread_mutex_unlock(&pool->lock);
	for (i = 0; i < n; i++)
		redisFree(stale[i]);
}

void cdh__redis_retry_now(struct cdh__redis_pool *pool)
{
	pthread_mutex_lock(&pool->lock);
	pool->retry_at_ns = 0;
	pthread_mutex_unlock(&pool->lock);
}

void cdh__redis_answered(struct cdh__redis_pool *pool)
{
	pthread_mutex_lock(&pool->lock);
	pool->down = 0;
	pool->backoff_ms = 0;
	pool->retry_at_ns = 0;
	pthread_mutex_unlock(&pool->lock);
}

int cdh__redis_io_failed(struct cdh__redis_pool *pool, redisContext *c,
			 char *err, size_t errlen)
{
	char why[256];

	snprintf(why, sizeof(why), "redis %s:%d: %s", pool->url.host,
		 pool->url.port, c && c->errstr[0] ? c->errstr : "no connection");
	note_down(pool, why);
	snprintf(err, errlen, "cache store: %s", why);
	return CDH_STORE_UNAVAILABLE;
}

/* Sends one command at connect time; 0, or -1 with its error reply. */
static int setup_command(redisContext *c, int argc, const char **argv,
			 char *why, size_t whylen)
{
	redisReply *r = redisCommandArgv(c, argc, argv, NULL);
	int rc = r && r->type != REDIS_REPLY_ERROR ? 0 : -1;

	if (r && rc)
		snprintf(why, whylen, "%s", r->str);
	freeReplyObject(r);
	return rc;
}

/* AUTH and SELECT on a fresh connection. 0, -1 (refused) or unavailable. */
static int authenticate(struct cdh__redis_pool *pool, redisContext *c,
			char *err, size_t errlen)
{
	const struct cdh_redis_url *u = &pool->url;
	const char *auth[3] = { "AUTH", u->user, u->password };
	char db[16], why[200] = "";
	const char *select[2] = { "SELECT", db };
	int rc = 0;

	snprintf(db, sizeof(db), "%d", u->db);
	if (u->password[0])
		rc = u->user[0] ? setup_command(c, 3, auth, why, sizeof(why))
				: setup_command(c, 2, (const char *[]){ "AUTH",
									u->password },
						why, sizeof(why));
	if (rc == 0 && u->db)
		rc = setup_command(c, 2, select, why, sizeof(why));
	if (rc == 0)
		return 0;
	if (c->err)
		return cdh__redis_io_failed(pool, c, err, errlen);
	/* An error reply: a wrong password or database is no outage. */
	snprintf(err, errlen, "cache store: redis %s:%d refused the connection: %s",
		 u->host, u->port, why);
	note_down(pool, err + strlen("cache store: "));
	return -1;
}

redisContext *cdh__redis_connect(struct cdh__redis_pool *pool, int timeout_ms,
				 int *rc, char *err, size_t errlen)
{
	redisContext *c;
	uint64_t retry_at;

	pthread_mutex_lock(&pool->lock);
	retry_at = pool->retry_at_ns;
	if (retry_at && now_ns() < retry_at) {
		snprintf(err, errlen, "cache store: %s (retrying)", pool->last_error);
		pthread_mutex_unlock(&pool->lock);
		*rc = CDH_STORE_UNAVAILABLE;
		return NULL;
	}
	pthread_mutex_unlock(&pool->lock);
	c = redisConnectWithTimeout(pool->url.host, pool->url.port,
				    ms_tv(CONNECT_TIMEOUT_MS));
	if (!c || c->err) {
		*rc = cdh__redis_io_failed(pool, c, err, errlen);
		redisFree(c);
		return NULL;
	}
	redisSetTimeout(c, ms_tv(timeout_ms));
	redisEnableKeepAlive(c);
	if ((*rc = authenticate(pool, c, err, errlen)) != 0) {
		redisFree(c);
		return NULL;
	}
	cdh__redis_answered(pool);
	return c;
}

redisContext *cdh__redis_reader_get(struct cdh__redis_pool *pool, int *rc,
				    char *err, size_t errlen)
{
	redisContext *c = NULL;

	pthread_mutex_lock(&pool->lock);
	if (pool->idle_count)
		c = pool->idle[--pool->idle_count];
	pthread_mutex_unlock(&pool->lock);
	return c ? c : cdh__redis_connect(pool, READ_TIMEOUT_MS, rc, err, errlen);
}

void cdh__redis_reader_put(struct cdh__redis_pool *pool, redisContext *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&pool->lock);
	if (!c->err && pool->idle_count < CDH_REDIS_READERS) {
		pool->idle[pool->idle_count++] = c;
		c = NULL;
	}
	pthread_mutex_unlock(&pool->lock);
	redisFree(c);
}

int cdh__redis_ping(struct cdh__redis_pool *pool, char *why, size_t whylen)
{
	char err[300];
	int rc = 0;
	redisContext *c = cdh__redis_reader_get(pool, &rc, err, sizeof(err));
	redisReply *r = c ? redisCommand(c, "PING") : NULL;

	int up = r && r->type != REDIS_REPLY_ERROR;

	if (c && !r)
		cdh__redis_io_failed(pool, c, err, sizeof(err));
	else if (r && !up)
		snprintf(err, sizeof(err), "redis %s:%d: %s", pool->url.host,
			 pool->url.port, r->str);
	else if (r)
		cdh__redis_answered(pool);
	freeReplyObject(r);
	cdh__redis_reader_put(pool, c);
	if (up)
		return 0;
	/* Without the "cache store: " prefix: /health names the store itself. */
	snprintf(why, whylen, "%s",
		 strncmp(err, "cache store: ", 13) == 0 ? err + 13 : err);
	return -1;
}

/* ---- building commands ---- */

void cdh__redis_cmd_reset(struct cdh__redis_cmd *cmd)
{
	cmd->len = 0;
	cmd->argc = 0;
	cmd->nomem = 0;
}

void cdh__redis_cmd_release(struct cdh__redis_cmd *cmd)
{
	free(cmd->buf);
	free(cmd->offs);
	free(cmd->lens);
	memset(cmd, 0, sizeof(*cmd));
}

static int cmd_reserve(struct cdh__redis_cmd *cmd, size_t more)
{
	if (cmd->argc == cmd->arg_cap) {
		size_t n = cmd->arg_cap ? cmd->arg_cap * 2 : 64;
		size_t *offs = realloc(cmd->offs, n * sizeof(*offs));
		size_t *lens = offs ? realloc(cmd->lens, n * sizeof(*lens)) : NULL;

		if (offs)
			cmd->offs = offs;
		if (!lens)
			return -1;
		cmd->lens = lens;
		cmd->arg_cap = n;
	}
	if (more > cmd->cap - cmd->len) {
		size_t cap = cmd->cap ? cmd->cap : 4096;
		char *buf;

		while (more > cap - cmd->len)
			cap *= 2;
		buf = realloc(cmd->buf, cap);
		if (!buf)
			return -1;
		cmd->buf = buf;
		cmd->cap = cap;
	}
	return 0;
}

void cdh__redis_cmd_arg(struct cdh__redis_cmd *cmd, const char *s, size_t len)
{
	cdh__redis_cmd_join(cmd, 0);
	cdh__redis_cmd_append(cmd, s, len);
}

void cdh__redis_cmd_append(struct cdh__redis_cmd *cmd, const char *s, size_t len)
{
	if (cmd->argc == 0)
		cmd->nomem = 1;
	if (cmd->nomem || cmd_reserve(cmd, len) != 0) {
		cmd->nomem = 1;
		return;
	}
	memcpy(cmd->buf + cmd->len, s, len);
	cmd->len += len;
	cmd->lens[cmd->argc - 1] += len;
}

void cdh__redis_cmd_str(struct cdh__redis_cmd *cmd, const char *s)
{
	cdh__redis_cmd_arg(cmd, s, strlen(s));
}

void cdh__redis_cmd_join(struct cdh__redis_cmd *cmd, size_t n, ...)
{
	va_list ap;
	size_t i;

	if (cmd->nomem || cmd_reserve(cmd, 0) != 0) {
		cmd->nomem = 1;
		return;
	}
	cmd->offs[cmd->argc] = cmd->len;
	cmd->lens[cmd->argc++] = 0;
	va_start(ap, n);
	for (i = 0; i < n && !cmd->nomem; i++) {
		const char *s = va_arg(ap, const char *);
		size_t len = strlen(s);

		if (cmd_reserve(cmd, len) != 0) {
			cmd->nomem = 1;
			break;
		}
		memcpy(cmd->buf + cmd->len, s, len);
		cmd->len += len;
		cmd->lens[cmd->argc - 1] += len;
	}
	va_end(ap);
}

/* ---- pipelines ---- */

void cdh__redis_pipe_init(struct cdh__redis_pipe *pipe, redisContext *c)
{
	memset(pipe, 0, sizeof(*pipe));
	pipe->c = c;
}

static int pipe_fail(struct cdh__redis_pipe *pipe, int rc, const char *why)
{
	if (!pipe->failed) {
		pipe->failed = rc;
		snprintf(pipe->err, sizeof(pipe->err), "%s", why);
	}
	return pipe->failed;
}

int cdh__redis_pipe_append(struct cdh__redis_pipe *pipe,
			   struct cdh__redis_cmd *cmd)
{
	const char **argv;
	size_t i;
	int rc;

	if (pipe->failed)
		return pipe->failed;
	argv = cmd->nomem ? NULL : malloc((cmd->argc + 1) * sizeof(*argv));
	if (!argv)
		return pipe_fail(pipe, -1, "out of memory");
	for (i = 0; i < cmd->argc; i++)
		argv[i] = cmd->buf + cmd->offs[i];
	rc = redisAppendCommandArgv(pipe->c, (int)cmd->argc, argv, cmd->lens);
	free(argv);
	if (rc != REDIS_OK)
		return pipe_fail(pipe, -1, "out of memory");
	cdh__redis_cmd_reset(cmd);
	pipe->sent++;
	return 0;
}

redisReply *cdh__redis_pipe_next(struct cdh__redis_pipe *pipe)
{
	void *reply = NULL;

	if (pipe->failed)
		return NULL;
	if (redisGetReply(pipe->c, &reply) != REDIS_OK || !reply) {
		pipe_fail(pipe, CDH_STORE_UNAVAILABLE, pipe->c->errstr);
		return NULL;
	}
	return reply;
}

/* A reply that is an error, or an EXEC whose queued commands failed. */
static const char *reply_error(const redisReply *r)
{
	size_t i;

	if (r->type == REDIS_REPLY_ERROR)
		return r->str;
	if (r->type == REDIS_REPLY_ARRAY)
		for (i = 0; i < r->elements; i++)
			if (r->element[i]->type == REDIS_REPLY_ERROR)
				return r->element[i]->str;
	return NULL;
}

int cdh__redis_pipe_flush(struct cdh__redis_pipe *pipe)
{
	while (pipe->pending && !pipe->failed) {
		redisReply *r = cdh__redis_pipe_next(pipe);
		const char *why = r ? reply_error(r) : NULL;

		if (why)
			pipe_fail(pipe, -1, why);
		freeReplyObject(r);
		pipe->pending--;
	}
	return pipe->failed;
}

int cdh__redis_pipe_send(struct cdh__redis_pipe *pipe,
			 struct cdh__redis_cmd *cmd)
{
	if (cdh__redis_pipe_append(pipe, cmd) != 0)
		return pipe->failed;
	if (++pipe->pending >= CDH_REDIS_BATCH)
		return cdh__redis_pipe_flush(pipe);
	return 0;
}

redisReply *cdh__redis_pipe_call(struct cdh__redis_pipe *pipe,
				 struct cdh__redis_cmd *cmd)
{
	redisReply *r;

	if (cdh__redis_pipe_flush(pipe) != 0 ||
	    cdh__redis_pipe_append(pipe, cmd) != 0)
		return NULL;
	r = cdh__redis_pipe_next(pipe);
	if (r && r->type == REDIS_REPLY_ERROR) {
		pipe_fail(pipe, -1, r->str);
		freeReplyObject(r);
		return NULL;
	}
	return r;
}
