// Runs a test body as a coroutine on an io_context, with a hard time limit.
// Never write `REQUIRE(co_await f())`: Catch's macros expand their argument more than once
// and g++ 12 then awaits it twice. Await into a local, then check it.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <exception>
#include <functional>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "keeper/rpc/eth.hpp"
#include "support/anvil.hpp"

namespace keeper::rpc::test {

namespace asio = boost::asio;

/// Spawns `body` on `io` and runs the loop until everything finished. `stop` ends the
/// background loops (pool.run(), heads.run()) once the body returns or throws.
inline void run_test(asio::io_context& io, asio::awaitable<void> body, const std::function<void()>& stop,
                     std::chrono::milliseconds limit = std::chrono::milliseconds(9000)) {
    std::exception_ptr error;
    bool done = false;
    asio::co_spawn(io, std::move(body), [&](std::exception_ptr e) {
        error = e;
        done = true;
        stop();
    });
    io.run_for(limit);
    if (!done) {
        stop();
        io.restart();
        io.run_for(std::chrono::seconds(3));
        FAIL("test body did not finish within " << limit.count() << " ms");
    }
    if (error) std::rethrow_exception(error);
}

inline asio::awaitable<void> sleep_ms(long ms) {
    asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(ms));
    co_await t.async_wait(asio::use_awaitable);
}

/// Mines `blocks` blocks on the anvil node (anvil_mine).
inline void mine(const keeper::test::AnvilProcess& node, unsigned blocks = 1) {
    const auto r = node.raw_call("anvil_mine", "[\"" + to_quantity(std::uint64_t{blocks}) + "\"]");
    REQUIRE(r.find("\"result\"") != std::string::npos);
}

/// The hash of block `number` as the node reports it.
inline Hash32 hash_of(const keeper::test::AnvilProcess& node, std::uint64_t number) {
    const auto body = Json::parse(node.raw_call("eth_getBlockByNumber", "[\"" + to_quantity(number) + "\",false]"));
    return decode_hash(body["result"]["hash"], "hash").value();
}

}  // namespace keeper::rpc::test
