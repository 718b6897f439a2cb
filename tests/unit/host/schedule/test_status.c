/*
 * test_status - what /health and /metrics report: per agent the last run
 * (lastSuccess on success, lastError and its message on failure), the last
 * reload (ok, or its "file:line: why"), Prometheus lines with escaped label
 * values and a cached-images gauge per account, and forgetting.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schedule/status.h"
#include "testdir.h"

#define HUB_AGENT "hub/DockerRegistryImageCachingAgent[1/1]"

struct fixture {
	struct testdir dir;
	struct cdh_status *status;
	struct cdh_store *store;
	char *text;
	json_object *health;
	char err[512];
};

static int setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	*state = &f;
	f.status = cdh_status_new();
	if (!f.status || testdir_init(&f.dir) != 0)
		return -1;
	cdh_status_set_reload(f.status, 1, NULL);
	f.store = cdh_store_open_sqlite(testdir_file(&f.dir, "cache.db"), f.err,
					sizeof(f.err));
	return f.store ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	cdh_status_free(f->status);
	free(f->text);
	json_object_put(f->health);
	cdh_store_close(f->store);
	testdir_release(&f->dir);
	return 0;
}

static struct cdh_run_summary run(const char *agent, int32_t result,
				  const char *error)
{
	struct cdh_run_summary s;

	memset(&s, 0, sizeof(s));
	snprintf(s.agent, sizeof(s.agent), "%s", agent);
	snprintf(s.error, sizeof(s.error), "%s", error ? error : "");
	s.result = result;
	s.seconds = 1.5;
	s.records = 7;
	return s;
}

/* `s` having stored `n` records of `type` (an applied run). */
static struct cdh_run_summary stored(struct cdh_run_summary s,
				     const char *type, uint64_t n)
{
	snprintf(s.stored[s.stored_types].type,
		 sizeof(s.stored[s.stored_types].type), "%s", type);
	s.stored[s.stored_types++].count = n;
	s.stored_known = 1;
	return s;
}

static void record(struct fixture *f, const char *account,
		   struct cdh_run_summary s)
{
	cdh_status_record_run(f->status, account, &s);
}

/* ---- /health ---- */

static json_object *health(struct fixture *f)
{
	char *json = cdh_status_health_json(f->status);

	assert_non_null(json);
	json_object_put(f->health);
	f->health = json_tokener_parse(json);
	if (!f->health)
		fail_msg("/health is not JSON: %s", json);
	free(json);
	return f->health;
}

/*
 * Looks up a dotted path ("accounts.hub.0.agent") into *out; 1 found, 0 not.
 * json-c holds a JSON null as NULL, so "found" is what tells null from absent.
 */
static int lookup(json_object *obj, const char *path, json_object **out)
{
	char key[256];
	const char *dot;

	for (; *path; path = dot ? dot + 1 : "") {
		dot = strchr(path, '.');
		snprintf(key, sizeof(key), "%.*s",
			 (int)(dot ? (size_t)(dot - path) : strlen(path)),
			 path);
		if (json_object_is_type(obj, json_type_array)) {
			if (strtoul(key, NULL, 10) >=
			    json_object_array_length(obj))
				return 0;
			obj = json_object_array_get_idx(obj,
							strtoul(key, NULL, 10));
		} else if (!json_object_is_type(obj, json_type_object) ||
			   !json_object_object_get_ex(obj, key, &obj)) {
			return 0;
		}
	}
	*out = obj;
	return 1;
}

static json_object *at(json_object *root, const char *path)
{
	json_object *v = NULL;

	return lookup(root, path, &v) ? v : NULL;
}

/* The value at `path` as compact JSON text, or "(absent)". */
static const char *text_at(json_object *root, const char *path)
{
	json_object *v;

	if (!lookup(root, path, &v))
		return "(absent)";
	return json_object_to_json_string_ext(
	    v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* True when `v` is a string like "2024-01-02T03:04:05Z". */
static int is_iso_time(json_object *v)
{
	const char *s = json_object_get_string(v);

	return json_object_is_type(v, json_type_string) && strlen(s) == 20 &&
	       s[4] == '-' && s[10] == 'T' && s[19] == 'Z';
}

static void health_is_up_with_no_accounts_at_first(void **state)
{
	struct fixture *f = *state;
	json_object *h = health(f);

	assert_string_equal(text_at(h, "status"), "\"UP\"");
	assert_string_equal(text_at(h, "accounts"), "{}");
	assert_string_equal(text_at(h, "reload.ok"), "true");
}

static void a_successful_run_sets_last_success(void **state)
{
	struct fixture *f = *state;
	json_object *h;

	record(f, "hub", run(HUB_AGENT, CDH_OK, NULL));
	h = health(f);
	assert_string_equal(text_at(h, "accounts.hub.0.agent"),
			    "\"" HUB_AGENT "\"");
	assert_true(is_iso_time(at(h, "accounts.hub.0.lastSuccess")));
	assert_string_equal(text_at(h, "accounts.hub.0.lastError"), "null");
	assert_string_equal(text_at(h, "accounts.hub.0.lastErrorMessage"),
			    "(absent)");
	assert_string_equal(text_at(h, "accounts.hub.0.lastDurationSeconds"),
			    "1.5");
	assert_string_equal(text_at(h, "accounts.hub.0.records"), "7");
}

static void a_failed_run_sets_last_error_and_its_message(void **state)
{
	struct fixture *f = *state;
	json_object *h;

	record(f, "hub", run(HUB_AGENT, CDH_E_TRANSIENT, "registry said 503"));
	h = health(f);
	assert_string_equal(text_at(h, "status"), "\"UP\"");
	assert_string_equal(text_at(h, "accounts.hub.0.lastSuccess"), "null");
	assert_true(is_iso_time(at(h, "accounts.hub.0.lastError")));
	assert_string_equal(text_at(h, "accounts.hub.0.lastErrorMessage"),
			    "\"registry said 503\"");
}

static void a_partial_run_is_an_error_too(void **state)
{
	struct fixture *f = *state;
	struct cdh_run_summary s = run(HUB_AGENT, CDH_OK, NULL);
	json_object *h;

	s.scopes = 3;
	s.failed_scopes = 1;
	record(f, "hub", s);
	h = health(f);
	assert_string_equal(text_at(h, "accounts.hub.0.lastSuccess"), "null");
	assert_string_equal(text_at(h, "accounts.hub.0.lastErrorMessage"),
			    "\"some repositories failed\"");
}

/* Rejected credentials back off as a transient failure, but /health names
 * them apart, with the registry's reason (#20). */
static void rejected_credentials_are_a_state_of_their_own(void **state)
{
	struct fixture *f = *state;
	struct cdh_run_summary s = run(HUB_AGENT, CDH_E_CREDENTIALS,
				       "catalog: HTTP 401: registry rejected "
				       "the credentials for user alice");
	json_object *h;

	s.state = CDH_AGENT_BACKOFF;
	record(f, "hub", s);
	h = health(f);
	assert_string_equal(text_at(h, "accounts.hub.0.state"),
			    "\"credentials\"");
	assert_string_equal(text_at(h, "accounts.hub.0.stateMessage"),
			    "\"catalog: HTTP 401: registry rejected the "
			    "credentials for user alice\"");
	s = run(HUB_AGENT, CDH_E_TRANSIENT, "registry said 503");
	s.state = CDH_AGENT_BACKOFF;
	record(f, "hub", s);
	assert_string_equal(text_at(health(f), "accounts.hub.0.state"),
			    "\"backoff\"");
}

/* Scheduled, not run yet: listed, and not called healthy (#20). */
static void an_agent_not_run_yet_is_starting(void **state)
{
	struct fixture *f = *state;
	json_object *h;

	cdh_status_add_agent(f->status, "hub", HUB_AGENT);
	h = health(f);
	assert_string_equal(text_at(h, "accounts.hub.0.agent"), "\"" HUB_AGENT "\"");
	assert_string_equal(text_at(h, "accounts.hub.0.state"), "\"starting\"");
	assert_string_equal(text_at(h, "accounts.hub.0.stateMessage"),
			    "\"not run yet\"");
	record(f, "hub", run(HUB_AGENT, CDH_OK, NULL));
	cdh_status_add_agent(f->status, "hub", HUB_AGENT); /* a reload */
	h = health(f);
	assert_string_equal(text_at(h, "accounts.hub.0.state"), "\"ok\"");
	assert_int_equal(json_object_array_length(at(h, "accounts.hub")), 1);
}

#define OTHER_RUN(ok) \
	"{\"node\":\"other:1@other\",\"time\":1700000000000,\"ok\":" ok "}"

/* Several nodes: /health once the scheduler said of HUB_AGENT that
 * "other:1@other" holds its lock and ran it last (last_run). */
static json_object *health_after_cluster(struct fixture *f,
					 const char *last_run, int elsewhere)
{
	struct cdh_agent_cluster info = {
		HUB_AGENT, "other:1@other", last_run, 0, 1, elsewhere,
	};

	cdh_status_set_cluster(f->status, "here:2@here", NULL);
	cdh_status_add_agent(f->status, "hub", HUB_AGENT);
	cdh_status_record_cluster(f->status, "hub", &info);
	return health(f);
}

/* Several nodes: an agent another node runs takes that run's state here,
 * not "starting" forever. */
static void an_agent_other_nodes_run_shows_their_last_run(void **state)
{
	struct fixture *f = *state;
	json_object *h = health_after_cluster(f, OTHER_RUN("true"), 0);

	assert_string_equal(text_at(h, "accounts.hub.0.state"), "\"ok\"");
	assert_string_equal(text_at(h, "accounts.hub.0.lastRun.node"),
			    "\"other:1@other\"");
	h = health_after_cluster(f, OTHER_RUN("false"), 0);
	assert_string_equal(text_at(h, "accounts.hub.0.state"), "\"unhealthy\"");
}

/* Several nodes: an agent this node's enabledPattern leaves out is
 * "elsewhere", with the other node's last run and the lock's owner, and a
 * failed run there never makes it unhealthy here. */
static void an_agent_left_to_other_nodes_is_elsewhere(void **state)
{
	struct fixture *f = *state;
	json_object *h = health_after_cluster(f, OTHER_RUN("false"), 1);

	assert_string_equal(text_at(h, "accounts.hub.0.state"), "\"elsewhere\"");
	assert_string_equal(text_at(h, "accounts.hub.0.stateMessage"),
			    "\"run by other nodes: host.cluster.enabledPattern "
			    "leaves it out here\"");
	assert_string_equal(text_at(h, "accounts.hub.0.lastRun.node"),
			    "\"other:1@other\"");
	assert_string_equal(text_at(h, "accounts.hub.0.lastRun.ok"), "false");
	assert_string_equal(text_at(h, "accounts.hub.0.lockOwner"),
			    "\"other:1@other\"");
}

/* Every repository failed and none ever stored: the scheduler runs it as
 * usual ("ok" until #20), but nothing is served: unhealthy, until a run
 * stores something. */
static void an_agent_that_never_stored_is_unhealthy(void **state)
{
	struct fixture *f = *state;
	struct cdh_run_summary s = run(HUB_AGENT, CDH_OK, NULL);
	json_object *h;

	s.scopes = 2;
	s.failed_scopes = 2;
	snprintf(s.problem, sizeof(s.problem), "img/x: HTTP 401");
	record(f, "hub", s);
	h = health(f);
	assert_string_equal(text_at(h, "accounts.hub.0.state"), "\"unhealthy\"");
	assert_string_equal(text_at(h, "accounts.hub.0.stateMessage"),
			    "\"img/x: HTTP 401\"");
	s.failed_scopes = 1; /* one repository stored: partial, as before */
	record(f, "hub", s);
	h = health(f);
	assert_string_equal(text_at(h, "accounts.hub.0.state"), "\"ok\"");
	s.failed_scopes = 2; /* it did store once: what it stored is served */
	record(f, "hub", s);
	h = health(f);
	assert_string_equal(text_at(h, "accounts.hub.0.state"), "\"ok\"");
}

/* A partial run's records are what is served: its good scopes' and what
 * the failed ones kept, not only the ones it fetched. */
static void a_partial_runs_records_count_what_is_kept(void **state)
{
	struct fixture *f = *state;
	struct cdh_run_summary s = run(HUB_AGENT, CDH_OK, NULL);
	json_object *h;

	s.scopes = 3;
	s.failed_scopes = 1;
	s.records = 2;
	s = stored(stored(s, "taggedImage", 4), "imageId", 4);
	record(f, "hub", s);
	h = health(f);
	assert_string_equal(text_at(h, "accounts.hub.0.records"), "8");
}

static void each_agent_shows_its_scheduler_state(void **state)
{
	struct fixture *f = *state;
	struct cdh_run_summary s = run(HUB_AGENT, CDH_OK, NULL);
	json_object *h;

	record(f, "hub", s);
	h = health(f);
	assert_string_equal(text_at(h, "accounts.hub.0.state"), "\"ok\"");
	assert_string_equal(text_at(h, "accounts.hub.0.stateMessage"), "(absent)");

	s = run(HUB_AGENT, CDH_E_CONFIG,
		"this registry has no catalog: list repositories");
	s.state = CDH_AGENT_CONFIG_ERROR;
	record(f, "hub", s);
	h = health(f);
	assert_string_equal(text_at(h, "accounts.hub.0.state"), "\"config-error\"");
	assert_string_equal(text_at(h, "accounts.hub.0.stateMessage"),
			    "\"this registry has no catalog: list repositories\"");
	/* The fields that were there before stay. */
	assert_string_equal(text_at(h, "accounts.hub.0.lastErrorMessage"),
			    "\"this registry has no catalog: list repositories\"");
}

static void backoff_and_disabled_are_named(void **state)
{
	struct fixture *f = *state;
	struct cdh_run_summary s = run(HUB_AGENT, CDH_E_TRANSIENT, "503");
	json_object *h;

	s.state = CDH_AGENT_BACKOFF;
	record(f, "hub", s);
	s = run("other/DockerRegistryImageCachingAgent[1/1]", CDH_E_FATAL, "broken");
	s.state = CDH_AGENT_DISABLED;
	record(f, "other", s);
	h = health(f);
	assert_string_equal(text_at(h, "accounts.hub.0.state"), "\"backoff\"");
	assert_string_equal(text_at(h, "accounts.hub.0.stateMessage"), "\"503\"");
	assert_string_equal(text_at(h, "accounts.other.0.state"), "\"disabled\"");
	assert_string_equal(text_at(h, "accounts.other.0.stateMessage"),
			    "\"broken\"");
}

/* A run whose scopes were all stored but one incompletely (issue #22):
 * an error, shown with the plugin's detail. */
static void an_incomplete_run_shows_its_first_problem(void **state)
{
	struct fixture *f = *state;
	struct cdh_run_summary s = run(HUB_AGENT, CDH_OK, NULL);
	json_object *h;

	s.scopes = 2;
	s.incomplete_scopes = 1;
	snprintf(s.problem, sizeof(s.problem), "img/x: tag 2 not refreshed: HTTP 500");
	record(f, "hub", s);
	h = health(f);
	assert_string_equal(text_at(h, "accounts.hub.0.lastSuccess"), "null");
	assert_string_equal(text_at(h, "accounts.hub.0.lastErrorMessage"),
			    "\"img/x: tag 2 not refreshed: HTTP 500\"");
}

static void success_after_failure_keeps_the_last_error(void **state)
{
	struct fixture *f = *state;
	json_object *h;

	record(f, "hub", run(HUB_AGENT, CDH_E_TRANSIENT, "timeout"));
	record(f, "hub", run(HUB_AGENT, CDH_OK, NULL));
	h = health(f);
	assert_true(is_iso_time(at(h, "accounts.hub.0.lastSuccess")));
	assert_true(is_iso_time(at(h, "accounts.hub.0.lastError")));
	assert_string_equal(text_at(h, "accounts.hub.0.lastErrorMessage"),
			    "\"timeout\"");
	assert_int_equal(json_object_array_length(at(h, "accounts.hub")), 1);
}

static void agents_are_grouped_by_account(void **state)
{
	struct fixture *f = *state;
	json_object *h;

	record(f, "hub", run("hub/agent[1/2]", CDH_OK, NULL));
	record(f, "quay", run("quay/agent[1/1]", CDH_OK, NULL));
	record(f, "hub", run("hub/agent[2/2]", CDH_OK, NULL));
	h = health(f);
	assert_int_equal(json_object_array_length(at(h, "accounts.hub")), 2);
	assert_string_equal(text_at(h, "accounts.hub.0.agent"),
			    "\"hub/agent[1/2]\"");
	assert_string_equal(text_at(h, "accounts.hub.1.agent"),
			    "\"hub/agent[2/2]\"");
	assert_string_equal(text_at(h, "accounts.quay.0.agent"),
			    "\"quay/agent[1/1]\"");
}

static void a_refused_reload_shows_its_error_and_stays_up(void **state)
{
	struct fixture *f = *state;
	json_object *h;

	cdh_status_set_reload(
	    f->status, 0, "/etc/cdhost/cdhost.cfg:12: accounts must be a list");
	h = health(f);
	assert_string_equal(text_at(h, "status"), "\"UP\"");
	assert_string_equal(text_at(h, "reload.ok"), "false");
	assert_true(is_iso_time(at(h, "reload.time")));
	assert_string_equal(
	    text_at(h, "reload.error"),
	    "\"/etc/cdhost/cdhost.cfg:12: accounts must be a list\"");
}

static void a_good_reload_clears_the_error(void **state)
{
	struct fixture *f = *state;
	json_object *h;

	cdh_status_set_reload(f->status, 0, "cdhost.cfg:3: syntax error");
	cdh_status_set_reload(f->status, 1, NULL);
	h = health(f);
	assert_string_equal(text_at(h, "reload.ok"), "true");
	assert_string_equal(text_at(h, "reload.error"), "(absent)");
}

/* ---- /metrics ---- */

static const char *metrics(struct fixture *f, struct cdh_store *store)
{
	free(f->text);
	f->text = cdh_status_metrics_text(f->status, store);
	assert_non_null(f->text);
	return f->text;
}

/* Fails, showing the whole text, unless `line` is one of its lines. */
static void has_line(const char *text, const char *line)
{
	size_t len = strlen(line);
	const char *p;

	for (p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && p[len] == '\n')
			return;
	fail_msg("no line \"%s\" in:\n%s", line, text);
}

static void lacks(const char *text, const char *part)
{
	if (strstr(text, part))
		fail_msg("\"%s\" unexpected in:\n%s", part, text);
}

static size_t occurrences(const char *text, const char *part)
{
	size_t n = 0;

	for (; (text = strstr(text, part)) != NULL; text++)
		n++;
	return n;
}

static void metrics_report_each_agents_last_run_and_counters(void **state)
{
	struct fixture *f = *state;
	struct cdh_run_summary s = run(HUB_AGENT, CDH_OK, NULL);
	const char *m;

	s.requests_by_class[2] = 3;
	s.requests_by_class[5] = 1;
	record(f, "hub", run(HUB_AGENT, CDH_E_TRANSIENT, "boom"));
	record(f, "hub", s);
	m = metrics(f, NULL);
	has_line(m, "# TYPE cdhost_refresh_duration_seconds gauge");
	has_line(m, "cdhost_refresh_duration_seconds{agent=\"" HUB_AGENT
		    "\"} 1.500000");
	has_line(m, "cdhost_refresh_last_success{agent=\"" HUB_AGENT "\"} 1");
	has_line(m, "cdhost_refresh_runs_total{agent=\"" HUB_AGENT "\"} 2");
	has_line(m, "cdhost_refresh_failures_total{agent=\"" HUB_AGENT "\"} 1");
	has_line(
	    m,
	    "cdhost_registry_requests_total{account=\"hub\",agent=\"" HUB_AGENT
	    "\",status=\"2xx\"} 3");
	has_line(
	    m,
	    "cdhost_registry_requests_total{account=\"hub\",agent=\"" HUB_AGENT
	    "\",status=\"5xx\"} 1");
	lacks(m, "status=\"4xx\"");
	has_line(m, "cdhost_reload_ok 1");
}

static void request_counts_add_up_over_runs(void **state)
{
	struct fixture *f = *state;
	struct cdh_run_summary s = run(HUB_AGENT, CDH_OK, NULL);

	s.requests_by_class[0] = 2;
	record(f, "hub", s);
	record(f, "hub", s);
	has_line(
	    metrics(f, NULL),
	    "cdhost_registry_requests_total{account=\"hub\",agent=\"" HUB_AGENT
	    "\",status=\"error\"} 4");
}

static void label_values_escape_quotes_backslashes_newlines(void **state)
{
	struct fixture *f = *state;

	record(f, "we\"ird", stored(run("a\"b\\c\nd", CDH_OK, NULL), "t\"y", 0));
	has_line(metrics(f, f->store),
		 "cdhost_refresh_runs_total{agent=\"a\\\"b\\\\c\\nd\"} 1");
	has_line(f->text,
		 "cdhost_cached_records{account=\"we\\\"ird\",type=\"t\\\"y\"} 0");
}

static void cached_records_are_summed_per_account_and_type(void **state)
{
	struct fixture *f = *state;
	const char *m;

	record(f, "hub", stored(stored(run("hub/agent[1/2]", CDH_OK, NULL),
				    "taggedImage", 2),
			     "imageId", 2));
	record(f, "hub", stored(run("hub/agent[2/2]", CDH_OK, NULL), "taggedImage",
			     1));
	record(f, "hubby", stored(run("hubby/agent[1/1]", CDH_OK, NULL),
			       "taggedImage", 1));
	m = metrics(f, f->store);
	has_line(m, "# TYPE cdhost_cached_records gauge");
	has_line(m, "cdhost_cached_records{account=\"hub\",type=\"taggedImage\"} 3");
	has_line(m, "cdhost_cached_records{account=\"hub\",type=\"imageId\"} 2");
	has_line(m, "cdhost_cached_records{account=\"hubby\",type=\"taggedImage\"} 1");
	assert_int_equal(occurrences(m, "cdhost_cached_records{account=\"hub\","
					"type=\"taggedImage\"}"),
			 1);
}

static void a_run_not_applied_keeps_the_counts(void **state)
{
	struct fixture *f = *state;

	record(f, "hub", stored(run(HUB_AGENT, CDH_OK, NULL), "taggedImage", 5));
	record(f, "hub", run(HUB_AGENT, CDH_E_TRANSIENT, "down"));
	has_line(metrics(f, f->store),
		 "cdhost_cached_records{account=\"hub\",type=\"taggedImage\"} 5");
}

static void without_a_store_there_is_no_image_gauge(void **state)
{
	struct fixture *f = *state;

	record(f, "hub", run(HUB_AGENT, CDH_OK, NULL));
	lacks(metrics(f, NULL), "cdhost_cached_records");
}

static void a_refused_reload_is_reload_ok_zero(void **state)
{
	struct fixture *f = *state;

	cdh_status_set_reload(f->status, 0, "cdhost.cfg:1: bad");
	has_line(metrics(f, NULL), "cdhost_reload_ok 0");
}

/* The metric name a sample line starts with, into `name`. */
static void sample_name(const char *line, char *name, size_t len)
{
	size_t n = strcspn(line, "{ \n");

	snprintf(name, len, "%.*s", (int)n, line);
}

/*
 * Prometheus text format 0.0.4: "All lines for a given metric must be
 * provided as one single group, with the optional HELP and TYPE lines first."
 * Fails naming the first sample that breaks its family's group.
 */
static void each_family_is_one_group(const char *text)
{
	char family[256] = "", name[256], key[260], seen[4096] = " ";
	const char *line, *next;

	for (line = text; *line; line = next + 1) {
		if (!(next = strchr(line, '\n')))
			fail_msg("unterminated last line: %s", line);
		if (strncmp(line, "# TYPE ", 7) == 0) {
			sample_name(line + 7, family, sizeof(family));
			snprintf(key, sizeof(key), " %s ", family);
			if (strstr(seen, key))
				fail_msg("a second TYPE line for %s", family);
			snprintf(seen + strlen(seen),
				 sizeof(seen) - strlen(seen), "%s ", family);
			continue;
		}
		sample_name(line, name, sizeof(name));
		if (strcmp(name, family) != 0) {
			print_message("%s", text);
			fail_msg("a %s sample in the group of %s: %.*s", name,
				 family, (int)(next - line), line);
		}
	}
}

/*
 * Push refreshes (#15): /health shows each account's last, /metrics counts
 * them by result; an agent that does not cache the scope does not hide the
 * result of the one that does.
 */
static void push_refreshes_show_in_health_and_metrics(void **state)
{
	struct fixture *f = *state;
	struct cdh_run_summary ok = run("hub/agent[1/2]", CDH_OK, NULL);
	struct cdh_run_summary other =
		run("hub/agent[2/2]", CDH_E_CONFIG, "not cached by agent 2");
	json_object *h;
	const char *m;

	assert_string_equal(text_at(health(f), "push"), "{}");
	cdh_status_record_push(f->status, "hub", "team/app", &ok);
	cdh_status_record_push(f->status, "hub", "team/app", &other);
	h = health(f);
	assert_string_equal(text_at(h, "push.hub.lastRefresh.scope"), "\"team/app\"");
	assert_string_equal(text_at(h, "push.hub.lastRefresh.result"), "\"ok\"");
	assert_true(is_iso_time(at(h, "push.hub.lastRefresh.time")));
	assert_string_equal(text_at(h, "push.hub.ok"), "1");
	assert_string_equal(text_at(h, "push.hub.notCached"), "1");
	/* A scope no agent caches shows as such; a failure with its error. */
	cdh_status_record_push(f->status, "hub", "other/x", &other);
	assert_string_equal(text_at(health(f), "push.hub.lastRefresh.result"),
			    "\"not cached\"");
	other = run("hub/agent[1/2]", CDH_E_TRANSIENT, "registry said 503");
	cdh_status_record_push(f->status, "hub", "team/app", &other);
	assert_string_equal(text_at(health(f), "push.hub.lastRefresh.result"),
			    "\"registry said 503\"");
	m = metrics(f, NULL);
	has_line(m, "# TYPE cdhost_push_refreshes_total counter");
	has_line(m, "cdhost_push_refreshes_total{account=\"hub\",result=\"ok\"} 1");
	has_line(m, "cdhost_push_refreshes_total{account=\"hub\",result=\"failed\"} 1");
	has_line(m, "cdhost_push_refreshes_total{account=\"hub\",result=\"not_cached\"} 2");
	each_family_is_one_group(m);
	cdh_status_forget_account(f->status, "hub");
	assert_string_equal(text_at(health(f), "push"), "{}");
}

static void each_metric_is_one_group_after_its_type_line(void **state)
{
	struct fixture *f = *state;
	struct cdh_run_summary s = run("hub/agent[1/2]", CDH_OK, NULL);

	s.requests_by_class[2] = 1;
	record(f, "hub", s);
	record(f, "hub", run("hub/agent[2/2]", CDH_OK, NULL));
	record(f, "quay", run("quay/agent[1/1]", CDH_OK, NULL));
	each_family_is_one_group(metrics(f, f->store));
}

/* ---- forgetting ---- */

static void forgetting_an_account_drops_only_its_agents(void **state)
{
	struct fixture *f = *state;
	json_object *h;

	record(f, "hub", run("hub/agent[1/2]", CDH_OK, NULL));
	record(f, "quay", run("quay/agent[1/1]", CDH_OK, NULL));
	record(f, "hub", run("hub/agent[2/2]", CDH_OK, NULL));
	cdh_status_forget_account(f->status, "hub");
	h = health(f);
	assert_string_equal(text_at(h, "accounts.hub"), "(absent)");
	assert_string_equal(text_at(h, "accounts.quay.0.agent"),
			    "\"quay/agent[1/1]\"");
	lacks(metrics(f, f->store), "hub");
	has_line(f->text,
		 "cdhost_refresh_runs_total{agent=\"quay/agent[1/1]\"} 1");
}

static void a_forgotten_agent_starts_counting_afresh(void **state)
{
	struct fixture *f = *state;

	record(f, "hub", run(HUB_AGENT, CDH_E_TRANSIENT, "x"));
	cdh_status_forget_account(f->status, "hub");
	record(f, "hub", run(HUB_AGENT, CDH_OK, NULL));
	has_line(metrics(f, NULL),
		 "cdhost_refresh_runs_total{agent=\"" HUB_AGENT "\"} 1");
	has_line(f->text,
		 "cdhost_refresh_failures_total{agent=\"" HUB_AGENT "\"} 0");
}

static void each_status_is_its_own(void **state)
{
	struct fixture *f = *state;
	struct cdh_status *other = cdh_status_new();
	char *json, *text;

	assert_non_null(other);
	record(f, "hub", run(HUB_AGENT, CDH_OK, NULL));
	cdh_status_set_reload(f->status, 0, "cdhost.cfg:1: bad");
	json = cdh_status_health_json(other);
	text = cdh_status_metrics_text(other, f->store);
	assert_non_null(json);
	assert_non_null(text);
	assert_non_null(strstr(json, "\"accounts\":{}"));
	assert_null(strstr(json, "hub"));
	lacks(text, "agent=");
	has_line(text, "cdhost_reload_ok 1");
	free(json);
	free(text);
	cdh_status_free(other);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(health_is_up_with_no_accounts_at_first),
	    T(a_successful_run_sets_last_success),
	    T(a_failed_run_sets_last_error_and_its_message),
	    T(rejected_credentials_are_a_state_of_their_own),
	    T(a_partial_run_is_an_error_too),
	    T(an_agent_not_run_yet_is_starting),
	    T(an_agent_that_never_stored_is_unhealthy),
	    T(an_agent_other_nodes_run_shows_their_last_run),
	    T(an_agent_left_to_other_nodes_is_elsewhere),
	    T(a_partial_runs_records_count_what_is_kept),
	    T(each_agent_shows_its_scheduler_state),
	    T(backoff_and_disabled_are_named),
	    T(an_incomplete_run_shows_its_first_problem),
	    T(success_after_failure_keeps_the_last_error),
	    T(agents_are_grouped_by_account),
	    T(a_refused_reload_shows_its_error_and_stays_up),
	    T(a_good_reload_clears_the_error),
	    T(metrics_report_each_agents_last_run_and_counters),
	    T(request_counts_add_up_over_runs),
	    T(label_values_escape_quotes_backslashes_newlines),
	    T(cached_records_are_summed_per_account_and_type),
	    T(a_run_not_applied_keeps_the_counts),
	    T(without_a_store_there_is_no_image_gauge),
	    T(a_refused_reload_is_reload_ok_zero),
	    T(each_metric_is_one_group_after_its_type_line),
	    T(push_refreshes_show_in_health_and_metrics),
	    T(forgetting_an_account_drops_only_its_agents),
	    T(a_forgotten_agent_starts_counting_afresh),
	    T(each_status_is_its_own),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
