/*
 * registry - the Docker Registry HTTP API v2 client of one account: the
 * catalog, a repository's tags (Link pagination followed verbatim), a tag's
 * manifest digest, and its image config (created date, labels).
 *
 * Everything is asynchronous on one transport (one curl multi handle):
 * submit any number of operations, then drg_registry_run() drives them all
 * (and whatever their callbacks submit) to completion, up to
 * max_concurrent requests in flight. The synchronous wrappers
 * drg_registry_list_tags/list_catalog submit one operation and run.
 *
 * Authentication (registry-protocol.md §2.9): GET /v2/ once per client for
 * the challenge; Basic, or Bearer tokens per scope (repository:NAME:pull,
 * registry:catalog:*) cached until expires_in (min 60 s); a 401 (or a 403
 * with insufficient_scope) drops the cached token and retries once with a
 * fresh one, never more; a 401 without a challenge reuses the /v2/ one;
 * credentials go only where auth.h's policy allows.
 *
 * Threads: one client is used by one thread at a time (the host never runs
 * two refreshes of one agent at once; each agent has its own client).
 */
#ifndef DRG_REGISTRY_H
#define DRG_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "auth/auth.h"
#include "cdh_plugin.h"
#include "credentials/credentials_fn.h"
#include "registry/listing.h" /* drg_name_fn */
#include "http/registry_errors.h"
#include "util/strvec.h"

struct drg_registry;

struct drg_registry_options {
	const char *address;  /* normalised account address (borrowed) */
	const char *account;  /* for log lines (borrowed) */
	int64_t timeout_ms;   /* per request attempt; 0 = 60000 */
	int64_t paginate_size; /* n= on tags/list and _catalog; 0 = 100 */
	drg_credentials_fn credentials; /* NULL = anonymous */
	void *credentials_ctx;
	int insecure;             /* no TLS verification, this client only */
	const char *ca_cert_file; /* PEM bundle to trust, or NULL (copied) */
	uint32_t max_concurrent;  /* requests in flight; 0 = 16 */
	double requests_per_second; /* 0 = unlimited */
};

/* A new client, or NULL when out of memory. Free with drg_registry_free. */
struct drg_registry *drg_registry_new(const struct drg_registry_options *opts);
void drg_registry_free(struct drg_registry *reg);

/*
 * Binds the client to the refresh in progress (cancel check, request
 * counters); pass NULL refresh to unbind. `api` is borrowed for as long as
 * the plugin is loaded.
 */
void drg_registry_bind(struct drg_registry *reg, const struct cdh_host_api *api,
		       struct cdh_refresh *refresh);

/* How one operation ended; borrowed for the callback. */
struct drg_result {
	int32_t code;      /* CDH_OK, CDH_E_TRANSIENT, CDH_E_CREDENTIALS,
			      CDH_E_FATAL, CDH_E_CANCELLED or CDH_E_NOMEM */
	int error_class;   /* DRG_ERR_* (registry_errors.h); NONE when OK */
	long status;       /* the last HTTP status seen, 0 when none */
	const char *error; /* "" when OK; what failed and why, no secret */
};

/*
 * Called once per listing with every name (registry order, deduplicated
 * never: as the registry sent them) or an error. `repository` is NULL for
 * the catalog. Everything is borrowed for the call.
 */
typedef void (*drg_list_done_fn)(void *ud, const char *repository,
				 const struct drg_strvec *names,
				 const struct drg_result *res);

/*
 * What a tag listing said of its tags' manifests (GCR and Artifact
 * Registry's "manifest" map, issue #21): empty for other registries.
 */
struct drg_tag_manifest {
	char *tag;
	char *digest;
	char *media_type; /* "" when the map did not say */
	int64_t created_ms; /* timeCreatedMs, 0 when unknown */
};

struct drg_tag_manifests {
	struct drg_tag_manifest *items;
	size_t count, cap;
};

/* drg_list_done_fn with the map; `known` borrowed for the call. `more`:
 * the listing stopped at its limit with a further page linked. */
typedef void (*drg_tags_done_fn)(void *ud, const char *repository,
				 const struct drg_strvec *names,
				 const struct drg_tag_manifests *known,
				 int more, const struct drg_result *res);

/* One tag's manifest; strings borrowed for the callback, NULL when unknown. */
struct drg_manifest_info {
	const char *repository;
	const char *reference;  /* the tag (or digest) asked for */
	const char *digest;     /* manifest digest; an index's own for multi-arch */
	const char *media_type; /* of that manifest */
	/* drg_registry_submit_config only: */
	const char *platform;      /* the index entry followed, "linux/amd64" */
	const char *config_digest; /* the image config blob's digest */
	const char *created;       /* config `created` (RFC 3339), or NULL */
	const char *labels;        /* config.Labels as JSON object text, or NULL */
};

typedef void (*drg_manifest_done_fn)(void *ud,
				     const struct drg_manifest_info *info,
				     const struct drg_result *res);

/*
 * Submit operations; each returns CDH_OK (its callback will be called
 * exactly once, from drg_registry_run) or CDH_E_NOMEM (it will not).
 * Arguments are copied.
 */
/* Every tag of `repository`, across all pages. A repository the registry
 * does not know (404 NAME_UNKNOWN) ends with error_class NOT_FOUND. */
int32_t drg_registry_submit_tags(struct drg_registry *reg,
				 const char *repository, drg_list_done_fn cb,
				 void *ud);
/* drg_registry_submit_tags that also hands over the "manifest" map, and
 * follows no further Link once `limit` (0: none) valid tag names
 * (drg_name_valid_tag) are listed: a registry that paginates without end
 * costs at most the pages up to the one that reached it (issue #19). The
 * names are those pages' own, invalid ones and those past `limit` too. */
int32_t drg_registry_submit_tags_known(struct drg_registry *reg,
				       const char *repository, int64_t limit,
				       drg_tags_done_fn cb, void *ud);
/* Every repository of _catalog, across all pages. */
int32_t drg_registry_submit_catalog(struct drg_registry *reg,
				    drg_list_done_fn cb, void *ud);
/* The digest of `repository:reference`: HEAD with the full Accept list,
 * GET + sha256 of the raw body when the header is missing or HEAD refused. */
int32_t drg_registry_submit_manifest(struct drg_registry *reg,
				     const char *repository,
				     const char *reference,
				     drg_manifest_done_fn cb, void *ud);
/* The digest and image config: GET the manifest (and, for an index, the
 * linux/amd64 or first non-attestation entry), then the config blob
 * (redirects followed; Authorization never leaves the registry's origin). */
int32_t drg_registry_submit_config(struct drg_registry *reg,
				   const char *repository,
				   const char *reference,
				   drg_manifest_done_fn cb, void *ud);

/*
 * Drives every submitted operation, and those submitted from callbacks,
 * to completion. Returns CDH_OK, CDH_E_CANCELLED when the host's cancel
 * check fired (every unfinished operation then ended CDH_E_CANCELLED), or
 * CDH_E_CONFIG when the address is no registry (GET /v2/ answered 404;
 * every operation then failed), with `err` saying so.
 */
int32_t drg_registry_run(struct drg_registry *reg, char *err, size_t errlen);

/*
 * Lists every tag of `repository` (fn per name, page by page as they
 * arrive). Returns CDH_OK, CDH_E_TRANSIENT (network, 5xx, 429, auth),
 * CDH_E_FATAL (the registry answered something unusable, e.g. 404 for the
 * repository), CDH_E_CANCELLED (also when fn returned non-zero), or
 * CDH_E_NOMEM; `err` says what happened (no secret).
 */
int32_t drg_registry_list_tags(struct drg_registry *reg, const char *repository,
			       drg_name_fn fn, void *data, char *err,
			       size_t errlen);

/* What drg_registry_list_catalog says when the registry has no catalog. */
#define DRG_NO_CATALOG_MESSAGE "this registry has no catalog: list repositories"

/* Lists every repository of the registry's _catalog; as above, except that
 * a 404 (no catalog) is CDH_E_CONFIG with DRG_NO_CATALOG_MESSAGE. */
int32_t drg_registry_list_catalog(struct drg_registry *reg, drg_name_fn fn,
				  void *data, char *err, size_t errlen);

/* The last RateLimit-* headers seen (Docker Hub); -1 = not seen/empty. */
struct drg_rate_limit {
	int64_t limit;
	int64_t remaining;
	int64_t window_s;
};
void drg_registry_rate_limit(const struct drg_registry *reg,
			     struct drg_rate_limit *out);

#endif
