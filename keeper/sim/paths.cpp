#include "keeper/sim/paths.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>

#include "keeper/pricing/fast_math.hpp"

namespace keeper::sim {

std::string_view to_string(PathError e) noexcept {
    switch (e) {
        case PathError::kNonPositiveSpot:
            return "initial spot must be positive";
        case PathError::kNonPositiveHorizon:
            return "horizon must be positive";
        case PathError::kNoSteps:
            return "steps must be at least 1";
        case PathError::kInvalidModel:
            return "invalid model parameters";
    }
    return "unknown path error";
}

std::string_view name(const PathModel& m) noexcept {
    if (std::holds_alternative<Gbm>(m)) return "gbm";
    if (std::holds_alternative<Merton>(m)) return "merton";
    return "heston";
}

Expected<void, PathError> validate(const PathSpec& spec) noexcept {
    if (!(spec.s0 > 0.0) || !std::isfinite(spec.s0)) return Unexpected(PathError::kNonPositiveSpot);
    if (!(spec.horizon > 0.0) || !std::isfinite(spec.horizon)) return Unexpected(PathError::kNonPositiveHorizon);
    if (spec.steps < 1) return Unexpected(PathError::kNoSteps);
    bool ok = true;
    if (const auto* g = std::get_if<Gbm>(&spec.model)) ok = std::isfinite(g->mu) && g->sigma >= 0.0;
    if (const auto* m = std::get_if<Merton>(&spec.model)) {
        ok = std::isfinite(m->mu) && m->sigma >= 0.0 && m->intensity >= 0.0 && std::isfinite(m->jump_mean) &&
             m->jump_vol >= 0.0;
    }
    if (const auto* h = std::get_if<Heston>(&spec.model)) {
        ok = std::isfinite(h->mu) && h->v0 >= 0.0 && h->kappa >= 0.0 && h->theta >= 0.0 && h->xi >= 0.0 &&
             h->rho >= -1.0 && h->rho <= 1.0;
    }
    if (!ok) return Unexpected(PathError::kInvalidModel);
    return {};
}

namespace {

// Poisson(mean) by inversion of the CDF on one uniform (mean = lambda dt is small).
int poisson(Rng& rng, double mean) noexcept {
    const double u = rng.uniform();
    double p = std::exp(-mean);
    double cdf = p;
    int k = 0;
    while (u > cdf && k < 64) {
        ++k;
        p *= mean / k;
        cdf += p;
    }
    return k;
}

// spot[i] = s0 e^{x[i]}: the path generator's widest loop, built twice, the x86-64-v3 clone
// with four lanes of AVX2 instead of two of SSE2. The library is compiled with
// -ffp-contract=off, so the clone does not fuse multiply-adds: both give the same bits.
[[gnu::target_clones("arch=x86-64-v3", "default")]] void scale_exp(double s0, const double* __restrict x,
                                                                   double* __restrict spot, std::size_t n) noexcept {
    for (std::size_t i = 0; i < n; ++i) spot[i] = s0 * pricing::detail::exp(x[i]);
}

}  // namespace

void simulate_path(const PathSpec& spec, std::uint64_t seed, std::uint64_t index, std::span<double> spot,
                   std::span<double> normals) noexcept {
    const auto n = static_cast<std::size_t>(spec.steps);
    assert(spot.size() == n + 1 && normals.size() >= 2 * n);
    Rng rng(seed, index);
    const double dt = spec.horizon / spec.steps;
    const double sqrt_dt = std::sqrt(dt);
    spot[0] = spec.s0;
    if (const auto* g = std::get_if<Gbm>(&spec.model)) {
        const auto z = normals.first(n);
        rng.fill_normals(z);
        const double drift = (g->mu - 0.5 * g->sigma * g->sigma) * dt;
        const double diffusion = g->sigma * sqrt_dt;
        // Log-price by a running sum, then one vectorisable exp per step.
        double x = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
            x += drift + diffusion * z[i];
            z[i] = x;
        }
        scale_exp(spec.s0, z.data(), spot.data() + 1, n);
    } else if (const auto* m = std::get_if<Merton>(&spec.model)) {
        const auto z = normals.first(n);
        rng.fill_normals(z);
        const double k = std::exp(m->jump_mean + 0.5 * m->jump_vol * m->jump_vol) - 1.0;
        const double drift = (m->mu - 0.5 * m->sigma * m->sigma - m->intensity * k) * dt;
        const double diffusion = m->sigma * sqrt_dt;
        double x = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
            x += drift + diffusion * z[i];
            // Jumps from the same stream, after the diffusion normals: still one stream per path.
            const int jumps = m->intensity > 0.0 ? poisson(rng, m->intensity * dt) : 0;
            for (int j = 0; j < jumps; ++j) x += m->jump_mean + m->jump_vol * rng.normal();
            spot[i + 1] = spec.s0 * std::exp(x);
        }
    } else {
        const Heston& h = *std::get_if<Heston>(&spec.model);  // the only alternative left
        const auto z = normals.first(2 * n);
        rng.fill_normals(z);
        const double rho_c = std::sqrt(std::max(0.0, 1.0 - h.rho * h.rho));
        double x = 0.0;
        double v = h.v0;
        for (std::size_t i = 0; i < n; ++i) {
            const double vp = std::max(v, 0.0);
            const double sv = std::sqrt(vp * dt);
            const double z1 = z[2 * i];
            const double z2 = h.rho * z1 + rho_c * z[2 * i + 1];
            x += (h.mu - 0.5 * vp) * dt + sv * z1;
            v += h.kappa * (h.theta - vp) * dt + h.xi * sv * z2;
            spot[i + 1] = spec.s0 * std::exp(x);
        }
    }
}

}  // namespace keeper::sim
