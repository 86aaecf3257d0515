"""The stand-in Ray's long-lived processes: the head (a registry of joined nodes on the GCS
port) and a worker's connection to it (the node counts as alive while it is open)."""
import json
import os
import selectors
import socket
import time


def serve_head(port, own, ready):
    server = socket.create_server(("0.0.0.0", port))
    members = {}  # connection -> node
    select = selectors.DefaultSelector()
    select.register(server, selectors.EVENT_READ)
    os.write(ready, b"ok")
    os.close(ready)
    while True:
        for key, _ in select.select():
            if key.fileobj is server:
                conn, _ = server.accept()
                select.register(conn, selectors.EVENT_READ)
                continue
            conn = key.fileobj
            try:
                line = conn.recv(65536)
            except OSError:
                line = b""
            if line.startswith(b"JOIN "):
                members[conn] = json.loads(line[5:])
                conn.sendall(b"OK\n")
                continue
            if line.startswith(b"NODES"):
                conn.sendall(json.dumps([own] + list(members.values())).encode())
            members.pop(conn, None)  # a reply sent, or a node gone
            select.unregister(conn)
            conn.close()


def serve_worker(address, own, ready):
    # SF_STANDIN_RAY_JOIN_DELAY=SECONDS: a worker that joins late (a slow node), for the tests of
    # spark-launch's --join-timeout.
    time.sleep(float(os.environ.get("SF_STANDIN_RAY_JOIN_DELAY", "0")))
    host, _, port = address.rpartition(":")
    conn = socket.create_connection((host, int(port)), timeout=10)
    conn.sendall(b"JOIN " + json.dumps(own).encode() + b"\n")
    if not conn.recv(16).startswith(b"OK"):
        raise SystemExit(1)
    os.write(ready, b"ok")
    os.close(ready)
    conn.settimeout(None)
    while conn.recv(4096):  # until the head goes
        pass
