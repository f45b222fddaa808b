// QuantLib's AnalyticEuropeanEngine on flat curves: the reference for prices and Greeks.
#pragma once

#include "keeper/pricing/black_scholes.hpp"

namespace keeper::test {

/// Prices o with QuantLib (Actual/365 Fixed: o.time must be a whole number of days / 365).
/// vanna and volga are not provided by QuantLib and are left at zero.
[[nodiscard]] pricing::Greeks quantlib_greeks(const pricing::OptionSpec& o);

}  // namespace keeper::test
