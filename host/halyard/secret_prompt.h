/*
 * secret_prompt - reads a secret (a password) as one line of a file
 * descriptor, usually standard input, the way Halyard's `--password` does:
 * never from the command line, where it would land in the shell's history
 * and in every `ps`.
 *
 * On a terminal the prompt goes to stderr and echo is off while the line is
 * typed (termios); SIGINT, SIGTERM, SIGHUP and SIGQUIT restore the terminal
 * before the process dies of them. From a pipe or a file, exactly one line
 * is read (nothing past its newline), with no prompt. The line's "\n" (and a
 * "\r" before it) is not part of the secret.
 */
#ifndef CDH_SECRET_PROMPT_H
#define CDH_SECRET_PROMPT_H

#include <stddef.h>

/* Longest secret accepted, as the plugin's credentials module has it. */
#define CDH_SECRET_MAX (64u * 1024u)

/*
 * Reads one line from `fd`, prompting with `prompt` when `fd` is a terminal.
 * Returns the secret (caller frees with cdh_secret_free) or NULL with `err`
 * set: end of input before any byte, a read error, a line longer than
 * CDH_SECRET_MAX, or out of memory. The secret never appears in `err`.
 */
char *cdh_secret_prompt_read(int fd, const char *prompt, char *err,
			     size_t errlen);

/* Wipes and frees a secret (NULL is fine). */
void cdh_secret_free(char *secret);

#endif
