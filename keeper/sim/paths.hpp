// Price paths under the real-world measure: geometric Brownian motion, Merton's jump-diffusion
// and Heston's stochastic volatility (full-truncation Euler on log S). The drift mu is the
// real-world one, independent of the volatility the book is priced and hedged at.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <variant>

#include "keeper/core/expected.hpp"
#include "keeper/sim/rng.hpp"

namespace keeper::sim {

/// dS/S = mu dt + sigma dW.
struct Gbm {
    double mu{0.0};
    double sigma{0.2};
};

/// GBM plus compound-Poisson log-normal jumps: intensity lambda per year, log jump size
/// N(jump_mean, jump_vol^2). The drift is compensated, E[S_t] = S_0 e^{mu t}.
struct Merton {
    double mu{0.0};
    double sigma{0.2};
    double intensity{1.0};
    double jump_mean{0.0};
    double jump_vol{0.1};
};

/// dS/S = mu dt + sqrt(v) dW1, dv = kappa (theta - v) dt + xi sqrt(v) dW2, d<W1, W2> = rho dt.
/// Discretised with full truncation (Lord, Koekkoek & van Dijk 2010): v+ = max(v, 0) in both
/// drift and diffusion, which keeps the scheme stable when the Feller condition fails.
struct Heston {
    double mu{0.0};
    double v0{0.04};
    double kappa{2.0};
    double theta{0.04};
    double xi{0.5};
    double rho{-0.7};
};

using PathModel = std::variant<Gbm, Merton, Heston>;

struct PathSpec {
    double s0{100.0};
    double horizon{1.0};  // years
    int steps{252};
    PathModel model{Gbm{}};
};

enum class PathError : std::uint8_t { kNonPositiveSpot, kNonPositiveHorizon, kNoSteps, kInvalidModel };
[[nodiscard]] std::string_view to_string(PathError e) noexcept;
[[nodiscard]] Expected<void, PathError> validate(const PathSpec& spec) noexcept;
[[nodiscard]] std::string_view name(const PathModel& m) noexcept;

/// Writes spot[0..steps] of path `index` (spot[0] = s0). spot.size() must be steps + 1 and
/// normals (scratch) at least 2 * steps long. Deterministic in (seed, index).
void simulate_path(const PathSpec& spec, std::uint64_t seed, std::uint64_t index, std::span<double> spot,
                   std::span<double> normals) noexcept;

}  // namespace keeper::sim
