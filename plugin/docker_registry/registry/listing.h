/*
 * listing - the JSON of one tags/list or _catalog page, read tolerantly:
 *   {"name":"x","tags":["a","b"]}   {"repositories":["a","b/c"]}
 * What registries really send (registry-protocol.md §3.4, pitfall #21):
 * "tags": null (2.8 after deleting every manifest) and a missing member
 * mean an empty page; null and non-string entries (Nexus) are skipped;
 * for tags, entries that are digests ("sha256:...", Artifactory) are
 * skipped; unknown members ("child") are ignored. The Content-Type is not
 * checked (ECR says text/plain).
 * GCR and Artifact Registry add a "manifest" map, digest -> {"tag": [...],
 * "mediaType", "timeCreatedMs", "timeUploadedMs"} (times as decimal strings
 * or numbers): drg_listing_parse_tags hands each (tag, digest) of it over,
 * which saves a manifest HEAD per tag (issue #21).
 */
#ifndef DRG_LISTING_H
#define DRG_LISTING_H

#include <stddef.h>
#include <stdint.h>

/* Called once per listed name; a non-zero return stops the listing. */
typedef int (*drg_name_fn)(const char *name, void *data);

#define DRG_LISTING_TAGS 0         /* member "tags"; digests skipped */
#define DRG_LISTING_REPOSITORIES 1 /* member "repositories" */

/*
 * Calls fn for each name of the page of `len` bytes. Returns 0; -1 when the
 * body is not a JSON object (err says so); 1 when fn asked to stop.
 */
int drg_listing_parse(const char *body, size_t len, int kind, drg_name_fn fn,
		      void *data, char *err, size_t errlen);

/* One tag of a GCR "manifest" map; strings borrowed for the call. */
struct drg_listing_manifest {
	const char *tag;
	const char *digest;     /* the map's key, a digest */
	const char *media_type; /* "" when absent */
	int64_t created_ms;     /* timeCreatedMs; 0 when absent or unusable */
};

/* Called once per tag of the map; a non-zero return stops the listing. */
typedef int (*drg_manifest_fn)(const struct drg_listing_manifest *m, void *data);

/*
 * drg_listing_parse(DRG_LISTING_TAGS) that also calls mfn (when not NULL)
 * for each tag of a "manifest" map, after the names. Entries whose key is
 * no digest or whose tag is not a string are skipped. Same returns.
 */
int drg_listing_parse_tags(const char *body, size_t len, drg_name_fn fn,
			   drg_manifest_fn mfn, void *data, char *err,
			   size_t errlen);

/* 1 when s looks like a digest: algorithm ":" lower-case hex (>= 32). */
int drg_listing_is_digest(const char *s);

#endif
