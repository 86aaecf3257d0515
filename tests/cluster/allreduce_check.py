"""sparkfabric cluster check: a gloo all_reduce, broadcast and all_gather across the emulated nodes.

Started by torchrun (one process per node). Each rank contributes rank+1; the sum
must be W*(W+1)/2, the broadcast rank 0's value, the gather every rank's. Prints the
addresses of the TCP connections this process holds so a test can see which network
the traffic went over.
"""
import os
import socket
import struct
import sys
import time
from datetime import timedelta

import torch
import torch.distributed as dist


def say(line):
    """One line in one write: under PYTHONUNBUFFERED (or python -u) print() writes the text and
    the newline apart, and lines of ranks sharing a pipe (ssh, srun) interleave between them."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _tcp_conns():
    """(local_ip, remote_ip) for this process's established IPv4 TCP sockets."""
    inodes = set()
    try:
        for fd in os.listdir("/proc/self/fd"):
            try:
                link = os.readlink(f"/proc/self/fd/{fd}")
            except OSError:
                continue
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
    except OSError:
        return []
    out = []
    try:
        with open("/proc/self/net/tcp") as f:
            next(f)
            for line in f:
                parts = line.split()
                if len(parts) < 10 or parts[3] != "01":  # ESTABLISHED
                    continue
                if inodes and parts[9] not in inodes:
                    continue
                def ip(hexaddr):
                    return socket.inet_ntoa(struct.pack("<I", int(hexaddr.split(":")[0], 16)))
                out.append((ip(parts[1]), ip(parts[2])))
    except OSError:
        pass
    return out


def _wait_for_partner():
    """SF_PAIR=DIR:ME:OTHER: two launches prove they run at once. Each rank marks DIR/ME.HOST and
    waits (bounded) for DIR/OTHER.HOST; a launch that only starts after the other ended fails."""
    pair = os.environ.get("SF_PAIR")
    if not pair:
        return
    directory, me, other = pair.split(":")
    host = socket.gethostname()
    open(os.path.join(directory, f"{me}.{host}"), "w").close()
    for _ in range(1200):
        if os.path.exists(os.path.join(directory, f"{other}.{host}")):
            say(f"PAIR_OK {me} saw {other} on {host}")
            return
        time.sleep(0.1)
    say(f"PAIR_MISSING {me} never saw {other} on {host}")
    sys.exit(1)


def check_collectives(destroy=True, **init):
    """gloo all_reduce, broadcast and all_gather; `init` goes to init_process_group (torchrun's
    env:// when empty). Prints ALLREDUCE_OK / COLLECTIVES_OK lines, exits 1 on a wrong value.
    destroy=False leaves the group to the caller (who may end the process without it)."""
    dist.init_process_group("gloo", timeout=timedelta(seconds=60), **init)
    rank = dist.get_rank()
    world = dist.get_world_size()
    t = torch.tensor([float(rank + 1)])
    dist.all_reduce(t)
    expected = world * (world + 1) / 2
    got = t.item()
    conns = sorted({f"{l}->{r}" for l, r in _tcp_conns() if l != "127.0.0.1"})
    say(f"rank={rank} world={world} host={socket.gethostname()} "
          f"iface={os.environ.get('GLOO_SOCKET_IFNAME', '')} conns={','.join(conns) or 'none'} "
          # torchrun's rendezvous id and the address its agent gave the ranks (spark-launch's
          # --rdzv-id and --local-addr decide them)
          f"run_id={os.environ.get('TORCHELASTIC_RUN_ID', '')} master={os.environ.get('MASTER_ADDR', '')}")
    if got != expected:
        say(f"ALLREDUCE_FAIL rank={rank} world={world} sum={got:g} expected={expected:g}")
        sys.exit(1)
    dist.barrier()
    say(f"ALLREDUCE_OK rank={rank} world={world} sum={got:g}")
    # DDP broadcasts its parameters first: a job dies there when the broadcast has no path.
    b = torch.tensor([float(rank + 100)])
    dist.broadcast(b, src=0)
    gathered = [torch.zeros(1) for _ in range(world)]
    dist.all_gather(gathered, torch.tensor([float(rank + 1)]))
    if b.item() != 100.0 or [g.item() for g in gathered] != [float(r + 1) for r in range(world)]:
        say(f"COLLECTIVES_FAIL rank={rank} broadcast={b.item():g} gathered={[g.item() for g in gathered]}")
        sys.exit(1)
    say(f"COLLECTIVES_OK rank={rank} world={world} broadcast all_gather")
    if destroy:
        dist.destroy_process_group()


def main():
    _wait_for_partner()
    check_collectives()


if __name__ == "__main__":
    main()
