/*
 * command - runs a helper program (a passwordCommand, a docker credential
 * helper) and captures what it prints, with a deadline.
 *
 * The child gets its own process group, so a timeout kills everything it
 * started (`sh -c 'a | b'`), not only the shell. Its stdin is the given
 * input (or empty), its stdout is captured up to a cap (more is an error:
 * a password is never that long), and the start of its stderr is kept for
 * error messages. Descriptors of the host are not inherited.
 *
 * Safe to call from several threads at once; installs no signal handler.
 * The captured stdout may be a secret: release() wipes it.
 */
#ifndef DRG_COMMAND_H
#define DRG_COMMAND_H

#include <stddef.h>
#include <stdint.h>

/* Most bytes of stdout kept; more fails the run. */
#define DRG_COMMAND_OUT_CAP (64u * 1024u)
/* Bytes of stderr kept for messages; the rest is read and dropped. */
#define DRG_COMMAND_ERR_KEEP 1024u

struct drg_command_result {
	int exited;    /* 1: exit_code is valid */
	int exit_code;
	int signal;    /* the signal that ended it, 0 if none */
	int timed_out; /* 1: killed because the deadline passed */
	char *out;     /* stdout, NUL-terminated (may hold a secret) */
	size_t out_len;
	char err[DRG_COMMAND_ERR_KEEP + 1]; /* start of stderr, NUL-terminated */
};

/*
 * Runs argv[0] (looked up on PATH when it has no '/') with `argv`, `input`
 * (may be NULL) on its stdin, and kills its process group when `timeout_ms`
 * passes. Returns 0 when the program ran (see res for how it ended), or -1
 * with `err` when it could not be started, its output exceeded the cap, or
 * memory ran out. Release res with drg_command_result_release either way.
 */
int drg_command_run(char *const argv[], const char *input, int64_t timeout_ms,
		    struct drg_command_result *res, char *err, size_t errlen);

/* Wipes and frees the captured output. */
void drg_command_result_release(struct drg_command_result *res);

/*
 * One line describing how a run that did not exit 0 ended, e.g.
 * "exited with status 3", "timed out after 30 s and was killed",
 * "was killed by signal 9", followed by ": <stderr excerpt>" when stderr
 * said something (whitespace folded, cut to fit). Whatever the program
 * printed on stdout (each line, trimmed) is replaced by "***" in the
 * excerpt: a helper that echoes its secret on both must not leak it.
 */
void drg_command_describe_failure(const struct drg_command_result *res,
				  int64_t timeout_ms, char *buf, size_t buflen);

/*
 * Replaces every occurrence of the `len` bytes at `secret` in the string
 * `text` by "***" (in place; text only shrinks). Shorter than 3 bytes: left
 * alone (it would blank ordinary words and is no secret).
 */
void drg_command_redact(char *text, const char *secret, size_t len);

#endif
