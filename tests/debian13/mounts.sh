# shellcheck shell=bash
# Sourced by tests/debian13/*.sh: the mounts a chroot needs to build and to run a cluster.
# The root itself is bind-mounted onto itself first: `ip netns exec` remounts / as a slave,
# which fails ("mount --make-rslave /: Invalid argument") unless the chroot's / is a mount point.

chroot_is_mounted() { mountpoint -q "$1"; }

chroot_mount() {  # ROOT
    local root=$1
    chroot_is_mounted "$root" && return 0
    mount --bind "$root" "$root"
    mount -t proc proc "$root/proc"
    mount --rbind /sys "$root/sys"
    mount --make-rslave "$root/sys"
    mount --bind /dev "$root/dev"
    mount --bind /dev/pts "$root/dev/pts"
    # The chroot's daemons (munged, slurmd) keep their sockets and pid files in its own /run.
    mount -t tmpfs tmpfs "$root/run"
    mkdir -m 1777 "$root/run/lock"  # /var/lock points here: the cluster tests' lock file
}

# Unmounts everything under ROOT, deepest first (ip netns mounts ROOT/run/netns, sometimes twice).
chroot_umount() {  # ROOT
    local root=$1 target targets=()
    root=$(realpath "$root")
    for _ in 1 2 3; do
        mapfile -t targets < <(findmnt -rn -o TARGET | grep -E "^${root}(/|$)" | sort -r)
        ((${#targets[@]})) || return 0
        for target in "${targets[@]}"; do
            umount "$target" 2>/dev/null || umount -l "$target" 2>/dev/null || true
        done
    done
    if findmnt -rn -o TARGET | grep -qE "^${root}(/|$)"; then
        echo "debian13: could not unmount everything under $root" >&2
        return 1
    fi
}
