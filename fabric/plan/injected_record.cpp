#include "fabric/plan/injected_record.hpp"

#include <sstream>

#include "fabric/common/validate.hpp"

namespace sparkfabric {
namespace {

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

bool unescape(const std::string& text, std::string& out) {
    out.clear();
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out += text[i];
            continue;
        }
        if (i + 2 >= text.size()) return false;  // a '%' needs two hex digits after it
        const int high = hex_digit(text[i + 1]);
        const int low = hex_digit(text[i + 2]);
        if (high < 0 || low < 0) return false;
        out += static_cast<char>(high * 16 + low);
        i += 2;
    }
    return true;
}

}  // namespace

std::string encode_injected_record(const std::vector<PlannedVariable>& injected) {
    static const char* digits = "0123456789ABCDEF";
    std::string text;
    for (const auto& variable : injected) {
        if (!is_valid_env_name(variable.name) || variable.name == kInjectedRecordName) continue;
        if (!text.empty()) text += ' ';
        text += variable.name + "=";
        for (const unsigned char c : variable.value) {
            if (c == '%' || c == ' ' || c < 0x20 || c == 0x7f) {
                text += '%';
                text += digits[c >> 4];
                text += digits[c & 15];
            } else {
                text += static_cast<char>(c);
            }
        }
    }
    return text;
}

std::map<std::string, std::string> decode_injected_record(const std::string& text) {
    std::map<std::string, std::string> record;
    std::istringstream entries(text);
    std::string entry;
    while (entries >> entry) {
        const auto equals = entry.find('=');
        if (equals == std::string::npos) continue;
        const std::string name = entry.substr(0, equals);
        std::string value;
        if (!is_valid_env_name(name) || name == kInjectedRecordName) continue;  // never one of ours
        if (!unescape(entry.substr(equals + 1), value)) continue;
        record[name] = value;
    }
    return record;
}

namespace {

bool could_be_ours(const std::string& name) {
    for (const char* prefix : {"NCCL_", "UCX_", "OMPI_MCA_", "GLOO_", "TP_", "SPARKFABRIC_"}) {
        if (name.rfind(prefix, 0) == 0) return true;
    }
    return false;
}

}  // namespace

std::map<std::string, std::string> read_injected_record(const EnvLookup& environment,
                                                        const std::set<std::string>& site_names) {
    std::map<std::string, std::string> record;
    for (auto& [name, value] : decode_injected_record(environment(kInjectedRecordName).value_or(""))) {
        if (could_be_ours(name) || site_names.count(name) != 0) record[name] = value;
    }
    return record;
}

std::map<std::string, std::string> users_values(const EnvLookup& environment, const SiteConfig& config,
                                                const std::map<std::string, std::string>& record) {
    std::vector<std::string> names = plannable_variable_names();
    for (const auto& [name, value] : config.extra_env) names.push_back(name);
    std::map<std::string, std::string> values;
    for (const auto& name : names) {
        const auto value = environment(name);
        if (!value || value->empty()) continue;  // an empty value is no value: the plan sets it
        const auto recorded = record.find(name);
        if (recorded != record.end() && recorded->second == *value) continue;  // ours, from an earlier step
        values[name] = *value;
    }
    return values;
}

}  // namespace sparkfabric
