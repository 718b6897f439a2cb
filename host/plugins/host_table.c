#include "plugins/host_table.h"

#include <stdint.h>

#include "config/config_view.h"
#include "util/log.h"
#include "util/progress.h"
#include "store/refresh.h"
#include "store/store.h"

/*
 * The read API (since 1.1): a struct cdh_cache handed to plugins is the
 * host's struct cdh_store. A store error is transient for the plugin: the
 * Redis backend, for one, comes back.
 */
static struct cdh_store *store_of(const struct cdh_cache *cache)
{
	return (struct cdh_store *)(uintptr_t)cache;
}

struct row_call {
	cdh_cache_row_fn fn;
	cdh_cache_record_fn record_fn;
	void *data;
	int stopped; /* fn asked to stop */
};

static int call_row(const char *id, const char *attributes, void *data)
{
	struct row_call *call = data;

	call->stopped = call->fn(call->data, id, attributes) != 0;
	return call->stopped;
}

static int call_record(const char *type, const char *id,
		       const char *attributes, void *data)
{
	struct row_call *call = data;

	return call->record_fn(call->data, type, id, attributes) != 0;
}

static int32_t cache_ids(const struct cdh_cache *cache, const char *type,
			 const char *glob, cdh_cache_row_fn fn, void *data)
{
	struct row_call call = { fn, NULL, data, 0 };
	char err[256];

	if (!cache || !type || !glob || !fn)
		return CDH_E_FATAL;
	return cdh_store_match(store_of(cache), type, glob, call_row, &call, err,
			       sizeof(err)) == 0
		       ? CDH_OK
		       : CDH_E_TRANSIENT;
}

static int32_t cache_get(const struct cdh_cache *cache, const char *type,
			 const char *const *ids, size_t count,
			 cdh_cache_row_fn fn, void *data)
{
	struct row_call call = { fn, NULL, data, 0 };
	char err[256];
	size_t i;

	if (!cache || !type || (count && !ids) || !fn)
		return CDH_E_FATAL;
	for (i = 0; i < count && !call.stopped; i++)
		if (cdh_store_get(store_of(cache), type, ids[i], call_row, &call,
				  err, sizeof(err)) < 0)
			return CDH_E_TRANSIENT;
	return CDH_OK;
}

static int32_t cache_scope(const struct cdh_cache *cache, const char *agent,
			   const char *scope, cdh_cache_record_fn fn, void *data)
{
	struct row_call call = { NULL, fn, data, 0 };
	char err[256];

	if (!cache || !agent || !scope || !fn)
		return CDH_E_FATAL;
	return cdh_store_scope_records(store_of(cache), agent, scope,
				       call_record, &call, err, sizeof(err)) == 0
		       ? CDH_OK
		       : CDH_E_TRANSIENT;
}

static int32_t previous_records(struct cdh_refresh *refresh, const char *scope,
				cdh_cache_record_fn fn, void *data)
{
	if (!refresh || !refresh->store)
		return CDH_OK; /* nothing stored to read (a test, a dry run) */
	return cache_scope((const struct cdh_cache *)(void *)refresh->store,
			   refresh->agent, scope, fn, data);
}

const char *cdh_strerror(int32_t code)
{
	switch (code) {
	case CDH_OK:
		return "ok";
	case CDH_E_TRANSIENT:
		return "transient failure";
	case CDH_E_CONFIG:
		return "configuration error";
	case CDH_E_FATAL:
		return "fatal error";
	case CDH_E_CANCELLED:
		return "cancelled";
	case CDH_E_NOMEM:
		return "out of memory";
	case CDH_E_ABI:
		return "ABI mismatch";
	case CDH_E_CREDENTIALS:
		return "credentials";
	default:
		return "unknown error";
	}
}

/* The table takes finished strings: a plugin's text is never a format. */
static void table_log(int32_t level, const char *who, const char *msg)
{
	cdh_log(level, who, "%s", msg ? msg : "");
}

static void table_config_diag(const struct cdh_config_node *node, int32_t level,
			      const char *msg)
{
	cdh_cfg_diag(node, level, "%s", msg ? msg : "");
}

/* A refresh's progress goes to the terminal's line as differences (it adds
 * every refresh's); outside a refresh, what a plugin waits for. */
static void table_progress(struct cdh_refresh *refresh, const char *what,
			   uint64_t done, uint64_t total)
{
	if (!refresh) {
		cdh_progress_waiting(what);
		return;
	}
	cdh_progress_units((int64_t)done - refresh->progress_done,
			   (int64_t)total - refresh->progress_total, what);
	refresh->progress_done = (int64_t)done;
	refresh->progress_total = (int64_t)total;
}

static const struct cdh_host_api api = {
	.struct_size = sizeof(struct cdh_host_api),
	.abi_minor = CDH_ABI_MINOR,
	.log = table_log,
	.monotonic_ns = cdh_monotonic_ns,
	.strerror = cdh_strerror,
	.cfg_type = cdh_cfg_type,
	.cfg_name = cdh_cfg_name,
	.cfg_line = cdh_cfg_line,
	.cfg_count = cdh_cfg_count,
	.cfg_at = cdh_cfg_at,
	.cfg_member = cdh_cfg_member,
	.cfg_string = cdh_cfg_string,
	.cfg_int = cdh_cfg_int,
	.cfg_bool = cdh_cfg_bool,
	.config_diag = table_config_diag,
	.is_cancelled = cdh_refresh_is_cancelled,
	.deadline_ns = cdh_refresh_deadline,
	.emit_record = cdh_refresh_emit,
	.scope_result = cdh_refresh_scope_result,
	.count_request = cdh_refresh_count_request,
	.gauge = cdh_refresh_gauge,
	.cfg_file = cdh_cfg_file,
	.cache_ids = cache_ids,
	.cache_get = cache_get,
	.cache_scope = cache_scope,
	.previous_records = previous_records,
	.scope_observed = cdh_refresh_scope_observed,
	.progress = table_progress,
};

const struct cdh_host_api *cdh_host_table_get(void)
{
	return &api;
}
