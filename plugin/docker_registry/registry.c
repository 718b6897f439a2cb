#include "registry.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "registry_internal.h"
#include "retry_after.h"
#include "scope.h"
#include "url.h"

#define TOKEN_BODY_CAP (64u * 1024u) /* ggcr's maxTokenBodySize */
#define PING_BODY_CAP (64u * 1024u)
#define MAX_REDIRECTS 5
#define AUTHZ_MAX (16u * 1024u)
#define ERR_MAX 512

#define PING_NONE 0
#define PING_RUNNING 1
#define PING_DONE 2

struct drg_registry {
	char *address;
	char *account;
	int64_t paginate_size;
	struct drg_transport *t;
	struct drg_auth *auth;
	const struct cdh_host_api *api;
	struct cdh_refresh *refresh;
	int ping;
	struct drg_challenge v2_challenge; /* reused for 401s without one */
	struct drg__op *waiters;
	struct drg_strvec fetching; /* token keys being fetched */
	struct drg_rate_limit rate;
	struct drg__op *fresh; /* submitted before drg_registry_run */
	int running;
};

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

	if (op->kind == DRG__OP_LIST)
		op->list_cb(op->ud, op->repository, &op->names, &res);
	else
		op->manifest_cb(op->ud, &info, &res);
	op_free(op);
}

void drg__op_fail(struct drg__op *op, int cls, const char *fmt, ...)
{
	char detail[ERR_MAX], err[ERR_MAX + 600];
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
	char err[ERR_MAX + 600];
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

/* ---- parking operations until the ping or a token is there ---- */

static void park(struct drg__op *op, int wait, const char *key)
{
	op->wait = wait;
	free(op->wait_key);
	op->wait_key = key ? strdup(key) : NULL;
	op->next_waiter = op->reg->waiters;
	op->reg->waiters = op;
}

/* Resumes (err NULL) or fails every op waiting for (wait, key). */
static void wake(struct drg_registry *reg, int wait, const char *key,
		 int cls, const char *err)
{
	struct drg__op **pw = &reg->waiters, *ready = NULL, *op;

	while ((op = *pw) != NULL) {
		if (op->wait != wait ||
		    (key && (!op->wait_key || strcmp(op->wait_key, key) != 0))) {
			pw = &op->next_waiter;
			continue;
		}
		*pw = op->next_waiter; /* detach first: resuming may park again */
		op->next_waiter = ready;
		ready = op;
	}
	while ((op = ready) != NULL) {
		ready = op->next_waiter;
		op->wait = DRG__WAIT_NONE;
		if (!err)
			drg__op_send(op);
		else if (cls == DRG_ERR_NONE)
			drg__op_finish(op, CDH_E_CANCELLED, DRG_ERR_TRANSIENT, 0, err);
		else
			drg__op_fail(op, cls, "%s", err);
	}
}

/* ---- GET /v2/ ---- */

static void on_ping(struct drg_http_request *req, void *ud)
{
	struct drg_registry *reg = ud;
	const struct drg_http_response *r = drg_http_request_response(req);
	struct drg_challenges set;
	const struct drg_challenge *c;
	char err[ERR_MAX] = "";

	if (drg_http_response_cancelled(r) || r->status == 0) {
		reg->ping = PING_NONE; /* try again next run */
		snprintf(err, sizeof(err), "GET /v2/: %s", r->curl_error);
		wake(reg, DRG__WAIT_PING, NULL,
		     drg_http_response_cancelled(r) ? DRG_ERR_NONE
						     : DRG_ERR_TRANSIENT, err);
		return;
	}
	reg->ping = PING_DONE;
	drg_auth_set_mode(reg->auth, DRG_AUTH_MODE_NONE);
	drg_challenges_init(&set);
	for (size_t i = 0; i < r->www_authenticate.count; i++)
		drg_challenges_parse(&set, r->www_authenticate.items[i]);
	c = r->status == 401 ? drg_challenges_pick(&set) : NULL;
	/* Anything but 200/401 is not a V2 registry by the spec; carry on
	 * anyway and let the real requests say what is wrong. */
	if (c && (drg_challenge_copy(&reg->v2_challenge, c) != 0 ||
		  drg_auth_adopt(reg->auth, c, drg_http_request_url(req), err,
				 sizeof(err)) != 0)) {
		reg->ping = PING_NONE;
		drg_challenges_release(&set);
		wake(reg, DRG__WAIT_PING, NULL, DRG_ERR_FATAL,
		     err[0] ? err : "out of memory");
		return;
	}
	drg_challenges_release(&set);
	wake(reg, DRG__WAIT_PING, NULL, DRG_ERR_NONE, NULL);
}

static void start_ping(struct drg_registry *reg)
{
	char url[DRG__URL_MAX];
	struct drg_http_request *req;

	snprintf(url, sizeof(url), "%s/v2/", reg->address);
	req = drg_http_request_new(url, 0, NULL, NULL, PING_BODY_CAP);
	if (!req) {
		wake(reg, DRG__WAIT_PING, NULL, DRG_ERR_FATAL, "out of memory");
		return;
	}
	reg->ping = PING_RUNNING;
	drg_transport_submit(reg->t, req, on_ping, reg);
}

/* ---- token requests ---- */

struct token_fetch {
	struct drg_registry *reg;
	char *key;
	int sent_credentials;
	int renewed;
};

static void unregister_fetch(struct drg_registry *reg, const char *key)
{
	struct drg_strvec *f = &reg->fetching;

	for (size_t i = 0; i < f->count; i++) {
		if (strcmp(f->items[i], key) == 0) {
			free(f->items[i]);
			f->items[i] = f->items[--f->count];
			return;
		}
	}
}

static int is_fetching(const struct drg_registry *reg, const char *key)
{
	for (size_t i = 0; i < reg->fetching.count; i++)
		if (strcmp(reg->fetching.items[i], key) == 0)
			return 1;
	return 0;
}

/* Forgets the fetch, then resumes or fails its waiters: an op resumed here
 * that needs the key again must start a new fetch, not wait for this one. */
static void finish_fetch(struct token_fetch *tf, int cls, const char *err)
{
	unregister_fetch(tf->reg, tf->key);
	wake(tf->reg, DRG__WAIT_TOKEN, tf->key, cls, err);
	free(tf->key);
	free(tf);
}

static int submit_fetch(struct token_fetch *tf, char *err, size_t errlen);

static void on_token(struct drg_http_request *req, void *ud)
{
	struct token_fetch *tf = ud;
	struct drg_registry *reg = tf->reg;
	const struct drg_http_response *r = drg_http_request_response(req);
	char err[ERR_MAX] = "", *token = NULL;
	int64_t expires_in;
	int cls = DRG_ERR_AUTH;

	if (drg_http_response_cancelled(r)) {
		cls = DRG_ERR_NONE;
		snprintf(err, sizeof(err), "cancelled");
	} else if (r->status == 200) {
		if (drg_token_parse(r->body.data ? r->body.data : "", r->body.len,
				    &token, &expires_in, err, sizeof(err)) == 0 &&
		    drg_token_cache_put(drg_auth_tokens(reg->auth), tf->key, token,
					expires_in, drg_transport_now_ns()) != 0)
			snprintf(err, sizeof(err), "out of memory");
		if (token)
			memset(token, 0, strlen(token));
		free(token);
	} else if ((r->status == 401 || r->status == 403) &&
		   tf->sent_credentials && !tf->renewed) {
		/* Ask the credentials callback for fresh ones, once. */
		drg_auth_credentials_failed(reg->auth);
		tf->renewed = 1;
		if (submit_fetch(tf, err, sizeof(err)) == 0)
			return;
	} else if (r->status) {
		cls = drg_error_classify(r->status, NULL);
		snprintf(err, sizeof(err), "token request: HTTP %ld", r->status);
	} else {
		cls = DRG_ERR_TRANSIENT;
		snprintf(err, sizeof(err), "token request: %s", r->curl_error);
	}
	finish_fetch(tf, cls, err[0] ? err : NULL);
}

static int submit_fetch(struct token_fetch *tf, char *err, size_t errlen)
{
	struct drg_registry *reg = tf->reg;
	struct drg_strvec scopes = DRG_STRVEC_INIT;
	struct drg_http_request *req = NULL;
	char url[DRG__URL_MAX], authz[AUTHZ_MAX] = "";
	int basic = 0;

	if (drg_scope_add_unique(&scopes, tf->key) != 0 ||
	    drg_auth_token_url(reg->auth, &scopes, url, sizeof(url)) != 0) {
		drg_strvec_release(&scopes);
		snprintf(err, errlen, "cannot build the token request URL");
		return -1;
	}
	drg_strvec_release(&scopes);
	/* Registry credentials only where auth.h's policy allows; elsewhere
	 * ask anonymously (public repositories still work). */
	if (drg_auth_may_send_credentials(reg->auth, url)) {
		basic = drg_auth_basic(reg->auth, authz, sizeof(authz), err, errlen);
		if (basic < 0)
			return -1;
	}
	req = drg_http_request_new(url, 0, NULL, basic ? authz : NULL,
				   TOKEN_BODY_CAP);
	memset(authz, 0, sizeof(authz));
	if (!req) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	tf->sent_credentials = basic;
	drg_transport_submit(reg->t, req, on_token, tf);
	return 0;
}

/* Starts fetching a token for `key` unless that is under way already. */
static int start_fetch(struct drg_registry *reg, const char *key, char *err,
		       size_t errlen)
{
	struct token_fetch *tf;

	if (is_fetching(reg, key))
		return 0;
	tf = calloc(1, sizeof(*tf));
	if (!tf || !(tf->key = strdup(key)) ||
	    drg_strvec_push(&reg->fetching, key) != 0) {
		if (tf)
			free(tf->key);
		free(tf);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	tf->reg = reg;
	if (submit_fetch(tf, err, errlen) != 0) {
		unregister_fetch(reg, key);
		free(tf->key);
		free(tf);
		return -1;
	}
	return 0;
}

/* ---- sending a step ---- */

/* The cache key of op's token: its scope plus any scope a challenge asked
 * for (the token is requested for all of them). */
static void token_key(const struct drg__op *op, char *key, size_t keylen)
{
	snprintf(key, keylen, "%s%s%s", op->scope, op->extra_scope ? " " : "",
		 op->extra_scope ? op->extra_scope : "");
}

static void on_response(struct drg_http_request *req, void *ud);

static void submit(struct drg__op *op, const char *authz)
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

/* Bearer: a cached token, or park until one is fetched. */
static void send_bearer(struct drg__op *op)
{
	struct drg_registry *reg = op->reg;
	char key[2 * DRG__SCOPE_MAX + 2], authz[AUTHZ_MAX], err[ERR_MAX];
	const char *token;

	token_key(op, key, sizeof(key));
	token = drg_token_cache_get(drg_auth_tokens(reg->auth), key,
				    drg_transport_now_ns());
	if (!token) {
		if (start_fetch(reg, key, err, sizeof(err)) != 0)
			drg__op_fail(op, DRG_ERR_AUTH, "%s", err);
		else
			park(op, DRG__WAIT_TOKEN, key);
		return;
	}
	if (snprintf(authz, sizeof(authz), "Bearer %s", token) >=
	    (int)sizeof(authz)) {
		drg__op_fail(op, DRG_ERR_AUTH, "token too long");
		return;
	}
	submit(op, authz);
	memset(authz, 0, sizeof(authz));
}

void drg__op_send(struct drg__op *op)
{
	struct drg_registry *reg = op->reg;
	char authz[AUTHZ_MAX], err[ERR_MAX];
	int rc;

	if (op->foreign) { /* off the registry's origin: nothing of ours */
		submit(op, NULL);
		return;
	}
	if (reg->ping != PING_DONE) {
		park(op, DRG__WAIT_PING, NULL);
		if (reg->ping == PING_NONE)
			start_ping(reg);
		return;
	}
	switch (drg_auth_mode(reg->auth)) {
	case DRG_AUTH_MODE_BEARER:
		send_bearer(op);
		return;
	case DRG_AUTH_MODE_BASIC:
		rc = drg_auth_basic(reg->auth, authz, sizeof(authz), err,
				    sizeof(err));
		if (rc < 0)
			drg__op_fail(op, DRG_ERR_AUTH, "%s", err);
		else
			submit(op, rc ? authz : NULL);
		memset(authz, 0, sizeof(authz));
		return;
	default:
		submit(op, NULL);
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

static int wants_scope_upgrade(const struct drg_challenge *c)
{
	return c && c->scheme == DRG_AUTH_BEARER && c->error &&
	       strcmp(c->error, "insufficient_scope") == 0;
}

/* 401 (or 403 + insufficient_scope): one fresh credential, then give up. */
static void unauthorized(struct drg__op *op, struct drg_http_request *req,
			 const struct drg_challenge *c)
{
	struct drg_registry *reg = op->reg;
	const struct drg_http_response *r = drg_http_request_response(req);
	char key[2 * DRG__SCOPE_MAX + 2], err[ERR_MAX];

	if (!c && reg->v2_challenge.scheme != DRG_AUTH_NONE)
		c = &reg->v2_challenge; /* GCR: 401 without a challenge (#12) */
	if (op->auth_retried || op->foreign || !c) {
		op->auth_retried = 1;
		drg__op_fail_http(op, r);
		return;
	}
	op->auth_retried = 1;
	if (c->scheme == DRG_AUTH_BASIC) {
		if (drg_auth_mode(reg->auth) == DRG_AUTH_MODE_BASIC)
			drg_auth_credentials_failed(reg->auth);
		drg_auth_set_mode(reg->auth, DRG_AUTH_MODE_BASIC);
		drg__op_send(op);
		return;
	}
	if (drg_auth_mode(reg->auth) != DRG_AUTH_MODE_BEARER &&
	    drg_auth_adopt(reg->auth, c, op->url, err, sizeof(err)) != 0) {
		drg__op_fail(op, DRG_ERR_AUTH, "%s", err);
		return;
	}
	if (c->scope && c->scope[0] && strcmp(c->scope, op->scope) != 0 &&
	    !op->extra_scope)
		op->extra_scope = strdup(c->scope);
	/* The cached token is stale or short of scope: never reuse it. */
	token_key(op, key, sizeof(key));
	drg_token_cache_drop(drg_auth_tokens(reg->auth), key);
	drg__op_send(op);
}

static void auth_failure(struct drg__op *op, struct drg_http_request *req)
{
	const struct drg_http_response *r = drg_http_request_response(req);
	struct drg_challenges set;

	drg_challenges_init(&set);
	for (size_t i = 0; i < r->www_authenticate.count; i++)
		drg_challenges_parse(&set, r->www_authenticate.items[i]);
	if (r->status == 403 && !wants_scope_upgrade(drg_challenges_pick(&set)))
		drg__op_fail_http(op, r); /* plain 403 DENIED: final */
	else
		unauthorized(op, req, drg_challenges_pick(&set));
	drg_challenges_release(&set);
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
		auth_failure(op, req);
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
		wake(reg, reg->waiters->wait, reg->waiters->wait_key,
		     DRG_ERR_FATAL, "internal error: request never sent");
	if (cancelled) {
		snprintf(err, errlen, "refresh cancelled");
		return CDH_E_CANCELLED;
	}
	if (errlen)
		err[0] = '\0';
	return CDH_OK;
}
