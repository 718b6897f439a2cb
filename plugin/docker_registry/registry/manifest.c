#include "registry/manifest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

static json_object *parse_object(const char *body, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	json_object *root = NULL;

	if (tok && len <= INT32_MAX)
		root = json_tokener_parse_ex(tok, body, (int)len);
	json_tokener_free(tok);
	if (root && !json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		root = NULL;
	}
	return root;
}

static const char *get_string(json_object *obj, const char *key)
{
	json_object *v = NULL;

	if (!obj || !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static json_object *get_typed(json_object *obj, const char *key,
			      json_type type)
{
	json_object *v = NULL;

	if (!obj || !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, type))
		return NULL;
	return v;
}

static int kind_of(const char *mt)
{
	if (!mt)
		return DRG_MANIFEST_UNKNOWN;
	if (strncasecmp(mt, DRG_MT_OCI_INDEX, strlen(DRG_MT_OCI_INDEX)) == 0 ||
	    strncasecmp(mt, DRG_MT_DOCKER_LIST, strlen(DRG_MT_DOCKER_LIST)) == 0)
		return DRG_MANIFEST_INDEX;
	if (strncasecmp(mt, DRG_MT_OCI_MANIFEST, strlen(DRG_MT_OCI_MANIFEST)) ==
		    0 ||
	    strncasecmp(mt, DRG_MT_DOCKER_V2, strlen(DRG_MT_DOCKER_V2)) == 0)
		return DRG_MANIFEST_IMAGE;
	return DRG_MANIFEST_UNKNOWN;
}

int drg_manifest_kind(const char *media_type)
{
	return kind_of(media_type);
}

static int is_attestation(json_object *entry)
{
	json_object *platform = get_typed(entry, "platform", json_type_object);
	json_object *ann = get_typed(entry, "annotations", json_type_object);
	const char *os = get_string(platform, "os");
	const char *ref = get_string(ann, "vnd.docker.reference.type");

	if (ref && strcmp(ref, "attestation-manifest") == 0)
		return 1;
	return os && strcmp(os, "unknown") == 0;
}

static int is_linux_amd64(json_object *entry)
{
	json_object *platform = get_typed(entry, "platform", json_type_object);
	const char *os = get_string(platform, "os");
	const char *arch = get_string(platform, "architecture");

	return os && arch && strcmp(os, "linux") == 0 &&
	       strcmp(arch, "amd64") == 0;
}

static void set_child(json_object *entry, struct drg_manifest_doc *out)
{
	json_object *platform = get_typed(entry, "platform", json_type_object);
	const char *os = get_string(platform, "os");
	const char *arch = get_string(platform, "architecture");
	const char *variant = get_string(platform, "variant");

	snprintf(out->child_digest, sizeof(out->child_digest), "%s",
		 get_string(entry, "digest"));
	snprintf(out->platform, sizeof(out->platform), "%s/%s%s%s",
		 os ? os : "?", arch ? arch : "?", variant ? "/" : "",
		 variant ? variant : "");
}

static int pick_child(json_object *root, struct drg_manifest_doc *out)
{
	json_object *list = get_typed(root, "manifests", json_type_array);
	json_object *first = NULL;
	size_t n = list ? json_object_array_length(list) : 0;

	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(list, i);
		const char *d = get_string(e, "digest");

		if (!d || !drg_digest_is_sha256(d) || is_attestation(e))
			continue;
		if (is_linux_amd64(e)) {
			set_child(e, out);
			return 0;
		}
		if (!first)
			first = e;
	}
	if (!first)
		return -1;
	set_child(first, out);
	return 0;
}

static int fill(json_object *root, const char *ct,
		struct drg_manifest_doc *out, char *err, size_t errlen)
{
	const char *mt = get_string(root, "mediaType");
	const char *cd;

	out->kind = kind_of(mt);
	if (out->kind == DRG_MANIFEST_UNKNOWN)
		out->kind = kind_of(mt = ct);
	if (out->kind == DRG_MANIFEST_UNKNOWN) /* duck-typed, like regclient */
		out->kind = get_typed(root, "manifests", json_type_array) ?
				    DRG_MANIFEST_INDEX :
			    get_typed(root, "config", json_type_object) ?
				    DRG_MANIFEST_IMAGE :
				    DRG_MANIFEST_UNKNOWN;
	snprintf(out->media_type, sizeof(out->media_type), "%.*s",
		 mt ? (int)strcspn(mt, "; ") : 0, mt ? mt : "");
	if (out->kind == DRG_MANIFEST_INDEX) {
		if (pick_child(root, out) == 0)
			return 0;
		snprintf(err, errlen, "index has no usable image entry");
		return -1;
	}
	if (out->kind == DRG_MANIFEST_IMAGE) {
		cd = get_string(get_typed(root, "config", json_type_object),
				"digest");
		if (cd && drg_digest_is_sha256(cd)) {
			snprintf(out->config_digest, sizeof(out->config_digest),
				 "%s", cd);
			return 0;
		}
		snprintf(err, errlen, "image manifest has no sha256 config digest");
		return -1;
	}
	snprintf(err, errlen, "unsupported manifest type '%s'",
		 out->media_type);
	return -1;
}

int drg_manifest_parse(const char *content_type, const char *body, size_t len,
		       struct drg_manifest_doc *out, char *err, size_t errlen)
{
	json_object *root = parse_object(body, len);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!root) {
		snprintf(err, errlen, "manifest is not a JSON object");
		return -1;
	}
	rc = fill(root, content_type, out, err, errlen);
	json_object_put(root);
	return rc;
}

static const char *last_history_created(json_object *root)
{
	json_object *hist = get_typed(root, "history", json_type_array);
	size_t n = hist ? json_object_array_length(hist) : 0;

	while (n > 0) {
		const char *c = get_string(json_object_array_get_idx(hist, n - 1),
					   "created");
		if (c && *c)
			return c;
		n--;
	}
	return NULL;
}

int drg_image_config_parse(const char *body, size_t len,
			   struct drg_image_config *out, char *err,
			   size_t errlen)
{
	json_object *root = parse_object(body, len);
	json_object *labels;
	const char *created, *text;

	memset(out, 0, sizeof(*out));
	if (!root) {
		snprintf(err, errlen, "image config is not a JSON object");
		return -1;
	}
	created = get_string(root, "created");
	if (!created || !*created)
		created = last_history_created(root);
	snprintf(out->created, sizeof(out->created), "%s",
		 created ? created : "");
	labels = get_typed(get_typed(root, "config", json_type_object),
			   "Labels", json_type_object);
	/* No Labels stays NULL: Clouddriver stores config.Labels as it is,
	 * null for an unlabelled image, not an empty map (issue #22). */
	text = labels ? json_object_to_json_string_ext(
				labels, JSON_C_TO_STRING_PLAIN |
						JSON_C_TO_STRING_NOSLASHESCAPE) :
			NULL;
	out->labels = labels ? strdup(text ? text : "{}") : NULL;
	json_object_put(root);
	if (labels && !out->labels) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

void drg_image_config_release(struct drg_image_config *cfg)
{
	free(cfg->labels);
	cfg->labels = NULL;
}
