#!/usr/bin/env python3
"""A registry that accepts connections and never answers (#20 item 4: the
first case of "60 s of nothing"). Prints its port; holds every connection
open until it is killed."""
import socket

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.bind(("127.0.0.1", 0))
server.listen(64)
print(server.getsockname()[1], flush=True)
held = []
while True:
    conn, _ = server.accept()
    held.append(conn)  # never read, never answered, never closed
