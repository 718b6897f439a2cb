/*
 * redis_read - the Redis store's reads. A prefix scan walks our index
 * cdhost:index:T ("ID\0P" members, all of score 0) with ZRANGEBYLEX in pages
 * of CDH_REDIS_BATCH, then MGETs the page's P:T:attributes:ID: the cost is
 * that of the rows returned, never a scan of P:T:members. As on
 * Clouddriver's read path, an id whose attributes are gone is skipped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_redis.h"

struct reader {
	struct cdh__store_impl *impl;
	redisContext *c;
	struct cdh__redis_pipe pipe;
	struct cdh__redis_cmd cmd;
};

static int reader_begin(struct reader *r, struct cdh__store_impl *impl,
			char *err, size_t errlen)
{
	int rc = 0;

	memset(r, 0, sizeof(*r));
	r->impl = impl;
	r->c = cdh__redis_reader_get(&impl->pool, &rc, err, errlen);
	if (!r->c)
		return rc;
	cdh__redis_pipe_init(&r->pipe, r->c);
	return 0;
}

/* Ends a read: its result, with err set when the pipe failed. */
static int reader_end(struct reader *r, int rc, char *err, size_t errlen)
{
	if (r->pipe.failed == CDH_STORE_UNAVAILABLE)
		rc = cdh__redis_io_failed(&r->impl->pool, r->c, err, errlen);
	else if (r->pipe.failed) {
		snprintf(err, errlen, "cache store: redis: %s", r->pipe.err);
		rc = -1;
		/* Do not hand back a connection in an unknown state. */
		r->c->err = REDIS_ERR_OTHER;
	} else if (rc < 0 && r->cmd.nomem) {
		snprintf(err, errlen, "cache store: out of memory");
	}
	cdh__redis_reader_put(&r->impl->pool, r->c);
	cdh__redis_cmd_release(&r->cmd);
	return rc;
}

/* MGETs the attributes of `members` ("ID\0P") and calls fn per row found.
 * 1 when fn stopped the scan, 0 to go on, -1 on failure. */
static int visit_page(struct reader *r, const char *type,
		      const redisReply *members, cdh_store_row_fn fn, void *data)
{
	redisReply *values;
	size_t i;
	int stop = 0;

	cdh__redis_cmd_str(&r->cmd, "MGET");
	for (i = 0; i < members->elements; i++) {
		const char *id = members->element[i]->str;
		const char *p = id + strlen(id) + 1;

		cdh__redis_cmd_join(&r->cmd, 4, p, ":", type, ":attributes:");
		cdh__redis_cmd_append(&r->cmd, id, strlen(id));
	}
	values = cdh__redis_pipe_call(&r->pipe, &r->cmd);
	if (!values)
		return -1;
	for (i = 0; !stop && values->type == REDIS_REPLY_ARRAY &&
		    i < values->elements && i < members->elements; i++)
		if (values->element[i]->type == REDIS_REPLY_STRING)
			stop = fn(members->element[i]->str, values->element[i]->str,
				  data) != 0;
	freeReplyObject(values);
	return stop;
}

/* The next page of the index in [min, max), as a ZRANGEBYLEX reply. */
static redisReply *index_page(struct reader *r, const char *type,
			      const char *min, size_t min_len, const char *max,
			      size_t max_len)
{
	char count[16];

	snprintf(count, sizeof(count), "%d", CDH_REDIS_BATCH);
	cdh__redis_cmd_str(&r->cmd, "ZRANGEBYLEX");
	cdh__redis_cmd_join(&r->cmd, 2, CDH_REDIS_INDEX, type);
	cdh__redis_cmd_arg(&r->cmd, min, min_len);
	cdh__redis_cmd_arg(&r->cmd, max, max_len);
	cdh__redis_cmd_str(&r->cmd, "LIMIT");
	cdh__redis_cmd_str(&r->cmd, "0");
	cdh__redis_cmd_str(&r->cmd, count);
	return cdh__redis_pipe_call(&r->pipe, &r->cmd);
}

/* "[" or "(" followed by `s` (len bytes) and an optional tail byte. */
static char *bound(char kind, const char *s, size_t len, int tail, size_t *out_len)
{
	char *b = malloc(len + 3);

	if (!b)
		return NULL;
	b[0] = kind;
	memcpy(b + 1, s, len);
	*out_len = len + 1;
	if (tail >= 0)
		b[(*out_len)++] = (char)tail;
	return b;
}

static int scan_range(struct reader *r, const char *type, char *min,
		      size_t min_len, const char *max, size_t max_len,
		      cdh_store_row_fn fn, void *data)
{
	int rc = 0;

	while (rc == 0) {
		redisReply *page = index_page(r, type, min, min_len, max, max_len);
		const redisReply *last;

		if (!page || page->type != REDIS_REPLY_ARRAY) {
			freeReplyObject(page);
			return -1;
		}
		rc = page->elements ? visit_page(r, type, page, fn, data) : 1;
		if (rc == 0 && page->elements < CDH_REDIS_BATCH)
			rc = 1;
		if (rc == 0) {
			/* Next page: strictly after the last member. */
			last = page->element[page->elements - 1];
			free(min);
			min = bound('(', last->str, last->len, -1, &min_len);
			if (!min)
				rc = -1;
		}
		freeReplyObject(page);
	}
	free(min);
	return rc < 0 ? -1 : 0;
}

int cdh__redis_scan(struct cdh__store_impl *impl, const char *type,
		    const char *id_prefix, cdh_store_row_fn fn, void *data,
		    char *err, size_t errlen)
{
	struct reader r;
	size_t plen = strlen(id_prefix), min_len = 0, max_len = 0;
	char *min, *max;
	int rc = reader_begin(&r, impl, err, errlen);

	if (rc != 0)
		return rc;
	/* 0xFF never occurs in UTF-8: prefix + 0xFF bounds the prefix's range. */
	min = plen ? bound('[', id_prefix, plen, -1, &min_len) : strdup("-");
	max = plen ? bound('(', id_prefix, plen, 0xFF, &max_len) : strdup("+");
	if (!plen)
		min_len = max_len = 1;
	if (!min || !max) {
		r.cmd.nomem = 1;
		free(min);
		rc = -1;
	} else {
		rc = scan_range(&r, type, min, min_len, max, max_len, fn, data);
	}
	free(max);
	return reader_end(&r, rc, err, errlen);
}

struct get_state {
	cdh_store_row_fn fn;
	void *data;
	int found;
};

static int get_row(const char *id, const char *attributes, void *data)
{
	struct get_state *st = data;

	st->found = 1;
	st->fn(id, attributes, st->data);
	return 1;
}

int cdh__redis_get(struct cdh__store_impl *impl, const char *type,
		   const char *id, cdh_store_row_fn fn, void *data, char *err,
		   size_t errlen)
{
	struct get_state st = { fn, data, 0 };
	struct reader r;
	size_t len = strlen(id), min_len = 0, max_len = 0;
	char *min, *max;
	int rc = reader_begin(&r, impl, err, errlen);

	if (rc != 0)
		return rc;
	/* Exactly the members "ID\0<provider>". */
	min = bound('[', id, len, 0, &min_len);
	max = bound('(', id, len, 1, &max_len);
	if (!min || !max) {
		r.cmd.nomem = 1;
		free(min);
		rc = -1;
	} else {
		rc = scan_range(&r, type, min, min_len, max, max_len, get_row, &st);
	}
	free(max);
	rc = reader_end(&r, rc, err, errlen);
	return rc < 0 ? rc : st.found;
}

/* ---- a scope's records ---- */

struct scope_item {
	const char *tid, *provider; /* "T:ID" */
	size_t type_len;
};

static int item_order(const void *pa, const void *pb)
{
	const struct scope_item *a = pa, *b = pb;
	int c = strcmp(a->tid + a->type_len + 1, b->tid + b->type_len + 1);

	return c ? c : strcmp(a->tid, b->tid);
}

/* Calls fn for items[0..n) whose attributes exist: 1 stopped, 0, -1. */
static int visit_items(struct reader *r, const struct scope_item *items,
		       size_t n, cdh_store_record_fn fn, void *data)
{
	redisReply *values;
	char type[256];
	size_t i;
	int stop = 0;

	cdh__redis_cmd_str(&r->cmd, "MGET");
	for (i = 0; i < n; i++) {
		cdh__redis_cmd_join(&r->cmd, 2, items[i].provider, ":");
		cdh__redis_cmd_append(&r->cmd, items[i].tid, items[i].type_len);
		cdh__redis_cmd_append(&r->cmd, ":attributes:", 12);
		cdh__redis_cmd_append(&r->cmd, items[i].tid + items[i].type_len + 1,
				      strlen(items[i].tid + items[i].type_len + 1));
	}
	values = cdh__redis_pipe_call(&r->pipe, &r->cmd);
	if (!values)
		return -1;
	for (i = 0; !stop && values->type == REDIS_REPLY_ARRAY && i < n &&
		    i < values->elements; i++) {
		if (values->element[i]->type != REDIS_REPLY_STRING ||
		    items[i].type_len >= sizeof(type))
			continue;
		memcpy(type, items[i].tid, items[i].type_len);
		type[items[i].type_len] = '\0';
		stop = fn(type, items[i].tid + items[i].type_len + 1,
			  values->element[i]->str, data) != 0;
	}
	freeReplyObject(values);
	return stop;
}

/* The scope's sets under every provider: SMEMBERS replies into sets[]. */
static int load_scope_sets(struct reader *r, const redisReply *providers,
			   const char *agent, const char *scope,
			   redisReply **sets)
{
	size_t i;

	for (i = 0; i < providers->elements; i++) {
		cdh__redis_cmd_str(&r->cmd, "SMEMBERS");
		cdh__redis_scope_key(&r->cmd, providers->element[i]->str, agent,
				     scope);
		sets[i] = cdh__redis_pipe_call(&r->pipe, &r->cmd);
		if (!sets[i] || sets[i]->type != REDIS_REPLY_ARRAY)
			return -1;
	}
	return 0;
}

static int visit_scope(struct reader *r, const redisReply *providers,
		       redisReply **sets, cdh_store_record_fn fn, void *data)
{
	struct scope_item *items;
	size_t n = 0, i, k;
	int rc = 0;

	for (i = 0; i < providers->elements; i++)
		n += sets[i]->elements;
	items = malloc((n + 1) * sizeof(*items));
	if (!items)
		return r->cmd.nomem = 1, -1;
	for (i = 0, n = 0; i < providers->elements; i++)
		for (k = 0; k < sets[i]->elements; k++) {
			const char *tid = sets[i]->element[k]->str;

			items[n++] = (struct scope_item){ tid,
				providers->element[i]->str, strcspn(tid, ":") };
			if (!tid[items[n - 1].type_len])
				n--; /* not "T:ID": not ours */
		}
	qsort(items, n, sizeof(*items), item_order);
	for (i = 0; rc == 0 && i < n; i += CDH_REDIS_BATCH)
		rc = visit_items(r, items + i,
				 n - i < CDH_REDIS_BATCH ? n - i : CDH_REDIS_BATCH,
				 fn, data);
	free(items);
	return rc < 0 ? -1 : 0;
}

int cdh__redis_scope_records(struct cdh__store_impl *impl, const char *agent,
			     const char *scope, cdh_store_record_fn fn,
			     void *data, char *err, size_t errlen)
{
	struct reader r;
	redisReply *providers = NULL, **sets = NULL;
	size_t i;
	int rc = reader_begin(&r, impl, err, errlen);

	if (rc != 0)
		return rc;
	cdh__redis_cmd_str(&r.cmd, "SMEMBERS");
	cdh__redis_cmd_str(&r.cmd, "cdhost:providers");
	providers = cdh__redis_pipe_call(&r.pipe, &r.cmd);
	rc = providers && providers->type == REDIS_REPLY_ARRAY ? 0 : -1;
	if (rc == 0 && !(sets = calloc(providers->elements + 1, sizeof(*sets))))
		r.cmd.nomem = 1, rc = -1;
	if (rc == 0)
		rc = load_scope_sets(&r, providers, agent, scope, sets);
	if (rc == 0)
		rc = visit_scope(&r, providers, sets, fn, data);
	for (i = 0; sets && i < providers->elements; i++)
		freeReplyObject(sets[i]);
	free(sets);
	freeReplyObject(providers);
	return reader_end(&r, rc, err, errlen);
}
