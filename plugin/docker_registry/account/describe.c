#include "account/describe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#define CLOUD_PROVIDER "dockerRegistry"

static void add(json_object *obj, const char *key, json_object *value)
{
	json_object_object_add(obj, key, value);
}

/* Jackson's NON_NULL: an unset string is not there at all. */
static void add_string(json_object *obj, const char *key, const char *value)
{
	if (value)
		add(obj, key, json_object_new_string(value));
}

static json_object *string_array(const struct drg_strvec *vec)
{
	json_object *array = json_object_new_array();
	size_t i;

	for (i = 0; array && i < vec->count; i++)
		json_object_array_add(array, json_object_new_string(vec->items[i]));
	return array;
}

/* fiat's Permissions: the configured authorizations only, {} when none. */
static json_object *permissions(const struct drg_account *acct)
{
	json_object *obj = json_object_new_object();
	int auth;

	for (auth = 0; obj && auth < DRG_AUTH_COUNT; auth++)
		if (acct->permissions_set & (1u << auth))
			add(obj, drg_account_authorization_name(auth),
			    string_array(&acct->permissions[auth]));
	return obj;
}

static void add_summary(json_object *obj, const struct drg_account *acct)
{
	add_string(obj, "name", acct->name);
	add_string(obj, "environment", acct->environment);
	add_string(obj, "accountType", acct->account_type);
	add_string(obj, "cloudProvider", CLOUD_PROVIDER);
	add(obj, "requiredGroupMembership",
	    string_array(&acct->required_group_membership));
	add(obj, "permissions", permissions(acct));
	add_string(obj, "type", CLOUD_PROVIDER);
	add(obj, "challengeDestructiveActions", json_object_new_boolean(0));
	add(obj, "primaryAccount", json_object_new_boolean(0));
}

static void add_expanded(json_object *obj, const struct drg_account *acct)
{
	size_t len = strlen(acct->address) + sizeof("/v2");
	char *v2 = malloc(len);

	if (v2)
		snprintf(v2, len, "%s/v2", acct->address);
	add_string(obj, "address", acct->address);
	add_string(obj, "registry", acct->registry);
	add_string(obj, "v2Endpoint", v2);
	free(v2);
	add_string(obj, "email", acct->email);
	add(obj, "trackDigests", json_object_new_boolean(acct->track_digests));
	add(obj, "inspectDigests", json_object_new_boolean(acct->inspect_digests));
	add(obj, "sortTagsByDate", json_object_new_boolean(acct->sort_tags_by_date));
	add(obj, "insecureRegistry",
	    json_object_new_boolean(acct->insecure_registry));
	add(obj, "cacheThreads", json_object_new_int64(acct->cache_threads));
	add(obj, "cacheIntervalSeconds",
	    json_object_new_int64(acct->cache_interval_s));
	add(obj, "clientTimeoutMillis",
	    json_object_new_int64(acct->client_timeout_ms));
	add(obj, "paginateSize", json_object_new_int64(acct->paginate_size));
	add(obj, "skip", string_array(&acct->skip));
	add_string(obj, "repositoriesRegex", acct->repositories_regex);
	add(obj, "enabled", json_object_new_boolean(1));
	add(obj, "maxConcurrentRequests",
	    json_object_new_int64(acct->max_concurrent_requests));
	add(obj, "requestsPerSecond",
	    json_object_new_int64(acct->requests_per_second));
	add_string(obj, "caCertFile", acct->ca_cert_file);
	/* Igor reads it from /credentials/<name> (its safeguard). */
	if (acct->item_upper_threshold)
		add(obj, "itemUpperThreshold",
		    json_object_new_int64(acct->item_upper_threshold));
}

char *drg_describe_account(const struct drg_account *account, int32_t detail)
{
	json_object *obj;
	const char *text;
	char *out = NULL;

	if (detail != CDH_DESCRIBE_SUMMARY && detail != CDH_DESCRIBE_EXPANDED)
		return NULL;
	obj = json_object_new_object();
	if (!obj)
		return NULL;
	add_summary(obj, account);
	if (detail == CDH_DESCRIBE_EXPANDED)
		add_expanded(obj, account);
	text = json_object_to_json_string_ext(
		obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (text)
		out = strdup(text);
	json_object_put(obj);
	return out;
}
