#include "halyard/secret_prompt.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static const int restore_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
#define SIGNAL_COUNT (sizeof(restore_signals) / sizeof(restore_signals[0]))

/* What a signal handler needs to give the terminal its echo back. */
static volatile sig_atomic_t echo_off;
static int tty_fd = -1;
static struct termios saved;

static void restore_and_die(int sig)
{
	if (echo_off)
		tcsetattr(tty_fd, TCSANOW, &saved);
	signal(sig, SIG_DFL);
	raise(sig);
}

static int echo_disable(int fd, struct sigaction *old)
{
	struct sigaction sa;
	struct termios quiet;
	size_t i;

	if (tcgetattr(fd, &saved) != 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = restore_and_die;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < SIGNAL_COUNT; i++)
		sigaction(restore_signals[i], &sa, &old[i]);
	tty_fd = fd;
	quiet = saved;
	/* No echo, but the newline still shows, so the cursor moves on. */
	quiet.c_lflag &= (tcflag_t) ~(ECHO | ECHOE | ECHOK);
	quiet.c_lflag |= ECHONL;
	echo_off = 1;
	if (tcsetattr(fd, TCSAFLUSH, &quiet) != 0) {
		echo_off = 0;
		for (i = 0; i < SIGNAL_COUNT; i++)
			sigaction(restore_signals[i], &old[i], NULL);
		return -1;
	}
	return 0;
}

static void echo_restore(const struct sigaction *old)
{
	size_t i;

	if (echo_off)
		tcsetattr(tty_fd, TCSANOW, &saved);
	echo_off = 0;
	for (i = 0; i < SIGNAL_COUNT; i++)
		sigaction(restore_signals[i], &old[i], NULL);
}

/* One byte at a time: nothing past the newline is consumed, so whatever
 * follows on standard input stays there for whoever reads next. */
static int read_line(int fd, char *buf, size_t cap, size_t *len, char *err,
		     size_t errlen)
{
	ssize_t n;
	char c;

	*len = 0;
	for (;;) {
		n = read(fd, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "cannot read standard input: %s",
				 strerror(errno));
			return -1;
		}
		if (n == 0 || c == '\n')
			break;
		if (*len + 1 >= cap) {
			snprintf(err, errlen,
				 "the line is longer than %u bytes",
				 CDH_SECRET_MAX);
			return -1;
		}
		buf[(*len)++] = c;
	}
	if (n == 0 && *len == 0) {
		snprintf(err, errlen, "%s", "nothing on standard input");
		return -1;
	}
	if (*len && buf[*len - 1] == '\r')
		(*len)--;
	buf[*len] = '\0';
	return 0;
}

char *cdh_secret_prompt_read(int fd, const char *prompt, char *err,
			     size_t errlen)
{
	struct sigaction old[SIGNAL_COUNT];
	size_t cap = CDH_SECRET_MAX + 1, len = 0;
	char *buf = calloc(1, cap);
	int tty = isatty(fd), rc;

	if (!buf) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (tty) {
		/* Echo off first: what is typed once the prompt shows must
		 * never be echoed. */
		if (echo_disable(fd, old) != 0) {
			snprintf(err, errlen,
				 "cannot turn the terminal's echo off: %s",
				 strerror(errno));
			free(buf);
			return NULL;
		}
		fprintf(stderr, "%s", prompt);
		fflush(stderr);
	}
	rc = read_line(fd, buf, cap, &len, err, errlen);
	if (tty)
		echo_restore(old);
	if (rc != 0) {
		explicit_bzero(buf, cap);
		free(buf);
		return NULL;
	}
	return buf;
}

void cdh_secret_free(char *secret)
{
	if (secret) {
		explicit_bzero(secret, strlen(secret));
		free(secret);
	}
}
