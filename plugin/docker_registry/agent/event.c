/*
 * event - Igor's docker event for a stored tag (see event.h). The JSON is
 * DockerEvent as Jackson writes it: details, content (account, registry,
 * repository, tag, digest; digest null when unknown), artifact (Igor's
 * GenericArtifact, NON_NULL: fileName, reference, name, type, version,
 * metadata.registry, decorated).
 */
#include "agent/event.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#define TAGGED_PREFIX "dockerRegistry:taggedImage:"
#define PART_MAX 1024

/* The digest in a record's attributes, as a new string; NULL: none. */
static char *digest_of(const char *attributes)
{
	json_object *attrs = attributes ? json_tokener_parse(attributes) : NULL;
	json_object *digest = NULL;
	char *out = NULL;

	if (json_object_object_get_ex(attrs, "digest", &digest) &&
	    json_object_is_type(digest, json_type_string) &&
	    json_object_get_string_len(digest) > 0)
		out = strdup(json_object_get_string(digest));
	json_object_put(attrs);
	return out;
}

/* Igor's rule for a tag seen before: an event only for a tracked digest
 * that changed from one value to another. */
static int seen_tag_is_event(const struct drg_account *account,
			     const char *old_attributes,
			     const char *new_attributes)
{
	char *was, *now;
	int event;

	if (!account->track_digests)
		return 0;
	was = digest_of(old_attributes);
	now = digest_of(new_attributes);
	event = was && now && strcmp(was, now) != 0;
	free(was);
	free(now);
	return event;
}

/* "<account>:<repository>:<tag>" after the prefix, split. 0, or -1. */
static int split_id(const char *id, char *repository, char *tag)
{
	const char *rest, *colon, *last;
	size_t len;

	if (strncmp(id, TAGGED_PREFIX, strlen(TAGGED_PREFIX)) != 0)
		return -1;
	rest = id + strlen(TAGGED_PREFIX);
	colon = strchr(rest, ':');
	last = strrchr(rest, ':');
	if (!colon || last == colon)
		return -1;
	len = (size_t)(last - colon - 1);
	if (len == 0 || len >= PART_MAX || strlen(last + 1) >= PART_MAX ||
	    !last[1])
		return -1;
	memcpy(repository, colon + 1, len);
	repository[len] = '\0';
	memcpy(tag, last + 1, strlen(last + 1) + 1);
	return 0;
}

static void add_string(json_object *obj, const char *key, const char *value)
{
	json_object_object_add(obj, key, value ? json_object_new_string(value)
					       : NULL);
}

static json_object *artifact_of(const char *registry, const char *repository,
				const char *tag)
{
	json_object *artifact = json_object_new_object();
	json_object *metadata = json_object_new_object();
	char text[3 * PART_MAX];

	snprintf(text, sizeof(text), "%s:%s", repository, tag);
	add_string(artifact, "fileName", text);
	snprintf(text, sizeof(text), "%s/%s:%s", registry, repository, tag);
	add_string(artifact, "reference", text);
	add_string(artifact, "name", repository);
	add_string(artifact, "type", "docker");
	add_string(artifact, "version", tag);
	add_string(metadata, "registry", registry);
	json_object_object_add(artifact, "metadata", metadata);
	json_object_object_add(artifact, "decorated",
			       json_object_new_boolean(0));
	return artifact;
}

static char *event_json(const struct drg_account *account,
			const char *repository, const char *tag,
			const char *digest)
{
	json_object *event = json_object_new_object();
	json_object *details = json_object_new_object();
	json_object *content = json_object_new_object();
	char *out;

	add_string(details, "type", "docker");
	add_string(details, "source", "igor");
	add_string(content, "account", account->name);
	add_string(content, "registry", account->registry);
	add_string(content, "repository", repository);
	add_string(content, "tag", tag);
	add_string(content, "digest", digest);
	json_object_object_add(event, "details", details);
	json_object_object_add(event, "content", content);
	json_object_object_add(event, "artifact",
			       artifact_of(account->registry, repository, tag));
	out = strdup(json_object_to_json_string_ext(
		event, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(event);
	return out;
}

char *drg_event_describe(const struct drg_account *account, const char *type,
			 const char *id, const char *old_attributes,
			 const char *new_attributes)
{
	char repository[PART_MAX], tag[PART_MAX], *digest, *out;

	if (strcmp(type, "taggedImage") != 0 ||
	    split_id(id, repository, tag) != 0)
		return NULL;
	if (old_attributes &&
	    !seen_tag_is_event(account, old_attributes, new_attributes))
		return NULL;
	digest = digest_of(new_attributes);
	out = event_json(account, repository, tag, digest);
	free(digest);
	return out;
}
