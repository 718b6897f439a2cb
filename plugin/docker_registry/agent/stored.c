/*
 * stored - see stored.h. The attributes are ours (records.c wrote them):
 * name "<repository>:<tag>", digest, date {epochSecond, nano}, labels,
 * configDigest.
 */
#include "agent/stored.h"

#include <json-c/json.h>
#include <stdint.h>
#include <string.h>

struct seeding {
	const struct drg_account *account;
	struct drg_memo *memo;
	int failed;
};

static const char *string_of(json_object *obj, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(obj, key, &v) &&
			       json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : NULL;
}

/* Reads the date; 1 when the record has one. */
static int read_date(json_object *attrs, struct drg_memo_entry *e)
{
	json_object *date, *sec, *nano;

	if (!json_object_object_get_ex(attrs, "date", &date) ||
	    !json_object_object_get_ex(date, "epochSecond", &sec))
		return 0;
	e->has_date = 1;
	e->epoch_second = json_object_get_int64(sec);
	if (json_object_object_get_ex(date, "nano", &nano))
		e->nano = json_object_get_int(nano);
	return 1;
}

/* Whether the record holds everything a config fetch would give it. */
static int complete(const struct drg_account *acct,
		    const struct drg_memo_entry *e)
{
	if (acct->sort_tags_by_date && !e->has_date)
		return 0;
	return !acct->inspect_digests || e->config_digest;
}

static int32_t seed_record(void *data, const char *type, const char *id,
			   const char *attributes)
{
	struct seeding *s = data;
	struct drg_memo_entry e = { 0 };
	json_object *attrs, *labels;

	(void)id;
	if (strcmp(type, "taggedImage") != 0)
		return 0;
	attrs = json_tokener_parse(attributes);
	e.key = (char *)(uintptr_t)string_of(attrs, "name");
	e.digest = (char *)(uintptr_t)string_of(attrs, "digest");
	e.config_digest = (char *)(uintptr_t)string_of(attrs, "configDigest");
	read_date(attrs, &e);
	if (json_object_object_get_ex(attrs, "labels", &labels) && labels)
		e.labels = (char *)(uintptr_t)json_object_to_json_string_ext(
			labels, JSON_C_TO_STRING_PLAIN |
					JSON_C_TO_STRING_NOSLASHESCAPE);
	e.has_config = complete(s->account, &e);
	if (e.key && e.digest && e.has_config && drg_memo_put(s->memo, &e) != 0)
		s->failed = 1;
	json_object_put(attrs);
	return s->failed;
}

struct drg_memo *drg_stored_memo(const struct cdh_host_api *api,
				 const struct drg_account *account,
				 struct cdh_refresh *refresh,
				 const struct drg_strvec *repos)
{
	struct seeding s = { account, NULL, 0 };
	size_t i;

	if (!CDH_HOST_HAS(api, previous_records))
		return NULL;
	s.memo = drg_memo_new();
	for (i = 0; s.memo && !s.failed && i < repos->count; i++)
		if (api->previous_records(refresh, repos->items[i], seed_record,
					  &s) != CDH_OK)
			s.failed = 1;
	if (s.failed || (s.memo && drg_memo_count(s.memo) == 0)) {
		drg_memo_free(s.memo);
		return NULL;
	}
	return s.memo;
}
