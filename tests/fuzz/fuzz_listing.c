/* Fuzz target: tags/list and _catalog pages, GCR's "manifest" map too. */
#include "fuzz_input.h"
#include "registry/listing.h"

static int count(const char *name, void *data)
{
	(*(size_t *)data) += strlen(name) > 0;
	return 0;
}

static int count_manifest(const struct drg_listing_manifest *m, void *data)
{
	(*(size_t *)data) += strlen(m->tag) + strlen(m->digest) +
			     strlen(m->media_type) + (m->created_ms > 0);
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
	drg_listing_parse_tags((const char *)data, size, count, count_manifest,
			       &n, err, sizeof(err));
	return 0;
}
