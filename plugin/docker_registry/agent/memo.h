/*
 * memo - what an agent learnt about each tag last cycle: its manifest
 * digest and, when fetched, the image config's digest, creation date and
 * labels. A tag whose digest did not change reuses them, so it costs no
 * config request (Clouddriver re-fetches a date for every tag, forever).
 * The agent keeps only tags whose config was fetched: an account that
 * neither sorts by date nor inspects digests has an empty memo. Keyed by
 * "<repository>:<tag>". Owned by one agent; not thread-safe.
 */
#ifndef DRG_MEMO_H
#define DRG_MEMO_H

#include <stddef.h>
#include <stdint.h>

struct drg_memo_entry {
	char *key;
	char *digest;        /* manifest digest, or NULL */
	char *config_digest; /* NULL until the config was fetched */
	char *labels;        /* config.Labels as JSON text, or NULL */
	int has_date;
	int64_t epoch_second;
	int32_t nano;
	int has_config;      /* config fetched: config_digest/labels/date valid */
};

struct drg_memo;

struct drg_memo *drg_memo_new(void);
void drg_memo_free(struct drg_memo *memo);

/* The entry for `key`, or NULL (borrowed; valid until the memo changes). */
const struct drg_memo_entry *drg_memo_find(const struct drg_memo *memo,
					   const char *key);

/* Stores a copy of `entry` (its key included), replacing any entry with that
 * key. 0 ok, -1 out of memory (memo unchanged). */
int drg_memo_put(struct drg_memo *memo, const struct drg_memo_entry *entry);

/* Calls fn for every entry, in no particular order. */
void drg_memo_each(const struct drg_memo *memo,
		   void (*fn)(const struct drg_memo_entry *entry, void *data),
		   void *data);

size_t drg_memo_count(const struct drg_memo *memo);

/* Puts a copy of every entry of `from` into `into` (replacing those of the
 * same key). 0 ok, -1 out of memory (some may be in). */
int drg_memo_merge(struct drg_memo *into, const struct drg_memo *from);

#endif
