/*
 * verify - Halyard's DockerRegistryAccountValidator, run against the
 * registry: what `cdhost config provider docker-registry account add|edit`
 * checks before it saves an account (the plugin's optional `verify` op).
 *
 * In order:
 *  1. GET /v2/ answers 200 or 401 (a Docker Registry v2); no answer at all
 *     is an error, and so is any other status (nothing else is checked).
 *  2. The password resolves (password, passwordFile, passwordCommand,
 *     dockerconfigFile): a failure is a WARNING, as in Halyard; the
 *     listings below then fail with the reason.
 *  3. With repositories: the tags of each (all at once) - a failure is
 *     ERROR "Unable to fetch tags from the docker repository: R, why",
 *     and no tag at all in any listed repository is WARNING "None of your
 *     supplied repositories contain any tags...".
 *     Without (and without catalogFile): the catalog - a failure is ERROR
 *     "Unable to connect the registries catalog endpoint: why." (plus the
 *     Resource Manager hint for *gcr.io), an empty one WARNING "Your docker
 *     registry has no repositories specified, and the registry's catalog is
 *     empty...", and a repositoriesRegex that matches none of it a WARNING.
 *  4. After an authentication failure, a password file whose password
 *     still has surrounding whitespace gets Halyard's hint.
 * Unlike Halyard's, this works against Bearer-token registries: the
 * listings go through the account's own registry client (registry.h).
 *
 * Each finding is one `report` call at CDH_LOG_ERROR or CDH_LOG_WARN. Its
 * message is Halyard's text; a remediation, when there is one, follows on
 * its own line starting with "? " (as Halyard prints it). No finding holds
 * a secret: registry and credential errors are secret-free by contract.
 */
#ifndef DRG_VERIFY_H
#define DRG_VERIFY_H

#include <stdint.h>

#include "account/account.h"
#include "cdh_plugin.h"
#include "credentials/credentials.h"
#include "registry/registry.h"

/*
 * Checks `account` against its registry through `reg` (a client of this
 * account, idle: no operation pending) with `creds` (the account's).
 * Everything is borrowed for the call. Returns CDH_OK when nothing worse
 * than a warning was found, CDH_E_TRANSIENT when the registry could not be
 * reached, CDH_E_CONFIG for any other error, CDH_E_NOMEM.
 */
int32_t drg_verify_account(const struct cdh_host_api *api,
			   const struct drg_account *account,
			   struct drg_credentials *creds,
			   struct drg_registry *reg, cdh_report_fn report,
			   void *report_ctx);

#endif
