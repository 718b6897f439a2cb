#include "registry/listing.h"

#include <stdio.h>
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

int drg_listing_parse(const char *body, size_t len, int kind, drg_name_fn fn,
		      void *data, char *err, size_t errlen)
{
	const char *key = kind == DRG_LISTING_TAGS ? "tags" : "repositories";
	struct json_tokener *tok = json_tokener_new();
	json_object *root = NULL, *names = NULL;
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
out:
	json_object_put(root);
	json_tokener_free(tok);
	return rc;
}
