/*
 * Fuzz target: the API's GET parameters. The input is a path selector byte
 * and a query string ("a=b&c=%2A"), split and percent-decoded as
 * libmicrohttpd hands them over, then served by the real host query runner
 * (tests/unit/queryrun.c) and routes over a memory store holding two images:
 * the plugin's /dockerRegistry/images/find and /tags (q, account,
 * repository, tag, count, includeDetails: globs built from them and matched
 * by the store) and the host's /cache/{provider}/{type}?pattern=.
 */
#include <ctype.h>
#include <stdio.h>

#include "api/cache_route.h"
#include "api/directory.h"
#include "api/queries.h"
#include "fuzz_input.h"
#include "queryrun.h"
#include "store/refresh.h"
#include "store/store.h"
#include "testdirectory.h"

#define ARGS_MAX 16

static const char *const paths[] = {
	"/dockerRegistry/images/find", "/dockerRegistry/images/tags",
	"/cache/dockerRegistry/taggedImage",
};

static struct cdh_store *store;
static struct cdh_directory *dir;

static void emit(struct cdh_refresh *r, const char *repo, const char *tag)
{
	char tag_key[256], id_key[256], attrs[512];
	struct cdh_record rec = { sizeof(rec), 0, repo, "taggedImage", tag_key,
				  attrs };

	snprintf(tag_key, sizeof(tag_key), "dockerRegistry:taggedImage:hub:%s:%s",
		 repo, tag);
	snprintf(attrs, sizeof(attrs),
		 "{\"name\":\"%s:%s\",\"account\":\"hub\",\"digest\":\"sha256:1\","
		 "\"date\":{\"epochSecond\":1,\"nano\":2},\"labels\":{\"a\":\"b\"}}",
		 repo, tag);
	cdh_refresh_emit(r, &rec);
	snprintf(id_key, sizeof(id_key), "dockerRegistry:imageId:index.docker.io/%s:%s",
		 repo, tag);
	snprintf(attrs, sizeof(attrs), "{\"tagKey\":\"%s\",\"account\":\"hub\"}",
		 tag_key);
	rec.type = "imageId";
	rec.id = id_key;
	cdh_refresh_emit(r, &rec);
}

/* Once: a memory store with two images of account hub, and its directory. */
static int prepare(void)
{
	struct cdh_refresh r;
	char err[256];

	if (store)
		return 0;
	store = cdh_store_open_memory(err, sizeof(err));
	dir = testdirectory_new();
	if (!store || !dir ||
	    testdirectory_add(dir, "hub", "index.docker.io", "{\"name\":\"hub\"}",
			      "{\"registry\":\"index.docker.io\"}") != 0 ||
	    testdirectory_add_provider(dir, "dockerRegistry", queryrun_op) != 0 ||
	    cdh_refresh_init(&r, "hub/DockerRegistryImageCachingAgent[1/1]", 0,
			     NULL) != 0)
		return -1;
	emit(&r, "library/nginx", "1.25");
	emit(&r, "team/app", "v1");
	cdh_refresh_finish(&r);
	cdh_store_apply(store, &r, err, sizeof(err));
	cdh_refresh_release(&r);
	return 0;
}

static int hex(int c)
{
	return isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
}

/* Percent-decodes `s` in place ('+' is a space), as MHD does. */
static void decode(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if (*s == '%' && isxdigit((unsigned char)s[1]) &&
		    isxdigit((unsigned char)s[2])) {
			*out++ = (char)(hex((unsigned char)s[1]) * 16 +
					hex((unsigned char)s[2]));
			s += 2;
		} else {
			*out++ = *s == '+' ? ' ' : *s;
		}
	}
	*out = '\0';
}

/* Splits `query` in place into name, value pairs (NULL-ended). */
static void split(char *query, const char **args)
{
	size_t n = 0;
	char *pair = query, *next, *eq;

	while (pair && n + 2 < ARGS_MAX) {
		next = strchr(pair, '&');
		if (next)
			*next++ = '\0';
		eq = strchr(pair, '=');
		if (eq)
			*eq++ = '\0';
		decode(pair);
		if (eq)
			decode(eq);
		args[n++] = pair;
		args[n++] = eq ? eq : "";
		pair = next;
	}
	args[n] = NULL;
}

static void start(void *ctx, int status, const char *type)
{
	(void)ctx, (void)status, (void)type;
}

static int write_bytes(void *ctx, const char *bytes, size_t len)
{
	(void)ctx, (void)bytes, (void)len;
	return 0;
}

static void failed(void *ctx, int status, const char *message)
{
	(void)ctx, (void)status, (void)message;
}

static const char *arg(void *ctx, const char *name)
{
	const char *const *args = ctx;

	for (; args && args[0]; args += 2)
		if (strcmp(args[0], name) == 0)
			return args[1];
	return NULL;
}

/* The host's own route: GET /cache/{provider}/{type}?pattern=. */
static void cache_route(const char *path, const char **args)
{
	struct cdh_directory_provider provider = { NULL, cdh_cache_route_query,
						   NULL, NULL };
	struct cdh_query_request req = { "GET", path, NULL, 0, 0, NULL, arg,
					 (void *)args, NULL, 0 };
	struct cdh_query_sink sink = { start, write_bytes, failed, NULL };

	cdh_query_run(&provider, store, dir, &req, &sink);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *args[ARGS_MAX];
	struct queryrun out = { 0 };
	char *query;

	if (size < 1 || prepare() != 0)
		return 0;
	query = fuzz_string(data + 1, size - 1);
	if (!query)
		return 0;
	split(query, args);
	if (data[0] % 3 == 2) {
		cache_route(paths[2], args);
	} else {
		queryrun_get(store, dir, paths[data[0] % 3], args, &out);
		free(out.body);
	}
	free(query);
	return 0;
}
