#!/usr/bin/env python3
"""A fake Fiat on 127.0.0.1: GET /authorize/<user> answers a fixed
UserPermission.View per user (404 for users it does not know; "slowpoke"
answers an admin view only after 5 s, past cdhost's timeout), and
GET /hits/<user> says how many times that user was asked. Prints its port.
Usage: fake_fiat.py"""
import collections
import http.server
import json
import threading
import time
import urllib.parse

VIEWS = {
    "bob": {"name": "bob", "admin": False, "accounts": [
        {"name": "Secret", "authorizations": ["READ"]},
        {"name": "open", "authorizations": ["READ", "WRITE"]}]},
    "olga": {"name": "olga", "admin": False, "accounts": [
        {"name": "secret", "authorizations": ["WRITE"]},
        {"name": "open", "authorizations": ["READ"]}]},
    "alice": {"name": "alice", "admin": True, "accounts": []},
    "anonymous": {"name": "anonymous", "admin": False, "accounts": [
        {"name": "open", "authorizations": ["READ", "WRITE"]}]},
    "slowpoke": {"name": "slowpoke", "admin": True, "accounts": []},
}
hits = collections.Counter()
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    def answer(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        kind, _, user = self.path.lstrip("/").partition("/")
        user = urllib.parse.unquote(user)
        if kind == "hits":
            with lock:
                return self.answer(200, hits[user])
        if kind != "authorize":
            return self.answer(404, {"error": "no such path"})
        with lock:
            hits[user] += 1
        if user == "slowpoke":
            time.sleep(5)
        if user not in VIEWS:
            return self.answer(404, {"message": "unknown user"})
        return self.answer(200, VIEWS[user])

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
