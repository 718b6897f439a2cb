/* Fuzz target: registry error bodies. */
#include "fuzz_input.h"
#include "http/registry_errors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct drg_registry_error e;

	if (drg_registry_error_parse("application/json", (const char *)data,
				     size, &e) == 1)
		drg_error_classify(400, e.code);
	return 0;
}
