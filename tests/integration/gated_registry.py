#!/usr/bin/env python3
"""A registry for the newest-observation test (#15): /v2/<repo>/tags/list
answers at once with the tags in DIR/<repo with / as _>.tags (one a line;
the test "pushes" by rewriting it), except for repositories whose name
starts with "gate/": those answer only once DIR/release exists, holding a
refresh open for as long as the test needs; while DIR/pass_once exists,
one such request, arriving or held, takes it (removes it) and answers at
once. /v2/_catalog lists the repositories in DIR/catalog (one a line), or
without it those of the .tags files (one page); it answers 503 while
DIR/refuse_catalog exists (a cycle then fails as a whole, as with a
registry unreachable at start), pass_once letting one through the same
way. Every request is appended to DIR/requests.log. Loopback only; prints
its port.
Usage: gated_registry.py DIR"""
import http.server
import json
import os
import sys
import time

DIR = sys.argv[1]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        with open(os.path.join(DIR, "requests.log"), "a") as log:
            log.write("GET %s\n" % self.path)
        path = self.path.split("?")[0]
        if path == "/v2/":
            return self.answer(200, {})
        if path == "/v2/_catalog":
            return self.catalog()
        if not path.startswith("/v2/") or not path.endswith("/tags/list"):
            return self.answer(404, {"errors": [{"code": "UNSUPPORTED"}]})
        repo = path[len("/v2/"):-len("/tags/list")]
        if repo.startswith("gate/"):
            for _ in range(1200):  # at most 120 s
                if os.path.exists(os.path.join(DIR, "release")) or self.take_pass():
                    break
                time.sleep(0.1)
        try:
            with open(os.path.join(DIR, repo.replace("/", "_") + ".tags")) as f:
                tags = [t for t in f.read().split() if t]
        except OSError:
            return self.answer(404, {"errors": [{"code": "NAME_UNKNOWN"}]})
        self.answer(200, {"name": repo, "tags": tags})

    def catalog(self):
        if (os.path.exists(os.path.join(DIR, "refuse_catalog"))
                and not self.take_pass()):
            return self.answer(503, {"errors": [{"code": "UNAVAILABLE",
                                                 "message": "refused"}]})
        try:
            with open(os.path.join(DIR, "catalog")) as f:
                names = [r for r in f.read().split() if r]
        except OSError:
            names = sorted(f[:-len(".tags")].replace("_", "/")
                           for f in os.listdir(DIR) if f.endswith(".tags"))
        self.answer(200, {"repositories": names})

    def take_pass(self):
        try:
            os.remove(os.path.join(DIR, "pass_once"))  # one thread wins
            return True
        except OSError:
            return False

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
