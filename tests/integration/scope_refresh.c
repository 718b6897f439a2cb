/*
 * scope_refresh - drives ABI 1.1's refresh_scope the way the push issue's
 * webhook will, while cdhost has no command for it (the CLI stays as it
 * is): loads the config and plugins as `cdhost run` does, and refreshes one
 * repository of one account through cdh_runner_refresh_scope into the
 * config's store.
 *
 *   scope_refresh CONFIG PLUGIN_DIR ACCOUNT REPOSITORY
 * Exit: 0 stored, 1 the refresh failed or no agent owns it, 2 usage/config.
 */
#include <curl/curl.h>
#include <stdio.h>

#include "config/config.h"
#include "plugins/accounts.h"
#include "plugins/loader.h"
#include "schedule/runner.h"
#include "store/store.h"

static int refresh_one(struct cdh_accounts *accounts, struct cdh_store *store,
		       const char *name, const char *repository)
{
	struct cdh_account *account = cdh_accounts_find(accounts, name);
	struct cdh_run_summary summary;
	uint32_t i;
	int32_t rc = CDH_E_CONFIG;

	if (!account) {
		fprintf(stderr, "scope_refresh: no account %s\n", name);
		return 2;
	}
	/* The agent that owns the repository is the one that does not refuse. */
	for (i = 0; rc == CDH_E_CONFIG && i < account->agent_count; i++)
		rc = cdh_runner_refresh_scope(account, i, repository, store, 0,
					      NULL, &summary);
	if (rc != CDH_OK)
		fprintf(stderr, "scope_refresh: %s\n", summary.error);
	return rc == CDH_OK ? 0 : 1;
}

static int run(const char *config_path, const char *plugin_dir,
	       const char *name, const char *repository)
{
	struct cdh_accounts accounts = { 0 };
	struct cdh_config *config = NULL;
	struct cdh_loader *loader = NULL;
	struct cdh_store *store = NULL;
	struct cdh_diag diag;
	char err[1024];
	int rc = 2;

	config = cdh_config_load(config_path, err, sizeof(err));
	loader = config ? cdh_loader_new(NULL, err, sizeof(err)) : NULL;
	if (!loader || cdh_loader_scan(loader, plugin_dir, err, sizeof(err)) != 0)
		goto out;
	if (cdh_accounts_validate(loader, config, &diag) != 0 ||
	    cdh_accounts_create(loader, config, NULL, &accounts, err,
				sizeof(err)) != 0)
		goto out;
	store = cdh_store_open_sqlite(config->cache_path, err, sizeof(err));
	if (store)
		rc = refresh_one(&accounts, store, name, repository);
out:
	if (rc == 2)
		fprintf(stderr, "scope_refresh: %s\n", err);
	cdh_accounts_release(&accounts);
	cdh_store_close(store);
	cdh_loader_free(loader);
	cdh_config_free(config);
	return rc;
}

int main(int argc, char **argv)
{
	int rc;

	if (argc != 5) {
		fprintf(stderr, "usage: scope_refresh CONFIG PLUGIN_DIR ACCOUNT REPOSITORY\n");
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = run(argv[1], argv[2], argv[3], argv[4]);
	curl_global_cleanup();
	return rc;
}
