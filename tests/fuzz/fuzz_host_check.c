/*
 * Fuzz target: the API's Host header allow-list (host/api/host_check.h),
 * which attackers feed: any string as the Host header on a loopback
 * listener, under host.allowedHosts that also names it, and as an allowed
 * name itself.
 */
#include "api/host_check.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);
	char *items[] = { "cdhost.internal", s };
	struct cdh_names names = { items, 2 };
	struct cdh_host_check hc;

	if (!s)
		return 0;
	if (cdh_host_check_init(&hc, NULL, 0, 1) == 0) {
		cdh_host_check_allows(&hc, s);
		cdh_host_check_release(&hc);
	}
	if (cdh_host_check_init(&hc, &names, 1, 0) == 0) {
		cdh_host_check_allows(&hc, s);
		cdh_host_check_allows(&hc, "cdhost.internal:7002");
		cdh_host_check_allows(&hc, "[::1]:7002");
		cdh_host_check_release(&hc);
	}
	free(s);
	return 0;
}
