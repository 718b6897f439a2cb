#!/usr/bin/env python3
"""A fake registry in GCR / Artifact Registry's format, for counting requests.

Serves R repositories bench/rNNNN x T tags tNNNN, every tag its own image
(its own config blob and manifest), on 127.0.0.1 (any port, printed). Its
tags/list carries GCR's "manifest" map (digest -> mediaType, tag list,
timeCreatedMs, timeUploadedMs); every tenth image has timeCreatedMs "0", as
GCR gives for images without a creation time. With --plain the same
repositories are listed as distribution lists them (names only), so that
the two formats can be compared on the same images.

GET /stats answers the requests served so far, by kind (JSON);
GET /stats?reset also sets them back to zero. No authentication.
Stops by itself after --lifetime seconds, or on SIGTERM.

Usage: gcr_registry.py REPOS TAGS [--plain] [--lifetime S]
"""
import argparse
import hashlib
import json
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

DOCKER_V2 = "application/vnd.docker.distribution.manifest.v2+json"
CONFIG_MT = "application/vnd.docker.container.image.v1+json"
EPOCH = 1600000000  # the first image's creation time, in seconds


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def build(repos, tags):
    """(manifests by (repo, tag or digest), blobs by digest, maps by repo)."""
    manifests, blobs, maps = {}, {}, {}
    for i in range(repos):
        repo, gcr = "bench/r%04d" % i, {}
        for j in range(tags):
            n = i * tags + j
            created = EPOCH + n
            cfg = json.dumps({"architecture": "amd64", "os": "linux",
                              "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(created)),
                              "config": {"Labels": {"image": str(n)}}}).encode()
            blobs[sha(cfg)] = cfg
            body = json.dumps({"schemaVersion": 2, "mediaType": DOCKER_V2,
                               "config": {"mediaType": CONFIG_MT, "size": len(cfg),
                                          "digest": sha(cfg)}, "layers": []}).encode()
            manifests[(repo, "t%04d" % j)] = manifests[(repo, sha(body))] = body
            gcr[sha(body)] = {"imageSizeBytes": "0", "layerId": "", "mediaType": DOCKER_V2,
                              "tag": ["t%04d" % j],
                              "timeCreatedMs": "0" if n % 10 == 9 else str(created * 1000),
                              "timeUploadedMs": str(created * 1000 + 500)}
        maps[repo] = gcr
    return manifests, blobs, maps


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as registries serve

    def log_message(self, fmt, *args):
        pass

    def send(self, status, body=b"", ctype="application/json", headers=(), head=False):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def count(self, kind):
        srv = self.server
        with srv.lock:
            srv.counts[kind] = srv.counts.get(kind, 0) + 1

    def do_GET(self):
        self.route(False)

    def do_HEAD(self):
        self.route(True)

    def route(self, head):
        srv, url = self.server, urlsplit(self.path)
        if url.path == "/stats":
            with srv.lock:
                body = json.dumps(srv.counts).encode()
                if url.query == "reset":
                    srv.counts = {}
            return self.send(200, body)
        rest = url.path[len("/v2/"):] if url.path.startswith("/v2/") else None
        if rest == "":
            self.count("ping")
            return self.send(200, b"{}", head=head)
        for marker, kind in (("/tags/list", "tags/list"), ("/manifests/", "manifest"),
                             ("/blobs/", "blob")):
            name, sep, arg = (rest or "").partition(marker)
            if sep:
                self.count("%s %s" % (self.command, kind))
                return getattr(self, kind.replace("/", "_"))(name, arg, head)
        self.send(404, b"404 page not found\n", "text/plain; charset=utf-8", head=head)

    def tags_list(self, name, _arg, head):
        gcr = self.server.maps.get(name)
        if gcr is None:
            return self.send(404, b'{"errors":[{"code":"NAME_UNKNOWN"}]}', head=head)
        tags = sorted(t for e in gcr.values() for t in e["tag"])
        answer = {"name": name, "tags": tags}
        if not self.server.plain:
            answer.update({"child": [], "manifest": gcr})
        self.send(200, json.dumps(answer).encode(), head=head)

    def manifest(self, name, ref, head):
        body = self.server.manifests.get((name, ref))
        if body is None:
            return self.send(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN"}]}', head=head)
        self.send(200, body, DOCKER_V2, [("Docker-Content-Digest", sha(body))], head)

    def blob(self, _name, digest, head):
        data = self.server.blobs.get(digest)
        if data is None:
            return self.send(404, b'{"errors":[{"code":"BLOB_UNKNOWN"}]}', head=head)
        self.send(200, data, "application/octet-stream", [("Docker-Content-Digest", digest)], head)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("repos", type=int)
    p.add_argument("tags", type=int)
    p.add_argument("--plain", action="store_true")
    p.add_argument("--lifetime", type=float, default=3600)
    args = p.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.manifests, srv.blobs, srv.maps = build(args.repos, args.tags)
    srv.plain, srv.lock, srv.counts = args.plain, threading.Lock(), {}
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=srv.shutdown).start())
    timer = threading.Timer(args.lifetime, srv.shutdown)
    timer.daemon = True
    timer.start()
    print(srv.server_address[1], flush=True)
    srv.serve_forever(poll_interval=0.2)
    srv.server_close()


if __name__ == "__main__":
    main()
