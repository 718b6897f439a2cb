/*
 * describe - an account as Clouddriver's /credentials endpoints show a
 * DockerRegistryNamedAccountCredentials (Jackson, NON_NULL: unset strings
 * are absent).
 *
 * Summary (GET /credentials): name, environment, accountType, cloudProvider
 * "dockerRegistry", requiredGroupMembership, permissions ({} or
 * {"READ":[...],"WRITE":[...]} with the configured keys), type
 * "dockerRegistry", challengeDestructiveActions false, primaryAccount false
 * (the plugin cannot see the section's primaryAccount; the host sets it).
 *
 * Expanded (GET /credentials/{name}) adds address, registry, v2Endpoint,
 * email, trackDigests, inspectDigests, sortTagsByDate, insecureRegistry,
 * cacheThreads, cacheIntervalSeconds, clientTimeoutMillis, paginateSize,
 * skip, repositoriesRegex, enabled (true), and our maxConcurrentRequests,
 * requestsPerSecond and caCertFile.
 *
 * Unlike Clouddriver, neither passwordCommand (it may embed a secret) nor
 * passwordFile is ever shown; like it, username, password and repositories
 * are not either.
 */
#ifndef DRG_DESCRIBE_H
#define DRG_DESCRIBE_H

#include <stdint.h>

#include "account/account.h"

/*
 * The account as a JSON object at `detail` (CDH_DESCRIBE_SUMMARY or
 * CDH_DESCRIBE_EXPANDED). Returns a new string (caller frees) or NULL when
 * out of memory or `detail` is unknown.
 */
char *drg_describe_account(const struct drg_account *account, int32_t detail);

#endif
