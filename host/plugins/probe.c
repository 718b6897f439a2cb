#define _GNU_SOURCE /* pipe2 */

#include "plugins/probe.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROBE_OUTPUT_MAX 512

extern char **environ;

static void read_all(int fd, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got + 1 < len && (n = read(fd, buf + got, len - got - 1)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

int cdh_probe_run(const char *exe, const char *file, char *why, size_t whylen)
{
	char *argv[] = { (char *)exe, "__probe-plugin", (char *)file, NULL };
	char output[PROBE_OUTPUT_MAX];
	posix_spawn_file_actions_t actions;
	int pipefd[2], status = 0;
	pid_t pid;

	/* Close-on-exec: no other child (a passwordCommand) inherits the pipe. */
	if (pipe2(pipefd, O_CLOEXEC) != 0) {
		snprintf(why, whylen, "cannot probe: %s", strerror(errno));
		return -1;
	}
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_adddup2(&actions, pipefd[1], STDOUT_FILENO);
	posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null",
					 O_WRONLY, 0);
	posix_spawn_file_actions_addclose(&actions, pipefd[0]);
	posix_spawn_file_actions_addclose(&actions, pipefd[1]);
	if (posix_spawn(&pid, exe, &actions, NULL, argv, environ) != 0)
		pid = -1;
	posix_spawn_file_actions_destroy(&actions);
	close(pipefd[1]);
	read_all(pipefd[0], output, sizeof(output));
	close(pipefd[0]);
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		snprintf(why, whylen, "cannot probe: %s", strerror(errno));
	else if (WIFSIGNALED(status))
		snprintf(why, whylen, "crashed while loading (signal %d, %s)",
		       WTERMSIG(status), strsignal(WTERMSIG(status)));
	else if (WEXITSTATUS(status) != 0 && output[0])
		snprintf(why, whylen, "%s", output);
	else if (WEXITSTATUS(status) != 0)
		/* Died without a word: a sanitizer's crash handler exits, not signals. */
		snprintf(why, whylen, "crashed while loading (exit status %d)",
		       WEXITSTATUS(status));
	else
		return 0;
	return -1;
}
