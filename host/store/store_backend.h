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

/* Called per scope name; a non-zero return stops. */
typedef int (*cdh__store_scope_fn)(const char *scope, void *data);
struct cdh__observation;

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
	/* Records those times (replacing what was kept). 0 or -1/unavailable.
	 * NULL when apply_observed records them. */
	int (*observed_put)(struct cdh__store_impl *impl, const char *provider,
			    const char *agent, const char *const *scopes,
			    const uint64_t *ns, size_t n, char *err,
			    size_t errlen);
	/* Calls fn for each scope of `agent` whose kept time is after `after`
	 * (a non-zero return stops). 0 or -1/unavailable. */
	int (*observed_after)(struct cdh__store_impl *impl,
			      const char *provider, const char *agent,
			      uint64_t after, cdh__store_scope_fn fn,
			      void *data, char *err, size_t errlen);
	/*
	 * May be NULL. Applies `refresh` as apply does, store.c having read
	 * the times of obs[0..n) (sorted by scope) and marked the stale
	 * scopes failed; checks each written scope's time again atomically
	 * with its write (another node may write between): an observed
	 * scope's kept time must not be past its observation, an unmentioned
	 * scope's (deleted by a full refresh) not past refresh->began_ns.
	 * Records the time of each observed scope it writes, as
	 * cdh__observation_recorded says, never lowering one.
	 * CDH__STORE_RACED: a kept time moved past that since store.c read it
	 * (the scopes written before stay; store.c reads and applies again).
	 */
	int (*apply_observed)(struct cdh__store_impl *impl,
			      const struct cdh_refresh *refresh,
			      const struct cdh__observation *obs, size_t n,
			      char *err, size_t errlen);
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

/* A scope of a refresh with its observation (store.c). */
struct cdh__observation {
	const char *scope;
	uint64_t ns;     /* when the refresh read it */
	uint64_t stored; /* when what the store held was read (0: no time) */
	int result;      /* the refresh's result for it, -1: not mentioned */
};

#define CDH__STORE_RACED (-3)

/* The newest-observation rule every backend shares (store.c): whether a
 * scope the refresh writes gets its time recorded: always for a partial
 * refresh (a push), else once a time is kept for it. */
int cdh__observation_recorded(const struct cdh_refresh *refresh,
			      uint64_t stored);

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
