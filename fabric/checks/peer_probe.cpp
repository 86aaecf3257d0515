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

Finding probe_peer(const std::string& source_address, const std::string& host, int port, int timeout_ms) {
    const std::string subject = host + ":" + std::to_string(port);
    auto failed = [&](const std::string& what) {
        return Finding{Severity::error, "peer-unreachable", subject, what + " from " + source_address,
                       "check the cable, both nodes' fabric addresses and subnets, and that the peer is up"};
    };
    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* resolved = nullptr;
    if (getaddrinfo(host.c_str(), nullptr, &hints, &resolved) != 0 || resolved == nullptr) {
        return {Severity::error, "peer-unknown", host, "cannot resolve the peer's address",
                "give the peer's fabric IPv4 address, or add its name to /etc/hosts"};
    }
    sockaddr_in target = *reinterpret_cast<sockaddr_in*>(resolved->ai_addr);
    freeaddrinfo(resolved);
    target.sin_port = htons(static_cast<uint16_t>(port));

    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return failed(std::string("socket: ") + std::strerror(errno));
    sockaddr_in source{};
    source.sin_family = AF_INET;
    if (inet_pton(AF_INET, source_address.c_str(), &source.sin_addr) != 1 ||
        bind(fd, reinterpret_cast<sockaddr*>(&source), sizeof source) != 0) {
        close(fd);
        return failed("cannot bind to the fabric address");
    }
    int result = connect(fd, reinterpret_cast<sockaddr*>(&target), sizeof target);
    int error = result == 0 ? 0 : errno;
    if (error == EINPROGRESS) {
        pollfd waiting{fd, POLLOUT, 0};
        const int ready = poll(&waiting, 1, timeout_ms);
        if (ready == 0) {
            close(fd);
            return failed("no answer within " + std::to_string(timeout_ms) + " ms");
        }
        socklen_t length = sizeof error;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
    }
    close(fd);
    if (error == 0 || error == ECONNREFUSED) {
        return {Severity::info, "peer-answers", subject,
                std::string("answers on the fabric from ") + source_address +
                    (error == 0 ? " (connected)" : " (port closed, host reachable)"),
                ""};
    }
    return failed(std::strerror(error));
}

}  // namespace sparkfabric
