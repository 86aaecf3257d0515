"""torchrun for a torch built without libuv (Debian 13's torch 2.6).

From torch 2.4 the TCPStore server defaults to libuv. torchrun's c10d (and static) rendezvous
backend creates its store without saying which, so on a torch built without libuv it fails
("use_libuv was requested but PyTorch was build without libuv support"), and neither
--rdzv_conf use_libuv=0 nor USE_LIBUV=0 reaches it. spark-launch runs torchrun through this
file there: the backends get the legacy store, then torchrun's own main runs unchanged. The
workers need no file: spark-launch also sets USE_LIBUV=0, which their env:// init honours, and
TORCH_DISABLE_SHARE_RDZV_TCP_STORE=1, so they do not join the agent's store (whose clients
ask for libuv with no way to say otherwise) but rank 0 hosts its own.
"""
import functools
import sys

import torch.distributed as dist
from torch.distributed.elastic.rendezvous import c10d_rendezvous_backend, static_tcp_rendezvous

legacy_store = functools.partial(dist.TCPStore, use_libuv=False)
c10d_rendezvous_backend.TCPStore = legacy_store
static_tcp_rendezvous.TCPStore = legacy_store


from torch.distributed.run import main  # noqa: E402  (after the backends are told)

if __name__ == "__main__":
    sys.argv[0] = "torchrun"
    sys.exit(main())
