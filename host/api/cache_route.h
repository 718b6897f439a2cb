/*
 * cache_route - GET /cache/{provider}/{type}?pattern=GLOB: the records of a
 * type whose id matches the glob (default `*`), as a JSON array of
 * {"id":...,"attributes":{...}} in id order, streamed. The generic view of
 * any plugin's cache, for plugins without a query op of their own. Record
 * types are shared by name in the store: a provider's type names should be
 * its own.
 */
#ifndef CDH_CACHE_ROUTE_H
#define CDH_CACHE_ROUTE_H

#include "cdh_plugin.h"

#define CDH_CACHE_ROUTE "/cache/"

/* A query op (struct cdh_query) serving that route from q->path. */
int32_t cdh_cache_route_query(struct cdh_query *q);

#endif
