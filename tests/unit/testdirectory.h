/*
 * testdirectory - an account directory built by hand for tests, allocated
 * the way cdh_directory_build allocates one (one reference, every string on
 * the heap), so cdh_directory_release or cdh_directory_publish frees it.
 */
#ifndef CDH_TESTDIRECTORY_H
#define CDH_TESTDIRECTORY_H

#include "api/directory.h"

/* An empty directory, or NULL when out of memory. */
struct cdh_directory *testdirectory_new(void);

/*
 * Appends an entry; every string is copied and any but `name` may be NULL.
 * 0 ok, -1 out of memory.
 */
int testdirectory_add(struct cdh_directory *dir, const char *name,
		      const char *registry, const char *summary_json,
		      const char *expanded_json);

/*
 * Adds a provider (config section `section`, query op `query` or NULL) and
 * makes it the plugin of every entry that has none yet. 0 ok, -1 nomem.
 */
int testdirectory_add_provider(struct cdh_directory *dir, const char *section,
			       int32_t (*query)(struct cdh_query *q));

#endif
