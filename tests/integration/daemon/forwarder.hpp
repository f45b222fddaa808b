// Test support for the daemon and rpc suites: a loopback TCP forwarder in front of one anvil, so
// one chain can appear as two RPC endpoints ("primary" through the forwarder, "secondary" direct).
// kill() closes the listening socket and every forwarded connection at once, as a crashed
// provider would; the endpoint then refuses connections.
// set_mode() turns it into a provider that is up but not answering, the failure a refused
// connection does not cover:
//   kHang  - connections are accepted and requests read, but nothing is forwarded or answered
//            (a node that hung, or one that would answer after 30 s);
//   kStall - requests are forwarded, but of each response only the header block and the first
//            body byte come back, then nothing (stalled mid-response; the connection stays open);
//   kForward (the default) - a transparent pipe again, for connections opened from then on and
//            for the requests of open ones that were not already hung or stalled.
// set_response_delay() makes it a healthy but slow provider instead: every chunk of a response
// is held back that long before it is passed on.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace keeper::test {

class TcpForwarder {
public:
    enum class Mode : std::uint8_t { kForward, kHang, kStall };

    /// Listens on a free 127.0.0.1 port and forwards every connection to 127.0.0.1:`target_port`.
    explicit TcpForwarder(std::uint16_t target_port);
    ~TcpForwarder();
    TcpForwarder(const TcpForwarder&) = delete;
    TcpForwarder& operator=(const TcpForwarder&) = delete;

    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
    /// Closes the listener and all open connections; new connections are refused.
    void kill();
    /// Changes how requests are treated from now on (see the file comment).
    void set_mode(Mode mode) noexcept { mode_.store(mode); }
    [[nodiscard]] Mode mode() const noexcept { return mode_.load(); }
    /// Holds every response chunk back this long (0: none), in any mode that passes it on.
    void set_response_delay(std::chrono::milliseconds delay) noexcept { delay_ms_.store(delay.count()); }
    /// Reads from clients that were swallowed in kHang mode (each at least one request).
    [[nodiscard]] std::uint64_t hung_reads() const noexcept { return hung_reads_.load(); }
    /// Responses cut after their header block in kStall mode.
    [[nodiscard]] std::uint64_t stalled_responses() const noexcept { return stalled_.load(); }

private:
    void accept_loop();
    void pump(int client, int upstream);

    std::uint16_t target_port_;
    std::uint16_t port_{0};
    int listener_{-1};
    int wake_[2]{-1, -1};  // self-pipe: kill() wakes every poll()
    std::atomic<bool> killed_{false};
    std::atomic<Mode> mode_{Mode::kForward};
    std::atomic<std::chrono::milliseconds::rep> delay_ms_{0};
    std::atomic<std::uint64_t> hung_reads_{0};
    std::atomic<std::uint64_t> stalled_{0};
    std::mutex mutex_;
    std::vector<int> sockets_;  // open forwarded sockets, closed by kill()
    std::vector<std::thread> threads_;
    std::thread acceptor_;
};

}  // namespace keeper::test
