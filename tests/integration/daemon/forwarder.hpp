// Test support for the daemon suites: a loopback TCP forwarder in front of one anvil, so one
// chain can appear as two RPC endpoints ("primary" through the forwarder, "secondary" direct).
// kill() closes the listening socket and every forwarded connection at once, as a crashed
// provider would; the endpoint then refuses connections.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace keeper::test {

class TcpForwarder {
public:
    /// Listens on a free 127.0.0.1 port and forwards every connection to 127.0.0.1:`target_port`.
    explicit TcpForwarder(std::uint16_t target_port);
    ~TcpForwarder();
    TcpForwarder(const TcpForwarder&) = delete;
    TcpForwarder& operator=(const TcpForwarder&) = delete;

    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
    /// Closes the listener and all open connections; new connections are refused.
    void kill();

private:
    void accept_loop();
    void pump(int client, int upstream);

    std::uint16_t target_port_;
    std::uint16_t port_{0};
    int listener_{-1};
    int wake_[2]{-1, -1};  // self-pipe: kill() wakes every poll()
    std::atomic<bool> killed_{false};
    std::mutex mutex_;
    std::vector<int> sockets_;  // open forwarded sockets, closed by kill()
    std::vector<std::thread> threads_;
    std::thread acceptor_;
};

}  // namespace keeper::test
