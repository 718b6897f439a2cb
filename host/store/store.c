/*
 * store - dispatch to the configured backend (store_backend.h), and the
 * newest-observation rule every backend shares: a scope whose data was read
 * before what the store holds for it is kept, not overwritten (a slow full
 * cycle never undoes a fresher push).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_backend.h"
#include "util/log.h"

struct cdh_store {
	const struct cdh__store_backend *backend;
	struct cdh__store_impl *impl;
	/* Observation check, apply and record as one step in this process
	 * (between nodes of a cluster: see cdh_store_apply in store.h). */
	pthread_mutex_t observe_lock;
};

static struct cdh_store *wrap(const struct cdh__store_backend *backend,
			      struct cdh__store_impl *impl, char *err,
			      size_t errlen)
{
	struct cdh_store *store;

	if (!impl)
		return NULL;
	store = malloc(sizeof(*store));
	if (!store) {
		backend->close(impl);
		snprintf(err, errlen, "cache store: out of memory");
		return NULL;
	}
	store->backend = backend;
	store->impl = impl;
	pthread_mutex_init(&store->observe_lock, NULL);
	return store;
}

struct cdh_store *cdh_store_open_sqlite(const char *path, char *err,
					size_t errlen)
{
	return wrap(&cdh__store_sqlite, cdh__store_sqlite_open(path, err, errlen),
		    err, errlen);
}

struct cdh_store *cdh_store_open_memory(char *err, size_t errlen)
{
	return wrap(&cdh__store_memory, cdh__store_memory_open(err, errlen), err,
		    errlen);
}

struct cdh_store *cdh_store_open_redis(const char *url,
				       const char *password_file, char *err,
				       size_t errlen)
{
	return wrap(&cdh__store_redis,
		    cdh__store_redis_open(url, password_file, err, errlen), err,
		    errlen);
}

const char *cdh_store_backend_name(const struct cdh_store *store)
{
	return store->backend->name;
}

int cdh_store_health(struct cdh_store *store, char *why, size_t whylen)
{
	if (!store->backend->health)
		return 0;
	return store->backend->health(store->impl, why, whylen);
}

int cdh__store_server(const struct cdh_store *store, struct cdh_redis_url *out)
{
	if (!store->backend->server)
		return -1;
	store->backend->server(store->impl, out);
	return 0;
}

void cdh_store_close(struct cdh_store *store)
{
	if (!store)
		return;
	store->backend->close(store->impl);
	pthread_mutex_destroy(&store->observe_lock);
	free(store);
}

/* One observed scope: when this refresh read it, when the stored data was
 * read, and how the refresh says it ended (-1: not mentioned). */
struct observation {
	const char *scope;
	uint64_t ns, stored;
	int result;
};

static int observation_order(const void *pa, const void *pb)
{
	const struct observation *a = pa, *b = pb;

	return strcmp(a->scope, b->scope);
}

static int scope_order(const void *pa, const void *pb)
{
	const struct cdh_refresh_scope *a = pa, *b = pb;

	return strcmp(a->scope, b->scope);
}

/* The refresh's observations, one per scope (the earliest), sorted, with
 * each scope's result; NULL when out of memory. */
static struct observation *observations(const struct cdh_refresh *refresh,
					size_t *count)
{
	size_t n = refresh->observed_count, out = 0, i;
	struct observation *obs = calloc(n + 1, sizeof(*obs));
	struct cdh_refresh_scope *scopes =
		malloc((refresh->scope_count + 1) * sizeof(*scopes));

	if (!obs || !scopes) {
		free(obs);
		free(scopes);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		obs[i].scope = refresh->observed[i].scope;
		obs[i].ns = refresh->observed[i].realtime_ns;
	}
	qsort(obs, n, sizeof(*obs), observation_order);
	for (i = 0; i < n; i++) {
		if (out && strcmp(obs[out - 1].scope, obs[i].scope) == 0) {
			if (obs[i].ns < obs[out - 1].ns)
				obs[out - 1].ns = obs[i].ns;
			continue;
		}
		obs[out++] = obs[i];
	}
	if (refresh->scope_count)
		memcpy(scopes, refresh->scopes,
		       refresh->scope_count * sizeof(*scopes));
	qsort(scopes, refresh->scope_count, sizeof(*scopes), scope_order);
	for (i = 0; i < out; i++) {
		struct cdh_refresh_scope key = { (char *)(uintptr_t)obs[i].scope, 0 };
		const struct cdh_refresh_scope *hit =
			bsearch(&key, scopes, refresh->scope_count,
				sizeof(*scopes), scope_order);

		obs[i].result = hit ? hit->result : -1;
	}
	free(scopes);
	*count = out;
	return obs;
}

static int stale(const struct observation *o)
{
	return o->result == CDH_SCOPE_OK && o->stored > o->ns;
}

/*
 * The refresh as the backend should apply it: each stale scope reported
 * FAILED (so it keeps what it has) in a copy of the scope list, into
 * *scopes (the caller frees). NULL *scopes when none is stale.
 */
static int mark_stale(const struct cdh_refresh *refresh,
		      const struct observation *obs, size_t n,
		      struct cdh_refresh *view, struct cdh_refresh_scope **scopes)
{
	size_t i, count = 0;

	*scopes = NULL;
	for (i = 0; i < n; i++)
		count += stale(&obs[i]) != 0;
	if (!count)
		return 0;
	*scopes = malloc((refresh->scope_count + 1) * sizeof(**scopes));
	if (!*scopes)
		return -1;
	memcpy(*scopes, refresh->scopes, refresh->scope_count * sizeof(**scopes));
	for (i = 0; i < refresh->scope_count; i++) {
		struct observation key = { (*scopes)[i].scope, 0, 0, 0 };
		const struct observation *o =
			bsearch(&key, obs, n, sizeof(*obs), observation_order);

		if (o && stale(o)) {
			(*scopes)[i].result = CDH_SCOPE_FAILED;
			cdh_log(CDH_LOG_INFO, refresh->agent,
				"%s: kept: what is stored was read %llu ms later",
				o->scope,
				(unsigned long long)((o->stored - o->ns) / 1000000u));
		}
	}
	/* The backends read the refresh only: a shallow copy whose scope list
	 * says "failed" for the stale ones. */
	memcpy(view, refresh, sizeof(*view));
	view->scopes = *scopes;
	view->failed_scopes += count;
	return 0;
}

/*
 * Whether to record the time of a scope this apply replaced: always for a
 * partial refresh (a push: what a slow cycle must not undo), and once a
 * time is kept for the scope (it must move on). A full cycle of a scope
 * never pushed records nothing, so a steady cycle still writes nothing to
 * Redis; the cost: a push that read such a scope before a cycle that
 * stored it first still writes (its repository changed since, and that
 * change sends its own notification).
 */
static int to_record(const struct cdh_refresh *refresh,
		     const struct observation *o)
{
	return o->result == CDH_SCOPE_OK && !stale(o) &&
	       (refresh->partial || o->stored != 0);
}

/* Records the observations of the scopes this apply replaced. */
static int record_observed(struct cdh_store *store,
			   const struct cdh_refresh *refresh,
			   const struct observation *obs, size_t n, char *err,
			   size_t errlen)
{
	const char **names = malloc((n + 1) * sizeof(*names));
	uint64_t *times = malloc((n + 1) * sizeof(*times));
	size_t i, k = 0;
	int rc = -1;

	if (!names || !times) {
		snprintf(err, errlen, "cache store: out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		if (to_record(refresh, &obs[i])) {
			names[k] = obs[i].scope;
			times[k++] = obs[i].ns;
		}
	rc = k ? store->backend->observed_put(store->impl, refresh->provider,
					      refresh->agent, names, times, k,
					      err, errlen)
	       : 0;
out:
	free(names);
	free(times);
	return rc;
}

/* Reads what is stored, applies what is not older, records the times. */
static int apply_newest(struct cdh_store *store,
			const struct cdh_refresh *refresh, char *err,
			size_t errlen)
{
	struct cdh_refresh_scope *scopes = NULL;
	struct cdh_refresh view;
	size_t n = 0, i;
	struct observation *obs = observations(refresh, &n);
	const char **names = obs ? malloc((n + 1) * sizeof(*names)) : NULL;
	uint64_t *stored = names ? calloc(n + 1, sizeof(*stored)) : NULL;
	int rc = -1;

	if (!stored) {
		snprintf(err, errlen, "cache store: out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		names[i] = obs[i].scope;
	rc = store->backend->observed_get(store->impl, refresh->provider,
					  refresh->agent, names, n, stored,
					  err, errlen);
	for (i = 0; rc == 0 && i < n; i++)
		obs[i].stored = stored[i];
	if (rc == 0 && mark_stale(refresh, obs, n, &view, &scopes) != 0) {
		snprintf(err, errlen, "cache store: out of memory");
		rc = -1;
	}
	if (rc == 0)
		rc = store->backend->apply(store->impl, scopes ? &view : refresh,
					   err, errlen);
	if (rc == 0)
		rc = record_observed(store, refresh, obs, n, err, errlen);
out:
	free(scopes);
	free(stored);
	free(names);
	free(obs);
	return rc;
}

/* Applies the refresh, keeping the newest observation of each scope. */
static int apply_observed(struct cdh_store *store,
			  const struct cdh_refresh *refresh, char *err,
			  size_t errlen)
{
	int rc;

	if (!refresh->observed_count || !store->backend->observed_get)
		return store->backend->apply(store->impl, refresh, err, errlen);
	pthread_mutex_lock(&store->observe_lock);
	rc = apply_newest(store, refresh, err, errlen);
	pthread_mutex_unlock(&store->observe_lock);
	return rc;
}

/* Whether storing `refresh` ends its agent's first fill (store.h): a whole
 * cycle, every scope stored (a stale scope kept a newer push: stored). */
static int completes_fill(const struct cdh_refresh *refresh)
{
	return !refresh->partial && refresh->failed_scopes == 0;
}

int cdh_store_apply(struct cdh_store *store, const struct cdh_refresh *refresh,
		    char *err, size_t errlen)
{
	struct cdh_refresh quiet;
	int filled = 0;
	int rc = store->backend->fill_begin(store->impl, refresh->provider,
					    refresh->agent, &filled, err,
					    errlen);

	if (rc != 0)
		return rc;
	if (!filled && refresh->changes) {
		/* Not even compared: the whole registry may be new. The
		 * backends read the refresh only: a shallow copy. */
		refresh->changes->first_fill = 1;
		memcpy(&quiet, refresh, sizeof(quiet));
		quiet.changes = NULL;
	}
	rc = apply_observed(store, !filled && refresh->changes ? &quiet : refresh,
			    err, errlen);
	if (rc == 0 && !filled && completes_fill(refresh))
		rc = store->backend->fill_done(store->impl, refresh->provider,
					       refresh->agent, err, errlen);
	return rc;
}

int cdh_store_forget_agent(struct cdh_store *store, const char *agent,
			   char *err, size_t errlen)
{
	return store->backend->forget_agent(store->impl, agent, err, errlen);
}

int cdh_store_scan(struct cdh_store *store, const char *type,
		   const char *id_prefix, cdh_store_row_fn fn, void *data,
		   char *err, size_t errlen)
{
	return store->backend->scan(store->impl, type, id_prefix, fn, data, err,
				    errlen);
}

int cdh_store_get(struct cdh_store *store, const char *type, const char *id,
		  cdh_store_row_fn fn, void *data, char *err, size_t errlen)
{
	return store->backend->get(store->impl, type, id, fn, data, err, errlen);
}

int cdh_store_scope_records(struct cdh_store *store, const char *agent,
			    const char *scope, cdh_store_record_fn fn,
			    void *data, char *err, size_t errlen)
{
	return store->backend->scope_records(store->impl, agent, scope, fn, data,
					     err, errlen);
}

struct glob_filter {
	const char *glob;
	cdh_store_row_fn fn;
	void *data;
};

static int filter_row(const char *id, const char *attributes, void *data)
{
	struct glob_filter *filter = data;

	if (!cdh_store_glob_match(filter->glob, id))
		return 0;
	return filter->fn(id, attributes, filter->data);
}

/* The glob's literal start (escapes resolved), into a new string; NULL:
 * nomem. *rest: where the literal start ends in `glob`. */
static char *glob_prefix(const char *glob, const char **rest)
{
	char *prefix = malloc(strlen(glob) + 1);
	size_t n = 0;

	if (!prefix)
		return NULL;
	for (; *glob && !strchr("*?[", *glob); glob++) {
		if (*glob == '\\' && glob[1])
			glob++;
		prefix[n++] = *glob;
	}
	prefix[n] = '\0';
	*rest = glob;
	return prefix;
}

/* Whether `rest` of a glob takes anything: nothing but stars. */
static int takes_anything(const char *rest)
{
	return *rest && rest[strspn(rest, "*")] == '\0';
}

int cdh_store_match(struct cdh_store *store, const char *type,
		    const char *glob, cdh_store_row_fn fn, void *data,
		    char *err, size_t errlen)
{
	struct glob_filter filter = { glob, fn, data };
	const char *rest;
	char *prefix = glob_prefix(glob, &rest);
	int rc;

	if (!prefix) {
		snprintf(err, errlen, "cache store: out of memory");
		return -1;
	}
	/* "prefix*" (a repository's tags, an account's images): every row
	 * the scan visits matches, no byte of it needs looking at again. */
	if (takes_anything(rest))
		rc = cdh_store_scan(store, type, prefix, fn, data, err, errlen);
	else
		rc = cdh_store_scan(store, type, prefix, filter_row, &filter,
				    err, errlen);
	free(prefix);
	return rc;
}

static void change_free(struct cdh_store_change *item)
{
	free(item->type);
	free(item->id);
	free(item->new_attributes);
	free(item->old_attributes);
}

int cdh_store_changes_add(struct cdh_store_changes *changes, const char *type,
			  const char *id, const char *old_attributes,
			  const char *new_attributes)
{
	struct cdh_store_change *item;

	if (changes->count == changes->alloc) {
		size_t alloc = changes->alloc ? 2 * changes->alloc : 16;
		void *grown = realloc(changes->items, alloc * sizeof(*item));

		if (!grown)
			return changes->nomem = 1, -1;
		changes->items = grown;
		changes->alloc = alloc;
	}
	item = &changes->items[changes->count];
	memset(item, 0, sizeof(*item));
	if (!(item->type = strdup(type)) || !(item->id = strdup(id)) ||
	    !(item->new_attributes = strdup(new_attributes)) ||
	    (old_attributes && !(item->old_attributes = strdup(old_attributes)))) {
		change_free(item);
		return changes->nomem = 1, -1;
	}
	changes->count++;
	return 0;
}

void cdh_store_changes_clear(struct cdh_store_changes *changes)
{
	size_t i;

	for (i = 0; i < changes->count; i++)
		change_free(&changes->items[i]);
	changes->count = 0;
}

void cdh_store_changes_release(struct cdh_store_changes *changes)
{
	cdh_store_changes_clear(changes);
	free(changes->items);
	memset(changes, 0, sizeof(*changes));
}
