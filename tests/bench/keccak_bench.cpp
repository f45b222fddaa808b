// Keccak-256 (ours) against OpenSSL's SHA3-256: the same Keccak-f[1600] permutation and rate,
// so per-byte cost is directly comparable. OpenSSL is given its fastest path: the digest
// fetched once and one context reused across iterations.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <algorithm>
#include <vector>

#include "keeper/crypto/keccak.hpp"

namespace {

keeper::Bytes message(std::size_t n) {
    keeper::Bytes m(n);
    for (std::size_t i = 0; i < n; ++i) m[i] = static_cast<std::uint8_t>(i * 131 + 7);
    return m;
}

void BM_keccak256(benchmark::State& state) {
    const auto msg = message(static_cast<std::size_t>(state.range(0)));
    for (auto _ : state) {
        auto h = keeper::keccak256(msg);
        benchmark::DoNotOptimize(h);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

void BM_openssl_sha3_256(benchmark::State& state) {
    const auto msg = message(static_cast<std::size_t>(state.range(0)));
    EVP_MD* md = EVP_MD_fetch(nullptr, "SHA3-256", nullptr);
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    unsigned char out[32];
    unsigned int len = 0;
    for (auto _ : state) {
        EVP_DigestInit_ex(ctx, md, nullptr);
        EVP_DigestUpdate(ctx, msg.data(), msg.size());
        EVP_DigestFinal_ex(ctx, out, &len);
        benchmark::DoNotOptimize(out);
    }
    EVP_MD_CTX_free(ctx);
    EVP_MD_free(md);
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

void BM_keccak_f1600(benchmark::State& state) {
    std::array<std::uint64_t, 25> s{};
    for (auto _ : state) {
        keeper::keccak_f1600(s);
        benchmark::DoNotOptimize(s);
    }
}

// The minimum over repetitions: on a shared VM, noise only ever adds time, so the fastest
// repetition is the most repeatable estimate of what the code itself costs.
double min_of(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }

}  // namespace

BENCHMARK(BM_keccak256)->Arg(32)->Arg(4096)->ComputeStatistics("min", min_of);
BENCHMARK(BM_openssl_sha3_256)->Arg(32)->Arg(4096)->ComputeStatistics("min", min_of);
BENCHMARK(BM_keccak_f1600)->ComputeStatistics("min", min_of);
