#!/bin/bash
# The common alternative to the plugin: a Slurm TaskProlog that does by hand what the seeds'
# shell snippets do (ibdev2netdev and show_gids loops over sysfs), then exports the variables.
# TaskProlog output lines "export NAME=value" go into the task's environment.
sys=${SEED_SYSFS_ROOT:-/sys}
hcas=()
gid_index=""
ifname=""
for dev in "$sys"/class/infiniband/*; do
    [ -e "$dev" ] || continue
    name=$(basename "$dev")
    for net in "$dev"/device/net/*; do  # ibdev2netdev
        netdev=$(basename "$net")
        state=$(cat "$dev/ports/1/state" 2>/dev/null)
        carrier=$(cat "$sys/class/net/$netdev/carrier" 2>/dev/null)
        [ "$carrier" = "1" ] && [ -z "$ifname" ] && ifname=$netdev
        case "$state" in *ACTIVE*) ;; *) continue ;; esac
        for gid in "$dev"/ports/1/gids/*; do  # show_gids
            index=$(basename "$gid")
            value=$(cat "$gid" 2>/dev/null)
            type=$(cat "$dev/ports/1/gid_attrs/types/$index" 2>/dev/null)
            case "$value" in
                0000:0000:0000:0000:0000:ffff:*)
                    if [ "$type" = "RoCE v2" ]; then
                        hcas+=("$name:1")
                        [ -z "$gid_index" ] && gid_index=$index
                    fi
                    ;;
            esac
        done
    done
done
[ -n "$ifname" ] || ifname=enp1s0f1np1
echo "export NCCL_SOCKET_IFNAME=$ifname"
echo "export NCCL_IB_HCA=$(IFS=,; echo "${hcas[*]}")"
echo "export NCCL_IB_GID_INDEX=${gid_index:-3}"
echo "export NCCL_NET_GDR_LEVEL=LOC"
echo "export NCCL_DMABUF_ENABLE=0"
echo "export NCCL_IB_TIMEOUT=22"
echo "export UCX_NET_DEVICES=$ifname"
echo "export GLOO_SOCKET_IFNAME=$ifname"
