#!/usr/bin/env bash
# sparkfabric emulated cluster: N DGX Spark "nodes" as network namespaces, each
# running a real slurmd, with one slurmctld in the root namespace.
#
# Usage:
#   cluster.sh up N [--state DIR] [--plugstack FILE] [--twins | --ring] [--cpus C]
#                   [--node-root NODE=DIR]... [--node-cage NODE=C]... [--containers]
#                   [--container-host]
#   cluster.sh down [--state DIR]
#   cluster.sh link-down NODE
#   cluster.sh link-up NODE
#   cluster.sh exec NODE CMD...
#   cluster.sh status [--state DIR]
#
# Every node spark-dgx-K lives in namespace sf-spark-dgx-K with:
#   enP7s7         management  MTU 1500  10.77.0.K/24     bridge sfmgmt0 (root side 10.77.0.254)
#   enp1s0f1np1    fabric      MTU 9000  192.168.200.K/24 bridge sffab0
#   enP2p1s0f1np1  fabric twin MTU 9000  192.168.201.K/24 bridge sffab1   (--twins only)
# and a default route through the management network, as on a Spark. Names resolve from
# /etc/hosts only inside the nodes (see names_up). With --ring there is no
# fabric bridge: cable K joins node K's enp1s0f0np0 (192.168.(100+K).1/24) and the next node's
# enp1s0f1np1 (192.168.(100+K).2/24) directly, the last node's port 0 cabled back to node 1.
# --node-cage NODE=0 names that node's fabric interfaces after cage 0 (enp1s0f0np0 and
# enP2p1s0f0np0), as on a Spark cabled on its other cage. --node-root NODE=DIR shows DIR at
# <state>/node-root to that node's slurmd and its steps only (a private mount), so a plugstack
# sysfs_root=<state>/node-root/sys gives every node its own fixture tree, as real nodes each
# have their own /sys.
# Each node also has its own /tmp (<state>/tmp/NODE), so the state dir must not be under /tmp.
# --containers loads NVIDIA pyxis and enroot (container_stack.sh beside this script builds them) as a
# Debian site would: slurmd runs with enroot's bin on PATH (slurmstepd inherits it and pyxis runs
# `enroot` from it), <state>/plugstack.conf.d/pyxis.conf loads pyxis, plugstack.conf includes
# <state>/plugstack.conf.d/*.conf unless --plugstack names another file (a test drops its own
# plugin's .conf there; pyxis.conf sorts first, so pyxis's callbacks run first). Every node keeps
# its container state apart, under <state>/containers/NODE: pyxis/ is the node's /run/pyxis (a
# bind mount its slurmd and steps see), enroot/UID/{run,cache,data,config} are enroot's paths
# per user (an enroot.conf.d drop-in shown to that node only). <state>/containers/enroot-hooks.d
# is every node's enroot hooks.d (enroot's own hooks, copied at up; a test drops its *.sh hook
# there). env.sh then also exports SF_PYXIS_PLUGSTACK_D, SF_IMAGES, SF_ENROOT_BIN,
# SF_ENROOT_HOOKS_D, SF_PYXIS_SO and SF_CONTAINER_STATE.
# --container-host makes every node (slurmd, its steps and `cluster.sh exec`) a host where docker
# or podman run containers: the machine's cgroup hierarchies mounted in it, its own /dev/shm
# (<state>/shm/NODE), / a shared mount (see write_host_mounts).
# Callers source <state>/env.sh to get SLURM_CONF. The default state dir is
# $SF_CLUSTER_STATE, else /var/tmp/sparkfabric-cluster. Namespace, bridge and node names are
# global: one cluster at a time (up refuses while another state dir's controller runs).
set -euo pipefail
# The cluster lock (session.sh) stays with the caller, never with the daemons started here.
if [[ ${SF_CLUSTER_LOCK_FD:-} =~ ^[0-9]+$ ]]; then eval "exec ${SF_CLUSTER_LOCK_FD}>&-"; fi

PROG=$(basename "$0")
HERE=$(cd "$(dirname "$0")" && pwd)
NODE_PREFIX=spark-dgx-
NS_PREFIX=sf-
MGMT_BR=sfmgmt0
FAB_BR=sffab0
TWIN_BR=sffab1
MGMT_IF=enP7s7
FAB_IF=enp1s0f1np1
TWIN_IF=enP2p1s0f1np1
RING_P0=enp1s0f0np0
RING_P1=enp1s0f1np1
MGMT_NET=10.77.0
FAB_NET=192.168.200
TWIN_NET=192.168.201
CTLD_ADDR=${MGMT_NET}.254
HOSTS_MARK="# sparkfabric-cluster"
NETNS_ETC=/etc/netns
MAX_NODES=10
UP_TIMEOUT=${SF_CLUSTER_UP_TIMEOUT:-60}
DOWN_TIMEOUT=${SF_CLUSTER_DOWN_TIMEOUT:-15}
DEFAULT_STATE=${SF_CLUSTER_STATE:-/var/tmp/sparkfabric-cluster}

# pyxis's runtime_path; every node sees its own <state>/containers/NODE/pyxis there
PYXIS_RUNTIME=/run/pyxis

MUNGE_SOCKET=/run/munge/munge.socket.2
MUNGE_KEY=/etc/munge/munge.key

die() { echo "$PROG: error: $*" >&2; exit 1; }
log() { echo "$PROG: $*" >&2; }

usage() {
    sed -n '5,13p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

need() {
    local c
    for c in "$@"; do
        command -v "$c" >/dev/null 2>&1 || die "required command '$c' not found"
    done
}

# ---------------------------------------------------------------- helpers

ns_of() { echo "${NS_PREFIX}$1"; }

node_index() {
    # spark-dgx-K -> K (validated)
    local n=$1
    [[ $n =~ ^${NODE_PREFIX}([0-9]+)$ ]] || die "bad node name '$n' (expected ${NODE_PREFIX}K)"
    echo "${BASH_REMATCH[1]}"
}

require_ns() {
    local ns
    ns=$(ns_of "$1")
    ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$ns" \
        || die "node '$1' is not up (no namespace $ns)"
}

# wait_until SECS CMD... : poll CMD every 0.2 s until it succeeds or SECS pass
wait_until() {
    local secs=$1; shift
    local end=$((SECONDS + secs))
    while ! "$@" >/dev/null 2>&1; do
        ((SECONDS < end)) || return 1
        sleep 0.2
    done
}

pid_alive() { [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null; }

all_dead() {
    local p
    for p in "$@"; do pid_alive "$p" && return 1; done
    return 0
}

# stop_pid PID NAME : TERM, bounded wait, then KILL
stop_pid() {
    local pid=$1 name=$2
    pid_alive "$pid" || return 0
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_until "$DOWN_TIMEOUT" all_dead "$pid"; then
        log "$name (pid $pid) ignored SIGTERM, killing"
        kill -KILL "$pid" 2>/dev/null || true
        wait_until 5 all_dead "$pid" || log "warning: $name (pid $pid) still alive"
    fi
}

stop_pidfile() {
    local f=$1 name=$2 pid
    [[ -f $f ]] || return 0
    pid=$(cat "$f" 2>/dev/null || true)
    [[ $pid =~ ^[0-9]+$ ]] && stop_pid "$pid" "$name"
    rm -f "$f"
}

show_logs() {
    local state=$1 f
    for f in "$state"/log/*.log; do
        [[ -f $f ]] || continue
        echo "----- tail of $f -----" >&2
        tail -n 15 "$f" >&2 || true
    done
}

# ---------------------------------------------------------------- munge

munge_ok() { munge -n -S "$MUNGE_SOCKET" </dev/null 2>/dev/null | unmunge -S "$MUNGE_SOCKET" >/dev/null 2>&1; }

start_munge() {
    local state=$1
    if munge_ok; then
        log "munged already running, reusing it"
        return 0
    fi
    if [[ ! -s $MUNGE_KEY ]]; then
        log "creating munge key $MUNGE_KEY"
        mkdir -p "$(dirname "$MUNGE_KEY")"
        dd if=/dev/urandom of="$MUNGE_KEY" bs=1 count=1024 status=none
    fi
    local owner=root
    id munge >/dev/null 2>&1 && owner=munge
    chown "$owner:$owner" "$(dirname "$MUNGE_KEY")" "$MUNGE_KEY"
    chmod 0700 "$(dirname "$MUNGE_KEY")"
    chmod 0400 "$MUNGE_KEY"
    mkdir -p /run/munge /var/lib/munge /var/log/munge
    chown "$owner:$owner" /run/munge /var/lib/munge /var/log/munge
    chmod 0755 /run/munge
    chmod 0700 /var/lib/munge /var/log/munge
    rm -f "$MUNGE_SOCKET" "$MUNGE_SOCKET.lock"
    local pidfile=/run/munge/munged.pid
    if [[ $owner == munge ]]; then
        runuser -u munge -- munged --socket="$MUNGE_SOCKET" --key-file="$MUNGE_KEY" \
            --pid-file="$pidfile" || die "munged failed to start"
    else
        munged --force --socket="$MUNGE_SOCKET" --key-file="$MUNGE_KEY" \
            --pid-file="$pidfile" || die "munged failed to start"
    fi
    wait_until 10 munge_ok || die "munged started but does not answer on $MUNGE_SOCKET"
    cat "$pidfile" >"$state/munged.ours"
    log "started munged (pid $(cat "$pidfile"))"
}

stop_munge() {
    local state=$1
    [[ -f $state/munged.ours ]] || return 0
    stop_pidfile "$state/munged.ours" munged
}

# ---------------------------------------------------------------- /etc/hosts

# rewrite /etc/hosts in place (it may be a bind mount: no rename)
hosts_remove() {
    [[ -f /etc/hosts ]] || return 0
    grep -qF "$HOSTS_MARK" /etc/hosts || return 0
    local tmp
    tmp=$(mktemp)
    grep -vF "$HOSTS_MARK" /etc/hosts >"$tmp" || true
    cat "$tmp" >/etc/hosts
    rm -f "$tmp"
}

hosts_add() {
    local n=$1 k
    hosts_remove
    {
        for ((k = 1; k <= n; k++)); do
            printf '%s\t%s\t%s\n' "${MGMT_NET}.$k" "${NODE_PREFIX}$k" "$HOSTS_MARK"
        done
    } >>/etc/hosts
}

# The nodes' name service: /etc/hosts, nothing else. The machine's DNS server is not reachable
# from the namespaces (no forwarding out of the management bridge), so every DNS query there
# waits out the resolver's timeouts (10 s) instead of getting an answer, as it would from a
# site's DNS. Daemons that name each peer they accept stall on that: Slurm 24.11's slurmd
# (conmgr resolves every connection it accepts) turns each step launch and completion into
# 10 s waits, and torch 2.x's TCPStore server (one accept thread, getnameinfo per client)
# holds a torchrun rendezvous for minutes. `ip netns exec` bind-mounts the files of
# /etc/netns/NS over /etc, so slurmd, its jobs and `cluster.sh exec` see this nsswitch.conf.
names_up() {
    local n=$1 k dir
    names_down
    for ((k = 1; k <= n; k++)); do
        dir=$NETNS_ETC/$(ns_of "${NODE_PREFIX}$k")
        mkdir -p "$dir"
        sed 's/^hosts:.*/hosts: files/' /etc/nsswitch.conf >"$dir/nsswitch.conf"
        grep -q '^hosts:' "$dir/nsswitch.conf" || echo 'hosts: files' >>"$dir/nsswitch.conf"
    done
}

names_down() {
    local dir
    for dir in "$NETNS_ETC/${NS_PREFIX}${NODE_PREFIX}"*; do
        [[ -d $dir ]] && rm -rf "$dir"
    done
    rmdir "$NETNS_ETC" 2>/dev/null || true
}

# ---------------------------------------------------------------- network

make_bridge() {
    local br=$1 mtu=$2 addr=${3:-}
    ip link show "$br" >/dev/null 2>&1 || ip link add "$br" type bridge
    ip link set "$br" mtu "$mtu"
    [[ -n $addr ]] && ip addr replace "$addr" dev "$br"
    ip link set "$br" up
}

# add_if NS K ROOTNAME INNERNAME BRIDGE MTU ADDR
add_if() {
    local ns=$1 root=$2 inner=$3 br=$4 mtu=$5 addr=$6
    ip link del "$root" >/dev/null 2>&1 || true
    ip link add "$root" mtu "$mtu" type veth peer name "$inner" mtu "$mtu" netns "$ns"
    ip link set "$root" master "$br"
    ip link set "$root" up
    ip -n "$ns" addr add "$addr" dev "$inner"
    ip -n "$ns" link set "$inner" up
}

# ring_cable K NEXT: node K's port 0 to node NEXT's port 1, a subnet of their own.
ring_cable() {
    local k=$1 next=$2
    ip link add "$RING_P0" netns "$(ns_of "${NODE_PREFIX}$k")" mtu 9000 type veth \
        peer name "$RING_P1" netns "$(ns_of "${NODE_PREFIX}$next")" mtu 9000
    ip -n "$(ns_of "${NODE_PREFIX}$k")" addr add "192.168.$((100 + k)).1/24" dev "$RING_P0"
    ip -n "$(ns_of "${NODE_PREFIX}$next")" addr add "192.168.$((100 + k)).2/24" dev "$RING_P1"
    ip -n "$(ns_of "${NODE_PREFIX}$k")" link set "$RING_P0" up
    ip -n "$(ns_of "${NODE_PREFIX}$next")" link set "$RING_P1" up
}

# node_option LIST NODE: the value given for NODE in "NODE=VALUE ..." (empty if none)
node_option() {
    local item
    for item in $1; do
        [[ ${item%%=*} == "$2" ]] && { echo "${item#*=}"; return 0; }
    done
    return 0
}

net_up() {
    local n=$1 twins=$2 cages=$3 ring=$4 k ns cage fab_if twin_if
    make_bridge "$MGMT_BR" 1500 "${CTLD_ADDR}/24"
    [[ $ring == 1 ]] || make_bridge "$FAB_BR" 9000
    [[ $twins == 1 ]] && make_bridge "$TWIN_BR" 9000
    for ((k = 1; k <= n; k++)); do
        ns=$(ns_of "${NODE_PREFIX}$k")
        cage=$(node_option "$cages" "${NODE_PREFIX}$k")
        fab_if=$FAB_IF twin_if=$TWIN_IF
        if [[ -n $cage ]]; then
            fab_if="enp1s0f${cage}np${cage}" twin_if="enP2p1s0f${cage}np${cage}"
        fi
        ip netns del "$ns" >/dev/null 2>&1 || true
        ip netns add "$ns"
        ip -n "$ns" link set lo up
        add_if "$ns" "sfm-$k" "$MGMT_IF" "$MGMT_BR" 1500 "${MGMT_NET}.$k/24"
        ip -n "$ns" route add default via "$CTLD_ADDR" dev "$MGMT_IF"
        [[ $ring == 1 ]] || add_if "$ns" "sff-$k" "$fab_if" "$FAB_BR" 9000 "${FAB_NET}.$k/24"
        if [[ $twins == 1 ]]; then
            add_if "$ns" "sft-$k" "$twin_if" "$TWIN_BR" 9000 "${TWIN_NET}.$k/24"
        fi
    done
    if [[ $ring == 1 ]]; then
        for ((k = 1; k <= n; k++)); do ring_cable "$k" $((k % n + 1)); done
    fi
}

net_down() {
    local ns l
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^${NS_PREFIX}${NODE_PREFIX}" || true); do
        ip netns del "$ns" >/dev/null 2>&1 || log "warning: could not delete namespace $ns"
    done
    for l in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E '^sf[mft]-[0-9]+$' || true); do
        ip link del "$l" >/dev/null 2>&1 || true
    done
    for l in "$MGMT_BR" "$FAB_BR" "$TWIN_BR"; do
        ip link del "$l" >/dev/null 2>&1 || true
    done
}

# ---------------------------------------------------------------- slurm config

write_conf() {
    local state=$1 n=$2 cpus=$3 plugstack=$4 k host
    host=$(hostname)
    mkdir -p "$state"/{ctld,spool,run,log,node-root}
    for ((k = 1; k <= n; k++)); do mkdir -p "$state/spool/${NODE_PREFIX}$k" "$state/tmp/${NODE_PREFIX}$k"; done

    cat >"$state/cgroup.conf" <<EOF
CgroupPlugin=cgroup/v1
CgroupAutomount=no
ConstrainCores=no
ConstrainDevices=no
ConstrainRAMSpace=no
ConstrainSwapSpace=no
EOF

    cat >"$state/slurm.conf" <<EOF
# sparkfabric emulated cluster ($n nodes)
ClusterName=sparkfabric
SlurmctldHost=${host}(${CTLD_ADDR})
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/spool/%n
SlurmctldPidFile=$state/run/slurmctld.pid
SlurmdPidFile=$state/run/slurmd.%n.pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.%n.log
# Each node its own TmpFS, as real nodes have: PMIx puts per-step directories there, and on one
# shared /tmp the nodes' directories would collide.
TmpFS=$state/tmp/%n
SlurmctldDebug=info
SlurmdDebug=info
PlugStackConfig=$state/plugstack.conf
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SlurmdParameters=config_overrides
ReturnToService=2
MessageTimeout=10
TCPTimeout=2
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=2
MinJobAge=30
WaitTime=0
UnkillableStepTimeout=30
NodeName=DEFAULT CPUs=$cpus RealMemory=1024 State=UNKNOWN
EOF
    for ((k = 1; k <= n; k++)); do
        echo "NodeName=${NODE_PREFIX}$k NodeAddr=${MGMT_NET}.$k NodeHostname=${NODE_PREFIX}$k" >>"$state/slurm.conf"
    done
    echo "PartitionName=spark Nodes=${NODE_PREFIX}[1-$n] Default=YES MaxTime=INFINITE State=UP" >>"$state/slurm.conf"

    rm -f "$state/plugstack.conf"
    if [[ -n $plugstack ]]; then
        ln -s "$plugstack" "$state/plugstack.conf"
    else
        : >"$state/plugstack.conf"
    fi

    cat >"$state/env.sh" <<EOF
# source me: sparkfabric emulated cluster environment
export SLURM_CONF=$state/slurm.conf
export SF_CLUSTER_STATE=$state
export SF_CLUSTER_NODES=$n
EOF
    echo "$n" >"$state/nodes"
}

# ---------------------------------------------------------------- daemons

idle_count() {
    SLURM_CONF=$1/slurm.conf sinfo -h -N -p spark -o '%N %t' 2>/dev/null | awk '$2=="idle"{c++} END{print c+0}'
}

all_idle() { [[ $(idle_count "$1") -eq $2 ]]; }

ctld_ok() { SLURM_CONF=$1/slurm.conf scontrol ping 2>/dev/null | grep -q 'is UP'; }

start_slurm() {
    local state=$1 n=$2 roots=$3 k node root path binds
    SLURM_CONF=$state/slurm.conf slurmctld -f "$state/slurm.conf" -i \
        || { show_logs "$state"; die "slurmctld failed to start"; }
    wait_until 20 ctld_ok "$state" || { show_logs "$state"; die "slurmctld does not answer ping within 20 s"; }
    for ((k = 1; k <= n; k++)); do
        node=${NODE_PREFIX}$k
        # Each node gets its own /tmp, as real nodes have: PMIx and jobs put per-step files there.
        chmod 1777 "$state/tmp/$node"
        root=$(node_option "$roots" "$node")
        [[ -z $root || -d $root ]] || die "--node-root for $node: '$root' is not a directory"
        binds=()
        [[ -z $root ]] || binds+=("$root" "$state/node-root")
        mapfile -t -O "${#binds[@]}" binds < <(node_binds "$state" "$node")
        # slurmstepd inherits slurmd's PATH, and pyxis runs `enroot` from it
        path=$(node_path "$state")
        run_on_node "$state" "$node" "$path" "${binds[@]}" -- slurmd -N "$node" -f "$state/slurm.conf" \
            || { show_logs "$state"; die "slurmd for $node failed to start"; }
    done
}

stop_slurm() {  # STATE OWNS_NET(1/0)
    local state=$1 owns_net=${2:-1} f ns pid pids=() left
    # TERM the controller and every slurmd at once (each takes ~2 s to exit)
    for f in "$state"/run/slurmd.*.pid "$state/run/slurmctld.pid"; do
        [[ -f $f ]] || continue
        pid=$(cat "$f" 2>/dev/null || true)
        [[ $pid =~ ^[0-9]+$ ]] && pid_alive "$pid" && pids+=("$pid")
        rm -f "$f"
    done
    # daemons whose pid file was lost (half-failed up): match on our config path only
    for pid in $(pgrep -f -- "-f $state/slurm.conf" || true); do pids+=("$pid"); done
    if ((${#pids[@]})); then
        kill -TERM "${pids[@]}" 2>/dev/null || true
        wait_until "$DOWN_TIMEOUT" all_dead "${pids[@]}" || true
        left=()
        for pid in "${pids[@]}"; do pid_alive "$pid" && left+=("$pid"); done
        if ((${#left[@]})); then
            log "daemons ${left[*]} ignored SIGTERM, killing"
            kill -KILL "${left[@]}" 2>/dev/null || true
        fi
    fi
    # client commands of this cluster (srun, salloc, sbatch --wait) left waiting
    pids=()
    for pid in $(pgrep -x srun; pgrep -x salloc; pgrep -x sbatch; pgrep -x sattach) ; do
        grep -qzx "SLURM_CONF=$state/slurm.conf" "/proc/$pid/environ" 2>/dev/null && pids+=("$pid")
    done
    if ((${#pids[@]})); then
        log "stopping client commands still running: ${pids[*]}"
        kill -KILL "${pids[@]}" 2>/dev/null || true
    fi
    # anything still running inside a node namespace (steps, jobs)
    [[ $owns_net == 1 ]] || return 0
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^${NS_PREFIX}${NODE_PREFIX}" || true); do
        mapfile -t pids < <(ip netns pids "$ns" 2>/dev/null || true)
        ((${#pids[@]})) && { kill -KILL "${pids[@]}" 2>/dev/null || true; }
    done
    return 0
}

# State dirs of the clusters whose controller runs now (the network names are global:
# only one cluster at a time can own them).
running_states() {
    { pgrep -a -x slurmctld || true; } | sed -n 's|.* -f \(/[^ ]*\)/slurm\.conf.*|\1|p' | sort -u
}

other_cluster() {  # STATE: prints the state dir of another running cluster, if any
    running_states | grep -vxF "$1" | head -n 1 || true
}

# ---------------------------------------------------------------- containers (pyxis + enroot)

# What a node's slurmd, its steps and `cluster.sh exec` run in: its own UTS and mount namespace,
# the file systems listed in MOUNTS (lines "TARGET FSTYPE OPTIONS", written by cluster.sh; empty:
# none), the bind mounts given as SRC DST pairs up to "--", then CMD with PATH=PATH.
# Usage: sh -c "$NODE_SH" sh NODE PATH MOUNTS [SRC DST]... -- CMD...
# shellcheck disable=SC2016
NODE_SH='node=$1 path=$2 mounts=$3; shift 3
hostname "$node" || exit 1
if [ -n "$mounts" ]; then
  while read -r target fstype options; do
    mkdir -p "$target" && mount -t "$fstype" -o "$options" "$fstype" "$target" || exit 1
  done < "$mounts"
  mount --make-rshared / || exit 1
fi
while [ "$1" != -- ]; do mount --bind "$1" "$2" || exit 1; shift 2; done
shift
PATH=$path exec "$@"'

# run_on_node STATE NODE PATH [SRC DST]... -- CMD...
run_on_node() {
    local state=$1 node=$2 path=$3 ns mounts=""
    shift 3
    ns=$(ns_of "$node")
    if [[ -f $state/host-mounts ]]; then
        mounts=$state/host-mounts
        set -- "$state/shm/$node" /dev/shm "$@"
    fi
    ip netns exec "$ns" unshare --uts --mount sh -c "$NODE_SH" sh "$node" "$path" "$mounts" "$@"
}

# --container-host: what a host that runs docker or podman containers has and an emulated node
# lacks. `ip netns exec` mounts a fresh sysfs on /sys for the namespace, whose /sys/fs/cgroup is
# empty; an OCI runtime refuses to start a container without a cgroup tree (runc: "no cgroup mount
# found in mountinfo"), so the machine's hierarchies (and the tmpfs above them, listed here) are
# mounted again in every node: a cgroup v1 hierarchy mounted again with the same controllers is
# the same hierarchy, and a node's processes keep their cgroups. Each node gets its own /dev/shm:
# rootless podman keeps its container locks there (libpod_rootless_lock_UID), and nodes sharing
# the machine's would share them; `--ipc host` gives a container its node's /dev/shm. / is made a
# shared mount, as systemd leaves a host's (rootless podman warns on every call where it is not).
write_host_mounts() {  # STATE N
    local k
    findmnt -rn -R /sys/fs/cgroup -o TARGET,FSTYPE,FS-OPTIONS >"$1/host-mounts" \
        || die "--container-host: no cgroup file system mounted at /sys/fs/cgroup on this machine"
    for ((k = 1; k <= $2; k++)); do install -d -m 1777 "$1/shm/${NODE_PREFIX}$k"; done
}

containers_dir() { echo "$1/containers"; }

# The stack's paths (container_stack.sh paths), saved at up: down and exec need no rebuild.
load_stack_paths() {  # STATE
    local f
    f=$(containers_dir "$1")/stack.env
    [[ -f $f ]] || return 1
    # shellcheck disable=SC1090
    source "$f"
}

# node_binds STATE NODE: the SRC DST pairs that give NODE its own container state
node_binds() {
    local state=$1 node=$2 dir
    dir=$(containers_dir "$state")/$node
    [[ -d $dir ]] && load_stack_paths "$state" || return 0
    printf '%s\n' "$dir/pyxis" "$PYXIS_RUNTIME" "$dir/enroot.conf.d" "$SF_ENROOT_CONF_D" \
        "$(containers_dir "$state")/enroot-hooks.d" "$SF_ENROOT_SYSCONF/hooks.d"
}

node_path() {  # STATE: slurmd's PATH (enroot's bin first when the cluster has containers)
    if load_stack_paths "$1"; then echo "$SF_ENROOT_BIN:$PATH"; else echo "$PATH"; fi
}

# enroot reads its paths from enroot.conf(.d) only (pyxis drops ENROOT_*_PATH from a job's
# environment); the values are evaluated by enroot as the job's user, so ${UID} is per user.
# enroot creates run, cache and data itself (mode 700); its temporary files go to the cache.
write_enroot_conf() {  # FILE BASE
    cat >"$1" <<EOF
# sparkfabric emulated cluster (cluster.sh up --containers): this node's enroot state, per user
ENROOT_RUNTIME_PATH $2/\${UID}/run
ENROOT_CACHE_PATH $2/\${UID}/cache
ENROOT_DATA_PATH $2/\${UID}/data
ENROOT_TEMP_PATH $2/\${UID}/cache
ENROOT_CONFIG_PATH $2/\${UID}/config
EOF
}

containers_up() {  # STATE N PLUGSTACK
    local state=$1 n=$2 plugstack=$3 dir k node
    dir=$(containers_dir "$state")
    "$HERE/container_stack.sh" build || die "the container stack did not build (see above)"
    mkdir -p "$dir"
    "$HERE/container_stack.sh" paths >"$dir/stack.env"
    load_stack_paths "$state"
    [[ -x $SF_ENROOT_BIN/enroot && -f $SF_PYXIS_SO && -d $SF_ENROOT_CONF_D && -d $SF_ENROOT_SYSCONF/hooks.d ]] \
        || die "the container stack in $SF_CONTAINER_CACHE is incomplete; remove it and run $HERE/container_stack.sh build"
    # The cluster's hooks.d: enroot's own hooks (10-shadow adds the user to the image's passwd,
    # ...), and whatever a test adds, as a site adds its hooks to /etc/enroot/hooks.d.
    install -d -m 755 "$dir/enroot-hooks.d"
    cp -a "$SF_ENROOT_SYSCONF/hooks.d/." "$dir/enroot-hooks.d/"
    # The mount point of every node's runtime dir (a real pyxis makes it on its first start).
    if [[ ! -d $PYXIS_RUNTIME ]]; then
        mkdir -m 755 "$PYXIS_RUNTIME"
        touch "$dir/run-pyxis.ours"
    fi
    for ((k = 1; k <= n; k++)); do
        node=${NODE_PREFIX}$k
        install -d -m 755 "$dir/$node/pyxis" "$dir/$node/enroot.conf.d"
        # every user makes their own ${UID} folder in it, as in /tmp
        install -d -m 1777 "$dir/$node/enroot"
        write_enroot_conf "$dir/$node/enroot.conf.d/50-sparkfabric-cluster.conf" "$dir/$node/enroot"
    done
    install -d -m 755 "$state/plugstack.conf.d"
    echo "required $SF_PYXIS_SO runtime_path=$PYXIS_RUNTIME" >"$state/plugstack.conf.d/pyxis.conf"
    # Debian's plugstack.conf includes plugstack.conf.d/*; glob order is load and callback order.
    [[ -n $plugstack ]] || echo "include $state/plugstack.conf.d/*.conf" >"$state/plugstack.conf"
    cat >>"$state/env.sh" <<EOF
export SF_PYXIS_PLUGSTACK_D=$state/plugstack.conf.d
export SF_IMAGES=$SF_IMAGES
export SF_ENROOT_BIN=$SF_ENROOT_BIN
export SF_ENROOT_HOOKS_D=$dir/enroot-hooks.d
export SF_PYXIS_SO=$SF_PYXIS_SO
export SF_CONTAINER_STATE=$dir
EOF
}

# Processes the namespace sweep of stop_slurm cannot see (a container started with its own
# network namespace): anything running enroot's tools or rooted in the cluster's container state.
containers_kill() {  # STATE
    local dir pid root pids=()
    dir=$(containers_dir "$1")
    load_stack_paths "$1" || return 0
    for pid in $(pgrep -f -- "$SF_ENROOT_BIN/" || true; pgrep -x squashfuse || true; pgrep -x squashfuse_ll || true); do
        pids+=("$pid")
    done
    for root in /proc/[0-9]*/root; do
        [[ $(readlink "$root" 2>/dev/null) == "$dir"/* ]] && pid=${root#/proc/} && pids+=("${pid%/root}")
    done
    ((${#pids[@]})) || return 0
    log "stopping container processes still running: ${pids[*]}"
    kill -KILL "${pids[@]}" 2>/dev/null || true
    wait_until 10 all_dead "${pids[@]}" || log "warning: container processes ${pids[*]} still alive"
}

mounts_under() {  # DIR: mount points at or under DIR, deepest first
    findmnt -rn -o TARGET | awk -v d="$1" 'index($0, d "/") == 1 || $0 == d' | sort -r
}

# Nothing of the containers may stay: no enroot container, no pyxis runtime file, no mount.
# What cannot be cleaned is said (and the caller fails), never deleted through a mount.
containers_clean() {  # STATE
    local dir mounts m
    dir=$(containers_dir "$1")
    [[ -e $dir ]] || return 0
    containers_kill "$1"
    for m in $(mounts_under "$dir"); do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done
    mounts=$(mounts_under "$dir")
    if [[ -n $mounts ]]; then
        echo "$PROG: error: cannot clean $dir: still mounted: $mounts; unmount (umount -l PATH) and run '$PROG down --state $1' again" >&2
        return 1
    fi
    if [[ -f $dir/run-pyxis.ours ]]; then
        rmdir "$PYXIS_RUNTIME" 2>/dev/null || log "warning: $PYXIS_RUNTIME is not empty; left in place"
    fi
    if ! rm -rf -- "$dir"; then
        echo "$PROG: error: cannot remove $dir; remove it by hand and run '$PROG down --state $1' again" >&2
        return 1
    fi
}

# ---------------------------------------------------------------- subcommands

cmd_up() {
    local n="" state=$DEFAULT_STATE plugstack="" twins=0 ring=0 cpus=4 roots="" cages="" containers=0 host=0
    while (($#)); do
        case $1 in
            --state) state=${2:?--state needs a directory}; shift 2 ;;
            --plugstack) plugstack=${2:?--plugstack needs a file}; shift 2 ;;
            --twins) twins=1; shift ;;
            --ring) ring=1; shift ;;
            --containers) containers=1; shift ;;
            --container-host) host=1; shift ;;
            --cpus) cpus=${2:?--cpus needs a number}; shift 2 ;;
            --node-root)
                [[ ${2:-} =~ ^${NODE_PREFIX}[0-9]+=/[^[:space:]]+$ ]] || die "--node-root needs NODE=/absolute/dir"
                roots+=" $2"; shift 2 ;;
            --node-cage)
                [[ ${2:-} =~ ^${NODE_PREFIX}[0-9]+=[01]$ ]] || die "--node-cage needs NODE=0 or NODE=1"
                cages+=" $2"; shift 2 ;;
            -h|--help) usage ;;
            -*) die "unknown option '$1'" ;;
            *) [[ -z $n ]] || die "unexpected argument '$1'"; n=$1; shift ;;
        esac
    done
    [[ $n =~ ^[0-9]+$ ]] && ((n >= 1 && n <= MAX_NODES)) || die "node count must be 1..$MAX_NODES (got '${n}')"
    [[ $cpus =~ ^[0-9]+$ ]] && ((cpus >= 1)) || die "--cpus must be a positive number"
    ((ring == 0 || (twins == 0 && n >= 3))) || die "--ring needs 3 or more nodes and no --twins"
    if [[ -n $plugstack ]]; then
        [[ -f $plugstack ]] || die "plugstack file '$plugstack' not found"
        plugstack=$(realpath "$plugstack")
    fi
    [[ $(id -u) -eq 0 ]] || die "must run as root (network namespaces, daemons)"
    need ip unshare slurmctld slurmd sinfo scontrol munge unmunge munged
    mkdir -p "$state"
    state=$(realpath "$state")
    case $state/ in
        /tmp/*) die "state dir '$state' is under /tmp, which every node replaces with its own; use e.g. /var/tmp/..." ;;
    esac
    # enroot evaluates its config values as shell words: a path with spaces would split
    [[ $containers == 0 || $state =~ ^[A-Za-z0-9_./+-]+$ ]] \
        || die "--containers needs a state dir of letters, digits and ._+-/ only (got '$state')"

    local other
    other=$(other_cluster "$state")
    [[ -z $other ]] || die "another sparkfabric cluster is up (state $other); bring it down first: $PROG down --state $other"
    if [[ -f $state/nodes ]] || ip link show "$MGMT_BR" >/dev/null 2>&1; then
        log "a previous cluster is (partly) up; bringing it down first"
        cmd_down --state "$state"
    fi
    # keep munged.ours across the cleanup of a fresh state dir
    containers_clean "$state" || die "refusing state dir $state: what an earlier cluster left in it cannot be cleaned (above)"
    rm -rf "$state"/{ctld,spool,run,log,tmp,plugstack.conf.d,host-mounts,shm}

    local t0=$SECONDS
    echo "$n" >"$state/nodes"
    start_munge "$state"
    write_conf "$state" "$n" "$cpus" "$plugstack"
    [[ $containers == 0 ]] || containers_up "$state" "$n" "$plugstack"
    [[ $host == 0 ]] || write_host_mounts "$state" "$n"
    net_up "$n" "$twins" "$cages" "$ring"
    hosts_add "$n"
    names_up "$n"
    start_slurm "$state" "$n" "$roots"
    if ! wait_until "$UP_TIMEOUT" all_idle "$state" "$n"; then
        echo "$PROG: error: only $(idle_count "$state")/$n nodes idle after ${UP_TIMEOUT}s" >&2
        SLURM_CONF=$state/slurm.conf sinfo -N >&2 || true
        show_logs "$state"
        exit 1
    fi
    log "cluster up: $n nodes idle in $((SECONDS - t0)) s; source $state/env.sh"
}

cmd_down() {
    local state=$DEFAULT_STATE
    while (($#)); do
        case $1 in
            --state) state=${2:?--state needs a directory}; shift 2 ;;
            -h|--help) usage ;;
            *) die "unknown argument '$1'" ;;
        esac
    done
    [[ $(id -u) -eq 0 ]] || die "must run as root"
    [[ -d $state ]] && state=$(realpath "$state")
    local other
    other=$(other_cluster "$state")
    if [[ -d $state ]]; then
        if [[ -n $other ]]; then stop_slurm "$state" 0; else stop_slurm "$state" 1; fi
    fi
    # the steps are gone now: what their containers left can go (the rest is torn down anyway)
    local clean=0
    [[ ! -d $state ]] || containers_clean "$state" || clean=1
    if [[ -n $other ]]; then
        log "another cluster (state $other) owns the namespaces, bridges and munged; leaving them"
        rm -f "$state/nodes"
        return "$clean"
    fi
    net_down
    hosts_remove
    names_down
    if [[ -d $state ]]; then
        stop_munge "$state"
        rm -f "$state/nodes"
    fi
    ((clean == 0)) || die "cluster down, but its container state could not be cleaned (above)"
    log "cluster down"
}

cmd_link() {
    local updown=$1 node=${2:-}
    [[ -n $node ]] || die "link-$updown needs a node name"
    node_index "$node" >/dev/null
    require_ns "$node"
    ip -n "$(ns_of "$node")" link set "$FAB_IF" "$updown"
    log "$node $FAB_IF $updown"
}

cmd_exec() {
    local node=${1:-}
    [[ -n $node ]] || die "exec needs a node name and a command"
    shift
    (($#)) || die "exec needs a command"
    node_index "$node" >/dev/null
    require_ns "$node"
    local state=$DEFAULT_STATE binds=()
    # the same /tmp, /run/pyxis, enroot config and PATH as the node's jobs see
    [[ -d $state/tmp/$node ]] && binds+=("$state/tmp/$node" /tmp)
    mapfile -t -O "${#binds[@]}" binds < <(node_binds "$state" "$node")
    run_on_node "$state" "$node" "$(node_path "$state")" "${binds[@]}" -- "$@"
}

cmd_status() {
    local state=$DEFAULT_STATE
    [[ ${1:-} == --state ]] && state=${2:?--state needs a directory}
    [[ -f $state/slurm.conf ]] || die "no cluster config in $state"
    SLURM_CONF=$state/slurm.conf sinfo -N
}

main() {
    (($#)) || usage
    local sub=$1; shift
    case $sub in
        up) cmd_up "$@" ;;
        down) cmd_down "$@" ;;
        link-down) cmd_link down "${1:-}" ;;
        link-up) cmd_link up "${1:-}" ;;
        exec) cmd_exec "$@" ;;
        status) cmd_status "$@" ;;
        -h|--help|help) usage ;;
        *) die "unknown subcommand '$sub'" ;;
    esac
}

main "$@"
