// Runs one coroutine to completion on an io_context, for tests that drive a component's
// awaitables directly (no time limit: for bodies that cannot hang; fixtures with background
// loops add their own limit and stop, e.g. tests/integration/daemon/fixture.hpp's run()).
#pragma once

#include <utility>  // before Asio (Boost 1.74)

#include <exception>
#include <optional>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

namespace keeper::test {

/// Runs `aw` on `ioc` until it completes and returns its value; rethrows what it threw.
template <class T>
T run_co(boost::asio::io_context& ioc, boost::asio::awaitable<T> aw) {
    std::optional<T> result;
    std::exception_ptr error;
    boost::asio::co_spawn(ioc, std::move(aw), [&](std::exception_ptr e, T v) {
        error = e;
        if (!e) result = std::move(v);
    });
    ioc.restart();
    ioc.run();
    if (error) std::rethrow_exception(error);
    return std::move(*result);
}

inline void run_co(boost::asio::io_context& ioc, boost::asio::awaitable<void> aw) {
    std::exception_ptr error;
    boost::asio::co_spawn(ioc, std::move(aw), [&](std::exception_ptr e) { error = e; });
    ioc.restart();
    ioc.run();
    if (error) std::rethrow_exception(error);
}

}  // namespace keeper::test
