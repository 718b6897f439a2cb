/* posix_spawn_file_actions_addclosefrom_np and pipe2 are GNU extensions. */
#define _GNU_SOURCE
#include "credentials/command.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/*
 * A helper reads a server URL on stdin; /bin/sh reads a passwordCommand
 * there. Either is written whole before the child starts, so it must fit
 * the pipe: 64 KiB is Linux's default pipe size (and far past any command).
 */
#define INPUT_MAX (64u * 1024u)
/* A child that exited while something it started holds its pipes open. */
#define LINGER_MS 200

struct run {
	pid_t pid;
	int out_fd, err_fd;
	int reaped;
	int lost;
	int status;
	int overflow;
	size_t err_len;
	struct drg_command_result *res;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/*
 * A close-on-exec pipe whose ends are both above 2: when the host runs with
 * a standard descriptor closed, pipe() could hand out 0..2 and the dup2()s
 * onto 0, 1, 2 in the child would then clobber each other.
 */
static int make_pipe(int p[2])
{
	int i, moved;

	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	for (i = 0; i < 2; i++) {
		if (p[i] > 2)
			continue;
		moved = fcntl(p[i], F_DUPFD_CLOEXEC, 3);
		close(p[i]);
		p[i] = moved;
	}
	if (p[0] < 0 || p[1] < 0) {
		close_fd(&p[0]);
		close_fd(&p[1]);
		return -1;
	}
	return 0;
}

static int spawn_child(char *const argv[], int in_fd, int out_fd, int err_fd,
		       pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	int rc;

	sigemptyset(&none);
	sigfillset(&all);
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
	posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 34)
	/* Sockets and files the host opened without O_CLOEXEC stay ours. */
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
#endif
	/* Own process group (killed as one), default signals, none blocked. */
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
						POSIX_SPAWN_SETSIGMASK |
						POSIX_SPAWN_SETSIGDEF);
	rc = posix_spawnp(pid, argv[0], &fa, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}

/* Drains one readable descriptor; closes it at EOF. */
static void drain(struct run *r, int *fd, int is_out)
{
	struct drg_command_result *res = r->res;
	char chunk[4096];
	ssize_t n = read(*fd, chunk, sizeof(chunk));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		close_fd(fd);
		return;
	}
	if (is_out) {
		if (res->out_len + (size_t)n > DRG_COMMAND_OUT_CAP) {
			r->overflow = 1;
			return;
		}
		memcpy(res->out + res->out_len, chunk, (size_t)n);
		res->out_len += (size_t)n;
		res->out[res->out_len] = '\0';
		explicit_bzero(chunk, sizeof(chunk));
	} else if (r->err_len < DRG_COMMAND_ERR_KEEP) {
		size_t keep = DRG_COMMAND_ERR_KEEP - r->err_len;

		keep = keep < (size_t)n ? keep : (size_t)n;
		memcpy(res->err + r->err_len, chunk, keep);
		r->err_len += keep;
		res->err[r->err_len] = '\0';
	}
}

static void try_reap(struct run *r, int block)
{
	pid_t got;

	if (r->reaped)
		return;
	do
		got = waitpid(r->pid, &r->status, block ? 0 : WNOHANG);
	while (got < 0 && errno == EINTR);
	/* ECHILD: someone else reaped it; how it ended is lost. */
	if (got < 0)
		r->lost = 1;
	if (got == r->pid || got < 0)
		r->reaped = 1;
}

static void poll_once(struct run *r, int wait_ms)
{
	struct pollfd pfd[2];
	nfds_t n = 0;

	if (r->out_fd >= 0)
		pfd[n++] = (struct pollfd){ .fd = r->out_fd, .events = POLLIN };
	if (r->err_fd >= 0)
		pfd[n++] = (struct pollfd){ .fd = r->err_fd, .events = POLLIN };
	if (poll(n ? pfd : NULL, n, wait_ms) <= 0)
		return;
	for (nfds_t i = 0; i < n; i++) {
		if (!pfd[i].revents)
			continue;
		if (pfd[i].fd == r->out_fd)
			drain(r, &r->out_fd, 1);
		else
			drain(r, &r->err_fd, 0);
	}
}

/* Reads until both pipes close and the child is gone, or time runs out. */
static void supervise(struct run *r, int64_t deadline)
{
	int64_t linger_until = 0;

	for (;;) {
		int64_t now = now_ms(), wait_ms;
		int open = r->out_fd >= 0 || r->err_fd >= 0;

		if (!r->reaped)
			try_reap(r, 0);
		if (r->reaped && !open)
			return;
		if (r->reaped && !linger_until)
			linger_until = now + LINGER_MS;
		if (now >= deadline || r->overflow ||
		    (linger_until && now >= linger_until)) {
			r->res->timed_out = now >= deadline && !r->overflow &&
					    !r->reaped;
			kill(-r->pid, SIGKILL);
			try_reap(r, 1);
			return;
		}
		wait_ms = deadline - now < 50 ? deadline - now : 50;
		poll_once(r, (int)wait_ms);
	}
}

static void record_status(struct run *r)
{
	struct drg_command_result *res = r->res;

	if (r->lost && !res->timed_out) {
		res->exited = 1;
		res->exit_code = -1;
	} else if (WIFEXITED(r->status) && !res->timed_out) {
		res->exited = 1;
		res->exit_code = WEXITSTATUS(r->status);
	} else if (WIFSIGNALED(r->status)) {
		res->signal = WTERMSIG(r->status);
	}
}

/*
 * Writes the whole input into the pipe before the child exists, so no
 * SIGPIPE is possible. Non-blocking: a pipe smaller than the input (a user
 * over pipe-user-pages-soft gets one page) fails instead of hanging.
 */
static int write_input(int fd, const char *input, size_t inlen, char *err,
		       size_t errlen)
{
	ssize_t n;

	if (inlen > PIPE_BUF)
		(void)fcntl(fd, F_SETPIPE_SZ, (int)inlen);
	if (fcntl(fd, F_SETFL, O_NONBLOCK) != 0) {
		snprintf(err, errlen, "cannot write input: %s", strerror(errno));
		return -1;
	}
	n = write(fd, input, inlen);
	if (n != (ssize_t)inlen) {
		snprintf(err, errlen, "cannot write input: %s",
			 n < 0 ? strerror(errno) : "it does not fit a pipe");
		return -1;
	}
	return 0;
}

static int start(char *const argv[], const char *input, struct run *r,
		 char *err, size_t errlen)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, errp[2] = { -1, -1 };
	size_t inlen = input ? strlen(input) : 0;
	int rc = -1, spawn_rc;

	if (inlen > INPUT_MAX) {
		snprintf(err, errlen, "input for %s is too long", argv[0]);
		return -1;
	}
	if (make_pipe(in) || make_pipe(out) || make_pipe(errp)) {
		snprintf(err, errlen, "cannot create pipes: %s", strerror(errno));
		goto out;
	}
	if (inlen && write_input(in[1], input, inlen, err, errlen) != 0)
		goto out;
	close_fd(&in[1]);
	spawn_rc = spawn_child(argv, in[0], out[1], errp[1], &r->pid);
	if (spawn_rc != 0) {
		snprintf(err, errlen, "cannot run %s: %s", argv[0],
			 strerror(spawn_rc));
		goto out;
	}
	r->out_fd = out[0];
	r->err_fd = errp[0];
	out[0] = errp[0] = -1;
	rc = 0;
out:
	close_fd(&in[0]);
	close_fd(&in[1]);
	close_fd(&out[0]);
	close_fd(&out[1]);
	close_fd(&errp[0]);
	close_fd(&errp[1]);
	return rc;
}

int drg_command_run(char *const argv[], const char *input, int64_t timeout_ms,
		    struct drg_command_result *res, char *err, size_t errlen)
{
	struct run r = { .pid = -1, .out_fd = -1, .err_fd = -1, .res = res };

	memset(res, 0, sizeof(*res));
	res->out = calloc(1, DRG_COMMAND_OUT_CAP + 1);
	if (!res->out) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (start(argv, input, &r, err, errlen) != 0)
		return -1;
	supervise(&r, now_ms() + timeout_ms);
	close_fd(&r.out_fd);
	close_fd(&r.err_fd);
	record_status(&r);
	if (r.overflow) {
		snprintf(err, errlen, "%s printed more than %u bytes", argv[0],
			 DRG_COMMAND_OUT_CAP);
		return -1;
	}
	return 0;
}

void drg_command_result_release(struct drg_command_result *res)
{
	if (res->out) {
		explicit_bzero(res->out, DRG_COMMAND_OUT_CAP + 1);
		free(res->out);
	}
	res->out = NULL;
	res->out_len = 0;
}

/* stderr on one line: control characters become spaces, runs collapse. */
static void fold_excerpt(const char *in, char *out, size_t outlen)
{
	size_t n = 0;
	int space = 1;

	for (; *in && n + 1 < outlen; in++) {
		unsigned char c = (unsigned char)*in;

		if (isspace(c) || iscntrl(c)) {
			if (!space)
				out[n++] = ' ';
			space = 1;
			continue;
		}
		out[n++] = (char)c;
		space = 0;
	}
	while (n && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

void drg_command_redact(char *text, const char *secret, size_t len)
{
	char *from = text, *hit;

	if (len < 3)
		return;
	while ((hit = memmem(from, strlen(from), secret, len)) != NULL) {
		memmove(hit + 3, hit + len, strlen(hit + len) + 1);
		memcpy(hit, "***", 3);
		from = hit + 3;
	}
}

/* Each trimmed line of stdout out of `text`. */
static void redact_stdout(const struct drg_command_result *res, char *text)
{
	const char *line = res->out ? res->out : "";

	while (*line) {
		size_t len = strcspn(line, "\n");
		const char *start = line, *end = line + len;

		while (start < end && isspace((unsigned char)*start))
			start++;
		while (end > start && isspace((unsigned char)end[-1]))
			end--;
		drg_command_redact(text, start, (size_t)(end - start));
		line += len + (line[len] == '\n');
	}
}

void drg_command_describe_failure(const struct drg_command_result *res,
				  int64_t timeout_ms, char *buf, size_t buflen)
{
	char excerpt[DRG_COMMAND_ERR_KEEP + 1];
	int n;

	if (res->timed_out && timeout_ms % 1000 == 0)
		n = snprintf(buf, buflen, "timed out after %lld s and was killed",
			     (long long)(timeout_ms / 1000));
	else if (res->timed_out)
		n = snprintf(buf, buflen, "timed out after %lld ms and was killed",
			     (long long)timeout_ms);
	else if (res->exited)
		n = snprintf(buf, buflen, "exited with status %d", res->exit_code);
	else
		n = snprintf(buf, buflen, "was killed by signal %d", res->signal);
	fold_excerpt(res->err, excerpt, sizeof(excerpt));
	redact_stdout(res, excerpt);
	if (n > 0 && (size_t)n < buflen && excerpt[0])
		snprintf(buf + n, buflen - (size_t)n, ": %s", excerpt);
}
