#include "launcher/kinds/ray_image.hpp"

#include <fstream>
#include <sstream>

#include "launcher/request/launch_request.hpp"
#include "launcher/run/program_paths.hpp"

namespace sparkfabric::launch {
namespace {

// Arguments: ROLE ADDRESS JOIN_TIMEOUT PYTHON, then "COUNT ARG..." groups: 0 ray start, 1 ray
// stop, and on the head 2 the wait for all nodes, 3 the user's command. A long command runs in
// the background (a subshell that execs it, so that $! is the command itself) so that a trapped
// signal interrupts `wait` at once; the trap passes SIGTERM on to it.
constexpr const char* kRayImageScript = R"SH(role=$1 address=$2 timeout=$3 python=$4; shift 4
node=${SLURMD_NODENAME:-$(hostname)}
say() { echo "spark-launch: $node: $*" >&2; }
group() {
  how=$1 k=$2; shift 2
  while [ "$k" -gt 0 ]; do n=$1; shift; shift "$n"; k=$((k - 1)); done
  n=$1; shift; total=$#; i=0
  for a do
    if [ "$i" -lt "$n" ]; then set -- "$@" "$a"; fi
    i=$((i + 1))
  done
  shift "$total"
  if [ "$how" = exec ]; then exec "$@"; fi
  "$@"
}
stopped= pid=
trap 'stopped=1; [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null' TERM INT HUP
wait_for() {
  while :; do
    wait "$pid"; status=$?
    kill -0 "$pid" 2>/dev/null || return "$status"
  done
}
status=0
if [ "$role" = head ]; then
  group run 0 "$@" || { status=$?; group run 1 "$@"; exit "$status"; }
  (group exec 2 "$@") & pid=$!; wait_for; status=$?
  if [ "$status" -eq 0 ] && [ -z "$stopped" ]; then
    RAY_ADDRESS=$address; export RAY_ADDRESS
    (group exec 3 "$@") & pid=$!; wait_for; status=$?
  fi
else
  "$python" -c '
import socket, sys, time
host, port = sys.argv[1].rsplit(":", 1)
deadline = time.monotonic() + float(sys.argv[2])
while True:
    try:
        socket.create_connection((host, int(port)), 1).close()
        sys.exit(0)
    except OSError:
        if time.monotonic() >= deadline:
            sys.exit(1)
        time.sleep(1)
' "$address" "$timeout" & pid=$!; wait_for; status=$?
  [ -n "$stopped" ] && exit 0
  if [ "$status" -ne 0 ]; then
    say "Ray's head at $address did not answer within $timeout s; see the head's output (its ray start)"
    exit 1
  fi
  group run 0 "$@" || { status=$?; group run 1 "$@"; [ -n "$stopped" ] && exit 0; say "ray start failed (exit $status)"; exit "$status"; }
  "$python" -c '
import socket, sys, time
host, port = sys.argv[1].rsplit(":", 1)
misses = 0
while misses < 3:
    time.sleep(2)
    try:
        socket.create_connection((host, int(port)), 1).close()
        misses = 0
    except OSError:
        misses += 1
' "$address" & pid=$!; wait_for
  status=0
fi
if group run 1 "$@" >/dev/null 2>&1; then say "Ray stopped here (ray stop)"; else say "ray stop failed"; fi
exit "$status"
)SH";

void add_group(Argv& argv, const Argv& command) {
    argv.push_back(std::to_string(command.size()));
    argv.insert(argv.end(), command.begin(), command.end());
}

std::string wait_helper_text() {
    const std::string path = sparkfabric_data_file("ray_wait_nodes.py");
    std::ifstream file(path);
    std::ostringstream text;
    text << file.rdbuf();
    if (!file || text.str().empty()) {
        throw LaunchError("cannot read " + path + " (installed with spark-launch): reinstall sparkfabric");
    }
    return text.str();
}

}  // namespace

Argv ray_image_command(const RayNodeCommands& commands, const NodeRole& role, int join_timeout, const std::string& python) {
    Argv argv{"sh", "-c", kRayImageScript, "sparkfabric-ray", role.rank == 0 ? "head" : "worker", commands.address,
              std::to_string(join_timeout), python};
    add_group(argv, commands.start);
    add_group(argv, commands.stop);
    if (role.rank == 0) {
        // The helper's text, not its host path: the image does not have the file.
        add_group(argv, {python, "-c", wait_helper_text(), commands.address, std::to_string(role.nnodes),
                         std::to_string(join_timeout)});
        add_group(argv, commands.program);
    }
    return argv;
}

}  // namespace sparkfabric::launch
