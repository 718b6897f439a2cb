/*
 * test_config - the host's config file: libconfig syntax errors as
 * "file:line: why", host-section validation with file:line, paths relative
 * to the file made absolute, unknown keys only warned about, and which file
 * is read when none is given.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config/config.h"
#include "config/config_view.h"
#include "testdir.h"

struct fixture {
	struct testdir dir;
	struct cdh_config *config; /* the last one loaded; freed by teardown */
	char cfg_path[512];
	char err[1024];
	char expect[2048];
	char captured[4096];
};

static int setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	*state = &f;
	return testdir_init(&f.dir);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	cdh_config_free(f->config);
	testdir_release(&f->dir);
	return 0;
}

/* Loads `path` into f->config (the fixture frees it). */
static struct cdh_config *load_path(struct fixture *f, const char *path)
{
	cdh_config_free(f->config);
	f->err[0] = '\0';
	f->config = cdh_config_load(path, f->err, sizeof(f->err));
	return f->config;
}

/* Writes cdhost.cfg with `text` and loads it. */
static struct cdh_config *load(struct fixture *f, const char *text)
{
	const char *path = testdir_write(&f->dir, "cdhost.cfg", text);

	assert_non_null(path);
	snprintf(f->cfg_path, sizeof(f->cfg_path), "%s", path);
	return load_path(f, f->cfg_path);
}

/* Loads `text` and expects it refused with err "<path>:<line>: <why>". */
static void expect_refused(struct fixture *f, const char *text, int line,
			   const char *why)
{
	assert_null(load(f, text));
	snprintf(f->expect, sizeof(f->expect), "%s:%d: %s", f->cfg_path, line,
		 why);
	assert_string_equal(f->err, f->expect);
}

/* "<dir>/<name>" with the directory resolved, as a loaded config has it. */
static const char *beside_config(struct fixture *f, const char *name)
{
	char real[PATH_MAX];

	assert_non_null(realpath(f->dir.path, real));
	snprintf(f->expect, sizeof(f->expect), "%s/%s", real, name);
	return f->expect;
}

/* ---- syntax and the file ---- */

static void a_syntax_error_names_file_and_line(void **state)
{
	struct fixture *f = *state;

	expect_refused(f, "host = {\n  listen = ;\n};\n", 2, "syntax error");
}

static void a_missing_file_names_the_path(void **state)
{
	struct fixture *f = *state;
	const char *path = testdir_file(&f->dir, "nope.cfg");
	char expect[1024];

	snprintf(expect, sizeof(expect),
		 "%s: cannot read: No such file or directory", path);
	assert_null(load_path(f, path));
	assert_string_equal(f->err, expect);
}

/* ---- the host section ---- */

static void an_empty_file_gets_the_defaults(void **state)
{
	struct fixture *f = *state;
	struct cdh_config *config = load(f, "");

	assert_non_null(config);
	assert_string_equal(config->listen, "127.0.0.1:7002");
	assert_null(config->plugin_dir);
	assert_string_equal(config->cache_path, beside_config(f, "cache.db"));
}

static void a_relative_cache_path_lands_beside_the_config(void **state)
{
	struct fixture *f = *state;
	struct cdh_config *config = load(
	    f,
	    "host = {\n  listen = \"0.0.0.0:7102\";\n"
	    "  cache = { backend = \"sqlite\"; path = \"data/c.db\"; };\n};\n");

	assert_non_null(config);
	assert_string_equal(config->listen, "0.0.0.0:7102");
	assert_string_equal(config->cache_path, beside_config(f, "data/c.db"));
}

static void an_absolute_cache_path_is_kept(void **state)
{
	struct fixture *f = *state;
	struct cdh_config *config = load(
	    f, "host = { cache = { path = \"/var/lib/cdhost/c.db\"; }; };\n");

	assert_non_null(config);
	assert_string_equal(config->cache_path, "/var/lib/cdhost/c.db");
}

static void a_relative_plugin_dir_lands_beside_the_config(void **state)
{
	struct fixture *f = *state;
	struct cdh_config *config =
	    load(f, "host = { pluginDir = \"plugins\"; };\n");

	assert_non_null(config);
	assert_string_equal(config->plugin_dir, beside_config(f, "plugins"));
}

static void
a_config_given_by_relative_path_still_gives_absolute_paths(void **state)
{
	struct fixture *f = *state;
	struct cdh_config *config;
	char cwd[PATH_MAX];

	assert_non_null(testdir_write(&f->dir, "cdhost.cfg", "host = { };\n"));
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(f->dir.path), 0);
	config = load_path(f, "cdhost.cfg");
	assert_int_equal(chdir(cwd), 0);
	assert_non_null(config);
	/* The daemon outlives its start directory: the store path must not
	 * depend on it. */
	assert_string_equal(config->cache_path, beside_config(f, "cache.db"));
}

static void an_unsupported_cache_backend_names_file_and_line(void **state)
{
	struct fixture *f = *state;

	expect_refused(f,
		       "host = {\n  cache = {\n"
		       "    backend = \"mongo\";\n  };\n};\n",
		       3,
		       "host.cache.backend must be \"sqlite\", \"memory\" or \"redis\", not \"mongo\"");
}

static void a_redis_cache_takes_its_url_and_password_file(void **state)
{
	struct fixture *f = *state;
	struct cdh_config *config;

	assert_non_null(testdir_write(&f->dir, "cdhost.cfg",
				      "host = { cache = { backend = \"redis\";\n"
				      "  url = \"redis://10.0.0.5:6380/2\";\n"
				      "  passwordFile = \"redis.pw\"; }; };\n"));
	config = load_path(f, testdir_file(&f->dir, "cdhost.cfg"));
	assert_non_null(config);
	assert_int_equal(config->cache_redis, 1);
	assert_string_equal(config->cache_url, "redis://10.0.0.5:6380/2");
	assert_string_equal(config->cache_password_file,
			    beside_config(f, "redis.pw"));
}

static void rediss_is_refused_at_its_line(void **state)
{
	struct fixture *f = *state;

	expect_refused(f,
		       "host = { cache = {\n  backend = \"redis\";\n"
		       "  url = \"rediss://:secret@redis.example:6379\";\n}; };\n",
		       3,
		       "host.cache.url: rediss:// (TLS) is not supported: this hiredis has no TLS");
}

static void a_bad_redis_port_is_refused_without_the_password(void **state)
{
	struct fixture *f = *state;

	expect_refused(f,
		       "host = { cache = {\n  backend = \"redis\";\n"
		       "  url = \"redis://u:secret@h:99999/0\";\n}; };\n",
		       3,
		       "host.cache.url: the port must be a number from 1 to 65535");
}

static void a_host_key_of_the_wrong_type_names_file_and_line(void **state)
{
	struct fixture *f = *state;

	expect_refused(f, "host = {\n  listen = 7002;\n};\n", 2,
		       "listen must be a string");
}

static void a_host_that_is_not_a_group_is_an_error(void **state)
{
	struct fixture *f = *state;

	expect_refused(f, "host = \"127.0.0.1\";\n", 1,
		       "host must be a group { ... }");
}

static void plugin_sections_are_left_to_their_plugin(void **state)
{
	struct fixture *f = *state;
	struct cdh_config *config =
	    load(f, "dockerRegistry = { accounts = ( { name = \"a\"; } ); };\n"
		    "someOtherPlugin = 5;\n");

	assert_non_null(config);
	assert_non_null(cdh_config_section(config, "dockerRegistry"));
	assert_null(cdh_config_section(config, "nothing"));
}

/* Runs load() with fd 2 redirected into f->captured. */
static struct cdh_config *load_capturing_stderr(struct fixture *f,
						const char *text)
{
	const char *log = testdir_file(&f->dir, "stderr.txt");
	int saved = dup(2), fd = open(log, O_CREAT | O_TRUNC | O_RDWR, 0600);
	struct cdh_config *config;
	ssize_t n;

	assert_true(saved >= 0 && fd >= 0);
	fflush(stderr);
	dup2(fd, 2);
	config = load(f, text);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, f->captured, sizeof(f->captured) - 1, 0);
	close(fd);
	f->captured[n > 0 ? n : 0] = '\0';
	return config;
}

static void an_unknown_host_key_is_a_warning_and_the_rest_works(void **state)
{
	struct fixture *f = *state;
	struct cdh_config *config = load_capturing_stderr(
	    f, "host = {\n  listen = \"127.0.0.1:9\";\n  lisen = \"x\";\n};\n");

	assert_non_null(config);
	assert_string_equal(config->listen, "127.0.0.1:9");
	snprintf(
	    f->expect, sizeof(f->expect),
	    "cdhost: warning: %s:3: unknown field 'lisen' in host ignored\n",
	    f->cfg_path);
	assert_string_equal(f->captured, f->expect);
}

/*
 * Loads `text` in a child process, so that a crash fails one test instead of
 * the whole file. Returns the err the child got, "(loaded)" when it loaded,
 * or how the child died.
 */
static const char *load_in_child(struct fixture *f, const char *text)
{
	int fds[2], status = 0;
	ssize_t n;
	pid_t pid;

	assert_non_null(testdir_write(&f->dir, "cdhost.cfg", text));
	snprintf(f->cfg_path, sizeof(f->cfg_path), "%s", f->dir.scratch);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct cdh_config *config = load_path(f, f->cfg_path);
		const char *out = config ? "(loaded)" : f->err;

		close(fds[0]);
		n = write(fds[1], out, strlen(out));
		_exit(n < 0);
	}
	close(fds[1]);
	n = read(fds[0], f->captured, sizeof(f->captured) - 1);
	close(fds[0]);
	f->captured[n > 0 ? n : 0] = '\0';
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		snprintf(f->captured, sizeof(f->captured), "(died: signal %d)",
			 WTERMSIG(status));
	else if (WEXITSTATUS(status) != 0)
		snprintf(f->captured, sizeof(f->captured), "(died: exit %d)",
			 WEXITSTATUS(status));
	return f->captured;
}

static void a_host_given_as_a_list_is_an_error_not_a_crash(void **state)
{
	struct fixture *f = *state;
	const char *err = load_in_child(f, "host = ( \"127.0.0.1:7002\" );\n");

	snprintf(f->expect, sizeof(f->expect),
		 "%s:1: host must be a group { ... }", f->cfg_path);
	assert_string_equal(err, f->expect);
}

static void a_cache_given_as_a_list_is_an_error_not_a_crash(void **state)
{
	struct fixture *f = *state;
	const char *err =
	    load_in_child(f, "host = {\n  cache = [ \"sqlite\" ];\n};\n");

	snprintf(f->expect, sizeof(f->expect),
		 "%s:2: host.cache must be a group { backend = ...; }",
		 f->cfg_path);
	assert_string_equal(err, f->expect);
}

/* ---- cdh_config_default_path ---- */

static void expect_default_path(const char *given, const char *expect)
{
	char *path = cdh_config_default_path(given);

	assert_non_null(path);
	assert_string_equal(path, expect);
	free(path);
}

static void the_given_path_wins(void **state)
{
	(void)state;
	setenv("CDHOST_CONFIG", "/etc/cdhost/from-env.cfg", 1);
	setenv("HOME", "/home/op", 1);
	expect_default_path("/srv/given.cfg", "/srv/given.cfg");
}

static void then_cdhost_config_from_the_environment(void **state)
{
	(void)state;
	setenv("CDHOST_CONFIG", "/etc/cdhost/from-env.cfg", 1);
	setenv("HOME", "/home/op", 1);
	expect_default_path(NULL, "/etc/cdhost/from-env.cfg");
}

static void then_the_file_in_home(void **state)
{
	(void)state;
	unsetenv("CDHOST_CONFIG");
	setenv("HOME", "/home/op", 1);
	expect_default_path(NULL, "/home/op/.cdhost/cdhost.cfg");
	/* An empty variable is no choice. */
	setenv("CDHOST_CONFIG", "", 1);
	expect_default_path(NULL, "/home/op/.cdhost/cdhost.cfg");
}

/* With no --config and no $CDHOST_CONFIG: the user's file when it exists,
 * else the system file when it exists, else the user's (to be created). */
static void expect_search(const char *system_file, const char *expect)
{
	char *path = cdh_config_search_path(NULL, system_file);

	assert_non_null(path);
	assert_string_equal(path, expect);
	free(path);
}

static void the_system_file_when_the_user_has_none(void **state)
{
	struct fixture *f = *state;
	char system_file[512], user_file[512], user_dir[512];
	FILE *fp;

	unsetenv("CDHOST_CONFIG");
	setenv("HOME", f->dir.path, 1);
	snprintf(system_file, sizeof(system_file), "%s",
		 testdir_write(&f->dir, "system.cfg", ""));
	snprintf(user_dir, sizeof(user_dir), "%s/.cdhost", f->dir.path);
	snprintf(user_file, sizeof(user_file), "%s/cdhost.cfg", user_dir);

	expect_search(system_file, system_file);
	/* Neither exists: the user's, where `cdhost config` creates one. */
	expect_search("/nonexistent/cdhost.cfg", user_file);
	expect_search(NULL, user_file);
	/* The user's own file wins over the system's. */
	assert_int_equal(mkdir(user_dir, 0700), 0);
	fp = fopen(user_file, "w");
	assert_non_null(fp);
	fclose(fp);
	expect_search(system_file, user_file);
	/* And $CDHOST_CONFIG over both. */
	setenv("CDHOST_CONFIG", "/srv/env.cfg", 1);
	expect_search(system_file, "/srv/env.cfg");
	unsetenv("CDHOST_CONFIG");
	unlink(user_file);
	rmdir(user_dir);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

/* The fingerprint of section `name`'s first account in `text`. */
static char *account_fingerprint(struct fixture *f, const char *text)
{
	const struct cdh_config_node *list;

	assert_non_null(load(f, text));
	list = cdh_cfg_member(cdh_config_section(f->config, "p"), "accounts");
	return cdh_cfg_fingerprint(cdh_cfg_at(list, 0));
}

/* Settings written in another order are the same settings (issue #22); a
 * list's order, a value or a nested group's member still tell them apart. */
static void a_fingerprint_ignores_the_order_of_settings(void **state)
{
	struct fixture *f = *state;
	char *a = account_fingerprint(f, "p = { accounts = ( { name = \"x\"; n = 1;"
				      " l = [\"a\", \"b\"]; g = { r = [\"1\"]; w = [\"2\"]; }; } ); };");
	char *b = account_fingerprint(f, "p = { accounts = ( { g = { w = [\"2\"]; r = [\"1\"]; };"
				      " l = [\"a\", \"b\"]; n = 1; name = \"x\"; } ); };");
	char *c = account_fingerprint(f, "p = { accounts = ( { name = \"x\"; n = 1;"
				      " l = [\"b\", \"a\"]; g = { r = [\"1\"]; w = [\"2\"]; }; } ); };");
	char *d = account_fingerprint(f, "p = { accounts = ( { name = \"x\"; n = 2;"
				      " l = [\"a\", \"b\"]; g = { r = [\"1\"]; w = [\"2\"]; }; } ); };");

	assert_non_null(a);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	assert_string_not_equal(a, d);
	free(a);
	free(b);
	free(c);
	free(d);
}

/* ---- host.echo ---- */

static void echo_reads_base_url_and_threshold(void **state)
{
	struct fixture *f = *state;

	assert_non_null(load(f, ""));
	assert_null(f->config->echo_base_url);
	assert_int_equal(f->config->echo_threshold, 1000);
	assert_non_null(load(f, "host = { echo = { baseUrl = \"http://echo:8089\";\n"
				"  itemUpperThreshold = 50; }; };\n"));
	assert_string_equal(f->config->echo_base_url, "http://echo:8089");
	assert_int_equal(f->config->echo_threshold, 50);
	assert_non_null(load(f, "host = { echo = { baseUrl = \"https://e\"; }; };\n"));
	assert_int_equal(f->config->echo_threshold, 1000);
}

static void echo_errors_name_file_and_line(void **state)
{
	struct fixture *f = *state;

	expect_refused(f, "host = { echo = {\n  baseUrl = \"echo:8089\";\n}; };\n",
		       2, "host.echo.baseUrl must be an http:// or https:// URL");
	expect_refused(f, "host = { echo = {\n  baseUrl = 8089;\n}; };\n",
		       2, "baseUrl must be a string");
	expect_refused(f, "host = { echo = { baseUrl = \"http://e\";\n  itemUpperThreshold = 0;\n}; };\n",
		       2, "host.echo.itemUpperThreshold must be a positive integer");
	expect_refused(f, "host = { echo = {\n  itemUpperThreshold = \"many\";\n}; };\n",
		       2, "host.echo.itemUpperThreshold must be a positive integer");
	expect_refused(f, "host = {\n  echo = \"http://e\";\n};\n",
		       2, "host.echo must be a group { baseUrl = \"http://echo:8089\"; }");
}

/* ---- host.authz ---- */

static void authz_reads_admins_users_and_lowercases_them(void **state)
{
	struct fixture *f = *state;
	struct cdh_config *config = load(
	    f, "host = { authz = {\n"
	       "  enabled = true;\n"
	       "  admins = [\"Alice\"];\n"
	       "  users = { Bob = [\"Dev\", \"ops\"]; carol = []; };\n"
	       "  unknownUser = \"anonymous\";\n"
	       "}; };\n");

	assert_non_null(config);
	assert_true(config->authz.enabled);
	assert_true(config->authz.unknown_anonymous);
	assert_null(config->authz.fiat_base_url);
	assert_int_equal(config->authz.admins.count, 1);
	assert_string_equal(config->authz.admins.items[0], "alice");
	assert_int_equal(config->authz.user_count, 2);
	assert_string_equal(config->authz.users[0].name, "bob");
	assert_int_equal(config->authz.users[0].roles.count, 2);
	assert_string_equal(config->authz.users[0].roles.items[0], "dev");
	assert_string_equal(config->authz.users[1].name, "carol");
	assert_int_equal(config->authz.users[1].roles.count, 0);
}

static void authz_is_off_without_the_group_and_deny_by_default(void **state)
{
	struct fixture *f = *state;

	assert_non_null(load(f, ""));
	assert_false(f->config->authz.enabled);
	assert_non_null(load(f, "host = { authz = { admins = []; }; };\n"));
	assert_true(f->config->authz.enabled);
	assert_false(f->config->authz.unknown_anonymous);
	assert_non_null(load(f, "host = { authz = { enabled = false; }; };\n"));
	assert_false(f->config->authz.enabled);
}

static void authz_errors_name_file_and_line(void **state)
{
	struct fixture *f = *state;

	expect_refused(f, "host = { authz = {\n  unknownUser = \"allow\";\n}; };\n",
		       2, "host.authz.unknownUser must be \"deny\" or \"anonymous\", not \"allow\"");
	expect_refused(f, "host = { authz = {\n  admins = \"alice\";\n}; };\n",
		       2, "host.authz.admins must be a list of strings [\"a\", \"b\"]");
	expect_refused(f, "host = { authz = {\n  users = {\n    bob = [1];\n  };\n}; };\n",
		       3, "host.authz.users.bob must hold non-empty strings");
	expect_refused(f, "host = { authz = {\n  users = [\"bob\"];\n}; };\n",
		       2, "host.authz.users must be a group { name = [\"role\"]; }");
	expect_refused(f, "host = { authz = {\n  enabled = \"yes\";\n}; };\n",
		       2, "host.authz.enabled must be true or false");
	expect_refused(f, "host = {\n  authz = 1;\n};\n",
		       2, "host.authz must be a group { enabled = true; ... }");
	expect_refused(f, "host = { authz = {\n  fiatBaseUrl = \"fiat:7003\";\n}; };\n",
		       2, "host.authz.fiatBaseUrl must be an http:// or https:// URL");
}

static void authz_config_copies_deeply(void **state)
{
	struct fixture *f = *state;
	struct cdh_authz_config copy;

	assert_non_null(load(f, "host = { authz = { admins = [\"a\"];\n"
				"  users = { b = [\"r\"]; };\n"
				"  fiatBaseUrl = \"http://127.0.0.1:1\"; }; };\n"));
	assert_int_equal(cdh_authz_config_copy(&copy, &f->config->authz), 0);
	cdh_config_free(f->config);
	f->config = NULL;
	assert_true(copy.enabled);
	assert_string_equal(copy.admins.items[0], "a");
	assert_string_equal(copy.users[0].name, "b");
	assert_string_equal(copy.users[0].roles.items[0], "r");
	assert_string_equal(copy.fiat_base_url, "http://127.0.0.1:1");
	cdh_authz_config_release(&copy);
}

/* ---- host.cluster (several nodes, #14) ---- */

static void cluster_takes_the_node_id_and_the_pattern(void **state)
{
	struct fixture *f = *state;
	struct cdh_config *config = load(
	    f, "host = { cache = { backend = \"redis\"; };\n"
	       "  cluster = { nodeId = \"cdhost-a\";\n"
	       "    enabledPattern = \"(?!skipped/).*\"; }; };\n");

	assert_non_null(config);
	assert_string_equal(config->cluster_node_id, "cdhost-a");
	assert_string_equal(config->cluster_enabled_pattern, "(?!skipped/).*");
}

static void cluster_defaults_to_nothing_set(void **state)
{
	struct fixture *f = *state;
	struct cdh_config *config = load(f, "host = { cache = { backend = \"redis\"; }; };\n");

	assert_non_null(config);
	assert_null(config->cluster_node_id);
	assert_null(config->cluster_enabled_pattern);
}

static void a_bad_enabled_pattern_is_refused_at_its_line(void **state)
{
	struct fixture *f = *state;

	expect_refused(f,
		       "host = { cache = { backend = \"redis\"; };\n"
		       "  cluster = {\n    enabledPattern = \"(abc\"; }; };\n",
		       3,
		       "host.cluster.enabledPattern: missing closing parenthesis at offset 4");
}

static void an_empty_node_id_is_refused_at_its_line(void **state)
{
	struct fixture *f = *state;

	expect_refused(f,
		       "host = { cache = { backend = \"redis\"; };\n"
		       "  cluster = { nodeId = \"\"; }; };\n",
		       2, "host.cluster.nodeId must not be empty");
}

static void cluster_without_redis_is_a_warning(void **state)
{
	struct fixture *f = *state;
	struct cdh_config *config = load_capturing_stderr(
	    f, "host = {\n  cluster = { nodeId = \"n\"; };\n};\n");

	assert_non_null(config);
	snprintf(f->expect, sizeof(f->expect),
		 "cdhost: warning: %s:2: host.cluster applies to the redis "
		 "cache backend only: with another one this node runs every "
		 "agent\n",
		 f->cfg_path);
	assert_string_equal(f->captured, f->expect);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(a_syntax_error_names_file_and_line),
	    T(a_missing_file_names_the_path),
	    T(an_empty_file_gets_the_defaults),
	    T(a_relative_cache_path_lands_beside_the_config),
	    T(an_absolute_cache_path_is_kept),
	    T(a_relative_plugin_dir_lands_beside_the_config),
	    T(a_config_given_by_relative_path_still_gives_absolute_paths),
	    T(an_unsupported_cache_backend_names_file_and_line),
	    T(a_redis_cache_takes_its_url_and_password_file),
	    T(rediss_is_refused_at_its_line),
	    T(a_bad_redis_port_is_refused_without_the_password),
	    T(a_host_key_of_the_wrong_type_names_file_and_line),
	    T(a_host_that_is_not_a_group_is_an_error),
	    T(plugin_sections_are_left_to_their_plugin),
	    T(an_unknown_host_key_is_a_warning_and_the_rest_works),
	    T(cluster_takes_the_node_id_and_the_pattern),
	    T(cluster_defaults_to_nothing_set),
	    T(a_bad_enabled_pattern_is_refused_at_its_line),
	    T(an_empty_node_id_is_refused_at_its_line),
	    T(cluster_without_redis_is_a_warning),
	    cmocka_unit_test(the_given_path_wins),
	    cmocka_unit_test(then_cdhost_config_from_the_environment),
	    cmocka_unit_test(then_the_file_in_home),
	    T(the_system_file_when_the_user_has_none),
	    T(a_host_given_as_a_list_is_an_error_not_a_crash),
	    T(a_cache_given_as_a_list_is_an_error_not_a_crash),
	    T(a_fingerprint_ignores_the_order_of_settings),
	    T(authz_reads_admins_users_and_lowercases_them),
	    T(authz_is_off_without_the_group_and_deny_by_default),
	    T(echo_reads_base_url_and_threshold),
	    T(echo_errors_name_file_and_line),
	    T(authz_errors_name_file_and_line),
	    T(authz_config_copies_deeply),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
