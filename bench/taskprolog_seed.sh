#!/bin/bash
# The common alternative to the plugin: a Slurm TaskProlog shell script that does the same
# discovery as the seeds' shell snippets (ibdev2netdev: RDMA device -> netdev, carrier and port
# state; show_gids: the RoCE v2 GID holding an IPv4-mapped address), then exports the variables.
# TaskProlog output lines "export NAME=value" go into the task's environment.
#
# Written to be fast, so the bench compares the plugin with the best a shell script does: small
# files are read with the `read` builtin (no process), names are cut with parameter expansion
# (no basename), and one grep reads the GID tables of all active ports at once; the only other
# processes are the shell itself. What remains is what a script cannot avoid: a fork+exec of
# bash and grep per task.
sys=${SEED_SYSFS_ROOT:-/sys}
hcas=()
gid_index=""
ifname=""
gid_files=()
for dev in "$sys"/class/infiniband/*; do
    [ -e "$dev" ] || continue
    for net in "$dev"/device/net/*; do  # ibdev2netdev
        netdev=${net##*/}
        state="" carrier=""
        { read -r state <"$dev/ports/1/state"; } 2>/dev/null
        { read -r carrier <"$sys/class/net/$netdev/carrier"; } 2>/dev/null
        [ "$carrier" = "1" ] && [ -z "$ifname" ] && ifname=$netdev
        case "$state" in *ACTIVE*) gid_files+=("$dev"/ports/1/gids/*) ;; esac
    done
done
# show_gids, for every active port in one process: the GID entries holding an IPv4-mapped
# address, in the same (glob) order as a per-entry loop would visit them.
if [ ${#gid_files[@]} -gt 0 ]; then
    while read -r gid; do
        index=${gid##*/}
        port=${gid%/gids/*}
        name=${port%/ports/1}
        name=${name##*/}
        type=""
        { read -r type <"$port/gid_attrs/types/$index"; } 2>/dev/null
        [ "$type" = "RoCE v2" ] || continue
        case " ${hcas[*]} " in *" $name:1 "*) ;; *) hcas+=("$name:1") ;; esac
        [ -z "$gid_index" ] && gid_index=$index
    done < <(grep -l '^0000:0000:0000:0000:0000:ffff:' "${gid_files[@]}" 2>/dev/null)
fi
[ -n "$ifname" ] || ifname=enp1s0f1np1
echo "export NCCL_SOCKET_IFNAME=$ifname"
echo "export NCCL_IB_HCA=$(IFS=,; echo "${hcas[*]}")"
echo "export NCCL_IB_GID_INDEX=${gid_index:-3}"
echo "export NCCL_NET_GDR_LEVEL=LOC"
echo "export NCCL_DMABUF_ENABLE=0"
echo "export NCCL_IB_TIMEOUT=22"
echo "export UCX_NET_DEVICES=$ifname"
echo "export GLOO_SOCKET_IFNAME=$ifname"
