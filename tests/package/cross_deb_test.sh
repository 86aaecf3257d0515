#!/usr/bin/env bash
# `scripts/package --arch ARCH` on this machine (a cross build) gives a .deb a machine of ARCH
# can install: its control fields and contents are checked here, as dpkg on the target would
# read them. Usage: cross_deb_test.sh [ARCH]   (default arm64)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
arch=${1:-arm64}
source "$here/../lib/assert.sh"

triplet=$(dpkg-architecture -a"$arch" -qDEB_HOST_MULTIARCH 2>/dev/null) || fail "'$arch' is not a Debian architecture"
processor=${triplet%%-*}
native=$(dpkg --print-architecture)
[ "$arch" != "$native" ] || { echo "SKIP: $arch is this machine's own architecture: no cross build to check" >&2; exit 77; }
deb=$("$root/scripts/package" --arch "$arch" | tail -1)
[ -f "$deb" ] || fail "scripts/package --arch $arch printed no .deb (got '$deb')"
sysroot=${SPARKFABRIC_SYSROOT_CACHE:-/var/cache/sparkfabric/sysroot-$arch}
# The Slurm series the package is for: the target's libslurm-dev, as unpacked into the sysroot.
slurm_version=$(sed -n 's/^#define SLURM_VERSION_NUMBER 0x\([0-9a-f]\{2\}\)\([0-9a-f]\{2\}\).*/\1 \2/p' \
    "$sysroot/usr/include/slurm/slurm_version.h")
[ -n "$slurm_version" ] || fail "no SLURM_VERSION_NUMBER in the sysroot's slurm_version.h"
read -r major minor <<<"$slurm_version"
series=$(printf '%d.%02d' "0x$major" "0x$minor")
next=$(printf '%d.%02d' "0x$major" "$((0x$minor + 1))")

# Control fields.
assert_eq "$(dpkg-deb -f "$deb" Architecture)" "$arch" "Architecture"
assert_eq "$(dpkg-deb -f "$deb" Package)" "sparkfabric" "Package"
version=$(dpkg-deb -f "$deb" Version)
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+\+slurm${series//./\\.}$ ]] || fail "Version '$version' does not name Slurm $series"
assert_eq "$(basename "$deb")" "sparkfabric_${version}_${arch}.deb" "file name"
depends=$(dpkg-deb -f "$deb" Depends)
assert_contains "$depends" "slurm-client (>= $series) | slurm-smd-client (>= $series)" "Depends: either Slurm client of the series"
assert_contains "$depends" "slurm-client (<< $next) | slurm-smd-client (<< $next)" "Depends: no later series"
# Library dependencies come from dpkg-shlibdeps reading the target's packages, with versions.
for lib in 'libc6' 'libstdc\+\+6' 'libgcc-s1' 'libyaml-cpp[0-9.]+' 'libhwloc[0-9]+' 'libslurm[0-9]+'; do
    pattern="(^|, )$lib \(>= [^)]+\)"
    [[ $depends =~ $pattern ]] || fail "Depends lacks a versioned ${lib//\\/}: '$depends'"
done
assert_not_contains "$depends" "cross" "Depends names no cross-toolchain package"
pass "$(basename "$deb"): Architecture $arch, Version $version, Depends '$depends'"

# Installable: apt, as on a fresh $arch machine of this Debian release (an empty package
# database and the release's $arch archive, kept by scripts/cross-sysroot in SYSROOT.apt),
# resolves every dependency and would install the package.
apt_dir="$sysroot.apt"
[ -d "$apt_dir/lists" ] || fail "no apt state for $arch in $apt_dir (scripts/cross-sysroot keeps it)"
simulated=$(apt-get -o "APT::Architecture=$arch" -o "APT::Architectures::=$arch" -o "Dir::State=$apt_dir" \
    -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::State::status=$apt_dir/status" -o "Dir::Cache=$apt_dir" \
    -o "Dir::Etc::SourceList=$apt_dir/etc/sources.list" -o "Dir::Etc::SourceParts=$apt_dir/etc/none" \
    -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root" -s install "$deb" 2>&1) ||
    { printf '%s\n' "$simulated" >&2; fail "apt cannot install $(basename "$deb") on $arch"; }
assert_contains "$simulated" "Inst sparkfabric ($version" "apt would install the package"
assert_contains "$simulated" "Inst slurm-client (" "apt would install the Slurm client of the series"
pass "apt resolves its dependencies on a fresh $arch system"

# Contents: every binary is built for the target, the plugin is in the target's Slurm plugin
# directory (read from the target's libslurm), and the plugstack snippet names it there.
plugin_dir=$(LC_ALL=C strings "$sysroot/usr/lib/$triplet/libslurm.so" | grep -E "^/usr/lib/$triplet/slurm(-wlm)?$" || true)
plugin_dir=${plugin_dir%%$'\n'*}
[ -n "$plugin_dir" ] || fail "the sysroot's libslurm names no plugin directory"
unpacked=$(mktemp -d)
trap 'rm -rf "$unpacked"' EXIT
dpkg-deb -x "$deb" "$unpacked"
contents=$(cd "$unpacked" && find . -type f | sort)
for path in ./usr/bin/spark-fabric ./usr/bin/spark-launch ".$plugin_dir/sparkfabric.so" \
            ./etc/slurm/plugstack.conf.d/sparkfabric.conf ./etc/slurm/sparkfabric.yaml.example; do
    assert_contains "$contents" "$path" "package contents"
done
assert_not_contains "$contents" "$sysroot" "no sysroot path in the package"
for binary in usr/bin/spark-fabric usr/bin/spark-launch "${plugin_dir#/}/sparkfabric.so"; do
    machine=$(LC_ALL=C readelf -h "$unpacked/$binary" | sed -n 's/^ *Machine: *//p')
    # readelf's name for each processor a Spark cluster's package is built for; no catch-all,
    # so a binary for any other machine (the build host's, say) fails here.
    case "$processor:$machine" in
        aarch64:AArch64 | x86_64:*X86-64*) ;;
        *) fail "$binary is built for '$machine', not $processor" ;;
    esac
    interp=$(LC_ALL=C readelf -l "$unpacked/$binary" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
    assert_not_contains "$interp" "$sysroot" "$binary's program interpreter"
done
snippet=$(grep -v '^#' "$unpacked/etc/slurm/plugstack.conf.d/sparkfabric.conf")
assert_contains "$snippet" "required $plugin_dir/sparkfabric.so" "plugstack snippet names the plugin"
pass "contents: $processor binaries, plugin in $plugin_dir, snippet names it"

# The plugin exports what Slurm's loader looks up, for the series it names.
symbols=$(LC_ALL=C readelf --dyn-syms -W "$unpacked$plugin_dir/sparkfabric.so" | awk '{print $8}')
for symbol in plugin_name plugin_type plugin_version slurm_spank_init slurm_spank_task_init; do
    grep -qx "$symbol" <<<"$symbols" || fail "the plugin does not export $symbol"
done
# From 25.05 a failing init would drain the node unless the plugin says to fail the job instead.
if (( (0x$major << 8 | 0x$minor) >= (25 << 8 | 5) )); then
    grep -qx slurm_spank_init_failure_mode <<<"$symbols" || fail "the plugin for Slurm $series does not export slurm_spank_init_failure_mode"
fi
pass "the $arch plugin exports the SPANK entry points"
