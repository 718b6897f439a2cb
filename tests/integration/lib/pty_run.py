#!/usr/bin/env python3
"""pty_run.py PROMPT CMD [ARGS...]: runs CMD on a pseudo-terminal (stdin,
stdout and stderr all on it, as at an interactive shell), waits for PROMPT,
checks the terminal's echo is off at that moment, types $PTY_SECRET and a
newline, and prints everything the terminal showed. Exits with CMD's
status, or 90 when the prompt never came, 91 when echo was still on.
"""
import os
import pty
import select
import sys
import termios
import time


def main():
    prompt, argv = sys.argv[1].encode(), sys.argv[2:]
    secret = os.environ["PTY_SECRET"].encode()
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(argv[0], argv)
    shown, typed, status = b"", False, None
    deadline = time.time() + 60
    while time.time() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                data = os.read(fd, 4096)
            except OSError:  # EIO: the child closed the terminal
                data = b""
            if not data:
                break
            shown += data
        if not typed and prompt in shown:
            # The slave's settings, read through the master (Linux).
            if termios.tcgetattr(fd)[3] & termios.ECHO:
                sys.stdout.write(shown.decode(errors="replace"))
                os.kill(pid, 9)
                sys.exit(91)
            os.write(fd, secret + b"\n")
            typed = True
    _, status = os.waitpid(pid, 0)
    sys.stdout.write(shown.decode(errors="replace"))
    if not typed:
        sys.exit(90)
    sys.exit(os.waitstatus_to_exitcode(status))


if __name__ == "__main__":
    main()
