#include "util/map.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FIRST_CAP 64 /* a power of two: slots are picked with a mask */

struct entry {
	const char *key; /* NULL: empty slot */
	void *value;
};

struct drg_map {
	struct entry *slots;
	size_t cap, count;
};

/* FNV-1a over the bytes of `s`: fast, and good enough for table slots. */
static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

struct drg_map *drg_map_new(void)
{
	return calloc(1, sizeof(struct drg_map));
}

void drg_map_free(struct drg_map *map)
{
	if (!map)
		return;
	free(map->slots);
	free(map);
}

/* The slot holding `key`, or the empty slot where it would go. The table is
 * never full (at most half), so the probe ends. */
static struct entry *slot_for(const struct drg_map *map, const char *key)
{
	size_t i = (size_t)(hash_str(key) & (map->cap - 1));

	while (map->slots[i].key && strcmp(map->slots[i].key, key) != 0)
		i = (i + 1) & (map->cap - 1);
	return &map->slots[i];
}

void *drg_map_get(const struct drg_map *map, const char *key)
{
	const struct entry *e;

	if (!map->cap)
		return NULL;
	e = slot_for(map, key);
	return e->key ? e->value : NULL;
}

static int grow(struct drg_map *map)
{
	struct drg_map old = *map;
	size_t i;

	if (old.cap > SIZE_MAX / 2 / sizeof(*map->slots))
		return -1;
	map->cap = old.cap ? old.cap * 2 : FIRST_CAP;
	map->slots = calloc(map->cap, sizeof(*map->slots));
	if (!map->slots) {
		*map = old;
		return -1;
	}
	for (i = 0; i < old.cap; i++)
		if (old.slots[i].key)
			*slot_for(map, old.slots[i].key) = old.slots[i];
	free(old.slots);
	return 0;
}

int drg_map_put(struct drg_map *map, const char *key, void *value, void **old)
{
	struct entry *slot;

	if (old)
		*old = NULL;
	/* Grown before looking, so a failure leaves the map as it was. */
	if ((map->count + 1) * 2 > map->cap && grow(map) != 0)
		return -1;
	slot = slot_for(map, key);
	if (slot->key) {
		if (old)
			*old = slot->value;
	} else {
		map->count++;
	}
	slot->key = key;
	slot->value = value;
	return 0;
}

void drg_map_each(const struct drg_map *map,
		  void (*fn)(const char *key, void *value, void *data),
		  void *data)
{
	size_t i;

	for (i = 0; i < map->cap; i++)
		if (map->slots[i].key)
			fn(map->slots[i].key, map->slots[i].value, data);
}

size_t drg_map_count(const struct drg_map *map)
{
	return map->count;
}
