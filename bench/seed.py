#!/usr/bin/env python3
"""Seeds a local docker-registry with R repositories x T tags, quickly.

One small image (a gzip'd tar layer, a config, a Docker v2 manifest) is
pushed once to the first repository; every other repository gets the two
blobs by cross-repository mount (one POST each, no bytes), then the same
manifest is PUT under each of its T tags (only the tag link is new). Work is
spread over worker threads, each with its own keep-alive connection.

Usage: seed.py URL REPOS TAGS [WORKERS]
Repositories are bench/r0000..., tags t0000...; prints the manifest digest.
"""
import calendar
import concurrent.futures
import gzip
import hashlib
import http.client
import io
import json
import sys
import tarfile
import threading
import time
import urllib.parse

MT_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
MT_CONFIG = "application/vnd.docker.container.image.v1+json"
MT_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
CREATED = "2021-03-04T05:06:07Z"


def repo_name(i):
    return "bench/r%04d" % i


def tag_name(j):
    return "t%04d" % j


def digest(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def make_config(raw, created, labels):
    return json.dumps({
        "architecture": "amd64", "os": "linux", "created": created,
        "config": {"Labels": labels},
        "rootfs": {"type": "layers", "diff_ids": [digest(raw)]},
        "history": [{"created": created}],
    }, separators=(",", ":")).encode()


def make_manifest(layer, config):
    return json.dumps({
        "schemaVersion": 2, "mediaType": MT_MANIFEST,
        "config": {"mediaType": MT_CONFIG, "size": len(config),
                   "digest": digest(config)},
        "layers": [{"mediaType": MT_LAYER, "size": len(layer),
                    "digest": digest(layer)}],
    }, separators=(",", ":")).encode()


def distinct_image(layer, raw, n):
    """(config, manifest) of image number n: created CREATED + n seconds."""
    created = time.strftime("%Y-%m-%dT%H:%M:%SZ",
                            time.gmtime(calendar.timegm(time.strptime(
                                CREATED, "%Y-%m-%dT%H:%M:%SZ")) + n))
    config = make_config(raw, created, {"bench": "1", "image": str(n)})
    return config, make_manifest(layer, config)


def make_image():
    """(layer, config, manifest, raw tar) bytes of one tiny image."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        body = b"cdhost refresh benchmark\n"
        info = tarfile.TarInfo("etc/bench")
        info.size = len(body)
        tar.addfile(info, io.BytesIO(body))
    layer = gzip.compress(raw.getvalue(), mtime=0)
    config = make_config(raw.getvalue(), CREATED, {"bench": "1"})
    return layer, config, make_manifest(layer, config), raw.getvalue()


class Client:
    """One keep-alive HTTP/1.1 connection to the registry."""

    def __init__(self, hostport):
        self.conn = http.client.HTTPConnection(hostport, timeout=60)

    def request(self, method, path, body=b"", headers=None):
        self.conn.request(method, path, body=body, headers=headers or {})
        resp = self.conn.getresponse()
        data = resp.read()
        if resp.status // 100 != 2:
            raise RuntimeError("%s %s: HTTP %d %s" % (method, path, resp.status,
                                                      data[:300]))
        return resp

    def upload(self, repo, data):
        loc = self.request("POST", "/v2/%s/blobs/uploads/" % repo).getheader("Location")
        url = urllib.parse.urlsplit(loc)
        sep = "&" if url.query else "?"
        path = "%s?%s%sdigest=%s" % (url.path, url.query, sep, digest(data))
        self.request("PUT", path, data,
                     {"Content-Type": "application/octet-stream"})

    def mount(self, repo, blob, source):
        self.request("POST", "/v2/%s/blobs/uploads/?mount=%s&from=%s"
                     % (repo, blob, source))

    def put_manifest(self, repo, tag, manifest):
        self.request("PUT", "/v2/%s/manifests/%s" % (repo, tag), manifest,
                     {"Content-Type": MT_MANIFEST})


def seed_repo(local, hostport, i, tags, image, distinct):
    if not hasattr(local, "client"):
        local.client = Client(hostport)
    layer, config, manifest, raw = image
    repo = repo_name(i)
    if i > 0:
        for blob in (layer, config):
            local.client.mount(repo, digest(blob), repo_name(0))
    for j in range(tags):
        if distinct:
            config, manifest = distinct_image(layer, raw, i * tags + j)
            local.client.upload(repo, config)
        local.client.put_manifest(repo, tag_name(j), manifest)


def main():
    distinct = "--distinct" in sys.argv
    argv = [a for a in sys.argv if a != "--distinct"]
    if len(argv) not in (4, 5):
        sys.exit(__doc__)
    url = urllib.parse.urlsplit(argv[1])
    repos, tags = int(argv[2]), int(argv[3])
    workers = int(argv[4]) if len(argv) == 5 else 8
    image = make_image()
    first = Client(url.netloc)
    first.upload(repo_name(0), image[0])
    first.upload(repo_name(0), image[1])
    local = threading.local()
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        jobs = [pool.submit(seed_repo, local, url.netloc, i, tags, image, distinct)
                for i in range(repos)]
        for job in jobs:
            job.result()
    print(digest(image[2]))


if __name__ == "__main__":
    main()
