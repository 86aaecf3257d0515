"""Runs one torchrun worker's program (a script, or -m MODULE) with one fix to torch 2.x.

Under torchrun_legacy_store.py, torchrun starts each worker as `python -u torchrun_worker.py
PROGRAM ARGS...` in place of `python -u PROGRAM ARGS...`; the program runs as __main__, as before.

The fix: from torch 2.0 a ProcessGroup owns its backends, and torch releases before the fix of
June 2025 (pytorch/pytorch#154976; Debian 13's 2.6 among them) destroy a ProcessGroup with the
GIL held. Gloo's destructor joins its worker threads, and a worker thread that drops the last
reference to a tensor of the last collective (a temporary the program no longer holds) needs
the GIL to free it: destroy_process_group() right after a collective then hangs for ever, at
random (4 of 10 two-rank runs of tests/cluster/allreduce_check.py on one machine). The backends' own bindings do release the GIL when
they are destroyed, so destroy_process_group here keeps a reference to each backend while the
groups go, then drops them: their threads are joined without the GIL.
torch is not imported early for this (a program may set variables torch reads at import): the
patch is made when the program imports torch.distributed.
"""
import importlib.machinery
import os
import runpy
import sys

_C10D = "torch.distributed.distributed_c10d"


def _backends_of(c10d, group):
    world = getattr(c10d, "_world", None)
    if world is None:
        return []
    groups = list(world.pg_map) if group is None or group is c10d.GroupMember.WORLD else [group]
    backends = []
    for pg in groups:
        for device in getattr(pg, "_device_types", []):
            try:
                backends.append(pg._get_backend(device))
            except Exception:  # no backend for that device (or a torch without them): nothing to keep
                pass
    return backends


def _patch(c10d):
    original = c10d.destroy_process_group
    if not hasattr(c10d.ProcessGroup, "_get_backend"):
        return  # torch 1.x: the group is the backend, and its binding releases the GIL already

    def destroy_process_group(group=None):
        backends = _backends_of(c10d, group)
        original(group)
        del backends  # the last references: each backend is destroyed with the GIL released

    destroy_process_group.__doc__ = original.__doc__
    c10d.destroy_process_group = destroy_process_group


class _PatchOnImport:
    """A meta path finder that patches distributed_c10d once it has run, before any module
    (torch.distributed's own `from .distributed_c10d import *` included) takes its names."""

    def find_spec(self, name, path, target=None):
        if name != _C10D:
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        run_module = spec.loader.exec_module

        def exec_module(module):
            run_module(module)
            _patch(module)

        spec.loader.exec_module = exec_module
        return spec


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit("usage: torchrun_worker.py PROGRAM [ARGS...] | -m MODULE [ARGS...]")
    sys.meta_path.insert(0, _PatchOnImport())
    if args[0] == "-m" and len(args) > 1:
        sys.argv = args[1:]
        sys.path[0] = os.getcwd()  # as `python -m` has it
        runpy.run_module(args[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = args
        sys.path[0] = os.path.dirname(os.path.realpath(args[0]))  # as `python PROGRAM` has it
        runpy.run_path(args[0], run_name="__main__")


if __name__ == "__main__":
    main()
