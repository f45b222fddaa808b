#include "keeper/pricing/black_scholes.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstddef>
#include <type_traits>

#include "keeper/pricing/black_scholes_kernel.hpp"

namespace keeper::pricing {

std::string_view to_string(PricingError e) noexcept {
    switch (e) {
        case PricingError::kNonFiniteInput:
            return "non-finite input";
        case PricingError::kNonPositiveSpot:
            return "spot must be positive";
        case PricingError::kNonPositiveStrike:
            return "strike must be positive";
        case PricingError::kNegativeTime:
            return "time to expiry must not be negative";
        case PricingError::kNegativeVolatility:
            return "volatility must not be negative";
    }
    return "unknown pricing error";
}

Expected<void, PricingError> validate(const OptionSpec& o) noexcept {
    for (double v : {o.spot, o.strike, o.time, o.vol, o.rate, o.carry})
        if (!std::isfinite(v)) return Unexpected(PricingError::kNonFiniteInput);
    if (!(o.spot > 0.0)) return Unexpected(PricingError::kNonPositiveSpot);
    if (!(o.strike > 0.0)) return Unexpected(PricingError::kNonPositiveStrike);
    if (o.time < 0.0) return Unexpected(PricingError::kNegativeTime);
    if (o.vol < 0.0) return Unexpected(PricingError::kNegativeVolatility);
    return {};
}

Greeks detail::degenerate_greeks(const OptionSpec& o) noexcept {
    const double w = o.type == OptionType::kCall ? 1.0 : -1.0;
    const double df_r = std::exp(-o.rate * o.time);
    const double df_q = std::exp((o.carry - o.rate) * o.time);
    const double sq = o.spot * df_q;
    const double kr = o.strike * df_r;
    const bool itm = w * (sq - kr) > 0.0;
    Greeks g;
    if (itm) {
        g.price = w * (sq - kr);
        g.delta = w * df_q;
        g.theta = w * ((o.rate - o.carry) * sq - o.rate * kr);
        g.rho = w * o.strike * o.time * df_r;
    }
    return g;
}

namespace {

using detail::is_degenerate;

constexpr std::size_t kBlockSize = 64;  // options per structure-of-arrays block on the stack

Greeks degenerate(const OptionSpec& o) noexcept {
    return detail::degenerate_greeks(o);
}

void kernel_block_baseline(const detail::InColumns& in, const detail::OutColumns& out, std::size_t n) noexcept {
    detail::kernel_loop(in, out, n);
}

using KernelBlock = void (*)(const detail::InColumns&, const detail::OutColumns&, std::size_t) noexcept;

// The AVX2+FMA build (4 lanes) where the CPU has it, else the baseline x86-64 build (2 lanes).
KernelBlock select_kernel() noexcept {
#if defined(KEEPER_PRICING_HAVE_AVX2)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return &detail::kernel_block_avx2;
#endif
    return &kernel_block_baseline;
}

void kernel_block(const detail::InColumns& in, const detail::OutColumns& out, std::size_t n) noexcept {
    static const KernelBlock impl = select_kernel();
    impl(in, out, n);
}

void kernel_block_core_baseline(const detail::InColumns& in, const detail::CoreOutColumns& out,
                                std::size_t n) noexcept {
    detail::kernel_loop_core(in, out, n);
}

using KernelBlockCore = void (*)(const detail::InColumns&, const detail::CoreOutColumns&, std::size_t) noexcept;

KernelBlockCore select_kernel_core() noexcept {
#if defined(KEEPER_PRICING_HAVE_AVX2)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return &detail::kernel_block_core_avx2;
#endif
    return &kernel_block_core_baseline;
}

void kernel_block_core(const detail::InColumns& in, const detail::CoreOutColumns& out, std::size_t n) noexcept {
    static const KernelBlockCore impl = select_kernel_core();
    impl(in, out, n);
}

CoreGreeks core_of(const Greeks& g) noexcept {
    return {g.price, g.delta, g.gamma, g.vega, g.theta};
}

// The single-option entry points: each is an ifunc, bound once by the dynamic linker to the
// AVX2+FMA build (black_scholes_avx2.cpp) or the baseline build (below) as the CPU allows, so the
// caller's call lands directly in the kernel, which reads the OptionSpec in place.

using GreeksOne = Greeks (*)(const OptionSpec&) noexcept;
using CoreGreeksOne = CoreGreeks (*)(const OptionSpec&) noexcept;

__attribute__((no_sanitize("address", "undefined"))) bool cpu_has_avx2_fma() noexcept {
#if defined(KEEPER_PRICING_HAVE_AVX2)
    __builtin_cpu_init();  // an ifunc resolver runs before the constructors that would call it
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return false;
#endif
}

}  // namespace

namespace detail {
Greeks greeks_one_baseline(const OptionSpec& o) noexcept {
    return greeks_one<Greeks>(o);
}

CoreGreeks core_greeks_one_baseline(const OptionSpec& o) noexcept {
    return greeks_one<CoreGreeks>(o);
}
}  // namespace detail

// The resolvers (C linkage: the ifunc attribute names them by their symbol). They run while the
// dynamic linker relocates the program, before any sanitizer runtime is initialised: no
// instrumentation.
extern "C" {
[[gnu::used]] __attribute__((no_sanitize("address", "undefined"))) static GreeksOne
keeper_pricing_resolve_greeks_one() noexcept {
#if defined(KEEPER_PRICING_HAVE_AVX2)
    if (cpu_has_avx2_fma()) return &detail::greeks_one_avx2;
#endif
    return &detail::greeks_one_baseline;
}
[[gnu::used]] __attribute__((no_sanitize("address", "undefined"))) static CoreGreeksOne
keeper_pricing_resolve_core_greeks_one() noexcept {
#if defined(KEEPER_PRICING_HAVE_AVX2)
    if (cpu_has_avx2_fma()) return &detail::core_greeks_one_avx2;
#endif
    return &detail::core_greeks_one_baseline;
}
}

Greeks bs_greeks_unchecked(const OptionSpec& o) noexcept __attribute__((ifunc("keeper_pricing_resolve_greeks_one")));
CoreGreeks bs_core_greeks_unchecked(const OptionSpec& o) noexcept
    __attribute__((ifunc("keeper_pricing_resolve_core_greeks_one")));

Expected<Greeks, PricingError> bs_greeks(const OptionSpec& o) noexcept {
    if (auto v = validate(o); !v) return Unexpected(v.error());
    return bs_greeks_unchecked(o);
}

Expected<CoreGreeks, PricingError> bs_core_greeks(const OptionSpec& o) noexcept {
    if (auto v = validate(o); !v) return Unexpected(v.error());
    return bs_core_greeks_unchecked(o);
}

double bs_price_unchecked(const OptionSpec& o) noexcept {
    return bs_greeks_unchecked(o).price;
}

namespace {

// One block of a batch: the book transposed into structure-of-arrays columns on the stack, the
// vectorised kernel, and back. Whether any entry is degenerate (sigma sqrt(T) possibly 0) is
// found while transposing (a branch-free test on the fields already loaded), so the copy back
// checks each entry only in the rare block that has one.
template <class Out>
void batch_block(const OptionSpec* options, Out* out, std::size_t n) noexcept {
    constexpr bool kFull = std::is_same_v<Out, Greeks>;
    constexpr std::size_t kOutColumns = kFull ? 8 : 5;
    alignas(64) double in[7][kBlockSize];
    alignas(64) double res[kOutColumns][kBlockSize];
    bool maybe_degenerate = false;
    for (std::size_t i = 0; i < n; ++i) {
        const OptionSpec& o = options[i];
        in[0][i] = o.spot;
        in[1][i] = o.strike;
        in[2][i] = o.time;
        in[3][i] = o.vol;
        in[4][i] = o.rate;
        in[5][i] = o.carry;
        in[6][i] = o.type == OptionType::kCall ? 1.0 : -1.0;
        maybe_degenerate |= !(o.vol >= 1e-150) | !(o.time >= 1e-150);
    }
    const detail::InColumns ic{in[0], in[1], in[2], in[3], in[4], in[5], in[6]};
    if constexpr (kFull) {
        kernel_block(ic, {res[0], res[1], res[2], res[3], res[4], res[5], res[6], res[7]}, n);
    } else {
        kernel_block_core(ic, {res[0], res[1], res[2], res[3], res[4]}, n);
    }
    for (std::size_t i = 0; i < n; ++i) {
        Out& g = out[i];
        g.price = res[0][i];
        g.delta = res[1][i];
        g.gamma = res[2][i];
        g.vega = res[3][i];
        g.theta = res[4][i];
        if constexpr (kFull) {
            g.rho = res[5][i];
            g.vanna = res[6][i];
            g.volga = res[7][i];
        }
    }
    if (maybe_degenerate) [[unlikely]] {
        for (std::size_t i = 0; i < n; ++i) {
            if (!is_degenerate(options[i].vol, options[i].time)) continue;
            if constexpr (kFull) {
                out[i] = degenerate(options[i]);
            } else {
                out[i] = core_of(degenerate(options[i]));
            }
        }
    }
}

}  // namespace

namespace {

template <class Out>
using BatchOptions = bool (*)(const OptionSpec*, Out*, std::size_t) noexcept;

// The baseline build: block by block through batch_block.
template <class Out>
bool batch_options_baseline(const OptionSpec* options, Out* out, std::size_t n) noexcept {
    for (std::size_t base = 0; base < n; base += kBlockSize)
        batch_block(options + base, out + base, std::min(kBlockSize, n - base));
    return false;  // batch_block has fixed its degenerate entries already
}

template <class Out>
BatchOptions<Out> select_batch() noexcept {
#if defined(KEEPER_PRICING_HAVE_AVX2)
    if (cpu_has_avx2_fma()) {
        if constexpr (std::is_same_v<Out, Greeks>) {
            return &detail::batch_options_avx2;
        } else {
            return &detail::batch_options_core_avx2;
        }
    }
#endif
    return &batch_options_baseline<Out>;
}

template <class Out>
void batch(std::span<const OptionSpec> options, std::span<Out> out) noexcept {
    assert(out.size() == options.size());
    static const BatchOptions<Out> impl = select_batch<Out>();
    if (!impl(options.data(), out.data(), options.size())) [[likely]]
        return;
    for (std::size_t i = 0; i < options.size(); ++i) {
        if (!is_degenerate(options[i].vol, options[i].time)) continue;
        if constexpr (std::is_same_v<Out, Greeks>) {
            out[i] = degenerate(options[i]);
        } else {
            out[i] = core_of(degenerate(options[i]));
        }
    }
}

}  // namespace

void bs_greeks_batch(std::span<const OptionSpec> options, std::span<Greeks> out) noexcept {
    batch(options, out);
}

void bs_core_greeks_batch(std::span<const OptionSpec> options, std::span<CoreGreeks> out) noexcept {
    batch(options, out);
}

void bs_greeks_columns(const OptionColumns& in, const GreekColumns& out) noexcept {
    const std::size_t n = in.spot.size();
    assert(in.strike.size() == n && in.time.size() == n && in.vol.size() == n && in.rate.size() == n &&
           in.carry.size() == n && in.sign.size() == n);
    assert(out.price.size() == n && out.delta.size() == n && out.gamma.size() == n && out.vega.size() == n &&
           out.theta.size() == n && out.rho.size() == n && out.vanna.size() == n && out.volga.size() == n);
    kernel_block({in.spot.data(), in.strike.data(), in.time.data(), in.vol.data(), in.rate.data(), in.carry.data(),
                  in.sign.data()},
                 {out.price.data(), out.delta.data(), out.gamma.data(), out.vega.data(), out.theta.data(),
                  out.rho.data(), out.vanna.data(), out.volga.data()},
                 n);
    for (std::size_t i = 0; i < n; ++i) {
        if (!is_degenerate(in.vol[i], in.time[i])) continue;
        const OptionSpec o{in.sign[i] > 0.0 ? OptionType::kCall : OptionType::kPut,
                           in.spot[i],
                           in.strike[i],
                           in.time[i],
                           in.vol[i],
                           in.rate[i],
                           in.carry[i]};
        const Greeks g = degenerate(o);
        out.price[i] = g.price;
        out.delta[i] = g.delta;
        out.gamma[i] = g.gamma;
        out.vega[i] = g.vega;
        out.theta[i] = g.theta;
        out.rho[i] = g.rho;
        out.vanna[i] = g.vanna;
        out.volga[i] = g.volga;
    }
}

}  // namespace keeper::pricing
