/*
 * queries - Clouddriver's docker image lookups over the store, producing the
 * exact JSON its DockerRegistryImageLookupController returns. One
 * implementation behind both the CLI and the HTTP API.
 */
#ifndef CDH_QUERIES_H
#define CDH_QUERIES_H

#include <stddef.h>

#include "store.h"

/*
 * GET /dockerRegistry/images/tags?account=&repository=: the JSON array of
 * tag strings of one repository, newest first when the records carry dates
 * (tags without a date last), else by tag. Returns a new string (caller
 * frees) or NULL with err.
 */
char *cdh_query_tags(struct cdh_store *store, const char *account,
		     const char *repository, char *err, size_t errlen);

#endif
