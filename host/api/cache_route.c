/*
 * cache_route - see cache_route.h. Served through the ABI's read API like a
 * plugin's query, so it streams the same way and reads what plugins read.
 */
#include "api/cache_route.h"

#include <json-c/json.h>
#include <string.h>

#include "plugins/host_table.h"

struct listing {
	struct cdh_query *q;
	size_t n;
	int32_t rc;
};

static int32_t write_record(void *data, const char *id, const char *attributes)
{
	struct listing *l = data;
	json_object *jid = json_object_new_string(id);
	const char *text = jid ? json_object_to_json_string_ext(
					 jid, JSON_C_TO_STRING_PLAIN |
						      JSON_C_TO_STRING_NOSLASHESCAPE)
			       : NULL;

	l->rc = text ? l->q->write(l->q, l->n++ ? ",{\"id\":" : "[{\"id\":",
				   l->n > 1 ? 7 : 7)
		     : CDH_E_NOMEM;
	if (l->rc == CDH_OK)
		l->rc = l->q->write(l->q, text, strlen(text));
	if (l->rc == CDH_OK)
		l->rc = l->q->write(l->q, ",\"attributes\":", 14);
	if (l->rc == CDH_OK)
		l->rc = l->q->write(l->q, attributes, strlen(attributes));
	if (l->rc == CDH_OK)
		l->rc = l->q->write(l->q, "}", 1);
	json_object_put(jid);
	return l->rc != CDH_OK;
}

int32_t cdh_cache_route_query(struct cdh_query *q)
{
	const struct cdh_host_api *host = cdh_host_table_get();
	const char *rest = q->path + strlen(CDH_CACHE_ROUTE), *type;
	const char *pattern = q->param(q, "pattern");
	struct listing l = { q, 0, CDH_OK };
	int32_t rc;

	type = strchr(rest, '/');
	if (!type || !type[1] || strchr(type + 1, '/')) {
		q->fail(q, 404, "no such endpoint");
		return CDH_OK;
	}
	rc = host->cache_ids(q->cache, type + 1,
			     pattern && *pattern ? pattern : "*", write_record,
			     &l);
	if (rc == CDH_OK)
		rc = l.rc;
	if (rc == CDH_OK)
		rc = q->write(q, l.n ? "]" : "[]", l.n ? 1 : 2);
	return rc == CDH_E_CANCELLED ? CDH_OK : rc;
}
