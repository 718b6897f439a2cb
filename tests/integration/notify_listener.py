#!/usr/bin/env python3
"""notify_listener.py SOCKET LOG URL - systemd's side of sd_notify for a test.

Binds the datagram socket SOCKET (what $NOTIFY_SOCKET names), appends each
message cdhost sends to LOG on one line (newlines as ';'), and right after a
READY=1 GETs URL and appends "api STATUS" (or "api error WHY"): READY=1 must
only come once the HTTP API answers. Loopback only; stopped by its PID.
"""
import os
import socket
import sys
import urllib.error
import urllib.request


def probe(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return "api %d" % answer.status
    except urllib.error.HTTPError as e:
        return "api %d" % e.code
    except Exception as e:  # noqa: BLE001 - any failure is the finding
        return "api error %s" % e


def main():
    path, log, url = sys.argv[1:4]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path + ".tmp")
    os.rename(path + ".tmp", path)  # ready once it exists
    while True:
        msg = sock.recv(4096).decode("utf-8", "replace").strip("\n")
        lines = [msg.replace("\n", ";")]
        if "READY=1" in msg.split("\n"):
            lines.append(probe(url))
        with open(log, "a", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
