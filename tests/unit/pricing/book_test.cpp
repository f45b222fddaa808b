// Portfolio aggregation: sums of quantity x Greeks, per-series breakdown, error index.
#include <catch2/catch.hpp>

#include <vector>

#include "keeper/pricing/book.hpp"

using namespace keeper::pricing;

TEST_CASE("a book's Greeks are the quantity-weighted sums of its series", "[book]") {
    std::vector<Position> book;
    for (int i = 0; i < 600; ++i) {
        const OptionSpec o{i % 2 ? OptionType::kCall : OptionType::kPut,
                           3000.0,
                           2000.0 + 5.0 * i,
                           (1 + i % 9) / 52.0,
                           0.5 + 0.001 * i,
                           0.04,
                           0.04};
        book.push_back({o, (i % 3 == 0 ? -1.0 : 0.5) * (1 + i % 5)});
    }
    std::vector<Greeks> per(book.size());
    const BookGreeks total = aggregate_book(book, per).value();
    BookGreeks want;
    for (std::size_t i = 0; i < book.size(); ++i) {
        const Greeks g = bs_greeks_unchecked(book[i].option);
        const double q = book[i].quantity;
        want.value += q * g.price;
        want.delta += q * g.delta;
        want.gamma += q * g.gamma;
        want.vega += q * g.vega;
        want.theta += q * g.theta;
        CHECK(per[i].delta == Approx(q * g.delta).epsilon(1e-13).margin(1e-15));
    }
    CHECK(total.value == Approx(want.value).epsilon(1e-12));
    CHECK(total.delta == Approx(want.delta).epsilon(1e-12));
    CHECK(total.gamma == Approx(want.gamma).epsilon(1e-12));
    CHECK(total.vega == Approx(want.vega).epsilon(1e-12));
    CHECK(total.theta == Approx(want.theta).epsilon(1e-12));
    // Without the breakdown the totals are the same.
    CHECK(aggregate_book(book).value().delta == total.delta);
}

TEST_CASE("an invalid series is reported by index", "[book]") {
    std::vector<Position> book(3, Position{{OptionType::kCall, 100.0, 100.0, 0.5, 0.3, 0.0, 0.0}, 1.0});
    book[2].option.strike = 0.0;
    const auto r = aggregate_book(book);
    REQUIRE(!r);
    CHECK(r.error().index == 2);
    CHECK(r.error().error == PricingError::kNonPositiveStrike);
    CHECK(aggregate_book({}).value().delta == 0.0);
}
