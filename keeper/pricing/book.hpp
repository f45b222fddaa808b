// Portfolio aggregation: a book of option series priced in one pass, net and per series.
#pragma once

#include <cstddef>
#include <span>

#include "keeper/core/expected.hpp"
#include "keeper/pricing/black_scholes.hpp"

namespace keeper::pricing {

/// A holding in one option series: quantity > 0 long, < 0 short, in options of one unit of
/// underlying each (a vault that wrote 120 ETH of calls holds quantity -120).
struct Position {
    OptionSpec option;
    double quantity{0.0};
};

/// Quantity-weighted sums over a book. delta is the number of underlying units that neutralises
/// it (hedge with -delta); value in quote units.
struct BookGreeks {
    double value{0.0};
    double delta{0.0};
    double gamma{0.0};
    double vega{0.0};
    double theta{0.0};
    double rho{0.0};
    double vanna{0.0};
    double volga{0.0};
};

struct BookError {
    std::size_t index{0};  // first invalid position
    PricingError error{PricingError::kNonFiniteInput};
};

/// Prices every position (batched) and sums quantity x Greek. If per_series is non-empty it
/// must have positions.size() elements and receives each series' Greeks times its quantity.
[[nodiscard]] Expected<BookGreeks, BookError> aggregate_book(std::span<const Position> positions,
                                                             std::span<Greeks> per_series = {}) noexcept;

}  // namespace keeper::pricing
