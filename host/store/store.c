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
	 * (between nodes sharing Redis, the backend checks each scope's time
	 * in the scope's transaction: apply_observed). */
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

/* How often an apply that raced another node's write (Redis) is read and
 * applied again before it gives up; each retry passes the scopes it wrote. */
#define RACE_RETRIES 8

int cdh__observation_recorded(const struct cdh_refresh *refresh,
			      uint64_t stored)
{
	return refresh->partial || stored != 0;
}

static int observation_order(const void *pa, const void *pb)
{
	const struct cdh__observation *a = pa, *b = pb;

	return strcmp(a->scope, b->scope);
}

static int scope_order(const void *pa, const void *pb)
{
	const struct cdh_refresh_scope *a = pa, *b = pb;

	return strcmp(a->scope, b->scope);
}

/* What store.c decides before a backend applies a refresh. */
struct plan {
	struct cdh_refresh_scope *sorted; /* the refresh's scopes, by name */
	struct cdh__observation *obs;     /* sorted, one per scope */
	size_t n;
	char **kept; /* unmentioned scopes a push observed after it began */
	size_t kept_count, kept_alloc;
	int nomem;
	struct cdh_refresh_scope *scopes; /* the view's scope list, or NULL */
	struct cdh_refresh view;
};

/* The refresh's result for `scope`: CDH_SCOPE_OK/FAILED, -1 not mentioned. */
static int mentioned(const struct cdh_refresh *refresh, const struct plan *p,
		     const char *scope)
{
	struct cdh_refresh_scope key = { (char *)(uintptr_t)scope, 0 };
	const struct cdh_refresh_scope *hit =
		refresh->scope_count ? bsearch(&key, p->sorted, refresh->scope_count,
					       sizeof(key), scope_order)
				     : NULL;

	return hit ? hit->result : -1;
}

/* The refresh's observations, one per scope (the earliest), sorted, with
 * each scope's result. 0, or -1 out of memory. */
static int observations(const struct cdh_refresh *refresh, struct plan *p)
{
	size_t n = refresh->observed_count, out = 0, i;

	p->obs = calloc(n + 1, sizeof(*p->obs));
	p->sorted = malloc((refresh->scope_count + 1) * sizeof(*p->sorted));
	if (!p->obs || !p->sorted)
		return -1;
	for (i = 0; i < n; i++) {
		p->obs[i].scope = refresh->observed[i].scope;
		p->obs[i].ns = refresh->observed[i].realtime_ns;
	}
	qsort(p->obs, n, sizeof(*p->obs), observation_order);
	for (i = 0; i < n; i++) {
		if (out && strcmp(p->obs[out - 1].scope, p->obs[i].scope) == 0) {
			if (p->obs[i].ns < p->obs[out - 1].ns)
				p->obs[out - 1].ns = p->obs[i].ns;
			continue;
		}
		p->obs[out++] = p->obs[i];
	}
	if (refresh->scope_count)
		memcpy(p->sorted, refresh->scopes,
		       refresh->scope_count * sizeof(*p->sorted));
	qsort(p->sorted, refresh->scope_count, sizeof(*p->sorted), scope_order);
	for (i = 0; i < out; i++)
		p->obs[i].result = mentioned(refresh, p, p->obs[i].scope);
	p->n = out;
	return 0;
}

struct keeping {
	const struct cdh_refresh *refresh;
	struct plan *p;
};

/* Notes a scope pushed after the refresh began, unless the refresh
 * mentions it (then its own observation decides). */
static int keep_scope(const char *scope, void *data)
{
	struct keeping *k = data;
	struct plan *p = k->p;

	if (mentioned(k->refresh, p, scope) != -1)
		return 0;
	if (p->kept_count == p->kept_alloc) {
		size_t alloc = p->kept_alloc ? 2 * p->kept_alloc : 8;
		char **grown = realloc(p->kept, alloc * sizeof(*grown));

		if (!grown)
			return p->nomem = 1;
		p->kept = grown;
		p->kept_alloc = alloc;
	}
	if (!(p->kept[p->kept_count] = strdup(scope)))
		return p->nomem = 1;
	p->kept_count++;
	return 0;
}

/* Reads the stored times of the refresh's scopes into p->obs. */
static int read_stored(struct cdh_store *store,
		       const struct cdh_refresh *refresh, struct plan *p,
		       char *err, size_t errlen)
{
	const char **names = malloc((p->n + 1) * sizeof(*names));
	uint64_t *stored = calloc(p->n + 1, sizeof(*stored));
	size_t i;
	int rc = -1;

	if (!names || !stored) {
		snprintf(err, errlen, "cache store: out of memory");
		goto out;
	}
	for (i = 0; i < p->n; i++)
		names[i] = p->obs[i].scope;
	rc = store->backend->observed_get(store->impl, refresh->provider,
					  refresh->agent, names, p->n, stored,
					  err, errlen);
	for (i = 0; rc == 0 && i < p->n; i++)
		p->obs[i].stored = stored[i];
out:
	free(names);
	free(stored);
	return rc;
}

/*
 * What the store holds for the refresh's scopes: their times, and for a
 * full refresh the scopes it does not mention that a push observed after
 * it began. Those were not there to list when it began (a catalog read
 * after the start lists every repository pushed before), so deleting them
 * would lose a new repository until the next cycle.
 */
static int plan_read(struct cdh_store *store, const struct cdh_refresh *refresh,
		     struct plan *p, char *err, size_t errlen)
{
	struct keeping k = { refresh, p };
	int rc;

	if (observations(refresh, p) != 0) {
		snprintf(err, errlen, "cache store: out of memory");
		return -1;
	}
	rc = read_stored(store, refresh, p, err, errlen);
	if (rc == 0 && !refresh->partial && refresh->began_ns)
		rc = store->backend->observed_after(store->impl,
						    refresh->provider,
						    refresh->agent,
						    refresh->began_ns,
						    keep_scope, &k, err, errlen);
	if (rc == 0 && p->nomem) {
		snprintf(err, errlen, "cache store: out of memory");
		rc = -1;
	}
	return rc;
}

/* Whether what the store holds for the scope was read after the refresh
 * read it: the scope keeps it. */
static int stale(const struct cdh__observation *o)
{
	return o->result == CDH_SCOPE_OK && o->stored > o->ns;
}

/* Marks the refresh's stale scopes failed in the view's scope list. */
static size_t mark_stale(const struct cdh_refresh *refresh, struct plan *p)
{
	size_t i, count = 0;

	for (i = 0; i < refresh->scope_count; i++) {
		struct cdh__observation key = { p->scopes[i].scope, 0, 0, 0 };
		const struct cdh__observation *o =
			p->n ? bsearch(&key, p->obs, p->n, sizeof(*p->obs),
				       observation_order)
			     : NULL;

		if (o && stale(o)) {
			p->scopes[i].result = CDH_SCOPE_FAILED;
			count++;
			cdh_log(CDH_LOG_INFO, refresh->agent,
				"%s: kept: what is stored was read %llu ms later",
				o->scope,
				(unsigned long long)((o->stored - o->ns) / 1000000u));
		}
	}
	return count;
}

/*
 * The refresh as the backend should apply it: each stale scope, and each
 * kept unmentioned one, reported FAILED (so it keeps what it has) in a
 * copy of the scope list: p->view. p->scopes stays NULL when there is none.
 */
static int plan_view(const struct cdh_refresh *refresh, struct plan *p)
{
	size_t i, n = refresh->scope_count, stale_count = 0;

	for (i = 0; i < p->n; i++)
		stale_count += stale(&p->obs[i]) != 0;
	if (!stale_count && !p->kept_count)
		return 0;
	p->scopes = malloc((n + p->kept_count + 1) * sizeof(*p->scopes));
	if (!p->scopes)
		return -1;
	if (n)
		memcpy(p->scopes, refresh->scopes, n * sizeof(*p->scopes));
	mark_stale(refresh, p);
	for (i = 0; i < p->kept_count; i++) {
		p->scopes[n + i].scope = p->kept[i];
		p->scopes[n + i].result = CDH_SCOPE_FAILED;
		cdh_log(CDH_LOG_INFO, refresh->agent,
			"%s: kept: a push stored it after this refresh began",
			p->kept[i]);
	}
	/* The backends read the refresh only: a shallow copy whose scope list
	 * says "failed" for the kept ones. */
	memcpy(&p->view, refresh, sizeof(p->view));
	p->view.scopes = p->scopes;
	p->view.scope_count = n + p->kept_count;
	p->view.failed_scopes += stale_count + p->kept_count;
	return 0;
}

/* Whether store.c records the time of a scope this apply replaced. A full
 * cycle of a scope never pushed records nothing, so a steady cycle still
 * writes nothing to Redis; the cost: a push that read such a scope before
 * a cycle that stored it first still writes (its repository changed
 * since, and that change sends its own notification). */
static int to_record(const struct cdh_refresh *refresh,
		     const struct cdh__observation *o)
{
	return o->result == CDH_SCOPE_OK && !stale(o) &&
	       cdh__observation_recorded(refresh, o->stored);
}

/* Records the observations of the scopes this apply replaced. */
static int record_observed(struct cdh_store *store,
			   const struct cdh_refresh *refresh,
			   const struct plan *p, char *err, size_t errlen)
{
	const char **names = malloc((p->n + 1) * sizeof(*names));
	uint64_t *times = malloc((p->n + 1) * sizeof(*times));
	size_t i, k = 0;
	int rc = -1;

	if (!names || !times) {
		snprintf(err, errlen, "cache store: out of memory");
		goto out;
	}
	for (i = 0; i < p->n; i++)
		if (to_record(refresh, &p->obs[i])) {
			names[k] = p->obs[i].scope;
			times[k++] = p->obs[i].ns;
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

static void plan_release(struct plan *p)
{
	size_t i;

	for (i = 0; i < p->kept_count; i++)
		free(p->kept[i]);
	free(p->kept);
	free(p->scopes);
	free(p->sorted);
	free(p->obs);
}

/* Reads what is stored, applies what is not older, records the times. */
static int apply_newest(struct cdh_store *store,
			const struct cdh_refresh *refresh, char *err,
			size_t errlen)
{
	const struct cdh__store_backend *b = store->backend;
	struct plan p;
	const struct cdh_refresh *view;
	int rc;

	memset(&p, 0, sizeof(p));
	rc = plan_read(store, refresh, &p, err, errlen);
	if (rc == 0 && plan_view(refresh, &p) != 0) {
		snprintf(err, errlen, "cache store: out of memory");
		rc = -1;
	}
	view = p.scopes ? &p.view : refresh;
	if (rc == 0 && b->apply_observed)
		rc = b->apply_observed(store->impl, view, p.obs, p.n, err, errlen);
	else if (rc == 0)
		rc = b->apply(store->impl, view, err, errlen);
	if (rc == 0 && !b->apply_observed)
		rc = record_observed(store, refresh, &p, err, errlen);
	plan_release(&p);
	return rc;
}

/* Whether the refresh needs the newest-observation rules. */
static int observes(const struct cdh_store *store,
		    const struct cdh_refresh *refresh)
{
	return store->backend->observed_get &&
	       (refresh->observed_count || (!refresh->partial && refresh->began_ns));
}

/* Applies the refresh, keeping the newest observation of each scope. */
static int apply_observed(struct cdh_store *store,
			  const struct cdh_refresh *refresh, char *err,
			  size_t errlen)
{
	int rc, tries = 0;

	if (!observes(store, refresh))
		return store->backend->apply(store->impl, refresh, err, errlen);
	pthread_mutex_lock(&store->observe_lock);
	do
		rc = apply_newest(store, refresh, err, errlen);
	while (rc == CDH__STORE_RACED && ++tries < RACE_RETRIES);
	pthread_mutex_unlock(&store->observe_lock);
	if (rc == CDH__STORE_RACED) {
		snprintf(err, errlen,
			 "cache store: other nodes kept storing newer data "
			 "of these scopes (tried %d times)", RACE_RETRIES);
		rc = -1;
	}
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
