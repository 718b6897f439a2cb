/*
 * webhook - POST /webhooks/docker-registry: distribution's notification
 * envelope (clouddriver-cluster.md §5). Each manifest push with a tag, and
 * each delete, asks the host to refresh that repository on every account
 * whose registry is the event's; the host's refresh_scope then applies the
 * account's repository rules. Answers 202 once the refreshes are queued:
 * the registry's notifier must not wait for registry round trips.
 */
#include "query/webhook.h"

#include "query/images.h"
#include "util/url.h"

#include <json-c/json.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Event ids seen lately: distribution retries a batch until it gets a 2xx,
 * so the same event may come twice. A ring of the last SEEN_MAX ids.
 */
#define SEEN_MAX 4096
#define ID_MAX 128
static char seen[SEEN_MAX][ID_MAX];
static size_t seen_next;
static pthread_mutex_t seen_lock = PTHREAD_MUTEX_INITIALIZER;

/* 1 when `id` was seen before (and remembers it otherwise). */
static int seen_before(const char *id)
{
	size_t i;
	int found = 0;

	if (!id || !*id || strlen(id) >= ID_MAX)
		return 0; /* cannot tell: act (a refresh more is harmless) */
	pthread_mutex_lock(&seen_lock);
	for (i = 0; i < SEEN_MAX && !found; i++)
		found = strcmp(seen[i], id) == 0;
	if (!found) {
		snprintf(seen[seen_next], ID_MAX, "%s", id);
		seen_next = (seen_next + 1) % SEEN_MAX;
	}
	pthread_mutex_unlock(&seen_lock);
	return found;
}

/* The request's body as JSON (length-aware: a NUL inside ends nothing). */
static json_object *parse_body(const struct cdh_query *q)
{
	struct json_tokener *tok;
	json_object *obj;

	if (!q->body || q->body_len > INT32_MAX || !(tok = json_tokener_new()))
		return NULL;
	obj = json_tokener_parse_ex(tok, q->body, (int)q->body_len);
	if (json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(obj);
		obj = NULL;
	}
	json_tokener_free(tok);
	return obj;
}

static const char *str_at(json_object *obj, const char *key)
{
	json_object *v;

	if (!obj || !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/*
 * 1 when request.host (the Host header the registry was reached by, so
 * host[:port] with no scheme) names the account's registry: a bare host is
 * the account scheme's default port. Anything beyond an authority (a path,
 * userinfo) is not a Host header and matches nothing.
 */
static int same_request_host(const char *address, const char *req_host)
{
	struct drg_url_parts parts;
	char url[512];
	int len;

	if (!req_host || !*req_host || req_host[strcspn(req_host, "/?#@")] ||
	    drg_url_split(address, &parts) != 0)
		return 0;
	len = snprintf(url, sizeof(url), "%.*s://%s", (int)parts.scheme_len,
		       parts.scheme, req_host);
	return len > 0 && (size_t)len < sizeof(url) &&
	       drg_url_same_host_port(address, url);
}

/*
 * 1 when the account's registry is the event's (its URL or request host).
 * Host names compare case-insensitively and a default port written or not
 * is the same port: distribution builds target.url from the Host header it
 * was reached by, which may or may not carry ":443".
 */
static int same_registry(struct cdh_query *q, const char *account,
			 const char *url, const char *req_host)
{
	const char *described = q->account(q, account);
	json_object *root = described ? json_tokener_parse(described) : NULL;
	const char *address = str_at(root, "address");
	int same = address && ((url && drg_url_same_host_port(address, url)) ||
			       same_request_host(address, req_host));

	json_object_put(root);
	return same;
}

/* 1 for the events that change a repository's tags: a manifest pushed by
 * tag, and any delete. Pulls, mounts and blob pushes change none. */
static int changes_tags(const char *action, json_object *target)
{
	const char *type = str_at(target, "mediaType");

	if (!action)
		return 0;
	if (strcmp(action, "delete") == 0)
		return 1;
	if (strcmp(action, "push") != 0 || !str_at(target, "tag"))
		return 0;
	return !type || strcmp(type, "application/octet-stream") != 0;
}

/* Queues the event's repository on each matching account; returns how many. */
static size_t handle_event(struct cdh_query *q, json_object *event)
{
	json_object *target = NULL, *request = NULL;
	const char *repository, *name;
	size_t i, queued = 0;

	json_object_object_get_ex(event, "target", &target);
	json_object_object_get_ex(event, "request", &request);
	repository = str_at(target, "repository");
	if (!repository || !changes_tags(str_at(event, "action"), target) ||
	    seen_before(str_at(event, "id")))
		return 0;
	for (i = 0; (name = q->account_name(q, i)) != NULL; i++)
		if (same_registry(q, name, str_at(target, "url"),
				  str_at(request, "host")) &&
		    q->request_refresh(q, name, repository) == CDH_OK)
			queued++;
	return queued;
}

int32_t drg_webhook(struct cdh_query *q)
{
	json_object *root, *events;
	size_t i, n, queued = 0;
	char answer[128];

	if (q->struct_size < offsetof(struct cdh_query, request_refresh) +
				     sizeof(q->request_refresh)) {
		q->fail(q, 404, "no such endpoint");
		return CDH_OK;
	}
	root = parse_body(q);
	if (!root || !json_object_object_get_ex(root, "events", &events) ||
	    !json_object_is_type(events, json_type_array)) {
		json_object_put(root);
		q->fail(q, 400, "want distribution's notification envelope: "
				"{\"events\":[...]}");
		return CDH_OK;
	}
	n = json_object_array_length(events);
	for (i = 0; i < n; i++)
		queued += handle_event(q, json_object_array_get_idx(events, i));
	json_object_put(root);
	snprintf(answer, sizeof(answer), "{\"events\":%zu,\"refreshes\":%zu}",
		 n, queued);
	q->set_status(q, 202);
	q->write(q, answer, strlen(answer));
	return CDH_OK;
}

/* What on-demand stored: ids (Clouddriver's answer) and the records. */
struct stored_rows {
	json_object *ids, *records;
	int nomem;
};

static int32_t add_stored(void *data, const char *id, const char *attributes)
{
	struct stored_rows *rows = data;
	json_object *record = json_object_new_object();
	json_object *attrs = json_tokener_parse(attributes);

	if (!record || json_object_array_add(rows->ids, json_object_new_string(id)) ||
	    json_object_object_add(record, "id", json_object_new_string(id)) ||
	    json_object_object_add(record, "attributes", attrs) ||
	    json_object_array_add(rows->records, record)) {
		json_object_put(record);
		rows->nomem = 1;
		return 1;
	}
	return 0;
}

/* 200 {"cachedIdentifiersByType":{"taggedImage":[...]},"cacheData":[...]}:
 * the repository's taggedImage records of the account, as stored now;
 * with "message" when `message` is not NULL. */
static int32_t answer_stored(const struct cdh_host_api *host,
			     struct cdh_query *q, const char *account,
			     const char *repository, const char *message)
{
	struct stored_rows rows = { json_object_new_array(),
				    json_object_new_array(), 0 };
	json_object *root = json_object_new_object(), *by_type = json_object_new_object();
	char prefix[1024], glob[2 * sizeof(prefix) + 2];
	const char *text;
	int32_t rc = CDH_E_NOMEM;
	size_t len;

	snprintf(prefix, sizeof(prefix), "dockerRegistry:taggedImage:%s:%s:",
		 account, repository);
	if (!rows.ids || !rows.records || !root || !by_type ||
	    drg_glob_escape(prefix, glob, sizeof(glob) - 1) != 0)
		goto out;
	len = strlen(glob);
	glob[len] = '*', glob[len + 1] = '\0';
	rc = host->cache_ids(q->cache, "taggedImage", glob, add_stored, &rows);
	if (rc == CDH_OK && rows.nomem)
		rc = CDH_E_NOMEM;
	if (rc != CDH_OK)
		goto out;
	json_object_object_add(by_type, "taggedImage", rows.ids);
	json_object_object_add(root, "cachedIdentifiersByType", by_type);
	json_object_object_add(root, "cacheData", rows.records);
	if (message)
		json_object_object_add(root, "message",
				       json_object_new_string(message));
	rows.ids = rows.records = by_type = NULL;
	text = json_object_to_json_string_ext(
		root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	q->set_status(q, 200);
	q->write(q, text, strlen(text));
out:
	json_object_put(rows.ids);
	json_object_put(rows.records);
	json_object_put(by_type);
	json_object_put(root);
	return rc;
}

/*
 * Queues the refresh, then waits for it (bounded) when the host can. A
 * repository the account does not cache answers 200 with no records, as
 * Clouddriver answers an on-demand request no agent handles (a no-op),
 * with a message saying why.
 */
static int32_t refresh_now(const struct cdh_host_api *host, struct cdh_query *q,
			   const char *account, const char *repository)
{
	char answer[512];
	int32_t rc = q->request_refresh(q, account, repository);

	if (rc == CDH_E_CONFIG) {
		snprintf(answer, sizeof(answer), "no such account: %s", account);
		q->fail(q, 404, answer);
		return CDH_OK;
	}
	if (rc != CDH_OK) {
		q->fail(q, 503, "refresh queue full, try again");
		return CDH_OK;
	}
	if (q->struct_size >= offsetof(struct cdh_query, wait_refresh) +
				      sizeof(q->wait_refresh) &&
	    q->wait_refresh)
		rc = q->wait_refresh(q, account, repository, DRG_ON_DEMAND_WAIT_MS);
	else
		rc = CDH_E_TRANSIENT;
	if (rc == CDH_OK)
		return answer_stored(host, q, account, repository, NULL);
	if (rc == CDH_E_CONFIG) {
		snprintf(answer, sizeof(answer),
			 "account %s does not cache repository %s", account,
			 repository);
		return answer_stored(host, q, account, repository, answer);
	}
	q->set_status(q, 202);
	q->write(q, "{\"status\":\"queued\"}", 19);
	return CDH_OK;
}

int32_t drg_on_demand(const struct cdh_host_api *host, struct cdh_query *q)
{
	json_object *root;
	const char *account, *repository;
	char answer[512];
	int32_t rc = CDH_OK;

	if (q->struct_size < offsetof(struct cdh_query, request_refresh) +
				     sizeof(q->request_refresh)) {
		q->fail(q, 404, "no such endpoint");
		return CDH_OK;
	}
	root = parse_body(q);
	account = str_at(root, "account");
	repository = str_at(root, "repository");
	if (!account || !repository || !*repository) {
		q->fail(q, 400, "want {\"account\":...,\"repository\":...}");
	} else if (!q->account(q, account)) {
		snprintf(answer, sizeof(answer), "no such account: %s", account);
		q->fail(q, 404, answer);
	} else if (!q->can_read(q, account)) {
		/* Clouddriver's on-demand has no Fiat check; cdhost's refreshes
		 * cost registry requests, so the caller must read the account. */
		snprintf(answer, sizeof(answer),
			 "Access denied to account %s - required authorization: READ",
			 account);
		q->fail(q, 403, answer);
	} else {
		rc = refresh_now(host, q, account, repository);
	}
	json_object_put(root);
	return rc;
}
