#include "agent/memo.h"

#include <stdlib.h>
#include <string.h>

#include "util/map.h"

/* Entries are allocated one by one and kept in the map under their own key. */
struct drg_memo {
	struct drg_map *entries;
};

struct drg_memo *drg_memo_new(void)
{
	struct drg_memo *memo = calloc(1, sizeof(*memo));

	if (memo && !(memo->entries = drg_map_new())) {
		free(memo);
		return NULL;
	}
	return memo;
}

static void entry_free(struct drg_memo_entry *e)
{
	if (!e)
		return;
	free(e->key);
	free(e->digest);
	free(e->config_digest);
	free(e->labels);
	free(e);
}

static void free_one(const char *key, void *value, void *data)
{
	(void)key;
	(void)data;
	entry_free(value);
}

void drg_memo_free(struct drg_memo *memo)
{
	if (!memo)
		return;
	drg_map_each(memo->entries, free_one, NULL);
	drg_map_free(memo->entries);
	free(memo);
}

const struct drg_memo_entry *drg_memo_find(const struct drg_memo *memo,
					   const char *key)
{
	return drg_map_get(memo->entries, key);
}

static char *dup_or_null(const char *s, int *failed)
{
	char *copy;

	if (!s)
		return NULL;
	copy = strdup(s);
	if (!copy)
		*failed = 1;
	return copy;
}

int drg_memo_put(struct drg_memo *memo, const struct drg_memo_entry *entry)
{
	struct drg_memo_entry *copy = malloc(sizeof(*copy));
	void *old = NULL;
	int failed = 0;

	if (!copy)
		return -1;
	*copy = *entry;
	copy->key = dup_or_null(entry->key, &failed);
	copy->digest = dup_or_null(entry->digest, &failed);
	copy->config_digest = dup_or_null(entry->config_digest, &failed);
	copy->labels = dup_or_null(entry->labels, &failed);
	if (failed || !copy->key ||
	    drg_map_put(memo->entries, copy->key, copy, &old) != 0) {
		entry_free(copy);
		return -1;
	}
	entry_free(old);
	return 0;
}

struct each {
	void (*fn)(const struct drg_memo_entry *entry, void *data);
	void *data;
};

static void call_one(const char *key, void *value, void *data)
{
	struct each *each = data;

	(void)key;
	each->fn(value, each->data);
}

void drg_memo_each(const struct drg_memo *memo,
		   void (*fn)(const struct drg_memo_entry *entry, void *data),
		   void *data)
{
	struct each each = { fn, data };

	drg_map_each(memo->entries, call_one, &each);
}

size_t drg_memo_count(const struct drg_memo *memo)
{
	return drg_map_count(memo->entries);
}

struct merge {
	struct drg_memo *into;
	int failed;
};

static void merge_one(const struct drg_memo_entry *entry, void *data)
{
	struct merge *m = data;

	if (drg_memo_put(m->into, entry) != 0)
		m->failed = 1;
}

int drg_memo_merge(struct drg_memo *into, const struct drg_memo *from)
{
	struct merge m = { into, 0 };

	drg_memo_each(from, merge_one, &m);
	return m.failed ? -1 : 0;
}
