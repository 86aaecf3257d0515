"""A torchrun worker in a container that spark-launch --container-runtime started on each host.

Prints one CONTAINER line with what the container saw: the runtime's marker file (podman writes
/run/.containerenv into every container, docker /.dockerenv), the host name (the host's, with
--network host) and the fabric values sparkfabric passed in; then runs allreduce_check's
collectives. With --fail every worker exits 3 at once instead: a failing job. (Every worker: when
only one fails, torch 1.13's torchrun on its host waits in its exit barrier until the other
host's worker gives up on its peer, minutes.)
"""
import os
import socket
import sys

from allreduce_check import check_collectives, say

NAMES = ("NCCL_SOCKET_IFNAME", "GLOO_SOCKET_IFNAME", "SPARKFABRIC_BOOTSTRAP_ADDR")


def main():
    host = socket.gethostname()
    marker = next((path for path in ("/run/.containerenv", "/.dockerenv") if os.path.exists(path)), "none")
    values = " ".join(f"{name}={os.environ.get(name, '<unset>')}" for name in NAMES)
    say(f"CONTAINER host={host} marker={marker} {values}")
    if sys.argv[1:] == ["--fail"]:
        say(f"FAILING on purpose on {host}")
        sys.exit(3)
    check_collectives()


if __name__ == "__main__":
    main()
