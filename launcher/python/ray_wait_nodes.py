"""Waits until a Ray cluster has N alive nodes, or a time bound passes.

spark-launch ray runs it on the head after `ray start --head`, with the interpreter of the
`ray` program (the one that has Ray), before the user's command: a driver that starts while
workers are still joining would see fewer GPUs than the job has.
Usage: ray_wait_nodes.py HEAD:PORT NODES SECONDS. Exit 0 when all joined, 1 on time out.
"""
import logging
import sys
import time

import ray


def main():
    address, wanted, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    deadline = time.monotonic() + seconds
    ray.init(address=address, logging_level=logging.ERROR, log_to_driver=False)
    alive = 0
    try:
        while True:
            alive = sum(1 for node in ray.nodes() if node.get("Alive"))
            if alive >= wanted:
                print(f"spark-launch: {alive} of {wanted} nodes joined Ray at {address}", flush=True)
                return 0
            if time.monotonic() >= deadline:
                break
            time.sleep(1)
    finally:
        ray.shutdown()
    print(f"spark-launch: only {alive} of {wanted} nodes joined Ray at {address} within {seconds:g} s; "
          "the others' output says why (their ray start), or raise --join-timeout", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
