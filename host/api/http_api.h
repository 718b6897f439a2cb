/*
 * http_api - Clouddriver's HTTP API on libmicrohttpd: /credentials,
 * /credentials/{name}, /health, /metrics, /cache/{provider}/{type}, and
 * every path under /<provider>/... routed to the plugin whose config
 * section is <provider> (its query op, streamed). Handlers run on the
 * server's threads and only read: the store (through its reader
 * connections) and the published account directory.
 */
#ifndef CDH_HTTP_API_H
#define CDH_HTTP_API_H

#include <stddef.h>

#include "config/config.h"
#include "schedule/status.h"
#include "store/store.h"

struct cdh_http_api;

/*
 * Listens on `listen` ("host:port", "[v6]:port") and serves from `store`,
 * /health and /metrics from `status` (both borrowed; they must outlive the
 * server). POST /webhooks/<cli_name> needs the bearer token held in
 * `token_file` (host.webhooks.tokenFile, re-read per request) unless it is
 * NULL. NULL with err on failure.
 */
struct cdh_http_api *cdh_http_api_start(const char *listen,
					struct cdh_store *store,
					struct cdh_status *status,
					const char *token_file, char *err,
					size_t errlen);
/*
 * The API's limits against descriptor exhaustion (issue #19): connections
 * served at once (0: unlimited by us; libmicrohttpd's own), per client
 * address (0: unlimited), and seconds after which an idle connection is
 * closed (0: never). The Host header names served (host_check.h), from
 * host.allowedHosts: `allowed_hosts` (borrowed, may be NULL) and whether
 * the key was set.
 */
struct cdh_http_limits {
	unsigned max_connections;
	unsigned max_per_address;
	unsigned idle_timeout_seconds;
	const struct cdh_names *allowed_hosts;
	int allowed_hosts_set;
};

/* cdh_http_api_start with `limits` (NULL: libmicrohttpd's defaults and a
 * 30 s idle timeout, as cdh_http_api_start). */
struct cdh_http_api *cdh_http_api_start_limited(
	const char *listen, struct cdh_store *store, struct cdh_status *status,
	const char *token_file, const struct cdh_http_limits *limits, char *err,
	size_t errlen);
/* Stops accepting, finishes requests in progress, frees. */
void cdh_http_api_stop(struct cdh_http_api *api);

/*
 * The response to GET `path` with query args looked up through `arg`
 * (returns NULL for an absent arg): status code, content type and body
 * (caller frees). Exposed so tests can drive routing without sockets; a
 * plugin's answer is gathered whole here, and reported as JSON.
 */
typedef const char *(*cdh_http_arg_fn)(void *ctx, const char *name);
int cdh_http_api_route(struct cdh_store *store, struct cdh_status *status,
		       const char *path,
		       cdh_http_arg_fn arg, void *arg_ctx,
		       const char **content_type, char **body);

#endif
