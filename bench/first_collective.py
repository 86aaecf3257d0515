"""Launch-to-first-collective probe: one gloo all_reduce, checked, then exit."""
import torch
import torch.distributed as dist

dist.init_process_group("gloo")
t = torch.ones(1)
dist.all_reduce(t)
assert t.item() == dist.get_world_size()
if dist.get_rank() == 0:
    print(f"FIRST_COLLECTIVE_OK world={dist.get_world_size()}", flush=True)
dist.destroy_process_group()
