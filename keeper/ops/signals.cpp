#include "keeper/ops/signals.hpp"

#include <csignal>
#include <cstdlib>

namespace keeper::ops {

ShutdownSignals::ShutdownSignals(asio::any_io_executor executor, std::function<void(int)> on_stop)
    : signals_(executor, SIGINT, SIGTERM), on_stop_(std::move(on_stop)) {
    wait();
}

ShutdownSignals::~ShutdownSignals() {
    cancel();
}

void ShutdownSignals::cancel() {
    boost::system::error_code ec;
    signals_.clear(ec);  // restore the default dispositions: a later ^C ends the process
    signals_.cancel(ec);
}

void ShutdownSignals::wait() {
    signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
        if (ec) return;                                // cancelled
        if (received_ != 0) std::_Exit(128 + signal);  // second signal: the operator insists
        received_ = signal;
        wait();  // keep listening for the second one
        if (on_stop_) on_stop_(signal);
    });
}

}  // namespace keeper::ops
