/*
 * registry - the Docker Registry HTTP API v2 client of one account: listing
 * the catalog and a repository's tags, following Link pagination.
 *
 * One client per account, used by one refresh at a time (the host never runs
 * two refreshes of one agent at once; agents of one account each get their
 * own client). Every body is size-capped; every transfer honours the host's
 * cancel check through curl's progress callback.
 */
#ifndef DRG_REGISTRY_H
#define DRG_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "cdh_plugin.h"

struct drg_registry;

struct drg_registry_options {
	const char *address;  /* normalised account address (borrowed) */
	const char *account;  /* for log lines (borrowed) */
	int64_t timeout_ms;   /* whole-request timeout */
	int64_t paginate_size;
};

/* A new client, or NULL when out of memory. Free with drg_registry_free. */
struct drg_registry *drg_registry_new(const struct drg_registry_options *opts);
void drg_registry_free(struct drg_registry *reg);

/*
 * Binds the client to the refresh in progress (cancel check, request
 * counters); pass NULL refresh to unbind. `api` is borrowed for as long as
 * the plugin is loaded.
 */
void drg_registry_bind(struct drg_registry *reg, const struct cdh_host_api *api,
		       struct cdh_refresh *refresh);

/* Called once per listed name; a non-zero return stops the listing. */
typedef int (*drg_name_fn)(const char *name, void *data);

/*
 * Lists every tag of `repository` across all pages, in the registry's order.
 * Returns CDH_OK, CDH_E_TRANSIENT (network, 5xx, 429, auth), CDH_E_FATAL
 * (the registry answered something unusable, e.g. 404 for the repository),
 * CDH_E_CANCELLED, or CDH_E_NOMEM; `err` says what happened (no secret).
 */
int32_t drg_registry_list_tags(struct drg_registry *reg, const char *repository,
			       drg_name_fn fn, void *data, char *err,
			       size_t errlen);

/* Lists every repository of the registry's _catalog; as above. */
int32_t drg_registry_list_catalog(struct drg_registry *reg, drg_name_fn fn,
				  void *data, char *err, size_t errlen);

#endif
