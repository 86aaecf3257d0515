#!/usr/bin/env bash
# Makes a Debian 13 (trixie) root in ROOT: debootstrap from the Debian archive this machine's apt
# uses (scripts/debian-mirror), then, inside, apt installs what sparkfabric needs to build and to
# run its cluster tests there (Slurm 24.11, GCC 14, Python 3.13, torch 2.6, Open MPI as Debian 13
# ships them).
# A root made earlier with the same package list is kept, unless CI=true: CI builds it from
# nothing. Usage: root.sh ROOT   (SPARKFABRIC_DEBIAN_MIRROR overrides the mirror)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/mounts.sh"
root=${1:?usage: root.sh ROOT}
mirror=$("$here/../../scripts/debian-mirror")  # the archive this machine's apt uses
# debootstrap's own --include of many packages fails to configure them; apt inside does not.
packages=(
  build-essential cmake pkg-config python3
  libslurm-dev libyaml-cpp-dev libhwloc-dev nlohmann-json3-dev libgtest-dev
  slurmctld slurmd slurm-client munge iproute2 procps hostname util-linux passwd
  python3-torch openmpi-bin libopenmpi-dev
)
stamp="$root/.sparkfabric-root"
wanted="trixie ${packages[*]}"

[ "$(id -u)" -eq 0 ] || { echo "debian13: root.sh needs root (debootstrap, chroot)" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "debian13: debootstrap is missing (apt-get install debootstrap)" >&2; exit 1; }
if [ "${CI:-}" != true ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" == "$wanted" ]; then
    echo "debian13: reusing the root in $root"
    exit 0
fi
if [ -e "$root" ]; then
    chroot_umount "$root"  # never delete through a mount into the host
    rm -rf --one-file-system "$root"
fi
mkdir -p "$(dirname "$root")"
rm -rf --one-file-system "$root.tmp"  # left by an interrupted run
debootstrap --variant=minbase trixie "$root.tmp" "$mirror" >"$root.debootstrap.log" 2>&1 ||
    { tail -20 "$root.debootstrap.log" >&2; rm -rf --one-file-system "$root.tmp"; echo "debian13: debootstrap failed" >&2; exit 1; }
mv "$root.tmp" "$root"
# Daemons are started by the tests, never by package scripts in the chroot.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
cp /etc/resolv.conf "$root/etc/resolv.conf"
chroot_mount "$root"
trap 'chroot_umount "$root"' EXIT
chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${packages[@]}" >"$root.apt.log" 2>&1 ||
    { tail -30 "$root.apt.log" >&2; echo "debian13: apt-get install in the root failed" >&2; exit 1; }
chroot "$root" apt-get clean
echo "$wanted" >"$stamp"
echo "debian13: root ready in $root"
