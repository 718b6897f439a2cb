/*
 * registry_auth - how registry.c's operations get authenticated: GET /v2/
 * for the challenge, token requests (one per scope key at a time, shared
 * by every operation that waits for it), and what a 401/403 does: one
 * fresh credential per request, never a loop (registry-protocol.md §2.9).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/registry_internal.h"
#include "auth/token_scope.h"

#define TOKEN_BODY_CAP (64u * 1024u) /* ggcr's maxTokenBodySize */
#define PING_BODY_CAP (64u * 1024u)

/* ---- parking operations until the ping or a token is there ---- */

void drg__park(struct drg__op *op, int wait, const char *key)
{
	char *copy = NULL;

	/* Parked without its key, op would never be woken: fail it now. */
	if (key && !(copy = strdup(key))) {
		drg__op_fail(op, DRG_ERR_FATAL, "out of memory");
		return;
	}
	op->wait = wait;
	free(op->wait_key);
	op->wait_key = copy;
	op->next_waiter = op->reg->waiters;
	op->reg->waiters = op;
}

/* Resumes (err NULL) or fails every op waiting for (wait, key). */
void drg__wake(struct drg_registry *reg, int wait, const char *key,
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
	char err[DRG__ERR_MAX] = "";

	if (drg_http_response_cancelled(r) || r->status == 0) {
		reg->ping = DRG__PING_NONE; /* try again next run */
		snprintf(err, sizeof(err), "GET /v2/: %s", r->curl_error);
		drg__wake(reg, DRG__WAIT_PING, NULL,
		     drg_http_response_cancelled(r) ? DRG_ERR_NONE
						     : DRG_ERR_TRANSIENT, err);
		return;
	}
	if (r->status == 404) {
		/* Nothing serves the v2 API here (a web server, a wrong base
		 * path): an account error, as Clouddriver's health check says,
		 * not a registry without tags (issue #22). Asked again next run. */
		reg->ping = DRG__PING_NONE;
		snprintf(reg->run_error, sizeof(reg->run_error),
			 "%s is not a Docker registry: GET /v2/ answered 404",
			 reg->address);
		drg__wake(reg, DRG__WAIT_PING, NULL, DRG_ERR_FATAL, reg->run_error);
		return;
	}
	reg->ping = DRG__PING_DONE;
	drg_auth_set_mode(reg->auth, DRG_AUTH_MODE_NONE);
	drg_challenges_init(&set);
	for (size_t i = 0; i < r->www_authenticate.count; i++)
		drg_challenges_parse(&set, r->www_authenticate.items[i]);
	c = r->status == 401 ? drg_challenges_pick(&set) : NULL;
	/* Anything else but 200/401 is not a V2 registry by the spec; carry
	 * on anyway and let the real requests say what is wrong. */
	if (c && (drg_challenge_copy(&reg->v2_challenge, c) != 0 ||
		  drg_auth_adopt(reg->auth, c, drg_http_request_url(req), err,
				 sizeof(err)) != 0)) {
		reg->ping = DRG__PING_NONE;
		drg_challenges_release(&set);
		drg__wake(reg, DRG__WAIT_PING, NULL, DRG_ERR_FATAL,
		     err[0] ? err : "out of memory");
		return;
	}
	drg_challenges_release(&set);
	drg__wake(reg, DRG__WAIT_PING, NULL, DRG_ERR_NONE, NULL);
}

void drg__start_ping(struct drg_registry *reg)
{
	char url[DRG__URL_MAX];
	struct drg_http_request *req;

	snprintf(url, sizeof(url), "%s/v2/", reg->address);
	req = drg_http_request_new(url, 0, NULL, NULL, PING_BODY_CAP);
	if (!req) {
		drg__wake(reg, DRG__WAIT_PING, NULL, DRG_ERR_FATAL, "out of memory");
		return;
	}
	reg->ping = DRG__PING_RUNNING;
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
	drg__wake(tf->reg, DRG__WAIT_TOKEN, tf->key, cls, err);
	free(tf->key);
	free(tf);
}

static int submit_fetch(struct token_fetch *tf, char *err, size_t errlen);

static void on_token(struct drg_http_request *req, void *ud)
{
	struct token_fetch *tf = ud;
	struct drg_registry *reg = tf->reg;
	const struct drg_http_response *r = drg_http_request_response(req);
	char err[DRG__ERR_MAX] = "", *token = NULL;
	int64_t expires_in;
	int cls = DRG_ERR_AUTH, rc;

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
		rc = submit_fetch(tf, err, sizeof(err));
		if (rc == 0)
			return;
		if (rc == -2)
			cls = DRG_ERR_CREDENTIALS;
	} else if ((r->status == 401 || r->status == 403) &&
		   tf->sent_credentials) {
		cls = DRG_ERR_CREDENTIALS;
		snprintf(err, sizeof(err),
			 "token request: HTTP %ld: registry rejected the "
			 "credentials for user %s", r->status, drg_auth_user(reg->auth));
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
	char url[DRG__URL_MAX], authz[DRG__AUTHZ_MAX] = "";
	int basic = 0;

	if (drg_token_scope_add_unique(&scopes, tf->key) != 0 ||
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
			return -2; /* the credentials could not be had */
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
	int rc;

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
	rc = submit_fetch(tf, err, errlen);
	if (rc != 0) {
		unregister_fetch(reg, key);
		free(tf->key);
		free(tf);
	}
	return rc;
}

/* The cache key of op's token: its scope plus any scope a challenge asked
 * for (the token is requested for all of them). */
static void token_key(const struct drg__op *op, char *key, size_t keylen)
{
	snprintf(key, keylen, "%s%s%s", op->scope, op->extra_scope ? " " : "",
		 op->extra_scope ? op->extra_scope : "");
}

/* Bearer: a cached token, or park until one is fetched. */
void drg__send_bearer(struct drg__op *op)
{
	struct drg_registry *reg = op->reg;
	char key[2 * DRG__SCOPE_MAX + 2], authz[DRG__AUTHZ_MAX], err[DRG__ERR_MAX];
	const char *token;
	int rc;

	if (!op->scope[0]) { /* drg_token_scope_repository refused the name */
		drg__op_fail(op, DRG_ERR_NOT_FOUND, "%s",
			     "not a valid repository name");
		return;
	}
	token_key(op, key, sizeof(key));
	token = drg_token_cache_get(drg_auth_tokens(reg->auth), key,
				    drg_transport_now_ns());
	if (!token) {
		rc = start_fetch(reg, key, err, sizeof(err));
		if (rc != 0)
			drg__op_fail(op, rc == -2 ? DRG_ERR_CREDENTIALS : DRG_ERR_AUTH,
				     "%s", err);
		else
			drg__park(op, DRG__WAIT_TOKEN, key);
		return;
	}
	if (snprintf(authz, sizeof(authz), "Bearer %s", token) >=
	    (int)sizeof(authz)) {
		drg__op_fail(op, DRG_ERR_AUTH, "token too long");
		return;
	}
	drg__op_submit(op, authz);
	memset(authz, 0, sizeof(authz));
}

static int wants_scope_upgrade(const struct drg_challenge *c)
{
	return c && c->scheme == DRG_AUTH_BEARER && c->error &&
	       strcmp(c->error, "insufficient_scope") == 0;
}

/*
 * A challenge's scope joins op's token request, read-only: a registry
 * asking for repository:victim/app:push,delete gets a request for
 * repository:victim/app:pull made with the account's credentials, never
 * more (a token server would grant what the account may do).
 */
/* The scope a challenge asked for, as pull only; 0, or -1 out of memory. */
static int add_extra_scope(struct drg__op *op, const char *asked)
{
	char wanted[DRG__SCOPE_MAX];

	if (drg_token_scope_read_only(asked, wanted, sizeof(wanted)) == 0 &&
	    wanted[0] && strcmp(wanted, op->scope) != 0 &&
	    !(op->extra_scope = strdup(wanted)))
		return -1;
	return 0;
}

/* 401 (or 403 + insufficient_scope): one fresh credential, then give up. */
static void unauthorized(struct drg__op *op, struct drg_http_request *req,
			 const struct drg_challenge *c)
{
	struct drg_registry *reg = op->reg;
	const struct drg_http_response *r = drg_http_request_response(req);
	char key[2 * DRG__SCOPE_MAX + 2], err[DRG__ERR_MAX];

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
	if (c->scope && c->scope[0] && !op->extra_scope &&
	    add_extra_scope(op, c->scope) != 0) {
		/* Without it the token would lack the scope asked for. */
		drg__op_fail(op, DRG_ERR_FATAL, "out of memory");
		return;
	}
	/* The cached token is stale or short of scope: never reuse it. */
	token_key(op, key, sizeof(key));
	drg_token_cache_drop(drg_auth_tokens(reg->auth), key);
	drg__op_send(op);
}

void drg__auth_failure(struct drg__op *op, struct drg_http_request *req)
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

