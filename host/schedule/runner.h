/*
 * runner - runs one refresh of one agent and applies the result to the store:
 * the unit of work the scheduler (and `run --once`) hands to a worker.
 */
#ifndef CDH_RUNNER_H
#define CDH_RUNNER_H

#include <stdatomic.h>
#include <stdint.h>

#include "plugins/accounts.h"
#include "store/refresh.h"
#include "store/store.h"

/* Records stored of one type, after a run. */
#define CDH_TYPES_MAX 8
struct cdh_type_count {
	char type[64];
	uint64_t count;
};

/*
 * What the scheduler made of an agent's last run (its /health "state"):
 * running on its interval, backing off after transient failures, parked
 * until its account's config changes, or disabled until a reload.
 */
#define CDH_AGENT_OK 0
#define CDH_AGENT_BACKOFF 1
#define CDH_AGENT_CONFIG_ERROR 2
#define CDH_AGENT_DISABLED 3

/* "ok", "backoff", "config-error", "disabled". */
const char *cdh_agent_state_name(int state);

struct cdh_run_summary {
	char agent[512];
	int32_t result;       /* the plugin's return, or the host's own failure */
	int state;            /* CDH_AGENT_*: set by the scheduler before on_result */
	size_t scopes;        /* scopes reported */
	size_t failed_scopes; /* of which failed (kept their old records) */
	size_t incomplete_scopes; /* stored, but some of their items failed */
	char problem[512];    /* the first scope's problem ("scope: detail"), or "" */
	size_t records;
	uint64_t requests;
	uint64_t requests_by_class[CDH_STATUS_CLASSES]; /* [0] transport, [n] nxx */
	double seconds;
	struct cdh_gauge gauges[CDH_GAUGES_MAX]; /* what the plugin reported */
	size_t gauge_count;
	/* What the agent has stored per type once this run was applied; only
	 * when stored_known (a run that was not applied changed nothing). */
	struct cdh_type_count stored[CDH_TYPES_MAX];
	size_t stored_types;
	int stored_known;
	char error[512];
};

/*
 * The /health "state" of an agent whose last run was `s`: its CDH_AGENT_*
 * name, but "credentials" for an agent backing off because its
 * credentials were rejected (CDH_E_CREDENTIALS): retried as any transient
 * failure, named apart since no wait heals it (#20). Static storage.
 */
const char *cdh_run_state_name(const struct cdh_run_summary *s);

/* 1 when the run was stored with every scope complete. */
static inline int cdh_run_summary_clean(const struct cdh_run_summary *s)
{
	return s->result == CDH_OK && !s->failed_scopes && !s->incomplete_scopes;
}

/*
 * Refreshes agent `index` of `account` and, if the cycle completed, applies
 * it to `store`. `cancel` (may be NULL) stops it when set from another
 * thread. Logs a one-line summary. Returns CDH_OK when the cycle was
 * stored with every scope complete (CDH_E_TRANSIENT when a scope failed or
 * was incomplete), else the error; `summary` is filled either way.
 */
int32_t cdh_runner_refresh(const struct cdh_account *account, uint32_t index,
			   struct cdh_store *store, uint64_t deadline_ns,
			   const atomic_int *cancel,
			   struct cdh_run_summary *summary);

/*
 * The same for one scope only (ABI 1.1 refresh_scope; a push event): the
 * other scopes of the agent keep their records. CDH_E_CONFIG when the
 * plugin has no refresh_scope or the scope is not this agent's. The caller
 * never runs two of one agent at once, nor one beside the agent's cycle
 * unless the plugin sets CDH_PLUGIN_SCOPE_BESIDE_REFRESH.
 */
int32_t cdh_runner_refresh_scope(const struct cdh_account *account,
				 uint32_t index, const char *scope,
				 struct cdh_store *store, uint64_t deadline_ns,
				 const atomic_int *cancel,
				 struct cdh_run_summary *summary);

/*
 * Events (DESIGN 9.4): `wanted` says whether the store should note what a
 * run of `account` changes (refresh->changes); `changed` gets what it
 * noted (or that the run was part of a first fill, noting nothing), on
 * the worker thread, once the run was stored.
 */
struct cdh_runner_events {
	int (*wanted)(void *ctx, const struct cdh_account *account);
	void (*changed)(void *ctx, const struct cdh_account *account,
			const char *agent,
			const struct cdh_store_changes *changes);
	void *ctx;
};

/* Sets (NULL: clears) the events hook of every run: before the workers
 * start and after they stopped; `events` must outlive its use. */
void cdh_runner_set_events(const struct cdh_runner_events *events);

/* Refreshes every agent of every account once; 0 all ok, 1 some failed. */
int cdh_runner_run_all(const struct cdh_accounts *accounts,
		       struct cdh_store *store);

#endif
