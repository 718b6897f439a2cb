#!/usr/bin/env python3
"""A token server for docker-registry 2.8's token auth, on loopback only.

Mints RS256 JWTs as distribution expects (registry-protocol.md §7.3): kid =
libtrust fingerprint of the signing certificate's key, aud = service, iss =
issuer, an `access` list. Python has no RSA in its standard library, so each
signature is one `openssl dgst -sha256 -sign` run.

Policy: user alice/s3cret gets every scope asked for; a wrong password is a
401; anonymous callers get `pull` on repositories under public/ only (the
registry then answers insufficient_scope for the rest).

--short-first S: the first token for each scope set is valid for only S more
seconds at the registry (exp = now - 60 + S, since 2.8 allows 60 s of
leeway) while the answer says expires_in 3600, so a client keeps using it
and sees the registry reject it mid-listing with error="invalid_token".

--upstream URL: every request outside /token is passed to the registry at
URL (GET and HEAD, headers and body as they are), so the registry and its
token realm share one origin (scheme, host and port): a client sends Basic
credentials over plain http only to the registry's own origin (#19.12).

Every token request is appended to --log as "user scopes... -> status".
"""
import http.client
import argparse
import base64
import hashlib
import json
import subprocess
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def libtrust_kid(cert):
    pub = subprocess.run(["openssl", "x509", "-in", cert, "-noout", "-pubkey"],
                         check=True, capture_output=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"],
                         input=pub, check=True, capture_output=True).stdout
    b32 = base64.b32encode(hashlib.sha256(der).digest()[:30]).decode().rstrip("=")
    return ":".join(b32[i:i + 4] for i in range(0, len(b32), 4))


def parse_scope(scope):
    """type:name:actions, the name between the first and the last ':'."""
    first, last = scope.find(":"), scope.rfind(":")
    if first <= 0 or last == first:
        return None
    return scope[:first], scope[first + 1:last], scope[last + 1:].split(",")


class Handler(BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def record(self, user, scopes, status):
        with open(self.server.args.log, "a") as f:
            f.write("%s %s -> %d\n" % (user or "-", " ".join(scopes) or "-", status))

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def caller(self):
        auth = self.headers.get("Authorization", "")
        if not auth.lower().startswith("basic "):
            return None, True
        user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
        return user, (user, password) == ("alice", "s3cret")

    def grants(self, user, scopes):
        access = []
        for scope in scopes:
            parsed = parse_scope(scope)
            if not parsed:
                continue
            rtype, name, actions = parsed
            if user is None:
                if rtype != "repository" or not name.startswith("public/"):
                    continue
                actions = [a for a in actions if a == "pull"]
            access.append({"type": rtype, "name": name, "actions": actions})
        return access

    HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection"}

    def proxy(self, head):
        up = urlsplit(self.server.args.upstream)
        conn = http.client.HTTPConnection(up.hostname, up.port, timeout=60)
        try:
            conn.putrequest(self.command, self.path, skip_host=True,
                            skip_accept_encoding=True)
            for name, value in self.headers.items():
                if name.lower() not in self.HOP:
                    conn.putheader(name, value)
            conn.endheaders()
            resp = conn.getresponse()
            body = resp.read()
        except OSError:
            return self.answer(502, {"error": "upstream unreachable"})
        finally:
            conn.close()
        self.send_response(resp.status)
        for name, value in resp.getheaders():
            if name.lower() not in self.HOP and name.lower() != "content-length":
                self.send_header(name, value)
        length = resp.getheader("Content-Length")
        self.send_header("Content-Length", length if head and length else str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def do_HEAD(self):
        if self.server.args.upstream:
            return self.proxy(True)
        self.answer(405, {"error": "method not allowed"})

    def do_GET(self):
        url = urlsplit(self.path)
        if self.server.args.upstream and url.path != "/token":
            return self.proxy(False)
        query = parse_qs(url.query)
        scopes = query.get("scope", [])
        user, ok = self.caller()
        if url.path != "/token" or query.get("service") != [self.server.args.service]:
            self.record(user, scopes, 400)
            return self.answer(400, {"error": "bad request"})
        if not ok:
            self.record(user, scopes, 401)
            return self.answer(401, {"errors": [{"code": "UNAUTHORIZED"}]})
        self.record(user, scopes, 200)
        self.answer(200, {"token": self.mint(user, scopes), "expires_in": 3600})

    def mint(self, user, scopes):
        args, now = self.server.args, int(time.time())
        key = " ".join(sorted(scopes))
        exp = now + 3600
        if args.short_first and key not in self.server.issued:
            exp = now - 60 + args.short_first
        self.server.issued.add(key)
        header = {"typ": "JWT", "alg": "RS256", "kid": self.server.kid}
        claims = {"iss": args.issuer, "sub": user or "", "aud": args.service,
                  "exp": exp, "nbf": now - 10, "iat": now,
                  "jti": uuid.uuid4().hex, "access": self.grants(user, scopes)}
        signing_input = (b64url(json.dumps(header).encode()) + "." +
                         b64url(json.dumps(claims).encode()))
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", args.key, "-binary"],
                             input=signing_input.encode(), check=True,
                             capture_output=True).stdout
        return signing_input + "." + b64url(sig)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--service", default="test-registry")
    p.add_argument("--issuer", default="test-issuer")
    p.add_argument("--log", required=True)
    p.add_argument("--short-first", type=int, default=0)
    p.add_argument("--upstream", help="the registry to pass everything but /token to")
    args = p.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.args, server.kid, server.issued = args, libtrust_kid(args.cert), set()
    server.serve_forever()


if __name__ == "__main__":
    main()
