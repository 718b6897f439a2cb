#include "queries.h"

#include "json_out.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_MAX 4096

struct tag_row {
	char *tag;
	int has_date;
	int64_t epoch_second;
	int32_t nano;
};

struct tag_rows {
	struct tag_row *items;
	size_t count, alloc;
	size_t prefix_len;
	int any_date;
	int nomem;
};

/* The record's date, Clouddriver's {"epochSecond":N,"nano":N}, if present. */
static void read_date(const char *attributes, struct tag_row *row)
{
	json_object *root = json_tokener_parse(attributes), *date, *sec, *nano;

	if (root && json_object_object_get_ex(root, "date", &date) &&
	    json_object_object_get_ex(date, "epochSecond", &sec)) {
		row->has_date = 1;
		row->epoch_second = json_object_get_int64(sec);
		if (json_object_object_get_ex(date, "nano", &nano))
			row->nano = json_object_get_int(nano);
	}
	json_object_put(root);
}

static int add_tag_row(const char *id, const char *attributes, void *data)
{
	struct tag_rows *rows = data;
	struct tag_row *row;

	if (rows->count == rows->alloc) {
		size_t alloc = rows->alloc ? rows->alloc * 2 : 32;
		struct tag_row *grown = realloc(rows->items, alloc * sizeof(*grown));

		if (!grown)
			return rows->nomem = -1;
		rows->items = grown;
		rows->alloc = alloc;
	}
	row = &rows->items[rows->count];
	memset(row, 0, sizeof(*row));
	row->tag = strdup(id + rows->prefix_len);
	if (!row->tag)
		return rows->nomem = -1;
	rows->count++;
	read_date(attributes, row);
	rows->any_date |= row->has_date;
	return 0;
}

/* Newest first; undated last; ties and undated by tag. */
static int by_date_desc(const void *pa, const void *pb)
{
	const struct tag_row *a = pa, *b = pb;

	if (a->has_date != b->has_date)
		return a->has_date ? -1 : 1;
	if (a->has_date && a->epoch_second != b->epoch_second)
		return a->epoch_second > b->epoch_second ? -1 : 1;
	if (a->has_date && a->nano != b->nano)
		return a->nano > b->nano ? -1 : 1;
	return strcmp(a->tag, b->tag);
}

static char *tags_to_json(const struct tag_rows *rows)
{
	json_object *array = json_object_new_array();
	size_t i;

	for (i = 0; array && i < rows->count; i++)
		json_object_array_add(array, json_object_new_string(rows->items[i].tag));
	return cdh_json_take_string(array);
}

char *cdh_query_tags(struct cdh_store *store, const char *account,
		     const char *repository, char *err, size_t errlen)
{
	struct tag_rows rows = { 0 };
	char prefix[KEY_MAX];
	char *out = NULL;
	size_t i;

	snprintf(prefix, sizeof(prefix), "dockerRegistry:taggedImage:%s:%s:",
		 account, repository);
	rows.prefix_len = strlen(prefix);
	if (cdh_store_scan(store, "taggedImage", prefix, add_tag_row, &rows, err,
			   errlen) == 0) {
		/* The store returns id order, which is tag order already. */
		if (rows.any_date)
			qsort(rows.items, rows.count, sizeof(*rows.items),
			      by_date_desc);
		out = rows.nomem ? NULL : tags_to_json(&rows);
		if (!out)
			snprintf(err, errlen, "out of memory");
	}
	for (i = 0; i < rows.count; i++)
		free(rows.items[i].tag);
	free(rows.items);
	return out;
}
