// Small coroutine primitives for one event-loop thread (Boost 1.74 has no channels nor
// awaitable operators). Not thread-safe by design: everything runs on the loop thread.
#pragma once

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <chrono>
#include <cstddef>
#include <random>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace keeper::rpc {

namespace asio = boost::asio;

/// Wakes every coroutine waiting in wait() when notify() is called. A notify with nobody
/// waiting is not remembered: waiters check their condition before waiting.
class Signal {
public:
    explicit Signal(const asio::any_io_executor& ex) : timer_(ex, asio::steady_timer::time_point::max()) {}
    asio::awaitable<void> wait() {
        boost::system::error_code ec;
        co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    void notify() { timer_.cancel(); }

private:
    asio::steady_timer timer_;
};

/// Sleeps for `d` unless `timer` is cancelled (stop()); returns false when cancelled.
inline asio::awaitable<bool> sleep_for(asio::steady_timer& timer, std::chrono::steady_clock::duration d) {
    timer.expires_after(d);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    co_return !ec;
}

/// Jittered exponential backoff: attempt n (from 0) waits a uniform time in
/// [d/2, d] with d = min(max, initial * multiplier^n).
class Backoff {
public:
    Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, double multiplier = 2.0)
        : initial_(initial), max_(max), multiplier_(multiplier), rng_(std::random_device{}()) {}
    std::chrono::milliseconds next() {
        double d = static_cast<double>(initial_.count());
        for (unsigned i = 0; i < attempt_ && d < static_cast<double>(max_.count()); ++i) d *= multiplier_;
        if (d > static_cast<double>(max_.count())) d = static_cast<double>(max_.count());
        ++attempt_;
        std::uniform_real_distribution<double> jitter(d / 2, d);
        return std::chrono::milliseconds(static_cast<std::int64_t>(jitter(rng_)));
    }
    void reset() noexcept { attempt_ = 0; }

private:
    std::chrono::milliseconds initial_;
    std::chrono::milliseconds max_;
    double multiplier_;
    unsigned attempt_{0};
    std::mt19937_64 rng_;
};

}  // namespace keeper::rpc
