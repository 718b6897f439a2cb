#include "schedule/runner.h"

#include <stdio.h>
#include <string.h>

#include "plugins/host_table.h"
#include "util/log.h"
#include "store/refresh.h"

/* ", N incomplete" when scopes were stored with failed items, else "". */
static const char *incomplete_note(const struct cdh_run_summary *s, char *buf,
				   size_t len)
{
	buf[0] = '\0';
	if (s->incomplete_scopes)
		snprintf(buf, len, ", %zu incomplete", s->incomplete_scopes);
	return buf;
}

static void log_summary(const struct cdh_account *account,
			const struct cdh_run_summary *s)
{
	char note[64];

	if (cdh_run_summary_clean(s))
		cdh_log(CDH_LOG_INFO, account->name,
			"%s: ok: %zu repositories, %zu records, %llu requests, %.3f s",
			s->agent, s->scopes, s->records,
			(unsigned long long)s->requests, s->seconds);
	else if (s->result == CDH_OK)
		cdh_log(CDH_LOG_WARN, account->name,
			"%s: partial: %zu repositories (%zu failed, kept)%s, %zu records, "
			"%llu requests, %.3f s%s%s",
			s->agent, s->scopes, s->failed_scopes,
			incomplete_note(s, note, sizeof(note)), s->records,
			(unsigned long long)s->requests, s->seconds,
			s->problem[0] ? "; first problem: " : "", s->problem);
	else
		cdh_log(CDH_LOG_ERROR, account->name,
			"%s: failed (%s): %s; cache kept, %llu requests, %.3f s",
			s->agent, cdh_strerror(s->result), s->error,
			(unsigned long long)s->requests, s->seconds);
}

static int32_t refresh_and_store(const struct cdh_account *account,
				 uint32_t index, struct cdh_store *store,
				 struct cdh_refresh *refresh,
				 struct cdh_run_summary *s)
{
	int32_t rc = account->plugin->ops.refresh(account->instance, index,
						  refresh, s->error,
						  sizeof(s->error));

	if (rc == CDH_OK && (refresh->nomem || cdh_refresh_finish(refresh) != 0)) {
		snprintf(s->error, sizeof(s->error), "out of memory");
		rc = CDH_E_NOMEM;
	}
	if (rc == CDH_OK &&
	    cdh_store_apply(store, refresh, s->error, sizeof(s->error)) != 0)
		rc = CDH_E_FATAL;
	s->scopes = refresh->scope_count;
	s->failed_scopes = refresh->failed_scopes;
	s->incomplete_scopes = refresh->incomplete_scopes;
	memcpy(s->problem, refresh->problem, sizeof(s->problem));
	s->records = refresh->record_count;
	s->requests = cdh_refresh_request_total(refresh);
	memcpy(s->requests_by_class, refresh->requests, sizeof(refresh->requests));
	memcpy(s->gauges, refresh->gauges, sizeof(refresh->gauges));
	s->gauge_count = refresh->gauge_count;
	return rc;
}

int32_t cdh_runner_refresh(const struct cdh_account *account, uint32_t index,
			   struct cdh_store *store, uint64_t deadline_ns,
			   const atomic_int *cancel, struct cdh_run_summary *s)
{
	struct cdh_refresh refresh;
	uint64_t start = cdh_monotonic_ns();

	memset(s, 0, sizeof(*s));
	if (account->plugin->ops.agent_name(account->instance, index, s->agent,
					    sizeof(s->agent)) != CDH_OK)
		snprintf(s->agent, sizeof(s->agent), "%s/agent[%u]",
			 account->name, index + 1);
	if (cdh_refresh_init(&refresh, s->agent, deadline_ns, cancel) != 0) {
		snprintf(s->error, sizeof(s->error), "out of memory");
		s->result = CDH_E_NOMEM;
	} else {
		s->result = refresh_and_store(account, index, store, &refresh, s);
	}
	cdh_refresh_release(&refresh);
	s->seconds = (double)(cdh_monotonic_ns() - start) / 1e9;
	log_summary(account, s);
	if (s->result == CDH_OK && !cdh_run_summary_clean(s))
		return CDH_E_TRANSIENT;
	return s->result;
}

int cdh_runner_run_all(const struct cdh_accounts *accounts,
		       struct cdh_store *store)
{
	struct cdh_run_summary summary;
	int failed = 0;
	size_t i;
	uint32_t a;

	for (i = 0; i < accounts->count; i++)
		for (a = 0; a < accounts->items[i]->agent_count; a++)
			if (cdh_runner_refresh(accounts->items[i], a, store, 0,
					       NULL, &summary) != CDH_OK)
				failed = 1;
	return failed;
}
