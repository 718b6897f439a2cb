/*
 * credentials_view - Clouddriver's /credentials resource over the accounts
 * of a config: GET /credentials (every account's summary, a JSON array) and
 * GET /credentials/{name} (one account, expanded). One implementation
 * behind both `cdhost credentials [NAME]` and the HTTP API, so both print
 * the same bytes.
 *
 * Each account describes itself through its plugin's describe op (which
 * never includes a secret); the host adds what only it knows:
 * primaryAccount, true when the plugin section's `primaryAccount` names the
 * account. A plugin without describe gets a minimal {name, cloudProvider,
 * type} object.
 */
#ifndef CDH_CREDENTIALS_VIEW_H
#define CDH_CREDENTIALS_VIEW_H

#include <stddef.h>

#include "accounts.h"
#include "config.h"
#include "loader.h"

/*
 * The JSON array of every account's summary, in config order. Returns a new
 * string (caller frees) or NULL with err.
 */
char *cdh_credentials_view_list(const struct cdh_accounts *accounts,
				const struct cdh_config *config, char *err,
				size_t errlen);

/*
 * The expanded JSON object of account `name`. Returns a new string (caller
 * frees), or NULL with err; *missing is set to 1 when there is no such
 * account, and err is then Clouddriver's "Account does not exist (name: N)".
 */
char *cdh_credentials_view_get(const struct cdh_accounts *accounts,
			       const struct cdh_config *config,
			       const char *name, int *missing, char *err,
			       size_t errlen);

/*
 * `cdhost credentials [NAME]` (argv[0] is "credentials") over a loaded
 * config and plugin set: validates the config, creates its accounts, prints
 * the JSON on stdout. Returns the exit code: 0, 1 for an unknown account or
 * a failure, 2 for an invalid config (nothing printed on stdout).
 */
int cdh_credentials_view_command(const struct cdh_loader *loader,
				 const struct cdh_config *config, int argc,
				 char **argv);

#endif
