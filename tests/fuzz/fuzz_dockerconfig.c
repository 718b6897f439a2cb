/* Fuzz target: docker config.json lookups and their base64 `auth` values. */
#include "fuzz_input.h"
#include "credentials/dockerconfig.h"

/* Decodes with room for `cap` bytes and checks the promise of the header:
 * a result fits, and is NUL-terminated. */
static void decode(const char *s, size_t cap)
{
	char *out = malloc(cap ? cap : 1);
	long n;

	if (!out)
		return;
	n = drg_dockerconfig_base64_decode(s, out, cap);
	if (n >= 0 && ((size_t)n >= cap || out[n] != '\0'))
		abort();
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct drg_dockerconfig_entry e = { 0 };
	char *s = fuzz_string(data, size), err[256];

	if (!s)
		return 0;
	decode(s, size + 1);
	decode(s, size / 2);
	decode(s, 0);
	if (drg_dockerconfig_find(s, "registry.example.com:5000", 0, &e, err,
				  sizeof(err)) == 0)
		drg_dockerconfig_entry_release(&e);
	if (drg_dockerconfig_find(s, "index.docker.io", 1, &e, err,
				  sizeof(err)) == 0)
		drg_dockerconfig_entry_release(&e);
	free(s);
	return 0;
}
