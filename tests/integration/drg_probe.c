/*
 * drg_probe - drives the registry client (docker_registry_core) from the
 * command line for the integration tests: lists, digests and inspects with
 * the async API (everything submitted at once), prints sorted results, and
 * reports what the client did (requests, credential calls) when asked.
 *
 *   drg_probe [options] ADDRESS catalog
 *   drg_probe [options] ADDRESS tags REPO...
 *   drg_probe [options] ADDRESS tags-sync REPO | catalog-sync   (sync wrappers)
 *   drg_probe [options] ADDRESS manifest REPO REF...
 *   drg_probe [options] ADDRESS config REPO REF...
 * Options: --user U (password from $DRG_PROBE_PASSWORD; a comma-separated
 * list there gives the next one on each renew), --ca FILE, --insecure,
 * --concurrency N, --page N, --timeout-ms N, --rps N, --cancel-after SECONDS
 * (the host's cancel check fires then), --slow-page SECONDS (a synchronous
 * listing sleeps after its first page), --stats.
 * Output: one result per line, sorted (sync listings: registry order); errors as "error CLASS STATUS: TEXT".
 * Exit: 0 all ok, 1 some operation failed, 2 usage.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "registry/registry.h"

static struct {
	const char *user;
	int calls, renews;
	int requests;
	long statuses[600];
	double slow_page;
	int slept;
	struct drg_strvec out;
	int failed;
	int keep_order; /* sync listings print in the registry's order */
	double cancel_after; /* seconds; 0 = never */
	double started;
} g;

static int credentials(void *ctx, int renew, char *user, size_t userlen,
		       char *pass, size_t passlen, char *err, size_t errlen)
{
	const char *list = getenv("DRG_PROBE_PASSWORD");
	int idx;

	(void)ctx, (void)err, (void)errlen;
	g.calls++;
	g.renews += renew != 0;
	snprintf(user, userlen, "%s", g.user ? g.user : "");
	/* The renews-th entry of the comma-separated list (the last repeats). */
	for (idx = 0; list && idx < g.renews && strchr(list, ','); idx++)
		list = strchr(list, ',') + 1;
	snprintf(pass, passlen, "%.*s", list ? (int)strcspn(list, ",") : 0,
		 list ? list : "");
	return 0;
}

static void host_log(int32_t level, const char *who, const char *msg)
{
	(void)level, (void)who;
	fprintf(stderr, "%s\n", msg);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The host's cancel check: fires --cancel-after seconds after the start. */
static int32_t is_cancelled(const struct cdh_refresh *r)
{
	(void)r;
	return g.cancel_after > 0 && now_s() - g.started >= g.cancel_after;
}

static void count_request(struct cdh_refresh *r, int32_t status)
{
	(void)r;
	g.requests++;
	if (status >= 0 && status < 600)
		g.statuses[status]++;
}

static void add_line(const char *fmt, ...)
{
	char line[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	drg_strvec_push(&g.out, line);
}

static int report_error(const struct drg_result *res)
{
	if (res->code == CDH_OK)
		return 0;
	add_line("error %s %ld: %s", drg_error_class_name(res->error_class),
		 res->status, res->error);
	g.failed = 1;
	return 1;
}

static void on_list(void *ud, const char *repository,
		    const struct drg_strvec *names, const struct drg_result *res)
{
	(void)ud;
	if (report_error(res))
		return;
	for (size_t i = 0; i < names->count; i++)
		add_line("%s%s%s", repository ? repository : "",
			 repository ? " " : "", names->items[i]);
	if (repository && names->count == 0)
		add_line("%s (no tags)", repository);
}

static void on_manifest(void *ud, const struct drg_manifest_info *m,
			const struct drg_result *res)
{
	(void)ud;
	if (report_error(res))
		return;
	if (!m->config_digest) {
		add_line("%s:%s %s %s", m->repository, m->reference, m->digest,
			 m->media_type ? m->media_type : "-");
		return;
	}
	add_line("%s:%s %s %s %s %s %s", m->repository, m->reference, m->digest,
		 m->config_digest, m->created ? m->created : "-",
		 m->platform ? m->platform : "-", m->labels ? m->labels : "-");
}

static int print_name(const char *name, void *data)
{
	(void)data;
	add_line("%s", name);
	if (g.slow_page > 0 && !g.slept) {
		g.slept = 1; /* a slow consumer: the next page comes later */
		usleep((useconds_t)(g.slow_page * 1e6));
	}
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int usage(void)
{
	fprintf(stderr, "usage: drg_probe [options] ADDRESS catalog|tags|tags-sync|manifest|config ARGS\n");
	return 2;
}

static int parse_options(int argc, char **argv, struct drg_registry_options *o,
			 int *stats)
{
	int i = 1;

	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(opt, "--insecure") == 0) {
			o->insecure = 1;
			continue;
		}
		if (strcmp(opt, "--stats") == 0) {
			*stats = 1;
			continue;
		}
		if (!val)
			return -1;
		i++;
		if (strcmp(opt, "--user") == 0)
			g.user = val;
		else if (strcmp(opt, "--ca") == 0)
			o->ca_cert_file = val;
		else if (strcmp(opt, "--concurrency") == 0)
			o->max_concurrent = (uint32_t)strtoul(val, NULL, 10);
		else if (strcmp(opt, "--page") == 0)
			o->paginate_size = strtoll(val, NULL, 10);
		else if (strcmp(opt, "--timeout-ms") == 0)
			o->timeout_ms = strtoll(val, NULL, 10);
		else if (strcmp(opt, "--slow-page") == 0)
			g.slow_page = strtod(val, NULL);
		else if (strcmp(opt, "--rps") == 0)
			o->requests_per_second = strtod(val, NULL);
		else if (strcmp(opt, "--cancel-after") == 0)
			g.cancel_after = strtod(val, NULL);
		else
			return -1;
	}
	return i;
}

static int32_t submit_all(struct drg_registry *reg, const char *cmd, int argc,
			  char **argv)
{
	int32_t rc = CDH_OK;

	if (strcmp(cmd, "catalog") == 0)
		return drg_registry_submit_catalog(reg, on_list, NULL);
	if (strcmp(cmd, "tags") == 0) {
		for (int i = 0; i < argc && rc == CDH_OK; i++)
			rc = drg_registry_submit_tags(reg, argv[i], on_list, NULL);
		return rc;
	}
	if (argc < 2)
		return CDH_E_CONFIG;
	for (int i = 1; i < argc && rc == CDH_OK; i++)
		rc = strcmp(cmd, "manifest") == 0 ?
			     drg_registry_submit_manifest(reg, argv[0], argv[i],
							  on_manifest, NULL) :
			     drg_registry_submit_config(reg, argv[0], argv[i],
							on_manifest, NULL);
	return rc;
}

static int32_t run(struct drg_registry *reg, const char *cmd, int argc,
		   char **argv)
{
	char err[512] = "";
	int32_t rc;

	if (strcmp(cmd, "tags-sync") == 0 || strcmp(cmd, "catalog-sync") == 0) {
		if (argc != (cmd[0] == 't'))
			return CDH_E_CONFIG;
		g.keep_order = 1;
		rc = cmd[0] == 't' ?
			     drg_registry_list_tags(reg, argv[0], print_name,
						    NULL, err, sizeof(err)) :
			     drg_registry_list_catalog(reg, print_name, NULL,
						       err, sizeof(err));
		if (rc != CDH_OK) {
			add_line("error %d: %s", rc, err);
			g.failed = 1;
		}
		return CDH_OK;
	}
	rc = submit_all(reg, cmd, argc, argv);
	if (rc != CDH_OK)
		return rc;
	rc = drg_registry_run(reg, err, sizeof(err));
	if (rc != CDH_OK)
		add_line("run: %s", err);
	return rc;
}

int main(int argc, char **argv)
{
	struct drg_registry_options o = { 0 };
	struct cdh_host_api api = { 0 };
	struct drg_registry *reg;
	struct drg_rate_limit rl;
	int stats = 0, first = parse_options(argc, argv, &o, &stats);
	int32_t rc;

	if (first < 0 || argc - first < 2)
		return usage();
	o.address = argv[first];
	o.account = "probe";
	o.credentials = credentials;
	api.struct_size = sizeof(api);
	api.log = host_log;
	api.is_cancelled = is_cancelled;
	g.started = now_s();
	api.count_request = count_request;
	reg = drg_registry_new(&o);
	if (!reg)
		return 1;
	drg_registry_bind(reg, &api, (struct cdh_refresh *)&api);
	rc = run(reg, argv[first + 1], argc - first - 2, argv + first + 2);
	drg_registry_rate_limit(reg, &rl);
	drg_registry_free(reg);
	if (rc == CDH_E_CONFIG)
		return usage();
	if (!g.keep_order)
		qsort(g.out.items, g.out.count, sizeof(char *), cmp);
	for (size_t i = 0; i < g.out.count; i++)
		printf("%s\n", g.out.items[i]);
	if (stats) {
		fprintf(stderr, "stats: requests=%d credentials=%d renews=%d 401=%ld 429=%ld",
			g.requests, g.calls, g.renews, g.statuses[401], g.statuses[429]);
		fprintf(stderr, " ratelimit=%lld/%lld;w=%lld\n", (long long)rl.remaining,
			(long long)rl.limit, (long long)rl.window_s);
	}
	drg_strvec_release(&g.out);
	return g.failed || rc != CDH_OK ? 1 : 0;
}
