#include "store/refresh.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/progress.h"

uint64_t cdh_monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t cdh_realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int cdh_refresh_init(struct cdh_refresh *refresh, const char *agent,
		     uint64_t deadline_ns, const atomic_int *cancel)
{
	memset(refresh, 0, sizeof(*refresh));
	atomic_init(&refresh->cancelled, 0);
	refresh->also_cancelled = cancel;
	refresh->deadline_ns = deadline_ns;
	refresh->began_ns = cdh_realtime_ns();
	cdh_record_spool_init(&refresh->records, CDH_RECORD_SPOOL_MEMORY);
	refresh->agent = strdup(agent);
	return refresh->agent ? 0 : -1;
}

int cdh_refresh_set_provider(struct cdh_refresh *refresh, const char *provider)
{
	free(refresh->provider);
	refresh->provider = strdup(provider);
	return refresh->provider ? 0 : -1;
}

void cdh_refresh_release(struct cdh_refresh *refresh)
{
	size_t i;

	cdh_record_spool_release(&refresh->records);
	for (i = 0; i < refresh->record_scope_count; i++)
		free(refresh->record_scopes[i]);
	free(refresh->record_scopes);
	for (i = 0; i < refresh->scope_count; i++)
		free(refresh->scopes[i].scope);
	for (i = 0; i < refresh->observed_count; i++)
		free(refresh->observed[i].scope);
	free(refresh->observed);
	free(refresh->scopes);
	free(refresh->agent);
	free(refresh->provider);
	memset(refresh, 0, sizeof(*refresh));
}

void cdh_refresh_cancel(struct cdh_refresh *refresh)
{
	atomic_store(&refresh->cancelled, 1);
}

int32_t cdh_refresh_is_cancelled(const struct cdh_refresh *refresh)
{
	if (atomic_load(&refresh->cancelled) ||
	    (refresh->also_cancelled && atomic_load(refresh->also_cancelled)))
		return 1;
	return refresh->deadline_ns && cdh_monotonic_ns() > refresh->deadline_ns;
}

uint64_t cdh_refresh_deadline(const struct cdh_refresh *refresh)
{
	return refresh->deadline_ns;
}

/*
 * `items` (of `size` bytes each) with room for one more: the same or a moved
 * array, or NULL when out of memory (then `items` is untouched).
 */
static void *grow(void *items, size_t *alloc, size_t count, size_t size)
{
	size_t n = *alloc ? *alloc * 2 : 64;
	void *grown;

	if (count < *alloc)
		return items;
	grown = realloc(items, n * size);
	if (grown)
		*alloc = n;
	return grown;
}

/*
 * Notes that `scope` has records, unless one of the last scopes noted is
 * it: a plugin emits scope by scope (for cdh_refresh_finish). 0, -1 nomem.
 */
static int note_record_scope(struct cdh_refresh *refresh, const char *scope)
{
	char **scopes;
	size_t i;

	for (i = refresh->record_scope_count;
	     i-- > 0 && i + 8 >= refresh->record_scope_count;)
		if (strcmp(refresh->record_scopes[i], scope) == 0)
			return 0;
	scopes = grow(refresh->record_scopes, &refresh->record_scope_alloc,
		      refresh->record_scope_count, sizeof(*scopes));
	if (!scopes)
		return -1;
	refresh->record_scopes = scopes;
	if (!(scopes[refresh->record_scope_count] = strdup(scope)))
		return -1;
	refresh->record_scope_count++;
	return 0;
}

int32_t cdh_refresh_emit(struct cdh_refresh *refresh,
			 const struct cdh_record *record)
{
	struct cdh_spooled_record copy;
	int rc;

	if (!record || !record->scope || !record->type || !record->id ||
	    !record->attributes)
		return CDH_E_FATAL;
	copy.scope = record->scope;
	copy.type = record->type;
	copy.id = record->id;
	copy.attributes = record->attributes;
	if (note_record_scope(refresh, record->scope) != 0)
		rc = -1;
	else
		rc = cdh_record_spool_append(&refresh->records, &copy);
	if (rc == 0)
		return CDH_OK;
	/* A record that cannot be kept (no memory, a full disk: -2, the
	 * spool says why) fails the cycle. The ABI has one code for both. */
	if (rc == -1)
		refresh->nomem = 1;
	return CDH_E_NOMEM;
}

int32_t cdh_refresh_scope_result(struct cdh_refresh *refresh, const char *scope,
				 int32_t result, const char *detail)
{
	struct cdh_refresh_scope *s;

	if (!scope || (result != CDH_SCOPE_OK && result != CDH_SCOPE_FAILED))
		return CDH_E_FATAL;
	s = grow(refresh->scopes, &refresh->scope_alloc, refresh->scope_count,
		 sizeof(*s));
	if (!s) {
		refresh->nomem = 1;
		return CDH_E_NOMEM;
	}
	refresh->scopes = s;
	s = &refresh->scopes[refresh->scope_count];
	s->scope = strdup(scope);
	s->result = result;
	if (!s->scope) {
		refresh->nomem = 1;
		return CDH_E_NOMEM;
	}
	refresh->scope_count++;
	if (result == CDH_SCOPE_FAILED)
		refresh->failed_scopes++;
	else if (detail && *detail)
		refresh->incomplete_scopes++;
	/* The first problem, for the cycle's summary and /health. */
	if (detail && *detail && !refresh->problem[0])
		snprintf(refresh->problem, sizeof(refresh->problem), "%s: %s",
			 scope, detail);
	return CDH_OK;
}

void cdh_refresh_count_request(struct cdh_refresh *refresh, int32_t status)
{
	int cls = status >= 100 && status < 600 ? status / 100 : 0;

	refresh->requests[cls]++;
	cdh_progress_request(status);
}

/* Metric names reach /metrics verbatim: only [a-z0-9_] is let through. */
static int valid_gauge_name(const char *name)
{
	size_t len = strlen(name), i;

	if (len == 0 || len >= CDH_GAUGE_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		      (name[i] >= '0' && name[i] <= '9') || name[i] == '_'))
			return 0;
	return 1;
}

void cdh_refresh_gauge(struct cdh_refresh *refresh, const char *name,
		       int64_t value)
{
	size_t i;

	if (!name || !valid_gauge_name(name))
		return;
	for (i = 0; i < refresh->gauge_count; i++)
		if (strcmp(refresh->gauges[i].name, name) == 0)
			break;
	if (i == CDH_GAUGES_MAX)
		return;
	if (i == refresh->gauge_count) {
		snprintf(refresh->gauges[i].name, CDH_GAUGE_NAME_MAX, "%s", name);
		refresh->gauge_count++;
	}
	refresh->gauges[i].value = value;
}

int32_t cdh_refresh_scope_observed(struct cdh_refresh *refresh,
				   const char *scope, uint64_t realtime_ns)
{
	struct cdh_refresh_observed *o;
	size_t i;

	if (!refresh || !scope || realtime_ns == 0)
		return CDH_E_FATAL;
	/* A plugin calls this once per scope; a scan keeps it simple. The
	 * last entries are checked first: a repeat comes right after. */
	for (i = refresh->observed_count; i-- > 0 &&
					  i + 8 >= refresh->observed_count;)
		if (strcmp(refresh->observed[i].scope, scope) == 0) {
			if (realtime_ns < refresh->observed[i].realtime_ns)
				refresh->observed[i].realtime_ns = realtime_ns;
			return CDH_OK;
		}
	o = grow(refresh->observed, &refresh->observed_alloc,
		 refresh->observed_count, sizeof(*o));
	if (!o) {
		refresh->nomem = 1;
		return CDH_E_NOMEM;
	}
	refresh->observed = o;
	o = &refresh->observed[refresh->observed_count];
	if (!(o->scope = strdup(scope))) {
		refresh->nomem = 1;
		return CDH_E_NOMEM;
	}
	o->realtime_ns = realtime_ns;
	refresh->observed_count++;
	return CDH_OK;
}

uint64_t cdh_refresh_request_total(const struct cdh_refresh *refresh)
{
	uint64_t total = 0;
	int i;

	for (i = 0; i < CDH_STATUS_CLASSES; i++)
		total += refresh->requests[i];
	return total;
}

static int has_scope(const struct cdh_refresh *refresh, const char *scope)
{
	size_t i;

	for (i = 0; i < refresh->scope_count; i++)
		if (strcmp(refresh->scopes[i].scope, scope) == 0)
			return 1;
	return 0;
}

int cdh_refresh_finish(struct cdh_refresh *refresh)
{
	size_t i;

	for (i = 0; i < refresh->record_scope_count; i++) {
		const char *scope = refresh->record_scopes[i];

		if (!has_scope(refresh, scope) &&
		    cdh_refresh_scope_result(refresh, scope, CDH_SCOPE_OK,
					     NULL) != CDH_OK)
			return -1;
	}
	return 0;
}
