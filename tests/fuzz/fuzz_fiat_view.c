/*
 * Fuzz target: Fiat's answer to GET /authorize/<user> (host/api/fiat_view.h),
 * any bytes as the body: parsed as fiat.c parses it, then asked for READ on
 * an account name in two cases, an empty one, and the texts json-c gives
 * for a number and a null.
 */
#include <json-c/json.h>

#include "api/fiat_view.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const accounts[] = { "docker-hub", "DOCKER-HUB",
						"", "5", "null" };
	char *s = fuzz_string(data, size);
	json_object *view;
	size_t i;

	if (!s)
		return 0;
	view = json_tokener_parse(s);
	for (i = 0; i < sizeof(accounts) / sizeof(accounts[0]); i++)
		cdh_fiat_view_reads(view, accounts[i]);
	json_object_put(view);
	free(s);
	return 0;
}
