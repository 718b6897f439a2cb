#!/usr/bin/env python3
"""A registry whose repository `bad` lists tags a and b, until the file
FAIL_FLAG exists: then its tags/list answers 500 (`good` always answers).
What a real registry cannot be made to do on demand: fail one repository.
Prints its port. Usage: failing_registry.py FAIL_FLAG"""
import http.server
import json
import os
import sys

FLAG = sys.argv[1]
TAGS = {"good": ["1"], "bad": ["a", "b"]}


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        status, body = 200, {}
        for repo, tags in TAGS.items():
            if self.path.startswith("/v2/%s/tags/list" % repo):
                body = {"name": repo, "tags": tags}
                if repo == "bad" and os.path.exists(FLAG):
                    status, body = 500, {"errors": [{"code": "UNKNOWN", "message": "boom"}]}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
