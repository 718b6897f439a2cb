#include "testdirectory.h"

#include <stdlib.h>
#include <string.h>

struct cdh_directory *testdirectory_new(void)
{
	struct cdh_directory *dir = calloc(1, sizeof(*dir));

	if (!dir)
		return NULL;
	dir->entries = calloc(1, sizeof(*dir->entries));
	if (!dir->entries) {
		free(dir);
		return NULL;
	}
	dir->refs = 1;
	return dir;
}

static int copy(char **to, const char *from)
{
	*to = from ? strdup(from) : NULL;
	return from && !*to ? -1 : 0;
}

int testdirectory_add(struct cdh_directory *dir, const char *name,
		      const char *registry, const char *summary_json,
		      const char *expanded_json)
{
	struct cdh_directory_entry *grown, *e;

	grown = realloc(dir->entries, (dir->count + 1) * sizeof(*grown));
	if (!grown)
		return -1;
	dir->entries = grown;
	e = &dir->entries[dir->count++];
	memset(e, 0, sizeof(*e));
	if (copy(&e->name, name) || copy(&e->registry, registry) ||
	    copy(&e->summary_json, summary_json) ||
	    copy(&e->expanded_json, expanded_json))
		return -1;
	return 0;
}

int testdirectory_add_provider(struct cdh_directory *dir, const char *section,
			       int32_t (*query)(struct cdh_query *q))
{
	struct cdh_directory_provider *grown;
	size_t i;

	grown = realloc(dir->providers,
			(dir->provider_count + 1) * sizeof(*grown));
	if (!grown)
		return -1;
	dir->providers = grown;
	grown[dir->provider_count].query = query;
	grown[dir->provider_count].cli_name = NULL;
	grown[dir->provider_count].route_aliases = NULL;
	if (copy(&grown[dir->provider_count].section, section))
		return -1;
	dir->provider_count++;
	for (i = 0; i < dir->count; i++)
		if (!dir->entries[i].section &&
		    copy(&dir->entries[i].section, section))
			return -1;
	return 0;
}
