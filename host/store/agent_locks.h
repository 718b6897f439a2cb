/*
 * agent_locks - Clouddriver's agent lock protocol (ClusteredAgentScheduler,
 * reference clouddriver-cluster.md §3.1) on the Redis store's server, so
 * that cdhost nodes, and Clouddriver nodes beside them, run each caching
 * agent on one node per interval:
 *
 *   key   = the agent type ("acct/DockerRegistryImageCachingAgent[1/1]"),
 *           no prefix; value = the node id
 *   take  = SET key node NX PX <2 x interval>
 *   after a run: compare-and-set to the remaining interval, or
 *           compare-and-delete when under 500 ms remain (Lua, so that a
 *           lock another node holds by then is never touched)
 *
 * The key outlives the run with the remaining interval as its TTL: it is
 * the cluster-wide schedule. Beside it, cdhost keeps who finished each
 * agent's last run in the hash cdhost:agents:lastRun (Clouddriver never
 * reads it).
 *
 * One connection of its own (never the store's writer, whose applies may
 * take long), with short timeouts: it is used from the scheduler's control
 * thread only. Not thread-safe. Errors: CDH_STORE_UNAVAILABLE when Redis
 * cannot be reached (the connection is dropped; the next call reconnects),
 * -1 for an error reply; messages never hold the password.
 */
#ifndef CDH_AGENT_LOCKS_H
#define CDH_AGENT_LOCKS_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* Clouddriver's threshold: less left than this and the key is deleted. */
#define CDH_LOCK_DELETE_BELOW_MS 500

/* Our own hash of last runs: field = agent type, value = JSON. */
#define CDH_LOCK_LAST_RUN_KEY "cdhost:agents:lastRun"

struct cdh_agent_locks;

/*
 * A lock client on `store`'s server, or NULL: with err set on a failure,
 * with err "" when the store has no shared server (memory, SQLite), where
 * there is nothing to share and no lock is needed. Redis need not be up.
 */
struct cdh_agent_locks *cdh_agent_locks_open(struct cdh_store *store,
					     char *err, size_t errlen);
void cdh_agent_locks_close(struct cdh_agent_locks *locks);

/*
 * The PX a finished run leaves: `next_ms` (when the agent is due again)
 * minus `now_ms`; 0 means delete the key (under 500 ms left, or overdue).
 */
int64_t cdh_agent_lock_ttl(int64_t next_ms, int64_t now_ms);

/* What a try at a lock got (cdh_agent_locks_acquire's won[i]). */
enum {
	/* Refused by this node's own key (the schedule its last run left),
	 * or the key went between the SET and the GET: nobody else's. */
	CDH_LOCK_NOT_TAKEN = 0,
	CDH_LOCK_TAKEN = 1,
	/* Refused: another value holds it, another node or a Clouddriver. */
	CDH_LOCK_LOST = 2,
};

/*
 * Tries to take keys[i] (i < n) for `node` with PX px_ms[i], in one round
 * trip (each SET NX is followed by a GET of its key, so that a refusal
 * says whose the key is). won[i] = CDH_LOCK_*. Returns 0, or the failure
 * (nothing is known then).
 */
int cdh_agent_locks_acquire(struct cdh_agent_locks *locks,
			    const char *const *keys, size_t n, const char *node,
			    const int64_t *px_ms, int *won, char *err,
			    size_t errlen);

/*
 * After a run: leaves `key` with PX `ttl_ms` when it still holds `node`
 * (compare-and-set), or deletes it (compare-and-delete) when ttl_ms is 0.
 * With `last_run_json`, records it as the agent's last run. Returns 1 done,
 * 0 the key was not ours any more (nothing changed), or the failure.
 */
int cdh_agent_locks_release(struct cdh_agent_locks *locks, const char *key,
			    const char *node, int64_t ttl_ms,
			    const char *last_run_json, char *err, size_t errlen);

/*
 * What the cluster says of keys[0..n), in one round trip: owners[i] = the
 * lock's value now (NULL when free), last_runs[i] = the last-run JSON (NULL
 * when none), both new strings the caller frees. Runs held here are
 * re-asserted first (SET NX PX holds_px[i] where holds_px[i] > 0: the key
 * vanished, e.g. Redis restarted without persistence). 0 or the failure.
 */
int cdh_agent_locks_look(struct cdh_agent_locks *locks,
			 const char *const *keys, size_t n, const char *node,
			 const int64_t *holds_px, char **owners,
			 char **last_runs, char *err, size_t errlen);

#endif
