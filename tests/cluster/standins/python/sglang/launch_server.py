"""Stand-in for `python3 -m sglang.launch_server` across nodes.

Checks --model-path, --nnodes, --node-rank and --dist-init-addr HOST:PORT (each once), then
rendezvous with every node there, as SGLang's torch.distributed init does.
"""
import argparse
import os
import socket

from standin_checks import check_node_environment, done, fail, rendezvous, say, single

TAG = "SGLANG"
parser = argparse.ArgumentParser(prog="sglang.launch_server", allow_abbrev=False)
for option in ("--model-path", "--nnodes", "--node-rank", "--dist-init-addr"):
    parser.add_argument(option, action="append")
args, others = parser.parse_known_args()

model = single(TAG, args.model_path, "--model-path")
nnodes = int(single(TAG, args.nnodes, "--nnodes"))
rank = int(single(TAG, args.node_rank, "--node-rank"))
address, _, port = single(TAG, args.dist_init_addr, "--dist-init-addr").rpartition(":")
if not address or not port.isdigit():
    fail(TAG, f"--dist-init-addr {args.dist_init_addr[0]} is not HOST:PORT")
# The address SGLang advertises to the other nodes, read as its get_local_ip_auto() reads it
# (python/sglang/srt/utils/network.py): SGLANG_HOST_IP, then HOST_IP, else the default route's
# source address, which is not the fabric on a Spark (the multi-node hang owners report).
host_ip = os.environ.get("SGLANG_HOST_IP", "") or os.environ.get("HOST_IP", "")
if not host_ip:
    fail(TAG, "neither SGLANG_HOST_IP nor HOST_IP is set: SGLang would advertise its default route's address")
check_node_environment(TAG, own_address=host_ip)
say(f"SGLANG_ARGS host={socket.gethostname()} rank={rank} nnodes={nnodes} dist_init={address}:{port} "
      f"host_ip={host_ip} model={model} others={' '.join(others)}")
rendezvous(address, int(port), rank, nnodes)
done(f"SGLANG_STANDIN_OK rank={rank} nnodes={nnodes}")
