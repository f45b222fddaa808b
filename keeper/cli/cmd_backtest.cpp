// keeper backtest: run a hedging scenario (TOML) through the simulator and report per policy.
//
//   keeper backtest config/backtest/eth_30d.toml --csv out.csv --html out.html
//
// The scenario format is documented in config/backtest/eth_30d.toml. This file is the only
// place that knows TOML: it turns the file into sim::Scenario, a plain struct, and the pure
// layers never see the parser. Unknown keys are errors (a typo must not silently fall back to a
// default), and any one policy parameter may be an array, which sweeps it: one run per value,
// one curve on the frontier.
#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#define TOML_HEADER_ONLY 0
#define TOML_SHARED_LIB 1
#include <toml++/toml.h>

#include "keeper/cli/command.hpp"
#include "keeper/sim/backtest.hpp"
#include "keeper/sim/report.hpp"

namespace keeper::cli {

namespace {

// The day-count basis: [market] days_per_year, 365 unless the scenario says otherwise (Hull's
// textbook experiment uses 52 weeks of 7 days).
struct TimeUnits {
    double day = 1.0 / 365.0;
    [[nodiscard]] double hour() const { return day / 24.0; }
};

// A table with the keys it may hold: reads are checked and typos are reported.
class Section {
public:
    Section(const toml::table* t, std::string path, std::set<std::string> allowed)
        : t_(t), path_(std::move(path)), allowed_(std::move(allowed)) {
        if (t_ == nullptr) return;
        for (const auto& [k, v] : *t_) {
            if (!allowed_.contains(std::string(k.str())))
                throw UsageError("scenario", path_ + "." + std::string(k.str()) + ": unknown key");
        }
    }

    [[nodiscard]] bool has(const std::string& key) const { return t_ != nullptr && t_->contains(key); }

    [[nodiscard]] double number(const std::string& key, std::optional<double> fallback = std::nullopt) const {
        if (!has(key)) {
            if (fallback) return *fallback;
            throw UsageError("scenario", path_ + "." + key + ": missing");
        }
        const auto v = (*t_)[key].value<double>();
        if (!v) throw UsageError("scenario", path_ + "." + key + ": expected a number");
        return *v;
    }

    [[nodiscard]] std::string text(const std::string& key, std::optional<std::string> fallback = std::nullopt) const {
        if (!has(key)) {
            if (fallback) return *fallback;
            throw UsageError("scenario", path_ + "." + key + ": missing");
        }
        const auto v = (*t_)[key].value<std::string>();
        if (!v) throw UsageError("scenario", path_ + "." + key + ": expected a string");
        return *v;
    }

    [[nodiscard]] bool flag(const std::string& key, bool fallback) const {
        if (!has(key)) return fallback;
        const auto v = (*t_)[key].value<bool>();
        if (!v) throw UsageError("scenario", path_ + "." + key + ": expected true or false");
        return *v;
    }

    /// A number or an array of numbers (a sweep).
    [[nodiscard]] std::vector<double> numbers(const std::string& key, std::optional<double> fallback) const {
        if (has(key)) {
            if (const auto* arr = (*t_)[key].as_array()) {
                std::vector<double> out;
                for (const auto& el : *arr) {
                    const auto v = el.value<double>();
                    if (!v) throw UsageError("scenario", path_ + "." + key + ": expected numbers");
                    out.push_back(*v);
                }
                if (out.empty()) throw UsageError("scenario", path_ + "." + key + ": empty sweep");
                return out;
            }
        }
        return {number(key, fallback)};
    }

    [[nodiscard]] const std::string& path() const { return path_; }

private:
    const toml::table* t_;
    std::string path_;
    std::set<std::string> allowed_;
};

std::string short_number(double v) {
    std::ostringstream ss;
    ss << v;
    return ss.str();
}

sim::PathModel parse_model(const Section& m, double pricing_vol) {
    const std::string type = m.text("type", "gbm");
    const double mu = m.number("mu", 0.0);
    if (type == "gbm") return sim::Gbm{mu, m.number("sigma", pricing_vol)};
    if (type == "merton") {
        return sim::Merton{mu, m.number("sigma", pricing_vol), m.number("intensity"), m.number("jump_mean"),
                           m.number("jump_vol")};
    }
    if (type == "heston") {
        return sim::Heston{mu, m.number("v0"), m.number("kappa"), m.number("theta"), m.number("xi"), m.number("rho")};
    }
    throw UsageError("scenario", m.path() + ".type: expected gbm, merton or heston");
}

// Default cost parameters for policies, from the scenario's venue.
struct CostDefaults {
    double fee;
    double gas_quote;  // one trade's gas at the initial spot
};

void parse_policy(const toml::table& t, std::size_t index, const CostDefaults& costs, const TimeUnits& units,
                  std::vector<sim::PolicyRun>& out) {
    const double hour = units.hour();
    const std::string path = "policy[" + std::to_string(index) + "]";
    const auto* type_node = t.get("type");
    if (type_node == nullptr || !type_node->is_string()) throw UsageError("scenario", path + ".type: missing");
    const std::string type = **type_node->as_string();
    auto section = [&](std::set<std::string> keys) {
        keys.insert("type");
        keys.insert("family");
        return Section(&t, path, std::move(keys));
    };
    std::string family = t.contains("family") ? t["family"].value_or(type) : type;

    // Expands the (at most one) swept parameter.
    auto sweep = [&](const Section& s, std::vector<std::pair<std::string, std::vector<double>>> params, auto make) {
        std::size_t swept = params.size();
        for (std::size_t i = 0; i < params.size(); ++i) {
            if (params[i].second.size() > 1) {
                if (swept != params.size())
                    throw UsageError("scenario", s.path() + ": at most one parameter may be swept");
                swept = i;
            }
        }
        const std::size_t runs = swept == params.size() ? 1 : params[swept].second.size();
        for (std::size_t r = 0; r < runs; ++r) {
            std::vector<double> v;
            for (std::size_t i = 0; i < params.size(); ++i) v.push_back(params[i].second[i == swept ? r : 0]);
            const std::size_t named = swept == params.size() ? 0 : swept;
            const std::string label = params.empty() ? type : params[named].first + "=" + short_number(v[named]);
            out.push_back({family, label, make(v)});
        }
    };

    if (type == "time") {
        const Section s = section({"interval_hours"});
        sweep(s, {{"interval_hours", s.numbers("interval_hours", std::nullopt)}},
              [&](const std::vector<double>& v) { return policy::Policy{policy::TimeBased{v[0] * hour}}; });
    } else if (type == "delta_band") {
        const Section s = section({"band", "unit", "to"});
        const std::string unit = s.text("unit", "absolute");
        const std::string to = s.text("to", "center");
        if (unit != "absolute" && unit != "fraction_of_notional")
            throw UsageError("scenario", path + ".unit: expected absolute or fraction_of_notional");
        if (to != "center" && to != "edge") throw UsageError("scenario", path + ".to: expected center or edge");
        const auto u = unit == "absolute" ? policy::BandUnit::kAbsolute : policy::BandUnit::kFractionOfNotional;
        const auto where = to == "center" ? policy::RehedgeTo::kCenter : policy::RehedgeTo::kEdge;
        sweep(s, {{"band", s.numbers("band", std::nullopt)}}, [&](const std::vector<double>& v) {
            return policy::Policy{policy::DeltaBand{v[0], u, where}};
        });
    } else if (type == "gamma_band") {
        const Section s = section({"multiplier", "horizon_hours", "min_band"});
        sweep(s,
              {{"multiplier", s.numbers("multiplier", std::nullopt)},
               {"horizon_hours", s.numbers("horizon_hours", 24.0)},
               {"min_band", s.numbers("min_band", 0.0)}},
              [&](const std::vector<double>& v) {
                  return policy::Policy{policy::GammaBand{v[0], v[1] * hour, v[2], policy::RehedgeTo::kCenter}};
              });
    } else if (type == "whalley_wilmott") {
        const Section s = section({"risk_aversion", "cost_rate"});
        sweep(s,
              {{"risk_aversion", s.numbers("risk_aversion", std::nullopt)},
               {"cost_rate", s.numbers("cost_rate", costs.fee)}},
              [](const std::vector<double>& v) {
                  return policy::Policy{policy::WhalleyWilmott{v[0], v[1]}};
              });
    } else if (type == "leland") {
        const Section s = section({"interval_hours", "round_trip_cost"});
        sweep(s,
              {{"interval_hours", s.numbers("interval_hours", std::nullopt)},
               {"round_trip_cost", s.numbers("round_trip_cost", 2.0 * costs.fee)}},
              [&](const std::vector<double>& v) {
                  return policy::Policy{policy::Leland{v[0] * hour, v[1]}};
              });
    } else if (type == "fixed_cost") {
        const Section s = section({"risk_aversion", "horizon_hours", "fixed_cost", "cost_rate", "min_trade"});
        sweep(s,
              {{"risk_aversion", s.numbers("risk_aversion", std::nullopt)},
               {"horizon_hours", s.numbers("horizon_hours", 24.0)},
               {"fixed_cost", s.numbers("fixed_cost", costs.gas_quote)},
               {"cost_rate", s.numbers("cost_rate", costs.fee)},
               {"min_trade", s.numbers("min_trade", 0.0)}},
              [&](const std::vector<double>& v) {
                  return policy::Policy{policy::FixedCostAware{v[0], v[1] * hour, v[2], v[3], v[4]}};
              });
    } else {
        throw UsageError("scenario", path +
                                         ".type: expected time, delta_band, gamma_band, whalley_wilmott, leland "
                                         "or fixed_cost");
    }
}

sim::Scenario parse_scenario(const std::string& text, const std::string& source) {
    toml::table root;
    try {
        root = toml::parse(text, source);
    } catch (const toml::parse_error& e) {
        std::ostringstream where;
        where << e.source().begin;
        throw UsageError("scenario", std::string(e.description()) + " at " + where.str());
    }
    const Section top(&root, "", {"run", "market", "model", "book", "costs", "limits", "policy"});
    const Section run(root["run"].as_table(), "run", {"paths", "seed", "threads"});
    const Section market(root["market"].as_table(), "market",
                         {"spot", "rate", "carry", "pricing_vol", "horizon_days", "steps_per_day", "days_per_year"});
    const Section model(
        root["model"].as_table(), "model",
        {"type", "mu", "sigma", "intensity", "jump_mean", "jump_vol", "v0", "kappa", "theta", "xi", "rho"});
    const Section costs(
        root["costs"].as_table(), "costs",
        {"fee", "liquidity", "range_half_width", "gas_per_trade", "gas_price_gwei", "gas_token", "gas_token_price"});
    const Section limits(root["limits"].as_table(), "limits",
                         {"max_trade", "remaining_notional", "cooldown_minutes", "min_trade"});

    TimeUnits units;
    units.day = 1.0 / market.number("days_per_year", 365.0);
    const double day = units.day;
    const double hour = units.hour();
    sim::Scenario sc;
    sc.num_paths = static_cast<int>(run.number("paths", 1000.0));
    sc.seed = static_cast<std::uint64_t>(run.number("seed", 1.0));
    sc.threads = static_cast<int>(run.number("threads", 2.0));
    sc.pricing_vol = market.number("pricing_vol");
    sc.rate = market.number("rate", 0.0);
    sc.carry = market.number("carry", sc.rate);
    const double horizon_days = market.number("horizon_days");
    const double steps_per_day = market.number("steps_per_day", 24.0);
    const double steps = std::round(horizon_days * steps_per_day);
    if (!(steps >= 1.0 && steps <= 1e7))
        throw UsageError("scenario", "market: horizon_days x steps_per_day must be >= 1");
    sc.paths = {market.number("spot"), horizon_days * day, static_cast<int>(steps), parse_model(model, sc.pricing_vol)};

    const auto* book = root["book"].as_array();
    if (book == nullptr || book->empty()) throw UsageError("scenario", "book: at least one [[book]] entry needed");
    for (std::size_t i = 0; i < book->size(); ++i) {
        const Section b((*book)[i].as_table(), "book[" + std::to_string(i) + "]",
                        {"type", "strike", "expiry_days", "quantity"});
        const std::string type = b.text("type");
        if (type != "call" && type != "put") throw UsageError("scenario", b.path() + ".type: expected call or put");
        pricing::Position p;
        p.option.type = type == "call" ? pricing::OptionType::kCall : pricing::OptionType::kPut;
        p.option.strike = b.number("strike");
        p.option.time = b.number("expiry_days") * day;
        p.option.spot = sc.paths.s0;
        p.option.vol = sc.pricing_vol;
        p.quantity = b.number("quantity");
        sc.book.push_back(p);
    }

    sc.costs.fee = costs.number("fee", 0.0);
    sc.costs.liquidity = costs.number("liquidity", 0.0);
    sc.costs.range_half_width = costs.number("range_half_width", 0.2);
    sc.costs.gas_per_trade = costs.number("gas_per_trade", 0.0);
    sc.costs.gas_price_gwei = costs.number("gas_price_gwei", 0.0);
    const std::string gas_token = costs.text("gas_token", "underlying");
    if (gas_token != "underlying" && gas_token != "fixed")
        throw UsageError("scenario", "costs.gas_token: expected underlying or fixed");
    sc.costs.gas_token_is_underlying = gas_token == "underlying";
    sc.costs.gas_token_price = costs.number("gas_token_price", 0.0);

    const double inf = std::numeric_limits<double>::infinity();
    sc.limits.max_trade = limits.number("max_trade", inf);
    sc.limits.remaining_notional = limits.number("remaining_notional", inf);
    sc.limits.cooldown = limits.number("cooldown_minutes", 0.0) * hour / 60.0;
    sc.limits.min_trade = limits.number("min_trade", 0.0);

    const double gas_price = sc.costs.gas_token_is_underlying ? sc.paths.s0 : sc.costs.gas_token_price;
    const CostDefaults defaults{sc.costs.fee, sc.costs.gas_per_trade * sc.costs.gas_price_gwei * 1e-9 * gas_price};
    const auto* policies = root["policy"].as_array();
    if (policies == nullptr || policies->empty())
        throw UsageError("scenario", "policy: at least one [[policy]] needed");
    for (std::size_t i = 0; i < policies->size(); ++i) {
        const auto* t = (*policies)[i].as_table();
        if (t == nullptr) throw UsageError("scenario", "policy[" + std::to_string(i) + "]: expected a table");
        parse_policy(*t, i, defaults, units, sc.policies);
    }
    return sc;
}

void write_file(const std::string& path, const std::string& content, std::string_view what) {
    std::ofstream out(path, std::ios::binary);
    if (!out) throw UsageError(what, "cannot open '" + path + "' for writing");
    out << content;
    if (!out) throw UsageError(what, "cannot write '" + path + "'");
}

}  // namespace

void register_backtest_commands(CLI::App& app) {
    auto* cmd = app.add_subcommand("backtest", "Backtest hedging policies on a TOML scenario (see config/backtest/)");
    auto scenario_path = std::make_shared<std::string>();
    auto csv_path = std::make_shared<std::string>();
    auto html_path = std::make_shared<std::string>();
    auto paths = std::make_shared<int>(0);
    auto threads = std::make_shared<int>(0);
    auto seed = std::make_shared<long long>(-1);
    cmd->add_option("scenario", *scenario_path, "Scenario file ('-' for standard input)")->required();
    cmd->add_option("--csv", *csv_path, "Write per-policy results as CSV");
    cmd->add_option("--html", *html_path, "Write a self-contained HTML report with the cost/risk frontier");
    cmd->add_option("--paths", *paths, "Override run.paths");
    cmd->add_option("--threads", *threads, "Override run.threads");
    cmd->add_option("--seed", *seed, "Override run.seed");
    cmd->callback([=] {
        sim::Scenario sc = parse_scenario(read_input_file(*scenario_path, "scenario"), *scenario_path);
        if (*paths > 0) sc.num_paths = *paths;
        if (*threads > 0) sc.threads = *threads;
        if (*seed >= 0) sc.seed = static_cast<std::uint64_t>(*seed);
        const auto start = std::chrono::steady_clock::now();
        const auto report = sim::run_backtest(sc);
        if (!report) throw UsageError("scenario", sim::to_string(report.error()));
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::cout << "# " << *scenario_path << ": " << report->paths << " paths x " << report->steps << " steps, "
                  << sc.book.size() << " series, book value " << report->book_value << ", " << sc.policies.size()
                  << " policy runs, " << seconds << " s (" << static_cast<double>(report->hedge_steps) / seconds / 1e6
                  << " M hedge steps/s, " << sc.threads << " threads)\n";
        std::cout << sim::format_table(*report);
        if (!csv_path->empty()) write_file(*csv_path, sim::format_csv(*report), "--csv");
        if (!html_path->empty()) {
            std::ostringstream sub;
            sub << "Scenario " << *scenario_path << ": " << sim::name(sc.paths.model) << " paths, S0 = " << sc.paths.s0
                << ", pricing vol " << sc.pricing_vol << ", horizon " << sc.paths.steps << " steps, fee "
                << sc.costs.fee * 1e4 << " bp, " << sc.book.size() << " option series.";
            write_file(*html_path, sim::format_html(*report, "Hedging policies: cost / risk frontier", sub.str()),
                       "--html");
        }
    });
}

}  // namespace keeper::cli
