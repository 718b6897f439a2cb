/*
 * queries - Clouddriver's docker image lookups over the store, producing the
 * exact JSON its DockerRegistryImageLookupController returns. One
 * implementation behind both the CLI and the HTTP API.
 */
#ifndef CDH_QUERIES_H
#define CDH_QUERIES_H

#include <stddef.h>

#include "api/directory.h"
#include "store/store.h"

/*
 * GET /dockerRegistry/images/tags?account=&repository=: the JSON array of
 * tag strings of one repository, newest first when the records carry dates
 * (tags without a date last), else by tag. Returns a new string (caller
 * frees) or NULL with err.
 */
char *cdh_query_tags(struct cdh_store *store, const char *account,
		     const char *repository, char *err, size_t errlen);

/* GET /dockerRegistry/images/find parameters; NULL/0 = not given. */
struct cdh_find_params {
	const char *q;          /* glob (*, ?, [..]) inside <registry>/<repo>:<tag> */
	const char *account;
	const char *repository; /* exact */
	const char *tag;        /* exact */
	long count;             /* at most this many, after filtering; <= 0: all */
	int include_details;    /* commitId, buildNumber, branch, labels */
};

/*
 * GET /dockerRegistry/images/find: Clouddriver's image objects as a JSON
 * array (caller frees), in key order. Only accounts in `dir` (configured
 * now) are answered, with their registry. Unlike Clouddriver, repository
 * and tag always filter, digest is returned whenever known, and count
 * applies after filtering. NULL with err on a store error.
 */
char *cdh_query_find(struct cdh_store *store, const struct cdh_directory *dir,
		     const struct cdh_find_params *params, char *err,
		     size_t errlen);

#endif
