/* Fuzz target: token server answers, then the cache with that token. */
#include "fuzz_input.h"
#include "auth/token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *token = NULL, err[128];
	int64_t exp;
	struct drg_token_cache *cache;

	if (drg_token_parse((const char *)data, size, &token, &exp, err,
			    sizeof(err)) != 0)
		return 0;
	cache = drg_token_cache_new();
	if (cache && drg_token_cache_put(cache, "k", token, exp, 1) == 0)
		drg_token_cache_get(cache, "k", 2);
	drg_token_cache_free(cache);
	free(token);
	return 0;
}
