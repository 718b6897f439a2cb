#!/usr/bin/env python3
"""A fake Docker registry for what distribution 2.8 cannot show (§7.6).

Loopback only (127.0.0.1, a free port written to --port-file). Behaviour is
chosen per request path (repository names below) and, for authentication,
by --mode:
  none             no auth
  bearer           Bearer; challenge with spaces, escaped quotes and a scope
                   holding ',' and ':' (#3); token at /token
  multi            /v2/ sends `Negotiate, Basic realm=...` plus a separate
                   Bearer header line: the client must pick Bearer (#4)
  negotiate-basic  `Negotiate, Basic realm="x"` only: Basic is picked (#4)
  noservice        Bearer without service=; /token refuses a service param (#5)
  basic-ecr        `Basic realm="...",service="ecr.amazonaws.com"` (#6)
  relrealm         realm="/auth/token?tenant=a%2Fb" (relative, own query) (#7)
  access-token     token answer has only access_token, expires_in 10 and an
                   issued_at in the future (#8)
  gcr              repository 401s carry no WWW-Authenticate; the first token
                   issued is refused (#12, #14)
  icr              a token lacking scope gets 403 + insufficient_scope (#11)
  expire           the first token stops working after one page (#9)
  hub              Docker Hub: Bearer with service="registry.docker.io";
                   anonymous tokens carry repository:library/*:pull only,
                   nobody gets registry:catalog:* (no catalog, as on Hub)
Credentials (Basic, and Basic at /token) are alice:s3cret.

Repositories (tags/list unless said otherwise):
  links/relative, links/absolute, links/otherhost, links/lower,
  links/unquoted, links/multi, links/opaque   three pages each, Link forms (#15, #16)
  pages/short, pages/exact, pages/empty, pages/cycle, pages/bign   (#18, #19)
  odd/unsorted, odd/null, odd/missing, odd/mixed, odd/blobsonly     (#20-#22)
  odd/textplain, odd/iso   tags/list with a non-JSON / odd Content-Type (#24)
  scope/extra      needs a token that also holds repository:shared/base:pull (#10)
  scope/escalate   needs repository:victim/app:pull too, but its challenge asks
                   for repository:victim/app:push,delete (a hostile registry)
  missing/repo     always 401 insufficient_scope, like Docker Hub (#13)
  rl/seconds, rl/date, rl/none, rl/always    429 + Retry-After forms (#32)
  flaky/503, flaky/reset    one 503 / one dropped connection, then fine
  err/textplain, err/html, err/jsontext, err/detail-{null,string,object,array} (#34, #35)
  err/control      a message with a newline, CR, ESC, BEL and DEL (log injection)
  slow/N           answers after 0.3 s, for concurrency checks
  big/N            one tags/list page of N tags t000000, t000001, ... (#19.7)
  library/nginx, library/empty (no tags), yourusername/app   for --mode hub
  img/plain:1, img/multi:latest (OCI index; 404 unless the Accept list
  has the OCI index type: #25), img/nodigest:1 (no Docker-Content-Digest:
  #26), img/nohead:1 (HEAD 405: #27), img/ratelimit:1 (RateLimit headers:
  #33), img/ratelimit-empty:1, img/redirect:1 (config blob 307 to
  localhost: Authorization must not follow)
  gcr/app          GCR / Artifact Registry format (#21): tags/list carries a
                   "manifest" map: v1 and latest (one image, timeCreatedMs
                   1700000000123), old (another image, timeCreatedMs "0"),
                   multi (an OCI index, timeCreatedMs 1600000000000)
  gcr/partial      the same format, but tag extra is listed and not in the map,
                   and idx0 (the index) has timeCreatedMs "0"
  img/flaky:1, img/flaky:2 (two images): while the --fail-file exists, tag 2's
  manifest (file says "manifest") or image config blob ("config") answers 500
--catalog-status N answers /v2/_catalog with N: 404 as a registry without a
catalog, another code with an UNSUPPORTED error body.
--bad-names: the catalog (one page) is BAD_CATALOG, names outside
distribution's grammar among good ones, and bad/tags lists odd tags (#19.5).
--base PATH serves everything under PATH and writes Links without it (#17).
--realm URL announces another token realm; --tls-cert/--tls-key serve HTTPS.
Every request is appended to --log (method, path, auth kind, User-Agent with
spaces as '_', client port); --info gets the served digests as JSON.
"""
import argparse
import base64
import email.utils
import hashlib
import json
import os
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
DOCKER_V2 = "application/vnd.docker.distribution.manifest.v2+json"
CONFIG_MT = "application/vnd.oci.image.config.v1+json"
BASIC_OK = "Basic " + base64.b64encode(b"alice:s3cret").decode()


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Store:
    """Blobs and manifests served by the img/* repositories."""

    def __init__(self):
        self.blobs, self.manifests, self.info = {}, {}, {}

    def image(self, created, labels, mt=DOCKER_V2):
        cfg = json.dumps({"architecture": "amd64", "os": "linux", "created": created,
                          "config": {"Labels": labels}}).encode()
        self.blobs[sha(cfg)] = cfg
        # Odd spacing on purpose: a client re-serialising would get another digest.
        body = ('{"schemaVersion": 2, "mediaType": "%s",\n "config": {"mediaType": "%s", '
                '"size": %d, "digest": "%s"}, "layers": []}' % (mt, CONFIG_MT, len(cfg), sha(cfg))).encode()
        return mt, body

    def build(self):
        plain = self.image("2021-03-04T05:06:07Z", {"commitId": "abc"})
        amd = self.image("2023-01-02T03:04:05Z", {"arch": "amd64"}, OCI_MANIFEST)
        arm = self.image("2022-01-01T00:00:00Z", {"arch": "arm64"}, OCI_MANIFEST)
        att = self.image("1970-01-01T00:00:00Z", {}, OCI_MANIFEST)
        for _, body in (amd, arm, att):
            self.manifests[("img/multi", sha(body))] = (OCI_MANIFEST, body)
        entry = lambda body, os_, arch: {"mediaType": OCI_MANIFEST, "digest": sha(body),
                                         "size": len(body), "platform": {"os": os_, "architecture": arch}}
        index = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [
            entry(att[1], "unknown", "unknown"), entry(arm[1], "linux", "arm64"),
            entry(amd[1], "linux", "amd64")]}).encode()
        self.manifests[("img/multi", "latest")] = (OCI_INDEX, index)
        for repo in ("img/plain", "img/nodigest", "img/nohead", "img/ratelimit",
                     "img/ratelimit-empty", "img/redirect"):
            self.manifests[(repo, "1")] = plain
            self.info[repo + ":1"] = sha(plain[1])
        self.info["img/multi:latest"] = sha(index)
        other = self.image("2022-02-02T00:00:00Z", {"commitId": "def"})
        self.manifests[("img/flaky", "1")], self.manifests[("img/flaky", "2")] = plain, other
        self.info["img/flaky:1"], self.info["img/flaky:2"] = sha(plain[1]), sha(other[1])
        self.flaky_config = json.loads(other[1])["config"]["digest"]
        for (repo, _), found in list(self.manifests.items()):  # by digest too
            self.manifests.setdefault((repo, sha(found[1])), found)
        self.info["img/multi:amd64-config"] = json.loads(amd[1])["config"]["digest"]
        self.gcr(plain, other, index)

    def gcr(self, plain, other, index):
        """gcr/app: its images and the "manifest" map of its tags/list."""
        images = ((plain, ["v1", "latest"], "1700000000123"), (other, ["old"], "0"),
                  ((OCI_INDEX, index), ["multi"], 1600000000000))
        self.gcr_map = {}
        for (mt, body), tags, created in images:
            self.gcr_map[sha(body)] = {"imageSizeBytes": "0", "layerId": "", "mediaType": mt,
                                       "tag": tags, "timeCreatedMs": created,
                                       "timeUploadedMs": "1700000009000"}
            self.manifests[("gcr/app", sha(body))] = (mt, body)
            for tag in tags:
                self.manifests[("gcr/app", tag)] = (mt, body)
                self.info["gcr/app:" + tag] = sha(body)
        # gcr/partial: "extra" is listed but missing from the map; the
        # index "idx0" has timeCreatedMs 0.
        self.gcr_partial = {sha(plain[1]): dict(self.gcr_map[sha(plain[1])], tag=["v1"]),
                            sha(index): dict(self.gcr_map[sha(index)], tag=["idx0"], timeCreatedMs="0")}
        for tag, (mt, body) in (("v1", plain), ("extra", other), ("idx0", (OCI_INDEX, index))):
            self.manifests[("gcr/partial", tag)] = self.manifests[("gcr/partial", sha(body))] = (mt, body)
            self.info["gcr/partial:" + tag] = sha(body)
        for key, found in list(self.manifests.items()):  # the index's children
            if key[0] == "img/multi":
                self.manifests.setdefault(("gcr/app", key[1]), found)
                self.manifests.setdefault(("gcr/partial", key[1]), found)


PAGES = {  # repository -> pages of tags
    "links": [["a", "b"], ["c", "d"], ["e"]],
    "pages/short": [["a"], ["b", "c"]],
    "pages/exact": [["a", "b"]],
    "pages/empty": [[]],
}

# Raw bytes: invalid UTF-8 cannot be written through json.dumps.
BAD_CATALOG = (b'{"repositories": ["bad/tags", "Upper/Case", "a b", "../../x", '
               b'"x?y=1", "ok\xffno", "odd/unsorted"]}')
BAD_TAGS = (b'{"name": "bad/tags", "tags": ["1.0", "bad tag", "a:b", "\xc3\x28", '
            b'"-lead", "good_2", "' + b"x" * 129 + b'"]}')
CATALOG = ["img/plain", "odd/blobsonly", "odd/null", "pages/exact", "team/x"]
OPAQUE = ["", "abc%2Fdef%3D", "ghi%2Bjk%3D%3D"]  # raw next_page tokens (#16)
DIGEST_TAG = "sha256:" + "0" * 64


def error_body(code, message="", detail=None):
    return json.dumps({"errors": [{"code": code, "message": message, "detail": detail}]}).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so connection reuse shows

    def log_message(self, fmt, *args):
        pass

    # ---- plumbing ----
    def send(self, status, body=b"", ctype="application/json", headers=(), head=False):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if ctype:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def record(self):
        auth = self.headers.get("Authorization", "")
        kind = "none" if not auth else "basic" if auth.startswith("Basic ") else \
            "bearer:" + auth[7:] if auth.startswith("Bearer ") else "other"
        with self.server.lock:
            with open(self.server.args.log, "a") as f:
                f.write("t=%.3f %s %s auth=%s ua=%s c=%d\n" % (
                    time.time(), self.command, self.path, kind,
                    self.headers.get("User-Agent", "-").replace(" ", "_"), self.client_address[1]))

    def once(self, key):
        """True the first time `key` is seen."""
        with self.server.lock:
            seen = key in self.server.seen
            self.server.seen.add(key)
        return not seen

    def do_GET(self):
        self.dispatch(False)

    def do_HEAD(self):
        self.dispatch(True)

    def dispatch(self, head):
        srv = self.server
        self.record()
        with srv.lock:
            srv.inflight += 1
            # A test removes the .max file to measure from that point on.
            if not os.path.exists(srv.args.log + ".max"):
                srv.max_inflight = 0
            srv.max_inflight = max(srv.max_inflight, srv.inflight)
            with open(srv.args.log + ".max", "w") as f:
                f.write("%d\n" % srv.max_inflight)
        try:
            self.route(urlsplit(self.path), head)
        finally:
            with srv.lock:
                srv.inflight -= 1

    def route(self, url, head):
        base, path = self.server.args.base, url.path
        if path in ("/token", "/auth/token"):
            return self.token(url)
        if path.startswith("/redirected/"):
            return self.redirected(path[len("/redirected/"):], head)
        if not path.startswith(base + "/v2/"):
            return self.send(404, b"404 page not found\n", "text/plain; charset=utf-8", head=head)
        rest = path[len(base) + 4:]
        if rest == "":
            if self.authorized(None, None):
                self.send(200, b"{}", head=head)
            return
        if rest == "_catalog":
            status = self.server.args.catalog_status
            if status == 404:  # no catalog route, as distribution's router answers
                return self.send(404, b"404 page not found\n", "text/plain; charset=utf-8", head=head)
            if status != 200:
                return self.send(status, json.dumps({"errors": [
                    {"code": "UNSUPPORTED", "message": "catalog refused", "detail": None}]}).encode())
            if self.authorized("registry:catalog:*", None):
                self.catalog(url)
            return
        for marker, handler in (("/tags/list", self.tags), ("/manifests/", self.manifest),
                                ("/blobs/", self.blob)):
            name, sep, arg = rest.partition(marker)
            if sep:
                if self.authorized("repository:%s:pull" % name, name):
                    handler(name, arg, url, head)
                return
        self.send(404, b"404 page not found\n", "text/plain; charset=utf-8", head=head)

    # ---- authentication ----
    def realm(self):
        port = self.server.server_address[1]
        if self.server.args.realm:
            return self.server.args.realm
        if self.server.args.mode == "relrealm":
            return "/auth/token?tenant=a%2Fb"
        return "%s://127.0.0.1:%d/token" % ("https" if self.server.args.tls_cert else "http", port)

    def challenge(self, status, scope, error):
        mode = self.server.args.mode
        if mode in ("negotiate-basic", "basic-ecr"):
            value = 'Basic realm="fake"' + (',service="ecr.amazonaws.com"' if mode == "basic-ecr" else "")
            lines = ["Negotiate, " + value] if mode == "negotiate-basic" else [value]
        else:
            # scope before service, with ',' and ':' inside quotes, spaces after
            # commas and an escaped quote in service (#3).
            value = 'Bearer realm="%s",  scope="%s" , service="fake \\"registry\\""' % (
                self.realm(), scope or "repository:samalba/my-app:pull,push")
            if mode == "noservice":
                value = 'Bearer realm="%s"' % self.realm() + (', scope="%s"' % scope if scope else "")
            if mode == "hub":
                value = 'Bearer realm="%s",service="registry.docker.io"' % self.realm() + \
                    (',scope="%s"' % scope if scope else "")
            if error:
                value += ',error="%s"' % error
            lines = [value]
            if mode == "multi":
                lines = ['Negotiate, Basic realm="fake"', value]
        headers = [("WWW-Authenticate", line) for line in lines]
        self.send(status, error_body("UNAUTHORIZED", "authentication required"), headers=headers,
                  head=self.command == "HEAD")

    def authorized(self, scope, name):
        srv, mode = self.server, self.server.args.mode
        auth = self.headers.get("Authorization", "")
        if mode == "none":
            return True
        if mode in ("negotiate-basic", "basic-ecr"):
            if auth == BASIC_OK:
                return True
            self.challenge(401, scope, None)
            return False
        tok = auth[7:] if auth.startswith("Bearer ") else None
        with srv.lock:
            grant = srv.tokens.get(tok)
            needed = [scope] if scope else []
            if name == "scope/extra":
                needed.append("repository:shared/base:pull")
            if name == "scope/escalate":  # a pull is enough; the challenge asks for more
                needed.append("repository:victim/app:pull")
            ok = grant is not None and grant["valid"] and all(n in grant["scopes"] for n in needed)
            if name == "missing/repo":
                ok = False
            if ok and mode == "expire" and scope and grant["n"] == 1:
                grant["uses"] += 1
                if grant["uses"] > 1:  # the first token dies after one page
                    grant["valid"] = ok = False
        if ok:
            return True
        error = None
        if tok:
            error = "invalid_token" if grant is None or not grant["valid"] else "insufficient_scope"
        if mode == "gcr" and scope:
            self.send(401, error_body("UNAUTHORIZED"), head=self.command == "HEAD")
            return False
        status = 403 if mode == "icr" and error == "insufficient_scope" else 401
        asked = [n.replace("victim/app:pull", "victim/app:push,delete") for n in needed]
        self.challenge(status, " ".join(asked) if asked else None, error)
        return False

    def token(self, url):
        srv, mode = self.server, self.server.args.mode
        q = parse_qs(url.query, keep_blank_values=True)
        scopes = q.get("scope", [])
        bad = None
        if mode == "noservice":
            bad = "service" in q and "service sent"
        elif mode == "hub":
            bad = q.get("service") != ["registry.docker.io"] and "service %r" % q.get("service")
        elif q.get("service") != ['fake "registry"']:
            bad = "service %r" % q.get("service")
        if mode == "relrealm" and (url.path != "/auth/token" or q.get("tenant") != ["a/b"]):
            bad = "realm query lost"
        if bad:
            return self.send(400, json.dumps({"error": bad}).encode())
        auth = self.headers.get("Authorization")
        if auth and auth != BASIC_OK:
            return self.send(401, b'{"details":"bad credentials"}')
        if mode == "hub":  # anonymous: public (library/) pulls only; no catalog for anyone
            scopes = [sc for sc in scopes if not sc.startswith("registry:") and
                      (auth or sc.startswith("repository:library/"))]
        with srv.lock:
            srv.issued += 1
            n = srv.issued
            tok = "tok-%d" % n
            srv.tokens[tok] = {"scopes": set(scopes), "valid": not (mode == "gcr" and n == 1),
                               "n": n, "uses": 0}
        if mode == "access-token":
            body = {"access_token": tok, "expires_in": 10, "issued_at": "2999-01-01T00:00:00Z"}
        else:
            body = {"token": tok, "access_token": tok, "expires_in": 300}
        self.send(200, json.dumps(body).encode())

    # ---- listings ----
    def catalog(self, url):
        if self.server.args.bad_names:
            return self.send(200, BAD_CATALOG)
        q = parse_qs(url.query)
        start = int(q.get("page", ["0"])[0])
        names = CATALOG[start:start + 2]
        headers = []
        if start + 2 < len(CATALOG):
            headers.append(("Link", '</v2/_catalog?page=%d&n=2>; rel="next"' % (start + 2)))
        self.send(200, json.dumps({"repositories": names}).encode(), headers=headers)

    def link_value(self, name, page):
        port = self.server.server_address[1]
        target = "/v2/%s/tags/list?page=%d&n=2" % (name, page)
        if name == "links/absolute":
            return '<http://127.0.0.1:%d%s>; rel="next"' % (port, target)
        if name == "links/otherhost":
            return '<http://other.invalid:1%s>; rel="next"' % target
        if name == "links/unquoted":
            return "<%s>;rel=next" % target
        if name == "links/multi":
            return '</v2/%s/tags/list?page=0>; rel="first", <%s>; rel="prev next",' % (name, target)
        if name == "links/opaque":
            return '</v2/%s/tags/list?next_page=%s&n=2>; rel="next"' % (name, OPAQUE[page])
        return '<%s>; rel="next"' % target

    def link_pages(self, name, url, head):
        pages = PAGES["links"]
        if name == "links/opaque":
            raw = url.query
            page = next((i for i, t in enumerate(OPAQUE) if t and "next_page=%s&" % t in raw + "&"), 0)
            if "next_page=" in raw and page == 0:  # decoded or re-encoded: ECR's answer
                return self.send(405, error_body("UNSUPPORTED", "Invalid next token provided"), head=head)
        else:
            page = int(parse_qs(url.query).get("page", ["0"])[0])
        headers = []
        if page + 1 < len(pages):
            field = "link" if name == "links/lower" else "Link"
            headers.append((field, self.link_value(name, page + 1)))
            if name == "links/multi":
                headers.append(("Link", '</v2/%s/tags/list?page=9>; rel="last"' % name))
        self.send(200, json.dumps({"name": name, "tags": pages[page]}).encode(),
                  headers=headers, head=head)

    def static_pages(self, name, url, head):
        pages = PAGES[name]
        page = int(parse_qs(url.query).get("page", ["0"])[0])
        headers = []
        if page + 1 < len(pages):  # short page, Link present: keep going (#18)
            headers.append(("Link", '</v2/%s/tags/list?page=%d&n=3>; rel="next"' % (name, page + 1)))
        self.send(200, json.dumps({"name": name, "tags": pages[page]}).encode(),
                  headers=headers, head=head)

    def tags(self, name, _arg, url, head):
        if name.startswith("links/"):
            return self.link_pages(name, url, head)
        if name == "bad/tags" and self.server.args.bad_names:
            return self.send(200, BAD_TAGS, head=head)
        if name in PAGES:
            return self.static_pages(name, url, head)
        ok = lambda tags: self.send(200, json.dumps({"name": name, "tags": tags}).encode(), head=head)
        n = int(parse_qs(url.query).get("n", ["0"])[0] or 0)
        if name == "pages/cycle":
            return self.send(200, json.dumps({"name": name, "tags": ["a"]}).encode(), head=head,
                             headers=[("Link", '</v2/pages/cycle/tags/list?n=%d>; rel="next"' % n)])
        if name == "pages/bign" and n > 100:
            return self.send(400, error_body("PAGINATION_NUMBER_INVALID", "invalid number of results requested",
                                             {"n": n}), head=head)
        simple = {"pages/bign": ["a"], "odd/unsorted": ["b", "a", "c"], "scope/extra": ["x"], "scope/escalate": ["e"],
                  "img/ratelimit": ["1"], "img/plain": ["1"], "img/flaky": ["1", "2"],
                  "library/nginx": ["1.25", "1.27", "latest"], "library/empty": [],
                  "yourusername/app": ["1.0.0"],
                  "odd/mixed": [None, "a", 1, DIGEST_TAG, "b", {}]}
        if name in simple:
            return ok(simple[name])
        if name == "gcr/app":  # GCR's order: tags sorted, untagged digests in the map too
            gcr = dict(self.server.store.gcr_map)
            gcr["sha256:" + "0" * 64] = {"mediaType": DOCKER_V2, "tag": [], "timeCreatedMs": "1"}
            tags = sorted(t for e in gcr.values() for t in e["tag"])
            return self.send(200, json.dumps({"child": [], "manifest": gcr, "name": name,
                                              "tags": tags}).encode(), head=head)
        if name == "gcr/partial":
            return self.send(200, json.dumps({"child": [], "manifest": self.server.store.gcr_partial,
                                              "name": name, "tags": ["extra", "idx0", "v1"]}).encode(),
                             head=head)
        if name == "odd/null":
            return ok(None)
        if name in ("odd/textplain", "odd/iso"):  # ECR's and Artifactory's types (#24)
            ctype = "text/plain; charset=utf-8" if name == "odd/textplain" else "application/json;charset=ISO-8859-1"
            return self.send(200, json.dumps({"name": name, "tags": ["t"]}).encode(), ctype, head=head)
        if name == "odd/missing":
            return self.send(200, json.dumps({"name": name}).encode(), head=head)
        if name.startswith("rl/") or name.startswith("flaky/"):
            return self.flaky(name, ok, head)
        if name.startswith("err/"):
            return self.errors(name, head)
        if name.startswith("big/") and name[4:].isdigit():  # one page of N tags (#19.7)
            return ok(["t%06d" % i for i in range(int(name[4:]))])
        if name.startswith("slow/"):
            time.sleep(0.3)
            return ok(["t"])
        self.send(404, error_body("NAME_UNKNOWN", "repository name not known to registry",
                                  {"name": name}), head=head)

    def flaky(self, name, ok, head):
        first = self.once(name)
        if name == "rl/always" or (first and name.startswith("rl/")):
            headers = []
            if name in ("rl/seconds", "rl/always"):
                headers.append(("Retry-After", "1"))
            if name == "rl/date":
                headers.append(("Retry-After", email.utils.formatdate(time.time() + 2, usegmt=True)))
            if name in ("rl/none", "rl/always"):  # HAProxy's non-JSON 429 (#32)
                return self.send(429, b"Too Many Requests (HAP429).\n", "text/plain", headers, head)
            return self.send(429, error_body("TOOMANYREQUESTS", "You have reached your pull rate limit."),
                             headers=headers, head=head)
        if first and name == "flaky/503":
            return self.send(503, error_body("UNAVAILABLE", "service unavailable"), head=head)
        if first and name == "flaky/reset":
            self.close_connection = True  # no answer at all: curl sees an empty reply
            return
        ok(["fine"])

    def errors(self, name, head):
        if name == "err/textplain":
            return self.send(404, b"404 page not found\n", "text/plain; charset=utf-8", head=head)
        if name == "err/html":
            return self.send(502, b"<html><body>Bad Gateway</body></html>", "text/html", head=head)
        if name == "err/jsontext":
            return self.send(404, error_body("NAME_UNKNOWN", "in a text/plain body"), "text/plain", head=head)
        if name == "err/control":  # a hostile message: a forged log line and a terminal escape
            return self.send(404, error_body("NAME_UNKNOWN", "not here\n2026-01-01T00:00:00.000Z info  "
                                             "FORGED line\r\x1b[2Jcleared\x07\x7f"), head=head)
        detail = {"err/detail-null": None, "err/detail-string": "a string",
                  "err/detail-object": {"name": name}, "err/detail-array": [{"Type": "repository"}]}
        self.send(404, error_body("NAME_UNKNOWN", "repository name not known to registry",
                                  detail.get(name)), "application/json; charset=utf-8", head=head)

    # ---- manifests and blobs ----
    def failing(self, what):
        """The --fail-file exists and names `what` (manifest or config)."""
        path = self.server.args.fail_file
        try:
            with open(path or "") as f:
                return f.read().strip() == what
        except OSError:
            return False

    def manifest(self, name, ref, _url, head):
        found = self.server.store.manifests.get((name, ref))
        if not found:
            return self.send(404, error_body("MANIFEST_UNKNOWN", "manifest unknown"), head=head)
        mt, body = found
        if name == "img/flaky" and ref == "2" and self.failing("manifest"):
            return self.send(500, error_body("UNKNOWN", "manifest storage unavailable"), head=head)
        accept = ",".join(self.headers.get_all("Accept") or [])
        if mt.startswith("application/vnd.oci.") and mt not in accept:  # 2.8's answer (#25)
            return self.send(404, error_body("MANIFEST_UNKNOWN", "OCI manifest found, but accept header "
                                             "does not support OCI manifests"), head=head)
        if name == "img/nohead" and head:
            return self.send(405, b"", None, head=True)
        headers = []
        if name != "img/nodigest":
            headers.append(("Docker-Content-Digest", sha(body)))
        if name == "img/ratelimit":
            headers += [("RateLimit-Limit", "100;w=21600"), ("RateLimit-Remaining", "76;w=21600")]
        if name == "img/ratelimit-empty":
            headers += [("ratelimit-limit", ";w=21600"), ("ratelimit-remaining", ";w=21600")]
        self.send(200, body, mt, headers, head)

    def blob(self, name, digest, _url, head):
        data = self.server.store.blobs.get(digest)
        if data is None:
            return self.send(404, error_body("BLOB_UNKNOWN", "blob unknown"), head=head)
        if digest == self.server.store.flaky_config and self.failing("config"):
            return self.send(500, error_body("UNKNOWN", "blob storage unavailable"), head=head)
        if name == "img/redirect":  # another origin: Authorization must not follow
            port = self.server.server_address[1]
            return self.send(307, b"", None, [("Location", "http://localhost:%d/redirected/%s" % (port, digest))],
                             head)
        self.send(200, data, "application/octet-stream", [("Docker-Content-Digest", digest)], head)

    def redirected(self, digest, head):
        if self.headers.get("Authorization"):  # what S3 says to a second auth mechanism
            return self.send(400, b"<Error><Code>InvalidArgument</Code></Error>", "application/xml", head=head)
        data = self.server.store.blobs.get(digest)
        if data is None:
            return self.send(404, b"<Error><Code>NoSuchKey</Code></Error>", "application/xml", head=head)
        self.send(200, data, "application/octet-stream", head=head)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--mode", default="none")
    p.add_argument("--base", default="")
    p.add_argument("--bad-names", action="store_true")
    p.add_argument("--port-file", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--info")
    p.add_argument("--catalog-status", type=int, default=200,
                   help="answer /v2/_catalog with this status (404: no catalog)")
    p.add_argument("--fail-file")
    p.add_argument("--realm", help="token realm to announce instead of our own /token")
    p.add_argument("--tls-cert", help="serve HTTPS with this certificate (and --tls-key)")
    p.add_argument("--tls-key")
    args = p.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    server.args, server.lock, server.seen, server.tokens = args, threading.Lock(), set(), {}
    server.issued = server.inflight = server.max_inflight = 0
    server.store = Store()
    server.store.build()
    if args.info:
        with open(args.info, "w") as f:
            json.dump(server.store.info, f)
    with open(args.port_file + ".tmp", "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(args.port_file + ".tmp", args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
