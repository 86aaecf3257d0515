"""Launch-to-first-collective probe: one gloo all_reduce, checked, then exit.

Rank 0 prints the wall clock when its first all_reduce has returned: every rank has joined it
by then. bench/run.sh subtracts the wall clock taken just before the launch line started (the
emulated nodes share one machine, so one clock)."""
import time

import torch
import torch.distributed as dist

dist.init_process_group("gloo")
t = torch.ones(1)
dist.all_reduce(t)
done = time.time()
assert t.item() == dist.get_world_size()
if dist.get_rank() == 0:
    print(f"FIRST_COLLECTIVE_OK world={dist.get_world_size()} done={done:.6f}", flush=True)
dist.destroy_process_group()
