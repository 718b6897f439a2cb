/*
 * test_command - running helper programs: capture, exit status, stdin,
 * deadline with the whole process group killed, output cap, no leaked fds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "credentials/command.h"

static double seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) +
	       (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static int run_sh(const char *script, const char *input, int64_t timeout_ms,
		  struct drg_command_result *res, char *err, size_t errlen)
{
	char *argv[] = { "/bin/sh", "-c", (char *)(uintptr_t)script, NULL };

	return drg_command_run(argv, input, timeout_ms, res, err, errlen);
}

static void captures_stdout_and_exit_zero(void **state)
{
	struct drg_command_result res;
	char err[256] = "";

	(void)state;
	assert_int_equal(run_sh("printf 'hello\\n'", NULL, 5000, &res, err,
				sizeof(err)), 0);
	assert_int_equal(res.exited, 1);
	assert_int_equal(res.exit_code, 0);
	assert_int_equal(res.timed_out, 0);
	assert_string_equal(res.out, "hello\n");
	assert_int_equal(res.out_len, 6);
	assert_string_equal(res.err, "");
	drg_command_result_release(&res);
	assert_null(res.out);
}

static void reports_exit_status_and_stderr(void **state)
{
	struct drg_command_result res;
	char err[256] = "", why[256];

	(void)state;
	assert_int_equal(run_sh("echo out; printf 'bad\\n  thing\\n' >&2; exit 3",
				NULL, 5000, &res, err, sizeof(err)), 0);
	assert_int_equal(res.exited, 1);
	assert_int_equal(res.exit_code, 3);
	assert_string_equal(res.err, "bad\n  thing\n");
	drg_command_describe_failure(&res, 5000, why, sizeof(why));
	assert_string_equal(why, "exited with status 3: bad thing");
	drg_command_result_release(&res);
}

static void excerpt_never_repeats_stdout(void **state)
{
	struct drg_command_result res;
	char err[256] = "", why[256];

	(void)state;
	assert_int_equal(run_sh("printf ' tok-123 \\nab\\n'; "
				"echo 'denied tok-123 (ab)' >&2; exit 1",
				NULL, 5000, &res, err, sizeof(err)), 0);
	drg_command_describe_failure(&res, 5000, why, sizeof(why));
	assert_string_equal(why, "exited with status 1: denied *** (ab)");
	drg_command_result_release(&res);
}

static void redact_replaces_every_occurrence(void **state)
{
	char text[] = "a s3cret b s3crets3cret c";
	char same[] = "***x***";

	(void)state;
	drg_command_redact(text, "s3cret", 6);
	assert_string_equal(text, "a *** b ****** c");
	drg_command_redact(text, "b", 1); /* too short to be a secret */
	assert_string_equal(text, "a *** b ****** c");
	drg_command_redact(same, "***", 3); /* terminates */
	assert_string_equal(same, "***x***");
}

static void reports_a_signal(void **state)
{
	struct drg_command_result res;
	char err[256] = "", why[256];

	(void)state;
	assert_int_equal(run_sh("kill -TERM $$", NULL, 5000, &res, err,
				sizeof(err)), 0);
	assert_int_equal(res.exited, 0);
	assert_int_equal(res.signal, 15);
	drg_command_describe_failure(&res, 5000, why, sizeof(why));
	assert_string_equal(why, "was killed by signal 15");
	drg_command_result_release(&res);
}

static void feeds_stdin(void **state)
{
	struct drg_command_result res;
	char err[256] = "";

	(void)state;
	assert_int_equal(run_sh("cat", "https://index.docker.io/v1/", 5000, &res,
				err, sizeof(err)), 0);
	assert_string_equal(res.out, "https://index.docker.io/v1/");
	drg_command_result_release(&res);
	/* No input: stdin is empty, not the test's terminal. */
	assert_int_equal(run_sh("cat; echo end", NULL, 5000, &res, err,
				sizeof(err)), 0);
	assert_string_equal(res.out, "end\n");
	drg_command_result_release(&res);
}

/* 1 when /proc says `pid` is gone or a zombie, waiting up to ~3 s. */
static int process_gone(long pid)
{
	char path[64], stat[512];
	int i;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	for (i = 0; i < 300; i++) {
		FILE *f = fopen(path, "r");
		char *close_paren;

		if (!f)
			return 1;
		if (!fgets(stat, sizeof(stat), f))
			stat[0] = '\0';
		fclose(f);
		close_paren = strrchr(stat, ')');
		if (close_paren && close_paren[1] == ' ' && close_paren[2] == 'Z')
			return 1;
		usleep(10000);
	}
	return 0;
}

static void timeout_kills_the_whole_group(void **state)
{
	char dir[] = "/tmp/test_command.XXXXXX", script[512], pidfile[256], why[256];
	struct drg_command_result res;
	struct timespec start;
	char err[256] = "";
	long grandchild = 0;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(pidfile, sizeof(pidfile), "%s/pid", dir);
	snprintf(script, sizeof(script),
		 "sleep 30 & echo $! > %s; echo waiting >&2; wait", pidfile);
	clock_gettime(CLOCK_MONOTONIC, &start);
	assert_int_equal(run_sh(script, NULL, 300, &res, err, sizeof(err)), 0);
	assert_true(seconds_since(&start) < 5.0);
	assert_int_equal(res.timed_out, 1);
	assert_int_equal(res.exited, 0);
	drg_command_describe_failure(&res, 1000, why, sizeof(why));
	assert_string_equal(why, "timed out after 1 s and was killed: waiting");
	drg_command_result_release(&res);
	f = fopen(pidfile, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%ld", &grandchild), 1);
	fclose(f);
	assert_true(process_gone(grandchild));
	unlink(pidfile);
	rmdir(dir);
}

static void background_child_holding_stdout_does_not_hang(void **state)
{
	struct drg_command_result res;
	struct timespec start;
	char err[256] = "";

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &start);
	assert_int_equal(run_sh("sleep 30 & echo done", NULL, 20000, &res, err,
				sizeof(err)), 0);
	assert_true(seconds_since(&start) < 5.0);
	assert_int_equal(res.exited, 1);
	assert_int_equal(res.exit_code, 0);
	assert_int_equal(res.timed_out, 0);
	assert_string_equal(res.out, "done\n");
	drg_command_result_release(&res);
}

static void output_is_capped(void **state)
{
	struct drg_command_result res;
	char err[256] = "";

	(void)state;
	assert_int_equal(run_sh("head -c 70000 /dev/zero | tr '\\0' x", NULL, 5000,
				&res, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "printed more than 65536 bytes"));
	drg_command_result_release(&res);
}

static void missing_program_is_an_error(void **state)
{
	char *argv[] = { "/nonexistent/docker-credential-x", "get", NULL };
	struct drg_command_result res;
	char err[256] = "";

	(void)state;
	assert_int_equal(drg_command_run(argv, "x", 5000, &res, err, sizeof(err)),
			 -1);
	assert_string_equal(err, "cannot run /nonexistent/docker-credential-x: "
				 "No such file or directory");
	drg_command_result_release(&res);
}

static void host_descriptors_are_not_inherited(void **state)
{
	struct drg_command_result res;
	char err[256] = "", script[128];
	int fd = open("/dev/null", O_RDONLY); /* deliberately no O_CLOEXEC */

	(void)state;
	assert_true(fd > 2);
	snprintf(script, sizeof(script),
		 "if [ -e /proc/self/fd/%d ]; then echo leaked; fi; echo ok", fd);
	assert_int_equal(run_sh(script, NULL, 5000, &res, err, sizeof(err)), 0);
	assert_string_equal(res.out, "ok\n");
	drg_command_result_release(&res);
	close(fd);
}

static void works_with_stdio_closed(void **state)
{
	struct drg_command_result res;
	char err[256] = "";
	int saved = dup(0);

	(void)state;
	/* A service may run with stdin closed: pipes then start at fd 0. */
	close(0);
	assert_int_equal(run_sh("cat", "abc", 5000, &res, err, sizeof(err)), 0);
	dup2(saved, 0);
	close(saved);
	assert_string_equal(res.out, "abc");
	drg_command_result_release(&res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(captures_stdout_and_exit_zero),
		cmocka_unit_test(reports_exit_status_and_stderr),
		cmocka_unit_test(excerpt_never_repeats_stdout),
		cmocka_unit_test(redact_replaces_every_occurrence),
		cmocka_unit_test(reports_a_signal),
		cmocka_unit_test(feeds_stdin),
		cmocka_unit_test(timeout_kills_the_whole_group),
		cmocka_unit_test(background_child_holding_stdout_does_not_hang),
		cmocka_unit_test(output_is_capped),
		cmocka_unit_test(missing_program_is_an_error),
		cmocka_unit_test(host_descriptors_are_not_inherited),
		cmocka_unit_test(works_with_stdio_closed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
