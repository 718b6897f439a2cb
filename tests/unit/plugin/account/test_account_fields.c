/*
 * test_account_fields - the account model: every default, every field read,
 * address forms, and every validation message with the field it names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "account_fixture.h"
#include "util/diag.h"

#define MINIMAL "name = \"acct\"; address = \"registry.example.com\";\n"

/* Parses `body`, expects an error whose text contains `message`. */
static void expect_error(const char *body, const char *message)
{
	struct drg_account *acct = NULL;
	int32_t rc = fixture_parse(body, &acct);

	if (rc != CDH_E_CONFIG)
		fprintf(stderr, "for: %s\n", body);
	assert_int_equal(rc, CDH_E_CONFIG);
	assert_null(acct);
	assert_int_not_equal(fixture_find_diag(message), -1);
	assert_non_null(strstr(fixture_diags[fixture_find_diag(message)], "error:"));
}

/* Parses `body`, expects success and a warning containing `message`. */
static void expect_warning(const char *body, const char *message)
{
	struct drg_account *acct = NULL;
	int32_t rc = fixture_parse(body, &acct);

	if (rc != CDH_OK)
		fixture_print_diags();
	assert_int_equal(rc, CDH_OK);
	assert_int_not_equal(fixture_find_diag(message), -1);
	assert_non_null(
		strstr(fixture_diags[fixture_find_diag(message)], "warning:"));
	drg_account_free(acct);
}

static struct drg_account *parse_ok(const char *body)
{
	struct drg_account *acct = NULL;
	int32_t rc = fixture_parse(body, &acct);

	if (rc != CDH_OK)
		fixture_print_diags();
	assert_int_equal(rc, CDH_OK);
	assert_non_null(acct);
	return acct;
}

static void defaults_are_clouddrivers(void **state)
{
	struct drg_account *a = parse_ok(MINIMAL);
	int i;

	(void)state;
	assert_int_equal(fixture_ndiags, 0);
	assert_string_equal(a->name, "acct");
	assert_string_equal(a->environment, "acct");
	assert_string_equal(a->account_type, "acct");
	assert_string_equal(a->address, "https://registry.example.com");
	assert_string_equal(a->registry, "registry.example.com");
	assert_string_equal(a->endpoint, "https://registry.example.com");
	assert_string_equal(a->host, "registry.example.com");
	assert_int_equal(a->docker_hub, 0);
	assert_int_equal(a->cache_threads, 1);
	assert_int_equal(a->cache_interval_s, 30);
	assert_int_equal(a->client_timeout_ms, 60000);
	assert_int_equal(a->paginate_size, 100);
	assert_int_equal(a->max_concurrent_requests, 16);
	assert_int_equal(a->requests_per_second, 0);
	assert_int_equal(a->password_command_timeout_s, 30);
	assert_int_equal(a->track_digests, 0);
	assert_int_equal(a->inspect_digests, 0);
	assert_int_equal(a->sort_tags_by_date, 0);
	assert_int_equal(a->insecure_registry, 0);
	assert_int_equal(a->repository_count, 0);
	assert_int_equal(a->skip.count, 0);
	assert_int_equal(a->required_group_membership.count, 0);
	assert_int_equal(a->permissions_set, 0);
	for (i = 0; i < DRG_AUTH_COUNT; i++)
		assert_int_equal(a->permissions[i].count, 0);
	assert_null(a->username);
	assert_null(a->password);
	assert_null(a->password_command);
	assert_null(a->password_file);
	assert_null(a->dockerconfig_file);
	assert_null(a->email);
	assert_null(a->catalog_file);
	assert_null(a->repositories_regex);
	assert_null(a->repositories_re);
	assert_null(a->ca_cert_file);
	drg_account_free(a);
}

static void zero_means_default(void **state)
{
	struct drg_account *a = parse_ok(
		MINIMAL "cacheThreads = 0; cacheIntervalSeconds = 0;\n"
			"clientTimeoutMillis = 0; paginateSize = 0;\n"
			"maxConcurrentRequests = 0; requestsPerSecond = 0;\n"
			"passwordCommandTimeoutSeconds = 0;\n"
			"environment = \"\"; email = \"\"; passwordFile = \"\";");

	(void)state;
	assert_int_equal(a->cache_threads, 1);
	assert_int_equal(a->cache_interval_s, 30);
	assert_int_equal(a->client_timeout_ms, 60000);
	assert_int_equal(a->paginate_size, 100);
	assert_int_equal(a->max_concurrent_requests, 16);
	assert_int_equal(a->requests_per_second, 0);
	assert_int_equal(a->password_command_timeout_s, 30);
	/* Groovy truthiness: "" is unset. */
	assert_string_equal(a->environment, "acct");
	assert_null(a->email);
	assert_null(a->password_file);
	drg_account_free(a);
}

static void every_field_is_read(void **state)
{
	struct drg_account *a = parse_ok(
		"name = \"full\"; address = \"http://localhost:5000\";\n"
		"environment = \"prod\"; accountType = \"docker\";\n"
		"username = \"u\"; password = \"p4ss\"; email = \"e@x.io\";\n"
		"cacheThreads = 4; cacheIntervalSeconds = 600;\n"
		"clientTimeoutMillis = 1500; paginateSize = 50;\n"
		"trackDigests = true; inspectDigests = true;\n"
		"sortTagsByDate = true; insecureRegistry = true;\n"
		"repositories = [\"a/b\", \"c\"]; skip = [\"c\"];\n"
		"permissions = { READ = [\"r1\"]; WRITE = [\"w1\", \"w2\"]; };\n"
		"requiredGroupMembership = [\"g\"];\n"
		"maxConcurrentRequests = 8; requestsPerSecond = 20;\n"
		"caCertFile = \"/etc/ssl/ca.pem\"; passwordCommandTimeoutSeconds = 5;");

	(void)state;
	assert_string_equal(a->environment, "prod");
	assert_string_equal(a->account_type, "docker");
	assert_string_equal(a->username, "u");
	assert_string_equal(a->password, "p4ss");
	assert_string_equal(a->email, "e@x.io");
	assert_int_equal(a->cache_threads, 4);
	assert_int_equal(a->cache_interval_s, 600);
	assert_int_equal(a->client_timeout_ms, 1500);
	assert_int_equal(a->paginate_size, 50);
	assert_true(a->track_digests && a->inspect_digests &&
		    a->sort_tags_by_date && a->insecure_registry);
	assert_int_equal(a->repository_count, 2);
	assert_string_equal(a->repositories[0], "a/b");
	assert_string_equal(a->repositories[1], "c");
	assert_int_equal(a->skip.count, 1);
	assert_int_equal(a->permissions[DRG_AUTH_READ].count, 1);
	assert_int_equal(a->permissions[DRG_AUTH_WRITE].count, 2);
	assert_string_equal(a->required_group_membership.items[0], "g");
	assert_int_equal(a->max_concurrent_requests, 8);
	assert_int_equal(a->requests_per_second, 20);
	assert_string_equal(a->ca_cert_file, "/etc/ssl/ca.pem");
	assert_int_equal(a->password_command_timeout_s, 5);
	assert_string_equal(a->address, "http://localhost:5000");
	assert_string_equal(a->registry, "localhost:5000");
	drg_account_free(a);
}

static void address_forms(void **state)
{
	static const struct {
		const char *written, *address, *registry, *endpoint, *host;
	} cases[] = {
		{ "r.example/", "https://r.example", "r.example",
		  "https://r.example", "r.example" },
		{ "https://r.example/v2/", "https://r.example", "r.example",
		  "https://r.example", "r.example" },
		{ "http://localhost:5000/v2", "http://localhost:5000",
		  "localhost:5000", "http://localhost:5000", "localhost:5000" },
		{ "HTTPS://Reg.Example:8443/artifactory/api/docker/",
		  "https://Reg.Example:8443/artifactory/api/docker",
		  "Reg.Example:8443/artifactory/api/docker",
		  "https://Reg.Example:8443/artifactory/api/docker",
		  "reg.example:8443" },
		{ "index.docker.io", "https://index.docker.io", "index.docker.io",
		  "https://registry-1.docker.io", "index.docker.io" },
		{ "https://docker.io/", "https://docker.io", "docker.io",
		  "https://registry-1.docker.io", "docker.io" },
		{ "registry-1.docker.io", "https://registry-1.docker.io",
		  "registry-1.docker.io", "https://registry-1.docker.io",
		  "registry-1.docker.io" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char body[512];
		struct drg_account *a;

		snprintf(body, sizeof(body),
			 "name = \"a\"; address = \"%s\"; repositories = [\"x/y\"];",
			 cases[i].written);
		a = parse_ok(body);
		assert_string_equal(a->address, cases[i].address);
		assert_string_equal(a->registry, cases[i].registry);
		assert_string_equal(a->endpoint, cases[i].endpoint);
		assert_string_equal(a->host, cases[i].host);
		drg_account_free(a);
	}
}

/* Credentials over plain http warn unless the host is this machine: an
 * IPv4 loopback literal, [::1] or localhost; a DNS name that only starts
 * with "127." may point anywhere (issue #19, item 12). */
static void plain_http_credentials_warn_unless_loopback(void **state)
{
	static const char *const elsewhere[] = {
		"127.attacker.example", "127.0.0.1.attacker.example:5000",
		"localhost.attacker.example", "[::2]:5000", "10.0.0.1:5000",
	};
	static const char *const loopback[] = {
		"127.0.0.1:5000", "127.1.2.3", "localhost:5000", "LocalHost",
		"[::1]:5000", "[::1]",
	};
	char body[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(elsewhere) / sizeof(elsewhere[0]); i++) {
		snprintf(body, sizeof(body),
			 "name = \"a\"; address = \"http://%s\"; "
			 "username = \"u\"; password = \"p\";", elsewhere[i]);
		fprintf(stderr, "%s\n", elsewhere[i]);
		expect_warning(body, "in clear text");
	}
	for (i = 0; i < sizeof(loopback) / sizeof(loopback[0]); i++) {
		snprintf(body, sizeof(body),
			 "name = \"a\"; address = \"http://%s\"; "
			 "username = \"u\"; password = \"p\";", loopback[i]);
		fprintf(stderr, "%s\n", loopback[i]);
		drg_account_free(parse_ok(body));
		assert_int_equal(fixture_find_diag("in clear text"), -1);
	}
}

static void docker_hub_bare_names_get_library(void **state)
{
	struct drg_account *a = parse_ok(
		"name = \"hub\"; address = \"index.docker.io\";\n"
		"repositories = [\"nginx\", \"me/app\"]; skip = [\"redis\"];");

	(void)state;
	assert_int_equal(a->docker_hub, 1);
	assert_string_equal(a->repositories[0], "library/nginx");
	assert_string_equal(a->repositories[1], "me/app");
	assert_string_equal(a->skip.items[0], "library/redis");
	drg_account_free(a);
	/* Elsewhere a bare name is left alone. */
	a = parse_ok(MINIMAL "repositories = [\"nginx\"];");
	assert_string_equal(a->repositories[0], "nginx");
	drg_account_free(a);
}

static void docker_hub_without_repositories_warns(void **state)
{
	(void)state;
	expect_warning("name = \"hub\"; address = \"docker.io\";",
		       "account hub: repositories: Docker Hub has no catalog endpoint");
}

static void name_is_required(void **state)
{
	(void)state;
	expect_error("address = \"r.example\";",
		     "account (unnamed): name: Docker Registry account must be "
		     "provided with a name.");
	expect_error("name = \"\"; address = \"r.example\";",
		     "Docker Registry account must be provided with a name.");
}

static void name_must_match_halyards_pattern(void **state)
{
	static const char *const bad[] = { "My-Acct", "acct_1", "-acct",
					   "acct-", "a.b", "acct name" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char body[256];

		snprintf(body, sizeof(body), "name = \"%s\"; address = \"r.io\";",
			 bad[i]);
		expect_error(body, "name: Account name must match pattern "
				   "^[a-z0-9]+([-a-z0-9]*[a-z0-9])?$");
	}
	drg_account_free(parse_ok("name = \"a\"; address = \"r.io\";"));
	drg_account_free(parse_ok("name = \"my-docker-registry2\"; address = \"r.io\";"));
}

static void address_is_required(void **state)
{
	(void)state;
	expect_error("name = \"acct\";",
		     "account acct: address: Docker Registry account acct must "
		     "provide an endpoint address.");
	expect_error("name = \"acct\"; address = \"\";",
		     "must provide an endpoint address.");
}

static void bad_addresses(void **state)
{
	(void)state;
	expect_error("name = \"acct\"; address = \"ftp://r.io\";",
		     "account acct: address: unsupported scheme (use https:// or http://)");
	expect_error("name = \"acct\"; address = \"https://\";",
		     "account acct: address: has no host");
	expect_error("name = \"acct\"; address = \"r.io/a b\";",
		     "address: must not contain spaces");
	expect_error("name = \"acct\"; address = \"r.io?x=1\";",
		     "address: must not contain '?' or '#'");
}

static void address_with_credentials_is_refused_without_echo(void **state)
{
	(void)state;
	expect_error("name = \"acct\"; address = \"https://bob:hunter2@r.io\";",
		     "account acct: address: must not carry credentials");
	assert_null(strstr(fixture_diags[0], "hunter2"));
}

static void at_most_one_password_option(void **state)
{
	static const char *const pairs[] = {
		"password = \"p\"; passwordFile = \"/f\";",
		"password = \"p\"; passwordCommand = \"echo p\";",
		"passwordFile = \"/f\"; passwordCommand = \"echo p\";",
		"passwordCommand = \"echo p\"; dockerconfigFile = \"/d.json\";",
		"password = \"p\"; dockerconfigFile = \"/d.json\";",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		char body[512];

		snprintf(body, sizeof(body), MINIMAL "username = \"u\"; %s",
			 pairs[i]);
		expect_error(body, "Error, at most one of \"password\", "
				   "\"passwordFile\", \"passwordCommand\" or "
				   "\"dockerconfigFile\" can be specified");
	}
}

static void repository_sources_exclude_each_other(void **state)
{
	(void)state;
	expect_error(MINIMAL "repositories = [\"a\"]; catalogFile = \"/c.json\";",
		     "account acct: catalogFile: repositories and catalogFile may "
		     "not be specified together.");
	expect_error(MINIMAL "repositories = [\"a\"]; repositoriesRegex = \"a.*\";",
		     "account acct: repositoriesRegex: repositoriesRegex may not be "
		     "specified at the same time than repositories or catalogFile.");
	expect_error(MINIMAL "catalogFile = \"/c.json\"; repositoriesRegex = \"a.*\";",
		     "repositoriesRegex may not be specified at the same time than "
		     "repositories or catalogFile.");
	/* An empty list is no list (Groovy truthiness): catalog mode. */
	drg_account_free(parse_ok(MINIMAL "repositories = []; repositoriesRegex = \"a.*\";"));
}

static void regex_must_compile(void **state)
{
	(void)state;
	expect_error(MINIMAL "repositoriesRegex = \"team/(app\";",
		     "account acct: repositoriesRegex: The string provided in "
		     "repositoriesRegex for account \"acct\" could not compile");
}

static void regex_matches_the_whole_name(void **state)
{
	struct drg_account *a =
		parse_ok(MINIMAL "repositoriesRegex = \"team/.*|lib\";"
				 "skip = [\"team/old\"];");

	(void)state;
	assert_true(drg_account_wants_repository(a, "team/app"));
	assert_true(drg_account_wants_repository(a, "lib"));
	assert_false(drg_account_wants_repository(a, "other/team/app"));
	assert_false(drg_account_wants_repository(a, "library"));
	assert_false(drg_account_wants_repository(a, "team/old"));
	drg_account_free(a);
	a = parse_ok(MINIMAL "skip = [\"x\"];");
	assert_true(drg_account_wants_repository(a, "anything"));
	assert_false(drg_account_wants_repository(a, "x"));
	drg_account_free(a);
}

static void numbers_in_range(void **state)
{
	static const struct {
		const char *setting, *message;
	} cases[] = {
		{ "cacheThreads = 2000;", "cacheThreads: must be between 1 and 1024 (got 2000)" },
		{ "cacheThreads = -1;", "cacheThreads: must be between 1 and 1024 (got -1)" },
		{ "cacheIntervalSeconds = -5;", "cacheIntervalSeconds: must be between 1 and 31536000 (got -5)" },
		{ "clientTimeoutMillis = -1;", "clientTimeoutMillis: must be between 1 and 3600000 (got -1)" },
		{ "paginateSize = 1000000;", "paginateSize: must be between 1 and 100000 (got 1000000)" },
		{ "maxConcurrentRequests = 5000;", "maxConcurrentRequests: must be between 1 and 1024 (got 5000)" },
		{ "requestsPerSecond = -1;", "requestsPerSecond: must be between 0 and 1000000 (got -1)" },
		{ "passwordCommandTimeoutSeconds = 7200;", "passwordCommandTimeoutSeconds: must be between 1 and 3600 (got 7200)" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char body[512];

		snprintf(body, sizeof(body), MINIMAL "%s", cases[i].setting);
		expect_error(body, cases[i].message);
	}
}

static void wrong_types(void **state)
{
	static const struct {
		const char *setting, *message;
	} cases[] = {
		{ "cacheThreads = \"4\";", "account acct: cacheThreads: must be an integer" },
		{ "paginateSize = 1.5;", "account acct: paginateSize: must be an integer" },
		{ "trackDigests = 1;", "account acct: trackDigests: must be true or false" },
		{ "insecureRegistry = \"yes\";", "account acct: insecureRegistry: must be true or false" },
		{ "username = 7;", "account acct: username: must be a string" },
		{ "passwordFile = [\"/f\"];", "account acct: passwordFile: must be a string" },
		{ "repositories = \"a/b\";", "account acct: repositories: must be a list of strings" },
		{ "repositories = (\"a/b\", 3);", "account acct: repositories: entries must be non-empty strings" },
		{ "skip = [\"\"];", "account acct: skip: entries must be non-empty strings" },
		{ "permissions = [\"r\"];", "account acct: permissions: must be a group" },
		{ "permissions = { ADMIN = [\"r\"]; };", "account acct: permissions: unknown authorization 'ADMIN' (READ, WRITE or EXECUTE)" },
		{ "permissions = { READ = \"r\"; };", "account acct: permissions: must be a list of strings" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char body[512];

		snprintf(body, sizeof(body), MINIMAL "%s", cases[i].setting);
		expect_error(body, cases[i].message);
	}
	expect_error("name = 3; address = \"r.io\";",
		     "account (unnamed): name: must be a string");
	expect_error("name = \"acct\"; address = 3;",
		     "account acct: address: must be a string");
}

static void not_a_group(void **state)
{
	struct drg_account *a = NULL;
	config_t cfg;

	(void)state;
	config_init(&cfg);
	assert_int_equal(config_read_string(&cfg, "a = \"x\";"), CONFIG_TRUE);
	fixture_ndiags = 0;
	assert_int_equal(drg_account_parse(fixture_host(),
					   (const struct cdh_config_node *)(void *)
						   config_lookup(&cfg, "a"),
					   &a),
			 CDH_E_CONFIG);
	assert_null(a);
	assert_int_not_equal(fixture_find_diag("an account must be a group { ... }"), -1);
	config_destroy(&cfg);
}

static void unknown_field_is_a_warning_naming_it(void **state)
{
	(void)state;
	expect_warning(MINIMAL "trackDigest = true;",
		       "warning:3: account acct: unknown field 'trackDigest' ignored");
}

static void errors_name_their_line(void **state)
{
	struct drg_account *a = NULL;

	(void)state;
	assert_int_equal(fixture_parse("name = \"acct\";\naddress = \"r.io\";\n"
				       "cacheThreads = -2;\n"
				       "repositories = (\"a\",\n 5);",
				       &a),
			 CDH_E_CONFIG);
	assert_int_equal(fixture_ndiags, 2);
	assert_string_equal(fixture_diags[0],
			    "error:4: account acct: cacheThreads: must be between "
			    "1 and 1024 (got -2)");
	assert_string_equal(fixture_diags[1],
			    "error:6: account acct: repositories: entries must be "
			    "non-empty strings");
}

static void halyards_credential_warnings(void **state)
{
	(void)state;
	expect_warning(MINIMAL "password = \"p4ss\";",
		       "account acct: password: You have supplied a password but "
		       "no username.");
	expect_warning(MINIMAL "passwordCommand = \"echo x\";",
		       "passwordCommand: You have supplied a password but no username.");
	expect_warning(MINIMAL "username = \"u\";",
		       "account acct: username: You have a supplied a username but "
		       "no password.");
	expect_warning(MINIMAL "username = \"u\"; password = \" p4ss\";",
		       "account acct: password: Your registry password has leading "
		       "whitespace, if this is unintentional authentication will fail.");
	expect_warning(MINIMAL "username = \"u\"; password = \"p4ss\\t\";",
		       "Your registry password has trailing whitespace");
	/* The warning never shows the password itself. */
	assert_null(strstr(fixture_diags[0], "p4ss"));
}

static void password_file_warnings(void **state)
{
	char dir[] = "/tmp/test_account_fields.XXXXXX", path[256], body[512];
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/pw", dir);
	snprintf(body, sizeof(body), MINIMAL "username = \"u\"; passwordFile = \"%s\";",
		 path);
	/* A missing file is said where it is read (the registry check, the
	 * agent), not here too (#20 item 6). */
	drg_account_free(parse_ok(body));
	assert_int_equal(fixture_find_diag("passwordFile"), -1);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	chmod(path, 0600);
	expect_warning(body, "account acct: passwordFile: The supplied password file is empty.");
	chmod(path, 0644);
	expect_warning(body, "can be read by group or others (mode 0644); chmod 600 it");
	unlink(path);
	rmdir(dir);
}

static void home_is_expanded_in_paths(void **state)
{
	struct drg_account *a;
	char *old = getenv("HOME") ? strdup(getenv("HOME")) : NULL;

	(void)state;
	setenv("HOME", "/home/spin", 1);
	a = parse_ok(MINIMAL "dockerconfigFile = \"~/.docker/config.json\";"
			     "caCertFile = \"/abs/~/ca.pem\";");
	assert_string_equal(a->dockerconfig_file, "/home/spin/.docker/config.json");
	assert_string_equal(a->ca_cert_file, "/abs/~/ca.pem");
	drg_account_free(a);
	if (old)
		setenv("HOME", old, 1);
	free(old);
}

static void permissions_like_fiat(void **state)
{
	struct drg_account *a = parse_ok(
		MINIMAL "permissions = { read = [\" Role-A \", \"\", \"b\"];"
			" WRITE = [\"C\"]; };");

	(void)state;
	assert_int_equal(a->permissions_set,
			 (1u << DRG_AUTH_READ) | (1u << DRG_AUTH_WRITE));
	assert_int_equal(a->permissions[DRG_AUTH_READ].count, 2);
	assert_string_equal(a->permissions[DRG_AUTH_READ].items[0], "role-a");
	assert_string_equal(a->permissions[DRG_AUTH_READ].items[1], "b");
	assert_string_equal(a->permissions[DRG_AUTH_WRITE].items[0], "c");
	assert_string_equal(drg_account_authorization_name(DRG_AUTH_EXECUTE),
			    "EXECUTE");
	assert_null(drg_account_authorization_name(DRG_AUTH_COUNT));
	drg_account_free(a);
}

/* Through the host's own diag: "file:line: account NAME: FIELD: why". */
static void host_adds_file_and_line(void **state)
{
	char path[] = "/tmp/test_account_fields.cfg.XXXXXX", expect[512];
	struct drg_account *a = NULL;
	struct cdh_diag diag;
	config_t cfg;
	int fd = mkstemp(path);
	static const char text[] = "a = {\n  name = \"acct\";\n  address = \"r.io\";\n"
				   "  paginateSize = -1;\n};\n";

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1), (int)sizeof(text) - 1);
	close(fd);
	config_init(&cfg);
	assert_int_equal(config_read_file(&cfg, path), CONFIG_TRUE);
	cdh_diag_set_quiet(1);
	cdh_diag_begin(&diag);
	assert_int_equal(drg_account_parse(cdh_host_table_get(),
					   (const struct cdh_config_node *)(void *)
						   config_lookup(&cfg, "a"),
					   &a),
			 CDH_E_CONFIG);
	cdh_diag_end();
	cdh_diag_set_quiet(0);
	assert_int_equal(diag.errors, 1);
	snprintf(expect, sizeof(expect),
		 "%s:4: account acct: paginateSize: must be between 1 and 100000 (got -1)",
		 path);
	assert_string_equal(diag.first_error, expect);
	config_destroy(&cfg);
	unlink(path);
}

static void normalize_address_directly(void **state)
{
	char *s;

	(void)state;
	assert_null(drg_account_normalize_address(""));
	assert_null(drg_account_normalize_address(NULL));
	s = drg_account_normalize_address("Http://h//");
	assert_string_equal(s, "http://h");
	free(s);
	assert_true(drg_account_is_docker_hub("INDEX.docker.io:443"));
	assert_false(drg_account_is_docker_hub("docker.io.evil.example"));
	assert_false(drg_account_is_docker_hub("mydocker.io"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_are_clouddrivers),
		cmocka_unit_test(zero_means_default),
		cmocka_unit_test(every_field_is_read),
		cmocka_unit_test(address_forms),
		cmocka_unit_test(plain_http_credentials_warn_unless_loopback),
		cmocka_unit_test(docker_hub_bare_names_get_library),
		cmocka_unit_test(docker_hub_without_repositories_warns),
		cmocka_unit_test(name_is_required),
		cmocka_unit_test(name_must_match_halyards_pattern),
		cmocka_unit_test(address_is_required),
		cmocka_unit_test(bad_addresses),
		cmocka_unit_test(address_with_credentials_is_refused_without_echo),
		cmocka_unit_test(at_most_one_password_option),
		cmocka_unit_test(repository_sources_exclude_each_other),
		cmocka_unit_test(regex_must_compile),
		cmocka_unit_test(regex_matches_the_whole_name),
		cmocka_unit_test(numbers_in_range),
		cmocka_unit_test(wrong_types),
		cmocka_unit_test(not_a_group),
		cmocka_unit_test(unknown_field_is_a_warning_naming_it),
		cmocka_unit_test(errors_name_their_line),
		cmocka_unit_test(halyards_credential_warnings),
		cmocka_unit_test(password_file_warnings),
		cmocka_unit_test(home_is_expanded_in_paths),
		cmocka_unit_test(permissions_like_fiat),
		cmocka_unit_test(host_adds_file_and_line),
		cmocka_unit_test(normalize_address_directly),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
