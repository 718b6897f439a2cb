#!/usr/bin/env python3
"""A minimal registry for the cluster test: every repository has one tag.
Each tags/list request is logged as two lines, "start <unix time> <repo>"
and "end <unix time> <repo>", so the test can tell when a refresh of a
repository ran and whether two ran at once. While --slow-file holds
"<repo> <seconds>", that repository's tags/list answers after <seconds>.
Loopback only; the port goes to --port-file.
Usage: cluster_registry.py --port-file F --log F --slow-file F"""
import argparse
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

args = argparse.ArgumentParser()
args.add_argument("--port-file", required=True)
args.add_argument("--log", required=True)
args.add_argument("--slow-file", required=True)
opts = args.parse_args()
log_lock = threading.Lock()


def log(what, repo):
    with log_lock, open(opts.log, "a") as f:
        f.write("%s %.3f %s\n" % (what, time.time(), repo))


def slow_seconds(repo):
    try:
        with open(opts.slow_file) as f:
            name, seconds = f.read().split()
        return float(seconds) if name == repo else 0
    except (OSError, ValueError):
        return 0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        path = self.path.split("?")[0]
        if path == "/v2/":
            return self.answer(200, {})
        if path.startswith("/v2/") and path.endswith("/tags/list"):
            repo = path[len("/v2/"):-len("/tags/list")]
            log("start", repo)
            time.sleep(slow_seconds(repo))
            self.answer(200, {"name": repo, "tags": ["1"]})
            log("end", repo)
            return
        self.answer(404, {"errors": [{"code": "NAME_UNKNOWN", "message": "no"}]})

    def log_message(self, *a):
        pass


class Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # a node killed mid-request resets its connection: expected


server = Server(("127.0.0.1", 0), Handler)
server.daemon_threads = True
with open(opts.port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(opts.port_file + ".tmp", opts.port_file)
server.serve_forever()
