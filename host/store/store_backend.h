/*
 * store_backend - what a store backend provides (internal to the store
 * module: store.c dispatches, store_sqlite.c and store_memory.c implement).
 * Each backend defines its own struct cdh__store_impl. Semantics are those
 * documented in store.h, including thread safety.
 */
#ifndef CDH_STORE_BACKEND_H
#define CDH_STORE_BACKEND_H

#include "store/store.h"
#include "util/redis_url.h"

struct cdh__store_impl;

struct cdh__store_backend {
	const char *name;
	void (*close)(struct cdh__store_impl *impl);
	int (*apply)(struct cdh__store_impl *impl, const struct cdh_refresh *refresh,
		     char *err, size_t errlen);
	int (*forget_agent)(struct cdh__store_impl *impl, const char *agent,
			    char *err, size_t errlen);
	int (*scan)(struct cdh__store_impl *impl, const char *type,
		    const char *id_prefix, cdh_store_row_fn fn, void *data,
		    char *err, size_t errlen);
	int (*get)(struct cdh__store_impl *impl, const char *type, const char *id,
		   cdh_store_row_fn fn, void *data, char *err, size_t errlen);
	int (*scope_records)(struct cdh__store_impl *impl, const char *agent,
			     const char *scope, cdh_store_record_fn fn,
			     void *data, char *err, size_t errlen);
	/* May be NULL: always healthy. */
	int (*health)(struct cdh__store_impl *impl, char *why, size_t whylen);
	/* May be NULL: no server shared with other nodes. Else the server's
	 * address and credentials (agent_locks.c connects there too). */
	void (*server)(const struct cdh__store_impl *impl,
		       struct cdh_redis_url *out);
	/*
	 * When the data of each of `scopes[0..n)` of `agent` stored last was
	 * read (wall-clock ns), into `out` (0: none kept). `provider` may be
	 * NULL. Called by store.c under its observe lock. 0 or -1/unavailable.
	 */
	int (*observed_get)(struct cdh__store_impl *impl, const char *provider,
			    const char *agent, const char *const *scopes,
			    size_t n, uint64_t *out, char *err, size_t errlen);
	/* Records those times (replacing what was kept). 0 or -1/unavailable. */
	int (*observed_put)(struct cdh__store_impl *impl, const char *provider,
			    const char *agent, const char *const *scopes,
			    const uint64_t *ns, size_t n, char *err,
			    size_t errlen);
	/*
	 * Whether `agent`'s first fill is over (store.h), into *filled; when
	 * the store keeps no marker for it, starts one: filled if the agent
	 * holds records already (an older cdhost's cache), else not. Atomic
	 * between nodes sharing the store. `provider` may be NULL. 0 or
	 * -1/unavailable.
	 */
	int (*fill_begin)(struct cdh__store_impl *impl, const char *provider,
			  const char *agent, int *filled, char *err,
			  size_t errlen);
	/* Marks `agent`'s first fill over. 0 or -1/unavailable. */
	int (*fill_done)(struct cdh__store_impl *impl, const char *provider,
			 const char *agent, char *err, size_t errlen);
};

/* The store's shared server into *out: 0, or -1 when it has none. */
int cdh__store_server(const struct cdh_store *store, struct cdh_redis_url *out);

/* Backends' constructors: the implementation, or NULL with err. */
struct cdh__store_impl *cdh__store_sqlite_open(const char *path, char *err,
					       size_t errlen);
struct cdh__store_impl *cdh__store_memory_open(char *err, size_t errlen);
struct cdh__store_impl *cdh__store_redis_open(const char *url,
					      const char *password_file,
					      char *err, size_t errlen);

extern const struct cdh__store_backend cdh__store_sqlite;
extern const struct cdh__store_backend cdh__store_memory;
extern const struct cdh__store_backend cdh__store_redis;

#endif
