/*
 * image_configs - image configs (creation date, labels, config digest) by manifest
 * digest, for one agent's cycle: fetched once however many tags share a
 * manifest (re-tagged images, `latest`), and not at all when last cycle
 * already knew that manifest. Clouddriver fetches a date per tag, forever.
 *
 * Usage: drg_image_configs_want() from manifest callbacks while the registry
 * client runs; once that tag's config is in (its `ready` call, or at once
 * when it was known), drg_image_configs_get().
 */
#ifndef DRG_IMAGE_CONFIGS_H
#define DRG_IMAGE_CONFIGS_H

#include "agent/memo.h"
#include "registry/registry.h"

struct drg_image_configs;

/* Outcome of one digest's config (drg_image_configs_get). */
#define DRG_CONFIG_KNOWN 0   /* facts filled */
#define DRG_CONFIG_GONE 1    /* the registry no longer has it: no date/labels */
#define DRG_CONFIG_FAILED 2  /* could not be had this cycle: `error` says why */

/*
 * Called as a fetch ends, once for each waiter that wanted its digest
 * (the one whose want started it first, with `fetched` 1: the agent counts
 * fetches in its window of operations; then the others, `fetched` 0).
 */
typedef void (*drg_config_ready_fn)(void *ctx, void *waiter, int fetched);

/*
 * A table seeded with what `previous` (last cycle's memo, borrowed for the
 * call) knew; `ready(ctx, ...)` as above. NULL when out of memory.
 */
struct drg_image_configs *drg_image_configs_new(struct drg_registry *reg,
				    const struct drg_memo *previous,
				    drg_config_ready_fn ready, void *ctx);
void drg_image_configs_free(struct drg_image_configs *configs);

/* drg_image_configs_want's outcomes, besides -1 (out of memory). */
#define DRG_WANT_KNOWN 0    /* its outcome is in: get it now */
#define DRG_WANT_FETCHING 1 /* this call started the fetch; `waiter` is told */
#define DRG_WANT_WAITING 2  /* another want started it; `waiter` is told */

/* Makes sure the config of manifest `digest` of `repository` is known or
 * being fetched, for `waiter` (a tag: it is told when the fetch ends, so
 * its repository can complete before the cycle does). `index`: the
 * manifest's media type (HEAD, GCR's map) says it is an index, whose config
 * costs a request more (drg_image_configs_saved); 0 when unknown. */
int drg_image_configs_want(struct drg_image_configs *configs, const char *repository,
		     const char *digest, int index, void *waiter);

/*
 * Once its outcome is in: copies the config facts of `digest` into `facts`
 * (config_digest, labels, date, has_config; strings newly allocated) and
 * returns DRG_CONFIG_*; `error` (may be NULL) gets the failure text.
 * Returns -1 when out of memory.
 */
int drg_image_configs_get(const struct drg_image_configs *configs, const char *digest,
		    struct drg_memo_entry *facts, const char **error);

/* Requests saved by the digests wanted this cycle whose config last
 * cycle's memo (or the stored records) knew, each digest counted once: the
 * fetch it did without (drg_registry_submit_config) is the manifest GET and
 * the config blob GET, and for an index the GET of the child it follows
 * too: 2 requests, 3 for an index. */
size_t drg_image_configs_saved(const struct drg_image_configs *configs);

#endif
