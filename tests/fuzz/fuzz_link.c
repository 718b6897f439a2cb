/* Fuzz target: Link values, resolved against a registry with a base path. */
#include "fuzz_input.h"
#include "http/link.h"
#include "util/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);
	char target[512], out[1024];

	if (!s)
		return 0;
	if (drg_link_next(s, target, sizeof(target)) == 1) {
		drg_link_resolve("http://127.0.0.1:5000/base/v2/a/tags/list?n=1",
				 "http://127.0.0.1:5000/base", target, out,
				 sizeof(out));
		drg_link_resolve("https://h/v2/_catalog", "https://h", target,
				 out, sizeof(out));
	}
	drg_url_resolve("https://h:1/a/b?c", s, out, sizeof(out));
	drg_url_same_origin(s, "https://h");
	free(s);
	return 0;
}
