#include "quantlib_reference.hpp"

#include <cmath>

#include <ql/exercise.hpp>
#include <ql/instruments/vanillaoption.hpp>
#include <ql/pricingengines/vanilla/analyticeuropeanengine.hpp>
#include <ql/processes/blackscholesprocess.hpp>
#include <ql/quotes/simplequote.hpp>
#include <ql/settings.hpp>
#include <ql/termstructures/volatility/equityfx/blackconstantvol.hpp>
#include <ql/termstructures/yield/flatforward.hpp>
#include <ql/time/calendars/nullcalendar.hpp>
#include <ql/time/daycounters/actual365fixed.hpp>

namespace keeper::test {

pricing::Greeks quantlib_greeks(const pricing::OptionSpec& o) {
    using namespace QuantLib;
    const Date today(15, May, 2024);
    Settings::instance().evaluationDate() = today;
    const DayCounter dc = Actual365Fixed();
    const auto days = static_cast<Integer>(std::lround(o.time * 365.0));
    const Date expiry = today + days;
    auto spot = ext::make_shared<SimpleQuote>(o.spot);
    Handle<YieldTermStructure> r(ext::make_shared<FlatForward>(today, o.rate, dc));
    Handle<YieldTermStructure> q(ext::make_shared<FlatForward>(today, o.rate - o.carry, dc));
    Handle<BlackVolTermStructure> v(ext::make_shared<BlackConstantVol>(today, NullCalendar(), o.vol, dc));
    auto process = ext::make_shared<BlackScholesMertonProcess>(Handle<Quote>(spot), q, r, v);
    VanillaOption option(ext::make_shared<PlainVanillaPayoff>(
                             o.type == pricing::OptionType::kCall ? Option::Call : Option::Put, o.strike),
                         ext::make_shared<EuropeanExercise>(expiry));
    option.setPricingEngine(ext::make_shared<AnalyticEuropeanEngine>(process));
    pricing::Greeks g;
    g.price = option.NPV();
    g.delta = option.delta();
    g.gamma = option.gamma();
    g.vega = option.vega();
    g.theta = option.theta();
    g.rho = option.rho();
    return g;
}

}  // namespace keeper::test
