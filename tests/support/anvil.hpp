// Test support: a local anvil node for the duration of a test (RAII).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace keeper::test {

struct AnvilOptions {
    std::string binary;  // path of the anvil executable
    std::uint64_t chain_id{31337};
    std::optional<unsigned> block_time;  // seconds between blocks; automine when unset
    std::uint16_t port{0};               // 0: a free loopback port picked at runtime
    std::vector<std::string> extra_args;
};

#ifdef KEEPER_ANVIL
/// Options naming the anvil found at configure time (test executables define KEEPER_ANVIL).
inline AnvilOptions anvil_options() {
    AnvilOptions o;
    o.binary = KEEPER_ANVIL;
    return o;
}
#endif

/// A loopback TCP port that was free a moment ago (bind to port 0, read it back, release).
std::uint16_t free_loopback_port();

/// Spawns anvil on 127.0.0.1, waits until it answers
/// eth_chainId, and stops it with SIGTERM on destruction. The child also dies with the test
/// process (PR_SET_PDEATHSIG), so a crashed test leaves no node behind.
class AnvilProcess {
public:
    explicit AnvilProcess(AnvilOptions options);
    ~AnvilProcess();
    AnvilProcess(const AnvilProcess&) = delete;
    AnvilProcess& operator=(const AnvilProcess&) = delete;

    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
    [[nodiscard]] std::string http_url() const;
    [[nodiscard]] std::string ws_url() const;
    [[nodiscard]] bool running() const noexcept { return pid_ > 0; }

    /// SIGKILL and reap: the node vanishes mid-flight, as a crashed RPC provider would.
    void kill();
    /// Starts a fresh node on the same port (after kill()), waiting until it answers.
    void restart();

    /// Sends one JSON-RPC request over plain HTTP and returns the raw response body
    /// (test helper, independent of the code under test). Throws on connection failure.
    [[nodiscard]] std::string raw_call(const std::string& method, const std::string& params_json = "[]") const;

private:
    void spawn();
    void wait_ready(std::chrono::milliseconds limit);

    AnvilOptions options_;
    std::uint16_t port_{0};
    pid_t pid_{-1};
};

}  // namespace keeper::test
