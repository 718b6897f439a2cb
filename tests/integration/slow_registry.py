#!/usr/bin/env python3
"""A registry that answers /v2/ at once and everything else after DELAY
seconds: enough to catch cdhost in the middle of a refresh. Prints its port.
Usage: slow_registry.py DELAY"""
import http.server
import sys
import time

DELAY = float(sys.argv[1])


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path != "/v2/":
            time.sleep(DELAY)
        body = b'{"name":"slow/repo","tags":["1"]}' if "tags" in self.path else b"{}"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
