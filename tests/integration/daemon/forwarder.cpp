#include "forwarder.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <stdexcept>

namespace keeper::test {
namespace {

int connect_loopback(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

bool write_all(int fd, const char* data, std::size_t size) {
    while (size > 0) {
        const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

}  // namespace

TcpForwarder::TcpForwarder(std::uint16_t target_port) : target_port_(target_port) {
    if (::pipe2(wake_, O_CLOEXEC) != 0) throw std::runtime_error("forwarder: pipe2 failed");
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener_ < 0) throw std::runtime_error("forwarder: socket failed");
    const int one = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = 0;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listener_, 64) != 0)
        throw std::runtime_error("forwarder: bind/listen failed");
    socklen_t len = sizeof addr;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
}

TcpForwarder::~TcpForwarder() {
    kill();
    if (acceptor_.joinable()) acceptor_.join();
    for (auto& t : threads_) t.join();
    ::close(wake_[0]);
    ::close(wake_[1]);
}

void TcpForwarder::kill() {
    if (killed_.exchange(true)) return;
    const char byte = 'k';
    [[maybe_unused]] const ssize_t n = ::write(wake_[1], &byte, 1);
    std::lock_guard lock(mutex_);
    ::shutdown(listener_, SHUT_RDWR);
    for (int fd : sockets_) ::shutdown(fd, SHUT_RDWR);
}

void TcpForwarder::accept_loop() {
    for (;;) {
        std::array<pollfd, 2> fds{pollfd{listener_, POLLIN, 0}, pollfd{wake_[0], POLLIN, 0}};
        if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) break;
        if (killed_ || (fds[1].revents & POLLIN)) break;
        if (!(fds[0].revents & POLLIN)) continue;
        const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) continue;
        const int upstream = connect_loopback(target_port_);
        if (upstream < 0) {
            ::close(client);
            continue;
        }
        std::lock_guard lock(mutex_);
        if (killed_) {
            ::close(client);
            ::close(upstream);
            break;
        }
        sockets_.push_back(client);
        sockets_.push_back(upstream);
        threads_.emplace_back([this, client, upstream] { pump(client, upstream); });
    }
    ::close(listener_);
}

void TcpForwarder::pump(int client, int upstream) {
    std::array<char, 16384> buf{};
    // Per connection: once a request was swallowed (kHang) or its response cut (kStall), the
    // HTTP exchange on this connection can never complete, so the connection stays that way.
    bool hung = false;
    bool stalling = false;    // a request was forwarded in kStall mode: cut its response
    std::size_t matched = 0;  // bytes of "\r\n\r\n" seen at the end of the response so far
    bool cut = false;         // header block and first body byte passed: swallow the rest
    static constexpr char kHeaderEnd[] = "\r\n\r\n";
    for (;;) {
        std::array<pollfd, 3> fds{pollfd{client, POLLIN, 0}, pollfd{upstream, POLLIN, 0},
                                  pollfd{wake_[0], POLLIN, 0}};
        if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) break;
        if (killed_) break;
        bool closed = false;
        for (int i = 0; i < 2 && !closed; ++i) {
            if (!(fds[static_cast<std::size_t>(i)].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            const int from = i == 0 ? client : upstream;
            const int to = i == 0 ? upstream : client;
            const ssize_t n = ::recv(from, buf.data(), buf.size(), 0);
            if (n <= 0) {
                closed = true;
                break;
            }
            auto size = static_cast<std::size_t>(n);
            if (i == 0) {  // client -> upstream: a request
                const Mode mode = mode_.load();
                if (hung || mode == Mode::kHang) {
                    hung = true;
                    ++hung_reads_;
                    continue;
                }
                if (mode == Mode::kStall) stalling = true;
            } else if (stalling) {  // upstream -> client: the response to cut
                if (cut) continue;
                std::size_t pass = 0;
                while (pass < size && matched < 4) {
                    matched = buf[pass] == kHeaderEnd[matched] ? matched + 1 : (buf[pass] == '\r' ? 1 : 0);
                    ++pass;
                }
                if (matched == 4 && pass < size) {  // the header block is out: one byte of the body
                    ++pass;
                    cut = true;
                    ++stalled_;
                }
                size = pass;
            }
            if (i == 1 && size > 0) {
                const auto delay = delay_ms_.load();
                if (delay > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay));
            }
            if (size > 0 && !write_all(to, buf.data(), size)) closed = true;
        }
        if (closed) break;
    }
    std::lock_guard lock(mutex_);
    std::erase(sockets_, client);
    std::erase(sockets_, upstream);
    ::close(client);
    ::close(upstream);
}

}  // namespace keeper::test
