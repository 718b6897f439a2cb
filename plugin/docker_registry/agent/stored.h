/*
 * stored - last cycle's facts read back from the host's store (ABI 1.1
 * previous_records): the taggedImage records this agent stored for each of
 * its repositories, turned into memo entries. An agent that starts with an
 * empty memo (a restart, `run --once`) seeds it from there, so a tag whose
 * manifest digest did not change reuses its stored date, labels and config
 * digest instead of fetching its image config again.
 */
#ifndef DRG_STORED_H
#define DRG_STORED_H

#include "account/account.h"
#include "agent/memo.h"
#include "cdh_plugin.h"
#include "util/strvec.h"

/*
 * A memo of what `refresh`'s agent stored for `repos`, keeping only facts
 * the account's settings would have fetched (dates with sortTagsByDate,
 * labels and config digest with inspectDigests). NULL when the host has no
 * previous_records (a 1.0 host), nothing usable was stored, or memory ran
 * out: the cycle then fetches as it would have.
 */
struct drg_memo *drg_stored_memo(const struct cdh_host_api *api,
				 const struct drg_account *account,
				 struct cdh_refresh *refresh,
				 const struct drg_strvec *repos);

#endif
