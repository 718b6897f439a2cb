/*
 * redis_apply - internals of the Redis store's write path, shared by
 * redis_apply.c (what the agent held, each scope's transaction) and
 * redis_all.c (the agent's _ALL_ items). Layout: store_redis.c.
 */
#ifndef CDH_REDIS_APPLY_H
#define CDH_REDIS_APPLY_H

#include "store/sha1_utf16.h"
#include "store/store_redis.h"

#define CDH__REDIS_UNMENTIONED (-1)
#define CDH__REDIS_ALL_ATTRIBUTES "{\"id\":\"_ALL_\"}"

struct cdh__redis_rec {
	const char *type, *id, *attributes, *scope;
	size_t order;   /* emission order: the last of duplicates wins */
	char *tid;      /* "T:ID", as the scope sets hold it */
	char hash[CDH_SHA1_HEX_LEN + 1];
	int changed;    /* the stored hash differs */
	int fresh;      /* not in the scope's set yet */
};

struct cdh__redis_scope {
	const char *name;
	int result; /* CDH_SCOPE_OK, CDH_SCOPE_FAILED or CDH__REDIS_UNMENTIONED */
	int known;  /* in the agent's scopes set already */
	redisReply *prev;
	const char **prev_ids; /* sorted "T:ID" */
	size_t prev_count;
	struct cdh__redis_rec **recs; /* sorted by tid */
	size_t rec_count;
};

struct cdh__redis_apply {
	struct cdh__store_impl *impl;
	const struct cdh_refresh *refresh;
	const char *p, *agent;
	struct cdh__redis_pipe pipe;
	struct cdh__redis_cmd cmd;
	struct cdh__redis_rec *recs;
	struct cdh__redis_rec **by_scope; /* recs sorted by (scope, tid) */
	size_t rec_count;
	struct cdh__redis_scope *scopes; /* sorted by name */
	size_t scope_count;
	const char **written; /* every tid of this cycle, sorted */
	redisReply *old_scopes;
	const struct cdh__observation *obs; /* sorted by scope; store.c */
	size_t obs_count;
	int raced; /* a scope's kept time moved past this apply's (WATCH) */
	int nomem;
	char records_error[256]; /* the refresh's records could not be read back */
};

/* strcmp over an array of strings, for qsort/bsearch. */
int cdh__redis_str_order(const void *a, const void *b);
/* The length of the type in "T:ID". */
size_t cdh__redis_type_len(const char *tid);
/* Whether two "T:ID" have the same type. */
int cdh__redis_same_type(const char *x, const char *y);
/* Appends the argument P:T<what> for the type `type` (tlen bytes). */
void cdh__redis_key_of(struct cdh__redis_apply *a, const char *type, size_t tlen,
		       const char *what);
/* Starts HMGET / HSET / SADD on P:T:hashes, P:T:hashes, P:T:members for the
 * type of the "T:ID" `ctx`. */
void cdh__redis_hashes_head(struct cdh__redis_apply *a, const void *ctx);
void cdh__redis_hset_head(struct cdh__redis_apply *a, const void *ctx);
void cdh__redis_members_add_head(struct cdh__redis_apply *a, const void *ctx);
/* Sends a command without arguments (MULTI, EXEC). */
void cdh__redis_send_simple(struct cdh__redis_apply *a, const char *verb);

/*
 * Tests only: called (then cleared) between reading the stored hashes and
 * writing, so a test can let another node write in between. NULL normally.
 */
extern void (*cdh__redis_between_hook)(void);
/* Tests only, as above: called (then cleared) once a scope's stored
 * observation time was read under WATCH, before its transaction. */
extern void (*cdh__redis_watch_hook)(void);

/* Writes the agent's changed _ALL_ items in one MULTI/EXEC. 0, -1. */
int cdh__redis_write_all(struct cdh__redis_apply *a);

#endif
