#include "agent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "strvec.h"

#define KEY_MAX 4096
#define ERR_MAX 512

/* Decodes one UTF-8 sequence; invalid bytes count as one unit each. */
static uint32_t utf8_next(const unsigned char **p)
{
	const unsigned char *s = *p;
	uint32_t cp;
	int extra, i;

	if (s[0] < 0x80) {
		*p = s + 1;
		return s[0];
	}
	if ((s[0] & 0xE0) == 0xC0)
		cp = s[0] & 0x1F, extra = 1;
	else if ((s[0] & 0xF0) == 0xE0)
		cp = s[0] & 0x0F, extra = 2;
	else if ((s[0] & 0xF8) == 0xF0)
		cp = s[0] & 0x07, extra = 3;
	else
		cp = 0xFFFD, extra = 0;
	for (i = 1; i <= extra; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*p = s + 1;
			return 0xFFFD;
		}
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	*p = s + 1 + extra;
	return cp;
}

int32_t drg_agent_java_hash(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t h = 0; /* unsigned: Java's int overflow wraps */

	while (*p) {
		uint32_t cp = utf8_next(&p);

		if (cp >= 0x10000) { /* a surrogate pair in UTF-16 */
			cp -= 0x10000;
			h = 31 * h + (0xD800 + (cp >> 10));
			h = 31 * h + (0xDC00 + (cp & 0x3FF));
		} else {
			h = 31 * h + cp;
		}
	}
	return (int32_t)h;
}

int drg_agent_owns(const char *repository, uint32_t index, uint32_t count)
{
	int64_t rem;

	if (count <= 1)
		return 1;
	/* C's % truncates toward zero like Java's, so the sign follows h. */
	rem = (int64_t)drg_agent_java_hash(repository) % (int64_t)count;
	return (rem < 0 ? -rem : rem) == (int64_t)index;
}

int32_t drg_agent_name(const struct drg_account *account, uint32_t index,
		       char *buf, size_t buflen)
{
	int n;

	if (index >= account->cache_threads)
		return CDH_E_FATAL;
	n = snprintf(buf, buflen, "%s/DockerRegistryImageCachingAgent[%u/%u]",
		     account->name, index + 1, account->cache_threads);
	return n > 0 && (size_t)n < buflen ? CDH_OK : CDH_E_FATAL;
}

struct cycle {
	const struct cdh_host_api *api;
	const struct drg_account *account;
	struct drg_registry *reg;
	struct cdh_refresh *refresh;
	uint32_t index;
};

static int collect_name(const char *name, void *data)
{
	return drg_strvec_push(data, name);
}

static int32_t owned_repositories(struct cycle *c, struct drg_strvec *out,
				  char *err, size_t errlen)
{
	const struct drg_account *acct = c->account;
	struct drg_strvec all = DRG_STRVEC_INIT;
	char *const *names = acct->repositories;
	size_t count = acct->repository_count, i;
	int32_t rc = CDH_OK;

	if (count == 0) {
		/* No list configured: Clouddriver's catalog mode. */
		rc = drg_registry_list_catalog(c->reg, collect_name, &all, err,
					       errlen);
		names = all.items;
		count = all.count;
	}
	for (i = 0; rc == CDH_OK && i < count; i++)
		if (drg_agent_owns(names[i], c->index, acct->cache_threads) &&
		    drg_strvec_push(out, names[i]) != 0)
			rc = CDH_E_NOMEM;
	drg_strvec_release(&all);
	return rc;
}

static int32_t emit(struct cycle *c, const char *scope, const char *type,
		    const char *id, json_object *attributes)
{
	struct cdh_record rec = { 0 };

	rec.struct_size = sizeof(rec);
	rec.scope = scope;
	rec.type = type;
	rec.id = id;
	rec.attributes = json_object_to_json_string_ext(
		attributes, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	return rec.attributes ? c->api->emit_record(c->refresh, &rec)
			      : CDH_E_NOMEM;
}

/* Clouddriver's Keys.getTaggedImageKey / getImageIdKey and their attributes. */
static int32_t emit_tag(struct cycle *c, const char *repo, const char *tag)
{
	const char *account = c->account->name;
	char tag_key[KEY_MAX], id_key[KEY_MAX], name[KEY_MAX];
	json_object *tagged = json_object_new_object();
	json_object *image_id = json_object_new_object();
	int32_t rc = CDH_E_NOMEM;

	snprintf(tag_key, sizeof(tag_key), "dockerRegistry:taggedImage:%s:%s:%s",
		 account, repo, tag);
	snprintf(id_key, sizeof(id_key), "dockerRegistry:imageId:%s/%s:%s",
		 c->account->registry, repo, tag);
	snprintf(name, sizeof(name), "%s:%s", repo, tag);
	if (!tagged || !image_id)
		goto out;
	json_object_object_add(tagged, "name", json_object_new_string(name));
	json_object_object_add(tagged, "account", json_object_new_string(account));
	json_object_object_add(image_id, "tagKey", json_object_new_string(tag_key));
	json_object_object_add(image_id, "account", json_object_new_string(account));
	rc = emit(c, repo, "taggedImage", tag_key, tagged);
	if (rc == CDH_OK)
		rc = emit(c, repo, "imageId", id_key, image_id);
out:
	json_object_put(tagged);
	json_object_put(image_id);
	return rc;
}

static int32_t refresh_repository(struct cycle *c, const char *repo)
{
	struct drg_strvec tags = DRG_STRVEC_INIT;
	char err[ERR_MAX] = "";
	int32_t rc;
	size_t i;

	rc = drg_registry_list_tags(c->reg, repo, collect_name, &tags, err,
				    sizeof(err));
	for (i = 0; rc == CDH_OK && i < tags.count; i++) {
		if (tags.items[i][0] == '\0') {
			c->api->log(CDH_LOG_WARN, c->account->name,
				    "Empty tag encountered for %s/%s, not caching",
				    c->account->name, repo);
			continue;
		}
		rc = emit_tag(c, repo, tags.items[i]);
	}
	drg_strvec_release(&tags);
	if (rc == CDH_E_CANCELLED || rc == CDH_E_NOMEM)
		return rc;
	if (rc != CDH_OK) {
		c->api->log(CDH_LOG_WARN, c->account->name,
			    "Could not load tags for %s in %s, reason: %s", repo,
			    c->account->address, err);
		return c->api->scope_result(c->refresh, repo, CDH_SCOPE_FAILED, err);
	}
	return c->api->scope_result(c->refresh, repo, CDH_SCOPE_OK, NULL);
}

int32_t drg_agent_refresh(const struct cdh_host_api *api,
			  const struct drg_account *account,
			  struct drg_registry *reg, uint32_t index,
			  struct cdh_refresh *refresh, char *err, size_t errlen)
{
	struct cycle c = { api, account, reg, refresh, index };
	struct drg_strvec repos = DRG_STRVEC_INIT;
	int32_t rc;
	size_t i;

	rc = owned_repositories(&c, &repos, err, errlen);
	for (i = 0; rc == CDH_OK && i < repos.count; i++) {
		if (api->is_cancelled(refresh))
			rc = CDH_E_CANCELLED;
		else
			rc = refresh_repository(&c, repos.items[i]);
	}
	if (rc == CDH_E_CANCELLED)
		snprintf(err, errlen, "refresh cancelled");
	else if (rc == CDH_E_NOMEM)
		snprintf(err, errlen, "out of memory");
	drg_strvec_release(&repos);
	return rc;
}
