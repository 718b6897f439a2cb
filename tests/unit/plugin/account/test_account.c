/*
 * test_account - a docker registry account read from the host's config view:
 * address normalisation, Clouddriver's defaults, and the validation messages
 * (Clouddriver's and Halyard's wording) reported through config_diag.
 *
 * Accounts are parsed from libconfig text with the real host table, so the
 * diagnostics are the host's: "file:line: why", file "-" for a string config.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <libconfig.h>
#include <stdlib.h>

#include "account/account.h"
#include "util/diag.h"
#include "plugins/host_table.h"

/* ---- drg_account_normalize_address ---- */

static void expect_address(const char *configured, const char *normalised)
{
	char *out = drg_account_normalize_address(configured);

	assert_non_null(out);
	assert_string_equal(out, normalised);
	free(out);
}

static void a_scheme_less_address_gets_https(void **state)
{
	(void)state;
	expect_address("index.docker.io", "https://index.docker.io");
	expect_address("localhost:5000", "https://localhost:5000");
}

static void an_explicit_scheme_is_kept(void **state)
{
	(void)state;
	expect_address("http://localhost:5000", "http://localhost:5000");
	expect_address("https://quay.io", "https://quay.io");
}

static void a_trailing_slash_and_v2_are_stripped(void **state)
{
	(void)state;
	expect_address("https://quay.io/", "https://quay.io");
	expect_address("https://quay.io/v2", "https://quay.io");
	expect_address("https://quay.io/v2/", "https://quay.io");
	expect_address("localhost:5000/v2/", "https://localhost:5000");
}

static void a_base_path_is_kept(void **state)
{
	(void)state;
	expect_address("https://art.example.com/artifactory/api/docker/repo",
		       "https://art.example.com/artifactory/api/docker/repo");
	expect_address("art.example.com/artifactory/v2/",
		       "https://art.example.com/artifactory");
}

static void an_empty_address_has_no_normal_form(void **state)
{
	(void)state;
	assert_null(drg_account_normalize_address(""));
	assert_null(drg_account_normalize_address(NULL));
}

/* ---- drg_account_parse ---- */

struct parsed {
	int32_t rc;
	struct drg_account *account;
	struct cdh_diag diag;
};

/* Parses the group `account = {...}` in `text`; diagnostics are counted. */
static void parse(const char *text, struct parsed *p)
{
	config_t cfg;
	config_setting_t *node;

	config_init(&cfg);
	assert_int_equal(config_read_string(&cfg, text), CONFIG_TRUE);
	node = config_lookup(&cfg, "account");
	assert_non_null(node);
	cdh_diag_set_quiet(1);
	cdh_diag_begin(&p->diag);
	p->rc = drg_account_parse(cdh_host_table_get(),
				  (const struct cdh_config_node *)(void *)node,
				  &p->account);
	cdh_diag_end();
	cdh_diag_set_quiet(0);
	config_destroy(&cfg);
}

static void expect_error(const char *text, const char *first_error)
{
	struct parsed p;

	parse(text, &p);
	assert_int_equal(p.rc, CDH_E_CONFIG);
	assert_null(p.account);
	assert_true(p.diag.errors >= 1);
	assert_string_equal(p.diag.first_error, first_error);
}

static void a_minimal_account_gets_clouddrivers_defaults(void **state)
{
	struct parsed p;

	(void)state;
	parse("account = { name = \"hub\"; address = \"registry.example.com\"; };",
	      &p);
	assert_int_equal(p.rc, CDH_OK);
	assert_int_equal(p.diag.errors, 0);
	assert_int_equal(p.diag.warnings, 0);
	assert_string_equal(p.account->name, "hub");
	assert_string_equal(p.account->address, "https://registry.example.com");
	assert_int_equal(p.account->cache_threads, 1);
	assert_int_equal(p.account->cache_interval_s, 30);
	assert_int_equal(p.account->client_timeout_ms, 60000);
	assert_int_equal(p.account->paginate_size, 100);
	assert_int_equal(p.account->repository_count, 0);
	drg_account_free(p.account);
}

static void registry_is_the_address_without_its_scheme(void **state)
{
	struct parsed p;

	(void)state;
	parse("account = { name = \"local\"; address = "
	      "\"http://localhost:5000/v2/\"; };",
	      &p);
	assert_int_equal(p.rc, CDH_OK);
	assert_string_equal(p.account->address, "http://localhost:5000");
	assert_string_equal(p.account->registry, "localhost:5000");
	drg_account_free(p.account);
}

static void configured_numbers_override_the_defaults(void **state)
{
	struct parsed p;

	(void)state;
	parse(
	    "account = { name = \"a\"; address = \"r.io\"; cacheThreads = 3;\n"
	    "  cacheIntervalSeconds = 120; clientTimeoutMillis = 5000;\n"
	    "  paginateSize = 50; };",
	    &p);
	assert_int_equal(p.rc, CDH_OK);
	assert_int_equal(p.account->cache_threads, 3);
	assert_int_equal(p.account->cache_interval_s, 120);
	assert_int_equal(p.account->client_timeout_ms, 5000);
	assert_int_equal(p.account->paginate_size, 50);
	drg_account_free(p.account);
}

static void zero_means_the_default(void **state)
{
	struct parsed p;

	(void)state;
	parse(
	    "account = { name = \"a\"; address = \"r.io\"; cacheThreads = 0;\n"
	    "  cacheIntervalSeconds = 0; clientTimeoutMillis = 0;\n"
	    "  paginateSize = 0; };",
	    &p);
	assert_int_equal(p.rc, CDH_OK);
	assert_int_equal(p.diag.errors, 0);
	assert_int_equal(p.account->cache_threads, 1);
	assert_int_equal(p.account->cache_interval_s, 30);
	assert_int_equal(p.account->client_timeout_ms, 60000);
	assert_int_equal(p.account->paginate_size, 100);
	drg_account_free(p.account);
}

static void repositories_are_read_in_order(void **state)
{
	struct parsed p;

	(void)state;
	parse("account = { name = \"a\"; address = \"r.io\";\n"
	      "  repositories = [\"library/nginx\", \"yourusername/app\"]; };",
	      &p);
	assert_int_equal(p.rc, CDH_OK);
	assert_int_equal(p.account->repository_count, 2);
	assert_string_equal(p.account->repositories[0], "library/nginx");
	assert_string_equal(p.account->repositories[1], "yourusername/app");
	drg_account_free(p.account);
}

static void an_empty_repository_list_is_catalog_mode(void **state)
{
	struct parsed p;

	(void)state;
	parse("account = { name = \"a\"; address = \"r.io\"; repositories = "
	      "[]; };",
	      &p);
	assert_int_equal(p.rc, CDH_OK);
	assert_int_equal(p.account->repository_count, 0);
	drg_account_free(p.account);
}

static void every_error_is_reported_not_just_the_first(void **state)
{
	struct parsed p;

	(void)state;
	parse("account = { name = \"hub\"; address = \"r.io\";\n"
	      "  cacheThreads = -1; paginateSize = \"x\"; };",
	      &p);
	assert_int_equal(p.rc, CDH_E_CONFIG);
	assert_int_equal(p.diag.errors, 2);
}

static void an_unknown_field_is_a_warning_not_an_error(void **state)
{
	struct parsed p;

	(void)state;
	parse("account = { name = \"hub\"; address = \"r.io\";\n"
	      "  cacheIntervalSecs = 10; };",
	      &p);
	assert_int_equal(p.rc, CDH_OK);
	assert_non_null(p.account);
	assert_int_equal(p.diag.errors, 0);
	assert_int_equal(p.diag.warnings, 1);
	assert_int_equal(p.account->cache_interval_s, 30);
	drg_account_free(p.account);
}

static void an_account_that_is_not_a_group_is_an_error(void **state)
{
	(void)state;
	expect_error("account = \"hub\";",
		     "-:1: an account must be a group { ... }");
}

/* ---- drg_account_equal (issue #22) ---- */

/* 1 when `a` and `b` (bodies of `account = {...}`) parse to equal accounts. */
static int equal_accounts(const char *a, const char *b)
{
	char text[1024];
	struct parsed pa, pb;
	int equal;

	snprintf(text, sizeof(text), "account = { %s };", a);
	parse(text, &pa);
	snprintf(text, sizeof(text), "account = { %s };", b);
	parse(text, &pb);
	assert_int_equal(pa.rc, CDH_OK);
	assert_int_equal(pb.rc, CDH_OK);
	equal = drg_account_equal(pa.account, pb.account);
	drg_account_free(pa.account);
	drg_account_free(pb.account);
	return equal;
}

#define BASE "name = \"a\"; address = \"r.io\"; "

static void accounts_are_compared_by_value(void **state)
{
	(void)state;
	/* skip and permission roles are sets; a default written out is no change */
	assert_true(equal_accounts(BASE "skip = [\"x\", \"y\"]; permissions = { READ = [\"b\", \"a\"]; };",
				   BASE "skip = [\"y\", \"x\"]; permissions = { READ = [\"a\", \"b\"]; };"));
	assert_true(equal_accounts(BASE, BASE "cacheThreads = 1; paginateSize = 100;"));
	/* repositories is the order tag lists are asked for */
	assert_false(equal_accounts(BASE "repositories = [\"p\", \"q\"];",
				    BASE "repositories = [\"q\", \"p\"];"));
	assert_false(equal_accounts(BASE "skip = [\"x\"];", BASE "skip = [\"x\", \"y\"];"));
	assert_false(equal_accounts(BASE, BASE "trackDigests = true;"));
	assert_false(equal_accounts(BASE "password = \"p1\"; username = \"u\";",
				    BASE "password = \"p2\"; username = \"u\";"));
}

static void freeing_no_account_is_harmless(void **state)
{
	(void)state;
	drg_account_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(a_scheme_less_address_gets_https),
	    cmocka_unit_test(an_explicit_scheme_is_kept),
	    cmocka_unit_test(a_trailing_slash_and_v2_are_stripped),
	    cmocka_unit_test(a_base_path_is_kept),
	    cmocka_unit_test(an_empty_address_has_no_normal_form),
	    cmocka_unit_test(a_minimal_account_gets_clouddrivers_defaults),
	    cmocka_unit_test(registry_is_the_address_without_its_scheme),
	    cmocka_unit_test(configured_numbers_override_the_defaults),
	    cmocka_unit_test(zero_means_the_default),
	    cmocka_unit_test(repositories_are_read_in_order),
	    cmocka_unit_test(an_empty_repository_list_is_catalog_mode),
	    cmocka_unit_test(every_error_is_reported_not_just_the_first),
	    cmocka_unit_test(an_unknown_field_is_a_warning_not_an_error),
	    cmocka_unit_test(an_account_that_is_not_a_group_is_an_error),
	    cmocka_unit_test(freeing_no_account_is_harmless),
	    cmocka_unit_test(accounts_are_compared_by_value),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
