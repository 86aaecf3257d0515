#include "tcp_bcast.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <thread>

namespace sparkfabric::ncclcheck {
namespace {

using Clock = std::chrono::steady_clock;

// A peer says who it is before rank 0 answers, so a stray connection (a port scanner, a
// torch TCPStore client on a reused port) is skipped and a wrongly launched rank is named.
constexpr std::uint32_t kMagic = 0x53464e43;  // "SFNC"
constexpr std::uint32_t kProtocol = 1;
constexpr std::uint32_t kAccepted = 0;
constexpr std::uint32_t kRejected = 1;

enum HeaderField { kFieldMagic, kFieldProtocol, kFieldRank, kFieldWorldSize, kFieldBlobSize,
                   kHeaderFields };

class Fd {
public:
    explicit Fd(int fd = -1) : fd_(fd) {}
    ~Fd() { reset(); }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }
    int release() {
        int fd = fd_;
        fd_ = -1;
        return fd;
    }
    void reset(int fd = -1) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = fd;
    }

private:
    int fd_;
};

int ms_left(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

std::string sys_error(const std::string& what) { return what + ": " + std::strerror(errno); }

// Waits for `events` on fd until the deadline; false on timeout or error.
bool wait_for(int fd, short events, Clock::time_point deadline) {
    for (;;) {
        pollfd p{fd, events, 0};
        int rc = ::poll(&p, 1, ms_left(deadline));
        if (rc > 0) return true;
        if (rc == 0) return false;
        if (errno != EINTR) return false;
    }
}

bool send_all(int fd, const void* data, std::size_t size, Clock::time_point deadline) {
    const char* p = static_cast<const char*>(data);
    while (size > 0) {
        if (!wait_for(fd, POLLOUT, deadline)) return false;
        ssize_t n = ::send(fd, p, size, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

bool recv_all(int fd, void* data, std::size_t size, Clock::time_point deadline) {
    char* p = static_cast<char*>(data);
    while (size > 0) {
        if (!wait_for(fd, POLLIN, deadline)) return false;
        ssize_t n = ::recv(fd, p, size, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;  // 0: the other side closed
        p += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

bool send_u32s(int fd, const std::uint32_t* values, std::size_t n, Clock::time_point deadline) {
    std::uint32_t wire[8];
    for (std::size_t i = 0; i < n; ++i) wire[i] = htonl(values[i]);
    return send_all(fd, wire, n * sizeof(std::uint32_t), deadline);
}

bool recv_u32s(int fd, std::uint32_t* values, std::size_t n, Clock::time_point deadline) {
    std::uint32_t wire[8];
    if (!recv_all(fd, wire, n * sizeof(std::uint32_t), deadline)) return false;
    for (std::size_t i = 0; i < n; ++i) values[i] = ntohl(wire[i]);
    return true;
}

// Dual-stack listener when IPv6 exists, plain IPv4 otherwise.
bool open_listener(int port, Fd& listener, std::string& error) {
    Fd fd(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (fd.get() >= 0) {
        int off = 0, on = 1;
        ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
        ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
        sockaddr_in6 addr{};
        addr.sin6_family = AF_INET6;
        addr.sin6_addr = in6addr_any;
        addr.sin6_port = htons(static_cast<std::uint16_t>(port));
        if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
            listener.reset(fd.release());
        } else if (errno == EADDRINUSE) {
            error = "rank 0 cannot listen on port " + std::to_string(port) +
                    ": address in use (torchrun's own store may hold MASTER_PORT; pass --port "
                    "with a free port, the same on every rank)";
            return false;
        }
    }
    if (listener.get() < 0) {
        Fd fd4(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (fd4.get() < 0) {
            error = sys_error("socket");
            return false;
        }
        int on = 1;
        ::setsockopt(fd4.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_ANY);
        addr.sin_port = htons(static_cast<std::uint16_t>(port));
        if (::bind(fd4.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
            error = sys_error("rank 0 cannot bind port " + std::to_string(port)) +
                    (errno == EADDRINUSE ? " (pass --port with a free port, the same on every rank)"
                                         : "");
            return false;
        }
        listener.reset(fd4.release());
    }
    if (::listen(listener.get(), 128) != 0) {
        error = sys_error("listen");
        return false;
    }
    return true;
}

bool serve(const TcpBroadcastParams& params, const std::vector<char>& blob, std::string& error) {
    const auto deadline = Clock::now() + std::chrono::seconds(params.timeout_s);
    Fd listener;
    if (!open_listener(params.port, listener, error)) return false;

    std::vector<bool> served(static_cast<std::size_t>(params.world_size), false);
    int remaining = params.world_size - 1;
    while (remaining > 0) {
        if (!wait_for(listener.get(), POLLIN, deadline)) {
            std::string missing;
            for (int r = 1; r < params.world_size && missing.size() < 200; ++r)
                if (!served[static_cast<std::size_t>(r)]) {
                    missing += ' ';  // appended apart: GCC 12 misreports " " + string (-Wrestrict)
                    missing += std::to_string(r);
                }
            error = "timed out after " + std::to_string(params.timeout_s) + " s waiting for " +
                    std::to_string(remaining) + " rank(s) on port " + std::to_string(params.port) +
                    "; missing:" + missing;
            return false;
        }
        Fd peer(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
        if (peer.get() < 0) continue;

        // A slow or silent client must not hold up the others for the whole timeout.
        auto header_deadline = std::min(deadline, Clock::now() + std::chrono::seconds(5));
        std::uint32_t header[kHeaderFields] = {};
        if (!recv_u32s(peer.get(), header, kHeaderFields, header_deadline) ||
            header[kFieldMagic] != kMagic) {
            continue;  // not one of ours
        }
        const std::uint32_t rank = header[kFieldRank];
        const std::uint32_t world_size = header[kFieldWorldSize];
        std::string problem;
        if (header[kFieldProtocol] != kProtocol)
            problem = "peer speaks protocol " + std::to_string(header[kFieldProtocol]);
        else if (world_size != static_cast<std::uint32_t>(params.world_size))
            problem = "rank " + std::to_string(rank) + " says WORLD_SIZE=" +
                      std::to_string(world_size) + ", rank 0 has " +
                      std::to_string(params.world_size);
        else if (rank == 0 || rank >= world_size)
            problem = "a peer claims rank " + std::to_string(rank);
        else if (served[rank])
            problem = "two processes claim rank " + std::to_string(rank);
        else if (header[kFieldBlobSize] != blob.size())
            problem = "id size mismatch (" + std::to_string(header[kFieldBlobSize]) + " vs " +
                      std::to_string(blob.size()) + "): mixed builds?";
        if (!problem.empty()) {
            std::uint32_t status = kRejected;
            send_u32s(peer.get(), &status, 1, header_deadline);
            error = "bootstrap: " + problem;
            return false;
        }
        std::uint32_t status = kAccepted;
        if (!send_u32s(peer.get(), &status, 1, deadline) ||
            !send_all(peer.get(), blob.data(), blob.size(), deadline)) {
            error = "bootstrap: sending the id to rank " + std::to_string(rank) + " failed";
            return false;
        }
        served[rank] = true;
        --remaining;
    }
    return true;
}

// Connects to rank 0, retrying while it is not listening yet (ranks start in any order).
bool connect_to_root(const TcpBroadcastParams& params, Clock::time_point deadline, Fd& out,
                     std::string& error) {
    std::string last = "no attempt made";
    while (Clock::now() < deadline) {
        addrinfo hints{};
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        addrinfo* list = nullptr;
        std::string port = std::to_string(params.port);
        int rc = ::getaddrinfo(params.master_addr.c_str(), port.c_str(), &hints, &list);
        if (rc != 0) {
            last = "cannot resolve MASTER_ADDR '" + params.master_addr + "': " + gai_strerror(rc);
        } else {
            for (addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
                Fd fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol));
                if (fd.get() < 0) continue;
                if (::connect(fd.get(), ai->ai_addr, ai->ai_addrlen) == 0) {
                    ::freeaddrinfo(list);
                    out.reset(fd.release());
                    return true;
                }
                last = sys_error("connect to " + params.master_addr + ":" + port);
            }
            ::freeaddrinfo(list);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    error = "timed out after " + std::to_string(params.timeout_s) +
            " s reaching rank 0 (last error: " + last + ")";
    return false;
}

bool fetch(const TcpBroadcastParams& params, std::vector<char>& blob, std::string& error) {
    const auto deadline = Clock::now() + std::chrono::seconds(params.timeout_s);
    Fd fd;
    if (!connect_to_root(params, deadline, fd, error)) return false;
    int on = 1;
    ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    const std::uint32_t header[kHeaderFields] = {kMagic, kProtocol, static_cast<std::uint32_t>(params.rank),
                                     static_cast<std::uint32_t>(params.world_size),
                                     static_cast<std::uint32_t>(blob.size())};
    std::uint32_t status = kRejected;
    if (!send_u32s(fd.get(), header, kHeaderFields, deadline) || !recv_u32s(fd.get(), &status, 1, deadline)) {
        error = "bootstrap: no answer from rank 0 at " + params.master_addr + ":" +
                std::to_string(params.port) + " (rank 0 gave up, or something else listens there)";
        return false;
    }
    if (status != kAccepted) {
        error = "bootstrap: rank 0 rejected rank " + std::to_string(params.rank) +
                " (see rank 0's error; check RANK/WORLD_SIZE)";
        return false;
    }
    if (!recv_all(fd.get(), blob.data(), blob.size(), deadline)) {
        error = "bootstrap: connection to rank 0 closed before the id arrived";
        return false;
    }
    return true;
}

}  // namespace

bool tcp_broadcast(const TcpBroadcastParams& params, std::vector<char>& blob, std::string& error) {
    if (params.world_size < 1 || params.rank < 0 || params.rank >= params.world_size) {
        error = "bootstrap: rank " + std::to_string(params.rank) + " outside world size " +
                std::to_string(params.world_size);
        return false;
    }
    if (params.world_size == 1) return true;
    return params.rank == 0 ? serve(params, blob, error) : fetch(params, blob, error);
}

}  // namespace sparkfabric::ncclcheck
