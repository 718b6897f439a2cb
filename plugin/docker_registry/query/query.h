/*
 * query - the plugin's query op (ABI 1.1): its HTTP routes under
 * /dockerRegistry/... and its commands (`cdhost images find|tags`), parsed
 * here and answered by images.c. Anything else is 404, "not mine".
 */
#ifndef DRG_QUERY_H
#define DRG_QUERY_H

#include "cdh_plugin.h"

/* Serves `q` with the host table `host`. CDH_OK or the cache's error. */
int32_t drg_query(const struct cdh_host_api *host, struct cdh_query *q);

#endif
