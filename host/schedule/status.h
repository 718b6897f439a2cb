/*
 * status - what /health and /metrics report: per agent the last refresh
 * (result, duration, records, requests by status, and the scheduler's state
 * for it: ok, backoff, config-error or disabled), per account the last
 * success and last error, and the result of the last reload. Written on the
 * control thread, read by the HTTP threads; internally locked.
 */
#ifndef CDH_STATUS_H
#define CDH_STATUS_H

#include "schedule/runner.h"
#include "store/store.h"

/* Records one finished run of an agent of `account`. */
void cdh_status_record_run(const char *account, const struct cdh_run_summary *s);
/* Forgets an account and its agents (it was removed). */
void cdh_status_forget_account(const char *account);
/* The last reload: ok, or the error ("file:line: why") it was refused with. */
void cdh_status_set_reload(int ok, const char *error);
/* Frees everything (at exit). */
void cdh_status_reset(void);

/* /health: {"status":"UP",...}; caller frees; NULL when out of memory. */
char *cdh_status_health_json(void);
/* /metrics: Prometheus text format; `store` counts cached images. */
char *cdh_status_metrics_text(struct cdh_store *store);

#endif
