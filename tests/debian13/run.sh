#!/usr/bin/env bash
# CI's Debian 13 stage: sparkfabric built and tested on a second, newer real system. A Debian 13
# root (tests/debian13/root.sh: Slurm 24.11, GCC 14, Python 3.13, torch 2.6) gets a copy of this
# checkout; inside it the project is built with warnings as errors, its unit tests run, and then
# its real-cluster tests with Slurm 24.11's own daemons, one slurmd per network namespace: the
# plugin (2 and 10 nodes), spark-launch (torchrun on 2 and 10 nodes, mpirun, srun), steps in
# shared allocations, the examples, a switchless ring and spark-fabric survey (see the end).
# Prints how long each stage took.
# Usage: run.sh [ROOT]   (default $SPARKFABRIC_DEBIAN13_ROOT, else /var/cache/sparkfabric/debian13;
# kept between local runs, made from nothing when CI=true). SPARKFABRIC_DEBIAN13_CLUSTER_TESTS=
# 'launch|survey' runs only those cluster tests (default: every one listed at the end).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
source "$here/mounts.sh"
root=${1:-${SPARKFABRIC_DEBIAN13_ROOT:-/var/cache/sparkfabric/debian13}}
[ "$(id -u)" -eq 0 ] || { echo "SKIP: the Debian 13 stage needs root (debootstrap, chroot, namespaces)" >&2; exit 77; }

stage_start=$SECONDS
stage_done() { echo "debian13: $1 took $((SECONDS - stage_start)) s"; stage_start=$SECONDS; }

"$here/root.sh" "$root"
stage_done "root (debootstrap and apt)"

chroot_mount "$root"
trap 'chroot_umount "$root"' EXIT
trap 'chroot_umount "$root"; exit 130' INT TERM
# The checkout's files (tracked and new, not ignored) are copied in: nothing run in the root can
# write to the checkout.
# slurmctld answers srun and salloc at this machine's name: it must resolve in the root as it
# does outside, or their steps never complete and the nodes drain ("Kill task failed").
name=$(hostname)
if ! chroot "$root" getent hosts "$name" >/dev/null; then
    addr=$(getent hosts "$name" | awk '{print $1; exit}')
    [ -n "$addr" ] || { echo "debian13: this machine's name '$name' does not resolve" >&2; exit 1; }
    printf '%s\t%s\n' "$addr" "$name" >>"$root/etc/hosts"
fi
src=/src/sparkfabric
# Fresh every run: the copy keeps the checkout's file times, so a build dir kept from an older
# copy can look newer than an edited header and keep objects built against the old one.
rm -rf "${root:?}$src"
mkdir -p "$root$src"
(cd "$repo" && git ls-files -z --cached --others --exclude-standard |
    tar --null --ignore-failed-read -T - -cf -) | tar -C "$root$src" -xf -
inside() {  # COMMAND: runs in the root, in the copy of the checkout
    chroot "$root" env -i HOME=/root LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        bash -c "cd $src && $1"
}
inside 'echo "Debian $(cat /etc/debian_version), $(g++ --version | head -1), Slurm $(dpkg-query -W -f="\${Version}" libslurm-dev), $(python3 --version), torch $(python3 -c "import torch; print(torch.__version__)")"'
inside 'nice -n 10 scripts/build build-debian13 -DSPARKFABRIC_NCCL_CHECK=OFF'
stage_done "build (GCC 14, Slurm 24.11 headers)"
inside 'cd build-debian13 && ctest --output-on-failure --no-tests=error -L unit'
stage_done "unit tests"
# Namespace, bridge and node names are global to the machine, and the root's /var/lock is not
# this machine's: the cluster inside the root takes the lock the cluster tests outside it take
# (tools/cluster/session.sh), here, outside. flock -o keeps the lock out of the daemons started
# in the root. Left out: cluster.harness (its hand-written torchrun line cannot rendezvous on a
# torch without libuv; spark-launch's torchrun_legacy_store.py is what covers that),
# cluster.hostfile (needs sshd) and cluster.package (needs file(1) and builds everything again).
flock -o /var/lock/sparkfabric-cluster.lock chroot "$root" env -i HOME=/root LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    bash -c "cd $src/build-debian13 && ctest --output-on-failure --no-tests=error -R '^cluster\.(${SPARKFABRIC_DEBIAN13_CLUSTER_TESTS:-plugin|launch|steps|injection|examples|ring|survey})\$'"
stage_done "cluster tests (${SPARKFABRIC_DEBIAN13_CLUSTER_TESTS:-plugin; spark-launch torchrun on 2 and 10 nodes, mpirun, srun; steps, injection, examples, ring, survey})"
