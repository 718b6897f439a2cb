#include "schedule/runner.h"

#include <malloc.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "plugins/host_table.h"
#include "util/log.h"
#include "store/refresh.h"

static const struct cdh_runner_events *_Atomic events_hook;

void cdh_runner_set_events(const struct cdh_runner_events *events)
{
	atomic_store(&events_hook, events);
}

/* Stores the refresh, noting its changes for the events hook if wanted. */
static int store_apply(const struct cdh_account *account,
		       struct cdh_store *store, struct cdh_refresh *refresh,
		       char *err, size_t errlen)
{
	const struct cdh_runner_events *ev = atomic_load(&events_hook);
	struct cdh_store_changes changes = { 0 };
	int rc;

	if (ev && ev->wanted(ev->ctx, account))
		refresh->changes = &changes;
	rc = cdh_store_apply(store, refresh, err, errlen);
	/* Even after a failure: a Redis apply may have stored some scopes,
	 * and what it noted was stored. */
	if (refresh->changes && (changes.count || changes.first_fill))
		ev->changed(ev->ctx, account, refresh->agent, &changes);
	refresh->changes = NULL;
	cdh_store_changes_release(&changes);
	return rc;
}

const char *cdh_agent_state_name(int state)
{
	static const char *const names[] = { "ok", "backoff", "config-error",
					      "disabled" };

	return state >= 0 && state <= CDH_AGENT_DISABLED ? names[state] : "ok";
}

const char *cdh_run_state_name(const struct cdh_run_summary *s)
{
	if (s->state == CDH_AGENT_BACKOFF && s->result == CDH_E_CREDENTIALS)
		return "credentials";
	return cdh_agent_state_name(s->state);
}

/* ", N incomplete" when scopes were stored with failed items, else "". */
static const char *incomplete_note(const struct cdh_run_summary *s, char *buf,
				   size_t len)
{
	buf[0] = '\0';
	if (s->incomplete_scopes)
		snprintf(buf, len, ", %zu incomplete", s->incomplete_scopes);
	return buf;
}

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

/* " (N saved)" when the plugin reported a `requests_saved` gauge: requests
 * it did without (what the registry already told it), else "". */
static const char *saved_note(const struct cdh_run_summary *s, char *buf,
			      size_t len)
{
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < s->gauge_count; i++)
		if (strcmp(s->gauges[i].name, "requests_saved") == 0)
			snprintf(buf, len, " (%lld saved)",
				 (long long)s->gauges[i].value);
	return buf;
}

static void log_summary(const struct cdh_account *account,
			const struct cdh_run_summary *s)
{
	char note[64], dropped[160], saved[48];

	dropped_counts(s, dropped, sizeof(dropped));
	if (cdh_run_summary_clean(s))
		cdh_log(CDH_LOG_INFO, account->name,
			"%s: ok: %zu repositories, %zu records, %llu requests%s, %.3f s%s",
			s->agent, s->scopes, s->records,
			(unsigned long long)s->requests,
			saved_note(s, saved, sizeof(saved)), s->seconds, dropped);
	else if (s->result == CDH_OK)
		cdh_log(CDH_LOG_WARN, account->name,
			"%s: partial: %zu repositories (%zu failed, kept)%s, %zu records, "
			"%llu requests%s, %.3f s%s%s%s",
			s->agent, s->scopes, s->failed_scopes,
			incomplete_note(s, note, sizeof(note)), s->records,
			(unsigned long long)s->requests,
			saved_note(s, saved, sizeof(saved)), s->seconds, dropped,
			s->problem[0] ? "; first problem: " : "", s->problem);
	else
		cdh_log(CDH_LOG_ERROR, account->name,
			"%s: failed (%s): %s; cache kept, %llu requests, %.3f s",
			s->agent, cdh_strerror(s->result), s->error,
			(unsigned long long)s->requests, s->seconds);
}

static void add_stored(struct cdh_run_summary *s, const char *type,
		       uint64_t n)
{
	size_t i;

	for (i = 0; i < s->stored_types; i++)
		if (strcmp(s->stored[i].type, type) == 0)
			break;
	if (i == s->stored_types) {
		if (i == CDH_TYPES_MAX)
			return; /* more types than a gauge shows */
		snprintf(s->stored[i].type, sizeof(s->stored[i].type), "%s", type);
		s->stored_types++;
	}
	s->stored[i].count += n;
}

static int count_kept(const char *type, const char *id, const char *attributes,
		      void *data)
{
	(void)id, (void)attributes;
	add_stored(data, type, 1);
	return 0;
}

static int scope_failed(const struct cdh_refresh *refresh, const char *scope)
{
	size_t i;

	for (i = 0; i < refresh->scope_count; i++)
		if (refresh->scopes[i].result == CDH_SCOPE_FAILED &&
		    strcmp(refresh->scopes[i].scope, scope) == 0)
			return 1;
	return 0;
}

struct counting {
	const struct cdh_refresh *refresh;
	struct cdh_run_summary *s;
};

static int count_emitted(const struct cdh_spooled_record *r, void *data)
{
	struct counting *c = data;

	if (!c->refresh->failed_scopes || !scope_failed(c->refresh, r->scope))
		add_stored(c->s, r->type, 1);
	return 0;
}

/*
 * What the agent has stored per type after an applied run: the records of
 * its good scopes, plus what its failed scopes kept (read back: few). Any
 * provider's types, so /metrics needs no knowledge of them. Unknown when
 * the records cannot be read back (the store has them: the counts wait for
 * the next run).
 */
static void count_stored(const struct cdh_refresh *refresh,
			 struct cdh_store *store, struct cdh_run_summary *s)
{
	struct counting c = { refresh, s };
	char err[256];
	size_t i;

	if (cdh_record_spool_each(&refresh->records, count_emitted, &c, err,
				  sizeof(err)) != 0) {
		cdh_log(CDH_LOG_WARN, refresh->agent, "stored records not counted: %s",
			err);
		return;
	}
	for (i = 0; refresh->failed_scopes && i < refresh->scope_count; i++)
		if (refresh->scopes[i].result == CDH_SCOPE_FAILED)
			cdh_store_scope_records(store, refresh->agent,
						refresh->scopes[i].scope,
						count_kept, s, err, sizeof(err));
	s->stored_known = 1;
}

/* The plugin's refresh, or its refresh_scope when `scope` is given. */
static int32_t call_plugin(const struct cdh_account *account, uint32_t index,
			   const char *scope, struct cdh_refresh *refresh,
			   struct cdh_run_summary *s)
{
	const struct cdh_plugin_ops *ops = &account->plugin->ops;

	if (!scope)
		return ops->refresh(account->instance, index, refresh, s->error,
				    sizeof(s->error));
	if (!ops->refresh_scope) {
		snprintf(s->error, sizeof(s->error),
			 "plugin %s cannot refresh one scope (ABI 1.1 refresh_scope)",
			 account->plugin->desc.name);
		return CDH_E_CONFIG;
	}
	refresh->partial = 1;
	return ops->refresh_scope(account->instance, index, scope, refresh,
				  s->error, sizeof(s->error));
}

static int32_t refresh_and_store(const struct cdh_account *account,
				 uint32_t index, const char *scope,
				 struct cdh_store *store,
				 struct cdh_refresh *refresh,
				 struct cdh_run_summary *s)
{
	int32_t rc = call_plugin(account, index, scope, refresh, s);

	/* The records could not be kept (a full disk): the host's trouble,
	 * which may pass, where the plugin saw only a failed emit (NOMEM, or
	 * nothing). A cancel, a config or fatal error stays what it is. */
	if (refresh->records.failed && (rc == CDH_OK || rc == CDH_E_NOMEM)) {
		snprintf(s->error, sizeof(s->error), "%s", refresh->records.error);
		rc = CDH_E_TRANSIENT;
	}
	if (rc == CDH_OK && (refresh->nomem || cdh_refresh_finish(refresh) != 0)) {
		snprintf(s->error, sizeof(s->error), "out of memory");
		rc = CDH_E_NOMEM;
	}
	/* The store's trouble (a full disk, a locked file, Redis down) is the
	 * host's and may pass: transient, never a reason to disable the plugin's
	 * agent. Nothing was half-applied. */
	if (rc == CDH_OK &&
	    store_apply(account, store, refresh, s->error, sizeof(s->error)) != 0)
		rc = CDH_E_TRANSIENT;
	if (rc == CDH_OK && !refresh->partial) /* partial: the rest is unknown */
		count_stored(refresh, store, s);
	s->scopes = refresh->scope_count;
	s->failed_scopes = refresh->failed_scopes;
	s->incomplete_scopes = refresh->incomplete_scopes;
	memcpy(s->problem, refresh->problem, sizeof(s->problem));
	s->records = refresh->records.count;
	s->requests = cdh_refresh_request_total(refresh);
	memcpy(s->requests_by_class, refresh->requests, sizeof(refresh->requests));
	memcpy(s->gauges, refresh->gauges, sizeof(refresh->gauges));
	s->gauge_count = refresh->gauge_count;
	return rc;
}

/* Records a refresh makes before its freed memory is worth a trim. */
#define TRIM_RECORDS 10000

/*
 * A big cycle's copies (the Redis apply's, the spool's buffer) are freed
 * in the middle of a worker thread's malloc arena, which glibc gives back
 * only from its top: without this, the Redis backend's idle RSS at 50k
 * tags stayed at 37 MiB where 13 are in use. A small refresh frees too
 * little to walk every arena for.
 */
static void give_back_freed_memory(size_t records)
{
#ifdef __GLIBC__
	if (records >= TRIM_RECORDS)
		malloc_trim(0);
#else
	(void)records;
#endif
}

static int32_t run(const struct cdh_account *account, uint32_t index,
		   const char *scope, struct cdh_store *store,
		   uint64_t deadline_ns, const atomic_int *cancel,
		   struct cdh_run_summary *s)
{
	struct cdh_refresh refresh;
	uint64_t start = cdh_monotonic_ns();
	size_t records;
	/* The Redis store's key prefix, as Clouddriver's provider name. */
	const char *provider = account->plugin->desc.config_section;

	memset(s, 0, sizeof(*s));
	if (account->plugin->ops.agent_name(account->instance, index, s->agent,
					    sizeof(s->agent)) != CDH_OK)
		snprintf(s->agent, sizeof(s->agent), "%s/agent[%u]",
			 account->name, index + 1);
	if (cdh_refresh_init(&refresh, s->agent, deadline_ns, cancel) != 0 ||
	    (provider && cdh_refresh_set_provider(&refresh, provider) != 0)) {
		snprintf(s->error, sizeof(s->error), "out of memory");
		s->result = CDH_E_NOMEM;
	} else {
		refresh.store = store;
		s->result = refresh_and_store(account, index, scope, store,
					      &refresh, s);
	}
	records = refresh.records.count;
	cdh_refresh_release(&refresh);
	give_back_freed_memory(records);
	s->seconds = (double)(cdh_monotonic_ns() - start) / 1e9;
	/* A push for a repository this agent does not cache (another agent
	 * of the account does, or none): nothing to refresh, not an error. */
	if (scope && s->result == CDH_E_CONFIG)
		cdh_log(CDH_LOG_INFO, account->name, "%s: %s not refreshed: %s",
			s->agent, scope, s->error);
	else
		log_summary(account, s);
	if (s->result == CDH_OK && !cdh_run_summary_clean(s))
		return CDH_E_TRANSIENT;
	return s->result;
}

int32_t cdh_runner_refresh(const struct cdh_account *account, uint32_t index,
			   struct cdh_store *store, uint64_t deadline_ns,
			   const atomic_int *cancel, struct cdh_run_summary *s)
{
	return run(account, index, NULL, store, deadline_ns, cancel, s);
}

int32_t cdh_runner_refresh_scope(const struct cdh_account *account,
				 uint32_t index, const char *scope,
				 struct cdh_store *store, uint64_t deadline_ns,
				 const atomic_int *cancel,
				 struct cdh_run_summary *s)
{
	return run(account, index, scope, store, deadline_ns, cancel, s);
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
