/*
 * image_configs - image configs (creation date, labels, config digest) by manifest
 * digest, for one agent's cycle: fetched once however many tags share a
 * manifest (re-tagged images, `latest`), and not at all when last cycle
 * already knew that manifest. Clouddriver fetches a date per tag, forever.
 *
 * Usage: drg_image_configs_want() from manifest callbacks while the registry
 * client runs; after drg_registry_run(), drg_image_configs_get() per tag.
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
 * A table seeded with what `previous` (last cycle's memo, borrowed for the
 * call) knew; `fetched(ctx)` is called as each fetch ends (the agent counts
 * fetches in its window of operations). NULL when out of memory.
 */
struct drg_image_configs *drg_image_configs_new(struct drg_registry *reg,
				    const struct drg_memo *previous,
				    void (*fetched)(void *ctx), void *ctx);
void drg_image_configs_free(struct drg_image_configs *configs);

/* Makes sure the config of manifest `digest` of `repository` is known or
 * being fetched: 1 when this call started the fetch, 0 when it was known
 * or on its way already, -1 when out of memory. */
int drg_image_configs_want(struct drg_image_configs *configs, const char *repository,
		     const char *digest);

/*
 * After the run: copies the config facts of `digest` into `facts`
 * (config_digest, labels, date, has_config; strings newly allocated) and
 * returns DRG_CONFIG_*; `error` (may be NULL) gets the failure text.
 * Returns -1 when out of memory.
 */
int drg_image_configs_get(const struct drg_image_configs *configs, const char *digest,
		    struct drg_memo_entry *facts, const char **error);

/* How many digests wanted this cycle had their config from last cycle's
 * memo (or the stored records): each saved a manifest GET and a blob GET. */
size_t drg_image_configs_reused(const struct drg_image_configs *configs);

#endif
