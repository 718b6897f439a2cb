/*
 * images - /images/tags and /images/find over the host's cache (images.h).
 */
#include "query/images.h"

#include "query/find_row.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_MAX 4096
#define ROW_MAX (16 * 1024)
#define TAGGED_PREFIX "dockerRegistry:taggedImage:"
#define IMAGE_ID_PREFIX "dockerRegistry:imageId:"
/* Jackson's output, which Clouddriver's clients compare against. */
#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

int drg_glob_escape(const char *text, char *out, size_t outlen)
{
	size_t n = 0;

	for (; *text; text++) {
		if (strchr("*?[]\\", *text)) {
			if (n + 1 >= outlen)
				return -1;
			out[n++] = '\\';
		}
		if (n + 1 >= outlen)
			return -1;
		out[n++] = *text;
	}
	if (outlen == 0)
		return -1;
	out[n] = '\0';
	return 0;
}

/* Writes `obj` as JSON, after "[" or ","; drops the reference. */
static int32_t write_item(struct cdh_query *q, json_object *obj, size_t *n)
{
	const char *text = obj ? json_object_to_json_string_ext(obj, JSON_FLAGS)
			       : NULL;
	int32_t rc = text ? q->write(q, *n ? "," : "[", 1) : CDH_E_NOMEM;

	if (rc == CDH_OK)
		rc = q->write(q, text, strlen(text));
	(*n)++;
	json_object_put(obj);
	return rc;
}

static int32_t write_end(struct cdh_query *q, size_t n)
{
	return q->write(q, n ? "]" : "[]", n ? 1 : 2);
}

/* ---- tags ---- */

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

/* The record's date, Clouddriver's {"epochSecond":N,"nano":N}, if present.
 * Most records have none (sortTagsByDate is off by default): a record
 * without the text "date" has no such key, and is not parsed at all. */
static void read_date(const char *attributes, struct tag_row *row)
{
	json_object *root, *date, *sec, *nano;

	if (!strstr(attributes, "\"date\""))
		return;
	root = json_tokener_parse(attributes);
	if (root && json_object_object_get_ex(root, "date", &date) &&
	    json_object_object_get_ex(date, "epochSecond", &sec)) {
		row->has_date = 1;
		row->epoch_second = json_object_get_int64(sec);
		if (json_object_object_get_ex(date, "nano", &nano))
			row->nano = json_object_get_int(nano);
	}
	json_object_put(root);
}

static int32_t add_tag_row(void *data, const char *id, const char *attributes)
{
	struct tag_rows *rows = data;
	struct tag_row *row;

	if (rows->count == rows->alloc) {
		size_t alloc = rows->alloc ? rows->alloc * 2 : 32;
		struct tag_row *grown = realloc(rows->items, alloc * sizeof(*grown));

		if (!grown)
			return rows->nomem = 1;
		rows->items = grown;
		rows->alloc = alloc;
	}
	row = &rows->items[rows->count];
	memset(row, 0, sizeof(*row));
	row->tag = strdup(id + rows->prefix_len);
	if (!row->tag)
		return rows->nomem = 1;
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

/* A tag as a JSON string, after "[" or ",": as text in one write when
 * json-c would write it as is (a tag of distribution's grammar always),
 * else through json-c. */
static int32_t write_tag(struct cdh_query *q, const char *tag, size_t *n)
{
	char text[KEY_MAX + 4];
	size_t len = strlen(tag);

	if (len + 3 > sizeof(text) || !drg_json_plain(tag))
		return write_item(q, json_object_new_string(tag), n);
	text[0] = *n ? ',' : '[';
	text[1] = '"';
	memcpy(text + 2, tag, len);
	text[len + 2] = '"';
	(*n)++;
	return q->write(q, text, len + 3);
}

static int32_t write_tags(struct cdh_query *q, const struct tag_rows *rows)
{
	int32_t rc = CDH_OK;
	size_t i, n = 0;

	for (i = 0; rc == CDH_OK && i < rows->count; i++)
		rc = write_tag(q, rows->items[i].tag, &n);
	return rc == CDH_OK ? write_end(q, n) : rc;
}

int32_t drg_images_tags(const struct cdh_host_api *host, struct cdh_query *q,
			const char *account, const char *repository)
{
	struct tag_rows rows = { 0 };
	char prefix[KEY_MAX], glob[2 * KEY_MAX + 2];
	size_t i, len;
	int32_t rc;

	if (!q->can_read(q, account)) {
		snprintf(prefix, sizeof(prefix),
			 "Access denied to account %s - required authorization: READ",
			 account);
		q->fail(q, 403, prefix);
		return CDH_OK;
	}
	snprintf(prefix, sizeof(prefix), TAGGED_PREFIX "%s:%s:", account,
		 repository);
	rows.prefix_len = strlen(prefix);
	if (drg_glob_escape(prefix, glob, sizeof(glob) - 1) != 0)
		return write_end(q, 0) == CDH_E_NOMEM ? CDH_E_NOMEM : CDH_OK;
	len = strlen(glob);
	glob[len] = '*';
	glob[len + 1] = '\0';
	rc = host->cache_ids(q->cache, "taggedImage", glob, add_tag_row, &rows);
	if (rc == CDH_OK && rows.nomem)
		rc = CDH_E_NOMEM;
	if (rc == CDH_OK) {
		/* The cache answers in id order, which is tag order already. */
		if (rows.any_date)
			qsort(rows.items, rows.count, sizeof(*rows.items),
			      by_date_desc);
		rc = write_tags(q, &rows);
	}
	for (i = 0; i < rows.count; i++)
		free(rows.items[i].tag);
	free(rows.items);
	return rc == CDH_E_CANCELLED ? CDH_OK : rc;
}

/* ---- find ---- */

struct find_state {
	const struct cdh_host_api *host;
	struct cdh_query *q;
	const struct drg_find_params *params;
	size_t written;
	int32_t rc;         /* the first error; stops the visit */
	char account[256];  /* the last account looked up, and its registry */
	char *registry;     /* NULL: not configured, or no registry */
	int looked_up;
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

/* The registry of `account` when the host has it configured now, or NULL.
 * Rows come in key order, so one lookup serves an account's run of rows. */
static const char *registry_of(struct find_state *st, const char *account)
{
	const char *json;
	json_object *expanded, *registry;

	if (st->looked_up && strcmp(st->account, account) == 0)
		return st->registry;
	free(st->registry);
	st->registry = NULL;
	st->looked_up = 1;
	snprintf(st->account, sizeof(st->account), "%s", account);
	json = st->q->account(st->q, account);
	expanded = json ? json_tokener_parse(json) : NULL;
	/* A describe() may write "registry":null: that is no registry. */
	if (json_object_object_get_ex(expanded, "registry", &registry) &&
	    json_object_is_type(registry, json_type_string))
		st->registry = strdup(json_object_get_string(registry));
	json_object_put(expanded);
	return st->registry;
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

static json_object *image_of(const char *account, const char *registry,
			     const char *repo, const char *tag,
			     json_object *attrs, int details)
{
	json_object *image = json_object_new_object(), *digest = NULL;
	json_object *labels = NULL, *empty = NULL;

	json_object_object_get_ex(attrs, "digest", &digest);
	json_object_object_get_ex(attrs, "labels", &labels);
	add_string(image, "repository", repo);
	add_string(image, "tag", tag);
	add_string(image, "account", account);
	add_string(image, "registry", registry);
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
			       artifact_of(registry, repo, tag, labels));
	json_object_put(empty);
	return image;
}

static int full(const struct find_state *st)
{
	return st->params->count > 0 && st->written >= (size_t)st->params->count;
}

/* The row rendered as text when the record allows (find_row.h), with its
 * "[" or ",": 1 written (or tried: st->rc says), 0 not. */
static int write_plain(struct find_state *st, const char *account,
		       const char *registry, const char *repo, const char *tag,
		       const char *attributes)
{
	char row[ROW_MAX];
	size_t len = drg_find_row(account, registry, repo, tag, attributes,
				  st->params->include_details, row + 1,
				  sizeof(row) - 1);

	if (!len)
		return 0;
	row[0] = st->written++ ? ',' : '[';
	st->rc = st->q->write(st->q, row, len + 1);
	return 1;
}

/* One taggedImage record: filtered, then written. Non-zero: stop. */
static int32_t add_tagged(void *data, const char *id, const char *attributes)
{
	struct find_state *st = data;
	const struct drg_find_params *p = st->params;
	const char *registry;
	char account[KEY_MAX], repo[KEY_MAX], tag[KEY_MAX];
	json_object *attrs;

	if (parse_tagged_key(id, account, repo, tag, KEY_MAX) != 0 ||
	    (p->account && strcmp(p->account, account) != 0) ||
	    (p->repository && strcmp(p->repository, repo) != 0) ||
	    (p->tag && strcmp(p->tag, tag) != 0) ||
	    !(registry = registry_of(st, account)) ||
	    !st->q->can_read(st->q, account))
		return 0;
	if (write_plain(st, account, registry, repo, tag, attributes) == 0) {
		attrs = json_tokener_parse(attributes);
		st->rc = write_item(st->q,
				    image_of(account, registry, repo, tag, attrs,
					     p->include_details),
				    &st->written);
		json_object_put(attrs);
	}
	return st->rc != CDH_OK || full(st);
}

/* One imageId record matching q: follow its tagKey to the taggedImage. */
static int32_t add_by_image_id(void *data, const char *id,
			       const char *attributes)
{
	struct find_state *st = data;
	json_object *attrs = json_tokener_parse(attributes), *tag_key;
	const char *key;
	int32_t rc = CDH_OK;

	(void)id;
	if (json_object_object_get_ex(attrs, "tagKey", &tag_key) &&
	    (key = json_object_get_string(tag_key)) != NULL)
		rc = st->host->cache_get(st->q->cache, "taggedImage", &key, 1,
					 add_tagged, st);
	if (rc != CDH_OK && st->rc == CDH_OK)
		st->rc = rc;
	json_object_put(attrs);
	return st->rc != CDH_OK || full(st);
}

/* The glob of the records to visit: by imageId for q, else by taggedImage. */
static int find_glob(const struct drg_find_params *p, char *glob, size_t len)
{
	char escaped[2 * KEY_MAX];

	if (p->q && *p->q) {
		/* Clouddriver's own pattern: imageId:*<q>*, q a glob itself. */
		snprintf(glob, len, IMAGE_ID_PREFIX "*%s*", p->q);
		return 0;
	}
	if (!p->account) {
		snprintf(glob, len, TAGGED_PREFIX "*");
		return 0;
	}
	if (drg_glob_escape(p->account, escaped, sizeof(escaped)) != 0)
		return -1;
	snprintf(glob, len, TAGGED_PREFIX "%s:*", escaped);
	return 0;
}

int32_t drg_images_find(const struct cdh_host_api *host, struct cdh_query *q,
			const struct drg_find_params *params)
{
	struct find_state st = { host, q, params, 0, CDH_OK, "", NULL, 0 };
	char glob[2 * KEY_MAX + 64];
	int by_id = params->q && *params->q;
	int32_t rc = CDH_OK;

	if (find_glob(params, glob, sizeof(glob)) == 0)
		rc = host->cache_ids(q->cache, by_id ? "imageId" : "taggedImage",
				     glob, by_id ? add_by_image_id : add_tagged,
				     &st);
	free(st.registry);
	if (rc == CDH_OK)
		rc = st.rc;
	if (rc == CDH_OK)
		rc = write_end(q, st.written);
	/* A reader that went away is no failure of ours. */
	if (rc == CDH_E_CANCELLED)
		return CDH_OK;
	return rc;
}
