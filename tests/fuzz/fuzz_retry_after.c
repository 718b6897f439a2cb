/* Fuzz target: Retry-After, HTTP-date and RateLimit-* values. */
#include "fuzz_input.h"
#include "http/retry_after.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);
	int64_t a, b;
	time_t t;

	if (!s)
		return 0;
	drg_retry_after_parse(s, 1700000000, &a);
	drg_http_date_parse(s, &t);
	drg_ratelimit_parse(s, &a, &b);
	free(s);
	return 0;
}
