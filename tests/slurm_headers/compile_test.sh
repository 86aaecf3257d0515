#!/usr/bin/env bash
# Compiles the sources that use Slurm's API (the plugin, spark-launch's hostlist) against other
# Slurm releases' headers, warnings as errors, without building or running anything: the check
# for the series that no real cluster here runs.
#   compile_test.sh [--suite SUITE]... [HEADER_DIR]...
# --suite fetches libslurm-dev from that Debian suite (default when no argument is given:
# unstable, Debian's newest Slurm) with apt on a private state directory (nothing is installed),
# from the Debian archive this machine's apt uses (scripts/debian-mirror; SPARKFABRIC_DEBIAN_MIRROR);
# a HEADER_DIR holds slurm/slurm.h, spank.h, slurm_errno.h and slurm_version.h of one release.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
mirror=$("$root/scripts/debian-mirror")  # the archive this machine's apt uses
suites=() dirs=()
while (($#)); do
    case $1 in
        --suite) suites+=("${2:?--suite needs a Debian suite}"); shift 2 ;;
        -*) echo "compile_test.sh: unknown option '$1'" >&2; exit 2 ;;
        *) dirs+=("$1"); shift ;;
    esac
done
((${#suites[@]} + ${#dirs[@]})) || suites=(unstable)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fetch_suite() {  # SUITE: prints the header dir of that suite's libslurm-dev
    local suite=$1 apt_dir="$work/apt-$1" arch
    arch=$(dpkg --print-architecture)
    mkdir -p "$apt_dir"/{lists/partial,archives/partial}
    : >"$apt_dir/status"
    echo "deb [arch=$arch] $mirror $suite main" >"$apt_dir/sources.list"
    local opts=(-o "Dir::State=$apt_dir" -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::State::status=$apt_dir/status"
                -o "Dir::Cache=$apt_dir" -o "Dir::Etc::SourceList=$apt_dir/sources.list"
                -o "Dir::Etc::SourceParts=$apt_dir/none" -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root")
    apt-get "${opts[@]}" -qq update >&2
    (cd "$apt_dir/archives" && apt-get "${opts[@]}" -qq download libslurm-dev >&2)
    dpkg-deb -x "$apt_dir"/archives/libslurm-dev_*.deb "$work/root-$suite"
    echo "$work/root-$suite/usr/include"
}

# Only the generated version header is needed from a build: make it here.
mkdir -p "$work/generated/fabric"
sed 's/@PROJECT_VERSION@/0/; s/@SPARKFABRIC_SLURM_VERSION@/check/' "$root/fabric/version.hpp.in" \
    >"$work/generated/fabric/version.hpp"
# Every source of the plugin (its headers bring in Slurm's), and spark-launch's that include one.
mapfile -t sources < <(cd "$root" && ls spank/*.cpp && grep -l '#include <slurm/' launcher/*.cpp)
((${#sources[@]})) || { echo "FAIL: no source includes a Slurm header" >&2; exit 1; }
for suite in "${suites[@]}"; do dirs+=("$(fetch_suite "$suite")"); done
status=0
for dir in "${dirs[@]}"; do
    if [ ! -f "$dir/slurm/spank.h" ] || [ ! -f "$dir/slurm/slurm_version.h" ]; then
        echo "FAIL: $dir has no slurm/spank.h and slurm/slurm_version.h" >&2
        status=1
        continue
    fi
    version=$(sed -n 's/^#define SLURM_VERSION_NUMBER 0x\([0-9a-f]\{2\}\)\([0-9a-f]\{2\}\)\([0-9a-f]\{2\}\).*/\1 \2 \3/p' \
        "$dir/slurm/slurm_version.h")
    read -r major minor micro <<<"$version"
    name=$(printf '%d.%02d.%d' "0x$major" "0x$minor" "0x$micro")
    failed=()
    for source in "${sources[@]}"; do
        "${CXX:-g++}" -std=c++20 -Wall -Wextra -Wshadow -Wformat=2 -Werror -fsyntax-only \
            -isystem "$dir" -I "$root" -I "$work/generated" "$root/$source" || failed+=("$source")
    done
    if ((${#failed[@]})); then
        echo "FAIL: Slurm $name headers: ${failed[*]} do not compile" >&2
        status=1
    else
        echo "PASS: ${sources[*]} compile against Slurm $name"
    fi
done
exit "$status"
