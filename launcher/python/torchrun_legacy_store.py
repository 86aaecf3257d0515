"""torchrun for a torch built without libuv (Debian 13's torch 2.6).

From torch 2.4 the TCPStore server defaults to libuv. torchrun's c10d (and static) rendezvous
backend creates its store without saying which, so on a torch built without libuv it fails
("use_libuv was requested but PyTorch was build without libuv support"), and neither
--rdzv_conf use_libuv=0 nor USE_LIBUV=0 reaches it. spark-launch runs torchrun through this
file there: the backends get the legacy store, then torchrun's own main runs. The workers'
store needs nothing here: spark-launch also sets USE_LIBUV=0, which their env:// init honours,
and TORCH_DISABLE_SHARE_RDZV_TCP_STORE=1, so they do not join the agent's store (whose clients
ask for libuv with no way to say otherwise) but rank 0 hosts its own.
Workers started with python (torchrun's default) run through torchrun_worker.py, beside this
file: it fixes destroy_process_group, which hangs at random on this torch (see there).
"""
import functools
import os
import sys

import torch.distributed as dist
from torch.distributed import run as torchrun
from torch.distributed.elastic.rendezvous import c10d_rendezvous_backend, static_tcp_rendezvous

legacy_store = functools.partial(dist.TCPStore, use_libuv=False)
c10d_rendezvous_backend.TCPStore = legacy_store
static_tcp_rendezvous.TCPStore = legacy_store

WORKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torchrun_worker.py")
config_from_args = torchrun.config_from_args


def config_through_worker(args):
    """torchrun's worker command, with torchrun_worker.py before the program: `-u PROGRAM ...`
    or `-u -m MODULE ...` becomes `-u torchrun_worker.py PROGRAM ...` (or `... -m MODULE ...`).
    --no-python and --run-path workers are left as they are."""
    config, cmd, cmd_args = config_from_args(args)
    if not args.no_python and not args.run_path and cmd_args[:1] == ["-u"]:
        cmd_args = ["-u", WORKER] + cmd_args[1:]
    return config, cmd, cmd_args


torchrun.config_from_args = config_through_worker
main = torchrun.main

if __name__ == "__main__":
    sys.argv[0] = "torchrun"
    sys.exit(main())
