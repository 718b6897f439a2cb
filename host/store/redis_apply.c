/*
 * redis_apply - the Redis store's write path (layout in store_redis.c):
 * read what the agent held (its scopes and their ids) and the stored hashes,
 * then per scope one MULTI/EXEC with only what changed, then the agent's
 * _ALL_ lists. A steady-state cycle sends reads only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/redis_apply.h"
#include "store/sha1_utf16.h"

int cdh__redis_str_order(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int rec_order(const void *pa, const void *pb)
{
	const struct cdh__redis_rec *a = *(struct cdh__redis_rec *const *)pa, *b = *(struct cdh__redis_rec *const *)pb;
	int c = strcmp(a->scope, b->scope);

	if (!c)
		c = strcmp(a->tid, b->tid);
	return c ? c : (a->order > b->order) - (a->order < b->order);
}

size_t cdh__redis_type_len(const char *tid)
{
	return strcspn(tid, ":");
}

static int contains(const char **sorted, size_t n, const char *s)
{
	return n && bsearch(&s, sorted, n, sizeof(*sorted), cdh__redis_str_order) != NULL;
}

static struct cdh__redis_scope *find_scope(struct cdh__redis_apply *a, const char *name)
{
	size_t lo = 0, hi = a->scope_count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(a->scopes[mid].name, name);

		if (c == 0)
			return &a->scopes[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* ---- key names ---- */

/* P:T:<what> for the type of `tid` ("T:ID") or of `type`. */
void cdh__redis_key_of(struct cdh__redis_apply *a, const char *type, size_t tlen,
		   const char *what)
{
	cdh__redis_cmd_join(&a->cmd, 2, a->p, ":");
	cdh__redis_cmd_append(&a->cmd, type, tlen);
	cdh__redis_cmd_append(&a->cmd, what, strlen(what));
}

/* P:T:attributes:ID from "T:ID". */
static void attributes_key(struct cdh__redis_apply *a, const char *tid)
{
	size_t tlen = cdh__redis_type_len(tid);

	cdh__redis_key_of(a, tid, tlen, ":attributes:");
	cdh__redis_cmd_append(&a->cmd, tid + tlen + 1, strlen(tid + tlen + 1));
}

/* "ID\0P", the index member of "T:ID". */
static void index_member(struct cdh__redis_apply *a, const char *tid)
{
	const char *id = tid + cdh__redis_type_len(tid) + 1;

	cdh__redis_cmd_arg(&a->cmd, id, strlen(id) + 1);
	cdh__redis_cmd_append(&a->cmd, a->p, strlen(a->p));
}

void cdh__redis_scope_key(struct cdh__redis_cmd *cmd, const char *provider,
			  const char *agent, const char *scope)
{
	char len[24];

	/* The agent's length keeps (agent "a:b", scope "c") apart from
	 * (agent "a", scope "b:c"). */
	snprintf(len, sizeof(len), "%zu", strlen(agent));
	cdh__redis_cmd_join(cmd, 8, "cdhost:", provider, ":scope:", len, ":",
			    agent, ":", scope);
}

void cdh__redis_observed_key(struct cdh__redis_cmd *cmd, const char *provider,
			     const char *agent)
{
	cdh__redis_cmd_join(cmd, 4, "cdhost:", provider, ":observed:", agent);
}

static void scopes_key(struct cdh__redis_apply *a)
{
	cdh__redis_cmd_join(&a->cmd, 4, "cdhost:", a->p, ":scopes:", a->agent);
}

/* ---- batched commands: VERB [KEY] item item ... ---- */

struct batch {
	struct cdh__redis_apply *a;
	void (*head)(struct cdh__redis_apply *a, const void *ctx);
	const void *ctx;
	size_t n, max;
};

static void batch_item(struct batch *b)
{
	if (b->n == 0)
		b->head(b->a, b->ctx);
}

static void batch_close(struct batch *b)
{
	if (b->n)
		cdh__redis_pipe_send(&b->a->pipe, &b->a->cmd);
	b->n = 0;
}

static void batch_added(struct batch *b)
{
	if (++b->n == b->max)
		batch_close(b);
}

/* ---- reading what the agent held ---- */

/*
 * Keeps one record of a scope this cycle writes, copied: the refresh gives
 * them back one at a time. One allocation: "T:ID", then type, id and
 * attributes; the scope is the name of its entry in a->scopes.
 */
static int gather_record(const struct cdh_spooled_record *in, void *data)
{
	struct cdh__redis_apply *a = data;
	struct cdh__redis_scope *s = find_scope(a, in->scope);
	struct cdh__redis_rec *rec = &a->recs[a->rec_count];
	size_t tlen = strlen(in->type) + 1, ilen = strlen(in->id) + 1;
	size_t alen = strlen(in->attributes) + 1;
	char *p;

	/* A failed scope keeps its old records, whatever it emitted. */
	if (!s || s->result != CDH_SCOPE_OK)
		return 0;
	if (!(rec->tid = malloc(tlen + ilen + tlen + ilen + alen)))
		return 1;
	snprintf(rec->tid, tlen + ilen, "%s:%s", in->type, in->id);
	p = rec->tid + tlen + ilen;
	rec->type = memcpy(p, in->type, tlen);
	rec->id = memcpy(p + tlen, in->id, ilen);
	rec->attributes = memcpy(p + tlen + ilen, in->attributes, alen);
	rec->scope = s->name;
	rec->order = a->rec_count;
	a->by_scope[a->rec_count++] = rec;
	return 0;
}

/* 0, -1 out of memory, -2 the records could not be read back (err). */
static int gather_records(struct cdh__redis_apply *a, char *err, size_t errlen)
{
	const struct cdh_refresh *r = a->refresh;
	int rc;

	a->recs = calloc(r->records.count + 1, sizeof(*a->recs));
	a->by_scope = calloc(r->records.count + 1, sizeof(*a->by_scope));
	if (!a->recs || !a->by_scope)
		return -1;
	rc = cdh_record_spool_each(&r->records, gather_record, a, err, errlen);
	if (rc != 0)
		return rc > 0 ? -1 : -2;
	qsort(a->by_scope, a->rec_count, sizeof(*a->by_scope), rec_order);
	return 0;
}

/* Gives each scope its records, the last of duplicates only. */
static void assign_records(struct cdh__redis_apply *a)
{
	size_t i = 0, n;

	while (i < a->rec_count) {
		struct cdh__redis_scope *s = find_scope(a, a->by_scope[i]->scope);

		s->recs = &a->by_scope[i];
		for (n = 0; i < a->rec_count &&
			    strcmp(a->by_scope[i]->scope, s->name) == 0; i++) {
			if (n && strcmp(s->recs[n - 1]->tid, a->by_scope[i]->tid) == 0)
				n--;
			s->recs[n++] = a->by_scope[i];
		}
		s->rec_count = n;
	}
}

static int scope_state_order(const void *pa, const void *pb)
{
	const struct cdh__redis_scope *x = pa, *y = pb;

	return strcmp(x->name, y->name);
}

/* The cycle's scopes and the agent's old ones, sorted, without repeats. */
static int list_scopes(struct cdh__redis_apply *a)
{
	const struct cdh_refresh *r = a->refresh;
	redisReply *old = a->old_scopes;
	size_t n = r->scope_count + old->elements, i, out = 0;

	a->scopes = calloc(n + 1, sizeof(*a->scopes));
	if (!a->scopes)
		return -1;
	/* calloc'd: prev and recs start empty. */
	for (i = 0; i < r->scope_count; i++, out++) {
		a->scopes[out].name = r->scopes[i].scope;
		a->scopes[out].result = r->scopes[i].result;
	}
	for (i = 0; i < old->elements; i++, out++) {
		a->scopes[out].name = old->element[i]->str;
		a->scopes[out].result = CDH__REDIS_UNMENTIONED;
		a->scopes[out].known = 1;
	}
	qsort(a->scopes, out, sizeof(*a->scopes), scope_state_order);
	for (i = 0, n = 0; i < out; i++) {
		struct cdh__redis_scope *last = n ? &a->scopes[n - 1] : NULL;

		if (!last || strcmp(last->name, a->scopes[i].name) != 0) {
			a->scopes[n++] = a->scopes[i];
			continue;
		}
		/* A mentioned scope beats the old list; FAILED beats OK. */
		last->known |= a->scopes[i].known;
		if (a->scopes[i].result != CDH__REDIS_UNMENTIONED &&
		    (last->result == CDH__REDIS_UNMENTIONED || a->scopes[i].result == CDH_SCOPE_FAILED))
			last->result = a->scopes[i].result;
	}
	a->scope_count = n;
	/* A refresh of some scopes only (refresh_scope) leaves the agent's other
	 * scopes as they are: kept, as a failed scope is. */
	for (i = 0; r->partial && i < n; i++)
		if (a->scopes[i].result == CDH__REDIS_UNMENTIONED)
			a->scopes[i].result = CDH_SCOPE_FAILED;
	return 0;
}

static int take_prev(struct cdh__redis_scope *s, redisReply *r)
{
	size_t i;

	s->prev = r;
	if (r->type != REDIS_REPLY_ARRAY)
		return -1;
	s->prev_ids = malloc((r->elements + 1) * sizeof(*s->prev_ids));
	if (!s->prev_ids)
		return -1;
	for (i = 0; i < r->elements; i++)
		s->prev_ids[i] = r->element[i]->str;
	s->prev_count = r->elements;
	qsort(s->prev_ids, s->prev_count, sizeof(*s->prev_ids), cdh__redis_str_order);
	return 0;
}

/* SMEMBERS of every known scope's set, pipelined by CDH_REDIS_BATCH. */
static int load_prev(struct cdh__redis_apply *a)
{
	size_t i = 0, start, k;

	while (i < a->scope_count && !a->pipe.failed) {
		for (start = i; i < a->scope_count && i - start < CDH_REDIS_BATCH; i++) {
			cdh__redis_cmd_str(&a->cmd, "SMEMBERS");
			cdh__redis_scope_key(&a->cmd, a->p, a->agent, a->scopes[i].name);
			cdh__redis_pipe_append(&a->pipe, &a->cmd);
		}
		for (k = start; k < i; k++) {
			redisReply *r = cdh__redis_pipe_next(&a->pipe);

			if (!r)
				return -1;
			if (take_prev(&a->scopes[k], r) != 0)
				return a->nomem = 1, -1;
		}
	}
	return a->pipe.failed ? -1 : 0;
}

static int load_state(struct cdh__redis_apply *a)
{
	int rc;

	cdh__redis_cmd_str(&a->cmd, "SMEMBERS");
	scopes_key(a);
	a->old_scopes = cdh__redis_pipe_call(&a->pipe, &a->cmd);
	if (!a->old_scopes || a->old_scopes->type != REDIS_REPLY_ARRAY)
		return -1;
	if (list_scopes(a) != 0)
		return a->nomem = 1, -1;
	rc = gather_records(a, a->records_error, sizeof(a->records_error));
	if (rc != 0)
		return a->nomem = rc == -1, -1;
	assign_records(a);
	return load_prev(a);
}

/* Every tid this cycle writes, sorted: ids that moved between scopes stay. */
static int note_written(struct cdh__redis_apply *a)
{
	size_t i;

	a->written = malloc((a->rec_count + 1) * sizeof(*a->written));
	if (!a->written)
		return a->nomem = 1, -1;
	for (i = 0; i < a->rec_count; i++)
		a->written[i] = a->by_scope[i]->tid;
	qsort(a->written, a->rec_count, sizeof(*a->written), cdh__redis_str_order);
	return 0;
}

/* ---- hashes ---- */

void cdh__redis_hashes_head(struct cdh__redis_apply *a, const void *ctx)
{
	const char *tid = ctx;

	cdh__redis_cmd_str(&a->cmd, "HMGET");
	cdh__redis_key_of(a, tid, cdh__redis_type_len(tid), ":hashes");
}

int cdh__redis_same_type(const char *x, const char *y)
{
	size_t n = cdh__redis_type_len(x);

	return n == cdh__redis_type_len(y) && strncmp(x, y, n) == 0;
}

/* Marks which of recs[0..n) (one type) changed, by one HMGET reply. */
static int compare_hashes(struct cdh__redis_apply *a, struct cdh__redis_rec **recs, size_t n)
{
	redisReply *r = cdh__redis_pipe_next(&a->pipe);
	size_t i;

	if (!r)
		return -1;
	for (i = 0; i < n; i++) {
		const redisReply *h = r->type == REDIS_REPLY_ARRAY && i < r->elements
					      ? r->element[i] : NULL;

		recs[i]->changed = !h || h->type != REDIS_REPLY_STRING ||
				   strcmp(h->str, recs[i]->hash) != 0;
	}
	freeReplyObject(r);
	return 0;
}

/* Hashes the scope's records; notes which are new to the scope. */
static int hash_scope(struct cdh__redis_apply *a, struct cdh__redis_scope *s)
{
	size_t i;

	for (i = 0; i < s->rec_count; i++) {
		struct cdh__redis_rec *rec = s->recs[i];

		if (cdh_sha1_utf16_hex(rec->attributes, strlen(rec->attributes),
				       rec->hash) != 0)
			return a->nomem = 1, -1;
		rec->fresh = !contains(s->prev_ids, s->prev_count, rec->tid);
	}
	return 0;
}

/* HMGETs sent and not yet compared: one per run of one type's records. */
struct hash_window {
	struct cdh__redis_rec **recs[CDH_REDIS_BATCH];
	size_t counts[CDH_REDIS_BATCH];
	size_t sent;
};

static int window_compare(struct cdh__redis_apply *a, struct hash_window *w)
{
	size_t k;

	for (k = 0; k < w->sent; k++)
		if (compare_hashes(a, w->recs[k], w->counts[k]) != 0)
			return -1;
	w->sent = 0;
	return 0;
}

/* Sends the HMGETs of one scope's records, comparing every full window. */
static int window_scope(struct cdh__redis_apply *a, struct hash_window *w,
			struct cdh__redis_scope *s)
{
	size_t i = 0, start, n;

	while (i < s->rec_count) {
		struct batch b = { a, cdh__redis_hashes_head, s->recs[i]->tid, 0, 0 };

		batch_item(&b);
		for (start = i, n = 0; i < s->rec_count && n < CDH_REDIS_BATCH &&
				       cdh__redis_same_type(s->recs[start]->tid,
							    s->recs[i]->tid);
		     i++, n++)
			attributes_key(a, s->recs[i]->tid);
		if (cdh__redis_pipe_append(&a->pipe, &a->cmd) != 0)
			return -1;
		w->recs[w->sent] = &s->recs[start];
		w->counts[w->sent++] = n;
		if (w->sent == CDH_REDIS_BATCH && window_compare(a, w) != 0)
			return -1;
	}
	return 0;
}

/*
 * Compares every OK scope's records with the stored hashes, the HMGETs of
 * all scopes pipelined together: a steady cycle costs a few round trips,
 * not one per repository.
 */
static int check_hashes(struct cdh__redis_apply *a)
{
	struct hash_window *w = calloc(1, sizeof(*w));
	size_t i;
	int rc = 0;

	if (!w)
		return a->nomem = 1, -1;
	for (i = 0; rc == 0 && i < a->scope_count; i++)
		if (a->scopes[i].result == CDH_SCOPE_OK)
			rc = hash_scope(a, &a->scopes[i]) ||
			     window_scope(a, w, &a->scopes[i]) ? -1 : 0;
	if (rc == 0)
		rc = window_compare(a, w);
	free(w);
	return rc || a->pipe.failed ? -1 : 0;
}

/* ---- one scope's transaction ---- */

static void mset_head(struct cdh__redis_apply *a, const void *ctx)
{
	(void)ctx;
	cdh__redis_cmd_str(&a->cmd, "MSET");
}

void cdh__redis_members_add_head(struct cdh__redis_apply *a, const void *ctx)
{
	cdh__redis_cmd_str(&a->cmd, "SADD");
	cdh__redis_key_of(a, ctx, cdh__redis_type_len(ctx), ":members");
}

static void members_rem_head(struct cdh__redis_apply *a, const void *ctx)
{
	cdh__redis_cmd_str(&a->cmd, "SREM");
	cdh__redis_key_of(a, ctx, cdh__redis_type_len(ctx), ":members");
}

void cdh__redis_hset_head(struct cdh__redis_apply *a, const void *ctx)
{
	cdh__redis_cmd_str(&a->cmd, "HSET");
	cdh__redis_key_of(a, ctx, cdh__redis_type_len(ctx), ":hashes");
}

static void hdel_head(struct cdh__redis_apply *a, const void *ctx)
{
	cdh__redis_cmd_str(&a->cmd, "HDEL");
	cdh__redis_key_of(a, ctx, cdh__redis_type_len(ctx), ":hashes");
}

static void index_head(struct cdh__redis_apply *a, const char *verb, const char *tid)
{
	cdh__redis_cmd_str(&a->cmd, verb);
	cdh__redis_cmd_str(&a->cmd, CDH_REDIS_INDEX);
	cdh__redis_cmd_append(&a->cmd, tid, cdh__redis_type_len(tid));
}

static void zadd_head(struct cdh__redis_apply *a, const void *ctx)
{
	index_head(a, "ZADD", ctx);
}

static void zrem_head(struct cdh__redis_apply *a, const void *ctx)
{
	index_head(a, "ZREM", ctx);
}

static void del_head(struct cdh__redis_apply *a, const void *ctx)
{
	(void)ctx;
	cdh__redis_cmd_str(&a->cmd, "DEL");
}

struct scope_ctx {
	struct cdh__redis_apply *a;
	const struct cdh__redis_scope *s;
};

static void scope_head(struct cdh__redis_apply *a, const void *ctx)
{
	const struct scope_ctx *c = ctx;

	cdh__redis_cmd_str(&a->cmd, c->s->result == CDH__REDIS_UNMENTIONED ? "DEL" : "SADD");
	cdh__redis_scope_key(&a->cmd, a->p, a->agent, c->s->name);
}

static void scope_rem_head(struct cdh__redis_apply *a, const void *ctx)
{
	const struct scope_ctx *c = ctx;

	cdh__redis_cmd_str(&a->cmd, "SREM");
	cdh__redis_scope_key(&a->cmd, a->p, a->agent, c->s->name);
}

/* Writes what changed of recs[0..n), all of one type: attributes first. */
static void write_group(struct cdh__redis_apply *a, struct cdh__redis_rec **recs, size_t n)
{
	struct batch mset = { a, mset_head, NULL, 0, CDH_REDIS_BATCH / 2 };
	struct batch hset = { a, cdh__redis_hset_head, recs[0]->tid, 0, CDH_REDIS_BATCH };
	struct batch sadd = { a, cdh__redis_members_add_head, recs[0]->tid, 0, CDH_REDIS_BATCH };
	struct batch zadd = { a, zadd_head, recs[0]->tid, 0, CDH_REDIS_BATCH };
	size_t i;

	for (i = 0; i < n; i++)
		if (recs[i]->changed) {
			batch_item(&mset);
			attributes_key(a, recs[i]->tid);
			cdh__redis_cmd_str(&a->cmd, recs[i]->attributes);
			batch_added(&mset);
		}
	batch_close(&mset);
	for (i = 0; i < n; i++)
		if (recs[i]->changed) {
			batch_item(&hset);
			attributes_key(a, recs[i]->tid);
			cdh__redis_cmd_str(&a->cmd, recs[i]->hash);
			batch_added(&hset);
		}
	batch_close(&hset);
	for (i = 0; i < n; i++)
		if (recs[i]->changed || recs[i]->fresh) {
			batch_item(&sadd);
			cdh__redis_cmd_str(&a->cmd, recs[i]->id);
			batch_added(&sadd);
		}
	batch_close(&sadd);
	for (i = 0; i < n; i++)
		if (recs[i]->changed || recs[i]->fresh) {
			batch_item(&zadd);
			cdh__redis_cmd_str(&a->cmd, "0");
			index_member(a, recs[i]->tid);
			batch_added(&zadd);
		}
	batch_close(&zadd);
}

/* Evicts tids[0..n), all of one type: SREM first, then DEL + HDEL. */
static void evict_group(struct cdh__redis_apply *a, const char **tids, size_t n)
{
	struct batch srem = { a, members_rem_head, tids[0], 0, CDH_REDIS_BATCH };
	struct batch zrem = { a, zrem_head, tids[0], 0, CDH_REDIS_BATCH };
	struct batch del = { a, del_head, NULL, 0, CDH_REDIS_BATCH };
	struct batch hdel = { a, hdel_head, tids[0], 0, CDH_REDIS_BATCH };
	size_t i;

	for (i = 0; i < n; i++) {
		batch_item(&srem);
		cdh__redis_cmd_str(&a->cmd, tids[i] + cdh__redis_type_len(tids[i]) + 1);
		batch_added(&srem);
	}
	batch_close(&srem);
	for (i = 0; i < n; i++) {
		batch_item(&zrem);
		index_member(a, tids[i]);
		batch_added(&zrem);
	}
	batch_close(&zrem);
	for (i = 0; i < n; i++) {
		batch_item(&del);
		attributes_key(a, tids[i]);
		batch_added(&del);
	}
	batch_close(&del);
	for (i = 0; i < n; i++) {
		batch_item(&hdel);
		attributes_key(a, tids[i]);
		batch_added(&hdel);
	}
	batch_close(&hdel);
}

/* The scope's set: SADD its fresh tids, SREM the stale ones. */
static void update_scope_set(struct cdh__redis_apply *a, const struct cdh__redis_scope *s,
			     const char **stale, size_t stale_count)
{
	struct scope_ctx ctx = { a, s };
	struct batch add = { a, scope_head, &ctx, 0, CDH_REDIS_BATCH };
	struct batch rem = { a, scope_rem_head, &ctx, 0, CDH_REDIS_BATCH };
	size_t i;

	if (!s->known && s->rec_count) {
		cdh__redis_cmd_str(&a->cmd, "SADD");
		scopes_key(a);
		cdh__redis_cmd_str(&a->cmd, s->name);
		cdh__redis_pipe_send(&a->pipe, &a->cmd);
	}
	for (i = 0; i < s->rec_count; i++)
		if (s->recs[i]->fresh) {
			batch_item(&add);
			cdh__redis_cmd_str(&a->cmd, s->recs[i]->tid);
			batch_added(&add);
		}
	batch_close(&add);
	for (i = 0; i < stale_count; i++) {
		batch_item(&rem);
		cdh__redis_cmd_str(&a->cmd, stale[i]);
		batch_added(&rem);
	}
	batch_close(&rem);
}

/* Whether the scope writes `tid` this cycle (its recs are sorted by tid). */
static int in_scope(const struct cdh__redis_scope *s, const char *tid)
{
	size_t lo = 0, hi = s->rec_count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->recs[mid]->tid, tid);

		if (c == 0)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/*
 * The scope's old ids it does not write now (stale: they leave its set),
 * and of those the ones no scope of the agent writes (evicted: their data
 * goes). An id that moved to another scope is stale here, not evicted.
 */
static void evictions(struct cdh__redis_apply *a, const struct cdh__redis_scope *s,
		      const char **stale, size_t *stale_count,
		      const char **evicted, size_t *evicted_count)
{
	size_t i;

	*stale_count = *evicted_count = 0;
	for (i = 0; i < s->prev_count; i++) {
		if (in_scope(s, s->prev_ids[i]))
			continue;
		stale[(*stale_count)++] = s->prev_ids[i];
		if (!contains(a->written, a->rec_count, s->prev_ids[i]))
			evicted[(*evicted_count)++] = s->prev_ids[i];
	}
}

static int needs_writing(const struct cdh__redis_scope *s, size_t stale)
{
	size_t i;

	if (stale || (s->result == CDH__REDIS_UNMENTIONED && s->known))
		return 1;
	for (i = 0; i < s->rec_count; i++)
		if (s->recs[i]->changed || s->recs[i]->fresh)
			return 1;
	return 0;
}

void cdh__redis_send_simple(struct cdh__redis_apply *a, const char *verb)
{
	cdh__redis_cmd_str(&a->cmd, verb);
	cdh__redis_pipe_send(&a->pipe, &a->cmd);
}

/* Runs over groups of one type in a tid-sorted array. */
#define FOR_TYPE_GROUPS(arr, n, tid_of, body)                                  \
	do {                                                                   \
		size_t g_, e_;                                                 \
		for (g_ = 0; g_ < (n); g_ = e_) {                              \
			for (e_ = g_ + 1; e_ < (n) &&                          \
					  cdh__redis_same_type(tid_of((arr)[g_]),         \
						    tid_of((arr)[e_]));        \
			     e_++)                                             \
				;                                              \
			body(a, &(arr)[g_], e_ - g_);                          \
		}                                                              \
	} while (0)

#define REC_TID(r) ((r)->tid)
#define STR_TID(t) (t)

/* ---- noting changes (events, DESIGN 9.4) ---- */

/*
 * Run first in a scope's MULTI: for each record (KEYS: its type's hashes
 * key, its attributes key; ARGV: its new hash), whether the stored hash
 * still differs, with the stored attributes ("" when none). Inside the
 * transaction, so of several nodes writing the same change only the first
 * sees it differ: that node alone reports it.
 */
static const char claim_script[] =
	"local out = {} "
	"for i = 1, #ARGV do "
	"if redis.call('HGET', KEYS[2*i-1], KEYS[2*i]) ~= ARGV[i] then "
	"out[#out+1] = i "
	"out[#out+1] = redis.call('GET', KEYS[2*i]) or '' "
	"end end "
	"return out";

/* Queues the claim of the scope's changed records into `claimed`; count. */
static size_t send_claim(struct cdh__redis_apply *a, const struct cdh__redis_scope *s,
			 struct cdh__redis_rec **claimed)
{
	char numkeys[24];
	size_t i, n = 0;

	for (i = 0; i < s->rec_count; i++)
		if (s->recs[i]->changed)
			claimed[n++] = s->recs[i];
	if (!n)
		return 0;
	snprintf(numkeys, sizeof(numkeys), "%zu", 2 * n);
	cdh__redis_cmd_str(&a->cmd, "EVAL");
	cdh__redis_cmd_str(&a->cmd, claim_script);
	cdh__redis_cmd_str(&a->cmd, numkeys);
	for (i = 0; i < n; i++) {
		cdh__redis_key_of(a, claimed[i]->tid,
				  cdh__redis_type_len(claimed[i]->tid), ":hashes");
		attributes_key(a, claimed[i]->tid);
	}
	for (i = 0; i < n; i++)
		cdh__redis_cmd_str(&a->cmd, claimed[i]->hash);
	cdh__redis_pipe_send(&a->pipe, &a->cmd);
	return n;
}

/* EXEC, noting what the claim (the first queued command) found changed;
 * a->raced when a WATCH made it run nothing. */
static int exec_claimed(struct cdh__redis_apply *a, struct cdh__redis_rec **claimed,
			size_t n)
{
	struct cdh_store_changes *changes = a->refresh->changes;
	redisReply *r, *list;
	size_t i;

	cdh__redis_cmd_str(&a->cmd, "EXEC");
	r = cdh__redis_pipe_call(&a->pipe, &a->cmd);
	if (!r)
		return -1;
	/* Not run: the observation hash changed since WATCH. */
	if (r->type == REDIS_REPLY_NIL)
		a->raced = 1;
	for (i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++)
		if (r->element[i]->type == REDIS_REPLY_ERROR && !a->pipe.failed) {
			a->pipe.failed = -1;
			snprintf(a->pipe.err, sizeof(a->pipe.err), "%s",
				 r->element[i]->str);
		}
	list = r->type == REDIS_REPLY_ARRAY && r->elements ? r->element[0] : NULL;
	for (i = 0; !a->pipe.failed && list && list->type == REDIS_REPLY_ARRAY &&
		    i + 1 < list->elements; i += 2) {
		const redisReply *at = list->element[i], *old = list->element[i + 1];
		const struct cdh__redis_rec *rec;

		if (at->type != REDIS_REPLY_INTEGER || at->integer < 1 ||
		    (size_t)at->integer > n || old->type != REDIS_REPLY_STRING)
			continue;
		rec = claimed[at->integer - 1];
		cdh_store_changes_add(changes, rec->type, rec->id,
				      old->len ? old->str : NULL, rec->attributes);
	}
	freeReplyObject(r);
	return a->pipe.failed ? -1 : 0;
}

/* ---- the newest observation, checked in each scope's transaction ---- */

void (*cdh__redis_between_hook)(void);
void (*cdh__redis_watch_hook)(void);

/* Runs a test's hook once (it is cleared first). */
static void run_hook(void (**hook)(void))
{
	void (*fn)(void) = *hook;

	*hook = NULL;
	if (fn)
		fn();
}

static int observation_order(const void *pa, const void *pb)
{
	const struct cdh__observation *x = pa, *y = pb;

	return strcmp(x->scope, y->scope);
}

/*
 * The time past which another writer's data of scope s is newer than what
 * this apply would write there (0: no check), and s's observation (*o, or
 * NULL). A scope a full refresh does not mention is deleted only if no push
 * stored it after the refresh began (store.c keeps the others).
 */
static uint64_t guard_limit(const struct cdh__redis_apply *a,
			    const struct cdh__redis_scope *s,
			    const struct cdh__observation **o)
{
	struct cdh__observation key = { s->name, 0, 0, 0 };

	*o = a->obs_count ? bsearch(&key, a->obs, a->obs_count, sizeof(key),
				    observation_order)
			  : NULL;
	if (*o && s->result == CDH_SCOPE_OK)
		return (*o)->ns;
	*o = NULL;
	if (s->result == CDH__REDIS_UNMENTIONED && !a->refresh->partial)
		return a->refresh->began_ns;
	return 0;
}

/*
 * Sent after WATCH on the agent's observation hash (KEYS[1]), before the
 * scope's MULTI: when the scope's kept time (ARGV[1]'s) is past ARGV[2]
 * (what this apply would write there was read earlier), it rewrites that
 * time unchanged, which touches the watched hash: the EXEC that follows
 * runs nothing, as it does when another node writes the hash meanwhile.
 * No round trip of its own: a guarded scope costs one, its EXEC's. Times
 * are compared as decimal strings (19 digits until 2286): Lua's numbers
 * are doubles, too coarse for nanoseconds.
 */
static const char guard_script[] =
	"local v = redis.call('HGET', KEYS[1], ARGV[1]) "
	"if v and (#v > #ARGV[2] or (#v == #ARGV[2] and v > ARGV[2])) then "
	"redis.call('HSET', KEYS[1], ARGV[1], v) return 1 end "
	"return 0";

/*
 * Raises the scope's kept time (KEYS[1], ARGV[1]) to ARGV[2], never lowers
 * it; a scope without one gets it only when ARGV[3] is "1" (a partial
 * refresh): cdh__observation_recorded, on the time as it is now.
 */
static const char raise_script[] =
	"local v = redis.call('HGET', KEYS[1], ARGV[1]) "
	"if (not v and ARGV[3] == '1') or (v and (#v < #ARGV[2] or "
	"(#v == #ARGV[2] and v < ARGV[2]))) then "
	"redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end "
	"return 0";

/* EVAL of one of the scripts above on the scope's time, with `ns`. */
static void send_time_script(struct cdh__redis_apply *a, const char *script,
			     const char *scope, uint64_t ns)
{
	char num[24];

	snprintf(num, sizeof(num), "%llu", (unsigned long long)ns);
	cdh__redis_cmd_str(&a->cmd, "EVAL");
	cdh__redis_cmd_str(&a->cmd, script);
	cdh__redis_cmd_str(&a->cmd, "1");
	cdh__redis_observed_key(&a->cmd, a->p, a->agent);
	cdh__redis_cmd_str(&a->cmd, scope);
	cdh__redis_cmd_str(&a->cmd, num);
	if (script == raise_script)
		cdh__redis_cmd_str(&a->cmd, a->refresh->partial ? "1" : "0");
	cdh__redis_pipe_send(&a->pipe, &a->cmd);
}

/* WATCHes the agent's observation hash and sends the scope's guard. */
static void send_guard(struct cdh__redis_apply *a, const char *scope,
		       uint64_t limit)
{
	cdh__redis_cmd_str(&a->cmd, "WATCH");
	cdh__redis_observed_key(&a->cmd, a->p, a->agent);
	cdh__redis_pipe_send(&a->pipe, &a->cmd);
	send_time_script(a, guard_script, scope, limit);
	if (cdh__redis_watch_hook) {
		cdh__redis_pipe_flush(&a->pipe); /* the guard has run */
		run_hook(&cdh__redis_watch_hook);
	}
}

/* What one scope's write needs. */
struct scope_write {
	struct cdh__redis_scope *s;
	const char **stale, **evicted;
	size_t stale_count, evicted_count;
	struct cdh__redis_rec **claimed; /* NULL: changes are not noted */
	const struct cdh__observation *o; /* the scope's, or NULL */
	uint64_t limit;  /* guard_limit, 0: none */
};

/* The scope's MULTI ... EXEC. */
static void send_transaction(struct cdh__redis_apply *a, struct scope_write *w)
{
	struct cdh__redis_scope *s = w->s;
	size_t claims = 0;

	cdh__redis_send_simple(a, "MULTI");
	if (w->claimed)
		claims = send_claim(a, s, w->claimed);
	FOR_TYPE_GROUPS(s->recs, s->rec_count, REC_TID, write_group);
	FOR_TYPE_GROUPS(w->evicted, w->evicted_count, STR_TID, evict_group);
	if (s->result == CDH__REDIS_UNMENTIONED) {
		struct scope_ctx ctx = { a, s };

		scope_head(a, &ctx); /* DEL the scope's set */
		cdh__redis_pipe_send(&a->pipe, &a->cmd);
		cdh__redis_cmd_str(&a->cmd, "SREM");
		scopes_key(a);
		cdh__redis_cmd_str(&a->cmd, s->name);
		cdh__redis_pipe_send(&a->pipe, &a->cmd);
	} else {
		update_scope_set(a, s, w->stale, w->stale_count);
	}
	if (w->o)
		send_time_script(a, raise_script, s->name, w->o->ns);
	/* Replies are checked by the batch: each scope is still whole. A
	 * watched EXEC is read now: it may have run nothing. */
	if (claims || w->limit)
		exec_claimed(a, w->claimed, claims);
	else
		cdh__redis_send_simple(a, "EXEC");
}

/* One scope's changes in one MULTI/EXEC (nothing sent when none), its
 * kept time checked first when it has one. Its hashes were compared
 * already (check_hashes). */
static int write_scope(struct cdh__redis_apply *a, struct cdh__redis_scope *s)
{
	struct scope_write w = { s, NULL, NULL, 0, 0, NULL, NULL, 0 };

	w.stale = malloc((2 * s->prev_count + 1) * sizeof(*w.stale));
	if (!w.stale || (a->refresh->changes &&
			 !(w.claimed = malloc((s->rec_count + 1) * sizeof(*w.claimed))))) {
		free(w.stale);
		return a->nomem = 1, -1;
	}
	w.evicted = w.stale + s->prev_count;
	evictions(a, s, w.stale, &w.stale_count, w.evicted, &w.evicted_count);
	w.limit = guard_limit(a, s, &w.o);
	if (needs_writing(s, w.stale_count)) {
		if (w.limit)
			send_guard(a, s->name, w.limit);
		send_transaction(a, &w);
	} else if (w.o && cdh__observation_recorded(a->refresh, w.o->stored)) {
		/* Unchanged: only its kept time moves on (never back). */
		send_time_script(a, raise_script, s->name, w.o->ns);
	}
	free(w.claimed);
	free(w.stale);
	return a->pipe.failed || a->raced ? -1 : 0;
}

/* ---- the whole ---- */

static void apply_release(struct cdh__redis_apply *a)
{
	size_t i;

	for (i = 0; a->recs && i < a->refresh->records.count; i++)
		free(a->recs[i].tid);
	for (i = 0; a->scopes && i < a->scope_count; i++) {
		freeReplyObject(a->scopes[i].prev);
		free(a->scopes[i].prev_ids);
	}
	free(a->recs);
	free(a->by_scope);
	free(a->scopes);
	free(a->written);
	freeReplyObject(a->old_scopes);
	cdh__redis_cmd_release(&a->cmd);
}

int cdh__redis_apply(struct cdh__store_impl *impl,
		     const struct cdh_refresh *refresh, const char *provider,
		     const struct cdh__observation *obs, size_t n, char *err,
		     size_t errlen)
{
	struct cdh__redis_apply a;
	size_t i;
	int rc = 0;

	memset(&a, 0, sizeof(a));
	a.impl = impl, a.refresh = refresh, a.p = provider, a.agent = refresh->agent;
	a.obs = obs, a.obs_count = n;
	cdh__redis_pipe_init(&a.pipe, impl->writer);
	if (load_state(&a) != 0 || note_written(&a) != 0 || check_hashes(&a) != 0)
		rc = -1;
	if (rc == 0)
		run_hook(&cdh__redis_between_hook);
	for (i = 0; rc == 0 && i < a.scope_count; i++)
		if (a.scopes[i].result != CDH_SCOPE_FAILED)
			rc = write_scope(&a, &a.scopes[i]);
	if (rc == 0 && cdh__redis_pipe_flush(&a.pipe) != 0)
		rc = -1;
	if (rc == 0)
		rc = cdh__redis_write_all(&a);
	/* Raced: what was written stays, the rest waits for store.c's next
	 * try (the _ALL_ lists too: they follow the scopes). */
	if (a.raced)
		cdh__redis_pipe_flush(&a.pipe);
	if (a.records_error[0] && !a.pipe.failed) {
		snprintf(err, errlen, "cache store: %s", a.records_error);
		rc = -1;
	} else if (a.nomem && !a.pipe.failed) {
		snprintf(err, errlen, "cache store: out of memory");
		rc = -1;
	} else {
		rc = cdh__redis_write_end(impl, &a.pipe, err, errlen);
	}
	if (rc == 0 && a.raced)
		rc = CDH__STORE_RACED;
	/* A failure may leave a MULTI open: never reuse that connection. */
	if (rc != 0 && rc != CDH__STORE_RACED) {
		redisFree(impl->writer);
		impl->writer = NULL;
	}
	apply_release(&a);
	return rc;
}
