#!/usr/bin/env python3
"""A fake Spinnaker Echo on 127.0.0.1: every POST body is appended as one
line to --log (bodies are JSON without newlines), answered 200 -- or 503 for
the first --fail-first POSTs, to exercise cdhost's retries, or, while
--answer-file holds an HTTP status, that status to every POST (not logged:
Echo refused it). Writes its port to --port-file once it listens.
Usage: fake_echo.py --port-file F --log F [--fail-first N] [--answer-file F]"""
import argparse
import http.server
import threading

lock = threading.Lock()
state = {"posts": 0}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--fail-first", type=int, default=0)
    ap.add_argument("--answer-file")
    args = ap.parse_args()

    def forced_status():
        try:
            with open(args.answer_file) as f:
                return int(f.read().strip())
        except (TypeError, OSError, ValueError):
            return 0

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length).decode()
            with lock:
                state["posts"] += 1
                status = forced_status() or (
                    503 if state["posts"] <= args.fail_first else 200)
                if status == 200:
                    with open(args.log, "a") as log:
                        log.write("%s %s %s\n" % (
                            self.path, self.headers.get("Content-Type"), body))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, fmt, *a):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    import os
    os.rename(args.port_file + ".tmp", args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
