// `check --peer`: does the peer answer on the fabric, from our fabric address? Bounded in time.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "fabric/checks/checks.hpp"

namespace sparkfabric {

TcpConnect tcp_connect(const std::string& source_address, const std::string& host, int port, int timeout_ms) {
    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* resolved = nullptr;
    if (getaddrinfo(host.c_str(), nullptr, &hints, &resolved) != 0 || resolved == nullptr) {
        return {EHOSTUNREACH, "cannot resolve " + host};
    }
    sockaddr_in target = *reinterpret_cast<sockaddr_in*>(resolved->ai_addr);
    freeaddrinfo(resolved);
    target.sin_port = htons(static_cast<uint16_t>(port));

    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return {errno, std::string("socket: ") + std::strerror(errno)};
    if (!source_address.empty()) {
        sockaddr_in source{};
        source.sin_family = AF_INET;
        if (inet_pton(AF_INET, source_address.c_str(), &source.sin_addr) != 1 ||
            bind(fd, reinterpret_cast<sockaddr*>(&source), sizeof source) != 0) {
            close(fd);
            return {EADDRNOTAVAIL, "cannot bind to " + source_address};
        }
    }
    int error = connect(fd, reinterpret_cast<sockaddr*>(&target), sizeof target) == 0 ? 0 : errno;
    if (error == EINPROGRESS) {
        pollfd waiting{fd, POLLOUT, 0};
        if (poll(&waiting, 1, timeout_ms) == 0) {
            error = ETIMEDOUT;
        } else {
            socklen_t length = sizeof error;
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
        }
    }
    close(fd);
    return {error, ""};
}

Finding probe_peer(const std::string& source_address, const std::string& host, int port, int timeout_ms) {
    const std::string subject = host + ":" + std::to_string(port);
    auto failed = [&](const std::string& what) {
        return Finding{Severity::error, "peer-unreachable", subject, what + " from " + source_address,
                       "check the cable, both nodes' fabric addresses and subnets, and that the peer is up"};
    };
    const TcpConnect attempt = tcp_connect(source_address, host, port, timeout_ms);
    if (attempt.problem.rfind("cannot resolve", 0) == 0) {
        return {Severity::error, "peer-unknown", host, "cannot resolve the peer's address",
                "give the peer's fabric IPv4 address, or add its name to /etc/hosts"};
    }
    if (attempt.error == EADDRNOTAVAIL && !attempt.problem.empty()) return failed("cannot bind to the fabric address");
    if (!attempt.problem.empty()) return failed(attempt.problem);
    if (attempt.error == ETIMEDOUT) return failed("no answer within " + std::to_string(timeout_ms) + " ms");
    if (attempt.error == 0 || attempt.error == ECONNREFUSED) {
        return {Severity::info, "peer-answers", subject,
                std::string("answers on the fabric from ") + source_address +
                    (attempt.error == 0 ? " (connected)" : " (port closed, host reachable)"),
                ""};
    }
    return failed(std::strerror(attempt.error));
}

}  // namespace sparkfabric
