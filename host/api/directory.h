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

#include "plugins/accounts.h"

struct cdh_directory_entry {
	char *name;
	char *summary_json;  /* GET /credentials entry, primaryAccount filled */
	char *expanded_json; /* GET /credentials/{name} */
	char *registry;      /* from the expanded JSON, or NULL */
	int track_digests;
	int sort_tags_by_date;
};

struct cdh_directory {
	struct cdh_directory_entry *entries;
	size_t count;
	int refs; /* guarded by the publishing lock */
};

/* A snapshot of `accounts` (copied), or NULL when out of memory. */
struct cdh_directory *cdh_directory_build(const struct cdh_accounts *accounts);

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
