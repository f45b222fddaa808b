// The batch Greeks loops and the single-option entry points compiled for AVX2+FMA (see
// CMakeLists.txt); called only after black_scholes.cpp has checked the CPU's feature bits.
#include <immintrin.h>

#include <algorithm>
#include <cstddef>
#include <type_traits>

#include "keeper/pricing/black_scholes_kernel.hpp"

namespace keeper::pricing::detail {

namespace {

// The AVX2 transpositions read an OptionSpec as the four doubles at offset 0 (the type and its
// padding, spot, strike, time) and the four at offset 24 (time, vol, rate, carry), and write a
// CoreGreeks / Greeks as its consecutive doubles.
static_assert(sizeof(OptionSpec) == 56 && offsetof(OptionSpec, spot) == 8 && offsetof(OptionSpec, time) == 24 &&
              offsetof(OptionSpec, carry) == 48);
static_assert(static_cast<int>(OptionType::kCall) == 0);
static_assert(sizeof(CoreGreeks) == 40 && sizeof(Greeks) == 64);

// Rows r0..r3 of a 4x4 block of doubles become its columns.
[[gnu::always_inline]] inline void transpose4(__m256d& r0, __m256d& r1, __m256d& r2, __m256d& r3) noexcept {
    const __m256d t0 = _mm256_unpacklo_pd(r0, r1);  // r0[0] r1[0] r0[2] r1[2]
    const __m256d t1 = _mm256_unpackhi_pd(r0, r1);  // r0[1] r1[1] r0[3] r1[3]
    const __m256d t2 = _mm256_unpacklo_pd(r2, r3);
    const __m256d t3 = _mm256_unpackhi_pd(r2, r3);
    r0 = _mm256_permute2f128_pd(t0, t2, 0x20);
    r1 = _mm256_permute2f128_pd(t1, t3, 0x20);
    r2 = _mm256_permute2f128_pd(t0, t2, 0x31);
    r3 = _mm256_permute2f128_pd(t1, t3, 0x31);
}

constexpr std::size_t kBlock = 64;  // options per structure-of-arrays block on the stack

// A book in blocks: each block transposed into columns four options at a time (two 4x4
// transposes of unaligned loads, instead of 28 scalar loads and stores), the vectorised kernel,
// and transposed back four options at a time. Returns whether any entry may be degenerate
// (vol or time below 1e-150), which the caller then fixes up.
template <class Out>
bool batch_options(const OptionSpec* options, Out* out, std::size_t n) noexcept {
    constexpr bool kFull = std::is_same_v<Out, Greeks>;
    constexpr std::size_t kOutColumns = kFull ? 8 : 5;
    alignas(64) double in[7][kBlock];
    alignas(64) double res[kOutColumns][kBlock];
    const __m256d tiny = _mm256_set1_pd(1e-150);
    const __m256i type_mask = _mm256_set1_epi64x(0xff);
    const __m256d plus_one = _mm256_set1_pd(1.0);
    const __m256d minus_one = _mm256_set1_pd(-1.0);
    __m256d degenerate = _mm256_setzero_pd();
    bool maybe_degenerate = false;
    for (std::size_t base = 0; base < n; base += kBlock) {
        const std::size_t m = std::min(kBlock, n - base);
        const OptionSpec* o = options + base;
        std::size_t i = 0;
        for (; i + 4 <= m; i += 4) {
            const char* p = reinterpret_cast<const char*>(o + i);
            const auto load = [p](std::size_t k, std::size_t offset) noexcept {
                return _mm256_loadu_pd(reinterpret_cast<const double*>(p + k * sizeof(OptionSpec) + offset));
            };
            __m256d head = load(0, 0);  // type (and padding), spot, strike, time
            __m256d spot = load(1, 0);
            __m256d strike = load(2, 0);
            __m256d time = load(3, 0);
            transpose4(head, spot, strike, time);
            __m256d unused = load(0, 24);  // time, vol, rate, carry
            __m256d vol = load(1, 24);
            __m256d rate = load(2, 24);
            __m256d carry = load(3, 24);
            transpose4(unused, vol, rate, carry);
            const __m256i type = _mm256_and_si256(_mm256_castpd_si256(head), type_mask);
            const __m256d is_call = _mm256_castsi256_pd(_mm256_cmpeq_epi64(type, _mm256_setzero_si256()));
            _mm256_store_pd(&in[0][i], spot);
            _mm256_store_pd(&in[1][i], strike);
            _mm256_store_pd(&in[2][i], time);
            _mm256_store_pd(&in[3][i], vol);
            _mm256_store_pd(&in[4][i], rate);
            _mm256_store_pd(&in[5][i], carry);
            _mm256_store_pd(&in[6][i], _mm256_blendv_pd(minus_one, plus_one, is_call));
            degenerate = _mm256_or_pd(degenerate, _mm256_or_pd(_mm256_cmp_pd(vol, tiny, _CMP_NGE_UQ),
                                                               _mm256_cmp_pd(time, tiny, _CMP_NGE_UQ)));
        }
        for (; i < m; ++i) {
            in[0][i] = o[i].spot;
            in[1][i] = o[i].strike;
            in[2][i] = o[i].time;
            in[3][i] = o[i].vol;
            in[4][i] = o[i].rate;
            in[5][i] = o[i].carry;
            in[6][i] = o[i].type == OptionType::kCall ? 1.0 : -1.0;
            maybe_degenerate |= !(o[i].vol >= 1e-150) || !(o[i].time >= 1e-150);
        }
        const InColumns ic{in[0], in[1], in[2], in[3], in[4], in[5], in[6]};
        if constexpr (kFull) {
            kernel_loop(ic, {res[0], res[1], res[2], res[3], res[4], res[5], res[6], res[7]}, m);
        } else {
            kernel_loop_core(ic, {res[0], res[1], res[2], res[3], res[4]}, m);
        }
        Out* g = out + base;
        i = 0;
        for (; i + 4 <= m; i += 4) {
            __m256d c0 = _mm256_load_pd(&res[0][i]);
            __m256d c1 = _mm256_load_pd(&res[1][i]);
            __m256d c2 = _mm256_load_pd(&res[2][i]);
            __m256d c3 = _mm256_load_pd(&res[3][i]);
            transpose4(c0, c1, c2, c3);  // now option i + k's price, delta, gamma, vega
            _mm256_storeu_pd(&g[i].price, c0);
            _mm256_storeu_pd(&g[i + 1].price, c1);
            _mm256_storeu_pd(&g[i + 2].price, c2);
            _mm256_storeu_pd(&g[i + 3].price, c3);
            if constexpr (kFull) {
                __m256d c4 = _mm256_load_pd(&res[4][i]);
                __m256d c5 = _mm256_load_pd(&res[5][i]);
                __m256d c6 = _mm256_load_pd(&res[6][i]);
                __m256d c7 = _mm256_load_pd(&res[7][i]);
                transpose4(c4, c5, c6, c7);  // theta, rho, vanna, volga
                _mm256_storeu_pd(&g[i].theta, c4);
                _mm256_storeu_pd(&g[i + 1].theta, c5);
                _mm256_storeu_pd(&g[i + 2].theta, c6);
                _mm256_storeu_pd(&g[i + 3].theta, c7);
            } else {
                for (std::size_t k = 0; k < 4; ++k) g[i + k].theta = res[4][i + k];
            }
        }
        for (; i < m; ++i) {
            g[i].price = res[0][i];
            g[i].delta = res[1][i];
            g[i].gamma = res[2][i];
            g[i].vega = res[3][i];
            g[i].theta = res[4][i];
            if constexpr (kFull) {
                g[i].rho = res[5][i];
                g[i].vanna = res[6][i];
                g[i].volga = res[7][i];
            }
        }
    }
    return maybe_degenerate || _mm256_movemask_pd(degenerate) != 0;
}

}  // namespace

bool batch_options_avx2(const OptionSpec* options, Greeks* out, std::size_t n) noexcept {
    return batch_options(options, out, n);
}

bool batch_options_core_avx2(const OptionSpec* options, CoreGreeks* out, std::size_t n) noexcept {
    return batch_options(options, out, n);
}

void kernel_block_avx2(const InColumns& in, const OutColumns& out, std::size_t n) noexcept {
    kernel_loop(in, out, n);
}

void value_delta_gamma_avx2(const PreparedColumns& in, const double* spot, const ValueDeltaGammaColumns& out,
                            std::size_t n) noexcept {
    value_delta_gamma_loop(in, spot, out, n);
}

void kernel_block_core_avx2(const InColumns& in, const CoreOutColumns& out, std::size_t n) noexcept {
    kernel_loop_core(in, out, n);
}

Greeks greeks_one_avx2(const OptionSpec& o) noexcept {
    return greeks_one<Greeks>(o);
}

CoreGreeks core_greeks_one_avx2(const OptionSpec& o) noexcept {
    return greeks_one<CoreGreeks>(o);
}

}  // namespace keeper::pricing::detail
