#include "fabric/discovery/image_probe.hpp"

#include <regex>
#include <sstream>
#include <stdexcept>

namespace sparkfabric {
namespace {

// The directories are those of discovery/software.cpp (software_query, library_dirs,
// python_package_dirs: LD_PRELOAD, LD_LIBRARY_PATH, the job's Python environments from
// VIRTUAL_ENV, CONDA_PREFIX, the first python3 on PATH and ~/.local, then the system's), so
// the rebuilt tree holds everything discover_software would look at in the image. Each
// function's variables are global (POSIX sh has no `local`): their names do not repeat.
constexpr const char* kScript = R"SH(echo 'sparkfabric-image-probe 1'
printf 'machine\t%s\n' "$(uname -m 2>/dev/null)"
found() {
    for f do
        [ -e "$f" ] || continue
        t=$(readlink -f "$f" 2>/dev/null) || t=$f
        printf 'link\t%s\t%s\n' "$f" "${t:-$f}"
    done
}
version_of() {
    for m in "$1/METADATA" "$1/PKG-INFO"; do
        [ -f "$m" ] || continue
        while IFS= read -r v; do
            case $v in 'Version: '*) printf 'meta\t%s\t%s\n' "$1" "${v#Version: }"; return 0;; esac
        done <"$m"
    done
}
show_file() {
    [ -f "$1" ] && [ -r "$1" ] || return 0
    printf 'file\t%s\n' "$1"
    n=0
    while [ "$n" -lt 4096 ] && { IFS= read -r l || [ -n "$l" ]; }; do
        printf '+%s\n' "$l"
        n=$((n + 1))
    done <"$1"
}
saved_ifs=$IFS
# each_entry FUNCTION SEPARATORS LIST: FUNCTION on every absolute entry of LIST split at the
# SEPARATORS, unglobbed (globbing and IFS are back to normal inside FUNCTION).
each_entry() {
    ee_function=$1 ee_separators=$2
    IFS=$ee_separators
    set -f
    for ee_entry in $3; do
        set +f
        IFS=$saved_ifs
        case $ee_entry in /*) "$ee_function" "$ee_entry";; esac
        IFS=$ee_separators
        set -f
    done
    set +f
    IFS=$saved_ifs
}
library_dir() { found "$1"/libnccl.so.2 "$1"/libnccl-net*.so*; }
first_python() {
    if [ -z "$py_prefix" ] && [ -x "$1/python3" ]; then found "$1/python3"; py_prefix=${1%/*}; fi
}
each_entry library_dir : "${LD_LIBRARY_PATH:-}"
each_entry found ': ' "${LD_PRELOAD:-}"
py_prefix=
each_entry first_python : "${PATH:-}"
for d in /usr/lib/*-linux-gnu /lib/*-linux-gnu /usr/lib64 /usr/local/cuda/lib64 /usr/local/lib /usr/lib; do
    library_dir "$d"
done
python_packages() {
    for p do
        [ -d "$p" ] || continue
        found "$p"/nvidia/nccl/lib/libnccl.so.2
        for i in "$p"/nvidia_nccl_cu*.dist-info "$p"/torch-*.*-info; do
            [ -d "$i" ] && version_of "$i"
        done
    done
}
for pre in "${VIRTUAL_ENV:-}" "${CONDA_PREFIX:-}" "$py_prefix" "${HOME:+$HOME/.local}"; do
    case $pre in /*) python_packages "$pre"/lib/python3*/site-packages;; esac
done
python_packages /usr/local/lib/python3*/dist-packages /usr/local/lib/python3*/site-packages /usr/lib/python3/dist-packages \
    /usr/lib/python3*/site-packages
if [ -n "${NCCL_CONF_FILE:-}" ]; then show_file "$NCCL_CONF_FILE"; elif [ -n "${HOME:-}" ]; then show_file "$HOME/.nccl.conf"; fi
show_file /etc/nccl.conf
show_file /etc/environment
if [ -r /proc/net/dev ]; then
    while IFS= read -r l; do
        case $l in *:*) l=${l%%:*}; printf 'net\t%s\n' "${l##* }";; esac
    done </proc/net/dev
fi
if env -0 >/dev/null 2>&1; then echo env0; exec env -0; fi
echo env
exec env
)SH";

constexpr const char* kBegin = "sparkfabric-image-probe 1\n";

// NAME=VALUE entries, split by `separator`; a name must look like one.
void read_environment(const std::string& text, char separator, std::map<std::string, std::string>& environment) {
    static const std::regex name("[A-Za-z_][A-Za-z0-9_]*");
    std::stringstream entries(text);
    for (std::string entry; std::getline(entries, entry, separator);) {
        const auto equals = entry.find('=');
        if (equals == std::string::npos || !std::regex_match(entry.substr(0, equals), name)) continue;
        environment[entry.substr(0, equals)] = entry.substr(equals + 1);
    }
}

std::vector<std::string> fields(const std::string& line) {
    std::vector<std::string> parts;
    std::stringstream stream(line);
    for (std::string part; std::getline(stream, part, '\t');) parts.push_back(part);
    return parts;
}

}  // namespace

const char* image_probe_script() { return kScript; }

ImageProbe parse_image_probe(const std::string& output) {
    const auto begin = output.find(kBegin);
    if (begin == std::string::npos) throw std::runtime_error("the image probe printed nothing it could read");
    ImageProbe probe;
    size_t at = begin + std::char_traits<char>::length(kBegin);
    std::string* file = nullptr;  // the file whose "+" lines follow
    while (at < output.size()) {
        const auto end = output.find('\n', at);
        const std::string line = output.substr(at, end == std::string::npos ? std::string::npos : end - at);
        at = end == std::string::npos ? output.size() : end + 1;
        if (line == "env0" || line == "env") {
            read_environment(output.substr(at), line == "env0" ? '\0' : '\n', probe.environment);
            return probe;
        }
        if (!line.empty() && line[0] == '+') {
            if (file != nullptr) *file += line.substr(1) + "\n";
            continue;
        }
        file = nullptr;
        const auto parts = fields(line);
        if (parts.size() == 2 && parts[0] == "machine") probe.machine = parts[1];
        if (parts.size() == 3 && parts[0] == "link") probe.links.emplace_back(parts[1], parts[2]);
        if (parts.size() == 3 && parts[0] == "meta") probe.versions.emplace_back(parts[1], parts[2]);
        if (parts.size() == 2 && parts[0] == "file") file = &probe.files[parts[1]];
        if (parts.size() == 2 && parts[0] == "net") probe.interfaces.push_back(parts[1]);
    }
    throw std::runtime_error("the image probe's output stops before the environment: it was cut off");
}

std::map<std::string, std::string> parse_etc_environment(const std::string& text) {
    static const std::regex line_form("[ \t]*([A-Za-z_][A-Za-z0-9_]*)=(.*)");
    static const std::regex quoted("[\"'](.*)[\"'][ \t]*");
    std::map<std::string, std::string> environment;
    std::stringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        std::smatch match;
        if (!std::regex_match(line, match, line_form)) continue;  // comments, blanks, ill-formed
        const std::string name = match[1].str();
        if (name.rfind("ENROOT_", 0) == 0) continue;
        std::string value = match[2].str();
        std::smatch inner;
        if (std::regex_match(value, inner, quoted)) value = inner[1].str();
        environment[name] = value;
    }
    return environment;
}

}  // namespace sparkfabric
