/*
 * webhook - the registry's push notifications (distribution's envelope) as
 * refreshes of the repositories they name, through the query op.
 */
#ifndef DRG_WEBHOOK_H
#define DRG_WEBHOOK_H

#include "cdh_plugin.h"

/* Serves POST /webhooks/<cli_name>: 202, or 400 for a malformed body. */
int32_t drg_webhook(struct cdh_query *q);

/* How long on-demand waits for its refresh before answering 202. */
#define DRG_ON_DEMAND_WAIT_MS 5000

/*
 * Serves POST /cache/dockerRegistry/taggedImage {"account","repository"}
 * (Clouddriver's on-demand refresh): 200 with what was stored when the
 * refresh is done within DRG_ON_DEMAND_WAIT_MS (Clouddriver's
 * cachedIdentifiersByType, plus the records), else 202 once queued; 200
 * with no records and a "message" as soon as no agent of the account
 * caches the repository; 404 for an unknown account, 403 when the caller
 * may not read it (Fiat's READ), 400 for a malformed body.
 */
int32_t drg_on_demand(const struct cdh_host_api *host, struct cdh_query *q);

#endif
