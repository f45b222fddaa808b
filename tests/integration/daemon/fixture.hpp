// The executor on anvil: a deployed and seeded vault stack, an endpoint pool, a journal in a
// temporary directory, the public submitter, and helpers that move the chain (mine, base fee,
// automine, snapshots) through anvil's own RPC, independent of the code under test.
#pragma once

#include <catch2/catch.hpp>

#include <utility>  // before Asio

#include <chrono>
#include <exception>
#include <memory>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "keeper/core/hex.hpp"
#include "keeper/daemon/executor.hpp"
#include "keeper/journal/journal.hpp"
#include "keeper/rpc/eth.hpp"
#include "keeper/rpc/pool.hpp"
#include "keeper/submit/public_submitter.hpp"
#include "support/anvil.hpp"
#include "support/process.hpp"
#include "support/stack.hpp"
#include "support/temp_dir.hpp"

namespace keeper::test {

namespace asio = boost::asio;

inline const U256 kGwei = 1'000'000'000;

inline SecretKey keeper_key() {
    auto k = SecretKey::from_bytes(from_hex(kKeeperKey).value());
    REQUIRE(k);
    return std::move(*k);
}

inline Address parse_address(const std::string& s) {
    auto b = from_hex(s);
    REQUIRE(b);
    Address a{};
    REQUIRE(Address::from_view(ByteView(*b), a));
    return a;
}

/// confirmations 2, bump after 2 blocks, +10% bumps, cap 20 gwei, tips 1..2 gwei.
inline daemon::ExecutorSettings executor_settings() {
    daemon::ExecutorSettings s;
    s.chain_id = 31337;
    s.fees.history_blocks = 4;
    s.fees.reward_percentile = 50;
    s.fees.priority_fee_min = kGwei;
    s.fees.priority_fee_max = 2 * kGwei;
    s.fees.base_fee_multiplier = 2.0;
    s.fees.fee_cap = 20 * kGwei;
    s.machine.confirmations = 2;
    s.machine.bump_after_blocks = 2;
    s.machine.bump = {10, 0, s.fees.fee_cap};
    s.intent_ttl_seconds = 3600;
    s.reorg_watch_blocks = 64;
    return s;
}

/// Runs `body` on `io` until it finishes (or 120 s pass), rethrowing what it threw.
inline void run(asio::io_context& io, asio::awaitable<void> body) {
    std::exception_ptr error;
    bool done = false;
    asio::co_spawn(io, std::move(body), [&](std::exception_ptr e) {
        error = e;
        done = true;
    });
    io.run_for(std::chrono::seconds(120));
    if (error) std::rethrow_exception(error);
    REQUIRE(done);
}

/// The vault stack, seeded with 10 written calls at the money (the vault is short ~5 WETH of
/// delta and holds no underlying: buying underlying is a valid rebalance).
struct Chain {
    AnvilProcess anvil{anvil_options()};
    Stack stack;
    TempDir dir;
    std::string journal_path;
    Address vault;

    Chain() : stack(deploy_stack(anvil)), journal_path(dir.file("journal.db")) {
        seed_vault(anvil, stack, "1000000000000",
                   {{true, "3000000000000000000000", 7 * 86400, "700000000000000000", "10000000000000000000"}});
        vault = parse_address(stack.vault);
        rpc("evm_increaseTime", "[900]");  // TWAP history for the vault's deviation check
        rpc("evm_mine");
        set_oracle_answer(anvil, stack, "300000000000");  // fresh oracle answer after the jump
    }

    std::string rpc(const std::string& method, const std::string& params = "[]") const {
        const std::string body = anvil.raw_call(method, params);
        INFO(method << " " << params << " -> " << body);
        REQUIRE(body.find("\"error\"") == std::string::npos);
        return body;
    }
    void mine(unsigned n = 1) const { rpc("anvil_mine", "[\"0x" + to_hex_raw_u64(n) + "\"]"); }
    void automine(bool on) const { rpc("evm_setAutomine", on ? "[true]" : "[false]"); }
    void next_base_fee(const U256& wei) const { rpc("anvil_setNextBlockBaseFeePerGas", "[\"" + to_quantity(wei) + "\"]"); }
    /// eth_getTransactionCount(keeper, latest), read with cast.
    std::uint64_t keeper_nonce() const {
        return std::stoull(cast({"nonce", kKeeperAddress, "--rpc-url", anvil.http_url()}));
    }
    std::uint64_t last_rebalance_at() const {
        const std::string out = call(anvil, stack.vault, "lastRebalanceAt()(uint256)");
        return std::stoull(out.substr(0, out.find(' ')));
    }
    static std::string to_hex_raw_u64(unsigned n) {
        static const char* digits = "0123456789abcdef";
        std::string s;
        do {
            s.insert(s.begin(), digits[n % 16]);
            n /= 16;
        } while (n != 0);
        return s;
    }
};

/// A pool, the journal and the public submitter on one io_context.
struct Harness {
    asio::io_context io;
    rpc::EndpointPool pool;
    journal::Journal journal;
    submit::PublicSubmitter submitter;

    explicit Harness(const Chain& chain)
        : pool(io.get_executor(), 31337, {{"anvil", chain.anvil.http_url()}}),
          journal(open(chain.journal_path)),
          submitter(pool) {}

    static journal::Journal open(const std::string& path) {
        auto j = journal::Journal::open(path);
        if (!j) FAIL(j.error().message);
        return std::move(*j);
    }

    std::unique_ptr<daemon::Executor> executor(daemon::ExecutorSettings settings = executor_settings()) {
        return std::make_unique<daemon::Executor>(pool, journal, submitter, keeper_key(), std::move(settings));
    }

    /// Starts the pool, then `ex` at the chain's head (nonce sync, gap fills, journal resumed);
    /// returns that head.
    asio::awaitable<rpc::BlockHeader> start(daemon::Executor& ex);
};

/// The chain's newest block header. With automine on, anvil mines a transaction shortly after
/// eth_sendRawTransaction has returned its hash, not before: a head read right after a send can
/// be the block before the one that includes it (seen under a loaded ctest -j4). So while
/// automine is on this first waits (up to 10 s) until anvil's pool holds nothing pending.
inline asio::awaitable<rpc::BlockHeader> latest(rpc::EndpointPool& pool) {
    // Named calls: g++ 12 miscompiles a braced temporary inside a co_await expression.
    rpc::Call automine_call{"anvil_getAutomine", rpc::Json::array()};
    const auto automine = co_await pool.call(std::move(automine_call));
    if (!automine) FAIL("anvil_getAutomine: " << automine.error().describe());
    if (automine->is_boolean() && automine->get<bool>()) {
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (true) {
            rpc::Call status_call{"txpool_status", rpc::Json::array()};
            const auto status = co_await pool.call(std::move(status_call));
            if (!status) FAIL("txpool_status: " << status.error().describe());
            const auto pending = status->value("pending", std::string("0x0"));
            if (pending == "0x0") break;
            if (std::chrono::steady_clock::now() > until) FAIL("automine left " << pending << " pending for 10 s");
            asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::milliseconds(10));
            co_await timer.async_wait(asio::use_awaitable);
        }
    }
    auto h = co_await pool.call_as(rpc::eth::get_block_by_number(rpc::BlockTag::kLatest),
                                   [](const rpc::Json& j, std::string_view p) { return rpc::decode_block_header(j, p); });
    if (!h) FAIL(h.error().describe());
    co_return *h;
}

inline asio::awaitable<rpc::BlockHeader> Harness::start(daemon::Executor& ex) {
    auto started = co_await pool.start();
    if (!started) FAIL(started.error().describe());
    rpc::BlockHeader head = co_await latest(pool);
    auto s = co_await ex.start(head);
    if (!s) FAIL(s.error().describe());
    co_return head;
}

/// Buys ~1 WETH with 3,000 USDC (oracle 3,000), floor 0.98 WETH: a valid, small rebalance.
inline hedge::HedgePlan buy_plan(const std::string& key, std::uint64_t deadline,
                                 const U256& min_out = U256(980'000'000'000'000'000ULL)) {
    hedge::HedgePlan p;
    p.reason = hedge::PlanReason::kTrade;
    hedge::RebalanceParams t;
    t.buy_underlying = true;
    t.amount_in = 3'000'000'000;  // 3,000 USDC (6 decimals)
    t.min_amount_out = min_out;
    t.deadline = deadline;
    p.trade = t;
    p.idempotency_key = key;
    return p;
}

inline bool has_alert(const daemon::Executor& ex, const std::string& kind) {
    for (const auto& a : ex.recent_alerts())
        if (a.kind == kind) return true;
    return false;
}

template <class T>
T ok(journal::Result<T>&& r) {
    if (!r) FAIL(r.error().message);
    return std::move(r).value();
}
inline void ok(journal::Result<void>&& r) {
    if (!r) FAIL(r.error().message);
}

}  // namespace keeper::test
