#!/usr/bin/env python3
"""What /dockerRegistry/images/find and /images/tags must answer, rendered
independently of the plugin from the SQLite cache's records (issue #18):
the test compares the service's streamed bytes with these.

Usage: find_expected.py CACHE_DB find ACCOUNT=REGISTRY,... [--account A]
                        [--repository R] [--tag T] [--details]
       find_expected.py CACHE_DB tags ACCOUNT REPOSITORY
Prints the JSON with no newline at the end.
"""
import argparse
import json
import sqlite3
import sys

PREFIX = "dockerRegistry:taggedImage:"


def tagged_rows(db):
    """(account, repository, tag, attributes) of every taggedImage, by id."""
    con = sqlite3.connect(db)
    rows = con.execute("SELECT id, attributes FROM records WHERE type = 'taggedImage'").fetchall()
    con.close()
    rows.sort(key=lambda r: r[0].encode())  # byte order, as the store answers
    for key, attributes in rows:
        rest = key[len(PREFIX):]
        account, _, repo_tag = rest.partition(":")
        repo, _, tag = repo_tag.rpartition(":")
        yield account, repo, tag, json.loads(attributes)


def dumps(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def image(account, registry, repo, tag, attrs, details):
    """Clouddriver's DockerRegistryImage row with its GenerateArtifact."""
    out = {"repository": repo, "tag": tag, "account": account, "registry": registry}
    if isinstance(attrs.get("digest"), str):
        out["digest"] = attrs["digest"]
    labels = attrs.get("labels") if details else {}
    if not isinstance(labels, dict):
        labels = None
    if details:
        for key in ("commitId", "buildNumber", "branch"):
            if labels is not None and isinstance(labels.get(key), str):
                out[key] = labels[key]
    metadata = {"registry": registry}
    if labels is not None:
        metadata["labels"] = labels
    out["artifact"] = {"name": repo, "type": "docker", "version": tag,
                       "reference": "%s/%s:%s" % (registry, repo, tag),
                       "metadata": metadata}
    return out


def find(args):
    registries = dict(pair.split("=", 1) for pair in args.registries.split(","))
    items = []
    for account, repo, tag, attrs in tagged_rows(args.db):
        if (account not in registries or
                (args.account and account != args.account) or
                (args.repository and repo != args.repository) or
                (args.tag and tag != args.tag)):
            continue
        items.append(dumps(image(account, registries[account], repo, tag, attrs,
                                 args.details)))
    return "[" + ",".join(items) + "]"


def tags(args):
    rows = [(tag, attrs.get("date")) for account, repo, tag, attrs in tagged_rows(args.db)
            if account == args.account and repo == args.repository]
    if any(isinstance(d, dict) and "epochSecond" in d for _, d in rows):
        def order(row):
            tag, d = row
            if isinstance(d, dict) and "epochSecond" in d:
                return (0, -d["epochSecond"], -d.get("nano", 0), tag.encode())
            return (1, 0, 0, tag.encode())
        rows.sort(key=order)
    return dumps([tag for tag, _ in rows])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("db")
    sub = p.add_subparsers(dest="what", required=True)
    f = sub.add_parser("find")
    f.add_argument("registries")
    f.add_argument("--account")
    f.add_argument("--repository")
    f.add_argument("--tag")
    f.add_argument("--details", action="store_true")
    t = sub.add_parser("tags")
    t.add_argument("account")
    t.add_argument("repository")
    args = p.parse_args()
    sys.stdout.write(find(args) if args.what == "find" else tags(args))


if __name__ == "__main__":
    main()
