/*
 * store_redis - internals shared by the Redis backend's files:
 * store_redis.c (open, close, dispatch), redis_apply.c (the write path) and
 * redis_read.c (scans and gets). The key layout is described in
 * store_redis.c.
 */
#ifndef CDH_STORE_REDIS_H
#define CDH_STORE_REDIS_H

#include "store/redis_conn.h"
#include "store/store_backend.h"

struct cdh__store_impl {
	struct cdh__redis_pool pool;
	pthread_mutex_t write_lock; /* applies one at a time, on `writer` */
	redisContext *writer;
};

/* Our index of a type's ids: "ID\0P" members of a ZSET. */
#define CDH_REDIS_INDEX "cdhost:index:"

/* Applies `refresh` under prefix `provider` on impl->writer (write_lock
 * held), checking and recording the times of obs[0..n) as the backend's
 * apply_observed does (store_backend.h); NULL, 0: none. */
int cdh__redis_apply(struct cdh__store_impl *impl,
		     const struct cdh_refresh *refresh, const char *provider,
		     const struct cdh__observation *obs, size_t n, char *err,
		     size_t errlen);
int cdh__redis_write_end(struct cdh__store_impl *impl,
			 struct cdh__redis_pipe *pipe, char *err, size_t errlen);

/* The agent's key of scope `scope` under provider: cdhost:P:scope:<len>:<agent>:<scope>. */
void cdh__redis_scope_key(struct cdh__redis_cmd *cmd, const char *provider,
			  const char *agent, const char *scope);

/* The agent's observation hash: cdhost:P:observed:<agent>. */
void cdh__redis_observed_key(struct cdh__redis_cmd *cmd, const char *provider,
			     const char *agent);

int cdh__redis_scan(struct cdh__store_impl *impl, const char *type,
		    const char *id_prefix, cdh_store_row_fn fn, void *data,
		    char *err, size_t errlen);
int cdh__redis_get(struct cdh__store_impl *impl, const char *type,
		   const char *id, cdh_store_row_fn fn, void *data, char *err,
		   size_t errlen);
int cdh__redis_scope_records(struct cdh__store_impl *impl, const char *agent,
			     const char *scope, cdh_store_record_fn fn,
			     void *data, char *err, size_t errlen);

#endif
