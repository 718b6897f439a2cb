/*
 * webhook - the registry's push notifications (distribution's envelope) as
 * refreshes of the repositories they name, through the query op.
 */
#ifndef DRG_WEBHOOK_H
#define DRG_WEBHOOK_H

#include "cdh_plugin.h"

/* Serves POST /webhooks/<cli_name>: 202, or 400 for a malformed body. */
int32_t drg_webhook(struct cdh_query *q);

/*
 * Serves POST /cache/dockerRegistry/taggedImage {"account","repository"}
 * (Clouddriver's on-demand refresh): 202 once queued, 404 for an unknown
 * account, 400 for a malformed body.
 */
int32_t drg_on_demand(struct cdh_query *q);

#endif
