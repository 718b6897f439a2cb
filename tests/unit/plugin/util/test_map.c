/*
 * test_map - drg_map, the plugin's string-keyed hash table: keys are
 * compared by content, a put replaces and hands the old value back, the
 * table grows without losing entries, and each visits every entry once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/map.h"

#define MANY 5000

static void an_empty_map_finds_nothing(void **state)
{
	struct drg_map *map = drg_map_new();

	(void)state;
	assert_non_null(map);
	assert_int_equal(drg_map_count(map), 0);
	assert_null(drg_map_get(map, "library/nginx:latest"));
	assert_null(drg_map_get(map, ""));
	drg_map_free(map);
	drg_map_free(NULL);
}

static void get_compares_keys_by_content(void **state)
{
	struct drg_map *map = drg_map_new();
	int value = 7;
	char key[32] = "app:v1";
	char other[32] = "app:v1";
	void *old = &value;

	(void)state;
	assert_int_equal(drg_map_put(map, key, &value, &old), 0);
	assert_null(old);
	assert_ptr_equal(drg_map_get(map, other), &value);
	assert_null(drg_map_get(map, "app:v2"));
	assert_null(drg_map_get(map, "app:v"));
	assert_int_equal(drg_map_count(map), 1);
	drg_map_free(map);
}

static void put_replaces_and_hands_back_the_old_value(void **state)
{
	struct drg_map *map = drg_map_new();
	char *first = strdup("sha256:aa"), *second = strdup("sha256:aa");
	int a = 1, b = 2;
	void *old = NULL;

	(void)state;
	assert_int_equal(drg_map_put(map, first, &a, NULL), 0);
	assert_int_equal(drg_map_put(map, second, &b, &old), 0);
	assert_ptr_equal(old, &a);
	assert_int_equal(drg_map_count(map), 1);
	/* The map now borrows the new key: the old one may go. */
	free(first);
	assert_ptr_equal(drg_map_get(map, "sha256:aa"), &b);
	drg_map_free(map);
	free(second);
}

static void the_empty_string_is_a_key(void **state)
{
	struct drg_map *map = drg_map_new();
	int value = 0;

	(void)state;
	assert_int_equal(drg_map_put(map, "", &value, NULL), 0);
	assert_ptr_equal(drg_map_get(map, ""), &value);
	assert_int_equal(drg_map_count(map), 1);
	drg_map_free(map);
}

static char (*many_keys(void))[24]
{
	char (*keys)[24] = calloc(MANY, sizeof(*keys));
	int i;

	assert_non_null(keys);
	for (i = 0; i < MANY; i++)
		snprintf(keys[i], sizeof(keys[i]), "repo-%d:tag", i);
	return keys;
}

static void the_map_grows_and_keeps_every_entry(void **state)
{
	struct drg_map *map = drg_map_new();
	char (*keys)[24] = many_keys();
	int i;

	(void)state;
	for (i = 0; i < MANY; i++)
		assert_int_equal(drg_map_put(map, keys[i], keys[i], NULL), 0);
	assert_int_equal(drg_map_count(map), MANY);
	for (i = 0; i < MANY; i++)
		assert_ptr_equal(drg_map_get(map, keys[i]), keys[i]);
	assert_null(drg_map_get(map, "repo-5000:tag"));
	drg_map_free(map);
	free(keys);
}

struct visits {
	char (*keys)[24];
	int seen[MANY];
	int calls;
};

static void note_visit(const char *key, void *value, void *data)
{
	struct visits *v = data;
	ptrdiff_t i = (char (*)[24])value - v->keys;

	assert_true(i >= 0 && i < MANY);
	assert_string_equal(key, v->keys[i]);
	v->seen[i]++;
	v->calls++;
}

static void each_visits_every_entry_once(void **state)
{
	struct drg_map *map = drg_map_new();
	struct visits *v = calloc(1, sizeof(*v));
	int i;

	(void)state;
	assert_non_null(v);
	v->keys = many_keys();
	for (i = 0; i < MANY; i++)
		assert_int_equal(drg_map_put(map, v->keys[i], v->keys[i], NULL), 0);
	drg_map_each(map, note_visit, v);
	assert_int_equal(v->calls, MANY);
	for (i = 0; i < MANY; i++)
		assert_int_equal(v->seen[i], 1);
	drg_map_free(map);
	free(v->keys);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(an_empty_map_finds_nothing),
	    cmocka_unit_test(get_compares_keys_by_content),
	    cmocka_unit_test(put_replaces_and_hands_back_the_old_value),
	    cmocka_unit_test(the_empty_string_is_a_key),
	    cmocka_unit_test(the_map_grows_and_keeps_every_entry),
	    cmocka_unit_test(each_visits_every_entry_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
