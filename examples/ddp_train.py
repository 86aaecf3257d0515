"""A small DistributedDataParallel training run, started on every node by spark-launch torchrun.

NCCL on GPUs, gloo on CPUs. Every rank checks that training converged and that the model's
parameters are identical on every rank (DDP's all-reduce did its job), then prints DDP_OK.
"""
import os
import sys

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel


def main():
    cuda = torch.cuda.is_available()
    dist.init_process_group("nccl" if cuda else "gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0))) if cuda else torch.device("cpu")
    torch.manual_seed(0)  # same initial weights everywhere
    model = torch.nn.Linear(16, 1).to(device)
    ddp = DistributedDataParallel(model, device_ids=[device.index] if cuda else None)
    optimizer = torch.optim.SGD(ddp.parameters(), lr=0.1)

    # Each rank sees its own shard of y = x.w + 0.5
    generator = torch.Generator().manual_seed(1234 + rank)
    x = torch.randn(512, 16, generator=generator)
    y = x @ (torch.arange(16.0) / 16) + 0.5
    x, y = x.to(device), y.to(device)
    first = None
    for _ in range(60):
        optimizer.zero_grad()
        loss = ((ddp(x).squeeze(1) - y) ** 2).mean()
        loss.backward()
        optimizer.step()
        first = loss.item() if first is None else first

    flat = torch.cat([p.detach().flatten() for p in model.parameters()])
    gathered = [torch.zeros_like(flat) for _ in range(world)]
    dist.all_gather(gathered, flat)
    in_sync = all(torch.equal(gathered[0], g) for g in gathered)
    last = loss.item()
    print(f"DDP rank={rank} world={world} loss {first:.4f} -> {last:.4f} params_in_sync={in_sync} "
          f"fabric={os.environ.get('SPARKFABRIC_FABRIC_ADDR', '-')} "
          f"NCCL_SOCKET_IFNAME={os.environ.get('NCCL_SOCKET_IFNAME', '-')}", flush=True)
    ok = in_sync and last < first * 0.1
    print(f"{'DDP_OK' if ok else 'DDP_FAIL'} rank={rank}", flush=True)
    dist.destroy_process_group()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
