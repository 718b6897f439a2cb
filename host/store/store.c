/*
 * store - dispatch to the configured backend (store_backend.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_backend.h"

struct cdh_store {
	const struct cdh__store_backend *backend;
	struct cdh__store_impl *impl;
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
	free(store);
}

int cdh_store_apply(struct cdh_store *store, const struct cdh_refresh *refresh,
		    char *err, size_t errlen)
{
	return store->backend->apply(store->impl, refresh, err, errlen);
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

/* The glob's literal start (escapes resolved), into a new string; NULL: nomem. */
static char *glob_prefix(const char *glob)
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
	return prefix;
}

int cdh_store_match(struct cdh_store *store, const char *type,
		    const char *glob, cdh_store_row_fn fn, void *data,
		    char *err, size_t errlen)
{
	struct glob_filter filter = { glob, fn, data };
	char *prefix = glob_prefix(glob);
	int rc;

	if (!prefix) {
		snprintf(err, errlen, "cache store: out of memory");
		return -1;
	}
	rc = cdh_store_scan(store, type, prefix, filter_row, &filter, err,
			    errlen);
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
