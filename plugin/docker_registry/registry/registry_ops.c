/*
 * registry_ops - the operations of registry.h: what each one requests and
 * what it does with each 2xx answer. Redirects and error answers are
 * registry.c's, authentication registry_auth.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/link.h"
#include "util/names.h"
#include "registry/listing.h"
#include "registry/manifest.h"
#include "registry/registry_internal.h"
#include "auth/token_scope.h"

/* A page is names only; 32 MiB is far beyond any real one. */
#define PAGE_CAP (32u * 1024u * 1024u)
/* 2.8 refuses manifests over 4 MiB; OCI says clients should take >= 4 MB. */
#define MANIFEST_CAP (8u * 1024u * 1024u)
#define CONFIG_CAP (16u * 1024u * 1024u)
/* A Link chain this long is a loop the URL check missed (raptor#495). */
#define MAX_PAGES 10000

static struct drg__op *op_new(struct drg_registry *reg, int kind,
			      const char *repository, const char *reference)
{
	struct drg__op *op = calloc(1, sizeof(*op));

	if (!op)
		return NULL;
	op->reg = reg;
	op->kind = kind;
	op->repository = repository ? strdup(repository) : NULL;
	op->reference = reference ? strdup(reference) : NULL;
	if ((repository && !op->repository) || (reference && !op->reference)) {
		free(op->repository);
		free(op->reference);
		free(op);
		return NULL;
	}
	return op;
}

static void op_discard(struct drg__op *op)
{
	drg_strvec_release(&op->names);
	free(op->repository);
	free(op->reference);
	free(op);
}

/* ---- listings ---- */

static int32_t submit_listing(struct drg_registry *reg, const char *repository,
			      drg_list_done_fn cb, drg_tags_done_fn tcb,
			      void *ud, drg_name_fn fn, void *data,
			      int64_t limit)
{
	struct drg__op *op = op_new(reg, DRG__OP_LIST, repository, NULL);
	const char *addr = drg__registry_address(reg);
	char url[DRG__URL_MAX];
	int n;

	if (!op)
		return CDH_E_NOMEM;
	op->list_cb = cb;
	op->tags_cb = tcb;
	op->ud = ud;
	op->page_fn = fn;
	op->page_data = data;
	op->limit = limit;
	op->compress = 1;
	if (repository) {
		op->listing = DRG_LISTING_TAGS;
		snprintf(op->what, sizeof(op->what), "tags of %s", repository);
		drg_token_scope_repository(repository, "pull", op->scope, sizeof(op->scope));
		n = snprintf(url, sizeof(url), "%s/v2/%s/tags/list?n=%lld", addr,
			     repository, (long long)drg__registry_page_size(reg));
	} else {
		op->listing = DRG_LISTING_REPOSITORIES;
		snprintf(op->what, sizeof(op->what), "catalog");
		snprintf(op->scope, sizeof(op->scope), "%s", DRG_TOKEN_SCOPE_CATALOG);
		n = snprintf(url, sizeof(url), "%s/v2/_catalog?n=%lld", addr,
			     (long long)drg__registry_page_size(reg));
	}
	if (n < 0 || (size_t)n >= sizeof(url) ||
	    drg_strvec_push(&op->seen_urls, url) != 0 ||
	    drg__op_set_request(op, DRG__STEP_PAGE, url, 0, NULL, PAGE_CAP)) {
		drg_strvec_release(&op->seen_urls);
		op_discard(op);
		return CDH_E_NOMEM;
	}
	drg__registry_start(reg, op);
	return CDH_OK;
}

int32_t drg_registry_submit_tags(struct drg_registry *reg,
				 const char *repository, drg_list_done_fn cb,
				 void *ud)
{
	return submit_listing(reg, repository, cb, NULL, ud, NULL, NULL, 0);
}

int32_t drg_registry_submit_tags_known(struct drg_registry *reg,
				       const char *repository, int64_t limit,
				       drg_tags_done_fn cb, void *ud)
{
	return submit_listing(reg, repository, NULL, cb, ud, NULL, NULL,
			      limit > 0 ? limit : 0);
}

int32_t drg_registry_submit_catalog(struct drg_registry *reg,
				    drg_list_done_fn cb, void *ud)
{
	return submit_listing(reg, NULL, cb, NULL, ud, NULL, NULL, 0);
}

/* A tag of GCR's "manifest" map, kept for a drg_tags_done_fn. */
static int collect_known(const struct drg_listing_manifest *m, void *data)
{
	struct drg_tag_manifests *k = &((struct drg__op *)data)->known;
	struct drg_tag_manifest *e;

	if (k->count == k->cap) {
		size_t cap = k->cap ? 2 * k->cap : 16;
		void *items = realloc(k->items, cap * sizeof(*k->items));

		if (!items)
			return 3;
		k->items = items;
		k->cap = cap;
	}
	e = &k->items[k->count];
	e->tag = strdup(m->tag);
	e->digest = strdup(m->digest);
	e->media_type = strdup(m->media_type);
	e->created_ms = m->created_ms;
	k->count++; /* freed with the op even when a copy failed */
	return e->tag && e->digest && e->media_type ? 0 : 3;
}

static int collect(const char *name, void *data)
{
	struct drg__op *op = data;

	if (op->page_fn)
		return op->page_fn(name, op->page_data) != 0 ? 2 : 0;
	if (op->limit && drg_name_valid_tag(name))
		op->valid++;
	return drg_strvec_push(&op->names, name) != 0 ? 3 : 0;
}

/* Follows the page's Link, or ends the listing when there is none. */
static void next_page(struct drg__op *op, const struct drg_http_response *r)
{
	char target[DRG__URL_MAX], next[DRG__URL_MAX];
	int found = drg_link_next(r->link.data ? r->link.data : "", target,
				  sizeof(target));

	if (found == 0) { /* no Link: done, whatever the page size (#18) */
		drg__op_finish(op, CDH_OK, DRG_ERR_NONE, r->status, NULL);
		return;
	}
	if (op->limit && op->valid >= op->limit) {
		op->more = 1; /* the caller keeps no more than limit anyway */
		drg__op_finish(op, CDH_OK, DRG_ERR_NONE, r->status, NULL);
		return;
	}
	if (found < 0 || drg_link_resolve(op->url, drg__registry_address(op->reg),
					  target, next, sizeof(next)) != 0) {
		drg__op_fail(op, DRG_ERR_FATAL, "unusable Link header");
		return;
	}
	for (size_t i = 0; i < op->seen_urls.count; i++) {
		if (strcmp(op->seen_urls.items[i], next) == 0) {
			drg__op_fail(op, DRG_ERR_FATAL,
				     "Link header loops back to %s", next);
			return;
		}
	}
	if (op->seen_urls.count >= MAX_PAGES ||
	    drg_strvec_push(&op->seen_urls, next) != 0 ||
	    drg__op_set_request(op, DRG__STEP_PAGE, next, 0, NULL, PAGE_CAP)) {
		drg__op_fail(op, DRG_ERR_FATAL, "more than %d pages", MAX_PAGES);
		return;
	}
	drg__op_send(op);
}

static void on_page(struct drg__op *op, const struct drg_http_response *r)
{
	char err[256];
	const char *body = r->body.data ? r->body.data : "";
	int rc = op->tags_cb
			 ? drg_listing_parse_tags(body, r->body.len, collect,
						  collect_known, op, err, sizeof(err))
			 : drg_listing_parse(body, r->body.len, op->listing,
					     collect, op, err, sizeof(err));

	if (rc == 0)
		next_page(op, r);
	else if (rc < 0)
		drg__op_fail(op, DRG_ERR_FATAL, "%s", err);
	else if (op->page_fn)
		drg__op_finish(op, CDH_E_CANCELLED, DRG_ERR_NONE, r->status,
			       "listing stopped by the caller");
	else
		drg__op_finish(op, CDH_E_NOMEM, DRG_ERR_FATAL, r->status,
			       "out of memory");
}

/* ---- manifests and image configs ---- */

static int32_t submit_manifest_op(struct drg_registry *reg, int kind,
				  const char *repository, const char *reference,
				  drg_manifest_done_fn cb, void *ud)
{
	struct drg__op *op = op_new(reg, kind, repository, reference);
	char url[DRG__URL_MAX];
	int n, by_digest = drg_digest_is_sha256(reference);

	if (!op)
		return CDH_E_NOMEM;
	op->manifest_cb = cb;
	op->ud = ud;
	snprintf(op->what, sizeof(op->what), "%s %s%s%s",
		 kind == DRG__OP_CONFIG ? "image config of" : "manifest",
		 repository, by_digest ? "@" : ":", reference);
	if (by_digest)
		snprintf(op->expect, sizeof(op->expect), "%s", reference);
	drg_token_scope_repository(repository, "pull", op->scope, sizeof(op->scope));
	n = snprintf(url, sizeof(url), "%s/v2/%s/manifests/%s",
		     drg__registry_address(reg), repository, reference);
	if (n < 0 || (size_t)n >= sizeof(url) ||
	    drg__op_set_request(op, kind == DRG__OP_CONFIG ? DRG__STEP_MANIFEST
							    : DRG__STEP_HEAD,
				url, kind != DRG__OP_CONFIG, DRG_MANIFEST_ACCEPT,
				MANIFEST_CAP)) {
		op_discard(op);
		return CDH_E_NOMEM;
	}
	drg__registry_start(reg, op);
	return CDH_OK;
}

int32_t drg_registry_submit_manifest(struct drg_registry *reg,
				     const char *repository,
				     const char *reference,
				     drg_manifest_done_fn cb, void *ud)
{
	return submit_manifest_op(reg, DRG__OP_MANIFEST, repository, reference,
				  cb, ud);
}

int32_t drg_registry_submit_config(struct drg_registry *reg,
				   const char *repository,
				   const char *reference,
				   drg_manifest_done_fn cb, void *ud)
{
	return submit_manifest_op(reg, DRG__OP_CONFIG, repository, reference,
				  cb, ud);
}

static void base_type(char *out, size_t outlen, const char *ct)
{
	snprintf(out, outlen, "%.*s", (int)strcspn(ct, "; \t"), ct);
}

/* HEAD answered: the digest header, else the same request as a GET (#26, #27). */
static void on_head(struct drg__op *op, const struct drg_http_response *r)
{
	if (r->status >= 200 && r->status < 300 &&
	    drg_digest_is_sha256(r->digest)) {
		snprintf(op->digest, sizeof(op->digest), "%s", r->digest);
		base_type(op->media_type, sizeof(op->media_type), r->content_type);
		drg__op_finish(op, CDH_OK, DRG_ERR_NONE, r->status, NULL);
		return;
	}
	op->step = DRG__STEP_MANIFEST;
	op->head = 0;
	op->auth_retried = 0;
	drg__op_send(op);
}

/* The body's own digest, checked against the header and the request. */
static int check_digest(struct drg__op *op, const struct drg_http_response *r,
			char out[DRG_DIGEST_MAX])
{
	if (drg_digest_sha256(r->body.data ? r->body.data : "", r->body.len,
			      out) != 0) {
		drg__op_fail(op, DRG_ERR_FATAL, "cannot compute sha256");
		return -1;
	}
	/* Signed schema1 digests cover the JWS payload, not the bytes (§4.4):
	 * we never ask for schema1, but if one comes, trust its header. */
	if (strstr(r->content_type, "prettyjws") &&
	    drg_digest_is_sha256(r->digest))
		snprintf(out, DRG_DIGEST_MAX, "%s", r->digest);
	if (drg_digest_is_sha256(r->digest) && strcmp(r->digest, out) != 0) {
		drg__op_fail(op, DRG_ERR_FATAL,
			     "Docker-Content-Digest %s does not match the body (%s)",
			     r->digest, out);
		return -1;
	}
	if (op->expect[0] && strcmp(op->expect, out) != 0) {
		drg__op_fail(op, DRG_ERR_FATAL, "body digest %s is not the %s asked for",
			     out, op->expect);
		return -1;
	}
	return 0;
}

static void fetch_next(struct drg__op *op, int step, const char *kind,
		       const char *digest, const char *accept, size_t cap)
{
	char url[DRG__URL_MAX];
	int n = snprintf(url, sizeof(url), "%s/v2/%s/%s/%s",
			 drg__registry_address(op->reg), op->repository, kind,
			 digest);

	snprintf(op->expect, sizeof(op->expect), "%s", digest);
	if (n < 0 || (size_t)n >= sizeof(url) ||
	    drg__op_set_request(op, step, url, 0, accept, cap) != 0) {
		drg__op_fail(op, DRG_ERR_FATAL, "URL too long");
		return;
	}
	drg__op_send(op);
}

static void on_manifest(struct drg__op *op, const struct drg_http_response *r)
{
	struct drg_manifest_doc doc;
	char computed[DRG_DIGEST_MAX], err[256];
	int parsed;

	if (check_digest(op, r, computed) != 0)
		return;
	parsed = drg_manifest_parse(r->content_type, r->body.data ? r->body.data : "",
				    r->body.len, &doc, err, sizeof(err));
	if (op->step == DRG__STEP_MANIFEST) {
		snprintf(op->digest, sizeof(op->digest), "%s", computed);
		if (parsed == 0 && doc.media_type[0])
			snprintf(op->media_type, sizeof(op->media_type), "%s",
				 doc.media_type);
		else
			base_type(op->media_type, sizeof(op->media_type),
				  r->content_type);
	}
	if (op->kind == DRG__OP_MANIFEST) {
		drg__op_finish(op, CDH_OK, DRG_ERR_NONE, r->status, NULL);
	} else if (parsed != 0) {
		drg__op_fail(op, DRG_ERR_FATAL, "%s", err);
	} else if (doc.kind == DRG_MANIFEST_INDEX) {
		if (op->step == DRG__STEP_CHILD) {
			drg__op_fail(op, DRG_ERR_FATAL, "index inside an index");
			return;
		}
		snprintf(op->platform, sizeof(op->platform), "%s", doc.platform);
		fetch_next(op, DRG__STEP_CHILD, "manifests", doc.child_digest,
			   DRG_MANIFEST_ACCEPT, MANIFEST_CAP);
	} else {
		snprintf(op->config_digest, sizeof(op->config_digest), "%s",
			 doc.config_digest);
		fetch_next(op, DRG__STEP_BLOB, "blobs", doc.config_digest, NULL,
			   CONFIG_CAP);
	}
}

static void on_blob(struct drg__op *op, const struct drg_http_response *r)
{
	struct drg_image_config cfg;
	char computed[DRG_DIGEST_MAX], err[256];

	if (check_digest(op, r, computed) != 0)
		return;
	if (drg_image_config_parse(r->body.data ? r->body.data : "", r->body.len,
				   &cfg, err, sizeof(err)) != 0) {
		drg__op_fail(op, DRG_ERR_FATAL, "%s", err);
		return;
	}
	snprintf(op->created, sizeof(op->created), "%s", cfg.created);
	op->labels = cfg.labels; /* the op owns it now */
	drg__op_finish(op, CDH_OK, DRG_ERR_NONE, r->status, NULL);
}

void drg__op_on_success(struct drg__op *op, struct drg_http_request *req)
{
	const struct drg_http_response *r = drg_http_request_response(req);

	switch (op->step) {
	case DRG__STEP_PAGE:
		on_page(op, r);
		break;
	case DRG__STEP_HEAD:
		on_head(op, r);
		break;
	case DRG__STEP_MANIFEST:
	case DRG__STEP_CHILD:
		on_manifest(op, r);
		break;
	default:
		on_blob(op, r);
	}
}

/* ---- synchronous wrappers ---- */

struct sync_result {
	int32_t code;
	char *err;
	size_t errlen;
	long status; /* of the failing response, 0 when none */
};

static void sync_done(void *ud, const char *repository,
		      const struct drg_strvec *names, const struct drg_result *res)
{
	struct sync_result *s = ud;

	(void)repository, (void)names;
	s->code = res->code;
	s->status = res->status;
	if (s->errlen)
		snprintf(s->err, s->errlen, "%s", res->error);
}

static int32_t list_sync(struct drg_registry *reg, const char *repository,
			 drg_name_fn fn, void *data, char *err, size_t errlen,
			 long *status)
{
	struct sync_result s = { CDH_E_FATAL, err, errlen, 0 };
	char run_err[256];
	int32_t rc = submit_listing(reg, repository, sync_done, NULL, &s, fn,
				    data, 0);

	if (rc != CDH_OK) {
		if (errlen)
			snprintf(err, errlen, "out of memory");
		return rc;
	}
	drg_registry_run(reg, run_err, sizeof(run_err));
	*status = s.status;
	return s.code;
}

int32_t drg_registry_list_tags(struct drg_registry *reg, const char *repository,
			       drg_name_fn fn, void *data, char *err,
			       size_t errlen)
{
	long status;

	return list_sync(reg, repository, fn, data, err, errlen, &status);
}

int32_t drg_registry_list_catalog(struct drg_registry *reg, drg_name_fn fn,
				  void *data, char *err, size_t errlen)
{
	long status;
	int32_t rc = list_sync(reg, NULL, fn, data, err, errlen, &status);

	/* Docker Hub, GCR and registries with the catalog turned off answer
	 * 404: the account must list its repositories, and retrying is no use
	 * until its configuration changes. */
	if (rc != CDH_OK && status == 404) {
		if (errlen)
			snprintf(err, errlen, "%s", DRG_NO_CATALOG_MESSAGE);
		rc = CDH_E_CONFIG;
	}
	return rc;
}
