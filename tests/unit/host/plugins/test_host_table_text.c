/*
 * test_host_table_text - the host table takes finished strings: a plugin's log
 * line or config diagnostic full of '%' reaches the log and the diagnostic
 * verbatim, never through the host's printf; and the plugin-side helpers of
 * cdh_plugin.h (cdh_logf, cdh_config_diagf) format into a bounded buffer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plugins/host_table.h"
#include "util/diag.h"

#define HOSTILE "100%s done %n%x%%"

/* Runs api->log with stderr sent to a file; returns what was written. */
static char *logged_by_host(int32_t level, const char *who, const char *msg)
{
	static char text[4096];
	FILE *tmp = tmpfile();
	int saved = dup(STDERR_FILENO);
	size_t n;

	assert_non_null(tmp);
	fflush(stderr);
	assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
	cdh_host_table_get()->log(level, who, msg);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(text, 1, sizeof(text) - 1, tmp);
	text[n] = '\0';
	fclose(tmp);
	return text;
}

static void a_log_line_is_written_as_given(void **state)
{
	(void)state;
	assert_non_null(strstr(logged_by_host(CDH_LOG_ERROR, "acct", HOSTILE),
			       HOSTILE));
}

static void a_config_diagnostic_is_reported_as_given(void **state)
{
	struct cdh_diag diag;
	config_t cfg;

	(void)state;
	config_init(&cfg);
	assert_int_equal(config_read_string(&cfg, "a = { b = 1; };\n"), CONFIG_TRUE);
	cdh_diag_set_quiet(1);
	cdh_diag_begin(&diag);
	cdh_host_table_get()->config_diag(
		(const struct cdh_config_node *)(void *)config_lookup(&cfg, "a"),
		CDH_LOG_ERROR, HOSTILE);
	cdh_diag_end();
	cdh_diag_set_quiet(0);
	config_destroy(&cfg);
	assert_int_equal(diag.errors, 1);
	assert_non_null(strstr(diag.first_error, HOSTILE));
}

/* ---- the plugin-side helpers, against a fake table ---- */

static char seen[CDH_MESSAGE_MAX + 16];
static int32_t seen_level;

static void fake_log(int32_t level, const char *who, const char *msg)
{
	(void)who;
	seen_level = level;
	snprintf(seen, sizeof(seen), "%s", msg);
}

static void fake_diag(const struct cdh_config_node *node, int32_t level,
		      const char *msg)
{
	(void)node;
	seen_level = level;
	snprintf(seen, sizeof(seen), "%s", msg);
}

static void helpers_format_in_the_plugin(void **state)
{
	struct cdh_host_api api = { 0 };

	(void)state;
	api.struct_size = sizeof(api);
	api.log = fake_log;
	api.config_diag = fake_diag;
	cdh_logf(&api, CDH_LOG_WARN, "acct", "%d tags in %s", 3, "team/app");
	assert_string_equal(seen, "3 tags in team/app");
	assert_int_equal(seen_level, CDH_LOG_WARN);
	cdh_config_diagf(&api, NULL, CDH_LOG_ERROR, "field %s: %s", "x", "bad");
	assert_string_equal(seen, "field x: bad");
	assert_int_equal(seen_level, CDH_LOG_ERROR);
	/* A '%' in an argument stays text. */
	cdh_logf(&api, CDH_LOG_INFO, NULL, "%s", HOSTILE);
	assert_string_equal(seen, HOSTILE);
}

static void helpers_cut_long_text_at_the_bound(void **state)
{
	struct cdh_host_api api = { 0 };
	char *big = malloc(3 * CDH_MESSAGE_MAX);

	(void)state;
	assert_non_null(big);
	memset(big, 'x', 3 * CDH_MESSAGE_MAX - 1);
	big[3 * CDH_MESSAGE_MAX - 1] = '\0';
	api.struct_size = sizeof(api);
	api.log = fake_log;
	cdh_logf(&api, CDH_LOG_INFO, NULL, "%s", big);
	assert_int_equal(strlen(seen), CDH_MESSAGE_MAX - 1);
	free(big);
	/* No table, or no function in it: nothing happens. */
	cdh_logf(NULL, CDH_LOG_INFO, NULL, "x");
	api.log = NULL;
	cdh_logf(&api, CDH_LOG_INFO, NULL, "x");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_log_line_is_written_as_given),
		cmocka_unit_test(a_config_diagnostic_is_reported_as_given),
		cmocka_unit_test(helpers_format_in_the_plugin),
		cmocka_unit_test(helpers_cut_long_text_at_the_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
