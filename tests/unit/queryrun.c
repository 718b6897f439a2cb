#include "queryrun.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/queries.h"
#include "plugins/host_table.h"
#include "query/query.h"
#include "util/text.h"

struct gathered {
	struct queryrun *out;
	struct cdh_text text;
};

static void start(void *ctx, int status, const char *type)
{
	(void)type;
	((struct gathered *)ctx)->out->status = status;
}

static int write_bytes(void *ctx, const char *bytes, size_t len)
{
	cdh_text_append(&((struct gathered *)ctx)->text, bytes, len);
	return 0;
}

static void fail(void *ctx, int status, const char *message)
{
	struct gathered *g = ctx;

	g->out->status = status;
	cdh_text_puts(&g->text, message);
}

static const char *arg(void *ctx, const char *name)
{
	const char *const *args = ctx;

	for (; args && args[0]; args += 2)
		if (strcmp(args[0], name) == 0)
			return args[1];
	return NULL;
}

int32_t queryrun_op(struct cdh_query *q)
{
	return drg_query(cdh_host_table_get(), q);
}

int queryrun_get(struct cdh_store *store, struct cdh_directory *dir,
		 const char *path, const char *const *args,
		 struct queryrun *out)
{
	struct cdh_directory_provider provider = { "dockerRegistry", queryrun_op,
						   NULL, NULL };
	struct cdh_query_request req = { "GET", path, NULL, 0, 0, NULL, arg,
					 (void *)(uintptr_t)args, NULL, 0 };
	struct gathered g = { out, CDH_TEXT_INIT };
	struct cdh_query_sink sink = { start, write_bytes, fail, &g };
	size_t i;

	for (i = 0; i < dir->count; i++)
		if (!dir->entries[i].section)
			dir->entries[i].section = strdup("dockerRegistry");
	out->status = 0;
	cdh_query_run(&provider, store, dir, &req, &sink);
	cdh_text_puts(&g.text, "");
	out->body = cdh_text_take(&g.text);
	return out->body ? 0 : -1;
}
