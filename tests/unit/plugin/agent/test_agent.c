/*
 * test_agent - the caching agent's identity: Clouddriver's agent type string,
 * and a clean failure for an index out of range or a buffer too small; and
 * its cycle against a registry of the test's own (libmicrohttpd on
 * loopback): each repository's records go to the host as soon as its work
 * is done, in the listed order, not once the whole account is in (issue
 * #18); maxTagsPerRepository stops a listing that paginates without end
 * (issue #19); the requests a known config saved, an index's included
 * (issue #21). (Which agent owns a repository: test_partition.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "registry/manifest.h"
#include "util/digest.h"

/* ---- drg_agent_name ---- */

static void agent_name_is_clouddrivers_agent_type(void **state)
{
	char name_buf[] = "my-docker-registry";
	struct drg_account account = {0};
	char buf[128];

	(void)state;
	account.name = name_buf;
	account.cache_threads = 3;
	assert_int_equal(drg_agent_name(&account, 0, buf, sizeof(buf)), CDH_OK);
	assert_string_equal(
	    buf, "my-docker-registry/DockerRegistryImageCachingAgent[1/3]");
	assert_int_equal(drg_agent_name(&account, 2, buf, sizeof(buf)), CDH_OK);
	assert_string_equal(
	    buf, "my-docker-registry/DockerRegistryImageCachingAgent[3/3]");
}

static void agent_index_out_of_range_is_fatal(void **state)
{
	char name_buf[] = "hub";
	struct drg_account account = {0};
	char buf[128];

	(void)state;
	account.name = name_buf;
	account.cache_threads = 1;
	assert_int_equal(drg_agent_name(&account, 0, buf, sizeof(buf)), CDH_OK);
	assert_string_equal(buf, "hub/DockerRegistryImageCachingAgent[1/1]");
	assert_int_equal(drg_agent_name(&account, 1, buf, sizeof(buf)),
			 CDH_E_FATAL);
	assert_int_equal(drg_agent_name(&account, UINT32_MAX, buf, sizeof(buf)),
			 CDH_E_FATAL);
}

static void agent_name_that_does_not_fit_is_fatal(void **state)
{
	char name_buf[] = "hub";
	struct drg_account account = {0};
	char buf[16];

	(void)state;
	account.name = name_buf;
	account.cache_threads = 1;
	assert_int_equal(drg_agent_name(&account, 0, buf, sizeof(buf)),
			 CDH_E_FATAL);
}

/* ---- drg_agent_refresh against a registry of the test's own ---- */

#define REPOS 20
#define TAGS 3
#define EVENTS_MAX 1024

/* The host's refresh handle is opaque to the plugin: the test's own. */
struct cdh_refresh {
	int unused;
};

/*
 * One timeline of what the registry was asked ("list r07", "blob") and
 * what the host was handed ("record r07 taggedImage <attributes>", "scope
 * r07 0 <detail>"), in the order it happened: the registry answers on its
 * own thread, hence the lock.
 */
static struct {
	pthread_mutex_t lock;
	char *events[EVENTS_MAX];
	size_t count;
	char manifest[512], manifest_digest[DRG_DIGEST_MAX];
	char config[256], config_digest[DRG_DIGEST_MAX];
	char index[512], index_digest[DRG_DIGEST_MAX]; /* repository "multi" */
	int keep_logs; /* the plugin's log lines go onto the timeline too */
} g = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void event(const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&g.lock);
	if (g.count < EVENTS_MAX)
		g.events[g.count++] = strdup(line);
	pthread_mutex_unlock(&g.lock);
}

static void events_clear(void)
{
	while (g.count)
		free(g.events[--g.count]);
}

/* The index of the first event starting with `prefix`, or -1. */
static long event_at(const char *prefix)
{
	size_t i;

	for (i = 0; i < g.count; i++)
		if (strncmp(g.events[i], prefix, strlen(prefix)) == 0)
			return (long)i;
	return -1;
}

static size_t events_counted(const char *prefix)
{
	size_t i, n = 0;

	for (i = 0; i < g.count; i++)
		n += strncmp(g.events[i], prefix, strlen(prefix)) == 0;
	return n;
}

static enum MHD_Result reply_linked(struct MHD_Connection *conn,
				    const char *body, const char *type,
				    const char *digest, const char *link)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(
		strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result rc;

	if (link)
		MHD_add_response_header(resp, "Link", link);
	MHD_add_response_header(resp, "Content-Type", type);
	MHD_add_response_header(resp, "Docker-Distribution-Api-Version",
				"registry/2.0");
	if (digest)
		MHD_add_response_header(resp, "Docker-Content-Digest", digest);
	rc = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return rc;
}

static enum MHD_Result reply(struct MHD_Connection *conn, const char *body,
			     const char *type, const char *digest)
{
	return reply_linked(conn, body, type, digest, NULL);
}

/* Repository "endless": page k (?page=k) lists tags ek-a and ek-b and
 * links to page k+1, for ENDLESS_PAGES pages: a registry that paginates
 * without end, as far as a cap that works can tell. */
#define ENDLESS_PAGES 50

static enum MHD_Result endless_page(struct MHD_Connection *conn)
{
	const char *arg =
		MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "page");
	long k = arg ? strtol(arg, NULL, 10) : 0;
	char list[128], link[128];

	event("list endless");
	snprintf(list, sizeof(list),
		 "{\"name\":\"endless\",\"tags\":[\"e%ld-a\",\"e%ld-b\"]}", k,
		 k);
	snprintf(link, sizeof(link),
		 "</v2/endless/tags/list?n=2&page=%ld>; rel=\"next\"", k + 1);
	return reply_linked(conn, list, "application/json", NULL,
			    k + 1 < ENDLESS_PAGES ? link : NULL);
}

/* REPOS repositories rNN of TAGS tags tN, every tag the same image (so
 * one config fetch serves them all). */
static enum MHD_Result handle(void *cls, struct MHD_Connection *conn,
			      const char *url, const char *method,
			      const char *version, const char *upload,
			      size_t *upload_len, void **state)
{
	char repo[64], list[256];
	const char *slash;
	int t;

	(void)cls, (void)method, (void)version, (void)upload, (void)upload_len;
	if (!*state) { /* answered on the second call: keep-alive */
		*state = (void *)1;
		return MHD_YES;
	}
	if (strncmp(url, "/v2/", 4) == 0 && (slash = strchr(url + 4, '/')))
		snprintf(repo, sizeof(repo), "%.*s", (int)(slash - url - 4), url + 4);
	else
		return reply(conn, "{}", "application/json", NULL);
	if (strcmp(slash, "/tags/list") == 0 && strcmp(repo, "endless") == 0)
		return endless_page(conn);
	if (strcmp(slash, "/tags/list") == 0) {
		event("list %s", repo);
		snprintf(list, sizeof(list), "{\"name\":\"%s\",\"tags\":[", repo);
		for (t = 0; t < TAGS; t++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list),
				 "%s\"t%d\"%s", t ? "," : "", t,
				 t == TAGS - 1 ? "]}" : "");
		return reply(conn, list, "application/json", NULL);
	}
	if (strncmp(slash, "/blobs/", 7) == 0) {
		event("blob %s", repo);
		return reply(conn, g.config, "application/json", NULL);
	}
	event("manifest %s", repo);
	/* "multi": every tag is an index whose amd64 entry is the image. */
	if (strcmp(repo, "multi") == 0 &&
	    strcmp(slash + strlen("/manifests/"), g.manifest_digest) != 0)
		return reply(conn, g.index, DRG_MT_OCI_INDEX, g.index_digest);
	return reply(conn, g.manifest, DRG_MT_DOCKER_V2, g.manifest_digest);
}

static void image_bodies(void)
{
	snprintf(g.config, sizeof(g.config),
		 "{\"created\":\"2024-01-02T03:04:05Z\","
		 "\"config\":{\"Labels\":{\"team\":\"a\"}}}");
	assert_int_equal(drg_digest_sha256(g.config, strlen(g.config),
					   g.config_digest), 0);
	snprintf(g.manifest, sizeof(g.manifest),
		 "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":{"
		 "\"mediaType\":\"application/vnd.docker.container.image.v1+json\","
		 "\"size\":%zu,\"digest\":\"%s\"}}",
		 DRG_MT_DOCKER_V2, strlen(g.config), g.config_digest);
	assert_int_equal(drg_digest_sha256(g.manifest, strlen(g.manifest),
					   g.manifest_digest), 0);
	snprintf(g.index, sizeof(g.index),
		 "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"manifests\":[{"
		 "\"mediaType\":\"%s\",\"size\":%zu,\"digest\":\"%s\","
		 "\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}]}",
		 DRG_MT_OCI_INDEX, DRG_MT_DOCKER_V2, strlen(g.manifest),
		 g.manifest_digest);
	assert_int_equal(drg_digest_sha256(g.index, strlen(g.index),
					   g.index_digest), 0);
}

static struct MHD_Daemon *registry_start(uint16_t *port)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	const union MHD_DaemonInfo *info;
	struct MHD_Daemon *d;

	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO, 0,
			     NULL, NULL, handle, NULL, MHD_OPTION_SOCK_ADDR,
			     &addr, MHD_OPTION_END);
	assert_non_null(d);
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	assert_non_null(info);
	*port = info->port;
	return d;
}

/* ---- the host's side: the calls the agent makes, onto the timeline ---- */

static void host_log(int32_t level, const char *who, const char *msg)
{
	(void)level, (void)who;
	if (g.keep_logs)
		event("log %s", msg);
}

static int32_t host_is_cancelled(const struct cdh_refresh *refresh)
{
	(void)refresh;
	return 0;
}

static int32_t host_emit(struct cdh_refresh *refresh,
			 const struct cdh_record *rec)
{
	(void)refresh;
	event("record %s %s %s", rec->scope, rec->type, rec->attributes);
	return CDH_OK;
}

static int32_t host_scope_result(struct cdh_refresh *refresh, const char *scope,
				 int32_t result, const char *detail)
{
	(void)refresh;
	event("scope %s %d %s", scope, result, detail ? detail : "");
	return CDH_OK;
}

static void host_count_request(struct cdh_refresh *refresh, int32_t status)
{
	(void)refresh, (void)status;
}

static void host_gauge(struct cdh_refresh *refresh, const char *name,
		       int64_t value)
{
	(void)refresh;
	event("gauge %s %lld", name, (long long)value);
}

static const struct cdh_host_api host = {
	.struct_size = sizeof(struct cdh_host_api),
	.abi_minor = 1,
	.log = host_log,
	.is_cancelled = host_is_cancelled,
	.emit_record = host_emit,
	.scope_result = host_scope_result,
	.count_request = host_count_request,
	.gauge = host_gauge,
};

struct fixture {
	struct MHD_Daemon *registry;
	char address[64], registry_name[64];
	char *names[REPOS];
	char name_buf[REPOS][8];
	char account_name[8];
	struct drg_account account;
};

static int fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	uint16_t port;
	size_t i;

	assert_non_null(f);
	image_bodies();
	f->registry = registry_start(&port);
	snprintf(f->address, sizeof(f->address), "http://127.0.0.1:%u", port);
	snprintf(f->registry_name, sizeof(f->registry_name), "127.0.0.1:%u", port);
	snprintf(f->account_name, sizeof(f->account_name), "unit");
	for (i = 0; i < REPOS; i++) {
		snprintf(f->name_buf[i], sizeof(f->name_buf[i]), "r%02zu", i);
		f->names[i] = f->name_buf[i];
	}
	f->account.name = f->account_name;
	f->account.address = f->account.endpoint = f->address;
	f->account.registry = f->account.host = f->registry_name;
	f->account.repositories = f->names;
	f->account.repository_count = REPOS;
	f->account.cache_threads = 1;
	f->account.client_timeout_ms = 10000;
	f->account.paginate_size = 100;
	f->account.track_digests = 1;
	/* A window of two operations: the order of the work is the agent's. */
	f->account.max_concurrent_requests = 1;
	f->account.max_tags_per_repository = DRG_DEFAULT_MAX_TAGS_PER_REPOSITORY;
	f->account.max_records_per_account = DRG_DEFAULT_MAX_RECORDS_PER_ACCOUNT;
	*state = f;
	return 0;
}

static int fixture_teardown(void **state)
{
	struct fixture *f = *state;

	MHD_stop_daemon(f->registry);
	events_clear();
	g.keep_logs = 0;
	free(f);
	return 0;
}

/* One cycle of the fixture's account after last cycle's `*memo`, which
 * becomes this one's; the timeline holds what happened. */
static int32_t run_cycle_after(struct fixture *f, struct drg_memo **memo)
{
	struct drg_registry_options opts = {
		.address = f->account.endpoint, .account = f->account.name,
		.timeout_ms = 10000, .max_concurrent = 1,
	};
	struct drg_registry *reg = drg_registry_new(&opts);
	struct cdh_refresh refresh = { 0 };
	char err[512] = "";
	int32_t rc;

	assert_non_null(reg);
	events_clear();
	drg_registry_bind(reg, &host, &refresh);
	rc = drg_agent_refresh(&host, &f->account, reg, 0, memo, &refresh,
			       err, sizeof(err));
	drg_registry_bind(reg, &host, NULL);
	if (rc != CDH_OK)
		fprintf(stderr, "refresh: %s\n", err);
	drg_registry_free(reg);
	return rc;
}

/* One cycle of the fixture's account, the first. */
static int32_t run_cycle(struct fixture *f)
{
	struct drg_memo *memo = drg_memo_new();
	int32_t rc;

	assert_non_null(memo);
	rc = run_cycle_after(f, &memo);
	drg_memo_free(memo);
	return rc;
}

/* Every repository's records, then its scope result, in the listed order;
 * `cut` tags (in that order) get records at all. */
static void assert_records_in_listed_order(const char *needle, size_t cut)
{
	char prefix[64];
	long last = -1, at;
	size_t r, t, seen = 0;

	for (r = 0; r < REPOS; r++) {
		for (t = 0; t < TAGS; t++, seen++) {
			snprintf(prefix, sizeof(prefix),
				 "record r%02zu taggedImage {\"name\":\"r%02zu:t%zu\"",
				 r, r, t);
			at = event_at(prefix);
			if (seen >= cut) {
				assert_int_equal(at, -1);
				continue;
			}
			assert_true(at > last);
			assert_non_null(strstr(g.events[at], needle));
			snprintf(prefix, sizeof(prefix), "record r%02zu imageId", r);
			assert_true(at + 1 < (long)g.count);
			assert_true(strncmp(g.events[at + 1], prefix,
					    strlen(prefix)) == 0);
			last = at + 1;
		}
		snprintf(prefix, sizeof(prefix), "scope r%02zu 0 ", r);
		at = event_at(prefix);
		assert_true(at > last);
		last = at;
	}
	assert_int_equal(events_counted("record "), 2 * cut);
}

static void records_go_out_per_repository_before_the_account_is_in(void **state)
{
	struct fixture *f = *state;
	char needle[128];

	assert_int_equal(run_cycle(f), CDH_OK);
	snprintf(needle, sizeof(needle), "\"digest\":\"%s\"", g.manifest_digest);
	assert_records_in_listed_order(needle, REPOS * TAGS);
	assert_int_equal(events_counted("list "), REPOS);
	assert_int_equal(events_counted("manifest "), REPOS * TAGS);
	/* The first repository's records were out before the last one's tags
	 * were asked for: the agent does not hold the whole account. */
	assert_true(event_at("scope r00 ") >= 0);
	assert_true(event_at("scope r00 ") < event_at("list r19"));
}

static void a_repository_waits_for_the_configs_its_tags_share(void **state)
{
	struct fixture *f = *state;
	char needle[128];

	f->account.sort_tags_by_date = 1;
	f->account.inspect_digests = 1;
	assert_int_equal(run_cycle(f), CDH_OK);
	/* Every tag of every repository is one image: one config fetch, the
	 * other tags waited for it, and each has its date and labels. */
	assert_int_equal(events_counted("blob "), 1);
	snprintf(needle, sizeof(needle),
		 "\"date\":{\"epochSecond\":1704164645,\"nano\":0},"
		 "\"labels\":{\"team\":\"a\"},\"configDigest\":\"%s\"",
		 g.config_digest);
	assert_records_in_listed_order(needle, REPOS * TAGS);
	assert_true(event_at("scope r00 ") < event_at("list r19"));
}

static void the_account_cap_keeps_the_first_tags_listed(void **state)
{
	struct fixture *f = *state;

	/* Seven tags' records: r00's three, r01's three, r02's first. */
	f->account.max_records_per_account = 14;
	assert_int_equal(run_cycle(f), CDH_OK);
	assert_records_in_listed_order("\"account\":\"unit\"", 7);
	assert_true(event_at("scope r00 ") < event_at("list r19"));
}

/* One repository, "endless", cut at `cap` tags: the timeline holds the
 * page requests, records and log lines. */
static void run_endless(struct fixture *f, int64_t cap)
{
	static char endless[] = "endless";
	static char *names[] = { endless };

	f->account.repositories = names;
	f->account.repository_count = 1;
	f->account.max_tags_per_repository = cap;
	g.keep_logs = 1;
	assert_int_equal(run_cycle(f), CDH_OK);
}

static void the_tag_cap_stops_a_listing_without_end(void **state)
{
	struct fixture *f = *state;

	run_endless(f, 5);
	/* Pages 0, 1 and 2 list six tags: the fifth is on page 2, so page 3
	 * and the 46 after it are never asked for. */
	assert_int_equal(events_counted("list endless"), 3);
	assert_int_equal(events_counted("record endless taggedImage"), 5);
	assert_true(event_at("record endless taggedImage {\"name\":\"endless:e2-a\"") >= 0);
	assert_int_equal(event_at("record endless taggedImage {\"name\":\"endless:e2-b\""), -1);
	assert_true(event_at("log Repository endless of account unit lists more "
			     "tags than maxTagsPerRepository (5): its listing "
			     "stopped there, the rest are not cached") >= 0);
}

static void a_listing_within_the_tag_cap_is_whole(void **state)
{
	struct fixture *f = *state;

	/* 50 pages of 2 tags: a cap of 100 is reached on the last page. */
	run_endless(f, 100);
	assert_int_equal(events_counted("list endless"), ENDLESS_PAGES);
	assert_int_equal(events_counted("record endless taggedImage"), 100);
	assert_int_equal(events_counted("log Repository endless"), 0);
	/* One short: the count of the rest is known, as before the cap
	 * stopped listings. */
	run_endless(f, 99);
	assert_int_equal(events_counted("list endless"), ENDLESS_PAGES);
	assert_int_equal(events_counted("record endless taggedImage"), 99);
	assert_true(event_at("log Repository endless of account unit lists 1 "
			     "tags more than maxTagsPerRepository (99): they "
			     "are not cached") >= 0);
}

static void a_known_config_saves_the_requests_of_its_fetch(void **state)
{
	static char image[] = "r00", multi[] = "multi";
	static char *names[] = { image, multi };
	struct fixture *f = *state;
	struct drg_memo *memo = drg_memo_new();

	assert_non_null(memo);
	f->account.repositories = names;
	f->account.repository_count = 2;
	f->account.sort_tags_by_date = 1;
	assert_int_equal(run_cycle_after(f, &memo), CDH_OK);
	/* Per repository, 3 HEADs and one config: r00's manifest and blob,
	 * multi's index, its amd64 image and the blob. Nothing saved yet. */
	assert_int_equal(events_counted("manifest r00"), 3 + 1);
	assert_int_equal(events_counted("manifest multi"), 3 + 2);
	assert_int_equal(events_counted("blob "), 2);
	assert_int_equal(events_counted("gauge requests_saved"), 0);
	/* The same digests again: the memo knows both configs, so the 2 + 3
	 * requests of their fetches are saved, each digest once. */
	assert_int_equal(run_cycle_after(f, &memo), CDH_OK);
	assert_int_equal(events_counted("manifest "), 3 + 3);
	assert_int_equal(events_counted("blob "), 0);
	assert_true(event_at("gauge requests_saved ") >= 0);
	assert_string_equal(g.events[event_at("gauge requests_saved ")],
			    "gauge requests_saved 5");
	drg_memo_free(memo);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(agent_name_is_clouddrivers_agent_type),
	    cmocka_unit_test(agent_index_out_of_range_is_fatal),
	    cmocka_unit_test(agent_name_that_does_not_fit_is_fatal),
	    cmocka_unit_test_setup_teardown(
		records_go_out_per_repository_before_the_account_is_in,
		fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(
		a_repository_waits_for_the_configs_its_tags_share,
		fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(
		the_account_cap_keeps_the_first_tags_listed, fixture_setup,
		fixture_teardown),
	    cmocka_unit_test_setup_teardown(
		the_tag_cap_stops_a_listing_without_end, fixture_setup,
		fixture_teardown),
	    cmocka_unit_test_setup_teardown(
		a_listing_within_the_tag_cap_is_whole, fixture_setup,
		fixture_teardown),
	    cmocka_unit_test_setup_teardown(
		a_known_config_saves_the_requests_of_its_fetch, fixture_setup,
		fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
