/*
 * directory - an immutable snapshot of the configured accounts as readers
 * (the HTTP API's threads, queries) need them: names, Clouddriver's
 * credentials JSON, the registry and tracking flags. The control thread
 * publishes a new snapshot after each (re)load; readers hold a reference, so
 * a reload never changes what a request in progress sees.
 */
#ifndef CDH_DIRECTORY_H
#define CDH_DIRECTORY_H

#include <stddef.h>

#include "api/authz.h"
#include "plugins/accounts.h"

struct cdh_directory_entry {
	char *name;
	char *section;       /* its plugin's config section, or NULL */
	char *summary_json;  /* GET /credentials entry, primaryAccount filled */
	char *expanded_json; /* GET /credentials/{name} */
	char *registry;      /* from the expanded JSON, or NULL */
	int track_digests;
	int sort_tags_by_date;
	struct cdh_authz_account authz; /* its roles, from summary_json */
};

/* A ready plugin as the API routes to it (plugin code stays mapped). */
struct cdh_directory_provider {
	char *section;                          /* its config section */
	int32_t (*query)(struct cdh_query *q); /* or NULL: /cache routes only */
	char *cli_name; /* its CLI name ("docker-registry"): POST /webhooks/<it> */
	/* Other first path segments its GET routes answer (ABI 1.1
	 * route_aliases; the plugin's static storage, mapped as `query`). */
	const char *const *route_aliases;
};

struct cdh_directory {
	struct cdh_directory_entry *entries;
	size_t count;
	struct cdh_directory_provider *providers;
	size_t provider_count;
	struct cdh_authz_config authz; /* host.authz when built; off by default */
	int refs; /* guarded by the publishing lock */
};

/* A snapshot of `accounts` (copied), or NULL when out of memory. */
struct cdh_directory *cdh_directory_build(const struct cdh_accounts *accounts);

/* Adds the ready plugins of `loader` as providers. 0 ok, -1 out of memory. */
int cdh_directory_add_providers(struct cdh_directory *dir,
				const struct cdh_loader *loader);

/* Copies host.authz into `dir`. 0 ok, -1 out of memory. */
int cdh_directory_set_authz(struct cdh_directory *dir,
			    const struct cdh_authz_config *authz);

/* The provider whose config section is `section` (`len` bytes), or NULL. */
const struct cdh_directory_provider *
cdh_directory_provider(const struct cdh_directory *dir, const char *section,
		       size_t len);

/* The provider serving GET /<segment>/... (`len` bytes): the one whose
 * config section it is, else one that lists it in its route aliases. */
const struct cdh_directory_provider *
cdh_directory_route(const struct cdh_directory *dir, const char *segment,
		    size_t len);

/* Makes `dir` the current snapshot (taking the caller's reference). */
void cdh_directory_publish(struct cdh_directory *dir);
/* A reference to the current snapshot (never NULL after the first publish;
 * an empty one before). Release with cdh_directory_release. */
struct cdh_directory *cdh_directory_current(void);
void cdh_directory_release(struct cdh_directory *dir);

/* The entry named `name`, or NULL. */
const struct cdh_directory_entry *
cdh_directory_find(const struct cdh_directory *dir, const char *name);

#endif
