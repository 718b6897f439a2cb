/*
 * registry_internal - shared by the files of the registry client:
 * registry.c (the client, operations and their request flow: sending,
 * redirects, error answers), registry_auth.c (GET /v2/, token fetches,
 * parking operations until either is there, what a 401/403 does) and
 * registry_ops.c (what each operation requests and does with its 2xx
 * answers). listing.c and manifest.c are parsers with headers of their own.
 * Not part of the plugin's API; names use the drg__ prefix.
 */
#ifndef DRG_REGISTRY_INTERNAL_H
#define DRG_REGISTRY_INTERNAL_H

#include "util/digest.h"
#include "registry/registry.h"
#include "http/transport.h"

#define DRG__URL_MAX 8192
#define DRG__SCOPE_MAX 1024

#define DRG__OP_LIST 0
#define DRG__OP_MANIFEST 1
#define DRG__OP_CONFIG 2

/* What the current request of an operation is for. */
#define DRG__STEP_PAGE 0
#define DRG__STEP_HEAD 1
#define DRG__STEP_MANIFEST 2
#define DRG__STEP_CHILD 3
#define DRG__STEP_BLOB 4

/* What a parked operation waits for. */
#define DRG__WAIT_NONE 0
#define DRG__WAIT_PING 1
#define DRG__WAIT_TOKEN 2

struct drg__op {
	struct drg_registry *reg;
	int kind;
	int step;
	char *repository; /* NULL for the catalog */
	char *reference;
	char what[512];   /* "tags of team/app": the start of every error */
	char scope[DRG__SCOPE_MAX];
	char *extra_scope; /* asked for by an insufficient_scope challenge */

	/* The request this step sends. */
	char url[DRG__URL_MAX];
	int head;
	const char *accept;
	size_t cap;
	int compress;
	int auth_retried; /* one fresh credential per request, never a loop */
	int sent_basic;   /* this request carried our Basic credentials */
	int redirects;
	int foreign;      /* redirected off the registry's origin: no auth */

	struct drg__op *next_fresh; /* submitted, not yet sent */
	int wait;         /* DRG__WAIT_* */
	char *wait_key;   /* the token key waited for */
	struct drg__op *next_waiter;

	/* Listings. */
	int listing;      /* DRG_LISTING_TAGS or _REPOSITORIES */
	struct drg_strvec names;
	struct drg_strvec seen_urls; /* loop guard */
	drg_name_fn page_fn;         /* sync wrappers: per name, as pages come */
	void *page_data;
	drg_list_done_fn list_cb;
	drg_tags_done_fn tags_cb;    /* instead of list_cb: with the map */
	struct drg_tag_manifests known;
	int64_t limit;               /* valid tags that end it; 0: none */
	int64_t valid;               /* valid tag names listed so far */
	int more;                    /* stopped at limit, a page left */

	/* Manifests. */
	char digest[DRG_DIGEST_MAX];
	char expect[DRG_DIGEST_MAX]; /* the digest a by-digest GET must match */
	char media_type[128];
	char platform[96];
	char config_digest[DRG_DIGEST_MAX];
	char created[64];
	char *labels;
	drg_manifest_done_fn manifest_cb;
	void *ud;
};

/* Sends op's current step (authenticating as needed). */
void drg__op_send(struct drg__op *op);
/* Ends op: calls its callback, frees it. */
void drg__op_finish(struct drg__op *op, int32_t code, int cls, long status,
		    const char *error);
/* Ends op with the failure a non-2xx/transport answer describes. */
void drg__op_fail_http(struct drg__op *op, const struct drg_http_response *r);
/* Ends op as out of memory / unusable. */
void drg__op_fail(struct drg__op *op, int cls, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Sets a new step's request (resets the per-request auth/redirect state). */
int drg__op_set_request(struct drg__op *op, int step, const char *url,
			int head, const char *accept, size_t cap);

#define DRG__PING_NONE 0
#define DRG__PING_RUNNING 1
#define DRG__PING_DONE 2
#define DRG__AUTHZ_MAX (16u * 1024u)
#define DRG__ERR_MAX 512

struct drg_registry {
	char *address;
	char *account;
	int64_t paginate_size;
	struct drg_transport *t;
	struct drg_auth *auth;
	const struct cdh_host_api *api;
	struct cdh_refresh *refresh;
	int ping;                          /* DRG__PING_* */
	struct drg_challenge v2_challenge; /* reused for 401s without one */
	struct drg__op *waiters;           /* parked until ping/token */
	struct drg_strvec fetching;        /* token keys being fetched */
	struct drg_rate_limit rate;
	struct drg__op *fresh; /* submitted before drg_registry_run */
	int running;
	/* Why this run failed as a whole (the address is no registry), or
	 * "": drg_registry_run returns it. */
	char run_error[DRG__ERR_MAX];
};

/* Sends op's request with this Authorization value (NULL = none). */
void drg__op_submit(struct drg__op *op, const char *authz);

/* registry_auth.c */
/* Parks op until the ping (key NULL) or the token `key` is there; when
 * out of memory, op fails (ends) instead. */
void drg__park(struct drg__op *op, int wait, const char *key);
/* Resumes (err NULL) or fails the ops parked on (wait, key); cls NONE with
 * an err means cancelled. */
void drg__wake(struct drg_registry *reg, int wait, const char *key, int cls,
	       const char *err);
void drg__start_ping(struct drg_registry *reg);
/* Sends op with a cached token, or parks it while one is fetched. */
void drg__send_bearer(struct drg__op *op);
/* A 401 or 403 answered op's request. */
void drg__auth_failure(struct drg__op *op, struct drg_http_request *req);

/* The registry's base address (scheme://host[:port][/base]). */
const char *drg__registry_address(const struct drg_registry *reg);
/* n= for listings. */
int64_t drg__registry_page_size(const struct drg_registry *reg);
/* Starts a new op: sent at once inside drg_registry_run (a callback's
 * follow-up), else when the next run begins. */
void drg__registry_start(struct drg_registry *reg, struct drg__op *op);

/* registry_ops.c: what each step does with a final 2xx answer. */
void drg__op_on_success(struct drg__op *op, struct drg_http_request *req);

#endif
