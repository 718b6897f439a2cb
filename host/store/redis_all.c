/*
 * redis_all - the agent's _ALL_ item per type, as Clouddriver's
 * DefaultProviderCache keeps it (reference clouddriver-cluster.md §1.3):
 * attributes {"id":"_ALL_"}, relationship <agent> = every id the agent holds
 * (its failed scopes' too), each rewritten only when its hash changed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/redis_apply.h"
#include "util/text.h"

/* ---- the agent's _ALL_ items ---- */

static void json_string(struct cdh_text *t, const char *s)
{
	cdh_text_puts(t, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		/* Jackson's escapes: quote, backslash, control characters. */
		if (c == '"' || c == '\\')
			cdh_text_printf(t, "\\%c", c);
		else if (c == '\n')
			cdh_text_puts(t, "\\n");
		else if (c == '\r')
			cdh_text_puts(t, "\\r");
		else if (c == '\t')
			cdh_text_puts(t, "\\t");
		else if (c < 0x20)
			cdh_text_printf(t, "\\u%04X", c);
		else
			cdh_text_append(t, s, 1);
	}
	cdh_text_puts(t, "\"");
}

/* What the agent holds after this cycle (tids, sorted, unique): what it
 * wrote, plus what its failed scopes keep. */
static const char **held_ids(struct cdh__redis_apply *a, size_t *count)
{
	size_t n = a->rec_count, i, k, out = 0;
	const char **held;

	for (i = 0; i < a->scope_count; i++)
		n += a->scopes[i].prev_count;
	held = malloc((n + 1) * sizeof(*held));
	if (!held)
		return NULL;
	for (i = 0; i < a->rec_count; i++)
		held[out++] = a->written[i];
	for (i = 0; i < a->scope_count; i++)
		if (a->scopes[i].result == CDH_SCOPE_FAILED)
			for (k = 0; k < a->scopes[i].prev_count; k++)
				held[out++] = a->scopes[i].prev_ids[k];
	qsort(held, out, sizeof(*held), cdh__redis_str_order);
	for (i = 0, n = 0; i < out; i++)
		if (!n || strcmp(held[n - 1], held[i]) != 0)
			held[n++] = held[i];
	*count = n;
	return held;
}

/* The types the agent holds or held (one tid of each, into out). */
static size_t agent_types(struct cdh__redis_apply *a, const char **held, size_t held_count,
			  const char **out)
{
	size_t n = 0, i, k;

	for (i = 0; i < held_count; i++)
		if (!n || !cdh__redis_same_type(out[n - 1], held[i]))
			out[n++] = held[i];
	for (i = 0; i < a->scope_count; i++)
		for (k = 0; k < a->scopes[i].prev_count; k++) {
			const char *tid = a->scopes[i].prev_ids[k];
			size_t j;

			for (j = 0; j < n && !cdh__redis_same_type(out[j], tid); j++)
				;
			if (j == n)
				out[n++] = tid;
		}
	return n;
}

struct all_item {
	const char *tid; /* any tid of the type */
	char *list;      /* the relationship's JSON array */
	char list_hash[CDH_SHA1_HEX_LEN + 1];
	int attrs_changed, list_changed;
};

static void all_list(struct all_item *item, const char **held, size_t n)
{
	struct cdh_text t = CDH_TEXT_INIT;
	size_t i, first = 1;

	cdh_text_puts(&t, "[");
	for (i = 0; i < n; i++) {
		if (!cdh__redis_same_type(held[i], item->tid))
			continue;
		if (!first)
			cdh_text_puts(&t, ",");
		first = 0;
		json_string(&t, held[i] + cdh__redis_type_len(held[i]) + 1);
	}
	cdh_text_puts(&t, "]");
	item->list = cdh_text_take(&t);
}

static void relationship_key(struct cdh__redis_apply *a, const char *tid)
{
	cdh__redis_key_of(a, tid, cdh__redis_type_len(tid), ":relationships:_ALL_:");
	cdh__redis_cmd_append(&a->cmd, a->agent, strlen(a->agent));
}

static void all_attributes_key(struct cdh__redis_apply *a, const char *tid)
{
	cdh__redis_key_of(a, tid, cdh__redis_type_len(tid), ":attributes:_ALL_");
}

/* Reads the stored hashes of each type's _ALL_ keys. */
static int compare_all_hashes(struct cdh__redis_apply *a, struct all_item *items, size_t n,
			      const char *attrs_hash)
{
	size_t i;

	for (i = 0; i < n; i++) {
		cdh__redis_hashes_head(a, items[i].tid);
		all_attributes_key(a, items[i].tid);
		relationship_key(a, items[i].tid);
		cdh__redis_pipe_append(&a->pipe, &a->cmd);
	}
	for (i = 0; i < n; i++) {
		redisReply *r = cdh__redis_pipe_next(&a->pipe);
		const redisReply *h0, *h1;

		if (!r)
			return -1;
		h0 = r->type == REDIS_REPLY_ARRAY && r->elements == 2 ? r->element[0] : NULL;
		h1 = h0 ? r->element[1] : NULL;
		items[i].attrs_changed = !h0 || h0->type != REDIS_REPLY_STRING ||
					 strcmp(h0->str, attrs_hash) != 0;
		items[i].list_changed = !h1 || h1->type != REDIS_REPLY_STRING ||
					strcmp(h1->str, items[i].list_hash) != 0;
		freeReplyObject(r);
	}
	return 0;
}

static void write_all_item(struct cdh__redis_apply *a, const struct all_item *item,
			   const char *attrs_hash)
{
	if (item->attrs_changed) {
		cdh__redis_cmd_str(&a->cmd, "SET");
		all_attributes_key(a, item->tid);
		cdh__redis_cmd_str(&a->cmd, CDH__REDIS_ALL_ATTRIBUTES);
		cdh__redis_pipe_send(&a->pipe, &a->cmd);
	}
	if (item->list_changed) {
		cdh__redis_cmd_str(&a->cmd, "SET");
		relationship_key(a, item->tid);
		cdh__redis_cmd_str(&a->cmd, item->list);
		cdh__redis_pipe_send(&a->pipe, &a->cmd);
		cdh__redis_cmd_str(&a->cmd, "SADD");
		cdh__redis_key_of(a, item->tid, cdh__redis_type_len(item->tid), ":relationships");
		cdh__redis_cmd_str(&a->cmd, a->agent);
		cdh__redis_pipe_send(&a->pipe, &a->cmd);
	}
	cdh__redis_hset_head(a, item->tid);
	if (item->attrs_changed) {
		all_attributes_key(a, item->tid);
		cdh__redis_cmd_str(&a->cmd, attrs_hash);
	}
	if (item->list_changed) {
		relationship_key(a, item->tid);
		cdh__redis_cmd_str(&a->cmd, item->list_hash);
	}
	cdh__redis_pipe_send(&a->pipe, &a->cmd);
	cdh__redis_members_add_head(a, item->tid);
	cdh__redis_cmd_str(&a->cmd, "_ALL_");
	cdh__redis_pipe_send(&a->pipe, &a->cmd);
}

/* Sends the changed _ALL_ items (and the provider) in one MULTI/EXEC. */
static void write_all_items(struct cdh__redis_apply *a, const struct all_item *items,
			    size_t n, const char *attrs_hash)
{
	int provider = a->old_scopes->elements == 0 && a->rec_count;
	size_t i, changed = 0;

	for (i = 0; i < n; i++)
		changed += items[i].attrs_changed || items[i].list_changed;
	if (!changed && !provider)
		return;
	cdh__redis_send_simple(a, "MULTI");
	for (i = 0; i < n; i++)
		if (items[i].attrs_changed || items[i].list_changed)
			write_all_item(a, &items[i], attrs_hash);
	if (provider) {
		cdh__redis_cmd_str(&a->cmd, "SADD");
		cdh__redis_cmd_str(&a->cmd, "cdhost:providers");
		cdh__redis_cmd_str(&a->cmd, a->p);
		cdh__redis_pipe_send(&a->pipe, &a->cmd);
	}
	cdh__redis_send_simple(a, "EXEC");
	cdh__redis_pipe_flush(&a->pipe);
}

int cdh__redis_write_all(struct cdh__redis_apply *a)
{
	char attrs_hash[CDH_SHA1_HEX_LEN + 1];
	size_t held_count = 0, n = 0, i, cap;
	const char **held = held_ids(a, &held_count), **types = NULL;
	struct all_item *items = NULL;
	int rc = -1;

	cap = held_count + 1;
	for (i = 0; i < a->scope_count; i++)
		cap += a->scopes[i].prev_count;
	if (!held || !(types = malloc(cap * sizeof(*types))) ||
	    cdh_sha1_utf16_hex(CDH__REDIS_ALL_ATTRIBUTES, strlen(CDH__REDIS_ALL_ATTRIBUTES), attrs_hash))
		goto out;
	n = agent_types(a, held, held_count, types);
	if (!(items = calloc(n + 1, sizeof(*items))))
		goto out;
	for (i = 0; i < n; i++) {
		items[i].tid = types[i];
		all_list(&items[i], held, held_count);
		if (!items[i].list ||
		    cdh_sha1_utf16_hex(items[i].list, strlen(items[i].list),
				       items[i].list_hash) != 0)
			goto out;
	}
	if (compare_all_hashes(a, items, n, attrs_hash) == 0)
		write_all_items(a, items, n, attrs_hash);
	rc = a->pipe.failed ? -1 : 0;
out:
	if (rc && !a->pipe.failed)
		a->nomem = 1;
	for (i = 0; items && i < n; i++)
		free(items[i].list);
	free(items);
	free(types);
	free(held);
	return rc;
}

