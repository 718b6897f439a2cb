#include "registry/listing.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

int drg_listing_is_digest(const char *s)
{
	size_t alg = strcspn(s, ":");
	size_t hex;

	if (alg == 0 || s[alg] != ':')
		return 0;
	for (size_t i = 0; i < alg; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || strchr("+._-", s[i])))
			return 0;
	hex = strspn(s + alg + 1, "0123456789abcdef");
	return hex >= 32 && s[alg + 1 + hex] == '\0';
}

static int each(json_object *names, int kind, drg_name_fn fn, void *data)
{
	size_t count = json_object_array_length(names);

	for (size_t i = 0; i < count; i++) {
		json_object *item = json_object_array_get_idx(names, i);
		const char *name;

		if (!json_object_is_type(item, json_type_string))
			continue;
		name = json_object_get_string(item);
		if (kind == DRG_LISTING_TAGS && drg_listing_is_digest(name))
			continue;
		if (fn(name, data) != 0)
			return 1;
	}
	return 0;
}

/* timeCreatedMs: GCR sends a decimal string, be lenient with a number. */
static int64_t created_ms(json_object *entry)
{
	json_object *v;
	const char *s;
	char *end;
	long long ms;

	if (!json_object_object_get_ex(entry, "timeCreatedMs", &v))
		return 0;
	if (json_object_is_type(v, json_type_int))
		return json_object_get_int64(v) > 0 ? json_object_get_int64(v) : 0;
	if (!json_object_is_type(v, json_type_string))
		return 0;
	s = json_object_get_string(v);
	errno = 0;
	ms = strtoll(s, &end, 10);
	if (errno || end == s || *end != '\0' || ms <= 0)
		return 0;
	return ms;
}

/* One digest's entry of the map: its tags, one call each. */
static int map_entry(const char *digest, json_object *entry,
		     drg_manifest_fn mfn, void *data)
{
	struct drg_listing_manifest m = { NULL, digest, "", 0 };
	json_object *tags, *mt;
	size_t i, count;

	if (!json_object_is_type(entry, json_type_object) ||
	    !drg_listing_is_digest(digest) ||
	    !json_object_object_get_ex(entry, "tag", &tags) ||
	    !json_object_is_type(tags, json_type_array))
		return 0;
	if (json_object_object_get_ex(entry, "mediaType", &mt) &&
	    json_object_is_type(mt, json_type_string))
		m.media_type = json_object_get_string(mt);
	m.created_ms = created_ms(entry);
	count = json_object_array_length(tags);
	for (i = 0; i < count; i++) {
		json_object *tag = json_object_array_get_idx(tags, i);

		if (!json_object_is_type(tag, json_type_string))
			continue;
		m.tag = json_object_get_string(tag);
		if (mfn(&m, data) != 0)
			return 1;
	}
	return 0;
}

static int each_manifest(json_object *map, drg_manifest_fn mfn, void *data)
{
	json_object_object_foreach(map, digest, entry) {
		if (map_entry(digest, entry, mfn, data) != 0)
			return 1;
	}
	return 0;
}

static int parse(const char *body, size_t len, int kind, drg_name_fn fn,
		 drg_manifest_fn mfn, void *data, char *err, size_t errlen)
{
	const char *key = kind == DRG_LISTING_TAGS ? "tags" : "repositories";
	struct json_tokener *tok = json_tokener_new();
	json_object *root = NULL, *names = NULL, *map = NULL;
	int rc = -1;

	if (tok && len <= INT32_MAX)
		root = json_tokener_parse_ex(tok, body, (int)len);
	if (!root || !json_object_is_type(root, json_type_object)) {
		snprintf(err, errlen, "response is not a JSON object");
		goto out;
	}
	rc = 0;
	if (json_object_object_get_ex(root, key, &names) &&
	    json_object_is_type(names, json_type_array))
		rc = each(names, kind, fn, data);
	if (rc == 0 && mfn && json_object_object_get_ex(root, "manifest", &map) &&
	    json_object_is_type(map, json_type_object))
		rc = each_manifest(map, mfn, data);
out:
	json_object_put(root);
	json_tokener_free(tok);
	return rc;
}

int drg_listing_parse(const char *body, size_t len, int kind, drg_name_fn fn,
		      void *data, char *err, size_t errlen)
{
	return parse(body, len, kind, fn, NULL, data, err, errlen);
}

int drg_listing_parse_tags(const char *body, size_t len, drg_name_fn fn,
			   drg_manifest_fn mfn, void *data, char *err,
			   size_t errlen)
{
	return parse(body, len, DRG_LISTING_TAGS, fn, mfn, data, err, errlen);
}
