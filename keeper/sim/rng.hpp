// Deterministic random numbers for the simulator: xoshiro256++ (Blackman & Vigna), seeded per
// path from (seed, path index) through SplitMix64, so a path's numbers depend on nothing else:
// not on the thread that draws it, nor on how many paths or policies run beside it. That is what
// makes the backtest reproducible for a seed and gives every policy the same paths (common
// random numbers).
//
// Normals come from the ziggurat of Marsaglia & Tsang (2000) with 256 layers, using Doornik's
// (2005) remedy: the layer index and the uniform are taken from disjoint bits of one draw.
#pragma once

#include <cstdint>
#include <span>

namespace keeper::sim {

[[nodiscard]] constexpr std::uint64_t splitmix64(std::uint64_t& state) noexcept {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

class Rng {
public:
    /// The generator of path `stream` of the run seeded with `seed`.
    constexpr Rng(std::uint64_t seed, std::uint64_t stream) noexcept {
        std::uint64_t sm = seed ^ (stream * 0xd1342543de82ef95u + 0x2545f4914f6cdd1du);
        for (auto& w : s_) w = splitmix64(sm);
    }

    constexpr std::uint64_t next() noexcept {
        const std::uint64_t result = rotl(s_[0] + s_[3], 23) + s_[0];
        const std::uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }

    /// Uniform on the open interval (0, 1): 53 random bits, offset by half an ulp.
    constexpr double uniform() noexcept { return (static_cast<double>(next() >> 11) + 0.5) * 0x1.0p-53; }

    /// A standard normal by the ziggurat method (exact, ~99% of draws take one 64-bit number).
    double normal() noexcept;

    /// Fills `out` with standard normals, in order (the same numbers as calling normal() in a
    /// loop; defined beside it so that the draw inlines into the loop).
    void fill_normals(std::span<double> out) noexcept;

private:
    double normal_inline() noexcept;
    static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
    std::uint64_t s_[4]{};
};

}  // namespace keeper::sim
