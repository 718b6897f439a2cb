/*
 * redis_conn - the Redis store's connections: one writer (a refresh's
 * writes never wait behind API reads) and a small pool of readers, each
 * authenticated and on the URL's database; reconnection with backoff; and a
 * command builder that pipelines commands in batches.
 *
 * Errors: an I/O error (Redis down, timeout) makes the store "unavailable"
 * (CDH_STORE_UNAVAILABLE) and the connection is dropped; the next use
 * reconnects, at most once per backoff period (100 ms doubling to 5 s), so a
 * dead Redis is not hammered. Messages never contain the password.
 */
#ifndef CDH_REDIS_CONN_H
#define CDH_REDIS_CONN_H

#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdint.h>

#include "util/redis_url.h"

/* Clouddriver's default batch size (caching.redis.max-*-size). */
#define CDH_REDIS_BATCH 200

#define CDH_REDIS_READERS 8

struct cdh__redis_pool {
	struct cdh_redis_url url; /* holds the password: never log it */
	pthread_mutex_t lock;     /* guards everything below */
	redisContext *idle[CDH_REDIS_READERS];
	size_t idle_count;
	uint64_t retry_at_ns;  /* no connect attempt before this */
	unsigned backoff_ms;   /* 0 after a success */
	int down;              /* the last attempt or command failed on I/O */
	char last_error[256];  /* why, when down */
};

/* Fills the pool from a parsed URL; `password` (may be NULL) overrides the URL's. */
void cdh__redis_pool_init(struct cdh__redis_pool *pool,
			  const struct cdh_redis_url *url, const char *password);
void cdh__redis_pool_release(struct cdh__redis_pool *pool);

/*
 * A new connection (for the writer), or NULL with err: -1 in *rc for a
 * configuration problem (bad password), CDH_STORE_UNAVAILABLE otherwise.
 * `timeout_ms` is the command timeout.
 */
redisContext *cdh__redis_connect(struct cdh__redis_pool *pool, int timeout_ms,
				 int *rc, char *err, size_t errlen);
/* A reader from the pool (or a new one), as cdh__redis_connect. */
redisContext *cdh__redis_reader_get(struct cdh__redis_pool *pool, int *rc,
				    char *err, size_t errlen);
/* Returns a reader; a broken one (c->err set) is freed. */
void cdh__redis_reader_put(struct cdh__redis_pool *pool, redisContext *c);

/* Records an I/O failure of `c` (marks the store down); returns the rc. */
int cdh__redis_io_failed(struct cdh__redis_pool *pool, redisContext *c,
			 char *err, size_t errlen);
/* Lets the next connect try at once, whatever the backoff. */
void cdh__redis_retry_now(struct cdh__redis_pool *pool);
/* Records that Redis answered. */
void cdh__redis_answered(struct cdh__redis_pool *pool);

/* 0 when Redis answers PING now, else -1 with why (no password). */
int cdh__redis_ping(struct cdh__redis_pool *pool, char *why, size_t whylen);

/*
 * One command being built: its arguments back to back in one buffer.
 * Arguments are copied, so callers may pass temporaries.
 */
struct cdh__redis_cmd {
	char *buf;
	size_t len, cap;
	size_t *offs, *lens;
	size_t argc, arg_cap;
	int nomem;
};

void cdh__redis_cmd_reset(struct cdh__redis_cmd *cmd);
void cdh__redis_cmd_release(struct cdh__redis_cmd *cmd);
void cdh__redis_cmd_arg(struct cdh__redis_cmd *cmd, const char *s, size_t len);
void cdh__redis_cmd_str(struct cdh__redis_cmd *cmd, const char *s);
/* Appends bytes to the last argument. */
void cdh__redis_cmd_append(struct cdh__redis_cmd *cmd, const char *s, size_t len);
/* Appends the concatenation of `n` strings as one argument. */
void cdh__redis_cmd_join(struct cdh__redis_cmd *cmd, size_t n, ...);

/*
 * A pipeline on one connection: commands are appended, and every
 * CDH_REDIS_BATCH of them their replies are read and checked (an error
 * reply fails the pipeline). `keep` replies are not checked but handed to
 * the caller through cdh__redis_pipe_take instead.
 */
struct cdh__redis_pipe {
	redisContext *c;
	size_t pending;
	int failed;   /* 0, -1 (an error reply) or CDH_STORE_UNAVAILABLE */
	char err[256];
	size_t sent;  /* commands sent in all, for the bench */
};

void cdh__redis_pipe_init(struct cdh__redis_pipe *pipe, redisContext *c);
/* Sends `cmd` (then resets it); 0 or the failure. */
int cdh__redis_pipe_send(struct cdh__redis_pipe *pipe,
			 struct cdh__redis_cmd *cmd);
/* Reads every pending reply; 0 or the failure. */
int cdh__redis_pipe_flush(struct cdh__redis_pipe *pipe);
/* Sends `cmd` whose reply the caller reads with cdh__redis_pipe_next
 * (after flushing: no checked reply may be pending). 0 or the failure. */
int cdh__redis_pipe_append(struct cdh__redis_pipe *pipe,
			   struct cdh__redis_cmd *cmd);
/* The next reply of an appended command (caller frees), NULL on failure. */
redisReply *cdh__redis_pipe_next(struct cdh__redis_pipe *pipe);
/* Sends cmd and returns its reply (caller frees with freeReplyObject), after
 * flushing what was pending; NULL on failure (pipe->failed says which). */
redisReply *cdh__redis_pipe_call(struct cdh__redis_pipe *pipe,
				 struct cdh__redis_cmd *cmd);

#endif
