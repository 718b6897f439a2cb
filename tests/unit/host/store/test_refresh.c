/*
 * test_refresh - the host's refresh context, what a plugin's refresh hands
 * the host through the table: emitted records are copied, scope results are
 * checked and counted, finish() closes a cycle, cancel and deadline are
 * visible to the plugin, requests are counted by HTTP status class.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/host_table.h"
#include "store/refresh.h"

static int setup(void **state)
{
	static struct cdh_refresh refresh;

	if (cdh_refresh_init(&refresh,
			     "hub/DockerRegistryImageCachingAgent[1/1]", 0,
			     NULL) != 0)
		return -1;
	*state = &refresh;
	return 0;
}

static int teardown(void **state)
{
	cdh_refresh_release(*state);
	return 0;
}

static int32_t emit(struct cdh_refresh *refresh, const char *scope,
		    const char *id)
{
	struct cdh_record rec = {0};

	rec.struct_size = sizeof(rec);
	rec.scope = scope;
	rec.type = "taggedImage";
	rec.id = id;
	rec.attributes = "{}";
	return cdh_host_table_get()->emit_record(refresh, &rec);
}

static void init_copies_the_agent_name(void **state)
{
	struct cdh_refresh *refresh = *state;

	assert_string_equal(refresh->agent,
			    "hub/DockerRegistryImageCachingAgent[1/1]");
	assert_int_equal(refresh->records.count, 0);
	assert_int_equal(refresh->scope_count, 0);
	assert_int_equal(cdh_refresh_request_total(refresh), 0);
}

/* The records as "scope type id attributes" lines, read back. */
static int append_line(const struct cdh_spooled_record *r, void *data)
{
	char *out = data;
	size_t len = strlen(out);

	snprintf(out + len, 4096 - len, "%s %s %s %s\n", r->scope, r->type,
		 r->id, r->attributes);
	return 0;
}

static const char *records_of(const struct cdh_refresh *refresh)
{
	static char out[4096];
	char err[256];

	out[0] = '\0';
	assert_int_equal(cdh_record_spool_each(&refresh->records, append_line,
					       out, err, sizeof(err)),
			 0);
	return out;
}

static void emit_copies_every_string(void **state)
{
	struct cdh_refresh *refresh = *state;
	char scope[] = "library/nginx", type[] = "taggedImage";
	char id[] = "dockerRegistry:taggedImage:hub:library/nginx:1.25";
	char attributes[] = "{\"name\":\"library/nginx:1.25\"}";
	struct cdh_record rec = {sizeof(rec), 0, scope, type, id, attributes};

	assert_int_equal(cdh_host_table_get()->emit_record(refresh, &rec),
			 CDH_OK);
	memset(scope, 'X', sizeof(scope) - 1);
	memset(type, 'X', sizeof(type) - 1);
	memset(id, 'X', sizeof(id) - 1);
	memset(attributes, 'X', sizeof(attributes) - 1);
	assert_int_equal(refresh->records.count, 1);
	assert_string_equal(records_of(refresh),
			    "library/nginx taggedImage "
			    "dockerRegistry:taggedImage:hub:library/nginx:1.25 "
			    "{\"name\":\"library/nginx:1.25\"}\n");
	assert_int_equal(refresh->nomem, 0);
}

static void emit_refuses_a_record_with_a_missing_field(void **state)
{
	struct cdh_refresh *refresh = *state;
	struct cdh_record rec = {sizeof(rec),	0,    "repo",
				 "taggedImage", "id", NULL};

	assert_int_equal(cdh_refresh_emit(refresh, &rec), CDH_E_FATAL);
	rec.attributes = "{}";
	rec.scope = NULL;
	assert_int_equal(cdh_refresh_emit(refresh, &rec), CDH_E_FATAL);
	assert_int_equal(cdh_refresh_emit(refresh, NULL), CDH_E_FATAL);
	assert_int_equal(refresh->records.count, 0);
}

static int count_record(const struct cdh_spooled_record *r, void *data)
{
	(void)r;
	(*(int *)data)++;
	return 0;
}

static void many_emits_are_all_kept(void **state)
{
	struct cdh_refresh *refresh = *state;
	char err[256];
	int i, n = 0;

	for (i = 0; i < 500; i++)
		assert_int_equal(emit(refresh, "repo", "id"), CDH_OK);
	assert_int_equal(refresh->records.count, 500);
	assert_int_equal(cdh_record_spool_each(&refresh->records, count_record,
					       &n, err, sizeof(err)),
			 0);
	assert_int_equal(n, 500);
}

/* Past its bound the refresh writes records to a file: read back, they are
 * what was emitted, in order; the file is gone with the refresh. */
static void a_big_refresh_keeps_its_records_on_file(void **state)
{
	struct cdh_refresh *refresh = *state;
	char id[32], expected[4096] = "";
	size_t len;
	int i;

	refresh->records.memory_limit = 100;
	for (i = 0; i < 20; i++) {
		snprintf(id, sizeof(id), "%s:%d", i < 10 ? "a" : "b", i);
		assert_int_equal(emit(refresh, i < 10 ? "a" : "b", id), CDH_OK);
		len = strlen(expected);
		snprintf(expected + len, sizeof(expected) - len,
			 "%s taggedImage %s {}\n", i < 10 ? "a" : "b", id);
	}
	assert_true(refresh->records.fd >= 0);
	assert_true(refresh->records.len <= 100);
	assert_string_equal(records_of(refresh), expected);
	assert_int_equal(cdh_refresh_finish(refresh), 0);
	assert_int_equal(refresh->scope_count, 2);
}

/* A record that cannot be kept (here: no directory to write to) fails
 * the emit, and the refresh says why; it is not out of memory. */
static void a_record_that_cannot_be_kept_fails_the_refresh(void **state)
{
	struct cdh_refresh *refresh = *state;
	char *saved = getenv("TMPDIR") ? strdup(getenv("TMPDIR")) : NULL;

	refresh->records.memory_limit = 10;
	setenv("TMPDIR", "/nonexistent/cdhost-test", 1);
	assert_int_equal(emit(refresh, "a", "a:1"), CDH_OK); /* in memory */
	assert_int_equal(emit(refresh, "a", "a:2"), CDH_E_NOMEM);
	if (saved)
		setenv("TMPDIR", saved, 1);
	else
		unsetenv("TMPDIR");
	free(saved);
	assert_int_equal(refresh->records.failed, 1);
	assert_int_equal(refresh->nomem, 0);
	assert_non_null(strstr(refresh->records.error, "/nonexistent/cdhost-test"));
	assert_non_null(strstr(refresh->records.error, "No such file"));
	assert_int_equal(emit(refresh, "a", "a:3"), CDH_E_NOMEM);
}

static void scope_results_are_kept_and_failures_counted(void **state)
{
	struct cdh_refresh *refresh = *state;
	const struct cdh_host_api *api = cdh_host_table_get();
	char scope[] = "library/nginx";

	assert_int_equal(api->scope_result(refresh, scope, CDH_SCOPE_OK, NULL),
			 CDH_OK);
	scope[0] = 'X';
	assert_int_equal(api->scope_result(refresh, "library/redis",
					   CDH_SCOPE_FAILED, "HTTP 429"),
			 CDH_OK);
	assert_int_equal(
	    api->scope_result(refresh, "app", CDH_SCOPE_FAILED, NULL), CDH_OK);
	assert_int_equal(refresh->scope_count, 3);
	assert_int_equal(refresh->failed_scopes, 2);
	assert_string_equal(refresh->scopes[0].scope, "library/nginx");
	assert_int_equal(refresh->scopes[0].result, CDH_SCOPE_OK);
	assert_string_equal(refresh->scopes[1].scope, "library/redis");
	assert_int_equal(refresh->scopes[1].result, CDH_SCOPE_FAILED);
}

/* An OK scope with a detail is stored but incomplete (issue #22); the
 * first detail of any scope is the cycle's problem. */
static void an_ok_scope_with_a_detail_is_incomplete(void **state)
{
	struct cdh_refresh *refresh = *state;

	assert_int_equal(cdh_refresh_scope_result(refresh, "a", CDH_SCOPE_OK, ""),
			 CDH_OK);
	assert_int_equal(refresh->incomplete_scopes, 0);
	assert_string_equal(refresh->problem, "");
	assert_int_equal(cdh_refresh_scope_result(refresh, "b", CDH_SCOPE_OK,
						  "tag 2 failed"), CDH_OK);
	assert_int_equal(cdh_refresh_scope_result(refresh, "c", CDH_SCOPE_FAILED,
						  "HTTP 429"), CDH_OK);
	assert_int_equal(refresh->incomplete_scopes, 1);
	assert_int_equal(refresh->failed_scopes, 1);
	assert_string_equal(refresh->problem, "b: tag 2 failed");
}

static void an_invalid_scope_result_is_rejected(void **state)
{
	struct cdh_refresh *refresh = *state;

	assert_int_equal(cdh_refresh_scope_result(refresh, "repo", 2, NULL),
			 CDH_E_FATAL);
	assert_int_equal(cdh_refresh_scope_result(refresh, "repo", -1, NULL),
			 CDH_E_FATAL);
	assert_int_equal(
	    cdh_refresh_scope_result(refresh, NULL, CDH_SCOPE_OK, NULL),
	    CDH_E_FATAL);
	assert_int_equal(refresh->scope_count, 0);
	assert_int_equal(refresh->failed_scopes, 0);
}

static void finish_makes_scopes_with_records_ok(void **state)
{
	struct cdh_refresh *refresh = *state;

	assert_int_equal(emit(refresh, "a", "a:1"), CDH_OK);
	assert_int_equal(emit(refresh, "a", "a:2"), CDH_OK);
	assert_int_equal(emit(refresh, "b", "b:1"), CDH_OK);
	assert_int_equal(cdh_refresh_finish(refresh), 0);
	assert_int_equal(refresh->scope_count, 2);
	assert_string_equal(refresh->scopes[0].scope, "a");
	assert_int_equal(refresh->scopes[0].result, CDH_SCOPE_OK);
	assert_string_equal(refresh->scopes[1].scope, "b");
	assert_int_equal(refresh->scopes[1].result, CDH_SCOPE_OK);
}

static void finish_adds_no_duplicate_of_a_reported_scope(void **state)
{
	struct cdh_refresh *refresh = *state;

	assert_int_equal(emit(refresh, "a", "a:1"), CDH_OK);
	assert_int_equal(emit(refresh, "b", "b:1"), CDH_OK);
	/* Not grouped: "a" again after "b". */
	assert_int_equal(emit(refresh, "a", "a:2"), CDH_OK);
	assert_int_equal(
	    cdh_refresh_scope_result(refresh, "a", CDH_SCOPE_FAILED, NULL),
	    CDH_OK);
	assert_int_equal(cdh_refresh_finish(refresh), 0);
	assert_int_equal(refresh->scope_count, 2);
	assert_string_equal(refresh->scopes[0].scope, "a");
	assert_int_equal(refresh->scopes[0].result, CDH_SCOPE_FAILED);
	assert_string_equal(refresh->scopes[1].scope, "b");
	assert_int_equal(refresh->scopes[1].result, CDH_SCOPE_OK);
	assert_int_equal(refresh->failed_scopes, 1);
}

static void finish_twice_changes_nothing(void **state)
{
	struct cdh_refresh *refresh = *state;

	assert_int_equal(emit(refresh, "a", "a:1"), CDH_OK);
	assert_int_equal(cdh_refresh_finish(refresh), 0);
	assert_int_equal(cdh_refresh_finish(refresh), 0);
	assert_int_equal(refresh->scope_count, 1);
}

static void a_fresh_refresh_is_not_cancelled(void **state)
{
	struct cdh_refresh *refresh = *state;

	assert_int_equal(cdh_host_table_get()->is_cancelled(refresh), 0);
	assert_int_equal(cdh_host_table_get()->deadline_ns(refresh), 0);
}

static void cancel_is_seen_by_the_plugin(void **state)
{
	struct cdh_refresh *refresh = *state;

	cdh_refresh_cancel(refresh);
	assert_int_equal(cdh_host_table_get()->is_cancelled(refresh), 1);
}

static void the_owners_flag_cancels_too(void **state)
{
	struct cdh_refresh refresh;
	atomic_int owner;

	(void)state;
	atomic_init(&owner, 0);
	assert_int_equal(cdh_refresh_init(&refresh, "agent", 0, &owner), 0);
	assert_int_equal(cdh_host_table_get()->is_cancelled(&refresh), 0);
	atomic_store(&owner, 1);
	assert_int_equal(cdh_host_table_get()->is_cancelled(&refresh), 1);
	cdh_refresh_release(&refresh);
}

static void a_deadline_in_the_past_cancels(void **state)
{
	struct cdh_refresh refresh;
	uint64_t now = cdh_monotonic_ns();

	(void)state;
	assert_int_equal(cdh_refresh_init(&refresh, "agent", now - 1, NULL), 0);
	assert_int_equal(cdh_host_table_get()->deadline_ns(&refresh), now - 1);
	assert_int_equal(cdh_host_table_get()->is_cancelled(&refresh), 1);
	cdh_refresh_release(&refresh);
}

static void a_deadline_in_the_future_does_not_cancel(void **state)
{
	struct cdh_refresh refresh;
	uint64_t later = cdh_monotonic_ns() + 3600ull * 1000000000ull;

	(void)state;
	assert_int_equal(cdh_refresh_init(&refresh, "agent", later, NULL), 0);
	assert_int_equal(cdh_host_table_get()->is_cancelled(&refresh), 0);
	cdh_refresh_release(&refresh);
}

static void requests_are_counted_by_status_class(void **state)
{
	struct cdh_refresh *refresh = *state;
	const struct cdh_host_api *api = cdh_host_table_get();

	api->count_request(refresh, 200);
	api->count_request(refresh, 204);
	api->count_request(refresh, 301);
	api->count_request(refresh, 401);
	api->count_request(refresh, 429);
	api->count_request(refresh, 404);
	api->count_request(refresh, 503);
	api->count_request(refresh, 0);
	api->count_request(refresh, 100);
	assert_int_equal(refresh->requests[0], 1);
	assert_int_equal(refresh->requests[1], 1);
	assert_int_equal(refresh->requests[2], 2);
	assert_int_equal(refresh->requests[3], 1);
	assert_int_equal(refresh->requests[4], 3);
	assert_int_equal(refresh->requests[5], 1);
	assert_int_equal(cdh_refresh_request_total(refresh), 9);
}

static void a_status_outside_http_counts_as_transport_error(void **state)
{
	struct cdh_refresh *refresh = *state;

	cdh_refresh_count_request(refresh, -1);
	cdh_refresh_count_request(refresh, 99);
	cdh_refresh_count_request(refresh, 600);
	cdh_refresh_count_request(refresh, 99999);
	assert_int_equal(refresh->requests[0], 4);
	assert_int_equal(cdh_refresh_request_total(refresh), 4);
}

/* ---- gauges ---- */

static void a_gauge_keeps_its_last_value(void **state)
{
	struct cdh_refresh *r = *state;

	cdh_refresh_gauge(r, "registry_rate_limit_remaining", 76);
	cdh_refresh_gauge(r, "registry_rate_limit_remaining", 75);
	assert_int_equal(r->gauge_count, 1);
	assert_string_equal(r->gauges[0].name, "registry_rate_limit_remaining");
	assert_int_equal(r->gauges[0].value, 75);
}

/* Names reach /metrics verbatim, so anything but [a-z0-9_] is dropped. */
static void a_gauge_with_an_unsafe_name_is_ignored(void **state)
{
	struct cdh_refresh *r = *state;

	cdh_refresh_gauge(r, "bad name", 1);
	cdh_refresh_gauge(r, "x\"} 1\ny", 1);
	cdh_refresh_gauge(r, "", 1);
	cdh_refresh_gauge(r, NULL, 1);
	assert_int_equal(r->gauge_count, 0);
}

static void gauges_beyond_the_limit_are_dropped(void **state)
{
	struct cdh_refresh *r = *state;
	char name[16];
	int i;

	for (i = 0; i < CDH_GAUGES_MAX + 3; i++) {
		snprintf(name, sizeof(name), "g%d", i);
		cdh_refresh_gauge(r, name, i);
	}
	assert_int_equal(r->gauge_count, CDH_GAUGES_MAX);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(init_copies_the_agent_name),
	    T(emit_copies_every_string),
	    T(emit_refuses_a_record_with_a_missing_field),
	    T(many_emits_are_all_kept),
	    T(a_big_refresh_keeps_its_records_on_file),
	    T(a_record_that_cannot_be_kept_fails_the_refresh),
	    T(scope_results_are_kept_and_failures_counted),
	    T(an_ok_scope_with_a_detail_is_incomplete),
	    T(an_invalid_scope_result_is_rejected),
	    T(finish_makes_scopes_with_records_ok),
	    T(finish_adds_no_duplicate_of_a_reported_scope),
	    T(finish_twice_changes_nothing),
	    T(a_fresh_refresh_is_not_cancelled),
	    T(cancel_is_seen_by_the_plugin),
	    cmocka_unit_test(the_owners_flag_cancels_too),
	    cmocka_unit_test(a_deadline_in_the_past_cancels),
	    cmocka_unit_test(a_deadline_in_the_future_does_not_cancel),
	    T(requests_are_counted_by_status_class),
	    T(a_status_outside_http_counts_as_transport_error),
	    T(a_gauge_keeps_its_last_value),
	    T(a_gauge_with_an_unsafe_name_is_ignored),
	    T(gauges_beyond_the_limit_are_dropped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
