/*
 * http_limits - what the HTTP API may take of the process's descriptors
 * (issue #19): the soft RLIMIT_NOFILE raised to the hard limit, and the
 * connection limits derived from host.maxConnections,
 * host.maxConnectionsPerAddress and host.idleTimeoutSeconds.
 */
#ifndef CDH_HTTP_LIMITS_H
#define CDH_HTTP_LIMITS_H

#include "api/http_api.h"
#include "config/config.h"

/*
 * Raises the soft descriptor limit to the hard one (once per process is
 * enough; harmless again), then fills `out` from `config`: an unset
 * host.maxConnections is CDH_DEFAULT_MAX_CONNECTIONS but at most half the
 * descriptor limit, so the other half stays for the store, the registries
 * and a reload; a configured value is taken as given (warned when above
 * that half). Logs the limits in force.
 */
void cdh_http_limits_choose(const struct cdh_config *config,
			    struct cdh_http_limits *out);

#endif
