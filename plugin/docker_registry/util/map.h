/*
 * map - the plugin's one hash table: string keys to pointers, for the
 * agent's per-tag memo and per-digest image configs. Open addressing with
 * linear probing, kept at most half full, grown by doubling; no removal
 * (both tables only fill up during a cycle and are freed whole).
 *
 * The map never copies or frees what it holds: a key is borrowed and must
 * stay valid and unchanged while it is in the map (it is usually a field of
 * the value it maps to), and values are the caller's. Not thread-safe.
 */
#ifndef DRG_MAP_H
#define DRG_MAP_H

#include <stddef.h>

struct drg_map;

/* An empty map, or NULL when out of memory. Free with drg_map_free(). */
struct drg_map *drg_map_new(void);

/* Frees the map itself, never its keys or values (NULL is fine). */
void drg_map_free(struct drg_map *map);

/* The value stored under `key`, or NULL when there is none. */
void *drg_map_get(const struct drg_map *map, const char *key);

/*
 * Stores `value` (not NULL) under `key`, both borrowed. An entry with an
 * equal key is replaced, key pointer included, and its value handed back
 * in `*old` (may be NULL; set to NULL when nothing was replaced) for the
 * caller to free. 0 ok, -1 out of memory (map unchanged).
 */
int drg_map_put(struct drg_map *map, const char *key, void *value, void **old);

/* Calls fn for every entry, in no particular order; fn must not change
 * the map. */
void drg_map_each(const struct drg_map *map,
		  void (*fn)(const char *key, void *value, void *data),
		  void *data);

size_t drg_map_count(const struct drg_map *map);

#endif
