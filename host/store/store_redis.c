/*
 * store_redis - the Redis backend of the store, writing Clouddriver's CATS
 * layout byte for byte (reference clouddriver-cluster.md §1.2-1.6) so that
 * cdhost nodes share one cache and an unmodified Clouddriver beside them
 * serves what cdhost cached. With prefix P = the provider (the plugin's
 * config_section) and T = a record's type:
 *
 *   P:T:attributes:ID               the record's attributes JSON
 *   P:T:members                     SET of ids (and _ALL_)
 *   P:T:hashes                      HASH key name -> SHA-1 of UTF-16LE JSON
 *   P:T:attributes:_ALL_            {"id":"_ALL_"}
 *   P:T:relationships:_ALL_:<agent> JSON array: every id the agent holds
 *   P:T:relationships               SET of those relationship names
 *
 * and our own keys under "cdhost:", which Clouddriver never reads:
 *
 *   cdhost:index:T                  ZSET (score 0) of "ID\0P": prefix scans
 *                                   by ZRANGEBYLEX, in id order, at the cost
 *                                   of what they return
 *   cdhost:providers                SET of the prefixes P in use
 *   cdhost:P:scopes:<agent>         SET of the agent's scopes
 *   cdhost:P:scope:<len>:<agent>:<scope>  SET of "T:ID" the scope holds
 *   cdhost:P:observed:<agent>       HASH scope -> when its stored data was
 *                                   read (wall-clock ns, decimal; store.h);
 *                                   WATCHed around each observed scope's
 *                                   transaction, only ever raised
 *   cdhost:P:fill:<agent>           "filling" from the agent's first apply,
 *                                   "filled" once a complete cycle is
 *                                   stored (first fill: store.h)
 *
 * cdhost's ownership is per (agent, scope) (store.h); Clouddriver's is per
 * agent, through _ALL_. The agent's _ALL_ list is the union of its scopes,
 * failed scopes keeping their ids. Each scope's changes go in one
 * MULTI/EXEC (a reader sees a repository whole); attributes are written
 * before SADD to members and SREM comes before DEL, as §1.6 asks, and a key
 * whose stored hash equals the new one is not written again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/redis_conn.h"
#include "store/sha1_utf16.h"
#include "store/store_backend.h"
#include "store/store_redis.h"

#define WRITE_TIMEOUT_MS 30000
#define PASSWORD_MAX 1024

/* Reads the first line of `path` into out. 0 ok, -1 with err (no content). */
static int read_password(const char *path, char *out, size_t outlen,
			 char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	size_t len;

	if (!f) {
		snprintf(err, errlen, "cache store: cannot read passwordFile %s", path);
		return -1;
	}
	if (!fgets(out, (int)outlen, f))
		out[0] = '\0';
	fclose(f);
	len = strcspn(out, "\r\n");
	out[len] = '\0';
	return 0;
}

struct cdh__store_impl *cdh__store_redis_open(const char *url,
					      const char *password_file,
					      char *err, size_t errlen)
{
	struct cdh__store_impl *impl;
	struct cdh_redis_url parsed;
	char password[PASSWORD_MAX] = "", why[256];

	if (cdh_redis_url_parse(url, &parsed, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "cache store: host.cache.url: %s", why);
		return NULL;
	}
	if (password_file &&
	    read_password(password_file, password, sizeof(password), err,
			  errlen) != 0)
		return NULL;
	impl = calloc(1, sizeof(*impl));
	if (!impl) {
		snprintf(err, errlen, "cache store: out of memory");
		return NULL;
	}
	cdh__redis_pool_init(&impl->pool, &parsed,
			     password_file ? password : NULL);
	memset(password, 0, sizeof(password));
	memset(&parsed, 0, sizeof(parsed));
	pthread_mutex_init(&impl->write_lock, NULL);
	return impl;
}

static void redis_close(struct cdh__store_impl *impl)
{
	redisFree(impl->writer);
	cdh__redis_pool_release(&impl->pool);
	pthread_mutex_destroy(&impl->write_lock);
	free(impl);
}

/* The writer connection, (re)connected if needed; 0 or the failure. */
static int writer(struct cdh__store_impl *impl, char *err, size_t errlen)
{
	int rc = 0;

	if (impl->writer && impl->writer->err) {
		redisFree(impl->writer);
		impl->writer = NULL;
	}
	if (!impl->writer)
		impl->writer = cdh__redis_connect(&impl->pool, WRITE_TIMEOUT_MS,
						  &rc, err, errlen);
	return impl->writer ? 0 : rc;
}

/* Ends a write: an I/O failure marks the store down and drops the writer. */
int cdh__redis_write_end(struct cdh__store_impl *impl,
			 struct cdh__redis_pipe *pipe, char *err, size_t errlen)
{
	if (pipe->failed == CDH_STORE_UNAVAILABLE)
		return cdh__redis_io_failed(&impl->pool, impl->writer, err, errlen);
	if (pipe->failed) {
		snprintf(err, errlen, "cache store: redis: %s", pipe->err);
		return -1;
	}
	cdh__redis_answered(&impl->pool);
	return 0;
}

/* One step on the writer (write_lock held): 0 or the failure. */
typedef int (*writer_step_fn)(struct cdh__store_impl *impl, void *ctx,
			      char *err, size_t errlen);

/* Runs `step` under write_lock, once more on a new connection when the
 * writer was from before a Redis restart: a connection from then fails at
 * its first use (applying again is harmless: unchanged keys are skipped). */
static int writer_run(struct cdh__store_impl *impl, const char *provider,
		      writer_step_fn step, void *ctx, char *err, size_t errlen)
{
	int rc, reused;

	if (!provider) {
		snprintf(err, errlen, "cache store: the refresh names no provider");
		return -1;
	}
	pthread_mutex_lock(&impl->write_lock);
	reused = impl->writer && !impl->writer->err;
	rc = step(impl, ctx, err, errlen);
	if (rc == CDH_STORE_UNAVAILABLE && reused) {
		cdh__redis_retry_now(&impl->pool);
		rc = step(impl, ctx, err, errlen);
	}
	pthread_mutex_unlock(&impl->write_lock);
	return rc;
}

struct applying {
	const struct cdh_refresh *refresh;
	const struct cdh__observation *obs;
	size_t n;
};

static int apply_step(struct cdh__store_impl *impl, void *ctx, char *err,
		      size_t errlen)
{
	const struct applying *a = ctx;
	int rc = writer(impl, err, errlen);

	if (rc == 0)
		rc = cdh__redis_apply(impl, a->refresh, a->refresh->provider,
				      a->obs, a->n, err, errlen);
	return rc;
}

/* Applies `refresh` checking the times of obs[0..n) (store_backend.h). */
static int redis_apply_observed(struct cdh__store_impl *impl,
				const struct cdh_refresh *refresh,
				const struct cdh__observation *obs, size_t n,
				char *err, size_t errlen)
{
	struct applying a = { refresh, obs, n };

	return writer_run(impl, refresh->provider, apply_step, &a, err, errlen);
}

static int redis_apply(struct cdh__store_impl *impl,
		       const struct cdh_refresh *refresh, char *err,
		       size_t errlen)
{
	return redis_apply_observed(impl, refresh, NULL, 0, err, errlen);
}

/* The agent's first-fill marker, cdhost:P:fill:<agent>. */
static void fill_key(struct cdh__redis_cmd *cmd, const char *provider,
		     const char *agent)
{
	cdh__redis_cmd_join(cmd, 4, "cdhost:", provider, ":fill:", agent);
}

/* DEL of the agent's marker under `provider`, after its records (records
 * without a marker read as filled). 0 or the failure. */
static int fill_forget(struct cdh__store_impl *impl, const char *provider,
		       const char *agent, char *err, size_t errlen)
{
	struct cdh__redis_cmd cmd = { 0 };
	struct cdh__redis_pipe pipe;
	int nomem;

	cdh__redis_pipe_init(&pipe, impl->writer);
	cdh__redis_cmd_str(&cmd, "DEL");
	fill_key(&cmd, provider, agent);
	nomem = cmd.nomem;
	if (!nomem)
		freeReplyObject(cdh__redis_pipe_call(&pipe, &cmd));
	cdh__redis_cmd_release(&cmd);
	if (nomem) {
		snprintf(err, errlen, "cache store: out of memory");
		return -1;
	}
	return cdh__redis_write_end(impl, &pipe, err, errlen);
}

/* Forgetting is applying an empty cycle under every provider in use. */
static int redis_forget_agent(struct cdh__store_impl *impl, const char *agent,
			      char *err, size_t errlen)
{
	struct cdh_refresh empty;
	redisReply *providers = NULL;
	size_t i;
	int rc;

	memset(&empty, 0, sizeof(empty));
	cdh_record_spool_init(&empty.records, CDH_RECORD_SPOOL_MEMORY);
	empty.agent = (char *)(uintptr_t)agent;
	pthread_mutex_lock(&impl->write_lock);
	rc = writer(impl, err, errlen);
	if (rc == 0) {
		providers = redisCommand(impl->writer, "SMEMBERS cdhost:providers");
		if (!providers)
			rc = cdh__redis_io_failed(&impl->pool, impl->writer, err,
						  errlen);
	}
	for (i = 0; rc == 0 && providers->type == REDIS_REPLY_ARRAY &&
		    i < providers->elements; i++) {
		rc = cdh__redis_apply(impl, &empty, providers->element[i]->str,
				      NULL, 0, err, errlen);
		if (rc == 0)
			rc = fill_forget(impl, providers->element[i]->str, agent,
					 err, errlen);
	}
	freeReplyObject(providers);
	pthread_mutex_unlock(&impl->write_lock);
	return rc;
}

static int redis_health(struct cdh__store_impl *impl, char *why, size_t whylen)
{
	return cdh__redis_ping(&impl->pool, why, whylen);
}

static void redis_server(const struct cdh__store_impl *impl,
			 struct cdh_redis_url *out)
{
	*out = impl->pool.url;
}

/* HMGETs of scopes[0..n), CDH_REDIS_BATCH at a time, into out. */
static int observed_read(struct cdh__redis_pipe *pipe, const char *provider,
			 const char *agent, const char *const *scopes,
			 size_t n, uint64_t *out)
{
	struct cdh__redis_cmd cmd = { 0 };
	size_t i, k, start;
	int rc = 0;

	for (i = 0; rc == 0 && i < n;) {
		redisReply *r;

		cdh__redis_cmd_str(&cmd, "HMGET");
		cdh__redis_observed_key(&cmd, provider, agent);
		for (start = i; i < n && i - start < CDH_REDIS_BATCH; i++)
			cdh__redis_cmd_str(&cmd, scopes[i]);
		r = cmd.nomem ? NULL : cdh__redis_pipe_call(pipe, &cmd);
		if (!r || r->type != REDIS_REPLY_ARRAY) {
			rc = -1;
		} else {
			for (k = start; k < i; k++) {
				const redisReply *v = k - start < r->elements
							      ? r->element[k - start] : NULL;

				out[k] = v && v->type == REDIS_REPLY_STRING
						 ? strtoull(v->str, NULL, 10) : 0;
			}
		}
		freeReplyObject(r);
	}
	cdh__redis_cmd_release(&cmd);
	return rc;
}

/* What the agent's observation reads need: its HMGET or its HGETALL. */
struct observed_query {
	const char *agent;
	const char *const *scopes;
	size_t n;
	uint64_t *out;     /* the HMGET's times, or NULL: HGETALL */
	uint64_t after;
	cdh__store_scope_fn fn;
	void *data;
};

/* HGETALL: o->fn for each scope whose time is after o->after. */
static int observed_scan(struct cdh__redis_pipe *pipe, const char *provider,
			 const struct observed_query *o)
{
	struct cdh__redis_cmd cmd = { 0 };
	redisReply *r;
	size_t i;
	int rc;

	cdh__redis_cmd_str(&cmd, "HGETALL");
	cdh__redis_observed_key(&cmd, provider, o->agent);
	r = cmd.nomem ? NULL : cdh__redis_pipe_call(pipe, &cmd);
	cdh__redis_cmd_release(&cmd);
	for (i = 0; r && r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements;
	     i += 2)
		if (r->element[i + 1]->type == REDIS_REPLY_STRING &&
		    strtoull(r->element[i + 1]->str, NULL, 10) > o->after &&
		    o->fn(r->element[i]->str, o->data) != 0)
			break;
	rc = r ? 0 : -1;
	freeReplyObject(r);
	return rc;
}

/* Reads observations on the writer; 0 or the failure. */
static int observed_once(struct cdh__store_impl *impl, const char *provider,
			 const struct observed_query *o, char *err,
			 size_t errlen)
{
	struct cdh__redis_pipe pipe;
	int rc = writer(impl, err, errlen);

	if (rc != 0)
		return rc;
	cdh__redis_pipe_init(&pipe, impl->writer);
	if ((o->out ? observed_read(&pipe, provider, o->agent, o->scopes, o->n,
				    o->out)
		    : observed_scan(&pipe, provider, o)) != 0 &&
	    !pipe.failed) {
		snprintf(err, errlen, "cache store: out of memory");
		return -1;
	}
	return cdh__redis_write_end(impl, &pipe, err, errlen);
}

struct observing {
	const char *provider;
	const struct observed_query *query;
};

static int observed_step(struct cdh__store_impl *impl, void *ctx, char *err,
			 size_t errlen)
{
	const struct observing *o = ctx;

	return observed_once(impl, o->provider, o->query, err, errlen);
}

static int redis_observed(struct cdh__store_impl *impl, const char *provider,
			  const struct observed_query *query, char *err,
			  size_t errlen)
{
	struct observing o = { provider, query };

	return writer_run(impl, provider, observed_step, &o, err, errlen);
}

static int redis_observed_get(struct cdh__store_impl *impl,
			      const char *provider, const char *agent,
			      const char *const *scopes, size_t n,
			      uint64_t *out, char *err, size_t errlen)
{
	struct observed_query o = { agent, scopes, n, out, 0, NULL, NULL };

	return redis_observed(impl, provider, &o, err, errlen);
}

static int redis_observed_after(struct cdh__store_impl *impl,
				const char *provider, const char *agent,
				uint64_t after, cdh__store_scope_fn fn,
				void *data, char *err, size_t errlen)
{
	struct observed_query o = { agent, NULL, 0, NULL, after, fn, data };

	return redis_observed(impl, provider, &o, err, errlen);
}

/*
 * The agent's marker (KEYS[1]), started when absent: "filled" when the
 * agent holds scopes already (KEYS[2], its scopes set: an older cdhost's
 * cache), else "filling". One script: of two nodes starting it, the second
 * sees the first's marker, never its records without it.
 */
static const char fill_script[] =
	"local s = redis.call('GET', KEYS[1]) "
	"if not s then "
	"s = redis.call('EXISTS', KEYS[2]) == 1 and 'filled' or 'filling' "
	"redis.call('SET', KEYS[1], s) end "
	"return s";

/* The marker's command: started (fill_script, its state into *filled)
 * when `filled` is not NULL, else set filled. */
static void fill_command(struct cdh__redis_cmd *cmd, const char *provider,
			 const char *agent, const int *filled)
{
	if (filled) {
		cdh__redis_cmd_str(cmd, "EVAL");
		cdh__redis_cmd_str(cmd, fill_script);
		cdh__redis_cmd_str(cmd, "2");
		fill_key(cmd, provider, agent);
		cdh__redis_cmd_join(cmd, 4, "cdhost:", provider, ":scopes:",
				    agent);
	} else {
		cdh__redis_cmd_str(cmd, "SET");
		fill_key(cmd, provider, agent);
		cdh__redis_cmd_str(cmd, "filled");
	}
}

/* The marker's command on the writer. 0 or the failure. */
static int fill_once(struct cdh__store_impl *impl, const char *provider,
		     const char *agent, int *filled, char *err, size_t errlen)
{
	struct cdh__redis_cmd cmd = { 0 };
	struct cdh__redis_pipe pipe;
	redisReply *r = NULL;
	int rc = writer(impl, err, errlen);

	if (rc != 0)
		return rc;
	cdh__redis_pipe_init(&pipe, impl->writer);
	fill_command(&cmd, provider, agent, filled);
	if (!cmd.nomem)
		r = cdh__redis_pipe_call(&pipe, &cmd);
	if (r && filled)
		*filled = r->type == REDIS_REPLY_STRING &&
			  strcmp(r->str, "filled") == 0;
	freeReplyObject(r);
	rc = cmd.nomem ? -1 : cdh__redis_write_end(impl, &pipe, err, errlen);
	if (cmd.nomem)
		snprintf(err, errlen, "cache store: out of memory");
	cdh__redis_cmd_release(&cmd);
	return rc;
}

struct filling {
	const char *provider, *agent;
	int *filled;
};

static int fill_step(struct cdh__store_impl *impl, void *ctx, char *err,
		     size_t errlen)
{
	const struct filling *f = ctx;

	return fill_once(impl, f->provider, f->agent, f->filled, err, errlen);
}

static int redis_fill_begin(struct cdh__store_impl *impl, const char *provider,
			    const char *agent, int *filled, char *err,
			    size_t errlen)
{
	struct filling f = { provider, agent, filled };

	return writer_run(impl, provider, fill_step, &f, err, errlen);
}

static int redis_fill_done(struct cdh__store_impl *impl, const char *provider,
			   const char *agent, char *err, size_t errlen)
{
	struct filling f = { provider, agent, NULL };

	return writer_run(impl, provider, fill_step, &f, err, errlen);
}

const struct cdh__store_backend cdh__store_redis = {
	"redis", redis_close, redis_apply, redis_forget_agent, cdh__redis_scan,
	cdh__redis_get, cdh__redis_scope_records, redis_health, redis_server,
	redis_observed_get, NULL, redis_observed_after, redis_apply_observed,
	redis_fill_begin, redis_fill_done,
};
