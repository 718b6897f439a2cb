/*
 * queries - the host's side of struct cdh_query (see queries.h).
 */
#include "api/queries.h"

#include "api/fiat.h"

#include <stdio.h>
#include <string.h>

struct run {
	struct cdh_query q; /* first: the plugin's pointer is ours */
	const struct cdh_directory_provider *provider;
	const struct cdh_directory *dir;
	const struct cdh_query_request *request;
	const struct cdh_query_sink *sink;
	int status;
	char content_type[128];
	int answered; /* start or fail went to the sink */
	int gone;     /* the reader went away */
	uint64_t asked_ns; /* the first request_refresh (monotonic), or 0 */
};

static struct run *run_of(const struct cdh_query *q)
{
	return (struct run *)(uintptr_t)q;
}

static const char *q_param(const struct cdh_query *q, const char *name)
{
	const struct cdh_query_request *req = run_of(q)->request;

	return req->param && name ? req->param(req->param_ctx, name) : NULL;
}

/* Fiat's READ for the request's user: Fiat itself when host.authz names
 * it, else the static table (see authz.h). */
static int32_t q_can_read(const struct cdh_query *q, const char *account)
{
	const struct run *r = run_of(q);
	const struct cdh_authz_config *authz = &r->dir->authz;
	const struct cdh_directory_entry *e;

	if (authz->enabled && authz->fiat_base_url && !r->request->admin)
		return cdh_fiat_can_read(authz->fiat_base_url, r->request->user,
					 authz->unknown_anonymous, account);
	e = account ? cdh_directory_find(r->dir, account) : NULL;
	return cdh_authz_can_read(authz, r->request->user, r->request->admin,
				  e ? &e->authz : NULL);
}

static const char *q_account(const struct cdh_query *q, const char *name)
{
	const struct run *r = run_of(q);
	const struct cdh_directory_entry *e;

	if (!name)
		return NULL;
	e = cdh_directory_find(r->dir, name);
	if (!e || !e->section || strcmp(e->section, r->provider->section) != 0)
		return NULL;
	return e->expanded_json;
}

static const char *q_account_name(const struct cdh_query *q, size_t index)
{
	const struct run *r = run_of(q);
	size_t i;

	for (i = 0; i < r->dir->count; i++) {
		const struct cdh_directory_entry *e = &r->dir->entries[i];

		if (!e->section || strcmp(e->section, r->provider->section) != 0)
			continue;
		if (index-- == 0)
			return e->name;
	}
	return NULL;
}

static cdh_query_refresh_fn refresh_fn;
static void *refresh_ctx;

void cdh_query_set_refresh(cdh_query_refresh_fn fn, void *ctx)
{
	refresh_fn = fn;
	refresh_ctx = ctx;
}

static cdh_query_wait_fn wait_fn;

void cdh_query_set_wait(cdh_query_wait_fn fn)
{
	wait_fn = fn;
}

static int32_t q_request_refresh(struct cdh_query *q, const char *account,
				 const char *scope)
{
	struct run *r = run_of(q);

	if (!scope || !*scope || !q_account(q, account))
		return CDH_E_CONFIG;
	/* Before queueing: a refresh queued from now on answers wait_refresh. */
	if (!r->asked_ns)
		r->asked_ns = cdh_monotonic_ns();
	if (!refresh_fn || refresh_fn(refresh_ctx, account, scope) != 0)
		return CDH_E_TRANSIENT;
	return CDH_OK;
}

static int32_t q_wait_refresh(struct cdh_query *q, const char *account,
			      const char *scope, uint32_t timeout_ms)
{
	struct run *r = run_of(q);
	int32_t rc;

	if (!scope || !*scope || !q_account(q, account))
		return CDH_E_CONFIG;
	if (!wait_fn)
		return CDH_E_TRANSIENT;
	rc = wait_fn(refresh_ctx, account, scope,
		     r->asked_ns ? r->asked_ns : cdh_monotonic_ns(), timeout_ms);
	return rc == 1 ? CDH_E_TRANSIENT : rc;
}

static void q_set_status(struct cdh_query *q, int32_t status)
{
	if (status >= 100 && status <= 599)
		run_of(q)->status = status;
}

static void q_set_content_type(struct cdh_query *q, const char *type)
{
	if (type)
		snprintf(run_of(q)->content_type,
			 sizeof(run_of(q)->content_type), "%s", type);
}

static int32_t q_write(struct cdh_query *q, const char *bytes, size_t len)
{
	struct run *r = run_of(q);

	if (r->gone)
		return CDH_E_CANCELLED;
	if (!r->answered) {
		r->answered = 1;
		r->sink->start(r->sink->ctx, r->status, r->content_type);
	}
	if (len && r->sink->write(r->sink->ctx, bytes, len) != 0)
		r->gone = 1;
	return r->gone ? CDH_E_CANCELLED : CDH_OK;
}

static void q_fail(struct cdh_query *q, int32_t status, const char *message)
{
	struct run *r = run_of(q);
	char why[300], unavailable[400];

	if (r->answered)
		return;
	r->answered = 1;
	/* A server error while the store's server is down (Redis) is that:
	 * 503, naming the store, so a client knows to retry. */
	if (status >= 500 && cdh_store_health((struct cdh_store *)(void *)q->cache,
					      why, sizeof(why)) != 0) {
		snprintf(unavailable, sizeof(unavailable),
			 "cache store unavailable: %s", why);
		status = 503, message = unavailable;
	}
	r->sink->fail(r->sink->ctx, status >= 100 && status <= 599 ? status : 500,
		      message ? message : "");
}

const char *cdh_query_reason(int status)
{
	switch (status) {
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 503:
		return "Service Unavailable";
	default:
		return status < 500 ? "Error" : "Internal Server Error";
	}
}

int32_t cdh_query_run(const struct cdh_directory_provider *provider,
		      struct cdh_store *store, const struct cdh_directory *dir,
		      const struct cdh_query_request *request,
		      const struct cdh_query_sink *sink)
{
	struct run r = { 0 };
	int32_t rc;

	r.q.struct_size = sizeof(r.q);
	r.q.method = request->method;
	r.q.path = request->path;
	r.q.user = request->user;
	r.q.admin = request->admin;
	r.q.argc = request->argc;
	r.q.argv = request->argv;
	r.q.cache = (const struct cdh_cache *)(void *)store;
	r.q.param = q_param;
	r.q.can_read = q_can_read;
	r.q.account = q_account;
	r.q.set_status = q_set_status;
	r.q.set_content_type = q_set_content_type;
	r.q.write = q_write;
	r.q.fail = q_fail;
	r.q.body = request->body;
	r.q.body_len = request->body_len;
	r.q.account_name = q_account_name;
	r.q.request_refresh = q_request_refresh;
	r.q.wait_refresh = q_wait_refresh;
	r.provider = provider, r.dir = dir, r.request = request, r.sink = sink;
	r.status = 200;
	snprintf(r.content_type, sizeof(r.content_type), "application/json");
	rc = provider->query(&r.q);
	if (!r.answered && rc != CDH_OK)
		q_fail(&r.q, rc == CDH_E_TRANSIENT ? 503 : 500,
		       "cache store error");
	else if (!r.answered)
		q_write(&r.q, "", 0);
	return rc;
}
