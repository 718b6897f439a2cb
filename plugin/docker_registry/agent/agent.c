/*
 * agent - one caching agent's refresh cycle (agent.h is the contract). The
 * repositories this agent owns come from repositories.c; a window of
 * operations is kept submitted to the registry client: tag lists, then each
 * tag's manifest when the account tracks digests, sorts by date or inspects
 * digests, then the image config of each manifest not already known
 * (image_configs.c, seeded from last cycle's memo). As soon as a
 * repository's work is done (its tag list, every tag's manifest and, when
 * wanted, config), and every repository listed before it has gone, it hands
 * its records and scope result to the host and its tags are freed: the
 * agent holds the repositories in flight, not the account (issue #18).
 * What was learnt becomes the next memo: this cycle's config facts, plus
 * last cycle's for the repositories that failed now. When the tag list carries
 * GCR's "manifest" map, its digests replace the manifest HEADs and, for
 * sortTagsByDate alone, its non-zero timeCreatedMs the config (issue #21).
 */
#include "agent/agent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/image_configs.h"
#include "agent/records.h"
#include "agent/repositories.h"
#include "agent/stored.h"
#include "registry/manifest.h"
#include "util/map.h"
#include "util/names.h"
#include "util/strvec.h"

#define KEY_MAX 4096
#define ERR_MAX 512

int32_t drg_agent_name(const struct drg_account *account, uint32_t index,
		       char *buf, size_t buflen)
{
	int n;

	if (index >= account->cache_threads)
		return CDH_E_FATAL;
	n = snprintf(buf, buflen, "%s/DockerRegistryImageCachingAgent[%u/%u]",
		     account->name, index + 1, account->cache_threads);
	return n > 0 && (size_t)n < buflen ? CDH_OK : CDH_E_FATAL;
}

struct cycle;
struct repo_state;

/* One tag of a listed repository and what this cycle learnt about it. */
struct tag_state {
	struct repo_state *repo;
	char *tag;
	struct drg_memo_entry facts; /* key NULL; strings owned */
	int dropped;                 /* gone between the listing and its manifest */
	int failed;                  /* its manifest or config could not be had */
	int listed;                  /* digest from the listing's map: no HEAD */
	int index;                   /* its media type says: an index */
	int64_t created_ms;          /* the map's timeCreatedMs, 0 when none */
	int dated;                   /* date from created_ms: no config */
};

/* Kept for the whole cycle (the memo needs `failed`); its tags and errors
 * only until its records are out. */
struct repo_state {
	struct cycle *cycle;
	const char *name;            /* borrowed from the cycle's list */
	struct tag_state *tags;
	size_t tag_count;
	size_t next_tag;             /* the next tag whose manifest to ask for */
	size_t unsettled;            /* tags whose manifest or config is due */
	struct repo_state *next_listed; /* listed, manifests still to ask for */
	int done;                    /* all its work is in: records can go */
	int failed;
	char *error;                 /* why it failed, when it did */
	size_t failed_tags;          /* tags whose manifest or config failed */
	char *tag_error;             /* the first of them, for the scope's detail */
};

/*
 * A cycle keeps `window` operations submitted, not all of them: each costs
 * the registry client about 12 KiB until it ends (URL, scope and error
 * buffers, its request), which at 50,000 tags was 600 MiB. Twice the
 * account's concurrency keeps the client as busy as submitting everything.
 */
struct cycle {
	const struct cdh_host_api *api;
	const struct drg_account *acct;
	struct drg_registry *reg;
	struct cdh_refresh *refresh;
	const struct drg_memo *previous;
	struct drg_image_configs *configs; /* image configs by manifest digest */
	struct repo_state *repos;
	size_t repo_count;
	size_t next_repo;            /* the next repository whose tags to list */
	size_t next_emit;            /* the first whose records are not out */
	size_t held_tags;            /* tags of repositories listed, not out */
	struct repo_state *listed_head, *listed_tail;
	size_t in_flight, window;
	int feeding;                 /* feed() is on the stack */
	int nomem;
	int cancelled;               /* an operation ended cancelled */
	int32_t emit_rc;             /* the host's first refusal of a record */
	struct drg_memo *next_memo;  /* config facts of the repositories out */
	int memo_failed;             /* out of memory building it */
	size_t invalid_names;        /* catalog entries and tags dropped */
	char rejected[ERR_MAX];      /* no usable credentials: account-wide */
	size_t heads_saved;          /* manifest HEADs the map made useless */
	int64_t records_left;        /* of this agent's maxRecordsPerAccount share */
	size_t tags_over_account;    /* tags not emitted for want of records */
	const char *account_cap_at;  /* the repository where that began */
	size_t capped_repos;         /* repositories over maxTagsPerRepository */
	size_t listed;               /* repositories whose tag list came back */
};

/* Warnings of invalid names one cycle writes; the summary counts them all. */
#define INVALID_WARN_MAX 10
/* drg_records_emit_tag's: taggedImage and imageId. */
#define RECORDS_PER_TAG 2
/*
 * Records go out in the listed order (see emit_ready), so one slow
 * repository holds back those listed after it: past this many tags held,
 * no new tag list is asked for until it is out (its manifests go on).
 * About 14 MiB of tag state; at 6,000 requests/s some ten seconds of one
 * stalled repository before the cycle waits for it.
 */
#define HELD_TAGS_MAX 65536

static void feed(struct cycle *c);
static void tag_settled(struct tag_state *t);
static void repo_done(struct repo_state *r);

/* The cycle will return an error whatever comes: the host discards it. */
static int cycle_doomed(const struct cycle *c)
{
	return c->nomem || c->cancelled || c->rejected[0] ||
	       c->emit_rc != CDH_OK;
}

/* An operation of the cycle ended: make room for the next one. */
static void op_done(struct cycle *c)
{
	c->in_flight--;
	feed(c);
}

/* A copy of `error` (an error text) or NULL with the cycle out of memory. */
static char *copy_error(struct cycle *c, const char *error)
{
	char *copy = strdup(error ? error : "");

	if (!copy)
		c->nomem = 1;
	return copy;
}

static void fail_repo(struct repo_state *r, const struct drg_result *res)
{
	if (!r->failed)
		r->error = copy_error(r->cycle, res->error);
	r->failed = 1;
	if (res->error_class == DRG_ERR_CREDENTIALS && !r->cycle->rejected[0])
		snprintf(r->cycle->rejected, sizeof(r->cycle->rejected), "%s",
			 res->error);
	if (res->code == CDH_E_NOMEM)
		r->cycle->nomem = 1;
	if (res->code == CDH_E_CANCELLED)
		r->cycle->cancelled = 1;
}

/*
 * One tag's manifest or image config could not be had (5xx after the
 * retries, an unusable answer): the tag fails, not its repository, so the
 * other tags stay fresh (Clouddriver caches them too; issue #22).
 */
static void fail_tag(struct tag_state *t, const char *error)
{
	struct repo_state *r = t->repo;

	t->failed = 1;
	if (r->failed_tags++ == 0)
		r->tag_error = copy_error(r->cycle, error);
	cdh_logf(r->cycle->api, CDH_LOG_WARN, r->cycle->acct->name,
		 "Error retrieving image %s:%s; it keeps what was known of "
		 "it last cycle (if nothing, no digest or date): %s",
		 r->name, t->tag, error);
}

/* Whether a manifest error is this tag's alone: authentication and rate
 * limits concern the whole repository, which keeps its records then. */
static int tag_error_only(const struct drg_result *res)
{
	return res->code != CDH_E_NOMEM && res->code != CDH_E_CANCELLED &&
	       (res->error_class == DRG_ERR_TRANSIENT ||
		res->error_class == DRG_ERR_FATAL);
}

static char *strdup_or_flag(const char *s, struct cycle *c)
{
	char *copy = s ? strdup(s) : NULL;

	if (s && !copy)
		c->nomem = 1;
	return copy;
}

static int wants_config(const struct drg_account *acct)
{
	return acct->sort_tags_by_date || acct->inspect_digests;
}

/* A config fetch ended (image_configs.c): the tag's work is done; the
 * tag that started it held a slot of the window. */
static void on_config_ready(void *ctx, void *waiter, int fetched)
{
	struct cycle *c = ctx;

	tag_settled(waiter);
	if (fetched)
		op_done(c);
}

/* The tag's config: DRG_WANT_KNOWN (in already; also when out of memory),
 * _FETCHING (the tag's slot of the window passes to the fetch) or _WAITING
 * (another tag's fetch will tell it). */
static int want_config(struct cycle *c, struct tag_state *t)
{
	int rc = drg_image_configs_want(c->configs, t->repo->name,
					t->facts.digest, t->index, t);

	if (rc < 0)
		c->nomem = 1;
	return rc < 0 ? DRG_WANT_KNOWN : rc;
}

/* The manifest's digest is known: its config too if the account wants it
 * (want_config's outcomes). */
static int after_manifest(struct tag_state *t,
			  const struct drg_manifest_info *info)
{
	struct cycle *c = t->repo->cycle;

	t->facts.digest = strdup_or_flag(info->digest, c);
	t->index = drg_manifest_kind(info->media_type) == DRG_MANIFEST_INDEX;
	if (!t->facts.digest || !wants_config(c->acct))
		return DRG_WANT_KNOWN;
	return want_config(c, t);
}

/* `t` may be freed once settled: nothing touches it after. */
static void on_manifest(void *ud, const struct drg_manifest_info *info,
			const struct drg_result *res)
{
	struct tag_state *t = ud;
	struct cycle *c = t->repo->cycle;
	int config = DRG_WANT_KNOWN;

	if (res->code == CDH_OK) {
		config = after_manifest(t, info);
		if (config == DRG_WANT_FETCHING)
			return; /* the slot passes to the config fetch */
	} else if (tag_error_only(res)) {
		fail_tag(t, res->error);
	} else if (res->error_class != DRG_ERR_NOT_FOUND) {
		fail_repo(t->repo, res);
	} else {
		cdh_logf(c->api, CDH_LOG_WARN, c->acct->name,
			 "Image manifest for %s:%s no longer available; tag will not be cached",
			 t->repo->name, t->tag);
		t->dropped = 1;
	}
	if (config == DRG_WANT_KNOWN)
		tag_settled(t);
	op_done(c);
}

static int wants_manifest(const struct drg_account *acct)
{
	return acct->track_digests || wants_config(acct);
}

/*
 * A name outside distribution's grammar (registry-protocol.md §3.1) never
 * goes into a request, a record or JSON: one odd tag must not fail its
 * repository every cycle, and invalid UTF-8 must not break a client's parse.
 */
static void drop_invalid(struct cycle *c, const char *repository,
			 const char *tag)
{
	char shown[96];

	if (c->invalid_names++ >= INVALID_WARN_MAX)
		return;
	drg_name_quote(tag ? tag : repository, shown, sizeof(shown));
	if (tag)
		cdh_logf(c->api, CDH_LOG_WARN, c->acct->name,
			 "Invalid tag \"%s\" in %s dropped (tags are "
			 "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})", shown, repository);
	else
		cdh_logf(c->api, CDH_LOG_WARN, c->acct->name,
			 "Invalid repository name \"%s\" in the catalog dropped",
			 shown);
}

/* A repository listed more than maxTagsPerRepository tags: the first
 * ones listed (distribution lists in lexical order) were kept. `more`: the
 * listing stopped at the cap with pages left, so `over` is not all. */
static void warn_tag_cap(struct cycle *c, const struct repo_state *r,
			 size_t over, int more)
{
	if (c->capped_repos++ >= INVALID_WARN_MAX)
		return;
	if (more)
		cdh_logf(c->api, CDH_LOG_WARN, c->acct->name,
			 "Repository %s of account %s lists more tags than "
			 "maxTagsPerRepository (%lld): its listing stopped "
			 "there, the rest are not cached",
			 r->name, c->acct->name,
			 (long long)c->acct->max_tags_per_repository);
	else
		cdh_logf(c->api, CDH_LOG_WARN, c->acct->name,
			 "Repository %s of account %s lists %zu tags more than "
			 "maxTagsPerRepository (%lld): they are not cached",
			 r->name, c->acct->name, over,
			 (long long)c->acct->max_tags_per_repository);
}

static int add_tags(struct repo_state *r, const struct drg_strvec *names,
		    int more)
{
	struct cycle *c = r->cycle;
	size_t i, over = 0;

	r->tags = calloc(names->count ? names->count : 1, sizeof(*r->tags));
	if (!r->tags)
		return -1;
	for (i = 0; i < names->count; i++) {
		if (names->items[i][0] == '\0') {
			cdh_logf(c->api, CDH_LOG_WARN, c->acct->name,
				 "Empty tag encountered for %s/%s, not caching",
				 c->acct->name, r->name);
			continue;
		}
		if (!drg_name_valid_tag(names->items[i])) {
			drop_invalid(c, r->name, names->items[i]);
			continue;
		}
		if ((int64_t)r->tag_count >= c->acct->max_tags_per_repository) {
			over++;
			continue;
		}
		r->tags[r->tag_count].repo = r;
		r->tags[r->tag_count].tag = strdup(names->items[i]);
		c->held_tags++;
		if (!r->tags[r->tag_count++].tag)
			return -1;
	}
	if (over || more)
		warn_tag_cap(c, r, over, more);
	return 0;
}

/* GCR's map gives tags their digest (and date) without a request. A hash
 * of the tags: GCR repositories may hold many thousands. */
static void apply_known(struct repo_state *r,
			const struct drg_tag_manifests *known)
{
	struct drg_map *by_tag;
	size_t i;

	if (!known->count)
		return;
	by_tag = drg_map_new();
	for (i = 0; by_tag && i < r->tag_count; i++)
		if (!drg_map_get(by_tag, r->tags[i].tag) &&
		    drg_map_put(by_tag, r->tags[i].tag, &r->tags[i], NULL) != 0)
			break;
	if (!by_tag || i < r->tag_count) {
		r->cycle->nomem = 1;
		goto out;
	}
	for (i = 0; i < known->count; i++) {
		const struct drg_tag_manifest *m = &known->items[i];
		struct tag_state *t = drg_map_get(by_tag, m->tag);

		if (!t || t->listed)
			continue;
		t->facts.digest = strdup_or_flag(m->digest, r->cycle);
		t->listed = t->facts.digest != NULL;
		t->created_ms = m->created_ms;
		t->index = drg_manifest_kind(m->media_type) ==
			   DRG_MANIFEST_INDEX;
	}
out:
	drg_map_free(by_tag);
}

/* The terminal's progress line (ABI 1.1): repositories listed of all. */
static void report_progress(const struct cycle *c)
{
	if (CDH_HOST_HAS(c->api, progress))
		c->api->progress(c->refresh, "repositories", c->listed,
				 c->repo_count);
}

static void on_tags(void *ud, const char *repository,
		    const struct drg_strvec *names,
		    const struct drg_tag_manifests *known, int more,
		    const struct drg_result *res)
{
	struct repo_state *r = ud;
	struct cycle *c = r->cycle;

	(void)repository;
	if (res->code != CDH_OK && res->error_class == DRG_ERR_CREDENTIALS) {
		fail_repo(r, res); /* the agent's error says it, once */
	} else if (res->code != CDH_OK) {
		cdh_logf(c->api, CDH_LOG_WARN, c->acct->name,
			 "Could not load tags for %s in %s, reason: %s", r->name,
			 c->acct->address, res->error);
		/* A repository the registry does not know has no tags: its
		 * records go. Anything else keeps them until a good cycle. */
		if (res->error_class != DRG_ERR_NOT_FOUND)
			fail_repo(r, res);
	} else if (add_tags(r, names, more) != 0) {
		c->nomem = 1;
	} else if (wants_manifest(c->acct) && r->tag_count) {
		apply_known(r, known);
		r->unsettled = r->tag_count;
		if (c->listed_tail)
			c->listed_tail->next_listed = r;
		else
			c->listed_head = r;
		c->listed_tail = r;
	}
	c->listed++;
	report_progress(c);
	if (!r->unsettled)
		repo_done(r);
	op_done(c);
}

/*
 * A tag whose digest the listing gave: no HEAD; with sortTagsByDate alone
 * and a timeCreatedMs, no config either. Returns want_config's outcome.
 */
static int known_manifest(struct cycle *c, struct tag_state *t)
{
	c->heads_saved++;
	if (!wants_config(c->acct))
		return DRG_WANT_KNOWN;
	if (c->acct->sort_tags_by_date && !c->acct->inspect_digests &&
	    t->created_ms > 0) {
		t->dated = 1;
		t->facts.has_date = 1;
		t->facts.epoch_second = t->created_ms / 1000;
		t->facts.nano = (int32_t)(t->created_ms % 1000) * 1000000;
		return DRG_WANT_KNOWN;
	}
	return want_config(c, t);
}

/* Asks for the next manifest of the first listed repository; 0 when none. */
static int submit_next_manifest(struct cycle *c)
{
	struct repo_state *r = c->listed_head;
	struct tag_state *t;

	if (!r)
		return 0;
	t = &r->tags[r->next_tag++];
	if (r->next_tag == r->tag_count) {
		c->listed_head = r->next_listed;
		if (!c->listed_head)
			c->listed_tail = NULL;
	}
	c->in_flight++; /* first: a failure may call back before submit returns */
	if (t->listed) {
		int config = known_manifest(c, t);

		if (config != DRG_WANT_FETCHING)
			c->in_flight--;
		if (config == DRG_WANT_KNOWN)
			tag_settled(t); /* may free r and t */
		return !c->nomem; /* on to the next tag */
	}
	if (drg_registry_submit_manifest(c->reg, r->name, t->tag, on_manifest,
					 t) == CDH_OK)
		return 1;
	c->in_flight--;
	c->nomem = 1;
	return 0;
}

/*
 * Tells the host (1.1) when the repository's tag list is asked for: the
 * list, read after this instant, is at least this new, and the store keeps
 * the newest per repository, so a slow cycle never undoes a fresher push.
 */
static void observed(struct cycle *c, const char *repository)
{
	struct timespec now;

	if (!CDH_HOST_HAS(c->api, scope_observed) ||
	    clock_gettime(CLOCK_REALTIME, &now) != 0)
		return;
	if (c->api->scope_observed(c->refresh, repository,
				   (uint64_t)now.tv_sec * 1000000000u +
					   (uint64_t)now.tv_nsec) == CDH_E_NOMEM)
		c->nomem = 1;
}

/* Asks for the next repository's tags; 0 when every list was asked for,
 * or the repositories waiting for their turn to go out hold enough. */
static int submit_next_list(struct cycle *c)
{
	struct repo_state *r;

	if (c->next_repo == c->repo_count || c->held_tags >= HELD_TAGS_MAX)
		return 0;
	r = &c->repos[c->next_repo++];
	observed(c, r->name);
	c->in_flight++;
	if (drg_registry_submit_tags_known(c->reg, r->name,
					   c->acct->max_tags_per_repository,
					   on_tags, r) == CDH_OK)
		return 1;
	c->in_flight--;
	c->nomem = 1;
	return 0;
}

/*
 * Tops the window up: manifests of listed repositories first (they hold
 * memory already), then more tag lists. An operation that fails at once
 * calls back into feed(): that inner call returns and this loop goes on,
 * so the stack stays flat however many fail. A doomed cycle asks nothing
 * more: the host discards it whole (and retries with backoff).
 */
static void feed(struct cycle *c)
{
	if (c->feeding)
		return;
	c->feeding = 1;
	while (!cycle_doomed(c) && c->in_flight < c->window &&
	       (submit_next_manifest(c) || submit_next_list(c)))
		;
	c->feeding = 0;
}

/* Gives each tag its image config; a config that could not be had this
 * cycle fails that tag (see fail_tag). */
static void attach_configs(struct cycle *c, struct repo_state *r)
{
	const char *error;
	size_t i;
	int got;

	for (i = 0; !r->failed && i < r->tag_count; i++) {
		struct tag_state *t = &r->tags[i];

		if (t->dropped || t->failed || t->dated || !t->facts.digest)
			continue;
		got = drg_image_configs_get(c->configs, t->facts.digest, &t->facts, &error);
		if (got < 0)
			c->nomem = 1;
		else if (got == DRG_CONFIG_FAILED)
			fail_tag(t, error);
	}
}

/* A failed tag gets what last cycle knew of it (digest, date, labels) when
 * the memo has it, else only what this cycle learnt: as on Clouddriver's
 * first fill, no digest or date. (The store's previous record is out of the
 * plugin's reach until the host offers it: ABI 1.1.) */
static void restore_previous(struct cycle *c, struct repo_state *r,
			     struct tag_state *t)
{
	const struct drg_memo_entry *e;
	char key[KEY_MAX];

	snprintf(key, sizeof(key), "%s:%s", r->name, t->tag);
	e = c->previous ? drg_memo_find(c->previous, key) : NULL;
	if (!e)
		return;
	free(t->facts.digest);
	free(t->facts.config_digest);
	free(t->facts.labels);
	t->facts = *e;
	t->facts.key = NULL;
	t->facts.digest = e->digest ? strdup(e->digest) : NULL;
	t->facts.config_digest = e->config_digest ? strdup(e->config_digest) : NULL;
	t->facts.labels = e->labels ? strdup(e->labels) : NULL;
	if ((e->digest && !t->facts.digest) ||
	    (e->config_digest && !t->facts.config_digest) ||
	    (e->labels && !t->facts.labels))
		c->nomem = 1;
}

/* Failed tags keep their previous facts; a repository whose every tag
 * failed fails as a whole (it keeps all its records). */
static void settle_failed_tags(struct cycle *c, struct repo_state *r)
{
	size_t i, live = 0;

	if (r->failed || !r->failed_tags)
		return;
	for (i = 0; i < r->tag_count; i++)
		live += !r->tags[i].dropped;
	if (r->failed_tags == live) {
		r->failed = 1;
		r->error = r->tag_error;
		r->tag_error = NULL;
		return;
	}
	for (i = 0; i < r->tag_count; i++)
		if (r->tags[i].failed)
			restore_previous(c, r, &r->tags[i]);
}

/* The scope's detail when some tags failed: "tag T not refreshed: why". */
static void failed_tags_detail(const struct repo_state *r, char *buf,
			       size_t buflen)
{
	size_t i;

	for (i = 0; i < r->tag_count && !r->tags[i].failed; i++)
		;
	if (r->failed_tags == 1)
		snprintf(buf, buflen, "tag %s not refreshed: %s", r->tags[i].tag,
			 r->tag_error ? r->tag_error : "");
	else
		snprintf(buf, buflen,
			 "%zu tags not refreshed; first, tag %s: %s",
			 r->failed_tags, r->tags[i].tag,
			 r->tag_error ? r->tag_error : "");
}

/* Emits a repository's records and its scope result. */
static int32_t finish_repo(struct cycle *c, struct repo_state *r)
{
	char detail[ERR_MAX + 128];
	int32_t rc = CDH_OK;
	size_t i;

	if (wants_config(c->acct))
		attach_configs(c, r);
	settle_failed_tags(c, r);
	if (r->failed)
		return c->api->scope_result(c->refresh, r->name, CDH_SCOPE_FAILED,
					    r->error ? r->error : "");
	for (i = 0; rc == CDH_OK && i < r->tag_count; i++) {
		if (r->tags[i].dropped)
			continue;
		/* Repositories finish in their listed order: the same ones
		 * stay cached from one cycle to the next. */
		if (c->records_left < RECORDS_PER_TAG) {
			if (!c->tags_over_account++)
				c->account_cap_at = r->name;
			continue;
		}
		c->records_left -= RECORDS_PER_TAG;
		rc = drg_records_emit_tag(c->api, c->refresh, c->acct, r->name,
					  r->tags[i].tag, &r->tags[i].facts);
	}
	if (rc != CDH_OK)
		return rc;
	/* OK with a detail: stored as emitted, reported as incomplete. */
	if (r->failed_tags)
		failed_tags_detail(r, detail, sizeof(detail));
	return c->api->scope_result(c->refresh, r->name, CDH_SCOPE_OK,
				    r->failed_tags ? detail : NULL);
}

/* A finished repository's config facts, for next cycle's memo. Only config
 * facts are ever reused (they seed image_configs.c): a digest alone would
 * cost ~250 bytes a tag. */
static void remember(struct cycle *c, const struct repo_state *r)
{
	char key[KEY_MAX];
	size_t i;

	for (i = 0; c->next_memo && !r->failed && i < r->tag_count; i++) {
		struct drg_memo_entry e = r->tags[i].facts;

		if (r->tags[i].dropped || !e.digest || !e.has_config)
			continue;
		snprintf(key, sizeof(key), "%s:%s", r->name, r->tags[i].tag);
		e.key = key;
		c->memo_failed |= drg_memo_put(c->next_memo, &e) != 0;
	}
}

/* Frees what a repository held for its records. */
static void release_repo(struct cycle *c, struct repo_state *r)
{
	size_t i;

	for (i = 0; i < r->tag_count; i++) {
		free(r->tags[i].tag);
		free(r->tags[i].facts.digest);
		free(r->tags[i].facts.config_digest);
		free(r->tags[i].facts.labels);
	}
	free(r->tags);
	free(r->error);
	free(r->tag_error);
	c->held_tags -= r->tag_count;
	r->tags = NULL;
	r->tag_count = 0;
	r->error = r->tag_error = NULL;
}

/*
 * Hands the host the records of every repository that is done, in the
 * listed order: the host gets the same records in the same order as if the
 * cycle had waited for all of them, and maxRecordsPerAccount keeps the
 * first repositories listed (the same ones from one cycle to the next),
 * whatever order their requests end in. Once the cycle is bound to fail
 * nothing more is emitted (the host discards the cycle anyway). Freeing
 * makes room for more tag lists: feed() then.
 */
static void emit_ready(struct cycle *c)
{
	size_t before = c->next_emit;
	int32_t rc;

	while (c->next_emit < c->repo_count && c->repos[c->next_emit].done) {
		struct repo_state *r = &c->repos[c->next_emit++];

		if (!cycle_doomed(c)) {
			rc = finish_repo(c, r);
			if (rc != CDH_OK)
				c->emit_rc = rc;
			remember(c, r);
		}
		release_repo(c, r);
	}
	if (c->next_emit != before)
		feed(c);
}

/* A repository's tag list and every tag's work are in. */
static void repo_done(struct repo_state *r)
{
	r->done = 1;
	emit_ready(r->cycle);
}

/* A tag's manifest (and config, when wanted) is in, or failed. */
static void tag_settled(struct tag_state *t)
{
	struct repo_state *r = t->repo;

	if (--r->unsettled == 0)
		repo_done(r);
}

struct carry {
	struct drg_memo *next;
	struct drg_map *failed_repos;
	int failed;
};

/* Keeps last cycle's facts for the tags of repositories that failed now. */
static void carry_failed(const struct drg_memo_entry *e, void *data)
{
	struct carry *k = data;
	const char *colon = strrchr(e->key, ':');
	char repo[KEY_MAX];

	if (!colon || (size_t)(colon - e->key) >= sizeof(repo))
		return;
	memcpy(repo, e->key, (size_t)(colon - e->key));
	repo[colon - e->key] = '\0';
	if (drg_map_get(k->failed_repos, repo) && drg_memo_put(k->next, e) != 0)
		k->failed = 1;
}

/* The next memo: the config facts of the repositories emitted, plus last
 * cycle's of those that failed; NULL when out of memory (the old memo
 * then stays). Taken from the cycle. */
static struct drg_memo *take_next_memo(struct cycle *c)
{
	struct carry k = { c->next_memo, NULL, c->memo_failed || !c->next_memo };
	size_t i;

	c->next_memo = NULL;
	for (i = 0; !k.failed && i < c->repo_count; i++) {
		const char *name = c->repos[i].name;

		if (!c->repos[i].failed)
			continue;
		if (!k.failed_repos && !(k.failed_repos = drg_map_new()))
			k.failed = 1;
		else if (drg_map_put(k.failed_repos, name, (void *)name, NULL) != 0)
			k.failed = 1;
	}
	if (!k.failed && k.failed_repos && c->previous)
		drg_memo_each(c->previous, carry_failed, &k);
	drg_map_free(k.failed_repos);
	if (k.failed) {
		drg_memo_free(k.next);
		return NULL;
	}
	return k.next;
}

static void release_cycle(struct cycle *c)
{
	size_t i;

	for (i = 0; c->repos && i < c->repo_count; i++)
		release_repo(c, &c->repos[i]);
	free(c->repos);
	drg_image_configs_free(c->configs);
	drg_memo_free(c->next_memo);
}

/* Docker Hub's RateLimit-Remaining, for /metrics, when the registry sent it;
 * the invalid names dropped, for /metrics and the cycle's summary line. */
static void report_gauges(const struct cycle *c)
{
	struct drg_rate_limit rl;

	if (CDH_HOST_HAS(c->api, gauge))
		c->api->gauge(c->refresh, "invalid_names_dropped",
			      (int64_t)c->invalid_names);
	drg_registry_rate_limit(c->reg, &rl);
	if (rl.remaining >= 0 && CDH_HOST_HAS(c->api, gauge))
		c->api->gauge(c->refresh, "registry_rate_limit_remaining",
			      rl.remaining);
}

/* Requests this cycle did without: a manifest HEAD per tag whose digest
 * the listing gave, and the config fetch of each digest whose config last
 * cycle (or the store) already knew (drg_image_configs_saved). */
static void report_saved(const struct cycle *c)
{
	int64_t saved = (int64_t)c->heads_saved +
			(int64_t)drg_image_configs_saved(c->configs);

	if (saved > 0 && CDH_HOST_HAS(c->api, gauge))
		c->api->gauge(c->refresh, "requests_saved", saved);
}

/* The records one agent may emit: the account's cap split evenly among
 * its cacheThreads agents, each of which caches its own repositories. */
static int64_t records_share(const struct drg_account *acct)
{
	int64_t share = acct->max_records_per_account /
			(int64_t)(acct->cache_threads ? acct->cache_threads : 1);

	return share < RECORDS_PER_TAG ? RECORDS_PER_TAG : share;
}

static int32_t run_cycle(struct cycle *c, const struct drg_strvec *repos,
			 char *err, size_t errlen)
{
	int32_t rc;
	size_t i;

	c->repos = calloc(repos->count ? repos->count : 1, sizeof(*c->repos));
	c->configs = drg_image_configs_new(c->reg, c->previous, on_config_ready, c);
	c->next_memo = drg_memo_new();
	if (!c->repos || !c->configs || !c->next_memo)
		return CDH_E_NOMEM;
	c->repo_count = repos->count;
	c->records_left = records_share(c->acct);
	for (i = 0; i < repos->count; i++) {
		c->repos[i].cycle = c;
		c->repos[i].name = repos->items[i];
	}
	c->window = 2 * (size_t)(c->acct->max_concurrent_requests
					 ? c->acct->max_concurrent_requests
					 : 16);
	report_progress(c);
	feed(c);
	if (c->nomem)
		return CDH_E_NOMEM;
	rc = drg_registry_run(c->reg, err, errlen);
	report_gauges(c);
	report_saved(c);
	if (rc == CDH_OK && c->nomem)
		rc = CDH_E_NOMEM;
	if (rc == CDH_OK && c->emit_rc != CDH_OK)
		rc = c->emit_rc;
	if (rc == CDH_OK && c->cancelled) {
		snprintf(err, errlen, "refresh cancelled");
		rc = CDH_E_CANCELLED;
	}
	if (rc == CDH_OK && c->rejected[0]) {
		/* Credentials wrong or not to be had fail every repository
		 * alike: one error for the agent, the whole cache kept, rather
		 * than a "partial" and a line per repository. */
		snprintf(err, errlen, "%s", c->rejected);
		return CDH_E_CREDENTIALS;
	}
	if (rc == CDH_OK && c->next_emit < c->repo_count) {
		/* Every operation ended, so every repository is done. */
		snprintf(err, errlen, "internal error: repository %s never done",
			 c->repos[c->next_emit].name);
		return CDH_E_FATAL;
	}
	if (c->tags_over_account)
		cdh_logf(c->api, CDH_LOG_WARN, c->acct->name,
			 "Account %s reached maxRecordsPerAccount (%lld, %lld "
			 "for each of its %u agents) at repository %s: %zu "
			 "tags not cached", c->acct->name,
			 (long long)c->acct->max_records_per_account,
			 (long long)records_share(c->acct),
			 c->acct->cache_threads, c->account_cap_at,
			 c->tags_over_account);
	return rc;
}

/*
 * A catalog account knows its total only once the catalog answered: until
 * then the terminal's line says what the refresh waits for, as verify's
 * waits do (ABI 1.1 progress, `refresh` NULL). A registry that never
 * answers was silent until clientTimeoutMillis (#20).
 */
static void catalog_wait(const struct cdh_host_api *api,
			 const struct drg_account *account, int waiting)
{
	char what[512];

	if (!CDH_HOST_HAS(api, progress) || account->repository_count ||
	    account->catalog_file)
		return;
	snprintf(what, sizeof(what), "%s: the catalog", account->address);
	api->progress(NULL, waiting ? what : NULL, 0, 0);
}

int32_t drg_agent_refresh(const struct cdh_host_api *api,
			  const struct drg_account *account,
			  struct drg_registry *reg, uint32_t index,
			  struct drg_memo **memo, struct cdh_refresh *refresh,
			  char *err, size_t errlen)
{
	struct cycle c = { .api = api, .acct = account, .reg = reg,
			   .refresh = refresh, .previous = *memo };
	struct drg_strvec repos = { 0 }, invalid = { 0 };
	struct drg_memo *next, *stored = NULL;
	int32_t rc;
	size_t i;

	catalog_wait(api, account, 1);
	rc = drg_repositories_owned(account, reg, index, &repos, &invalid, err,
				    errlen);
	catalog_wait(api, account, 0);
	for (i = 0; i < invalid.count; i++)
		drop_invalid(&c, invalid.items[i], NULL);
	drg_strvec_release(&invalid);
	/* A first cycle (a restart, run --once) starts from what was stored. */
	if (rc == CDH_OK && drg_memo_count(*memo) == 0 && wants_config(account) &&
	    (stored = drg_stored_memo(api, account, refresh, &repos)) != NULL)
		c.previous = stored;
	if (rc == CDH_OK)
		rc = run_cycle(&c, &repos, err, errlen);
	if (rc == CDH_OK) {
		next = take_next_memo(&c);
		if (next) {
			drg_memo_free(*memo);
			*memo = next;
		}
	}
	if (rc == CDH_E_NOMEM)
		snprintf(err, errlen, "out of memory");
	release_cycle(&c);
	drg_memo_free(stored);
	drg_strvec_release(&repos);
	return drg_error_for_host(api, rc);
}

/* Puts this cycle's facts into the agent's memo (the other repositories'
 * entries stay: a one-scope cycle learnt nothing about them). */
static int merge_memo(struct cycle *c, struct drg_memo *memo)
{
	struct drg_memo *next = take_next_memo(c);
	int rc = next ? drg_memo_merge(memo, next) : -1;

	drg_memo_free(next);
	return rc;
}

static int contains(const struct drg_strvec *vec, const char *s)
{
	size_t i;

	for (i = 0; i < vec->count; i++)
		if (strcmp(vec->items[i], s) == 0)
			return 1;
	return 0;
}

int32_t drg_agent_refresh_scope(const struct cdh_host_api *api,
				const struct drg_account *account,
				struct drg_registry *reg, uint32_t index,
				const char *repository, struct drg_memo **memo,
				struct cdh_refresh *refresh, char *err,
				size_t errlen)
{
	struct cycle c = { .api = api, .acct = account, .reg = reg,
			   .refresh = refresh, .previous = *memo };
	struct drg_strvec repos = { 0 }, one = { 0 }, invalid = { 0 };
	struct drg_memo *stored = NULL;
	int32_t rc;

	/* The account's rules (list, catalog, regex, skip, partition) decide;
	 * a name outside the grammar is never one of them. */
	rc = drg_repositories_owned(account, reg, index, &repos, &invalid, err,
				    errlen);
	drg_strvec_release(&invalid);
	if (rc == CDH_OK && !contains(&repos, repository)) {
		snprintf(err, errlen, "repository %s is not cached by agent %u",
			 repository, index + 1);
		rc = CDH_E_CONFIG;
	}
	if (rc == CDH_OK && drg_strvec_push(&one, repository) != 0)
		rc = CDH_E_NOMEM;
	if (rc == CDH_OK && drg_memo_count(*memo) == 0 && wants_config(account) &&
	    (stored = drg_stored_memo(api, account, refresh, &one)) != NULL)
		c.previous = stored;
	if (rc == CDH_OK)
		rc = run_cycle(&c, &one, err, errlen);
	if (rc == CDH_OK && merge_memo(&c, *memo) != 0)
		rc = CDH_E_NOMEM;
	if (rc == CDH_E_NOMEM)
		snprintf(err, errlen, "out of memory");
	release_cycle(&c);
	drg_memo_free(stored);
	drg_strvec_release(&one);
	drg_strvec_release(&repos);
	return drg_error_for_host(api, rc);
}
