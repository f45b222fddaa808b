#include "keeper/sim/rng.hpp"

#include <array>
#include <cmath>

namespace keeper::sim {

namespace {

constexpr int kLayers = 256;
constexpr double kR = 3.6541528853610088;  // start of the tail (Marsaglia & Tsang, 256 layers)
constexpr double kV = 0.00492867323399;    // area of each layer and of the base strip

struct Ziggurat {
    std::array<double, kLayers + 1> x{};  // layer edges, x[1] = R, x[256] = 0; x[0] the base strip's
    std::array<double, kLayers> ratio{};  // x[i+1] / x[i]: the fast-accept threshold
    std::array<double, kLayers + 1> f{};  // exp(-x^2/2) at the edges

    Ziggurat() noexcept {
        const auto density = [](double v) { return std::exp(-0.5 * v * v); };
        x[0] = kV / density(kR);
        x[1] = kR;
        for (int i = 2; i < kLayers; ++i) {
            const auto k = static_cast<std::size_t>(i);
            x[k] = std::sqrt(-2.0 * std::log(kV / x[k - 1] + density(x[k - 1])));
        }
        x[kLayers] = 0.0;
        for (std::size_t i = 0; i < kLayers; ++i) ratio[i] = x[i + 1] / x[i];
        for (std::size_t i = 0; i <= kLayers; ++i) f[i] = density(x[i]);
    }
};

const Ziggurat& ziggurat() noexcept {
    static const Ziggurat z;
    return z;
}

}  // namespace

[[gnu::always_inline]] inline double Rng::normal_inline() noexcept {
    const Ziggurat& z = ziggurat();
    for (;;) {
        const std::uint64_t bits = next();
        const auto i = static_cast<std::size_t>(bits & 0xffu);
        // Bits 11..63 give u in (-1, 1); bits 0..7 chose the layer.
        const double u = 2.0 * ((static_cast<double>(bits >> 11) + 0.5) * 0x1.0p-53) - 1.0;
        if (std::abs(u) < z.ratio[i]) return u * z.x[i];  // inside the rectangle under the curve
        if (i == 0) {
            // The tail beyond R (Marsaglia 1964).
            double t = 0.0;
            double y = 0.0;
            do {
                t = -std::log(uniform()) / kR;
                y = -std::log(uniform());
            } while (y + y < t * t);
            return u > 0.0 ? kR + t : -(kR + t);
        }
        // The wedge between the rectangle and the curve.
        const double v = u * z.x[i];
        if (z.f[i + 1] + uniform() * (z.f[i] - z.f[i + 1]) < std::exp(-0.5 * v * v)) return v;
    }
}

double Rng::normal() noexcept {
    return normal_inline();
}

void Rng::fill_normals(std::span<double> out) noexcept {
    // Draw from a local copy: its state stays in registers (the generator's own state would be
    // stored back after every draw, as the tail's calls to log() and exp() could read it), and
    // the same numbers come out in the same order.
    Rng local = *this;
    for (double& z : out) z = local.normal_inline();
    *this = local;
}

}  // namespace keeper::sim
