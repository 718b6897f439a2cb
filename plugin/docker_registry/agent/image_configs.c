#include "agent/image_configs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/records.h"
#include "util/map.h"

#define STATE_PENDING 3 /* beside the public DRG_CONFIG_* outcomes */

struct slot {
	char *digest; /* NULL: empty */
	int state;
	struct drg_memo_entry facts; /* key unused */
	char *error; /* FAILED or GONE: why; NULL when it ran out of memory */
	struct drg_image_configs *owner;   /* for the fetch callback */
	void **waiters;  /* told when the fetch ends; [0] started it */
	size_t waiting, waiters_alloc;
};

/* Slots are allocated one by one, keyed by their own digest, so a fetch in
 * flight keeps a stable pointer while the map grows. */
struct drg_image_configs {
	struct drg_registry *reg;
	drg_config_ready_fn ready;
	void *ctx;
	struct drg_map *slots;
	size_t saved; /* requests the configs last cycle already knew saved */
};

static void free_facts(struct drg_memo_entry *f)
{
	free(f->config_digest);
	free(f->labels);
	memset(f, 0, sizeof(*f));
}

static void slot_free(struct slot *slot)
{
	if (!slot)
		return;
	free(slot->digest);
	free_facts(&slot->facts);
	free(slot->error);
	free(slot->waiters);
	free(slot);
}

/* The requests a config fetch makes: the manifest by digest and its config
 * blob, with an index also its child (registry_ops.c, on_manifest). */
#define FETCH_REQUESTS 2
#define FETCH_REQUESTS_INDEX 3

/* The slot for `digest`, added (state `state`) when missing; NULL on OOM. */
static struct slot *slot_for(struct drg_image_configs *t, const char *digest,
			     int state)
{
	struct slot *slot = drg_map_get(t->slots, digest);

	if (slot)
		return slot;
	slot = calloc(1, sizeof(*slot));
	if (!slot || !(slot->digest = strdup(digest)) ||
	    drg_map_put(t->slots, slot->digest, slot, NULL) != 0) {
		slot_free(slot);
		return NULL;
	}
	slot->state = state;
	slot->owner = t;
	return slot;
}

static int copy_facts(struct drg_memo_entry *to, const struct drg_memo_entry *from)
{
	to->has_config = 1;
	to->config_digest = from->config_digest ? strdup(from->config_digest) : NULL;
	to->labels = from->labels ? strdup(from->labels) : NULL;
	to->has_date = from->has_date;
	to->epoch_second = from->epoch_second;
	to->nano = from->nano;
	return (from->config_digest && !to->config_digest) ||
			       (from->labels && !to->labels)
		       ? -1
		       : 0;
}

struct seed {
	struct drg_image_configs *t;
	int failed;
};

static void seed_one(const struct drg_memo_entry *e, void *data)
{
	struct seed *s = data;
	struct slot *slot;

	if (!e->has_config || !e->digest)
		return;
	slot = slot_for(s->t, e->digest, DRG_CONFIG_KNOWN);
	if (!slot || (!slot->facts.has_config && copy_facts(&slot->facts, e) != 0))
		s->failed = 1;
}

struct drg_image_configs *drg_image_configs_new(struct drg_registry *reg,
				    const struct drg_memo *previous,
				    drg_config_ready_fn ready, void *ctx)
{
	struct drg_image_configs *t = calloc(1, sizeof(*t));
	struct seed s = { t, 0 };

	if (!t || !(t->slots = drg_map_new())) {
		free(t);
		return NULL;
	}
	t->reg = reg;
	t->ready = ready;
	t->ctx = ctx;
	if (previous)
		drg_memo_each(previous, seed_one, &s);
	if (s.failed) {
		drg_image_configs_free(t);
		return NULL;
	}
	return t;
}

static void free_one(const char *digest, void *slot, void *data)
{
	(void)digest;
	(void)data;
	slot_free(slot);
}

void drg_image_configs_free(struct drg_image_configs *t)
{
	if (!t)
		return;
	drg_map_each(t->slots, free_one, NULL);
	drg_map_free(t->slots);
	free(t);
}

static void store_config(struct slot *slot, const struct drg_manifest_info *info,
			 const struct drg_result *res)
{
	if (res->code != CDH_OK) {
		slot->state = res->error_class == DRG_ERR_NOT_FOUND ? DRG_CONFIG_GONE
								   : DRG_CONFIG_FAILED;
		slot->error = strdup(res->error);
		return;
	}
	slot->state = DRG_CONFIG_KNOWN;
	slot->facts.has_config = 1;
	slot->facts.config_digest = info->config_digest ? strdup(info->config_digest) : NULL;
	slot->facts.labels = info->labels ? strdup(info->labels) : NULL;
	slot->facts.has_date = info->created &&
		drg_records_parse_time(info->created, &slot->facts.epoch_second,
				       &slot->facts.nano) == 0;
	if ((info->config_digest && !slot->facts.config_digest) ||
	    (info->labels && !slot->facts.labels)) {
		slot->state = DRG_CONFIG_FAILED;
		slot->error = NULL; /* "out of memory" */
	}
}

/* The waiters are taken off the slot before they are told: what they do
 * (finish a repository, want more digests) never sees a half-told list. */
static void on_config(void *ud, const struct drg_manifest_info *info,
		      const struct drg_result *res)
{
	struct slot *slot = ud;
	struct drg_image_configs *t = slot->owner;
	void **waiters = slot->waiters;
	size_t i, n = slot->waiting;

	store_config(slot, info, res);
	slot->waiters = NULL;
	slot->waiting = slot->waiters_alloc = 0;
	for (i = 0; t->ready && i < n; i++)
		t->ready(t->ctx, waiters[i], i == 0);
	free(waiters);
}

static int add_waiter(struct slot *slot, void *waiter)
{
	void **grown;
	size_t n;

	if (slot->waiting == slot->waiters_alloc) {
		n = slot->waiters_alloc ? 2 * slot->waiters_alloc : 2;
		grown = realloc(slot->waiters, n * sizeof(*grown));
		if (!grown)
			return -1;
		slot->waiters = grown;
		slot->waiters_alloc = n;
	}
	slot->waiters[slot->waiting++] = waiter;
	return 0;
}

int drg_image_configs_want(struct drg_image_configs *t, const char *repository,
		     const char *digest, int index, void *waiter)
{
	struct slot *slot = slot_for(t, digest, STATE_PENDING);

	if (!slot)
		return -1;
	if (slot->state == DRG_CONFIG_KNOWN && !slot->facts.key) {
		slot->facts.key = slot->digest; /* counted once a digest */
		t->saved += index ? FETCH_REQUESTS_INDEX : FETCH_REQUESTS;
	}
	if (slot->state != STATE_PENDING)
		return DRG_WANT_KNOWN;
	if (add_waiter(slot, waiter) != 0)
		return -1;
	if (slot->facts.key)
		return DRG_WANT_WAITING; /* already on its way */
	/* facts.key marks "submitted" (it is otherwise unused here). */
	slot->facts.key = slot->digest;
	/* By digest: the config of exactly the manifest the tag points at. */
	return drg_registry_submit_config(t->reg, repository, digest, on_config,
					  slot) == CDH_OK
		       ? DRG_WANT_FETCHING
		       : -1;
}

int drg_image_configs_get(const struct drg_image_configs *t, const char *digest,
		    struct drg_memo_entry *facts, const char **error)
{
	struct slot *slot = drg_map_get(t->slots, digest);

	if (!slot || slot->state == STATE_PENDING) {
		if (error)
			*error = "image config not fetched";
		return DRG_CONFIG_FAILED;
	}
	if (slot->state != DRG_CONFIG_KNOWN) {
		if (error)
			*error = slot->error ? slot->error : "out of memory";
		return slot->state;
	}
	if (error)
		*error = "";
	return copy_facts(facts, &slot->facts) == 0 ? DRG_CONFIG_KNOWN : -1;
}

size_t drg_image_configs_saved(const struct drg_image_configs *t)
{
	return t->saved;
}
