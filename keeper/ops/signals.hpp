// Graceful shutdown on SIGINT/SIGTERM, on the event loop: the first signal calls `on_stop`
// (the daemon stops taking new heads, lets in-flight work reach the journal, closes
// connections); a second signal while stopping ends the process at once with 128 + signal.
#pragma once

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <functional>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/signal_set.hpp>

namespace keeper::ops {

namespace asio = boost::asio;

class ShutdownSignals {
public:
    /// Starts listening for SIGINT and SIGTERM. `on_stop(signal)` runs on the executor, once.
    ShutdownSignals(asio::any_io_executor executor, std::function<void(int)> on_stop);
    ~ShutdownSignals();  // stops listening (cancel())
    ShutdownSignals(const ShutdownSignals&) = delete;
    ShutdownSignals& operator=(const ShutdownSignals&) = delete;

    /// Stops listening and restores the default dispositions (a later signal ends the process):
    /// after a clean shutdown the loop must be free to run out of work.
    void cancel();
    /// The first signal received, or 0.
    [[nodiscard]] int received() const noexcept { return received_; }

private:
    void wait();

    asio::signal_set signals_;
    std::function<void(int)> on_stop_;
    int received_{0};
};

}  // namespace keeper::ops
