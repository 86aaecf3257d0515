"""Stand-in for the parts of Ray's Python API that spark-launch and the test driver use:
init (RAY_ADDRESS or address=), nodes, shutdown. It talks to the stand-in head started by the
stand-in `ray start --head` (tests/cluster/standins/bin/ray)."""
import json
import os
import socket

_address = None


def _split(address):
    host, _, port = address.rpartition(":")
    return host, int(port)


def init(address=None, **_options):
    global _address
    address = address or os.environ.get("RAY_ADDRESS")
    if not address:
        raise ConnectionError("no Ray address: pass address= or set RAY_ADDRESS")
    with socket.create_connection(_split(address), timeout=5):
        pass
    _address = address


def is_initialized():
    return _address is not None


def nodes():
    if _address is None:
        raise RuntimeError("ray.init() first")
    with socket.create_connection(_split(_address), timeout=5) as conn:
        conn.sendall(b"NODES\n")
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    return [{"NodeManagerAddress": node["ip"], "NodeManagerHostname": node["host"], "Alive": True}
            for node in json.loads(data)]


def shutdown():
    global _address
    _address = None
