#include "registry/registry.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "registry/registry_internal.h"
#include "http/retry_after.h"
#include "auth/token_scope.h"
#include "util/url.h"

#define MAX_REDIRECTS 5

static void op_free(struct drg__op *op);

static int is_cancelled(void *ud)
{
	struct drg_registry *reg = ud;

	return reg->refresh && reg->api->is_cancelled(reg->refresh);
}

static void count_attempt(void *ud, long status)
{
	struct drg_registry *reg = ud;

	if (reg->refresh)
		reg->api->count_request(reg->refresh, (int32_t)status);
}

struct drg_registry *drg_registry_new(const struct drg_registry_options *opts)
{
	struct drg_registry *reg = calloc(1, sizeof(*reg));
	struct drg_transport_options to = { 0 };

	if (!reg)
		return NULL;
	to.max_concurrent = opts->max_concurrent;
	to.timeout_ms = opts->timeout_ms;
	to.insecure = opts->insecure;
	to.ca_cert_file = opts->ca_cert_file;
	to.tls_origin = opts->address;
	to.requests_per_second = opts->requests_per_second;
	reg->address = strdup(opts->address);
	reg->account = strdup(opts->account ? opts->account : "");
	reg->paginate_size = opts->paginate_size > 0 ? opts->paginate_size : 100;
	reg->t = drg_transport_new(&to);
	reg->auth = reg->address ? drg_auth_new(reg->address, opts->credentials,
						opts->credentials_ctx)
				 : NULL;
	reg->rate.limit = reg->rate.remaining = reg->rate.window_s = -1;
	if (!reg->address || !reg->account || !reg->t || !reg->auth) {
		drg_registry_free(reg);
		return NULL;
	}
	drg_transport_set_hooks(reg->t, is_cancelled, count_attempt, reg);
	return reg;
}

void drg_registry_free(struct drg_registry *reg)
{
	struct drg__op *op;

	if (!reg)
		return;
	while ((op = reg->fresh) != NULL) { /* submitted, never run */
		reg->fresh = op->next_fresh;
		op_free(op);
	}
	drg_transport_free(reg->t);
	drg_auth_free(reg->auth);
	drg_challenge_release(&reg->v2_challenge);
	drg_strvec_release(&reg->fetching);
	free(reg->address);
	free(reg->account);
	free(reg);
}

void drg_registry_bind(struct drg_registry *reg, const struct cdh_host_api *api,
		       struct cdh_refresh *refresh)
{
	reg->api = api;
	reg->refresh = refresh;
}

const char *drg__registry_address(const struct drg_registry *reg)
{
	return reg->address;
}

int64_t drg__registry_page_size(const struct drg_registry *reg)
{
	return reg->paginate_size;
}

void drg__registry_start(struct drg_registry *reg, struct drg__op *op)
{
	if (reg->running) {
		drg__op_send(op);
		return;
	}
	op->next_fresh = reg->fresh;
	reg->fresh = op;
}

void drg_registry_rate_limit(const struct drg_registry *reg,
			     struct drg_rate_limit *out)
{
	*out = reg->rate;
}

static void note_rate_limit(struct drg_registry *reg,
			    const struct drg_http_response *r)
{
	int64_t n, w;

	if (r->ratelimit_limit[0] &&
	    drg_ratelimit_parse(r->ratelimit_limit, &n, &w) == 0) {
		reg->rate.limit = n;
		reg->rate.window_s = w;
	}
	if (r->ratelimit_remaining[0] &&
	    drg_ratelimit_parse(r->ratelimit_remaining, &n, &w) == 0) {
		reg->rate.remaining = n;
		if (w >= 0)
			reg->rate.window_s = w;
	}
}

/* ---- operations: lifecycle and failures ---- */

static void op_free(struct drg__op *op)
{
	for (size_t i = 0; i < op->known.count; i++) {
		free(op->known.items[i].tag);
		free(op->known.items[i].digest);
		free(op->known.items[i].media_type);
	}
	free(op->known.items);
	drg_strvec_release(&op->names);
	drg_strvec_release(&op->seen_urls);
	free(op->repository);
	free(op->reference);
	free(op->extra_scope);
	free(op->wait_key);
	free(op->labels);
	free(op);
}

static const char *or_null(const char *s)
{
	return s && *s ? s : NULL;
}

void drg__op_finish(struct drg__op *op, int32_t code, int cls, long status,
		    const char *error)
{
	struct drg_result res = { code, cls, status, error ? error : "" };
	struct drg_manifest_info info = {
		op->repository, op->reference, or_null(op->digest),
		or_null(op->media_type), or_null(op->platform),
		or_null(op->config_digest), or_null(op->created),
		or_null(op->labels),
	};

	if (op->kind == DRG__OP_LIST && op->tags_cb)
		op->tags_cb(op->ud, op->repository, &op->names, &op->known,
			    op->more, &res);
	else if (op->kind == DRG__OP_LIST)
		op->list_cb(op->ud, op->repository, &op->names, &res);
	else
		op->manifest_cb(op->ud, &info, &res);
	op_free(op);
}

void drg__op_fail(struct drg__op *op, int cls, const char *fmt, ...)
{
	char detail[DRG__ERR_MAX], err[DRG__ERR_MAX + 600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	snprintf(err, sizeof(err), "%s: %s", op->what, detail);
	drg__op_finish(op, drg_error_class_cdh(cls), cls, 0, err);
}

void drg__op_fail_http(struct drg__op *op, const struct drg_http_response *r)
{
	struct drg_registry_error e;
	char err[DRG__ERR_MAX + 600];
	int cls;

	if (drg_http_response_cancelled(r)) {
		snprintf(err, sizeof(err), "%s: cancelled", op->what);
		drg__op_finish(op, CDH_E_CANCELLED, DRG_ERR_TRANSIENT, 0, err);
		return;
	}
	if (r->status == 0) {
		snprintf(err, sizeof(err), "%s: %s", op->what,
			 r->body_too_big ? "response too large" : r->curl_error);
		cls = r->body_too_big ? DRG_ERR_FATAL : DRG_ERR_TRANSIENT;
		drg__op_finish(op, drg_error_class_cdh(cls), cls, 0, err);
		return;
	}
	drg_registry_error_parse(r->content_type, r->body.data ? r->body.data : "",
				 r->body.len, &e);
	cls = drg_error_classify(r->status, e.code);
	snprintf(err, sizeof(err), "%s: HTTP %ld%s%s%s%s%s", op->what, r->status,
		 e.code[0] ? " " : "", e.code, e.message[0] ? " (" : "",
		 e.message, e.message[0] ? ")" : "");
	if (cls == DRG_ERR_AUTH && op->auth_retried) {
		size_t len = strlen(err);

		/* Fresh Basic credentials refused too: they are wrong. */
		if (op->sent_basic)
			cls = DRG_ERR_CREDENTIALS;
		if (op->sent_basic)
			snprintf(err + len, sizeof(err) - len,
				 ": registry rejected the credentials for user %s",
				 drg_auth_user(op->reg->auth));
		else
			snprintf(err + len, sizeof(err) - len, "%s",
				 ": not found or not authorized");
	}
	drg__op_finish(op, drg_error_class_cdh(cls), cls, r->status, err);
}

int drg__op_set_request(struct drg__op *op, int step, const char *url,
			int head, const char *accept, size_t cap)
{
	if (snprintf(op->url, sizeof(op->url), "%s", url) >= (int)sizeof(op->url))
		return -1;
	op->step = step;
	op->head = head;
	op->accept = accept;
	op->cap = cap;
	op->auth_retried = 0;
	op->redirects = 0;
	op->foreign = 0;
	return 0;
}

/* ---- sending a step ---- */

static void on_response(struct drg_http_request *req, void *ud);

void drg__op_submit(struct drg__op *op, const char *authz)
{
	struct drg_http_request *req = drg_http_request_new(
		op->url, op->head, op->accept, authz, op->cap);

	if (!req) {
		drg__op_fail(op, DRG_ERR_FATAL, "out of memory");
		return;
	}
	if (op->compress)
		drg_http_request_compress(req);
	drg_transport_submit(op->reg->t, req, on_response, op);
}

void drg__op_send(struct drg__op *op)
{
	struct drg_registry *reg = op->reg;
	char authz[DRG__AUTHZ_MAX], err[DRG__ERR_MAX];
	int rc;

	if (op->foreign) { /* off the registry's origin: nothing of ours */
		drg__op_submit(op, NULL);
		return;
	}
	if (reg->run_error[0]) { /* this run found no registry here: no re-ask */
		drg__op_fail(op, DRG_ERR_FATAL, "%s", reg->run_error);
		return;
	}
	if (reg->ping != DRG__PING_DONE) {
		drg__park(op, DRG__WAIT_PING, NULL);
		if (reg->ping == DRG__PING_NONE)
			drg__start_ping(reg);
		return;
	}
	op->sent_basic = 0;
	switch (drg_auth_mode(reg->auth)) {
	case DRG_AUTH_MODE_BEARER:
		drg__send_bearer(op);
		return;
	case DRG_AUTH_MODE_BASIC:
		rc = drg_auth_basic(reg->auth, authz, sizeof(authz), err,
				    sizeof(err));
		op->sent_basic = rc > 0; /* first: the op may end in submit */
		if (rc < 0) /* no password file, a failing command... */
			drg__op_fail(op, DRG_ERR_CREDENTIALS, "%s", err);
		else
			drg__op_submit(op, rc ? authz : NULL);
		memset(authz, 0, sizeof(authz));
		return;
	default:
		drg__op_submit(op, NULL);
	}
}

/* ---- answers ---- */

static int is_redirect(long status)
{
	return status == 301 || status == 302 || status == 303 ||
	       status == 307 || status == 308;
}

/*
 * Follows a redirect ourselves (curl's FOLLOWLOCATION would decide about
 * Authorization by host only): never https -> http; off the registry's
 * origin (S3 pre-signed URLs) without any credential (§4.5, #30, #31).
 */
static void follow(struct drg__op *op, struct drg_http_request *req)
{
	const struct drg_http_response *r = drg_http_request_response(req);
	char next[DRG__URL_MAX];

	if (++op->redirects > MAX_REDIRECTS) {
		drg__op_fail(op, DRG_ERR_FATAL, "too many redirects");
		return;
	}
	if (!r->location.len ||
	    drg_url_resolve(op->url, r->location.data, next, sizeof(next))) {
		drg__op_fail(op, DRG_ERR_FATAL, "HTTP %ld without a usable Location",
			     r->status);
		return;
	}
	if (drg_url_is_https(op->url) && !drg_url_is_https(next)) {
		drg__op_fail(op, DRG_ERR_FATAL, "refusing redirect from https to http");
		return;
	}
	if (!drg_url_same_origin(next, op->reg->address))
		op->foreign = 1;
	memcpy(op->url, next, sizeof(op->url));
	drg__op_send(op);
}

static void on_response(struct drg_http_request *req, void *ud)
{
	struct drg__op *op = ud;
	const struct drg_http_response *r = drg_http_request_response(req);

	note_rate_limit(op->reg, r);
	if (r->status == 0)
		drg__op_fail_http(op, r);
	else if (is_redirect(r->status))
		follow(op, req);
	else if (r->status == 401 || r->status == 403)
		drg__auth_failure(op, req);
	else if (r->status >= 200 && r->status < 300)
		drg__op_on_success(op, req);
	else if (op->step == DRG__STEP_HEAD &&
		 (r->status == 400 || r->status == 404 || r->status == 405 ||
		  r->status == 501))
		drg__op_on_success(op, req); /* HEAD refused: try GET (#27) */
	else
		drg__op_fail_http(op, r);
}

/* ---- running ---- */

int32_t drg_registry_run(struct drg_registry *reg, char *err, size_t errlen)
{
	int cancelled;

	struct drg__op *op, *fresh = NULL;

	drg_auth_reset_renewals(reg->auth);
	reg->run_error[0] = '\0';
	reg->running = 1;
	while ((op = reg->fresh) != NULL) { /* in submission order */
		reg->fresh = op->next_fresh;
		op->next_fresh = fresh;
		fresh = op;
	}
	while ((op = fresh) != NULL) {
		fresh = op->next_fresh;
		drg__op_send(op);
	}
	cancelled = drg_transport_run(reg->t);
	reg->running = 0;
	/* Nothing can be parked with nothing in flight; if it were, end it. */
	while (reg->waiters)
		drg__wake(reg, reg->waiters->wait, reg->waiters->wait_key,
		     DRG_ERR_FATAL, "internal error: request never sent");
	if (cancelled) {
		snprintf(err, errlen, "refresh cancelled");
		return CDH_E_CANCELLED;
	}
	if (reg->run_error[0]) {
		snprintf(err, errlen, "%s", reg->run_error);
		return CDH_E_CONFIG;
	}
	if (errlen)
		err[0] = '\0';
	return CDH_OK;
}
