/* Fuzz target: tags/list and _catalog pages. */
#include "fuzz_input.h"
#include "registry/listing.h"

static int count(const char *name, void *data)
{
	(*(size_t *)data) += strlen(name) > 0;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[128];
	size_t n = 0;

	drg_listing_parse((const char *)data, size, DRG_LISTING_TAGS, count,
			  &n, err, sizeof(err));
	drg_listing_parse((const char *)data, size, DRG_LISTING_REPOSITORIES,
			  count, &n, err, sizeof(err));
	return 0;
}
