/*
 * test_secret_prompt - a secret read from a pipe (what `--password` gets
 * when standard input is not a terminal): exactly one line, nothing past
 * it; "\n" and "\r\n" not part of it; no prompt; nothing at all, or a line
 * too long, refused without the secret in the message. (The terminal case,
 * echo off, is tested under a pty by tests/integration/halyard_cli.sh.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "halyard/secret_prompt.h"

/* A pipe holding `len` bytes of `text`, its write end closed; the read end. */
static int pipe_with(const char *text, size_t len)
{
	int fds[2];

	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], text, len), (ssize_t)len);
	close(fds[1]);
	return fds[0];
}

static void one_line_and_nothing_past_it(void **state)
{
	int fd = pipe_with("hunter2\nnext\n", 13);
	char err[256], rest[16] = "";
	char *secret;

	(void)state;
	secret = cdh_secret_prompt_read(fd, "prompt: ", err, sizeof(err));
	assert_non_null(secret);
	assert_string_equal(secret, "hunter2");
	assert_int_equal(read(fd, rest, sizeof(rest) - 1), 5);
	assert_string_equal(rest, "next\n");
	cdh_secret_free(secret);
	close(fd);
}

static void crlf_and_a_last_line_without_newline(void **state)
{
	int fd = pipe_with("a b \r\n", 6);
	char err[256];
	char *secret;

	(void)state;
	secret = cdh_secret_prompt_read(fd, "prompt: ", err, sizeof(err));
	assert_string_equal(secret, "a b "); /* inner spaces are the user's */
	cdh_secret_free(secret);
	close(fd);
	fd = pipe_with("last", 4);
	secret = cdh_secret_prompt_read(fd, "prompt: ", err, sizeof(err));
	assert_string_equal(secret, "last");
	cdh_secret_free(secret);
	close(fd);
}

static void nothing_is_an_error(void **state)
{
	int fd = pipe_with("", 0);
	char err[256];

	(void)state;
	assert_null(cdh_secret_prompt_read(fd, "prompt: ", err, sizeof(err)));
	assert_string_equal(err, "nothing on standard input");
	close(fd);
	/* An empty line is a line: the caller decides. */
	fd = pipe_with("\n", 1);
	char *secret = cdh_secret_prompt_read(fd, "prompt: ", err, sizeof(err));
	assert_non_null(secret);
	assert_string_equal(secret, "");
	cdh_secret_free(secret);
	close(fd);
}

static void a_line_too_long_is_refused_without_it(void **state)
{
	size_t len = CDH_SECRET_MAX + 10;
	char *text = malloc(len), err[256];
	int fds[2];
	pid_t pid;

	(void)state;
	assert_non_null(text);
	memset(text, 'x', len);
	assert_int_equal(pipe(fds), 0);
	/* More than a pipe holds: a child writes it. */
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		if (write(fds[1], text, len) < 0)
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	assert_null(cdh_secret_prompt_read(fds[0], "prompt: ", err, sizeof(err)));
	assert_non_null(strstr(err, "longer than"));
	assert_null(strstr(err, "xxxx"));
	close(fds[0]); /* the child dies of SIGPIPE, or is done */
	waitpid(pid, NULL, 0);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(one_line_and_nothing_past_it),
		cmocka_unit_test(crlf_and_a_last_line_without_newline),
		cmocka_unit_test(nothing_is_an_error),
		cmocka_unit_test(a_line_too_long_is_refused_without_it),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
