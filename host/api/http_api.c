#include "api/http_api.h"

#include <json-c/json.h>

#include <microhttpd.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/cache_route.h"
#include "api/credentials_json.h"
#include "api/directory.h"
#include "api/http_stream.h"
#include "api/queries.h"
#include "schedule/status.h"
#include "util/json_out.h"
#include "util/log.h"
#include "util/text.h"

#define JSON_TYPE "application/json"
#define METRICS_TYPE "text/plain; version=0.0.4"
#define THREADS 2

struct cdh_http_api {
	struct MHD_Daemon *daemon;
	struct cdh_store *store;
	struct cdh_status *status;
	struct addrinfo *addr;
};

static int is_true(const char *v)
{
	return v && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

static int route_credentials(const char *path, cdh_http_arg_fn arg, void *ctx,
			     char **body)
{
	struct cdh_directory *dir = cdh_directory_current();
	int status = 200;

	if (strcmp(path, "/credentials") == 0) {
		*body = cdh_credentials_list_json(dir, is_true(arg(ctx, "expand")));
	} else {
		const char *name = path + strlen("/credentials/");

		*body = cdh_credentials_get_json(dir, name);
		if (!*body) {
			*body = cdh_credentials_not_found_json(name);
			status = 404;
		}
	}
	cdh_directory_release(dir);
	return status;
}

/* The provider serving `path`: its query op's, or the /cache route's. */
static int find_route(const struct cdh_directory *dir, const char *path,
		      struct cdh_directory_provider *route)
{
	const struct cdh_directory_provider *p;
	const char *section = path + 1, *slash;

	if (strncmp(path, CDH_CACHE_ROUTE, strlen(CDH_CACHE_ROUTE)) == 0) {
		section = path + strlen(CDH_CACHE_ROUTE);
		slash = strchr(section, '/');
		if (!slash || !cdh_directory_provider(dir, section,
						      (size_t)(slash - section)))
			return 0;
		route->section = NULL;
		route->query = cdh_cache_route_query;
		return 1;
	}
	slash = strchr(section, '/');
	p = slash ? cdh_directory_provider(dir, section, (size_t)(slash - section))
		  : NULL;
	if (!p || !p->query)
		return 0;
	*route = *p;
	return 1;
}

/* A query's answer gathered in memory: for cdh_http_api_route (tests). */
struct gathered {
	int status;
	struct cdh_text body;
	char *error;
};

static void gather_start(void *ctx, int status, const char *type)
{
	(void)type;
	((struct gathered *)ctx)->status = status;
}

static int gather_write(void *ctx, const char *bytes, size_t len)
{
	cdh_text_append(&((struct gathered *)ctx)->body, bytes, len);
	return 0;
}

static void gather_fail(void *ctx, int status, const char *message)
{
	struct gathered *g = ctx;

	g->status = status;
	g->error = cdh_json_error(status, cdh_query_reason(status), message);
}

static int route_query(const struct cdh_directory_provider *route,
		       struct cdh_store *store, const struct cdh_directory *dir,
		       const char *path, cdh_http_arg_fn arg, void *ctx,
		       char **body)
{
	struct gathered g = { 200, CDH_TEXT_INIT, NULL };
	struct cdh_query_request req = { "GET", path, NULL, 0, 0, NULL, arg, ctx };
	struct cdh_query_sink sink = { gather_start, gather_write, gather_fail,
				       &g };

	cdh_query_run(route, store, dir, &req, &sink);
	if (g.error) {
		cdh_text_release(&g.body);
		*body = g.error;
	} else {
		cdh_text_puts(&g.body, "");
		*body = cdh_text_take(&g.body);
	}
	return g.status;
}

/* /health with the store's state; DOWN (503) when it cannot serve. */
static int route_health(struct cdh_store *store, struct cdh_status *status,
			char **body)
{
	json_object *root, *cache;
	char why[300];
	int down = store && cdh_store_health(store, why, sizeof(why)) != 0;
	char *health = cdh_status_health_json(status);

	root = health ? json_tokener_parse(health) : NULL;
	free(health);
	if (!root) {
		*body = NULL;
		return 500;
	}
	if (store) {
		cache = json_object_new_object();
		json_object_object_add(cache, "backend",
				       json_object_new_string(cdh_store_backend_name(store)));
		json_object_object_add(cache, "status",
				       json_object_new_string(down ? "DOWN" : "UP"));
		if (down) {
			json_object_object_add(cache, "error", json_object_new_string(why));
			json_object_object_add(root, "status", json_object_new_string("DOWN"));
		}
		json_object_object_add(root, "cache", cache);
	}
	*body = cdh_json_take_string(root);
	return down ? 503 : 200;
}

int cdh_http_api_route(struct cdh_store *store, struct cdh_status *status,
		       const char *path, cdh_http_arg_fn arg, void *ctx,
		       const char **type, char **body)
{
	struct cdh_directory_provider route;
	struct cdh_directory *dir;
	int code = 404;

	*type = JSON_TYPE;
	if (strcmp(path, "/health") == 0)
		return route_health(store, status, body);
	if (strcmp(path, "/metrics") == 0) {
		*type = METRICS_TYPE;
		*body = cdh_status_metrics_text(status, store);
		return 200;
	}
	if (strcmp(path, "/credentials") == 0 ||
	    (strncmp(path, "/credentials/", 13) == 0 && path[13] &&
	     !strchr(path + 13, '/')))
		return route_credentials(path, arg, ctx, body);
	dir = cdh_directory_current();
	if (find_route(dir, path, &route))
		code = route_query(&route, store, dir, path, arg, ctx, body);
	else
		*body = cdh_json_error(404, "Not Found", "no such endpoint");
	cdh_directory_release(dir);
	return code;
}

static const char *mhd_arg(void *ctx, const char *name)
{
	return MHD_lookup_connection_value(ctx, MHD_GET_ARGUMENT_KIND, name);
}

static enum MHD_Result reply(struct MHD_Connection *conn, int status,
			     const char *type, char *body)
{
	struct MHD_Response *resp;
	enum MHD_Result rc;

	if (!body)
		return MHD_NO; /* out of memory: drop the connection */
	resp = MHD_create_response_from_buffer(strlen(body), body,
					       MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", type);
	rc = MHD_queue_response(conn, (unsigned)status, resp);
	MHD_destroy_response(resp);
	return rc;
}

/* X-SPINNAKER-* headers (user, request id, execution...) into the debug
 * log, to follow a request from Gate or Orca through cdhost. */
static enum MHD_Result log_spinnaker_header(void *cls, enum MHD_ValueKind kind,
					   const char *key, const char *value)
{
	(void)kind;
	if (key && strncasecmp(key, "X-SPINNAKER-", 12) == 0)
		cdh_log(CDH_LOG_DEBUG, NULL, "%s %s: %s", (const char *)cls, key,
			value ? value : "");
	return MHD_YES;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn,
			      const char *url, const char *method,
			      const char *version, const char *upload_data,
			      size_t *upload_size, void **req_ctx)
{
	struct cdh_http_api *api = cls;
	struct cdh_directory_provider route;
	struct cdh_directory *dir;
	const char *type;
	char *body = NULL;
	int status;

	(void)version, (void)upload_data;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return reply(conn, 405, JSON_TYPE,
			     cdh_json_error(405, "Method Not Allowed", "GET only"));
	if (*req_ctx == NULL && *upload_size == 0) {
		/* First call for this request: headers only, answer on the next. */
		*req_ctx = conn;
		return MHD_YES;
	}
	MHD_get_connection_values(conn, MHD_HEADER_KIND, log_spinnaker_header,
				  (void *)(uintptr_t)url);
	dir = cdh_directory_current();
	if (find_route(dir, url, &route))
		return cdh_http_stream(conn, method, url, api->store, dir, &route);
	cdh_directory_release(dir);
	status = cdh_http_api_route(api->store, api->status, url, mhd_arg, conn,
				    &type, &body);
	return reply(conn, status, type, body);
}

static int resolve(const char *listen, struct addrinfo **out, char *err,
		   size_t errlen)
{
	struct addrinfo hints = { 0 };
	char host[256];
	const char *colon = strrchr(listen, ':');
	size_t hostlen;
	int rc;

	if (!colon || colon == listen) {
		snprintf(err, errlen, "host.listen \"%s\": want host:port", listen);
		return -1;
	}
	hostlen = (size_t)(colon - listen);
	if (listen[0] == '[' && hostlen >= 2 && listen[hostlen - 1] == ']')
		snprintf(host, sizeof(host), "%.*s", (int)hostlen - 2, listen + 1);
	else
		snprintf(host, sizeof(host), "%.*s", (int)hostlen, listen);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
	rc = getaddrinfo(host, colon + 1, &hints, out);
	if (rc != 0) {
		snprintf(err, errlen, "host.listen \"%s\": %s", listen, gai_strerror(rc));
		return -1;
	}
	return 0;
}

struct cdh_http_api *cdh_http_api_start(const char *listen,
					struct cdh_store *store,
					struct cdh_status *status, char *err,
					size_t errlen)
{
	struct cdh_http_api *api = calloc(1, sizeof(*api));
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;

	if (!api) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	api->store = store;
	api->status = status;
	if (resolve(listen, &api->addr, err, errlen) != 0) {
		free(api);
		return NULL;
	}
	if (api->addr->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	api->daemon = MHD_start_daemon(
		flags, 0, NULL, NULL, handle, api, MHD_OPTION_SOCK_ADDR,
		api->addr->ai_addr, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)THREADS,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_END);
	if (!api->daemon) {
		snprintf(err, errlen, "cannot listen on %s (address in use?)", listen);
		freeaddrinfo(api->addr);
		free(api);
		return NULL;
	}
	return api;
}

void cdh_http_api_stop(struct cdh_http_api *api)
{
	if (!api)
		return;
	MHD_stop_daemon(api->daemon);
	cdh_http_stream_drain(); /* queries still writing read the store */
	freeaddrinfo(api->addr);
	free(api);
}
