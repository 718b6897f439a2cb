#!/usr/bin/env python3
"""A registry whose catalog can be refused, for the first-fill test (#16):
/v2/_catalog lists the repositories of DIR/<repo with / as _>.tags files
(one page), or answers 503 while DIR/refuse_catalog exists (a cycle then
fails as a whole, as with a registry unreachable at start) -- except that
while DIR/pass_once exists, one request takes it (removes it) and is
answered (a push, which reads the catalog too);
/v2/<repo>/tags/list always answers with the tags in its file (one a line;
the test "pushes" by rewriting it). Loopback only; prints its port.
Usage: refusing_registry.py DIR"""
import http.server
import json
import os
import sys

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
        path = self.path.split("?")[0]
        if path == "/v2/":
            return self.answer(200, {})
        if path == "/v2/_catalog":
            if (os.path.exists(os.path.join(DIR, "refuse_catalog"))
                    and not self.take_pass()):
                return self.answer(503, {"errors": [{"code": "UNAVAILABLE",
                                                     "message": "refused"}]})
            names = sorted(f[:-len(".tags")].replace("_", "/")
                           for f in os.listdir(DIR) if f.endswith(".tags"))
            return self.answer(200, {"repositories": names})
        if not path.startswith("/v2/") or not path.endswith("/tags/list"):
            return self.answer(404, {"errors": [{"code": "UNSUPPORTED"}]})
        repo = path[len("/v2/"):-len("/tags/list")]
        try:
            with open(os.path.join(DIR, repo.replace("/", "_") + ".tags")) as f:
                tags = [t for t in f.read().split() if t]
        except OSError:
            return self.answer(404, {"errors": [{"code": "NAME_UNKNOWN"}]})
        self.answer(200, {"name": repo, "tags": tags})

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
