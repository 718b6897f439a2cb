/*
 * agent - one caching agent's refresh cycle: Clouddriver's
 * DockerRegistryImageCachingAgent, minus its defects. It finds the
 * repositories the agent owns (configured list, else catalogFile, else
 * _catalog; skip and repositoriesRegex applied; cacheThreads partition),
 * keeps twice maxConcurrentRequests tag list and manifest operations
 * submitted (the registry client caps what is in flight; a bounded window
 * keeps its memory flat however many tags), and hands the host one
 * taggedImage and one imageId record per tag with a scope result per
 * repository: a repository that failed keeps its previous records; one the
 * registry no longer knows loses them.
 */
#ifndef DRG_AGENT_H
#define DRG_AGENT_H

#include <stddef.h>
#include <stdint.h>

#include "account/account.h"
#include "cdh_plugin.h"
#include "agent/memo.h"
#include "registry/registry.h"

/* "<account>/DockerRegistryImageCachingAgent[<index+1>/<count>]" into buf. */
int32_t drg_agent_name(const struct drg_account *account, uint32_t index,
		       char *buf, size_t buflen);

/*
 * Runs one cycle of agent `index` with client `reg` (already bound to
 * `refresh`). `*memo` is what this agent learnt last cycle; it is replaced
 * by this cycle's (the caller owns it; start with drg_memo_new()). Returns
 * CDH_OK when the cycle completed, failed repositories included; an error
 * when the list of repositories itself could not be had (then the host
 * keeps everything) or the refresh was cancelled.
 *
 * Records go to the host while the cycle runs: a repository's records
 * together, then its scope result, repositories in the listed order, each
 * as soon as its work and that of those listed before it is done (so the
 * agent holds the repositories in flight, not the account). An error
 * return may follow records already emitted: the host discards the cycle
 * (cdh_plugin.h, scope_result). maxRecordsPerAccount keeps the records of
 * the repositories listed first, whatever order their requests end in.
 */
int32_t drg_agent_refresh(const struct cdh_host_api *api,
			  const struct drg_account *account,
			  struct drg_registry *reg, uint32_t index,
			  struct drg_memo **memo, struct cdh_refresh *refresh,
			  char *err, size_t errlen);

/*
 * One cycle of agent `index` for `repository` only (ABI 1.1 refresh_scope):
 * the same records and scope result a full cycle would give it, the
 * agent's memo updated for it alone. CDH_E_CONFIG when the account's rules
 * (list, catalog, regex, skip, partition) do not give it to this agent.
 */
int32_t drg_agent_refresh_scope(const struct cdh_host_api *api,
				const struct drg_account *account,
				struct drg_registry *reg, uint32_t index,
				const char *repository, struct drg_memo **memo,
				struct cdh_refresh *refresh, char *err,
				size_t errlen);

#endif
