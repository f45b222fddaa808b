#include "keeper/pricing/book.hpp"

#include <algorithm>
#include <array>
#include <cassert>

namespace keeper::pricing {

Expected<BookGreeks, BookError> aggregate_book(std::span<const Position> positions,
                                               std::span<Greeks> per_series) noexcept {
    assert(per_series.empty() || per_series.size() == positions.size());
    for (std::size_t i = 0; i < positions.size(); ++i)
        if (auto v = validate(positions[i].option); !v) return Unexpected(BookError{i, v.error()});

    constexpr std::size_t kChunk = 256;
    std::array<OptionSpec, kChunk> specs;
    std::array<Greeks, kChunk> greeks;
    BookGreeks total;
    for (std::size_t base = 0; base < positions.size(); base += kChunk) {
        const std::size_t n = std::min(kChunk, positions.size() - base);
        for (std::size_t i = 0; i < n; ++i) specs[i] = positions[base + i].option;
        bs_greeks_batch(std::span(specs).first(n), std::span(greeks).first(n));
        for (std::size_t i = 0; i < n; ++i) {
            const double q = positions[base + i].quantity;
            const Greeks& g = greeks[i];
            const Greeks scaled{q * g.price, q * g.delta, q * g.gamma, q * g.vega,
                                q * g.theta, q * g.rho,   q * g.vanna, q * g.volga};
            total.value += scaled.price;
            total.delta += scaled.delta;
            total.gamma += scaled.gamma;
            total.vega += scaled.vega;
            total.theta += scaled.theta;
            total.rho += scaled.rho;
            total.vanna += scaled.vanna;
            total.volga += scaled.volga;
            if (!per_series.empty()) per_series[base + i] = scaled;
        }
    }
    return total;
}

}  // namespace keeper::pricing
