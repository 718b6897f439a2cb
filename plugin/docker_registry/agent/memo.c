#include "agent/memo.h"

#include <stdlib.h>
#include <string.h>

#include "util/hash.h"

/* Open addressing with linear probing; the table is kept at most half full. */
struct drg_memo {
	struct drg_memo_entry *slots; /* key NULL = empty */
	size_t cap, count;
};

struct drg_memo *drg_memo_new(void)
{
	return calloc(1, sizeof(struct drg_memo));
}

static void entry_release(struct drg_memo_entry *e)
{
	free(e->key);
	free(e->digest);
	free(e->config_digest);
	free(e->labels);
	memset(e, 0, sizeof(*e));
}

void drg_memo_free(struct drg_memo *memo)
{
	size_t i;

	if (!memo)
		return;
	for (i = 0; i < memo->cap; i++)
		entry_release(&memo->slots[i]);
	free(memo->slots);
	free(memo);
}

static struct drg_memo_entry *slot_for(const struct drg_memo *memo,
				       const char *key)
{
	size_t i = (size_t)(drg_hash_str(key) & (memo->cap - 1));

	while (memo->slots[i].key && strcmp(memo->slots[i].key, key) != 0)
		i = (i + 1) & (memo->cap - 1);
	return &memo->slots[i];
}

const struct drg_memo_entry *drg_memo_find(const struct drg_memo *memo,
					   const char *key)
{
	const struct drg_memo_entry *e;

	if (!memo->cap)
		return NULL;
	e = slot_for(memo, key);
	return e->key ? e : NULL;
}

static int grow(struct drg_memo *memo)
{
	struct drg_memo old = *memo;
	size_t i;

	memo->cap = old.cap ? old.cap * 2 : 64;
	memo->slots = calloc(memo->cap, sizeof(*memo->slots));
	if (!memo->slots) {
		*memo = old;
		return -1;
	}
	for (i = 0; i < old.cap; i++)
		if (old.slots[i].key)
			*slot_for(memo, old.slots[i].key) = old.slots[i];
	free(old.slots);
	return 0;
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
	struct drg_memo_entry copy = *entry, *slot;
	int failed = 0;

	if ((memo->count + 1) * 2 > memo->cap && grow(memo) != 0)
		return -1;
	copy.key = dup_or_null(entry->key, &failed);
	copy.digest = dup_or_null(entry->digest, &failed);
	copy.config_digest = dup_or_null(entry->config_digest, &failed);
	copy.labels = dup_or_null(entry->labels, &failed);
	if (failed || !copy.key) {
		entry_release(&copy);
		return -1;
	}
	slot = slot_for(memo, entry->key);
	if (slot->key)
		entry_release(slot);
	else
		memo->count++;
	*slot = copy;
	return 0;
}

void drg_memo_each(const struct drg_memo *memo,
		   void (*fn)(const struct drg_memo_entry *entry, void *data),
		   void *data)
{
	size_t i;

	for (i = 0; i < memo->cap; i++)
		if (memo->slots[i].key)
			fn(&memo->slots[i], data);
}

size_t drg_memo_count(const struct drg_memo *memo)
{
	return memo->count;
}
