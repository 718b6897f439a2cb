/*
 * host_table - the function table the host hands every plugin at negotiation:
 * logging, clock, config view and refresh callbacks, all host-implemented.
 */
#ifndef CDH_HOST_TABLE_H
#define CDH_HOST_TABLE_H

#include "cdh_plugin.h"

/* The table (static storage, valid for the life of the process). */
const struct cdh_host_api *cdh_host_table_get(void);

/* Human text for a CDH_* result code. */
const char *cdh_strerror(int32_t code);

#endif
