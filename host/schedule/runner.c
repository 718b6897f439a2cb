#include "schedule/runner.h"

#include <stdio.h>
#include <string.h>

#include "plugins/host_table.h"
#include "util/log.h"
#include "store/refresh.h"

/*
 * What a plugin dropped this cycle, for the summary line: each gauge named
 * *_dropped with a value, as ", 3 invalid names dropped". The host only
 * knows the naming convention, not what was dropped.
 */
static void dropped_counts(const struct cdh_run_summary *s, char *out,
			   size_t outlen)
{
	size_t i, o = 0, len;
	int n;

	out[0] = '\0';
	for (i = 0; i < s->gauge_count && o < outlen; i++) {
		const char *name = s->gauges[i].name;

		len = strlen(name);
		if (s->gauges[i].value <= 0 || len <= 8 ||
		    strcmp(name + len - 8, "_dropped") != 0)
			continue;
		n = snprintf(out + o, outlen - o, ", %lld ",
			     (long long)s->gauges[i].value);
		for (o += n > 0 ? (size_t)n : 0; *name && o + 1 < outlen; name++)
			out[o++] = *name == '_' ? ' ' : *name;
		out[o < outlen ? o : outlen - 1] = '\0';
	}
}

static void log_summary(const struct cdh_account *account,
			const struct cdh_run_summary *s)
{
	char dropped[160];

	dropped_counts(s, dropped, sizeof(dropped));
	if (s->result == CDH_OK && s->failed_scopes == 0)
		cdh_log(CDH_LOG_INFO, account->name,
			"%s: ok: %zu repositories, %zu records, %llu requests, %.3f s%s",
			s->agent, s->scopes, s->records,
			(unsigned long long)s->requests, s->seconds, dropped);
	else if (s->result == CDH_OK)
		cdh_log(CDH_LOG_WARN, account->name,
			"%s: partial: %zu repositories (%zu failed, kept), %zu records, "
			"%llu requests, %.3f s%s",
			s->agent, s->scopes, s->failed_scopes, s->records,
			(unsigned long long)s->requests, s->seconds, dropped);
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
	if (s->result == CDH_OK && s->failed_scopes)
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
