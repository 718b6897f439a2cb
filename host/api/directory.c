#include "api/directory.h"

#include "util/json_out.h"

#include <json-c/json.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t publish_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cdh_directory *current;
static struct cdh_directory empty = { .refs = 1 };

static void free_directory(struct cdh_directory *dir)
{
	size_t i;

	for (i = 0; i < dir->count; i++) {
		free(dir->entries[i].name);
		free(dir->entries[i].section);
		free(dir->entries[i].summary_json);
		free(dir->entries[i].expanded_json);
		free(dir->entries[i].registry);
		cdh_authz_account_release(&dir->entries[i].authz);
	}
	free(dir->entries);
	for (i = 0; i < dir->provider_count; i++) {
		free(dir->providers[i].section);
		free(dir->providers[i].cli_name);
	}
	free(dir->providers);
	cdh_authz_config_release(&dir->authz);
	free(dir);
}

static int json_flag(json_object *obj, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(obj, key, &v) && json_object_get_boolean(v);
}

/*
 * A describe() view with primaryAccount set from the host's config: only the
 * host knows it, and Clouddriver's CredentialsController.render() adds it to
 * the summary and the expanded view alike.
 */
static char *with_primary(const char *json, int primary)
{
	json_object *obj = json_tokener_parse(json);

	if (!obj || !json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		return strdup(json);
	}
	json_object_object_add(obj, "primaryAccount",
			       json_object_new_boolean(primary));
	return cdh_json_take_string(obj);
}

static int fill_entry(struct cdh_directory_entry *e, const struct cdh_account *acct)
{
	json_object *expanded, *registry;

	e->name = strdup(acct->name);
	if (!e->name)
		return -1;
	if (acct->plugin && acct->plugin->desc.config_section &&
	    !(e->section = strdup(acct->plugin->desc.config_section)))
		return -1;
	if (!acct->summary_json || !acct->expanded_json)
		return 0;
	e->summary_json = with_primary(acct->summary_json, acct->primary);
	e->expanded_json = with_primary(acct->expanded_json, acct->primary);
	if (!e->summary_json || !e->expanded_json)
		return -1;
	expanded = json_tokener_parse(acct->expanded_json);
	/* A describe() may write "registry":null: that is no registry. */
	if (json_object_object_get_ex(expanded, "registry", &registry) &&
	    json_object_is_type(registry, json_type_string) &&
	    !(e->registry = strdup(json_object_get_string(registry)))) {
		json_object_put(expanded);
		return -1;
	}
	e->track_digests = json_flag(expanded, "trackDigests");
	e->sort_tags_by_date = json_flag(expanded, "sortTagsByDate");
	json_object_put(expanded);
	return cdh_authz_account_parse(acct->summary_json, &e->authz);
}

struct cdh_directory *cdh_directory_build(const struct cdh_accounts *accounts)
{
	struct cdh_directory *dir = calloc(1, sizeof(*dir));
	size_t i;

	if (!dir)
		return NULL;
	dir->refs = 1;
	dir->entries = calloc(accounts->count ? accounts->count : 1,
			      sizeof(*dir->entries));
	if (!dir->entries) {
		free(dir);
		return NULL;
	}
	for (i = 0; i < accounts->count; i++) {
		if (!accounts->items[i])
			continue;
		if (fill_entry(&dir->entries[dir->count++], accounts->items[i]) != 0) {
			free_directory(dir);
			return NULL;
		}
	}
	return dir;
}

int cdh_directory_add_providers(struct cdh_directory *dir,
				const struct cdh_loader *loader)
{
	size_t i, n = cdh_loader_count(loader);

	dir->providers = calloc(n ? n : 1, sizeof(*dir->providers));
	if (!dir->providers)
		return -1;
	for (i = 0; i < n; i++) {
		const struct cdh_plugin_slot *slot = cdh_loader_slot(loader, i);
		struct cdh_directory_provider *p;

		if (!slot->ready || !slot->desc.config_section)
			continue;
		p = &dir->providers[dir->provider_count];
		p->section = strdup(slot->desc.config_section);
		if (!p->section)
			return -1;
		p->query = slot->ops.query;
		p->route_aliases = slot->desc.route_aliases;
		dir->provider_count++;
		if (slot->desc.cli_name &&
		    !(p->cli_name = strdup(slot->desc.cli_name)))
			return -1;
	}
	return 0;
}

int cdh_directory_set_authz(struct cdh_directory *dir,
			    const struct cdh_authz_config *authz)
{
	cdh_authz_config_release(&dir->authz);
	return cdh_authz_config_copy(&dir->authz, authz);
}

const struct cdh_directory_provider *
cdh_directory_provider(const struct cdh_directory *dir, const char *section,
		       size_t len)
{
	size_t i;

	for (i = 0; i < dir->provider_count; i++)
		if (strlen(dir->providers[i].section) == len &&
		    memcmp(dir->providers[i].section, section, len) == 0)
			return &dir->providers[i];
	return NULL;
}

const struct cdh_directory_provider *
cdh_directory_route(const struct cdh_directory *dir, const char *segment,
		    size_t len)
{
	const struct cdh_directory_provider *p =
		cdh_directory_provider(dir, segment, len);
	const char *const *alias;
	size_t i;

	for (i = 0; !p && i < dir->provider_count; i++)
		for (alias = dir->providers[i].route_aliases; alias && *alias;
		     alias++)
			if (strlen(*alias) == len &&
			    memcmp(*alias, segment, len) == 0)
				return &dir->providers[i];
	return p;
}

void cdh_directory_publish(struct cdh_directory *dir)
{
	struct cdh_directory *old;

	pthread_mutex_lock(&publish_lock);
	old = current;
	current = dir;
	pthread_mutex_unlock(&publish_lock);
	cdh_directory_release(old);
}

struct cdh_directory *cdh_directory_current(void)
{
	struct cdh_directory *dir;

	pthread_mutex_lock(&publish_lock);
	dir = current ? current : &empty;
	dir->refs++;
	pthread_mutex_unlock(&publish_lock);
	return dir;
}

void cdh_directory_release(struct cdh_directory *dir)
{
	int last;

	if (!dir || dir == &empty)
		return;
	pthread_mutex_lock(&publish_lock);
	last = --dir->refs == 0;
	pthread_mutex_unlock(&publish_lock);
	if (last)
		free_directory(dir);
}

const struct cdh_directory_entry *
cdh_directory_find(const struct cdh_directory *dir, const char *name)
{
	size_t i;

	for (i = 0; i < dir->count; i++)
		if (strcmp(dir->entries[i].name, name) == 0)
			return &dir->entries[i];
	return NULL;
}
