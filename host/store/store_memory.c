/*
 * store_memory - the in-memory backend: one array of records sorted by
 * (type, id) behind a reader-preferring rwlock. A cycle is applied by
 * building the next array beside the current one and swapping it in under
 * the write lock, so readers see a whole cycle or none of it.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_backend.h"

struct record {
	const char *type, *id, *agent, *scope, *attributes; /* one allocation */
	int fresh; /* while merging: from the cycle being applied */
	int kept;  /* while merging: part of the next array */
};

/* An agent whose first fill started (store.h); filled: it is over. */
struct fill {
	struct fill *next;
	int filled;
	char agent[];
};

/* When an (agent, scope)'s stored data was read (store.h). */
struct observed {
	char *agent, *scope; /* one allocation */
	uint64_t ns;
};

struct cdh__store_impl {
	pthread_mutex_t apply_lock; /* one apply at a time builds the next array */
	pthread_rwlock_t lock;      /* guards records/count against readers */
	struct record **records;
	size_t count;
	struct observed *observed; /* sorted by (agent, scope); apply_lock */
	size_t observed_count;
	struct fill *fills; /* apply_lock */
};

static void nomem(char *err, size_t errlen)
{
	snprintf(err, errlen, "cache store: out of memory");
}

struct cdh__store_impl *cdh__store_memory_open(char *err, size_t errlen)
{
	struct cdh__store_impl *impl = calloc(1, sizeof(*impl));
	pthread_rwlockattr_t attr;

	if (!impl) {
		nomem(err, errlen);
		return NULL;
	}
	/* Readers may nest (find follows imageId to taggedImage): never let a
	 * waiting writer block a second read lock of the same thread. */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_READER_NP);
	pthread_rwlock_init(&impl->lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	pthread_mutex_init(&impl->apply_lock, NULL);
	return impl;
}

static void fills_free(struct fill *fill)
{
	while (fill) {
		struct fill *next = fill->next;

		free(fill);
		fill = next;
	}
}

static void memory_close(struct cdh__store_impl *impl)
{
	size_t i;

	fills_free(impl->fills);
	for (i = 0; i < impl->count; i++)
		free(impl->records[i]);
	free(impl->records);
	for (i = 0; i < impl->observed_count; i++)
		free(impl->observed[i].agent);
	free(impl->observed);
	pthread_rwlock_destroy(&impl->lock);
	pthread_mutex_destroy(&impl->apply_lock);
	free(impl);
}

static struct record *record_new(const char *type, const char *id,
				 const char *agent, const char *scope,
				 const char *attributes)
{
	const char *parts[5] = { type, id, agent, scope, attributes };
	size_t lens[5], total = sizeof(struct record), i;
	struct record *rec;
	char *p;

	for (i = 0; i < 5; i++)
		total += (lens[i] = strlen(parts[i]) + 1);
	rec = malloc(total);
	if (!rec)
		return NULL;
	p = (char *)(rec + 1);
	for (i = 0; i < 5; i++) {
		memcpy(p, parts[i], lens[i]);
		parts[i] = p;
		p += lens[i];
	}
	rec->type = parts[0], rec->id = parts[1], rec->agent = parts[2];
	rec->scope = parts[3], rec->attributes = parts[4];
	rec->fresh = 0;
	return rec;
}

static int key_cmp(const char *type_a, const char *id_a, const char *type_b,
		   const char *id_b)
{
	int c = strcmp(type_a, type_b);

	return c ? c : strcmp(id_a, id_b);
}

/* By key; for equal keys the fresh record first, so dedup keeps it. */
static int record_order(const void *pa, const void *pb)
{
	const struct record *a = *(struct record *const *)pa;
	const struct record *b = *(struct record *const *)pb;
	int c = key_cmp(a->type, a->id, b->type, b->id);

	return c ? c : b->fresh - a->fresh;
}

static int scope_order(const void *pa, const void *pb)
{
	const struct cdh_refresh_scope *a = pa, *b = pb;

	return strcmp(a->scope, b->scope);
}

/* The cycle's result for `scope`: CDH_SCOPE_OK/FAILED, or -1 unmentioned. */
static int scope_result(const struct cdh_refresh_scope *sorted, size_t n,
			const char *scope)
{
	struct cdh_refresh_scope key = { (char *)(uintptr_t)scope, 0 };
	const struct cdh_refresh_scope *hit =
		bsearch(&key, sorted, n, sizeof(*sorted), scope_order);

	return hit ? hit->result : -1;
}

/* Whether this cycle replaces the agent's records of `scope`. */
static int replaced(const struct cdh_refresh *refresh,
		    const struct cdh_refresh_scope *scopes, const char *scope)
{
	int result = scope_result(scopes, refresh->scope_count, scope);

	return refresh->partial ? result == CDH_SCOPE_OK
				: result != CDH_SCOPE_FAILED;
}

/* Copying the cycle's records into the next array. */
struct gathering {
	const struct cdh_refresh *refresh;
	const struct cdh_refresh_scope *scopes; /* sorted */
	struct record **next;
	size_t n;
};

static int gather_fresh(const struct cdh_spooled_record *r, void *data)
{
	struct gathering *g = data;
	struct record *rec;

	if (scope_result(g->scopes, g->refresh->scope_count, r->scope) ==
	    CDH_SCOPE_FAILED)
		return 0;
	rec = record_new(r->type, r->id, g->refresh->agent, r->scope,
			 r->attributes);
	if (!rec)
		return 1;
	rec->fresh = 1;
	g->next[g->n++] = rec;
	return 0;
}

/* Old records that survive the cycle, then the cycle's own, into next:
 * their count; *failed with err when the cycle's could not all be. */
static size_t gather(const struct cdh__store_impl *impl,
		     const struct cdh_refresh *refresh,
		     const struct cdh_refresh_scope *scopes, struct record **next,
		     int *failed, char *err, size_t errlen)
{
	struct gathering g = { refresh, scopes, next, 0 };
	size_t i;
	int rc;

	for (i = 0; i < impl->count; i++) {
		struct record *old = impl->records[i];

		/* This agent's records go unless their scope failed this cycle
		 * (or, for a partial refresh, was not part of it). */
		if (strcmp(old->agent, refresh->agent) == 0 &&
		    replaced(refresh, scopes, old->scope))
			continue;
		next[g.n++] = old;
	}
	rc = cdh_record_spool_each(&refresh->records, gather_fresh, &g, err,
				   errlen);
	if (rc > 0)
		nomem(err, errlen);
	*failed = rc != 0;
	return g.n;
}

/* Sorts and keeps one record per key (the cycle's); frees fresh duplicates. */
static size_t sort_unique(struct record **next, size_t n)
{
	size_t i, out = 0;

	qsort(next, n, sizeof(*next), record_order);
	for (i = 0; i < n; i++) {
		if (out && key_cmp(next[out - 1]->type, next[out - 1]->id,
				   next[i]->type, next[i]->id) == 0) {
			if (next[i]->fresh)
				free(next[i]);
			continue;
		}
		next[out] = next[i];
		next[out]->kept = 1;
		next[out++]->fresh = 0;
	}
	return out;
}

static void free_fresh(struct record **next, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (next[i]->fresh)
			free(next[i]);
}

static struct cdh_refresh_scope *sorted_scopes(const struct cdh_refresh *refresh)
{
	struct cdh_refresh_scope *scopes =
		malloc((refresh->scope_count + 1) * sizeof(*scopes));

	if (!scopes)
		return NULL;
	if (refresh->scope_count)
		memcpy(scopes, refresh->scopes,
		       refresh->scope_count * sizeof(*scopes));
	qsort(scopes, refresh->scope_count, sizeof(*scopes), scope_order);
	return scopes;
}

static size_t lower_bound(const struct cdh__store_impl *impl, const char *type,
			  const char *id);

/*
 * Notes the records of `next` (sorted, unique) that are new or differ from
 * the current array: those not carried over from it. Before install.
 */
static void note_changes(const struct cdh__store_impl *impl,
			 const struct cdh_refresh *refresh,
			 struct record *const *next, size_t n)
{
	struct cdh_store_changes *changes = refresh->changes;
	size_t i, at;

	for (i = 0; i < n; i++) {
		const struct record *r = next[i], *old = NULL;

		at = lower_bound(impl, r->type, r->id);
		if (at < impl->count &&
		    key_cmp(impl->records[at]->type, impl->records[at]->id,
			    r->type, r->id) == 0)
			old = impl->records[at];
		if (old == r || (old && strcmp(old->attributes, r->attributes) == 0))
			continue;
		cdh_store_changes_add(changes, r->type, r->id,
				      old ? old->attributes : NULL, r->attributes);
	}
}

/* Swaps `next` in and frees the old records that did not survive. */
static void install(struct cdh__store_impl *impl, struct record **next,
		    size_t n)
{
	struct record **old;
	size_t old_count, i;

	pthread_rwlock_wrlock(&impl->lock);
	old = impl->records;
	old_count = impl->count;
	impl->records = next;
	impl->count = n;
	pthread_rwlock_unlock(&impl->lock);
	for (i = 0; i < old_count; i++)
		if (!old[i]->kept)
			free(old[i]);
	for (i = 0; i < n; i++)
		next[i]->kept = 0;
	free(old);
}

static int memory_apply(struct cdh__store_impl *impl,
			const struct cdh_refresh *refresh, char *err,
			size_t errlen)
{
	struct cdh_refresh_scope *scopes;
	struct record **next;
	int failed = 0;
	size_t n;

	pthread_mutex_lock(&impl->apply_lock);
	scopes = sorted_scopes(refresh);
	next = malloc((impl->count + refresh->records.count + 1) * sizeof(*next));
	if (!scopes || !next) {
		nomem(err, errlen);
		failed = 1;
	} else {
		n = gather(impl, refresh, scopes, next, &failed, err, errlen);
		if (failed)
			free_fresh(next, n);
		else {
			n = sort_unique(next, n);
			if (refresh->changes)
				note_changes(impl, refresh, next, n);
			install(impl, next, n);
		}
	}
	if (failed)
		free(next);
	free(scopes);
	pthread_mutex_unlock(&impl->apply_lock);
	return failed ? -1 : 0;
}

/* The agent's fill marker, or NULL. apply_lock held. */
static struct fill **fill_find(struct cdh__store_impl *impl, const char *agent)
{
	struct fill **at;

	for (at = &impl->fills; *at; at = &(*at)->next)
		if (strcmp((*at)->agent, agent) == 0)
			return at;
	return NULL;
}

static void fill_forget(struct cdh__store_impl *impl, const char *agent)
{
	struct fill **at = fill_find(impl, agent), *gone;

	if (at) {
		gone = *at;
		*at = gone->next;
		free(gone);
	}
}

static int memory_fill_begin(struct cdh__store_impl *impl,
			     const char *provider, const char *agent,
			     int *filled, char *err, size_t errlen)
{
	size_t len = strlen(agent) + 1;
	struct fill **at, *fill;

	(void)provider;
	pthread_mutex_lock(&impl->apply_lock);
	at = fill_find(impl, agent);
	fill = at ? *at : malloc(sizeof(*fill) + len);
	if (fill && !at) {
		/* Never an older cdhost's cache: the marker always comes
		 * before the agent's first record. */
		fill->filled = 0;
		memcpy(fill->agent, agent, len);
		fill->next = impl->fills;
		impl->fills = fill;
	}
	*filled = fill ? fill->filled : 0;
	pthread_mutex_unlock(&impl->apply_lock);
	if (!fill)
		nomem(err, errlen);
	return fill ? 0 : -1;
}

static int memory_fill_done(struct cdh__store_impl *impl, const char *provider,
			    const char *agent, char *err, size_t errlen)
{
	struct fill **at;

	(void)provider, (void)err, (void)errlen;
	pthread_mutex_lock(&impl->apply_lock);
	at = fill_find(impl, agent);
	if (at)
		(*at)->filled = 1;
	pthread_mutex_unlock(&impl->apply_lock);
	return 0;
}

static int memory_forget_agent(struct cdh__store_impl *impl, const char *agent,
			       char *err, size_t errlen)
{
	struct record **next;
	size_t i, n = 0;

	pthread_mutex_lock(&impl->apply_lock);
	next = malloc((impl->count + 1) * sizeof(*next));
	if (!next) {
		pthread_mutex_unlock(&impl->apply_lock);
		nomem(err, errlen);
		return -1;
	}
	for (i = 0; i < impl->count; i++)
		if (strcmp(impl->records[i]->agent, agent) != 0) {
			next[n] = impl->records[i];
			next[n++]->kept = 1;
		}
	install(impl, next, n);
	fill_forget(impl, agent);
	pthread_mutex_unlock(&impl->apply_lock);
	return 0;
}

/* Index of the first record not before (type, id). */
static size_t lower_bound(const struct cdh__store_impl *impl, const char *type,
			  const char *id)
{
	size_t lo = 0, hi = impl->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct record *r = impl->records[mid];

		if (key_cmp(r->type, r->id, type, id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int memory_scan(struct cdh__store_impl *impl, const char *type,
		       const char *id_prefix, cdh_store_row_fn fn, void *data,
		       char *err, size_t errlen)
{
	size_t len = strlen(id_prefix), i;

	(void)err, (void)errlen;
	pthread_rwlock_rdlock(&impl->lock);
	for (i = lower_bound(impl, type, id_prefix); i < impl->count; i++) {
		const struct record *r = impl->records[i];

		if (strcmp(r->type, type) != 0 || strncmp(r->id, id_prefix, len) != 0)
			break;
		if (fn(r->id, r->attributes, data) != 0)
			break;
	}
	pthread_rwlock_unlock(&impl->lock);
	return 0;
}

static int memory_get(struct cdh__store_impl *impl, const char *type,
		      const char *id, cdh_store_row_fn fn, void *data, char *err,
		      size_t errlen)
{
	size_t i;
	int found = 0;

	(void)err, (void)errlen;
	pthread_rwlock_rdlock(&impl->lock);
	i = lower_bound(impl, type, id);
	if (i < impl->count && key_cmp(impl->records[i]->type,
				       impl->records[i]->id, type, id) == 0) {
		found = 1;
		fn(impl->records[i]->id, impl->records[i]->attributes, data);
	}
	pthread_rwlock_unlock(&impl->lock);
	return found;
}

/* By id, then type: the order scope_records promises. */
static int id_order(const void *pa, const void *pb)
{
	const struct record *a = *(struct record *const *)pa;
	const struct record *b = *(struct record *const *)pb;

	return key_cmp(a->id, a->type, b->id, b->type);
}

static int memory_scope_records(struct cdh__store_impl *impl,
				const char *agent, const char *scope,
				cdh_store_record_fn fn, void *data, char *err,
				size_t errlen)
{
	struct record **hits;
	size_t i, n = 0;

	pthread_rwlock_rdlock(&impl->lock);
	hits = malloc((impl->count + 1) * sizeof(*hits));
	if (!hits) {
		pthread_rwlock_unlock(&impl->lock);
		nomem(err, errlen);
		return -1;
	}
	for (i = 0; i < impl->count; i++)
		if (strcmp(impl->records[i]->agent, agent) == 0 &&
		    strcmp(impl->records[i]->scope, scope) == 0)
			hits[n++] = impl->records[i];
	qsort(hits, n, sizeof(*hits), id_order);
	for (i = 0; i < n; i++)
		if (fn(hits[i]->type, hits[i]->id, hits[i]->attributes, data) != 0)
			break;
	pthread_rwlock_unlock(&impl->lock);
	free(hits);
	return 0;
}

static int observed_order(const void *pa, const void *pb)
{
	const struct observed *a = pa, *b = pb;
	int c = strcmp(a->agent, b->agent);

	return c ? c : strcmp(a->scope, b->scope);
}

static struct observed *observed_find(const struct cdh__store_impl *impl,
				      const char *agent, const char *scope)
{
	struct observed key = { (char *)(uintptr_t)agent,
				(char *)(uintptr_t)scope, 0 };

	if (!impl->observed_count)
		return NULL;
	return bsearch(&key, impl->observed, impl->observed_count,
		       sizeof(key), observed_order);
}

static int memory_observed_get(struct cdh__store_impl *impl,
			       const char *provider, const char *agent,
			       const char *const *scopes, size_t n,
			       uint64_t *out, char *err, size_t errlen)
{
	size_t i;

	(void)provider, (void)err, (void)errlen;
	pthread_mutex_lock(&impl->apply_lock);
	for (i = 0; i < n; i++) {
		const struct observed *o = observed_find(impl, agent, scopes[i]);

		out[i] = o ? o->ns : 0;
	}
	pthread_mutex_unlock(&impl->apply_lock);
	return 0;
}

/* A new entry for (agent, scope) at the end of the (then unsorted) array. */
static int observed_add(struct cdh__store_impl *impl, const char *agent,
			const char *scope, uint64_t ns)
{
	size_t alen = strlen(agent) + 1, slen = strlen(scope) + 1;
	struct observed *o = &impl->observed[impl->observed_count];

	if (!(o->agent = malloc(alen + slen)))
		return -1;
	memcpy(o->agent, agent, alen);
	o->scope = o->agent + alen;
	memcpy(o->scope, scope, slen);
	o->ns = ns;
	impl->observed_count++;
	return 0;
}

static int memory_observed_put(struct cdh__store_impl *impl,
			       const char *provider, const char *agent,
			       const char *const *scopes, const uint64_t *ns,
			       size_t n, char *err, size_t errlen)
{
	size_t i, known = 0;
	struct observed *grown;
	int rc = 0;

	(void)provider;
	pthread_mutex_lock(&impl->apply_lock);
	known = impl->observed_count;
	grown = realloc(impl->observed, (known + n + 1) * sizeof(*grown));
	if (grown)
		impl->observed = grown;
	for (i = 0; grown && rc == 0 && i < n; i++) {
		struct observed key = { (char *)(uintptr_t)agent,
					(char *)(uintptr_t)scopes[i], 0 };
		struct observed *o = known ? bsearch(&key, impl->observed, known,
						     sizeof(key), observed_order)
					   : NULL;

		if (o)
			o->ns = ns[i];
		else
			rc = observed_add(impl, agent, scopes[i], ns[i]);
	}
	if (grown)
		qsort(impl->observed, impl->observed_count,
		      sizeof(*impl->observed), observed_order);
	pthread_mutex_unlock(&impl->apply_lock);
	if (!grown || rc != 0) {
		nomem(err, errlen);
		return -1;
	}
	return 0;
}

static int memory_observed_after(struct cdh__store_impl *impl,
				 const char *provider, const char *agent,
				 uint64_t after, cdh__store_scope_fn fn,
				 void *data, char *err, size_t errlen)
{
	size_t i;

	(void)provider, (void)err, (void)errlen;
	pthread_mutex_lock(&impl->apply_lock);
	for (i = 0; i < impl->observed_count; i++)
		if (impl->observed[i].ns > after &&
		    strcmp(impl->observed[i].agent, agent) == 0 &&
		    fn(impl->observed[i].scope, data) != 0)
			break;
	pthread_mutex_unlock(&impl->apply_lock);
	return 0;
}

const struct cdh__store_backend cdh__store_memory = {
	"memory", memory_close, memory_apply, memory_forget_agent, memory_scan,
	memory_get, memory_scope_records, NULL, NULL, memory_observed_get,
	memory_observed_put, memory_observed_after, NULL, memory_fill_begin,
	memory_fill_done,
};
