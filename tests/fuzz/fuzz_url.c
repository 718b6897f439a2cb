/*
 * Fuzz target: the URL arithmetic (util/url.h) on any string: split,
 * resolve both ways against absolute bases, origin and host comparison (the
 * credential policy's), and adding an encoded parameter.
 */
#include <stdio.h>

#include "fuzz_input.h"
#include "util/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);
	struct drg_url_parts parts;
	char out[1024], small[24];

	if (!s)
		return 0;
	if (drg_url_split(s, &parts) == 0)
		drg_url_resolve(s, "../x/./y?z=1", out, sizeof(out));
	drg_url_resolve("http://[::1]:5000/base/v2/a?n=1", s, out, sizeof(out));
	drg_url_resolve("https://h/", s, small, sizeof(small));
	drg_url_same_origin(s, "http://127.0.0.1:5000");
	drg_url_same_origin("https://h", s);
	drg_url_same_host(s, "http://127.0.0.1:5000");
	drg_url_is_https(s);
	snprintf(out, sizeof(out), "https://h/token?service=x");
	drg_url_add_param(out, sizeof(out), "scope", s);
	snprintf(small, sizeof(small), "https://h/t");
	drg_url_add_param(small, sizeof(small), s, s);
	free(s);
	return 0;
}
