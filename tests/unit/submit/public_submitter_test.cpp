// PublicSubmitter against a real anvil: accepted, already known, nonce too low (ours vs
// someone else's), visibility, and an unreachable node.
#include <catch2/catch.hpp>

#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "keeper/core/hex.hpp"
#include "keeper/rpc/eth.hpp"
#include "keeper/rpc/pool.hpp"
#include "keeper/submit/public_submitter.hpp"
#include "keeper/tx/transaction.hpp"
#include "support/anvil.hpp"

using namespace keeper;
using namespace keeper::submit;
namespace asio = boost::asio;

namespace {

// anvil dev account 3: a public test key.
SecretKey test_key() {
    auto k = SecretKey::from_bytes("0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6"_hex);
    REQUIRE(k);
    return std::move(*k);
}

SubmitRequest transfer(std::uint64_t nonce, std::uint64_t value) {
    UnsignedTransaction tx;
    tx.chain_id = 31337;
    tx.nonce = nonce;
    tx.max_fee_per_gas = U256(10'000'000'000ULL);
    tx.max_priority_fee_per_gas = U256(1'000'000'000);
    tx.gas_limit = 21'000;
    tx.to = "0x000000000000000000000000000000000000dead"_address;
    tx.value = value;
    auto stx = sign(tx, test_key());
    REQUIRE(stx);
    return SubmitRequest{stx->encode(), stx->hash(), nonce, 0};
}

rpc::RpcSettings fast() {
    rpc::RpcSettings s;
    s.http.connect_timeout = std::chrono::milliseconds(300);
    s.http.request_timeout = std::chrono::milliseconds(2000);
    s.retry.initial_backoff = std::chrono::milliseconds(10);
    s.retry.max_backoff = std::chrono::milliseconds(20);
    return s;
}

void run(asio::io_context& io, asio::awaitable<void> body) {
    std::exception_ptr error;
    asio::co_spawn(io, std::move(body), [&](std::exception_ptr e) { error = e; });
    io.run_for(std::chrono::seconds(30));
    if (error) std::rethrow_exception(error);
}

}  // namespace

TEST_CASE("public submitter: accepted, re-sent bytes accepted, another tx at a used nonce rejected") {
    test::AnvilProcess node(test::anvil_options());
    asio::io_context io;
    rpc::EndpointPool pool(io.get_executor(), 31337, {{"local", node.http_url()}}, fast());
    PublicSubmitter submitter(pool);
    CHECK(submitter.name() == "public");
    CHECK_FALSE(submitter.is_private());
    bool finished = false;
    run(io, [&]() -> asio::awaitable<void> {
        auto started = co_await pool.start();
        REQUIRE(started);
        const SubmitRequest first = transfer(0, 1);
        auto r = co_await submitter.submit(first);
        CHECK(r.status == SubmitStatus::kAccepted);
        CHECK(r.accepted_by == std::vector<std::string>{"public"});
        // Automine: it is mined; the same bytes again answer "nonce too low", and the node knows
        // the hash: accepted (idempotent re-send after a crash).
        auto again = co_await submitter.submit(first);
        CHECK(again.status == SubmitStatus::kAccepted);
        CHECK_FALSE(again.detail.empty());
        // Different bytes at the consumed nonce: someone else's nonce use, refused for good.
        auto other = co_await submitter.submit(transfer(0, 2));
        CHECK(other.status == SubmitStatus::kRejected);
        CHECK_FALSE(other.detail.empty());

        auto seen = co_await submitter.visibility(first.tx_hash, 1);
        CHECK(seen == Visibility::kPending);
        auto unseen = co_await submitter.visibility(transfer(5, 1).tx_hash, 1);
        CHECK(unseen == Visibility::kUnknown);
        auto cancelled = co_await submitter.cancel(first.tx_hash);
        CHECK_FALSE(cancelled);
        co_await submitter.on_head(1);
        finished = true;
    }());
    CHECK(finished);
}

TEST_CASE("public submitter: a pending transaction sent twice is 'already known' = accepted") {
    test::AnvilProcess node(test::anvil_options());
    REQUIRE(node.raw_call("evm_setAutomine", "[false]").find("\"error\"") == std::string::npos);
    asio::io_context io;
    rpc::EndpointPool pool(io.get_executor(), 31337, {{"local", node.http_url()}}, fast());
    PublicSubmitter submitter(pool);
    bool finished = false;
    run(io, [&]() -> asio::awaitable<void> {
        auto started = co_await pool.start();
        REQUIRE(started);
        const SubmitRequest tx = transfer(0, 1);
        auto r = co_await submitter.submit(tx);
        CHECK(r.status == SubmitStatus::kAccepted);
        auto again = co_await submitter.submit(tx);
        CHECK(again.status == SubmitStatus::kAccepted);
        auto pending = co_await submitter.visibility(tx.tx_hash, 0);
        CHECK(pending == Visibility::kPending);
        // Dropped from the pool: unknown.
        const std::string body = node.raw_call("anvil_dropTransaction", "[\"" + to_hex(tx.tx_hash.view()) + "\"]");
        CHECK(body.find("\"error\"") == std::string::npos);
        auto dropped = co_await submitter.visibility(tx.tx_hash, 0);
        CHECK(dropped == Visibility::kUnknown);
        finished = true;
    }());
    CHECK(finished);
}

TEST_CASE("public submitter: no reachable node is 'unavailable', never 'rejected'") {
    asio::io_context io;
    const auto port = test::free_loopback_port();
    rpc::EndpointPool pool(io.get_executor(), 31337, {{"down", "http://127.0.0.1:" + std::to_string(port)}}, fast());
    PublicSubmitter submitter(pool);
    bool finished = false;
    run(io, [&]() -> asio::awaitable<void> {
        auto r = co_await submitter.submit(transfer(0, 1));
        CHECK(r.status == SubmitStatus::kUnavailable);
        CHECK_FALSE(r.detail.empty());
        auto v = co_await submitter.visibility(transfer(0, 1).tx_hash, 0);
        CHECK(v == Visibility::kPending);  // cannot tell: no drop is reported
        finished = true;
    }());
    CHECK(finished);
}
