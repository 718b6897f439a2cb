/*
 * status - what /health and /metrics report: per agent the last refresh
 * (result, duration, records, requests by status, and the scheduler's state
 * for it: ok, backoff, config-error or disabled; "starting" before its
 * first run, "unhealthy" while no run has stored anything), per account the
 * last success and last error, and the result of the last reload. One status
 * belongs to one service (service.c creates it and hands it to the
 * scheduler's result callback and the HTTP API). Written on the control
 * thread, read by the HTTP threads; internally locked.
 */
#ifndef CDH_STATUS_H
#define CDH_STATUS_H

#include "schedule/runner.h"
#include "schedule/scheduler.h"
#include "store/store.h"

struct cdh_text;

struct cdh_status;

/* An empty status (no run yet, last reload ok), or NULL when out of memory.
 * Free with cdh_status_free (NULL is fine). */
struct cdh_status *cdh_status_new(void);
void cdh_status_free(struct cdh_status *status);

/* Records one finished run of an agent of `account`. */
void cdh_status_record_run(struct cdh_status *status, const char *account,
			   const struct cdh_run_summary *s);
/*
 * Records one scope refresh (a push, on demand) of an agent of `account`:
 * /health's "push" shows the last per account (time, scope, result),
 * /metrics counts them (cdhost_push_refreshes_total{account,result}). An
 * agent that does not cache the scope (CDH_E_CONFIG) is counted as
 * "not_cached" and does not hide another agent's result for that scope.
 */
void cdh_status_record_push(struct cdh_status *status, const char *account,
			    const char *scope, const struct cdh_run_summary *s);

/* An agent that was scheduled: /health lists it ("starting") before its
 * first run ends. Nothing changes for an agent that has run. */
void cdh_status_add_agent(struct cdh_status *status, const char *account,
			  const char *agent);
/* Forgets an account and its agents (it was removed). */
void cdh_status_forget_account(struct cdh_status *status, const char *account);
/* The last reload: ok, or the error ("file:line: why") it was refused with. */
void cdh_status_set_reload(struct cdh_status *status, int ok, const char *error);

/*
 * Several nodes: this node's id, and whether the agent locks' Redis answers
 * (`why` NULL when it does). /health then shows "cluster" and, per agent,
 * its lock's owner and the node and time of its last run; /metrics the
 * lock tries won and lost per agent.
 */
void cdh_status_set_cluster(struct cdh_status *status, const char *node,
			    const char *why);
/* What the cluster says of an agent of `account` (once a second). */
void cdh_status_record_cluster(struct cdh_status *status, const char *account,
			       const struct cdh_agent_cluster *info);

/* /health: {"status":"UP",...}; caller frees; NULL when out of memory. */
char *cdh_status_health_json(struct cdh_status *status);
/* /metrics: Prometheus text format; with a `store`, the records each
 * account has stored per type (cdhost_cached_records{account,type}).
 * Caller frees; NULL when out of memory. */
/* Metrics of another module (Echo's), appended to /metrics' text under the
 * status' lock; set once before the API serves. fn NULL: none. */
void cdh_status_set_extra_metrics(struct cdh_status *status,
				  void (*fn)(void *ctx, struct cdh_text *out),
				  void *ctx);

char *cdh_status_metrics_text(struct cdh_status *status, struct cdh_store *store);

#endif
