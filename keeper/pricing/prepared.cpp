#include "keeper/pricing/prepared.hpp"

#include <cassert>
#include <cmath>

#include "keeper/pricing/black_scholes_kernel.hpp"

namespace keeper::pricing {

namespace {

void value_delta_gamma_baseline(const detail::PreparedColumns& in, const double* spot,
                                const detail::ValueDeltaGammaColumns& out, std::size_t n) noexcept {
    detail::value_delta_gamma_loop(in, spot, out, n);
}

using Impl = void (*)(const detail::PreparedColumns&, const double*, const detail::ValueDeltaGammaColumns&,
                      std::size_t) noexcept;

// As in black_scholes.cpp: the AVX2+FMA build where the CPU has it.
Impl select_impl() noexcept {
#if defined(KEEPER_PRICING_HAVE_AVX2)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return &detail::value_delta_gamma_avx2;
#endif
    return &value_delta_gamma_baseline;
}

}  // namespace

PreparedSeries::PreparedSeries(std::span<const OptionSpec> options) {
    const std::size_t n = options.size();
    for (auto* c : {&inv_strike_, &carry_time_, &s_, &inv_s_, &growth_over_strike_, &df_q_, &strike_df_, &w_})
        c->resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        const OptionSpec& o = options[i];
        const double s = o.vol * std::sqrt(o.time);
        const bool ok = s > 0.0;
        const double df_r = std::exp(-o.rate * o.time);
        const double growth = std::exp(o.carry * o.time);
        inv_strike_[i] = 1.0 / o.strike;
        carry_time_[i] = o.carry * o.time;
        s_[i] = ok ? s : 1.0;  // degenerate lanes compute finite garbage, overwritten below
        inv_s_[i] = ok ? 1.0 / s : 1.0;
        growth_over_strike_[i] = growth / o.strike;
        df_q_[i] = std::exp((o.carry - o.rate) * o.time);  // exactly 1 when b = r
        strike_df_[i] = o.strike * df_r;
        w_[i] = o.type == OptionType::kCall ? 1.0 : -1.0;
        if (!ok) {
            degenerate_.push_back(i);
            degenerate_spec_.push_back(o);
        }
    }
}

void PreparedSeries::value_delta_gamma(std::span<const double> spot, std::span<double> price, std::span<double> delta,
                                       std::span<double> gamma) const noexcept {
    const std::size_t n = size();
    assert(spot.size() == n && price.size() == n && delta.size() == n && gamma.size() == n);
    static const Impl impl = select_impl();
    impl({inv_strike_.data(), carry_time_.data(), s_.data(), inv_s_.data(), growth_over_strike_.data(), df_q_.data(),
          strike_df_.data(), w_.data()},
         spot.data(), {price.data(), delta.data(), gamma.data()}, n);
    for (std::size_t k = 0; k < degenerate_.size(); ++k) {
        const std::size_t i = degenerate_[k];
        OptionSpec o = degenerate_spec_[k];
        o.spot = spot[i];
        const Greeks g = bs_greeks_unchecked(o);
        price[i] = g.price;
        delta[i] = g.delta;
        gamma[i] = g.gamma;
    }
}

}  // namespace keeper::pricing
