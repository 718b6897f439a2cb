/*
 * store - the host-owned cache of records (Clouddriver's CATS): records are
 * (type, id, attributes JSON), owned by the (agent, scope) that produced them.
 *
 * Applying a refresh is atomic and authoritative per scope: a scope reported
 * OK gets exactly its new records; a FAILED scope keeps what it had; scopes
 * the agent owned before and did not mention this cycle lose their records,
 * unless the refresh is `partial` (one scope refreshed on demand) or a push
 * stored the scope after the refresh began (cdh_store_apply).
 * A store error leaves the stored data as it was.
 *
 * Thread-safe: applies are serialised; reads run beside them (WAL).
 *
 * Functions returning int give 0 (or a count) on success, -1 on an error, and
 * CDH_STORE_UNAVAILABLE when the store's server (Redis) cannot be reached:
 * a temporary condition, retried by the next cycle or request.
 */
#ifndef CDH_STORE_H
#define CDH_STORE_H

#include <stddef.h>

#include "store/refresh.h"

struct cdh_store;

#define CDH_STORE_UNAVAILABLE (-2)

/* Opens (creating if needed) the SQLite store at `path`. NULL + err on failure. */
struct cdh_store *cdh_store_open_sqlite(const char *path, char *err,
					size_t errlen);
/* A store in this process's memory only: gone at exit. NULL + err on failure. */
struct cdh_store *cdh_store_open_memory(char *err, size_t errlen);
/*
 * The Redis store at `url` (redis://[user:password@]host[:port][/db]) in
 * Clouddriver's CATS key layout; `password_file` (may be NULL) holds the
 * password. Redis need not be up yet: the store reconnects with backoff.
 * NULL + err for a bad URL or an unreadable password file.
 */
struct cdh_store *cdh_store_open_redis(const char *url,
				       const char *password_file, char *err,
				       size_t errlen);
void cdh_store_close(struct cdh_store *store);

/* The backend's name: "sqlite", "memory" or "redis". */
const char *cdh_store_backend_name(const struct cdh_store *store);

/*
 * Whether the store can serve now (Redis answers PING). 0 yes; -1 with why
 * in `why` (never a password).
 */
int cdh_store_health(struct cdh_store *store, char *why, size_t whylen);

/*
 * Applies a completed refresh (see above). 0 ok; -1 with err, nothing changed.
 *
 * Newest observation per scope: a scope the refresh says when it read
 * (scope_observed) is written only if what the store holds for that
 * (agent, scope) was not read later; otherwise it keeps its records, as a
 * failed scope does (logged at info). Every backend keeps the times of
 * the scopes written by a partial refresh (a push), and of those written
 * later once a time is kept (store.c: to_record), so a steady cycle of a
 * repository never pushed writes nothing more. A scope without a time is
 * written as before. A full refresh keeps (as failed) each scope it does not
 * mention whose kept time is after refresh->began_ns: a push stored it
 * after the refresh began, so the refresh could not list it (a catalog
 * read after the start lists every repository pushed before).
 *
 * The check and the write are one step: within a process under a lock
 * (processes sharing one SQLite file check and write in two transactions);
 * between cluster nodes sharing Redis, each scope's kept time is WATCHed
 * from its check to its MULTI/EXEC, and only ever raised, and an apply that
 * loses that race reads the times and applies again (scopes it wrote stay
 * written). Wall clocks are compared: nodes are assumed to keep them in
 * sync (NTP).
 */
int cdh_store_apply(struct cdh_store *store, const struct cdh_refresh *refresh,
		    char *err, size_t errlen);

/*
 * What one apply changed, for events (DESIGN 9.4): set refresh->changes to a
 * zeroed struct before cdh_store_apply and each backend notes there, where
 * it compares old and new, every record whose attributes it changed: new
 * (old_attributes NULL) or different. Removals are not noted (Igor never
 * forgets an image). Only what was committed is noted: a failed SQLite or
 * memory apply notes nothing; a Redis apply notes the scopes committed
 * before a failure. With Redis, the comparison runs inside each scope's
 * transaction, so when several nodes apply the same change only the one
 * whose write changed the record notes it.
 *
 * An agent's first fill notes nothing (Igor sends no events for an account
 * it never saw: they would trigger every pipeline at once). The store keeps
 * per agent whether its first complete cycle is stored: a refresh that is
 * not partial and in which no scope failed (a failed scope's tags would
 * come later as new). Until then every apply of the agent, a cycle or a
 * push, is part of its first fill: changes->first_fill is set and nothing
 * is noted (not even compared: a first fill may be a whole registry). The
 * marker is kept in the store (memory; SQLite's fill_state; Redis'
 * cdhost:P:fill:<agent>, so every node sees it) and is started before the
 * agent's first apply writes a record. A store holding records of an
 * agent but no marker holds an older cdhost's cache: the agent counts as
 * filled, so an upgrade silences no new tag. Forgetting an agent forgets
 * its marker. A push stored while the first complete cycle is being
 * applied is still part of the fill.
 */
struct cdh_store_change { /* copies, owned by the struct */
	char *type, *id, *new_attributes;
	char *old_attributes; /* NULL: the record is new */
};

struct cdh_store_changes {
	int first_fill; /* part of the agent's first fill: nothing noted */
	int nomem;      /* a change could not be noted */
	struct cdh_store_change *items;
	size_t count, alloc;
};

/* Notes one change (copied; old may be NULL). 0, or -1 out of memory. */
int cdh_store_changes_add(struct cdh_store_changes *changes, const char *type,
			  const char *id, const char *old_attributes,
			  const char *new_attributes);
/* Forgets every noted change (a rolled back apply); keeps first_fill. */
void cdh_store_changes_clear(struct cdh_store_changes *changes);
/* Frees what the struct holds, zeroing it. */
void cdh_store_changes_release(struct cdh_store_changes *changes);

/* Deletes every record `agent` owns (an agent that no longer exists) and
 * its first-fill marker. 0 or -1. */
int cdh_store_forget_agent(struct cdh_store *store, const char *agent,
			   char *err, size_t errlen);

/* Called per row, in id order; a non-zero return stops the scan. */
typedef int (*cdh_store_row_fn)(const char *id, const char *attributes,
				void *data);

/*
 * Visits every record of `type` whose id starts with `id_prefix` ("" for all),
 * in id (byte) order. 0 ok, -1 with err on a store error.
 */
int cdh_store_scan(struct cdh_store *store, const char *type,
		   const char *id_prefix, cdh_store_row_fn fn, void *data,
		   char *err, size_t errlen);

/* Looks one record up; 1 found (fn called), 0 not found, -1 error. */
int cdh_store_get(struct cdh_store *store, const char *type, const char *id,
		  cdh_store_row_fn fn, void *data, char *err, size_t errlen);

/*
 * Visits every record of `type` whose id matches `glob` (Redis' and CATS'
 * glob: `*`, `?`, `[...]` with `^` and ranges, `\` escapes), in id order.
 * Generic over the backends: a prefix scan on the glob's literal start, then
 * the match. A non-zero return from fn stops. 0 ok, -1 with err.
 */
int cdh_store_match(struct cdh_store *store, const char *type,
		    const char *glob, cdh_store_row_fn fn, void *data,
		    char *err, size_t errlen);

/* 1 when `text` matches `glob` (the syntax above), else 0. */
int cdh_store_glob_match(const char *glob, const char *text);

/* Called per record of one (agent, scope); a non-zero return stops. */
typedef int (*cdh_store_record_fn)(const char *type, const char *id,
				   const char *attributes, void *data);

/*
 * Visits the records `agent` stored for `scope` at its last apply, in id
 * order (then type). 0 ok (none is ok), -1 / CDH_STORE_UNAVAILABLE with err.
 */
int cdh_store_scope_records(struct cdh_store *store, const char *agent,
			    const char *scope, cdh_store_record_fn fn,
			    void *data, char *err, size_t errlen);

#endif
