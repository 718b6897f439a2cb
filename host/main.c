/*
 * cdhost - loads provider plugins, refreshes their caches, serves them.
 * The host owns process-global state: libcurl is initialised here, once,
 * before any plugin is loaded, and cleaned up after all are gone.
 */
#include <curl/curl.h>
#include <stdio.h>

#include "cli.h"

int main(int argc, char **argv)
{
	int rc;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "cdhost: cannot initialise libcurl\n");
		return 1;
	}
	rc = cdh_cli_main(argc, argv);
	curl_global_cleanup();
	return rc;
}
