#include "api/http_api.h"

#include <json-c/json.h>

#include <microhttpd.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/cache_route.h"
#include "api/credentials_json.h"
#include "api/directory.h"
#include "api/host_check.h"
#include "api/http_deferred.h"
#include "api/http_stream.h"
#include "api/queries.h"
#include "schedule/status.h"
#include "util/json_out.h"
#include "util/log.h"
#include "util/text.h"

#define JSON_TYPE "application/json"
#define METRICS_TYPE "text/plain; version=0.0.4"
#define THREADS 2
/* A notification envelope is a few KiB; distribution batches up to ~100. */
#define CDH_WEBHOOK_BODY_MAX (1024 * 1024)

struct cdh_http_api {
	struct MHD_Daemon *daemon;
	struct cdh_store *store;
	struct cdh_status *status;
	struct addrinfo *addr;
	char *token_file; /* host.webhooks.tokenFile, or NULL */
	struct cdh_host_check hosts; /* the Host headers served */
	struct cdh_deferred *posts;  /* POSTs answered off MHD's threads */
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
	p = slash ? cdh_directory_route(dir, section, (size_t)(slash - section))
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
	struct cdh_query_request req = { "GET", path, NULL, 0, 0, NULL, arg, ctx,
					 NULL, 0 };
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

/* A POST's body, gathered across MHD's calls (capped). */
struct post {
	struct cdh_text body;
	int too_big;
	int deferred; /* handed to its thread: a call after is a resume
			 without an answer (out of memory) */
};

#define WEBHOOKS "/webhooks/"

/*
 * The plugin a POST goes to: /webhooks/<cli_name> by its CLI name, or
 * /cache/<section>/... (Clouddriver's on-demand refresh) by its config
 * section; NULL when none (or it has no query op).
 */
static const struct cdh_directory_provider *
post_provider(const struct cdh_directory *dir, const char *path)
{
	const struct cdh_directory_provider *p;
	const char *name, *slash;
	size_t i;

	if (strncmp(path, CDH_CACHE_ROUTE, strlen(CDH_CACHE_ROUTE)) == 0) {
		name = path + strlen(CDH_CACHE_ROUTE);
		slash = strchr(name, '/');
		p = slash ? cdh_directory_provider(dir, name,
						   (size_t)(slash - name))
			  : NULL;
		return p && p->query ? p : NULL;
	}
	name = path + strlen(WEBHOOKS);
	for (i = 0; i < dir->provider_count; i++) {
		p = &dir->providers[i];
		if (p->query && p->cli_name && strcmp(p->cli_name, name) == 0)
			return p;
	}
	return NULL;
}

/* Runs a POST's query over the whole body, for `user` (X-SPINNAKER-USER,
 * or NULL); the plugin answers (202). */
static int route_webhook(struct cdh_http_api *api, const char *path,
			 const char *user, const struct post *post, char **body)
{
	struct gathered g = { 200, CDH_TEXT_INIT, NULL };
	struct cdh_query_request req = { "POST", path, user, 0, 0, NULL, NULL,
					 NULL, post->body.data,
					 post->body.len };
	struct cdh_query_sink sink = { gather_start, gather_write, gather_fail,
				       &g };
	struct cdh_directory *dir = cdh_directory_current();
	const struct cdh_directory_provider *p = post_provider(dir, path);

	if (!p) {
		cdh_directory_release(dir);
		*body = cdh_json_error(404, "Not Found", "no such endpoint");
		return 404;
	}
	cdh_query_run(p, api->store, dir, &req, &sink);
	cdh_directory_release(dir);
	if (g.error) {
		cdh_text_release(&g.body);
		*body = g.error;
	} else {
		cdh_text_puts(&g.body, "");
		*body = cdh_text_take(&g.body);
	}
	return g.status;
}

/* Equal secrets, in a time that depends only on the expected one's length. */
static int same_secret(const char *given, const char *expected)
{
	size_t glen = strlen(given), elen = strlen(expected), i;
	volatile unsigned char diff = glen != elen;

	for (i = 0; i < elen; i++)
		diff |= (unsigned char)(given[i < glen ? i : 0] ^ expected[i]);
	return diff == 0;
}

/* The token in `file`, trailing newline and blanks cut; -1 unreadable. */
static int read_token(const char *file, char *out, size_t outlen)
{
	FILE *f = fopen(file, "re");
	size_t n;

	if (!f)
		return -1;
	n = fread(out, 1, outlen - 1, f);
	fclose(f);
	while (n && strchr(" \t\r\n", out[n - 1]))
		n--;
	out[n] = '\0';
	return n ? 0 : -1;
}

/*
 * 0 when the request may post: no token configured, or it carries
 * `Authorization: Bearer <token>`. The file is read on every request, so
 * a rotated token takes effect at once. Else the status to answer.
 */
static int webhook_auth(const struct cdh_http_api *api,
			struct MHD_Connection *conn)
{
	const char *header = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							 "Authorization");
	char token[4096];
	int ok;

	if (!api->token_file)
		return 0;
	if (read_token(api->token_file, token, sizeof(token)) != 0)
		return 503;
	ok = header && strncmp(header, "Bearer ", 7) == 0 &&
	     same_secret(header + 7, token);
	explicit_bzero(token, sizeof(token));
	return ok ? 0 : 401;
}

/*
 * A POST whose body is whole, run on its own thread (http_deferred.h): a
 * plugin's POST may wait (on-demand waits up to 5 s for its refresh). The
 * body is borrowed from the request's context, which lives while the
 * connection is suspended; the path and user are copied.
 */
struct post_run {
	struct cdh_http_api *api;
	char *path, *user;
	const struct post *post;
};

static int run_post(void *ctx, char **body)
{
	struct post_run *r = ctx;

	return route_webhook(r->api, r->path, r->user, r->post, body);
}

static void free_post_run(void *ctx)
{
	struct post_run *r = ctx;

	free(r->path);
	free(r->user);
	free(r);
}

static enum MHD_Result defer_post(struct cdh_http_api *api,
				  struct MHD_Connection *conn, const char *url,
				  struct post *post)
{
	const char *user = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						       "X-SPINNAKER-USER");
	struct post_run *r = calloc(1, sizeof(*r));

	if (!r || !(r->path = strdup(url)) || (user && !(r->user = strdup(user)))) {
		if (r)
			free_post_run(r);
		return MHD_NO;
	}
	MHD_get_connection_values(conn, MHD_HEADER_KIND, log_spinnaker_header,
				  (void *)(uintptr_t)url);
	r->api = api;
	r->post = post;
	post->deferred = 1;
	if (cdh_deferred_start(api->posts, conn, run_post, free_post_run, r) == 0)
		return MHD_YES;
	free_post_run(r);
	post->deferred = 0;
	return reply(conn, 503, JSON_TYPE,
		     cdh_json_error(503, "Service Unavailable",
				    "too many requests in progress, try again"));
}

/* POST /webhooks/<cli_name> and /cache/<section>/...: gathers the body,
 * then hands it to the plugin, off libmicrohttpd's thread. */
static enum MHD_Result handle_post(struct cdh_http_api *api,
				   struct MHD_Connection *conn,
				   const char *url, const char *upload_data,
				   size_t *upload_size, void **req_ctx)
{
	struct post *post = *req_ctx;
	int status;

	if (!post) {
		int hook = strncmp(url, WEBHOOKS, strlen(WEBHOOKS)) == 0;

		if (!hook && strncmp(url, CDH_CACHE_ROUTE,
				     strlen(CDH_CACHE_ROUTE)) != 0)
			return reply(conn, 405, JSON_TYPE,
				     cdh_json_error(405, "Method Not Allowed",
						    "GET only"));
		status = hook ? webhook_auth(api, conn) : 0;
		if (status == 401)
			return reply(conn, 401, JSON_TYPE,
				     cdh_json_error(401, "Unauthorized",
						    "a valid bearer token is required"));
		if (status)
			return reply(conn, 503, JSON_TYPE,
				     cdh_json_error(503, "Service Unavailable",
						    "webhook token file unreadable"));
		if (!(post = calloc(1, sizeof(*post))))
			return MHD_NO;
		*req_ctx = post;
		return MHD_YES;
	}
	if (*upload_size) {
		if (post->body.len + *upload_size > CDH_WEBHOOK_BODY_MAX)
			post->too_big = 1;
		else
			cdh_text_append(&post->body, upload_data, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (post->deferred)
		return MHD_NO;
	if (post->too_big) {
		return reply(conn, 413, JSON_TYPE,
			     cdh_json_error(413, "Payload Too Large",
					    "body over 1 MiB"));
	}
	return defer_post(api, conn, url, post);
}

/* Frees a POST's gathered body once MHD is done with the request. */
static void completed(void *cls, struct MHD_Connection *conn, void **req_ctx,
		      enum MHD_RequestTerminationCode code)
{
	struct post *post = *req_ctx;

	(void)cls, (void)code;
	if (post && (void *)post != (void *)conn) {
		cdh_text_release(&post->body);
		free(post);
	}
	*req_ctx = NULL;
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

	(void)version;
	if (!cdh_host_check_allows(&api->hosts, MHD_lookup_connection_value(
			conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST)))
		return reply(conn, 421, JSON_TYPE,
			     cdh_json_error(421, "Misdirected Request",
					    "this server does not answer to that "
					    "Host name (host.allowedHosts)"));
	if (strcmp(method, "POST") == 0)
		return handle_post(api, conn, url, upload_data, upload_size,
				   req_ctx);
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
					struct cdh_status *status,
					const char *token_file, char *err,
					size_t errlen)
{
	return cdh_http_api_start_limited(listen, store, status, token_file,
					  NULL, err, errlen);
}

/* Whether the API listens on 127.0.0.0/8 or ::1 only. */
static int is_loopback(const struct addrinfo *ai)
{
	if (ai->ai_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)ai->ai_addr;

		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (ai->ai_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)ai->ai_addr;

		return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
	}
	return 0;
}

static struct MHD_Daemon *start_daemon(struct cdh_http_api *api,
				       const struct cdh_http_limits *limits)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
			 MHD_ALLOW_SUSPEND_RESUME;
	struct MHD_OptionItem opts[4];
	size_t n = 0;

	if (api->addr->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* Without a limit, idle connections take every descriptor: /health
	 * stops answering and a reload cannot open the config file. */
	if (limits && limits->max_connections)
		opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT,
			limits->max_connections, NULL };
	if (limits && limits->max_per_address)
		opts[n++] = (struct MHD_OptionItem){
			MHD_OPTION_PER_IP_CONNECTION_LIMIT,
			limits->max_per_address, NULL };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT,
		limits ? limits->idle_timeout_seconds : 30, NULL };
	opts[n] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
	return MHD_start_daemon(
		flags, 0, NULL, NULL, handle, api, MHD_OPTION_SOCK_ADDR,
		api->addr->ai_addr, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)THREADS,
		MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_ARRAY,
		opts, MHD_OPTION_END);
}

struct cdh_http_api *cdh_http_api_start_limited(
	const char *listen, struct cdh_store *store, struct cdh_status *status,
	const char *token_file, const struct cdh_http_limits *limits, char *err,
	size_t errlen)
{
	struct cdh_http_api *api = calloc(1, sizeof(*api));

	if (!api) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	api->store = store;
	api->status = status;
	if (token_file && !(api->token_file = strdup(token_file))) {
		snprintf(err, errlen, "out of memory");
		free(api);
		return NULL;
	}
	if (resolve(listen, &api->addr, err, errlen) != 0) {
		free(api->token_file);
		free(api);
		return NULL;
	}
	if (!(api->posts = cdh_deferred_new()) ||
	    cdh_host_check_init(&api->hosts, limits ? limits->allowed_hosts : NULL,
				limits && limits->allowed_hosts_set,
				is_loopback(api->addr)) != 0) {
		snprintf(err, errlen, "out of memory");
		api->daemon = NULL;
	} else if (!(api->daemon = start_daemon(api, limits))) {
		snprintf(err, errlen, "cannot listen on %s (address in use?)", listen);
	}
	if (!api->daemon) {
		cdh_deferred_free(api->posts);
		cdh_host_check_release(&api->hosts);
		freeaddrinfo(api->addr);
		free(api->token_file);
		free(api);
		return NULL;
	}
	return api;
}

void cdh_http_api_stop(struct cdh_http_api *api)
{
	if (!api)
		return;
	/* libmicrohttpd must find no connection suspended; until it has
	 * stopped, a POST may still reach the (stopped) deferred set. */
	cdh_deferred_stop(api->posts);
	MHD_stop_daemon(api->daemon);
	cdh_deferred_free(api->posts);
	cdh_http_stream_drain(); /* queries still writing read the store */
	freeaddrinfo(api->addr);
	free(api->token_file);
	cdh_host_check_release(&api->hosts);
	free(api);
}
