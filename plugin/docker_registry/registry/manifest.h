/*
 * manifest - what the client needs from a manifest or index body and from
 * an image config blob (registry-protocol.md §4):
 *  - the kind (image manifest or index/list), by mediaType, else by
 *    Content-Type, else by shape (`manifests` -> index, `config` -> image;
 *    regclient's duck typing);
 *  - an image manifest's config digest;
 *  - an index's entry to follow: linux/amd64, else the first entry that is
 *    not a buildx attestation (platform unknown/unknown or annotation
 *    vnd.docker.reference.type = attestation-manifest);
 *  - a config's `created` (else the last history[].created) and
 *    config.Labels as a JSON object text.
 */
#ifndef DRG_MANIFEST_H
#define DRG_MANIFEST_H

#include <stddef.h>

#include "util/digest.h"

#define DRG_MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define DRG_MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define DRG_MT_DOCKER_LIST \
	"application/vnd.docker.distribution.manifest.list.v2+json"
#define DRG_MT_DOCKER_V2 "application/vnd.docker.distribution.manifest.v2+json"
/* Every type we can read, so the answer never depends on legacy fallbacks
 * (schema1 conversion, amd64 child: §4.2). */
#define DRG_MANIFEST_ACCEPT \
	DRG_MT_OCI_INDEX ", " DRG_MT_OCI_MANIFEST ", " DRG_MT_DOCKER_LIST \
			 ", " DRG_MT_DOCKER_V2

#define DRG_MANIFEST_UNKNOWN 0
#define DRG_MANIFEST_IMAGE 1
#define DRG_MANIFEST_INDEX 2

struct drg_manifest_doc {
	int kind;
	char media_type[128];             /* from the body, else Content-Type */
	char config_digest[DRG_DIGEST_MAX]; /* IMAGE: config.digest */
	char child_digest[DRG_DIGEST_MAX];  /* INDEX: the entry to follow */
	char platform[96];                  /* INDEX: "os/arch[/variant]" */
};

/* DRG_MANIFEST_* that a media type (or Content-Type, parameters after it
 * ignored) names; NULL, "" or another type: DRG_MANIFEST_UNKNOWN. */
int drg_manifest_kind(const char *media_type);

/*
 * Parses a manifest body of `len` bytes; `content_type` may be NULL.
 * Returns 0, or -1 when it is not a JSON object of a known kind, an image
 * without a config digest, or an index with no usable entry (err says).
 */
int drg_manifest_parse(const char *content_type, const char *body, size_t len,
		       struct drg_manifest_doc *out, char *err, size_t errlen);

struct drg_image_config {
	char created[64]; /* RFC 3339 as written, "" when unknown */
	char *labels;     /* JSON object text, NULL when none; caller frees */
};

/* Parses a config blob. 0, or -1 when it is not a JSON object. */
int drg_image_config_parse(const char *body, size_t len,
			   struct drg_image_config *out, char *err,
			   size_t errlen);
void drg_image_config_release(struct drg_image_config *cfg);

#endif
