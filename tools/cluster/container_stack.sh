#!/usr/bin/env bash
# The container stack of the emulated cluster's container tests, as a Debian site runs it:
# NVIDIA enroot (the runtime) and pyxis (the SPANK plugin behind srun --container-image), built
# from their source tarballs, and small test images made without the internet.
#
# Usage:
#   container_stack.sh build             enroot and pyxis into the stack cache
#   container_stack.sh images [NAME...]  test images (default: plain baked torch) into the image cache
#   container_stack.sh paths             prints the stack's paths as shell assignments
#   (podman_image.sh makes a podman image of one of the images)
#
# Both caches are kept across runs (CI reuses them on the same machine) and rebuilt only when
# their inputs change: the stack when the tarballs' names or the Slurm version do, an image when
# its recipe does. Everything prints nothing but errors, and is fast when cached.
#
# Environment:
#   SPARKFABRIC_THIRD_PARTY_DIR  folder with enroot-*.tar.gz and pyxis-*.tar.gz
#                                (default: <repo>/../shared/third_party)
#   SF_CONTAINER_CACHE           stack cache (default /var/cache/sparkfabric/containers)
#   SF_IMAGE_CACHE               image cache (default /var/cache/sparkfabric/images)
#   SF_CONTAINER_LOCK_WAIT       seconds to wait for another build to finish (default 1200)
#
# Images (world-readable squashfs, every file owned by root):
#   plain.sqsh  busybox-static root: /bin/sh and the applets, a printenv (the applet is missing),
#               /etc/passwd, /etc/group, an empty /dev, /etc/sparkfabric-image ("plain");
#               no /etc/os-release, nothing NCCL-related.
#   baked.sqsh  plain, plus what images built on other clusters carry: /etc/environment with
#               NCCL_SOCKET_IFNAME=eth0 NCCL_IB_HCA=mlx5_9 GLOO_SOCKET_IFNAME=eth0 NCCL_DEBUG=WARN
#               NCCL_VERSION=2.21.5, /etc/nccl.conf (line 1 NCCL_IB_USE_INLINE=1, line 2
#               NCCL_SOCKET_IFNAME=eth0, line 3 a comment),
#               /usr/lib/<multiarch>/libnccl-net.so and an old libnccl.so.2 -> libnccl.so.2.27.3.
#   torch.sqsh  Debian 12 minbase (debootstrap from this machine's apt mirror) with
#               python3-torch (CPU); /etc/sparkfabric-image ("torch").
set -euo pipefail

PROG=$(basename "$0")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
THIRD_PARTY=${SPARKFABRIC_THIRD_PARTY_DIR:-$ROOT/../shared/third_party}
STACK=${SF_CONTAINER_CACHE:-/var/cache/sparkfabric/containers}
IMAGES=${SF_IMAGE_CACHE:-/var/cache/sparkfabric/images}
LOCK_WAIT=${SF_CONTAINER_LOCK_WAIT:-1200}
# Bumped when the way the stack is built changes, so that caches built the old way are redone.
STACK_RECIPE=1
TORCH_SUITE=bookworm
ALL_IMAGES=(plain baked torch)
# A stuck download or build must fail, not hang (seconds; each is several times the usual).
DEBOOTSTRAP_TIMEOUT=900
APT_TIMEOUT=900
MAKE_TIMEOUT=1200
SQUASH_TIMEOUT=900

die() { echo "$PROG: error: $*" >&2; exit 1; }

usage() {
    sed -n '6,9p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

# need CMD:PACKAGE...: every command present, else one message naming the missing ones.
need() {
    local item missing=()
    for item in "$@"; do
        command -v "${item%%:*}" >/dev/null 2>&1 || missing+=("'${item%%:*}' (Debian package ${item#*:})")
    done
    ((${#missing[@]} == 0)) || die "missing command ${missing[*]}; install with scripts/install-deps (as root)"
}

need_root() {  # WHAT WHY
    [[ $(id -u) -eq 0 ]] || die "$1 needs root ($2); run it as root or with sudo"
}

# One build at a time per cache: a second caller waits (bounded), then finds the cache ready.
take_lock() {  # DIR
    # world-readable folders whatever root's umask: the jobs read the cache as their own user
    (umask 022 && mkdir -p "$1")
    exec {lock_fd}>"$1/.lock"
    flock -w "$LOCK_WAIT" "$lock_fd" \
        || die "another $PROG has held $1/.lock for over $LOCK_WAIT s; wait for it or stop it (fuser -v $1/.lock)"
}

# run_logged LOG CMD...: CMD's output goes to LOG; on failure its tail says why.
run_logged() {
    local log=$1; shift
    if ! "$@" >>"$log" 2>&1; then
        tail -n 30 "$log" >&2
        die "'$*' failed (full log: $log)"
    fi
}

# A folder is removed only when nothing is mounted at or under it (a stray mount would make
# rm -rf delete through it into the mounted file system).
remove_tree() {  # DIR
    local dir=$1 mounts
    [[ -e $dir ]] || return 0
    mounts=$(findmnt -rn -o TARGET | awk -v d="$dir" '$0 == d || index($0, d "/") == 1')
    [[ -z $mounts ]] || die "cannot remove $dir: still mounted there: $mounts; unmount (umount -l PATH) and retry"
    rm -rf -- "$dir"
}

# ---------------------------------------------------------------- the stack

tarball() {  # NAME: the one NAME-*.tar.gz of the third-party folder
    local found=()
    [[ -d $THIRD_PARTY ]] || die "no third-party folder at $THIRD_PARTY; set SPARKFABRIC_THIRD_PARTY_DIR to the folder with the enroot and pyxis tarballs"
    mapfile -t found < <(find "$THIRD_PARTY" -maxdepth 1 -name "$1-*.tar.gz" | sort)
    ((${#found[@]} == 1)) || die "expected one $1-*.tar.gz in $THIRD_PARTY, found ${#found[@]}"
    echo "${found[0]}"
}

slurm_version() {
    local header=/usr/include/slurm/slurm_version.h
    [[ -f $header ]] || die "no $header: pyxis builds against Slurm's headers; install libslurm-dev (scripts/install-deps)"
    local number
    number=$(sed -n 's/^#define SLURM_VERSION_NUMBER 0x\([0-9a-fA-F]*\).*/\1/p' "$header")
    [[ -n $number ]] || die "no SLURM_VERSION_NUMBER in $header"
    # 0x160508 -> 22.05.8
    printf '%d.%02d.%d\n' $((16#$number >> 16 & 255)) $((16#$number >> 8 & 255)) $((16#$number & 255))
}

stack_stamp() {  # ENROOT_TARBALL PYXIS_TARBALL SLURM_VERSION
    printf 'recipe %s\nenroot %s\npyxis %s\nslurm %s\n' "$STACK_RECIPE" "$(basename "$1")" "$(basename "$2")" "$3"
}

stack_current() { [[ -f $STACK/stamp && $(cat "$STACK/stamp") == "$1" ]]; }

build_enroot() {  # TARBALL SRC LOG
    local tarball=$1 src=$2 log=$3 t0=$SECONDS
    tar -xzf "$tarball" -C "$src"
    # enroot's Makefile runs `git submodule update`: keep git from finding a repository above
    # the build folder (the tarball has the submodules filled in already).
    GIT_CEILING_DIRECTORIES=$src run_logged "$log" timeout --kill-after=30 "$MAKE_TIMEOUT" \
        make -C "$src/enroot" -j2 prefix="$STACK/enroot" install
    echo "$PROG: enroot built in $((SECONDS - t0)) s" >>"$log"
}

build_pyxis() {  # TARBALL SRC LOG
    local tarball=$1 src=$2 log=$3 t0=$SECONDS
    tar -xzf "$tarball" -C "$src"
    run_logged "$log" timeout --kill-after=30 "$MAKE_TIMEOUT" make -C "$src/pyxis"
    install -D -m 644 "$src/pyxis/spank_pyxis.so" "$STACK/pyxis/spank_pyxis.so"
    echo "$PROG: pyxis built in $((SECONDS - t0)) s" >>"$log"
}

cmd_build() {
    (($# == 0)) || die "build takes no arguments"
    need make:make cc:build-essential tar:tar gzip:gzip flock:util-linux findmnt:util-linux timeout:coreutils \
        unsquashfs:squashfs-tools gawk:gawk parallel:parallel pigz:pigz mountpoint:util-linux \
        lsns:util-linux column:bsdextrautils getent:libc-bin grpck:passwd pwck:passwd
    # each on its own line: a failure inside $(...) stops the script only there
    local enroot_tar pyxis_tar slurm stamp
    enroot_tar=$(tarball enroot)
    pyxis_tar=$(tarball pyxis)
    slurm=$(slurm_version)
    stamp=$(stack_stamp "$enroot_tar" "$pyxis_tar" "$slurm")
    stack_current "$stamp" && return 0
    need_root build "it writes $STACK"
    take_lock "$(dirname "$STACK")"
    stack_current "$stamp" && return 0  # built by the caller we waited for
    # enroot's paths are compiled into its script, so it is built at its final place; the stamp,
    # written last, is what says the build is whole: without it the next run starts over.
    remove_tree "$STACK"
    mkdir -p "$STACK/src"
    local log=$STACK/build.log
    : >"$log"
    build_enroot "$enroot_tar" "$STACK/src" "$log"
    build_pyxis "$pyxis_tar" "$STACK/src" "$log"
    remove_tree "$STACK/src"
    chmod -R a+rX "$STACK"
    printf '%s\n' "$stamp" >"$STACK/stamp"
}

cmd_paths() {
    printf 'SF_CONTAINER_CACHE=%q\n' "$STACK"
    printf 'SF_ENROOT_BIN=%q\n' "$STACK/enroot/bin"
    printf 'SF_ENROOT_SYSCONF=%q\n' "$STACK/enroot/etc/enroot"
    printf 'SF_ENROOT_CONF_D=%q\n' "$STACK/enroot/etc/enroot/enroot.conf.d"
    printf 'SF_PYXIS_SO=%q\n' "$STACK/pyxis/spank_pyxis.so"
    printf 'SF_IMAGES=%q\n' "$IMAGES"
}

# ---------------------------------------------------------------- images

multiarch() {
    dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch 2>/dev/null \
        || die "cannot tell this machine's multiarch folder: install dpkg-dev or gcc"
}

busybox_path() {
    local bb
    bb=$(command -v busybox) || die "missing command 'busybox' (Debian package busybox-static)"
    # The image has no libc: a dynamically linked busybox would not start in it.
    if ldd "$bb" >/dev/null 2>&1; then
        die "$bb is dynamically linked; install busybox-static (scripts/install-deps)"
    fi
    echo "$bb"
}

# The Debian mirror this machine installs from (scripts/debian-mirror reads the apt sources).
debian_mirror() {
    "$ROOT/scripts/debian-mirror" || die "no Debian mirror found for the torch image (see above)"
}

add_printenv() {  # FILE: printenv [NAME...] as a script, busybox's awk doing the work
    cat >"$1" <<'EOF'
#!/bin/sh
# printenv [NAME...]: busybox's awk stands in for the missing applet
[ $# -gt 0 ] || exec env
rc=0
for name in "$@"; do
    awk -v n="$name" 'BEGIN { if (n in ENVIRON) { print ENVIRON[n]; exit 0 } exit 1 }' || rc=1
done
exit $rc
EOF
    chmod 755 "$1"
}

rootfs_busybox() {  # ROOTFS NAME: a libc-free root with busybox's applets
    local r=$1 name=$2 bb applet
    bb=$(busybox_path)
    mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,etc,dev,proc,sys,root,home,run,var/tmp}
    install -d -m 1777 "$r/tmp"
    install -m 755 "$bb" "$r/bin/busybox"
    for applet in $("$bb" --list-full); do
        [[ -e $r/$applet ]] || ln -s /bin/busybox "$r/$applet"
    done
    # Debian's busybox-static has no printenv applet; tests ask for variables with it
    [[ -e $r/usr/bin/printenv || -L $r/usr/bin/printenv ]] || add_printenv "$r/usr/bin/printenv"
    printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >"$r/etc/passwd"
    printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' >"$r/etc/group"
    echo "$name" >"$r/etc/sparkfabric-image"
}

rootfs_plain() { rootfs_busybox "$1" plain; }

# What an image built on another cluster brings along: its NCCL settings and an old NCCL.
rootfs_baked() {
    local r=$1 lib
    rootfs_busybox "$r" baked
    cat >"$r/etc/environment" <<'EOF'
NCCL_SOCKET_IFNAME=eth0
NCCL_IB_HCA=mlx5_9
GLOO_SOCKET_IFNAME=eth0
NCCL_DEBUG=WARN
NCCL_VERSION=2.21.5
EOF
    # line 1 NCCL_IB_USE_INLINE, line 2 NCCL_SOCKET_IFNAME, line 3 a comment: tests name the lines
    cat >"$r/etc/nccl.conf" <<'EOF'
NCCL_IB_USE_INLINE=1
NCCL_SOCKET_IFNAME=eth0
# NCCL settings of the cluster this image was built on
EOF
    lib=$r/usr/lib/$MULTIARCH
    mkdir -p "$lib"
    echo "stand-in NCCL net plugin (not a real library)" >"$lib/libnccl-net.so"
    echo "stand-in NCCL 2.27.3 (not a real library)" >"$lib/libnccl.so.2.27.3"
    ln -s libnccl.so.2.27.3 "$lib/libnccl.so.2"
}

# Debian 12 with Debian's python3-torch. debootstrap and the chroot's apt run in a private
# mount namespace: whatever they mount (/proc, /sys, /dev) vanishes with it, even when killed,
# so nothing is ever left mounted under the folder that is deleted afterwards.
rootfs_torch() {
    local r=$1 mirror
    need debootstrap:debootstrap chroot:coreutils unshare:util-linux timeout:coreutils
    mirror=$(debian_mirror)
    mkdir -p "$r"
    run_logged "$r.log" timeout --kill-after=30 "$DEBOOTSTRAP_TIMEOUT" unshare --mount --propagation private \
        debootstrap --variant=minbase "$TORCH_SUITE" "$r" "$mirror"
    cp /etc/resolv.conf "$r/etc/resolv.conf"
    # no daemon starts inside a chroot
    printf '#!/bin/sh\nexit 101\n' >"$r/usr/sbin/policy-rc.d"
    chmod 755 "$r/usr/sbin/policy-rc.d"
    # shellcheck disable=SC2016
    run_logged "$r.log" timeout --kill-after=30 "$APT_TIMEOUT" unshare --mount --propagation private sh -c '
        set -e
        mount -t proc proc "$1/proc"
        mount -t sysfs sysfs "$1/sys"
        mount --bind /dev "$1/dev"
        chroot "$1" env DEBIAN_FRONTEND=noninteractive LC_ALL=C apt-get update -q
        chroot "$1" env DEBIAN_FRONTEND=noninteractive LC_ALL=C apt-get install -y -q --no-install-recommends python3-torch
        chroot "$1" apt-get clean' sh "$r"
    rm -f "$r/usr/sbin/policy-rc.d" "$r/etc/resolv.conf"
    rm -rf "$r"/var/lib/apt/lists/* "$r"/var/cache/apt/*.bin "$r"/tmp/* "$r"/var/tmp/*
    # An unprivileged `enroot create` cannot make device nodes: /dev stays empty.
    find "$r/dev" -mindepth 1 -delete
    echo torch >"$r/etc/sparkfabric-image"
}

# An image's stamp: a hash of its recipe (the functions that build it) and of its inputs.
image_stamp() {  # NAME
    {
        declare -f "rootfs_$1" squash
        case $1 in
            torch) echo "$TORCH_SUITE" ;;
            *) declare -f rootfs_busybox add_printenv; dpkg-query -W busybox-static 2>/dev/null || true; echo "$MULTIARCH" ;;
        esac
    } | sha256sum | cut -d' ' -f1
}

squash() {  # ROOTFS IMAGE LOG
    run_logged "$3" timeout --kill-after=30 "$SQUASH_TIMEOUT" mksquashfs "$1" "$2" -comp gzip -all-root -noappend -no-progress
    chmod 644 "$2"
}

image_current() { [[ -f $IMAGES/$1.sqsh && -f $IMAGES/$1.stamp && $(cat "$IMAGES/$1.stamp") == "$2" ]]; }

build_image() {  # NAME
    local name=$1 stamp work
    stamp=$(image_stamp "$name")
    image_current "$name" "$stamp" && return 0
    # Built under a temporary name and renamed at the end: an interrupted build never leaves a
    # half image that a later run would take for a good one.
    work=$(mktemp -d "$IMAGES/.build-$name.XXXXXX")
    "rootfs_$name" "$work/rootfs"
    squash "$work/rootfs" "$work/$name.sqsh" "$work/rootfs.log"
    rm -f "$IMAGES/$name.stamp"
    mv -f "$work/$name.sqsh" "$IMAGES/$name.sqsh"
    printf '%s\n' "$stamp" >"$IMAGES/$name.stamp"
    chmod 644 "$IMAGES/$name.stamp"
    remove_tree "$work"
}

cmd_images() {
    local names=("$@") name work
    ((${#names[@]})) || names=("${ALL_IMAGES[@]}")
    for name in "${names[@]}"; do
        [[ " ${ALL_IMAGES[*]} " == *" $name "* ]] || die "unknown image '$name' (known: ${ALL_IMAGES[*]})"
    done
    need mksquashfs:squashfs-tools sha256sum:coreutils flock:util-linux findmnt:util-linux ldd:libc-bin timeout:coreutils
    MULTIARCH=$(multiarch)
    local todo=() stamp
    for name in "${names[@]}"; do
        stamp=$(image_stamp "$name")
        image_current "$name" "$stamp" || todo+=("$name")
    done
    ((${#todo[@]})) || return 0
    need_root images "it writes $IMAGES; torch.sqsh is made with debootstrap and chroot"
    take_lock "$IMAGES"
    # what an interrupted build left behind
    for work in "$IMAGES"/.build-*; do [[ -e $work ]] && remove_tree "$work"; done
    for name in "${todo[@]}"; do build_image "$name"; done
}

main() {
    (($#)) || usage
    local sub=$1; shift
    case $sub in
        build) cmd_build "$@" ;;
        images) cmd_images "$@" ;;
        paths) cmd_paths "$@" ;;
        -h|--help|help) usage ;;
        *) die "unknown subcommand '$sub' (build, images or paths)" ;;
    esac
}

main "$@"
