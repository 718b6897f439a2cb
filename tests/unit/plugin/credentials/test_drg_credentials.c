/*
 * test_drg_credentials - every credential source, what is cached and when it is
 * fetched again (file changes, renew, TTL, failures held), and that no
 * error ever carries a secret. The clock is the host's table with
 * monotonic_ns replaced by a fake one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "account_fixture.h"
#include "credentials/credentials.h"
#include "credentials/dockerconfig.h"

#define SEC 1000000000ull

static uint64_t fake_now = 1000 * SEC;
static char dir[64];
static char logged[4096];
static int log_lines;

static uint64_t fake_clock(void)
{
	return fake_now;
}

static void record_log(int32_t level, const char *who, const char *msg)
{
	size_t used = strlen(logged);

	(void)level;
	(void)who;
	snprintf(logged + used, sizeof(logged) - used, "%s\n", msg);
	log_lines++;
}

static int make_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_credentials.XXXXXX");
	logged[0] = '\0';
	log_lines = 0;
	return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *path_in_dir(const char *name)
{
	static char paths[4][256];
	static int next;
	char *p = paths[next++ % 4];

	snprintf(p, sizeof(paths[0]), "%s/%s", dir, name);
	return p;
}

static void write_file(const char *name, const char *content, mode_t mode)
{
	FILE *f = fopen(path_in_dir(name), "w");

	assert_non_null(f);
	fputs(content, f);
	fclose(f);
	chmod(path_in_dir(name), mode);
}

/* Rewrites a file in place keeping its size and mtime: only renew sees it. */
static void rewrite_unnoticed(const char *name, const char *content)
{
	struct stat sb;
	struct timespec times[2];

	assert_int_equal(stat(path_in_dir(name), &sb), 0);
	write_file(name, content, sb.st_mode & 07777);
	times[0] = sb.st_atim;
	times[1] = sb.st_mtim;
	assert_int_equal(utimensat(AT_FDCWD, path_in_dir(name), times, 0), 0);
}

static int count_lines(const char *name)
{
	FILE *f = fopen(path_in_dir(name), "r");
	int c, n = 0;

	if (!f)
		return 0;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static struct drg_credentials *creds_for(const char *body)
{
	struct drg_account *a = NULL;
	struct drg_credentials *c;

	if (fixture_parse(body, &a) != CDH_OK)
		fixture_print_diags();
	assert_non_null(a);
	fixture_api.monotonic_ns = fake_clock;
	fixture_api.log = record_log;
	c = drg_credentials_new(a, &fixture_api);
	/* The credentials keep copies: the account may go first. */
	drg_account_free(a);
	assert_non_null(c);
	return c;
}

static char user[256], pass[4096], err[512];

static int get(struct drg_credentials *c, int renew)
{
	user[0] = pass[0] = '\0';
	return drg_credentials_get(c, renew, user, sizeof(user), pass,
				   sizeof(pass), err, sizeof(err));
}

static void expect(struct drg_credentials *c, int renew, const char *u,
		   const char *p)
{
	if (get(c, renew) != 0)
		fprintf(stderr, "get: %s\n", err);
	assert_string_equal(err, "");
	assert_string_equal(user, u);
	assert_string_equal(pass, p);
}

static void anonymous_without_credentials(void **state)
{
	struct drg_credentials *c = creds_for("name = \"a\"; address = \"r.io\";");

	(void)state;
	expect(c, 0, "", "");
	expect(c, 1, "", "");
	assert_string_equal(drg_credentials_source(c), "none");
	drg_credentials_free(c);
}

static void configured_password(void **state)
{
	struct drg_credentials *c = creds_for(
		"name = \"a\"; address = \"r.io\"; username = \"u\"; password = \"p4ss w\";");

	(void)state;
	expect(c, 0, "u", "p4ss w");
	expect(c, 1, "u", "p4ss w");
	assert_string_equal(drg_credentials_source(c), "password");
	drg_credentials_free(c);
	/* No username: anonymous user (Halyard warns about it). */
	c = creds_for("name = \"a\"; address = \"r.io\"; password = \"p\";");
	expect(c, 0, "", "p");
	drg_credentials_free(c);
}

static struct drg_credentials *file_creds(const char *username)
{
	char body[512];

	snprintf(body, sizeof(body),
		 "name = \"a\"; address = \"r.io\"; username = \"%s\";"
		 "passwordFile = \"%s\";",
		 username, path_in_dir("pw"));
	return creds_for(body);
}

static void password_file_loses_one_trailing_newline(void **state)
{
	struct drg_credentials *c;

	(void)state;
	write_file("pw", "s3cret\n\n", 0600);
	c = file_creds("u");
	expect(c, 0, "u", "s3cret\n");
	write_file("pw", "tok\r\n", 0600);
	expect(c, 0, "u", "tok");
	write_file("pw", "no-newline", 0600);
	expect(c, 0, "u", "no-newline");
	assert_string_equal(drg_credentials_source(c), "passwordFile");
	drg_credentials_free(c);
}

static void password_file_is_read_again_when_it_changes(void **state)
{
	struct drg_credentials *c;
	char tmp[256];

	(void)state;
	write_file("pw", "one\n", 0600);
	c = file_creds("u");
	expect(c, 0, "u", "one");
	write_file("pw", "two-two\n", 0600); /* other size */
	expect(c, 0, "u", "two-two");
	/* Same size, replaced by rename (how secrets get rotated). */
	snprintf(tmp, sizeof(tmp), "%s", path_in_dir("pw.new"));
	write_file("pw.new", "three-3\n", 0600);
	assert_int_equal(rename(tmp, path_in_dir("pw")), 0);
	expect(c, 0, "u", "three-3");
	/* Same size, same mtime, same inode: cached until renew. */
	rewrite_unnoticed("pw", "four-44\n");
	expect(c, 0, "u", "three-3");
	expect(c, 1, "u", "four-44");
	drg_credentials_free(c);
}

static void missing_password_file_is_an_error(void **state)
{
	struct drg_credentials *c;
	char want[512];

	(void)state;
	c = file_creds("u");
	assert_int_equal(get(c, 0), -1);
	snprintf(want, sizeof(want),
		 "passwordFile %s: cannot read: No such file or directory",
		 path_in_dir("pw"));
	assert_string_equal(err, want);
	/* It works as soon as the file is there. */
	write_file("pw", "late\n", 0600);
	expect(c, 0, "u", "late");
	drg_credentials_free(c);
}

static void gcr_json_key_from_a_file(void **state)
{
	static const char key[] = "{\n  \"type\": \"service_account\",\n"
				  "  \"private_key\": \"-----BEGIN PRIVATE KEY-----\\nMIIE\\n\"\n}";
	struct drg_credentials *c;
	char content[512];

	(void)state;
	snprintf(content, sizeof(content), "%s\n", key);
	write_file("pw", content, 0600);
	c = file_creds("_json_key");
	expect(c, 0, "_json_key", key);
	drg_credentials_free(c);
}

/* A file open to others when the account is made was warned of by the
 * config check (account_check.c): the credentials say nothing more. */
static void readable_password_file_is_warned_once(void **state)
{
	struct drg_credentials *c;

	(void)state;
	write_file("pw", "s\n", 0644);
	c = file_creds("u");
	expect(c, 0, "u", "s");
	expect(c, 1, "u", "s");
	assert_int_equal(log_lines, 0);
	drg_credentials_free(c);
}

/* A file that becomes readable by others later is warned of, once. */
static void password_file_opened_later_is_warned_once(void **state)
{
	struct drg_credentials *c;

	(void)state;
	write_file("pw", "s\n", 0600);
	c = file_creds("u");
	expect(c, 0, "u", "s");
	assert_int_equal(log_lines, 0);
	write_file("pw", "t\n", 0644);
	expect(c, 1, "u", "t");
	assert_int_equal(log_lines, 1);
	assert_non_null(strstr(logged, "can be read by group or others (mode 0644)"));
	expect(c, 1, "u", "t");
	assert_int_equal(log_lines, 1);
	drg_credentials_free(c);
}

static struct drg_credentials *command_creds(const char *script, int timeout_s)
{
	char body[1024];

	snprintf(body, sizeof(body),
		 "name = \"a\"; address = \"r.io\"; username = \"AWS\";"
		 "passwordCommand = \"%s\"; passwordCommandTimeoutSeconds = %d;",
		 script, timeout_s);
	return creds_for(body);
}

/* A command that counts its runs and prints the file `secret`. */
static struct drg_credentials *counting_command(void)
{
	char script[512];

	snprintf(script, sizeof(script), "echo run >> %s; cat %s",
		 path_in_dir("runs"), path_in_dir("secret"));
	return command_creds(script, 30);
}

static void command_output_is_trimmed_and_cached(void **state)
{
	struct drg_credentials *c;

	(void)state;
	write_file("secret", "  tok-1 \n\n", 0600);
	c = counting_command();
	expect(c, 0, "AWS", "tok-1");
	expect(c, 0, "AWS", "tok-1");
	assert_int_equal(count_lines("runs"), 1);
	assert_string_equal(drg_credentials_source(c), "passwordCommand");
	drg_credentials_free(c);
}

static void command_is_run_again_on_renew_once(void **state)
{
	struct drg_credentials *c;

	(void)state;
	write_file("secret", "old\n", 0600);
	c = counting_command();
	expect(c, 0, "AWS", "old");
	write_file("secret", "new\n", 0600);
	expect(c, 0, "AWS", "old"); /* cached */
	expect(c, 1, "AWS", "new"); /* after a 401 */
	assert_int_equal(count_lines("runs"), 2);
	/* Other workers' 401s right after share that renew. */
	write_file("secret", "newer\n", 0600);
	expect(c, 1, "AWS", "new");
	assert_int_equal(count_lines("runs"), 2);
	fake_now += 2 * SEC;
	expect(c, 1, "AWS", "newer");
	assert_int_equal(count_lines("runs"), 3);
	drg_credentials_free(c);
}

static void command_result_expires_after_five_minutes(void **state)
{
	struct drg_credentials *c;

	(void)state;
	write_file("secret", "a\n", 0600);
	c = counting_command();
	expect(c, 0, "AWS", "a");
	write_file("secret", "b\n", 0600);
	fake_now += 299 * SEC;
	expect(c, 0, "AWS", "a");
	fake_now += 2 * SEC;
	expect(c, 0, "AWS", "b");
	assert_int_equal(count_lines("runs"), 2);
	drg_credentials_free(c);
}

static void failing_command_reports_stderr_and_is_held(void **state)
{
	struct drg_credentials *c;
	char script[512];

	(void)state;
	snprintf(script, sizeof(script),
		 "echo run >> %s; echo 'aws: token expired' >&2; exit 3",
		 path_in_dir("runs"));
	c = command_creds(script, 30);
	assert_int_equal(get(c, 0), -1);
	assert_string_equal(err, "passwordCommand exited with status 3: aws: "
				 "token expired");
	assert_string_equal(pass, "");
	assert_int_equal(get(c, 1), -1);
	assert_int_equal(count_lines("runs"), 1);
	fake_now += 11 * SEC;
	assert_int_equal(get(c, 0), -1);
	assert_int_equal(count_lines("runs"), 2);
	drg_credentials_free(c);
}

static void failing_command_never_echoes_its_output(void **state)
{
	struct drg_credentials *c = command_creds(
		"echo hunter2-XYZ; echo \\\"leaked hunter2-XYZ here\\\" >&2; exit 1",
		30);

	(void)state;
	assert_int_equal(get(c, 0), -1);
	assert_null(strstr(err, "hunter2-XYZ"));
	assert_string_equal(err, "passwordCommand exited with status 1: leaked *** here");
	drg_credentials_free(c);
}

static void empty_command_output_is_an_error(void **state)
{
	struct drg_credentials *c = command_creds("printf '  \\n'", 30);

	(void)state;
	assert_int_equal(get(c, 0), -1);
	assert_string_equal(err, "passwordCommand: Resolved Password was empty, "
				 "missing dependencies for running password command?");
	drg_credentials_free(c);
}

static void hanging_command_is_killed(void **state)
{
	struct drg_credentials *c = command_creds("echo stuck >&2; sleep 60", 1);
	struct timespec a, b;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(get(c, 0), -1);
	clock_gettime(CLOCK_MONOTONIC, &b);
	assert_true(b.tv_sec - a.tv_sec < 5);
	assert_string_equal(err, "passwordCommand timed out after 1 s and was "
				 "killed: stuck");
	drg_credentials_free(c);
}

static struct drg_credentials *dockerconfig_creds(const char *address)
{
	char body[512];

	snprintf(body, sizeof(body),
		 "name = \"a\"; address = \"%s\"; dockerconfigFile = \"%s\";"
		 "repositories = [\"x/y\"];",
		 address, path_in_dir("config.json"));
	return creds_for(body);
}

static void dockerconfig_auths_entry(void **state)
{
	struct drg_credentials *c;

	(void)state;
	/* base64("alice:s3cret"), base64("alice:rotated") */
	write_file("config.json",
		   "{\"auths\":{\"127.0.0.1:5000\":{\"auth\":\"YWxpY2U6czNjcmV0\"}}}",
		   0600);
	c = dockerconfig_creds("http://127.0.0.1:5000");
	expect(c, 0, "alice", "s3cret");
	write_file("config.json",
		   "{\"auths\":{\"127.0.0.1:5000\":{\"auth\":\"YWxpY2U6cm90YXRlZA==\"}}}",
		   0600);
	expect(c, 0, "alice", "rotated");
	assert_string_equal(drg_credentials_source(c), "dockerconfigFile");
	drg_credentials_free(c);
	/* Another registry's entry: anonymous. */
	c = dockerconfig_creds("http://127.0.0.1:5001");
	expect(c, 0, "", "");
	drg_credentials_free(c);
}

static void dockerconfig_for_docker_hub(void **state)
{
	struct drg_credentials *c;

	(void)state;
	write_file("config.json",
		   "{\"auths\":{\"https://index.docker.io/v1/\":"
		   "{\"auth\":\"YWxpY2U6czNjcmV0\"}}}",
		   0600);
	c = dockerconfig_creds("index.docker.io");
	expect(c, 0, "alice", "s3cret");
	drg_credentials_free(c);
}

static void dockerconfig_helper_is_cached_and_renewed(void **state)
{
	const char *old = getenv("PATH");
	char script[512], newpath[4096];
	struct drg_credentials *c;

	(void)state;
	snprintf(script, sizeof(script),
		 "#!/bin/sh\necho run >> %s\nread -r s || true\n"
		 "[ \"$s\" = r.io ] || exit 7\n"
		 "printf '{\"Username\":\"hu\",\"Secret\":\"%%s\"}' \"$(cat %s)\"\n",
		 path_in_dir("runs"), path_in_dir("secret"));
	write_file("docker-credential-counting", script, 0755);
	snprintf(newpath, sizeof(newpath), "%s:%s", dir, old);
	setenv("PATH", newpath, 1);
	write_file("secret", "h1", 0600);
	write_file("config.json", "{\"credHelpers\":{\"r.io\":\"counting\"}}", 0600);
	c = dockerconfig_creds("r.io");
	expect(c, 0, "hu", "h1");
	write_file("secret", "h2", 0600);
	expect(c, 0, "hu", "h1");
	expect(c, 1, "hu", "h2");
	assert_int_equal(count_lines("runs"), 2);
	drg_credentials_free(c);
	setenv("PATH", old, 1);
}

static void dockerconfig_problems_are_errors(void **state)
{
	struct drg_credentials *c = dockerconfig_creds("r.io");
	char want[512];

	(void)state;
	assert_int_equal(get(c, 0), -1);
	snprintf(want, sizeof(want),
		 "dockerconfigFile %s: cannot read: No such file or directory",
		 path_in_dir("config.json"));
	assert_string_equal(err, want);
	write_file("config.json", "{\"auths\":", 0600);
	assert_int_equal(get(c, 0), -1);
	assert_non_null(strstr(err, "not a JSON object"));
	drg_credentials_free(c);
}

static void small_buffers_are_refused(void **state)
{
	struct drg_credentials *c = creds_for(
		"name = \"a\"; address = \"r.io\"; username = \"u\"; password = \"longer\";");
	char u[8], p[4], e[128];

	(void)state;
	assert_int_equal(drg_credentials_get(c, 0, u, sizeof(u), p, sizeof(p), e,
					     sizeof(e)),
			 -1);
	assert_string_equal(e, "password: the credentials are longer than the "
			       "caller's buffer");
	drg_credentials_free(c);
}

struct worker {
	struct drg_credentials *c;
	int failures;
};

static void *hammer(void *arg)
{
	struct worker *w = arg;
	char u[64], p[64], e[256];
	int i;

	for (i = 0; i < 200; i++) {
		if (drg_credentials_get(w->c, i % 17 == 0, u, sizeof(u), p,
					sizeof(p), e, sizeof(e)) != 0 ||
		    strcmp(u, "AWS") != 0 || strcmp(p, "tok") != 0)
			w->failures++;
	}
	return NULL;
}

static void parallel_workers_share_one_account(void **state)
{
	struct worker workers[8];
	pthread_t threads[8];
	struct drg_credentials *c;
	int i;

	(void)state;
	write_file("secret", "tok\n", 0600);
	c = counting_command();
	for (i = 0; i < 8; i++) {
		workers[i].c = c;
		workers[i].failures = 0;
		assert_int_equal(pthread_create(&threads[i], NULL, hammer,
						&workers[i]), 0);
	}
	for (i = 0; i < 8; i++) {
		pthread_join(threads[i], NULL);
		assert_int_equal(workers[i].failures, 0);
	}
	/* 8 x 12 renews, all within the debounce window: one run. */
	assert_int_equal(count_lines("runs"), 1);
	drg_credentials_free(c);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, make_dir, remove_dir)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(anonymous_without_credentials),
		T(configured_password),
		T(password_file_loses_one_trailing_newline),
		T(password_file_is_read_again_when_it_changes),
		T(missing_password_file_is_an_error),
		T(gcr_json_key_from_a_file),
		T(readable_password_file_is_warned_once),
		T(password_file_opened_later_is_warned_once),
		T(command_output_is_trimmed_and_cached),
		T(command_is_run_again_on_renew_once),
		T(command_result_expires_after_five_minutes),
		T(failing_command_reports_stderr_and_is_held),
		T(failing_command_never_echoes_its_output),
		T(empty_command_output_is_an_error),
		T(hanging_command_is_killed),
		T(dockerconfig_auths_entry),
		T(dockerconfig_for_docker_hub),
		T(dockerconfig_helper_is_cached_and_renewed),
		T(dockerconfig_problems_are_errors),
		T(small_buffers_are_refused),
		T(parallel_workers_share_one_account),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
