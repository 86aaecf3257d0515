#!/usr/bin/env bash
# The Debian package as a site would use it: scripts/package builds the .deb, apt installs it,
# Debian's own /etc/slurm/plugstack.conf (which includes plugstack.conf.d/*.conf) loads the
# installed plugin into a real 2-node cluster, and a batch job runs the installed spark-launch.
# The package is purged again at the end. Usage: package_test.sh [BUILD_DIR] (unused)
set -euo pipefail
source "$(dirname "$0")/testlib.sh"
cluster_test_begin --no-build
command -v dpkg-deb >/dev/null || { echo "SKIP: not a Debian system (no dpkg-deb)" >&2; exit 77; }
if dpkg-query -W -f='${Status}' sparkfabric 2>/dev/null | grep -q 'ok installed'; then
    echo "SKIP: sparkfabric is installed on this machine already; this test will not replace it" >&2
    exit 77
fi
[ -f /etc/slurm/plugstack.conf ] || fail "/etc/slurm/plugstack.conf is missing (it comes with slurm-wlm-basic-plugins)"

test_case "the .deb"
deb=$("$root/scripts/package" | tail -1)
[ -f "$deb" ] || fail "scripts/package did not print a .deb (got '$deb')"
slurm_series=$(dpkg-query -W -f='${Version}' slurm-client | sed -n 's/^\([0-9]*\.[0-9]*\).*/\1/p')
[ -n "$slurm_series" ] || fail "slurm-client is not installed (scripts/install-deps installs it)"
depends=$(dpkg-deb -f "$deb" Depends)
assert_contains "$depends" "slurm-client (>= $slurm_series) | slurm-smd-client (>= $slurm_series)" \
    "Depends pins the Slurm release series, Debian's or SchedMD's client"
assert_contains "$(dpkg-deb -f "$deb" Version)" "+slurm$slurm_series" "the version names the Slurm series"
assert_eq "$(dpkg-deb -f "$deb" Architecture)" "$(dpkg --print-architecture)" "Architecture"
assert_contains "$depends" "libyaml-cpp" "Depends from dpkg-shlibdeps"
contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
plugin_dir=$(sed -n 's|^\.\(/.*\)/sparkfabric\.so$|\1|p' <<<"$contents")
for path in ./usr/bin/spark-fabric ./usr/bin/spark-launch ./etc/slurm/plugstack.conf.d/sparkfabric.conf \
            ./etc/slurm/sparkfabric.yaml.example ./etc/enroot/hooks.d/90-sparkfabric.sh; do
    assert_contains "$contents" "$path" "package contents"
done
[ -n "$plugin_dir" ] || fail "no sparkfabric.so in the package"
pass "$(basename "$deb"): Depends '$depends', plugin in $plugin_dir"

test_case "apt-get install"
purge() { DEBIAN_FRONTEND=noninteractive dpkg --purge sparkfabric >/dev/null 2>&1 || true; }
trap 'purge; sf_cluster_down' EXIT
trap 'purge; sf_cluster_down; exit 130' INT TERM
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$deb" >"$(dirname "$deb")/apt-install.log" 2>&1 ||
    { cat "$(dirname "$deb")/apt-install.log" >&2; fail "apt-get install $deb"; }
assert_contains "$(cat /etc/slurm/plugstack.conf.d/sparkfabric.conf)" "required $plugin_dir/sparkfabric.so" \
    "installed plugstack snippet names the installed plugin"
assert_contains "$(/usr/bin/spark-fabric --version)" "plugin built for Slurm $slurm_series" "spark-fabric --version"
assert_not_contains "$(ldd "$plugin_dir/sparkfabric.so")" "not found" "the installed plugin's libraries"
# enroot's hook runs the installed spark-fabric (never a build tree's), and is executable.
hook=/etc/enroot/hooks.d/90-sparkfabric.sh
[ -x "$hook" ] || fail "$hook is not installed as an executable"
assert_contains "$(cat "$hook")" 'exec "/usr/bin/spark-fabric" enroot-hook' "the installed enroot hook runs the installed spark-fabric"
assert_not_contains "$(cat "$hook")" "$root" "no build tree path in the installed enroot hook"
pass "apt-get install: spark-fabric, spark-launch, the plugin and Debian's plugstack.conf.d snippet"

test_case "the installed plugin in a 2-node cluster"
sf_cluster_up 2 --plugstack /etc/slurm/plugstack.conf
trap 'purge; sf_cluster_down' EXIT  # sf_cluster_up set its own
assert_contains "$(srun --help 2>&1)" "--fabric-check" "srun --help lists the installed plugin's options"
out=$(run_with_timeout 60 srun -N2 -l sh -c 'echo "$SPARKFABRIC_FABRIC_ADDR $NCCL_SOCKET_IFNAME"' | sort)
assert_eq "$out" "$(printf '0: 192.168.200.1 =enp1s0f1np1\n1: 192.168.200.2 =enp1s0f1np1')" "injected by the installed plugin"
capture run_with_timeout 60 srun -N1 --nccl-mode=fast true
assert_fails "$rc" "srun --nccl-mode=fast"
assert_contains "$out" "nccl-mode" "a bad option value is refused, naming the option"
pass "Debian's plugstack.conf loads the installed plugin: values injected on both nodes, bad values refused"

cat > "$SF_CLUSTER_STATE/package.sbatch" <<JOB
#!/bin/bash
#SBATCH -N2
/usr/bin/spark-launch --torchrun /usr/bin/torchrun --torchrun-arg=--redirects=1 --torchrun-arg=--tee=1 \
    torchrun -- $check_py
echo "torchrun exit \$?"
JOB
run_with_timeout 300 sbatch --wait -o "$SF_CLUSTER_STATE/package.out" "$SF_CLUSTER_STATE/package.sbatch" >/dev/null || true
out=$(cat "$SF_CLUSTER_STATE/package.out")
assert_contains "$out" "torchrun exit 0" "installed spark-launch torchrun"
assert_allreduce "$out" 2
pass "sbatch with the installed spark-launch: torchrun all_reduce on the fabric"

test_case "dpkg --purge"
sf_cluster_down
purge
for path in /usr/bin/spark-fabric /usr/bin/spark-launch "$plugin_dir/sparkfabric.so" \
            /etc/slurm/plugstack.conf.d/sparkfabric.conf; do
    [ ! -e "$path" ] || fail "$path is left after dpkg --purge"
done
pass "dpkg --purge removes every installed file"
