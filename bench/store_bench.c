/*
 * store_bench - applies one synthetic refresh of REPOS x TAGS tags (two
 * records per tag, taggedImage and imageId, shaped as the docker plugin
 * emits them) to a store twice: a first fill, then the same cycle again
 * (steady state). Prints, per apply, wall and CPU seconds of this process,
 * and for Redis the commands Redis processed and its own CPU seconds.
 * Numbers, not a test (bench/store.sh).
 *
 * Usage: store_bench sqlite PATH REPOS TAGS
 *        store_bench redis  PORT REPOS TAGS
 */
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "store/store.h"

#define AGENT "bench/DockerRegistryImageCachingAgent[1/1]"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int emit(struct cdh_refresh *r, const char *scope, const char *type,
		const char *id, const char *attributes)
{
	struct cdh_record rec = { sizeof(rec), 0, scope, type, id, attributes };

	return cdh_refresh_emit(r, &rec) == CDH_OK ? 0 : -1;
}

/* The refresh: per repository bench/rNNNN, tags tNNNN; with `observed`,
 * each repository says when it was read, as the docker plugin's do. */
static int build(struct cdh_refresh *r, long repos, long tags, int observed)
{
	char scope[64], tag_id[160], image_id[160], attrs[512];
	long i, t;

	if (cdh_refresh_init(r, AGENT, 0, NULL) != 0 ||
	    cdh_refresh_set_provider(r, "dockerRegistry") != 0)
		return -1;
	for (i = 0; i < repos; i++) {
		snprintf(scope, sizeof(scope), "bench/r%04ld", i);
		if (observed &&
		    cdh_refresh_scope_observed(r, scope, cdh_realtime_ns()) != CDH_OK)
			return -1;
		for (t = 0; t < tags; t++) {
			snprintf(tag_id, sizeof(tag_id),
				 "dockerRegistry:taggedImage:bench:%s:t%04ld", scope, t);
			snprintf(image_id, sizeof(image_id),
				 "dockerRegistry:imageId:127.0.0.1:5000/%s:t%04ld", scope, t);
			snprintf(attrs, sizeof(attrs),
				 "{\"name\":\"%s:t%04ld\",\"account\":\"bench\",\"digest\":"
				 "\"sha256:%064ld\",\"date\":{\"epochSecond\":%ld,\"nano\":0}}",
				 scope, t, i * 100000 + t, 1600000000 + t);
			if (emit(r, scope, "taggedImage", tag_id, attrs) != 0)
				return -1;
			snprintf(attrs, sizeof(attrs),
				 "{\"tagKey\":\"%s\",\"account\":\"bench\"}", tag_id);
			if (emit(r, scope, "imageId", image_id, attrs) != 0)
				return -1;
		}
	}
	return cdh_refresh_finish(r);
}

/* Redis's counters: commands processed and its CPU seconds. */
static void redis_counters(redisContext *c, long long *commands, double *seconds)
{
	redisReply *r;
	const char *p;
	double user = 0, sys = 0;

	*commands = 0;
	*seconds = 0;
	if (!c)
		return;
	r = redisCommand(c, "INFO stats");
	if (r && r->str && (p = strstr(r->str, "total_commands_processed:")))
		*commands = strtoll(p + 25, NULL, 10);
	freeReplyObject(r);
	r = redisCommand(c, "INFO cpu");
	if (r && r->str && (p = strstr(r->str, "used_cpu_user:")))
		user = strtod(p + 14, NULL);
	if (r && r->str && (p = strstr(r->str, "used_cpu_sys:")))
		sys = strtod(p + 13, NULL);
	freeReplyObject(r);
	*seconds = user + sys;
}

static int measure(struct cdh_store *store, const struct cdh_refresh *r,
		   redisContext *admin, const char *what)
{
	char err[512];
	long long cmd0, cmd1;
	double rcpu0, rcpu1, t0, c0;
	int rc;

	redis_counters(admin, &cmd0, &rcpu0);
	t0 = now(), c0 = cpu();
	rc = cdh_store_apply(store, r, err, sizeof(err));
	printf("| %s | %.2f | %.2f |", what, now() - t0, cpu() - c0);
	redis_counters(admin, &cmd1, &rcpu1);
	if (admin)
		/* Minus the two INFO commands of the first reading. */
		printf(" %lld | %.2f |\n", cmd1 - cmd0 - 2, rcpu1 - rcpu0);
	else
		printf(" - | - |\n");
	if (rc != 0)
		fprintf(stderr, "store_bench: %s\n", err);
	return rc;
}

int main(int argc, char **argv)
{
	struct cdh_refresh refresh;
	struct cdh_store *store;
	redisContext *admin = NULL;
	char err[512], url[64], label[64];
	int redis, rc;

	if (argc != 5 && !(argc == 6 && strcmp(argv[5], "observed") == 0)) {
		fprintf(stderr, "usage: store_bench sqlite|redis PATH|PORT REPOS TAGS "
				"[observed]\n");
		return 2;
	}
	redis = strcmp(argv[1], "redis") == 0;
	if (build(&refresh, strtol(argv[3], NULL, 10), strtol(argv[4], NULL, 10),
		  argc == 6) != 0)
		return 1;
	if (redis) {
		snprintf(url, sizeof(url), "redis://127.0.0.1:%s/0", argv[2]);
		store = cdh_store_open_redis(url, NULL, err, sizeof(err));
		admin = redisConnect("127.0.0.1", (int)strtol(argv[2], NULL, 10));
	} else {
		store = cdh_store_open_sqlite(argv[2], err, sizeof(err));
	}
	if (!store) {
		fprintf(stderr, "store_bench: %s\n", err);
		return 1;
	}
	snprintf(label, sizeof(label), "%s%s, first fill", argv[1],
		 argc == 6 ? " (observed)" : "");
	rc = measure(store, &refresh, admin, label);
	snprintf(label, sizeof(label), "%s%s, unchanged cycle", argv[1],
		 argc == 6 ? " (observed)" : "");
	rc |= measure(store, &refresh, admin, label);
	cdh_store_close(store);
	redisFree(admin);
	cdh_refresh_release(&refresh);
	return rc ? 1 : 0;
}
