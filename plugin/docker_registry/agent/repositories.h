/*
 * repositories - which repositories one caching agent refreshes this cycle:
 * the account's list, else its catalogFile (re-read every cycle, so editing
 * it changes what is cached without a reload), else the registry's
 * _catalog; then skip and repositoriesRegex, then the agent's cacheThreads
 * partition. A catalog that cannot be read is an error, never an empty
 * account (Clouddriver swallows it and caches nothing, silently).
 */
#ifndef DRG_REPOSITORIES_H
#define DRG_REPOSITORIES_H

#include <stddef.h>
#include <stdint.h>

#include "account/account.h"
#include "registry/registry.h"
#include "util/strvec.h"

/*
 * Fills `out` with the repositories agent `index` owns, and `invalid` with
 * the catalog's (or catalogFile's) names it would own that are outside
 * distribution's grammar: those are never requested. Returns CDH_OK, or
 * with `err` set: the registry's error (CDH_E_CONFIG when it has no
 * catalog), CDH_E_TRANSIENT for a catalogFile that cannot be read or parsed
 * (it is read again next cycle), or CDH_E_NOMEM.
 */
int32_t drg_repositories_owned(const struct drg_account *account,
			       struct drg_registry *reg, uint32_t index,
			       struct drg_strvec *out, struct drg_strvec *invalid,
			       char *err, size_t errlen);

/* Reads a catalogFile ({"repositories": [...]}) into `out`. 0, or -1 + err. */
int drg_repositories_read_catalog_file(const char *path, struct drg_strvec *out,
				       char *err, size_t errlen);

#endif
