/*
 * scheduler - runs every agent of every account on its own interval on a pool
 * of worker threads: first run soon after it is added (with jitter), then
 * every interval, backing off exponentially (capped) after transient
 * failures, never two cycles of one agent at once. An agent whose run fails
 * with CDH_E_CONFIG is parked until its account is replaced (its config
 * changed); one failing with CDH_E_FATAL is parked until the next reload. Everything but the workers' refreshes runs
 * on the control thread that owns the scheduler.
 *
 * Several nodes (options.locks set, the Redis store): an agent's cycle runs
 * only under its Clouddriver agent lock (store/agent_locks.h). Once a
 * second the agents not running here are shuffled and as many as there are
 * free workers are tried with SET NX PX 2 x interval; after a run the lock
 * is left with the rest of the interval (of the backoff after a failure)
 * as its TTL, so the key is the cluster-wide schedule. A pushed scope takes
 * no lock. Redis unreachable: no cycle starts until it answers again, and
 * then, for two seconds, only runs already in flight re-assert their locks
 * (a Redis restarted empty lost them) before anything new is taken.
 */
#ifndef CDH_SCHEDULER_H
#define CDH_SCHEDULER_H

#include <stddef.h>
#include <stdint.h>

#include "plugins/accounts.h"
#include "schedule/runner.h"
#include "store/store.h"

struct cdh_scheduler;
struct cdh_agent_locks;

/* What the cluster says of one agent, once a second (several nodes only). */
struct cdh_agent_cluster {
	const char *agent;    /* the agent type: the lock's key */
	const char *owner;    /* the lock's value now, NULL: free */
	const char *last_run; /* {"node":..,"time":ms,"ok":..} or NULL */
	unsigned won, lost;   /* tries since the last report: taken, refused
			       * by another node's (or a Clouddriver's) key */
	int elsewhere;        /* host.cluster.enabledPattern leaves it to other
			       * nodes: never run here */
};

struct cdh_scheduler_options {
	unsigned workers;              /* worker threads, >= 1 */
	uint64_t default_interval_ns;  /* for accounts that give none */
	uint64_t backoff_cap_ns;       /* longest delay after failures */
	uint64_t jitter_ns;            /* first runs spread over [0, jitter) */
	struct cdh_store *store;       /* borrowed; outlives the scheduler */
	/* Called on the control thread after each run (from reap), with the
	 * summary's state set to what the scheduler made of the result. */
	void (*on_result)(void *ctx, const struct cdh_account *account,
			  const struct cdh_run_summary *summary);
	void *ctx;
	/* Several nodes: NULL runs every agent here on its own schedule. */
	struct cdh_agent_locks *locks; /* borrowed; outlives the scheduler */
	const char *node_id;           /* the locks' value; borrowed */
	/* Agents whose lower-cased type this PCRE2 pattern does not match
	 * in full are not scheduled here (NULL: all). */
	const char *enabled_pattern;
	/* Control thread, once a second per agent; may be NULL. */
	void (*on_cluster)(void *ctx, const struct cdh_account *account,
			   const struct cdh_agent_cluster *info);
	/* Control thread, when the locks' Redis stops or starts answering
	 * (why: NULL when it answers). May be NULL. */
	void (*on_locks)(void *ctx, const char *why);
	/* May be NULL. Called on the worker after each scope refresh (a push,
	 * on demand), with its summary; ctx as above. */
	void (*on_scope_result)(void *ctx, const struct cdh_account *account,
				const char *scope,
				const struct cdh_run_summary *summary);
};

/* Starts the workers. NULL with err on failure. */
struct cdh_scheduler *cdh_scheduler_new(const struct cdh_scheduler_options *opts,
					char *err, size_t errlen);
/* Cancels what runs, waits for the workers and frees. Retired accounts whose
 * runs end here get their on_idle call. */
void cdh_scheduler_free(struct cdh_scheduler *sched);

/* Schedules every agent of `account` (borrowed until retired). 0 or -1. */
int cdh_scheduler_add(struct cdh_scheduler *sched, struct cdh_account *account);

/*
 * Stops scheduling `account`, cancels its runs in flight, and calls
 * on_idle(ctx, account) on the control thread once none runs (at once if
 * none does). The callback owns the account from then on.
 */
void cdh_scheduler_retire(struct cdh_scheduler *sched,
			  struct cdh_account *account,
			  void (*on_idle)(void *ctx, struct cdh_account *account),
			  void *ctx);

/*
 * The same, but with several nodes its agents' locks stay as the schedule,
 * also the lock of a run this cancels (the account is not removed or
 * changed: a plugin swapped, the node stopping), where cdh_scheduler_retire
 * releases them at once.
 * Without locks, the same as cdh_scheduler_retire.
 */
void cdh_scheduler_retire_keeping_locks(struct cdh_scheduler *sched,
					struct cdh_account *account,
					void (*on_idle)(void *ctx,
							struct cdh_account *account),
					void *ctx);

/* Starts every due agent; returns ms until the next one is due (-1: none). */
int64_t cdh_scheduler_dispatch(struct cdh_scheduler *sched, uint64_t now_ns);

/*
 * A reload happened: agents disabled by CDH_E_FATAL are due again at `now`.
 * Returns how many. Agents parked by CDH_E_CONFIG stay parked: their account
 * did not change, or it would have been replaced.
 */
size_t cdh_scheduler_revive(struct cdh_scheduler *sched, uint64_t now_ns);

/* Readable when finished runs wait for cdh_scheduler_reap. */
/*
 * A push: refresh `scope` of the account named `account` soon (250 ms
 * later, so that a burst joins one refresh), through
 * refresh_scope on each of its agents (before their next cycle). Any
 * thread; returns at once. A scope already waiting for its agent is not
 * queued twice, so a burst costs a few refreshes, and an agent runs one
 * scope job at a time. It waits for a cycle of the agent in flight, unless
 * the plugin sets CDH_PLUGIN_SCOPE_BESIDE_REFRESH and a cycle of the agent
 * was stored since it was added (its first may be a first fill): then it
 * starts on the next free worker beside it (host.workers still bounds all
 * runs), with a summary of its own (on_scope_result; the cycle's stays
 * on_result's).
 * 0 queued (or waiting already), -1 when the queue is full or out of
 * memory.
 */
int cdh_scheduler_request_scope(struct cdh_scheduler *s, const char *account,
				const char *scope);

/*
 * Waits up to `timeout_ms` for a refresh of (account, scope) queued at
 * `since_ns` (monotonic) or later to be done on some agent of the account:
 * CDH_OK once one stored it. It ends early too once every agent of the
 * account ran it and failed (an agent another node runs, by
 * host.cluster.enabledPattern, never does here): then the failure of one
 * (another than CDH_E_CONFIG preferred; CDH_E_CONFIG when no agent caches
 * the scope). At the timeout, 1 when none is done yet or only agents that
 * do not cache it are (CDH_E_CONFIG), else the failure of one that is.
 * Any thread.
 */
int32_t cdh_scheduler_wait_scope(struct cdh_scheduler *s, const char *account,
				 const char *scope, uint64_t since_ns,
				 unsigned timeout_ms);

int cdh_scheduler_fd(const struct cdh_scheduler *sched);
/* Handles finished runs: on_result, next due time, retire callbacks. */
void cdh_scheduler_reap(struct cdh_scheduler *sched);

/* Asks every run in flight to stop. */
void cdh_scheduler_cancel_all(struct cdh_scheduler *sched);
/* Runs in flight. */
size_t cdh_scheduler_running(const struct cdh_scheduler *sched);
/* Waits (reaping) until nothing runs or `timeout_ms` passed; returns running. */
size_t cdh_scheduler_drain(struct cdh_scheduler *sched, int timeout_ms);

#endif
