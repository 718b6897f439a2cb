/* Fuzz target: scope strings. */
#include "fuzz_input.h"
#include "auth/token_scope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);
	struct drg_token_scope_view v;
	struct drg_strvec vec = DRG_STRVEC_INIT;

	if (!s)
		return 0;
	drg_token_scope_parse(s, strlen(s), &v);
	drg_token_scope_add_unique(&vec, s);
	for (size_t i = 0; i < vec.count; i++)
		drg_token_scope_parse(vec.items[i], strlen(vec.items[i]), &v);
	drg_strvec_release(&vec);
	free(s);
	return 0;
}
