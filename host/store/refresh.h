/*
 * refresh - what one refresh of one agent produced: the records it emitted and
 * how each scope ended, held until the cycle completes and is applied to the
 * store in one transaction (a reader never sees half a cycle). The records
 * wait in a spool (record_spool.h): past a few MiB, in a temporary file, so
 * a big cycle does not hold them all in memory; a store reads them back in
 * order with cdh_record_spool_each(&refresh->records, ...).
 *
 * This is the host's definition of the ABI's opaque struct cdh_refresh. The
 * worker running the refresh owns it; only `cancelled` is touched by other
 * threads.
 */
#ifndef CDH_REFRESH_H
#define CDH_REFRESH_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "cdh_plugin.h"
#include "store/record_spool.h"

struct cdh_refresh_scope {
	char *scope;
	int32_t result; /* CDH_SCOPE_OK or CDH_SCOPE_FAILED */
};

/* When a scope's data was read (scope_observed): wall-clock ns. */
struct cdh_refresh_observed {
	char *scope;
	uint64_t realtime_ns;
};

/* Requests by status class: [0] transport error, [1..5] 1xx..5xx. */
#define CDH_STATUS_CLASSES 6
/* Gauges one refresh may set (see the host table's gauge). */
#define CDH_GAUGES_MAX 8
#define CDH_GAUGE_NAME_MAX 48

struct cdh_gauge {
	char name[CDH_GAUGE_NAME_MAX];
	int64_t value;
};

struct cdh_store;
struct cdh_store_changes;

struct cdh_refresh {
	char *agent;          /* the agent's name: the store's ownership key */
	struct cdh_store *store; /* what previous_records reads, or NULL: none */
	/* A refresh of some scopes only (refresh_scope): applying it leaves the
	 * scopes it does not mention as they are. Every backend honours it. */
	int partial;
	char *provider;       /* the plugin's config_section (Redis key prefix), or NULL */
	uint64_t deadline_ns; /* monotonic; 0 = none */
	atomic_int cancelled;
	const atomic_int *also_cancelled; /* an owner's flag (scheduler), or NULL */
	int nomem;            /* an emit failed: the cycle cannot be applied */
	/* The emitted records, in order. records.failed: one could not be
	 * kept (records.error says why): the cycle cannot be applied. */
	struct cdh_record_spool records;
	/* The scopes records were emitted for, each once per run of records
	 * (a plugin emits scope by scope): what cdh_refresh_finish reports OK
	 * when the plugin did not. Without reading the records back. */
	char **record_scopes;
	size_t record_scope_count, record_scope_alloc;
	struct cdh_refresh_scope *scopes;
	size_t scope_count, scope_alloc;
	size_t failed_scopes;
	size_t incomplete_scopes; /* CDH_SCOPE_OK with a detail: some items failed */
	char problem[512];        /* the first "scope: detail" reported, or "" */
	uint64_t requests[CDH_STATUS_CLASSES];
	struct cdh_gauge gauges[CDH_GAUGES_MAX];
	size_t gauge_count;
	/* Set by the caller of cdh_store_apply (events, DESIGN 9.4), or NULL:
	 * the store notes there the records this apply changed (store.h). */
	struct cdh_store_changes *changes;
	/* Per scope, when its data was read (the store keeps the newest
	 * observation: cdh_store_apply). Unordered; a scope seen twice far
	 * apart may have two entries (the store takes the earliest). */
	struct cdh_refresh_observed *observed;
	size_t observed_count, observed_alloc;
	/* When the refresh began (wall-clock ns, cdh_refresh_init): a full
	 * refresh keeps the scopes it does not mention that a push observed
	 * after this (they were not there to list yet). 0: none kept. */
	uint64_t began_ns;
	/* The plugin's last progress (done, total): the terminal's line adds
	 * every refresh's, so it takes the differences. */
	int64_t progress_done, progress_total;
};

/*
 * Starts an empty refresh for `agent` (copied). `cancel` (may be NULL) is an
 * owner's flag that cancels it too when set. 0 ok, -1 out of memory.
 */
int cdh_refresh_init(struct cdh_refresh *refresh, const char *agent,
		     uint64_t deadline_ns, const atomic_int *cancel);
/* Names the provider (copied): the Redis store's key prefix. 0, -1 no memory. */
int cdh_refresh_set_provider(struct cdh_refresh *refresh, const char *provider);
/* Frees everything the refresh holds. */
void cdh_refresh_release(struct cdh_refresh *refresh);
/* Asks the plugin to stop; safe from any thread. */
void cdh_refresh_cancel(struct cdh_refresh *refresh);

/* Implementations of the host table's refresh functions. */
int32_t cdh_refresh_is_cancelled(const struct cdh_refresh *refresh);
uint64_t cdh_refresh_deadline(const struct cdh_refresh *refresh);
int32_t cdh_refresh_emit(struct cdh_refresh *refresh,
			 const struct cdh_record *record);
int32_t cdh_refresh_scope_result(struct cdh_refresh *refresh, const char *scope,
				 int32_t result, const char *detail);
void cdh_refresh_count_request(struct cdh_refresh *refresh, int32_t status);
void cdh_refresh_gauge(struct cdh_refresh *refresh, const char *name,
		       int64_t value);
/* scope_observed (1.1): the scope's data is read from `realtime_ns` on; a
 * second call for one scope keeps the earlier time (conservative). */
int32_t cdh_refresh_scope_observed(struct cdh_refresh *refresh,
				   const char *scope, uint64_t realtime_ns);

/*
 * Closes a refresh that returned CDH_OK: a scope that has records but no
 * result counts as CDH_SCOPE_OK. 0 ok, -1 out of memory.
 */
int cdh_refresh_finish(struct cdh_refresh *refresh);

/* Total requests counted. */
uint64_t cdh_refresh_request_total(const struct cdh_refresh *refresh);

/* Monotonic clock in nanoseconds. */
uint64_t cdh_monotonic_ns(void);
/* Wall clock (CLOCK_REALTIME) in nanoseconds since the epoch. */
uint64_t cdh_realtime_ns(void);

#endif
