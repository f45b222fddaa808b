// New head -> signed private transaction accepted by the relay: the keeper's hot path once the
// decision is made. Each iteration takes a fresh head (number, base fee), prices the hedge from
// it, encodes IOptionsVault.rebalance, signs the EIP-1559 transaction with the funds key, and
// submits it through PrivateRelaySubmitter -> RelayClient (JSON-RPC body signed with the
// reputation key, X-Flashbots-Signature) to the local relay of tests/support/relay.hpp over
// loopback HTTP; the iteration ends when the relay's acceptance is back on the event loop.
// The relay verifies the header and decodes the transaction before it answers (accept-only:
// no chain behind it). Reported: mean (Google Benchmark's time) and p50/p99 counters in us.
#include <utility>  // before Asio (Boost 1.74)

#include <algorithm>
#include <chrono>
#include <vector>

#include <benchmark/benchmark.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "keeper/core/hex.hpp"
#include "keeper/crypto/keccak.hpp"
#include "keeper/mev/submitters.hpp"
#include "keeper/tx/transaction.hpp"
#include "support/relay.hpp"

namespace {

namespace asio = boost::asio;
using namespace keeper;

constexpr std::string_view kFundsKey = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
constexpr std::string_view kRepKey = "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba";

Bytes rebalance_calldata(const U256& amount_in, const U256& min_out, std::uint64_t deadline) {
    static const auto sel = function_selector("rebalance((bool,uint256,uint256,uint160,uint256))");
    Bytes out(sel.begin(), sel.end());
    for (const U256& w : {U256(1), amount_in, min_out, U256(0), U256(deadline)}) {
        const auto be = to_be32(w);
        out.insert(out.end(), be.begin(), be.end());
    }
    return out;
}

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const auto idx = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(idx, v.size() - 1)];
}

void BM_HeadToPrivateTxAccepted(benchmark::State& state) {
    test::RelayOptions relay_options;  // accept-only: no chain
    test::LocalRelay relay(relay_options);
    asio::io_context ioc;
    auto client = std::make_shared<mev::RelayClient>(
        ioc.get_executor(), "local", relay.url(),
        std::make_shared<const SecretKey>(*SecretKey::from_bytes(*from_hex(kRepKey))));
    mev::PrivateRelaySubmitter submitter(client, {5, {}, {}});
    const auto funds = *SecretKey::from_bytes(*from_hex(kFundsKey));
    const Address vault = "0x5FbDB2315678afecb367f032d93F642f64180aa3"_address;

    std::vector<double> samples;
    samples.reserve(100'000);
    bool failed = false;
    auto loop = [&]() -> asio::awaitable<void> {
        std::uint64_t head = 20'000'000;
        std::uint64_t nonce = 0;
        for (auto _ : state) {
            ++head;
            const U256 base_fee = U256(10'000'000'000ull + (head % 7) * 100'000'000ull);  // from the new head
            const auto start = std::chrono::steady_clock::now();
            UnsignedTransaction u;
            u.type = TransactionType::kDynamicFee;
            u.chain_id = 1;
            u.nonce = nonce++;
            u.max_priority_fee_per_gas = U256(1'000'000'000);
            u.max_fee_per_gas = base_fee * 2 + u.max_priority_fee_per_gas;
            u.gas_limit = 450'000;
            u.to = vault;
            u.data = rebalance_calldata(U256(250'000'000'000ull), U256("82000000000000000000"), head * 12 + 600);
            const auto signed_tx = sign(u, funds);
            if (!signed_tx) {
                failed = true;
                break;
            }
            const submit::SubmitRequest request{signed_tx->encode(), signed_tx->hash(), u.nonce, head};
            const auto result = co_await submitter.submit(request);
            const auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            if (result.status != submit::SubmitStatus::kAccepted) {
                failed = true;
                break;
            }
            state.SetIterationTime(elapsed);
            samples.push_back(elapsed * 1e6);
        }
    };
    asio::co_spawn(ioc, loop(), asio::detached);
    ioc.run();
    if (failed) {
        state.SkipWithError("the relay did not accept the private transaction");
        return;
    }
    state.counters["p50_us"] = percentile(samples, 0.50);
    state.counters["p99_us"] = percentile(samples, 0.99);
    state.counters["accepted"] = static_cast<double>(relay.stats().private_accepted);
}
BENCHMARK(BM_HeadToPrivateTxAccepted)->UseManualTime()->Unit(benchmark::kMicrosecond);

}  // namespace
