/*
 * queryrun - runs the docker_registry plugin's query op (drg_query) the way
 * the host does (cdh_query_run, the real host table, a real store), as one
 * HTTP GET, gathering the answer.
 */
#ifndef CDH_QUERYRUN_H
#define CDH_QUERYRUN_H

#include "api/directory.h"
#include "store/store.h"

struct queryrun {
	int status;
	char *body; /* the answer, or the error's JSON; caller frees */
};

/*
 * GET `path` with `args` (name, value, ..., NULL) against `store` and the
 * accounts of `dir`, whose entries are taken as the plugin's. 0 ok.
 */
int queryrun_get(struct cdh_store *store, struct cdh_directory *dir,
		 const char *path, const char *const *args,
		 struct queryrun *out);

/* The plugin's query op over the real host table, for a provider entry. */
int32_t queryrun_op(struct cdh_query *q);

#endif
