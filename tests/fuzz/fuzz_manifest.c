/* Fuzz target: manifest/index bodies and image config blobs. */
#include "fuzz_input.h"
#include "registry/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct drg_manifest_doc doc;
	struct drg_image_config cfg;
	char err[128], digest[DRG_DIGEST_MAX];

	drg_manifest_parse(NULL, (const char *)data, size, &doc, err,
			   sizeof(err));
	if (drg_image_config_parse((const char *)data, size, &cfg, err,
				   sizeof(err)) == 0)
		drg_image_config_release(&cfg);
	drg_digest_sha256(data, size, digest);
	return 0;
}
