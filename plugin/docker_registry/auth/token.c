#include "auth/token.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

static const char *nonempty_string(json_object *root, const char *key)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(root, key, &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    json_object_get_string_len(v) == 0)
		return NULL;
	return json_object_get_string(v);
}

static int64_t expires_in_of(json_object *root)
{
	json_object *v = NULL;
	int64_t s = DRG_TOKEN_MIN_LIFETIME_S;

	if (json_object_object_get_ex(root, "expires_in", &v) &&
	    (json_object_is_type(v, json_type_int) ||
	     json_object_is_type(v, json_type_double)))
		s = json_object_get_int64(v);
	return s < DRG_TOKEN_MIN_LIFETIME_S ? DRG_TOKEN_MIN_LIFETIME_S : s;
}

int drg_token_parse(const char *body, size_t len, char **token,
		    int64_t *expires_in_s, char *err, size_t errlen)
{
	struct json_tokener *tok = json_tokener_new();
	json_object *root = NULL;
	const char *t;
	int rc = -1;

	*token = NULL;
	*expires_in_s = DRG_TOKEN_MIN_LIFETIME_S;
	if (!tok) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (len <= INT32_MAX)
		root = json_tokener_parse_ex(tok, body, (int)len);
	if (!root || !json_object_is_type(root, json_type_object)) {
		snprintf(err, errlen, "token response is not a JSON object");
		goto out;
	}
	t = nonempty_string(root, "token");
	if (!t)
		t = nonempty_string(root, "access_token");
	if (!t) {
		snprintf(err, errlen, "token response has no token");
		goto out;
	}
	*token = strdup(t);
	if (!*token) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	*expires_in_s = expires_in_of(root);
	rc = 0;
out:
	json_object_put(root);
	json_tokener_free(tok);
	return rc;
}

struct entry {
	char *key;
	char *token;
	uint64_t good_until_ns;
	struct entry *next;
};

struct drg_token_cache {
	struct entry *head;
};

struct drg_token_cache *drg_token_cache_new(void)
{
	return calloc(1, sizeof(struct drg_token_cache));
}

static void entry_free(struct entry *e)
{
	if (e->token) /* tokens are secrets: do not leave them in the heap */
		memset(e->token, 0, strlen(e->token));
	free(e->token);
	free(e->key);
	free(e);
}

void drg_token_cache_free(struct drg_token_cache *cache)
{
	struct entry *e, *next;

	if (!cache)
		return;
	for (e = cache->head; e; e = next) {
		next = e->next;
		entry_free(e);
	}
	free(cache);
}

static struct entry **find(struct drg_token_cache *cache, const char *key)
{
	struct entry **pe = &cache->head;

	while (*pe && strcmp((*pe)->key, key) != 0)
		pe = &(*pe)->next;
	return pe;
}

const char *drg_token_cache_get(struct drg_token_cache *cache, const char *key,
				uint64_t now_ns)
{
	struct entry *e = *find(cache, key);

	return e && now_ns < e->good_until_ns ? e->token : NULL;
}

int drg_token_cache_put(struct drg_token_cache *cache, const char *key,
			const char *token, int64_t expires_in_s,
			uint64_t now_ns)
{
	struct entry *e = calloc(1, sizeof(*e));

	if (!e)
		return -1;
	e->key = strdup(key);
	e->token = strdup(token);
	if (!e->key || !e->token) {
		entry_free(e);
		return -1;
	}
	if (expires_in_s < DRG_TOKEN_MIN_LIFETIME_S)
		expires_in_s = DRG_TOKEN_MIN_LIFETIME_S;
	/* A week is beyond any real token and keeps the sum from overflowing. */
	if (expires_in_s > 7 * 86400)
		expires_in_s = 7 * 86400;
	e->good_until_ns =
		now_ns + (uint64_t)(expires_in_s - DRG_TOKEN_MARGIN_S) *
				 1000000000ull;
	drg_token_cache_drop(cache, key);
	e->next = cache->head;
	cache->head = e;
	return 0;
}

void drg_token_cache_drop(struct drg_token_cache *cache, const char *key)
{
	struct entry **pe = find(cache, key);
	struct entry *e = *pe;

	if (e) {
		*pe = e->next;
		entry_free(e);
	}
}
