#!/usr/bin/env bash
# A test image of container_stack.sh (a squashfs root) as a podman image, for the tests of
# `spark-launch --container-runtime podman`: imported once into a podman image store of the test
# user's that every emulated node reads as an additional, read-only image store (each node keeps
# its containers in a store of its own), and kept there while it is current.
#
# Usage: podman_image.sh NAME USER [ENV=VALUE]...
#   The image is localhost/sparkfabric-NAME; its ENV is the root's /etc/environment (where
#   docker build leaves an image's ENV) and then each ENV=VALUE. Prints the image store's folder,
#   for a storage.conf's additionalimagestores (one store per image and user, redone whole when
#   the image changes). Prints nothing else but errors; fast when cached.
#
# Environment: SF_PODMAN_CACHE (default /var/cache/sparkfabric/podman); container_stack.sh's
# SF_IMAGE_CACHE and the rest for the squashfs image itself.
set -euo pipefail

PROG=$(basename "$0")
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${SF_PODMAN_CACHE:-/var/cache/sparkfabric/podman}
LOCK_WAIT=${SF_CONTAINER_LOCK_WAIT:-1200}
IMPORT_TIMEOUT=900
# Bumped when the way the store is made changes, so that stores made the old way are redone.
RECIPE=1

die() { echo "$PROG: error: $*" >&2; exit 1; }

name=${1:-}
user=${2:-}
[[ $name =~ ^[a-z0-9-]+$ && -n $user ]] || die "usage: $PROG NAME USER [ENV=VALUE]..."
shift 2
for assignment in "$@"; do
    [[ $assignment =~ ^[A-Za-z_][A-Za-z0-9_]*=[^[:cntrl:]]*$ ]] || die "'$assignment' is not NAME=VALUE"
done
[[ $(id -u) -eq 0 ]] || die "run it as root: it imports as $user and writes $CACHE"
id -u "$user" >/dev/null 2>&1 || die "no user '$user'"
for command in podman unsquashfs tar runuser flock; do
    command -v "$command" >/dev/null 2>&1 || die "missing command '$command'; install with scripts/install-deps (as root)"
done

"$HERE/container_stack.sh" images "$name"
images=$(sed -n 's/^SF_IMAGES=//p' < <("$HERE/container_stack.sh" paths))
[[ -f $images/$name.sqsh && -f $images/$name.stamp ]] || die "no $name image in $images"

dir=$CACHE/$user/$name
store=$dir/storage
ref=localhost/sparkfabric-$name
(umask 022 && mkdir -p "$CACHE/$user")
install -d -o "$user" -m 755 "$dir"
# rootless podman takes its image folder from rootless_storage_path, not graphroot (containers/
# storage 1.43, types/options.go getRootlessStorageOpts); CONTAINERS_CONF replaces every other
# containers.conf (containers/common 0.50, pkg/config/config.go systemConfigs), so the user's
# own files play no part.
printf '[storage]\ndriver = "overlay"\nrootless_storage_path = "%s"\n' "$store" > "$dir/storage.conf"
printf '# sparkfabric test image store: podman defaults\n' > "$dir/containers.conf"
exec {lock_fd}>"$CACHE/.lock"
flock -w "$LOCK_WAIT" "$lock_fd" || die "another $PROG has held $CACHE/.lock for over $LOCK_WAIT s"

stamp=$({ echo "$RECIPE"; cat "$images/$name.stamp"; printf '%s\n' "$@"; } | sha256sum | cut -d' ' -f1)
# podman as the user on this store (an array, so that timeout can run it). The runtime folder
# stays the same: podman records it in the store's database at the first call and keeps using
# the recorded one. The pause process rootless podman leaves there (it holds the user namespace)
# is ended before the store is redone and when this script ends.
podman_here=(runuser -u "$user" -- env CONTAINERS_STORAGE_CONF="$dir/storage.conf"
             CONTAINERS_CONF="$dir/containers.conf" XDG_RUNTIME_DIR="$dir/run" podman)
work=""
end_pause() {
    local pid
    pid=$(cat "$dir/run/libpod/tmp/pause.pid" 2>/dev/null || true)
    [[ ! $pid =~ ^[0-9]+$ ]] || kill "$pid" 2>/dev/null || true
}
trap 'end_pause; [[ -z $work ]] || rm -rf -- "$work"' EXIT
install -d -o "$user" -m 700 "$dir/run"
current=$("${podman_here[@]}" image inspect --format '{{index .Labels "sparkfabric.stamp"}}' "$ref" 2>/dev/null || true)
if [[ $current != "$stamp" ]]; then
    end_pause
    mounts=$(findmnt -rn -o TARGET | awk -v d="$dir" 'index($0, d "/") == 1')
    [[ -z $mounts ]] || die "cannot redo $dir: still mounted there: $mounts"
    rm -rf -- "$store" "$dir/run"
    install -d -o "$user" -m 700 "$dir/run"
    work=$(mktemp -d /var/tmp/sparkfabric-podman-XXXXXX)
    unsquashfs -no-progress -d "$work/rootfs" "$images/$name.sqsh" >"$work/unsquashfs.log" 2>&1 \
        || { cat "$work/unsquashfs.log" >&2; die "unsquashfs of $images/$name.sqsh failed"; }
    changes=(--change "LABEL sparkfabric.stamp=$stamp")
    if [[ -f $work/rootfs/etc/environment ]]; then
        while IFS= read -r line; do
            [[ $line =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] && changes+=(--change "ENV ${line%%=*}=${line#*=}")
        done <"$work/rootfs/etc/environment"
    fi
    for assignment in "$@"; do changes+=(--change "ENV ${assignment%%=*}=${assignment#*=}"); done
    tar -C "$work/rootfs" -c . | timeout --kill-after=30 "$IMPORT_TIMEOUT" \
        "${podman_here[@]}" import "${changes[@]}" - "$ref" >"$work/import.log" 2>&1 \
        || { cat "$work/import.log" >&2; die "podman import of $name for $user failed"; }
fi
echo "$store"
