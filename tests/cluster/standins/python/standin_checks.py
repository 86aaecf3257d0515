"""Checks shared by the stand-ins for vLLM, SGLang and Ray (tests/cluster/serving_test.sh).

Those programs do not install on the test machines, so the tests put stand-ins first on PATH
and PYTHONPATH. Each checks the arguments and environment spark-launch gave it, fails loudly
(NAME_STANDIN_FAIL, exit 3) when one is wrong, then does for real what the program does
underneath: a torch.distributed rendezvous at the address and port it was given.
"""
import os
import socket
import sys

# Torch builds without libuv (Debian 13's) need the legacy store for tcp:// rendezvous.
os.environ.setdefault("USE_LIBUV", "0")


def say(line):
    """One line in one write (nodes' lines share one pipe; see allreduce_check.say)."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def fail(tag, why):
    say(f"{tag}_STANDIN_FAIL host={socket.gethostname()}: {why}")
    sys.exit(3)


def done(line):
    """The stand-in's last line, then the end, with no interpreter teardown: torch 2.6 can hang
    destroying a gloo group (see launcher/python/torchrun_worker.py), and the real servers run on."""
    say(line)
    os._exit(0)


def single(tag, values, name):
    """The one value of an option given with action='append'; fails on none or several."""
    if not values:
        fail(tag, f"{name} missing")
    if len(values) != 1:
        fail(tag, f"{name} given {len(values)} times: {values}")
    return values[0]


def is_local_address(address):
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind((address, 0))
        return True
    except OSError:
        return False


def check_node_environment(tag, own_address=None):
    """The plugin's per-node values reached this process; own_address, when given, is this node's."""
    fabric = os.environ.get("SPARKFABRIC_FABRIC_ADDR", "")
    bootstrap = os.environ.get("SPARKFABRIC_BOOTSTRAP_ADDR", fabric)
    if not fabric or not os.environ.get("NCCL_SOCKET_IFNAME"):
        fail(tag, "no SPARKFABRIC_FABRIC_ADDR or NCCL_SOCKET_IFNAME: the node's fabric plan did not reach it")
    if not is_local_address(fabric):
        fail(tag, f"SPARKFABRIC_FABRIC_ADDR={fabric} is not an address of this node (another node's value?)")
    if own_address is not None:
        if own_address != bootstrap:
            fail(tag, f"own address {own_address} is not this node's bootstrap address {bootstrap}")
        if not is_local_address(own_address):
            fail(tag, f"own address {own_address} is not an address of this node")


def rendezvous(address, port, rank, world):
    """The torch.distributed rendezvous (gloo) and collectives that vLLM and SGLang start with."""
    from allreduce_check import check_collectives  # tests/cluster, on PYTHONPATH
    check_collectives(destroy=False, init_method=f"tcp://{address}:{port}", rank=rank, world_size=world)
