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

namespace {

// sigma sqrt(T) == 0: the discounted forward intrinsic value, a step delta, no convexity.
Greeks degenerate(const OptionSpec& o) noexcept {
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

// sigma sqrt(T) == 0 (expired, zero volatility, or a product that underflows). The common
// case is decided by two compares; the square root is taken only for tiny inputs.
bool is_degenerate(double vol, double time) noexcept {
    if (vol >= 1e-150 && time >= 1e-150) return false;
    return !(vol * std::sqrt(time) > 0.0);
}

detail::Inputs to_inputs(const OptionSpec& o) noexcept {
    return {o.spot, o.strike, o.time, o.vol, o.rate, o.carry, o.type == OptionType::kCall ? 1.0 : -1.0};
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

template <class Out>
Out kernel_one_baseline(const detail::Inputs& in) noexcept {
    return detail::kernel<Out, detail::Path::kSingle>(in);
}

template <class Out>
using KernelOne = Out (*)(const detail::Inputs&) noexcept;

template <class Out>
KernelOne<Out> select_one() noexcept {
#if defined(KEEPER_PRICING_HAVE_AVX2)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        if constexpr (std::is_same_v<Out, Greeks>) {
            return &detail::kernel_one_avx2;
        } else {
            return &detail::kernel_one_core_avx2;
        }
    }
#endif
    return &kernel_one_baseline<Out>;
}

template <class Out>
Out kernel_one(const detail::Inputs& in) noexcept {
    static const KernelOne<Out> impl = select_one<Out>();
    return impl(in);
}

CoreGreeks core_of(const Greeks& g) noexcept {
    return {g.price, g.delta, g.gamma, g.vega, g.theta};
}

}  // namespace

Expected<Greeks, PricingError> bs_greeks(const OptionSpec& o) noexcept {
    if (auto v = validate(o); !v) return Unexpected(v.error());
    return bs_greeks_unchecked(o);
}

Greeks bs_greeks_unchecked(const OptionSpec& o) noexcept {
    assert(validate(o).has_value());
    if (is_degenerate(o.vol, o.time)) return degenerate(o);
    return kernel_one<Greeks>(to_inputs(o));
}

Expected<CoreGreeks, PricingError> bs_core_greeks(const OptionSpec& o) noexcept {
    if (auto v = validate(o); !v) return Unexpected(v.error());
    return bs_core_greeks_unchecked(o);
}

CoreGreeks bs_core_greeks_unchecked(const OptionSpec& o) noexcept {
    assert(validate(o).has_value());
    if (is_degenerate(o.vol, o.time)) return core_of(degenerate(o));
    return kernel_one<CoreGreeks>(to_inputs(o));
}

double bs_price_unchecked(const OptionSpec& o) noexcept {
    return bs_greeks_unchecked(o).price;
}

void bs_greeks_batch(std::span<const OptionSpec> options, std::span<Greeks> out) noexcept {
    assert(out.size() == options.size());
    // Transposed through structure-of-arrays blocks on the stack.
    constexpr std::size_t kBlock = 64;
    alignas(64) double in[7][kBlock];
    alignas(64) double res[8][kBlock];
    const detail::InColumns ic{in[0], in[1], in[2], in[3], in[4], in[5], in[6]};
    const detail::OutColumns oc{res[0], res[1], res[2], res[3], res[4], res[5], res[6], res[7]};
    for (std::size_t base = 0; base < options.size(); base += kBlock) {
        const std::size_t n = std::min(kBlock, options.size() - base);
        for (std::size_t i = 0; i < n; ++i) {
            const OptionSpec& o = options[base + i];
            in[0][i] = o.spot;
            in[1][i] = o.strike;
            in[2][i] = o.time;
            in[3][i] = o.vol;
            in[4][i] = o.rate;
            in[5][i] = o.carry;
            in[6][i] = o.type == OptionType::kCall ? 1.0 : -1.0;
        }
        kernel_block(ic, oc, n);
        for (std::size_t i = 0; i < n; ++i) {
            const OptionSpec& o = options[base + i];
            if (is_degenerate(o.vol, o.time)) {
                out[base + i] = degenerate(o);
                continue;
            }
            out[base + i] = {res[0][i], res[1][i], res[2][i], res[3][i], res[4][i], res[5][i], res[6][i], res[7][i]};
        }
    }
}

void bs_core_greeks_batch(std::span<const OptionSpec> options, std::span<CoreGreeks> out) noexcept {
    assert(out.size() == options.size());
    constexpr std::size_t kBlock = 64;
    alignas(64) double in[7][kBlock];
    alignas(64) double res[5][kBlock];
    const detail::InColumns ic{in[0], in[1], in[2], in[3], in[4], in[5], in[6]};
    const detail::CoreOutColumns oc{res[0], res[1], res[2], res[3], res[4]};
    for (std::size_t base = 0; base < options.size(); base += kBlock) {
        const std::size_t n = std::min(kBlock, options.size() - base);
        for (std::size_t i = 0; i < n; ++i) {
            const OptionSpec& o = options[base + i];
            in[0][i] = o.spot;
            in[1][i] = o.strike;
            in[2][i] = o.time;
            in[3][i] = o.vol;
            in[4][i] = o.rate;
            in[5][i] = o.carry;
            in[6][i] = o.type == OptionType::kCall ? 1.0 : -1.0;
        }
        kernel_block_core(ic, oc, n);
        for (std::size_t i = 0; i < n; ++i) {
            const OptionSpec& o = options[base + i];
            if (is_degenerate(o.vol, o.time)) {
                out[base + i] = core_of(degenerate(o));
                continue;
            }
            out[base + i] = {res[0][i], res[1][i], res[2][i], res[3][i], res[4][i]};
        }
    }
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
