// Signing a complete EIP-1559 transaction (encode for signing + keccak + sign + encode the
// envelope) against the bare libsecp256k1 call it wraps, on the same randomized context and
// key, so the difference is exactly our overhead. Target: ratio <= 1.15.
#include <benchmark/benchmark.h>
#include <secp256k1_recovery.h>

#include <algorithm>
#include <vector>

#include "keeper/core/hex.hpp"
#include "keeper/crypto/keccak.hpp"
#include "keeper/crypto/secp256k1.hpp"
#include "keeper/crypto/secp256k1_context.hpp"
#include "keeper/tx/transaction.hpp"

namespace {

using namespace keeper;

/// The minimum over repetitions: on a shared machine the least-disturbed run is the best
/// estimate of the code's own cost (run with --benchmark_repetitions=N).
double min_of(const std::vector<double>& v) {
    return *std::min_element(v.begin(), v.end());
}

SecretKey bench_key() {
    return std::move(*SecretKey::from_bytes("0x4646464646464646464646464646464646464646464646464646464646464646"_hex));
}

/// A typical keeper transaction: an ERC-20 transfer (68 bytes of calldata) on mainnet.
UnsignedTransaction erc20_transfer() {
    UnsignedTransaction tx;
    tx.type = TransactionType::kDynamicFee;
    tx.chain_id = 1;
    tx.nonce = 1234;
    tx.max_priority_fee_per_gas = 1'500'000'000;
    tx.max_fee_per_gas = 42'000'000'000;
    tx.gas_limit = 65'000;
    tx.to = "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48"_address;
    tx.data =
        "0xa9059cbb0000000000000000000000003535353535353535353535353535353535353535"
        "00000000000000000000000000000000000000000000000000000000000f4240"_hex;
    return tx;
}

void BM_secp256k1_ecdsa_sign_recoverable(benchmark::State& state) {
    const SecretKey key = bench_key();
    const Hash32 digest = erc20_transfer().signing_hash();
    const secp256k1_context* ctx = detail::secp256k1_ctx();
    secp256k1_ecdsa_recoverable_signature sig;
    for (auto _ : state) {
        const int ok =
            secp256k1_ecdsa_sign_recoverable(ctx, &sig, digest.data(), key.reveal().data(), nullptr, nullptr);
        benchmark::DoNotOptimize(ok);
        benchmark::DoNotOptimize(sig);
    }
}
BENCHMARK(BM_secp256k1_ecdsa_sign_recoverable)->ComputeStatistics("min", min_of);

void BM_sign_eip1559_transaction(benchmark::State& state) {
    const SecretKey key = bench_key();
    const UnsignedTransaction tx = erc20_transfer();
    for (auto _ : state) {
        auto signed_tx = sign(tx, key);
        Bytes raw = signed_tx->encode();
        benchmark::DoNotOptimize(raw.data());
        benchmark::ClobberMemory();
    }
}
BENCHMARK(BM_sign_eip1559_transaction)->ComputeStatistics("min", min_of);

// The two halves of the overhead above, measured alone.
void BM_eip1559_signing_hash(benchmark::State& state) {
    const UnsignedTransaction tx = erc20_transfer();
    for (auto _ : state) {
        Hash32 h = tx.signing_hash();
        benchmark::DoNotOptimize(h);
    }
}
BENCHMARK(BM_eip1559_signing_hash)->ComputeStatistics("min", min_of);

void BM_eip1559_encode_signed(benchmark::State& state) {
    const SignedTransaction tx = *sign(erc20_transfer(), bench_key());
    for (auto _ : state) {
        Bytes raw = tx.encode();
        benchmark::DoNotOptimize(raw.data());
        benchmark::ClobberMemory();
    }
}
BENCHMARK(BM_eip1559_encode_signed)->ComputeStatistics("min", min_of);

void BM_decode_and_recover_eip1559(benchmark::State& state) {
    const Bytes raw = sign(erc20_transfer(), bench_key())->encode();
    for (auto _ : state) {
        auto tx = SignedTransaction::decode(raw);
        auto sender = tx->recover_sender();
        benchmark::DoNotOptimize(sender);
    }
}
BENCHMARK(BM_decode_and_recover_eip1559);

}  // namespace
