"""The user's command in spark-launch ray tests: a Ray driver on the head.

Finds the cluster through RAY_ADDRESS (ray.init() with no address), and checks that every node
of the launch joined, each at its own fabric address. Usage: ray_job_check.py NODES
"""
import os
import sys

import ray
from standin_checks import say

wanted = int(sys.argv[1])
ray.init()
nodes = [node for node in ray.nodes() if node["Alive"]]
addresses = sorted(node["NodeManagerAddress"] for node in nodes)
hosts = sorted(node["NodeManagerHostname"] for node in nodes)
say(f"RAY_JOB nodes={len(nodes)} addresses={','.join(addresses)} hosts={','.join(hosts)} "
      f"ray_address={os.environ.get('RAY_ADDRESS')}")
if len(nodes) != wanted or len(set(addresses)) != wanted or len(set(hosts)) != wanted:
    say(f"RAY_JOB_FAIL expected {wanted} distinct nodes")
    sys.exit(1)
say(f"RAY_JOB_OK nodes={wanted}")
