#include "api/queries.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json_out.h"

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

#define TAGGED_PREFIX "dockerRegistry:taggedImage:"
#define IMAGE_ID_PREFIX "dockerRegistry:imageId:"

struct find_state {
	const struct cdh_directory *dir;
	const struct cdh_find_params *params;
	struct cdh_store *store;
	json_object *out;
	int failed;
};

/* Splits "<prefix><account>:<repo>:<tag>" (repo may hold '/', never ':'). */
static int parse_tagged_key(const char *id, char *account, char *repo,
			    char *tag, size_t len)
{
	const char *a = id + strlen(TAGGED_PREFIX), *r, *t;

	if (strncmp(id, TAGGED_PREFIX, strlen(TAGGED_PREFIX)) != 0 ||
	    !(r = strchr(a, ':')) || !(t = strrchr(r + 1, ':')) || t == r + 1)
		return -1;
	snprintf(account, len, "%.*s", (int)(r - a), a);
	snprintf(repo, len, "%.*s", (int)(t - r - 1), r + 1);
	snprintf(tag, len, "%s", t + 1);
	return 0;
}

static const char *label_of(json_object *labels, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(labels, key, &v) &&
			       json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : NULL;
}

static void add_string(json_object *obj, const char *key, const char *value)
{
	if (value)
		json_object_object_add(obj, key, json_object_new_string(value));
}

/* Clouddriver's artifact object (GenerateArtifact). */
static json_object *artifact_of(const char *registry, const char *repo,
				const char *tag, json_object *labels)
{
	json_object *artifact = json_object_new_object();
	json_object *metadata = json_object_new_object();
	char reference[KEY_MAX];

	snprintf(reference, sizeof(reference), "%s/%s:%s", registry, repo, tag);
	add_string(artifact, "name", repo);
	add_string(artifact, "type", "docker");
	add_string(artifact, "version", tag);
	add_string(artifact, "reference", reference);
	add_string(metadata, "registry", registry);
	if (labels)
		json_object_object_add(metadata, "labels", json_object_get(labels));
	json_object_object_add(artifact, "metadata", metadata);
	return artifact;
}

static json_object *image_of(const struct cdh_directory_entry *acct,
			     const char *repo, const char *tag,
			     json_object *attrs, int details)
{
	json_object *image = json_object_new_object(), *digest = NULL;
	json_object *labels = NULL, *empty = NULL;

	json_object_object_get_ex(attrs, "digest", &digest);
	json_object_object_get_ex(attrs, "labels", &labels);
	add_string(image, "repository", repo);
	add_string(image, "tag", tag);
	add_string(image, "account", acct->name);
	add_string(image, "registry", acct->registry);
	if (digest && json_object_is_type(digest, json_type_string))
		add_string(image, "digest", json_object_get_string(digest));
	if (details) {
		add_string(image, "commitId", label_of(labels, "commitId"));
		add_string(image, "buildNumber", label_of(labels, "buildNumber"));
		add_string(image, "branch", label_of(labels, "branch"));
	} else {
		labels = empty = json_object_new_object();
	}
	if (labels && !json_object_is_type(labels, json_type_object))
		labels = NULL;
	json_object_object_add(image, "artifact",
			       artifact_of(acct->registry, repo, tag, labels));
	json_object_put(empty);
	return image;
}

static int full(const struct find_state *st)
{
	return st->params->count > 0 &&
	       json_object_array_length(st->out) >= (size_t)st->params->count;
}

/* One taggedImage record: filtered, then added to the answer. */
static int add_tagged(const char *id, const char *attributes, void *data)
{
	struct find_state *st = data;
	const struct cdh_find_params *p = st->params;
	const struct cdh_directory_entry *acct;
	char account[KEY_MAX], repo[KEY_MAX], tag[KEY_MAX];
	json_object *attrs;

	if (parse_tagged_key(id, account, repo, tag, KEY_MAX) != 0 ||
	    !(acct = cdh_directory_find(st->dir, account)) || !acct->registry ||
	    (p->account && strcmp(p->account, account) != 0) ||
	    (p->repository && strcmp(p->repository, repo) != 0) ||
	    (p->tag && strcmp(p->tag, tag) != 0))
		return 0;
	attrs = json_tokener_parse(attributes);
	json_object_array_add(st->out, image_of(acct, repo, tag, attrs,
						p->include_details));
	json_object_put(attrs);
	return full(st);
}

/* One imageId record matching q: follow its tagKey to the taggedImage. */
static int add_by_image_id(const char *id, const char *attributes, void *data)
{
	struct find_state *st = data;
	json_object *attrs, *tag_key;
	char pattern[KEY_MAX], err[256];
	int stop = 0;

	snprintf(pattern, sizeof(pattern), "*%s*", st->params->q);
	if (fnmatch(pattern, id + strlen(IMAGE_ID_PREFIX), 0) != 0)
		return 0;
	attrs = json_tokener_parse(attributes);
	if (json_object_object_get_ex(attrs, "tagKey", &tag_key) &&
	    cdh_store_get(st->store, "taggedImage", json_object_get_string(tag_key),
			  add_tagged, st, err, sizeof(err)) < 0)
		st->failed = 1;
	stop = st->failed || full(st);
	json_object_put(attrs);
	return stop;
}

char *cdh_query_find(struct cdh_store *store, const struct cdh_directory *dir,
		     const struct cdh_find_params *params, char *err,
		     size_t errlen)
{
	struct find_state st = { dir, params, store, json_object_new_array(), 0 };
	char prefix[KEY_MAX];
	int rc;

	if (!st.out) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (params->q && *params->q) {
		rc = cdh_store_scan(store, "imageId", IMAGE_ID_PREFIX,
				    add_by_image_id, &st, err, errlen);
	} else {
		snprintf(prefix, sizeof(prefix), TAGGED_PREFIX "%s%s",
			 params->account ? params->account : "",
			 params->account ? ":" : "");
		rc = cdh_store_scan(store, "taggedImage", prefix, add_tagged, &st,
				    err, errlen);
	}
	if (rc != 0 || st.failed) {
		if (st.failed)
			snprintf(err, errlen, "cache store error");
		json_object_put(st.out);
		return NULL;
	}
	return cdh_json_take_string(st.out);
}
