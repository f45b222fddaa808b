#include <cmath>
#include <limits>
#include <optional>
#include <stdexcept>

#include <catch2/catch.hpp>

#include "keeper/ops/metrics.hpp"

using namespace keeper::ops;

TEST_CASE("metrics: counters, gauges and labels render in the text format") {
    Registry r;
    auto& trades = r.counter("keeper_trades_total", "Hedge transactions confirmed.", {"vault"});
    trades.labels({"0xB"}).inc();
    trades.labels({"0xA"}).inc(2);
    trades.labels({"0xA"}).inc(-5);  // ignored: a counter never goes down
    auto& lag = r.gauge("keeper_head_lag_seconds", "Seconds since the last head's timestamp.");
    lag.get().set(1.5);
    auto& errors = r.counter("keeper_rpc_errors_total", "RPC errors.\nPer endpoint \\ kind.", {"endpoint", "kind"});
    errors.labels({"in\"fura", "a\\b\nc"}).inc(3);
    r.gauge("keeper_empty", "Registered, no series yet.", {"x"});

    CHECK(r.render() ==
          "# HELP keeper_empty Registered, no series yet.\n"
          "# TYPE keeper_empty gauge\n"
          "# HELP keeper_head_lag_seconds Seconds since the last head's timestamp.\n"
          "# TYPE keeper_head_lag_seconds gauge\n"
          "keeper_head_lag_seconds 1.5\n"
          "# HELP keeper_rpc_errors_total RPC errors.\\nPer endpoint \\\\ kind.\n"
          "# TYPE keeper_rpc_errors_total counter\n"
          "keeper_rpc_errors_total{endpoint=\"in\\\"fura\",kind=\"a\\\\b\\nc\"} 3\n"
          "# HELP keeper_trades_total Hedge transactions confirmed.\n"
          "# TYPE keeper_trades_total counter\n"
          "keeper_trades_total{vault=\"0xA\"} 2\n"
          "keeper_trades_total{vault=\"0xB\"} 1\n");
}

TEST_CASE("metrics: histograms are cumulative with +Inf, _sum and _count") {
    Registry r;
    auto& h = r.histogram("keeper_decision_seconds", "Time from head to decision.", {0.25, 0.5, 1, 2.5}, {"vault"});
    auto& a = h.labels({"0xA"});
    a.observe(0.25);  // on a bound: counted in that bucket (le is inclusive)
    a.observe(0.375);
    a.observe(0.375);
    a.observe(3);
    h.labels({"0xB"});  // a series with no observations
    CHECK(a.count() == 4);
    CHECK(a.sum() == 4.0);
    CHECK(r.render() ==
          "# HELP keeper_decision_seconds Time from head to decision.\n"
          "# TYPE keeper_decision_seconds histogram\n"
          "keeper_decision_seconds_bucket{vault=\"0xA\",le=\"0.25\"} 1\n"
          "keeper_decision_seconds_bucket{vault=\"0xA\",le=\"0.5\"} 3\n"
          "keeper_decision_seconds_bucket{vault=\"0xA\",le=\"1\"} 3\n"
          "keeper_decision_seconds_bucket{vault=\"0xA\",le=\"2.5\"} 3\n"
          "keeper_decision_seconds_bucket{vault=\"0xA\",le=\"+Inf\"} 4\n"
          "keeper_decision_seconds_sum{vault=\"0xA\"} 4\n"
          "keeper_decision_seconds_count{vault=\"0xA\"} 4\n"
          "keeper_decision_seconds_bucket{vault=\"0xB\",le=\"0.25\"} 0\n"
          "keeper_decision_seconds_bucket{vault=\"0xB\",le=\"0.5\"} 0\n"
          "keeper_decision_seconds_bucket{vault=\"0xB\",le=\"1\"} 0\n"
          "keeper_decision_seconds_bucket{vault=\"0xB\",le=\"2.5\"} 0\n"
          "keeper_decision_seconds_bucket{vault=\"0xB\",le=\"+Inf\"} 0\n"
          "keeper_decision_seconds_sum{vault=\"0xB\"} 0\n"
          "keeper_decision_seconds_count{vault=\"0xB\"} 0\n");

    Registry unlabelled;
    auto& g = unlabelled.histogram("gas_used", "Gas.", {21000}).get();
    g.observe(50'000);
    CHECK(unlabelled.render() ==
          "# HELP gas_used Gas.\n# TYPE gas_used histogram\n"
          "gas_used_bucket{le=\"21000\"} 0\ngas_used_bucket{le=\"+Inf\"} 1\ngas_used_sum 50000\ngas_used_count 1\n");
}

TEST_CASE("metrics: value formatting") {
    CHECK(format_value(0) == "0");
    CHECK(format_value(-3) == "-3");
    CHECK(format_value(1e15) == "1000000000000000");
    CHECK(format_value(1e300) == "1e+300");
    CHECK(format_value(0.1) == "0.1");
    CHECK(format_value(1.0 / 3.0) == "0.3333333333333333");
    CHECK(format_value(std::numeric_limits<double>::infinity()) == "+Inf");
    CHECK(format_value(-std::numeric_limits<double>::infinity()) == "-Inf");
    CHECK(format_value(std::nan("")) == "NaN");
    CHECK(escape_label_value("a\"b\\c\nd") == "a\\\"b\\\\c\\nd");
    CHECK(escape_help("a\"b\\c\nd") == "a\"b\\\\c\\nd");
    CHECK(exponential_buckets(0.5, 2, 4) == std::vector<double>{0.5, 1, 2, 4});
    CHECK(linear_buckets(1, 2, 3) == std::vector<double>{1, 3, 5});
}

TEST_CASE("metrics: registration is idempotent and misuse is refused") {
    Registry r;
    auto& a = r.counter("x_total", "X.", {"k"});
    auto& b = r.counter("x_total", "X.", {"k"});
    CHECK(&a == &b);
    CHECK(&a.labels({"v"}) == &b.labels({"v"}));
    CHECK_THROWS_AS(r.gauge("x_total", "X.", {"k"}), std::logic_error);        // another type
    CHECK_THROWS_AS(r.counter("x_total", "Other.", {"k"}), std::logic_error);  // another help
    CHECK_THROWS_AS(r.counter("x_total", "X.", {"j"}), std::logic_error);      // other labels
    CHECK_THROWS_AS(a.labels({}), std::logic_error);                           // wrong arity
    CHECK_THROWS_AS(r.counter("1bad", "X."), std::logic_error);
    CHECK_THROWS_AS(r.counter("bad-name", "X."), std::logic_error);
    CHECK_THROWS_AS(r.counter("ok", "X.", {"__reserved"}), std::logic_error);
    CHECK_THROWS_AS(r.counter("ok2", "X.", {"a", "a"}), std::logic_error);
    CHECK_THROWS_AS(r.histogram("h", "H.", {1, 1}), std::logic_error);
    CHECK_THROWS_AS(r.histogram("h2", "H.", {1, std::numeric_limits<double>::infinity()}), std::logic_error);
    CHECK_THROWS_AS(r.histogram("h3", "H.", {1}, {"le"}), std::logic_error);
    auto& h = r.histogram("h4", "H.", {1, 2});
    CHECK(&h == &r.histogram("h4", "H.", {1, 2}));
    CHECK_THROWS_AS(r.histogram("h4", "H.", {1, 3}), std::logic_error);
}

TEST_CASE("metrics: callback gauges are computed at render time, no value leaves the series out") {
    Registry r;
    // A clock the test moves: the gauge follows it without anyone setting it.
    double now = 100.0;
    std::optional<double> last_event;
    auto& age = r.callback_gauge("keeper_last_event_age_seconds", "Seconds since the last event.");
    age.get().set([&]() -> std::optional<double> {
        if (!last_event) return std::nullopt;
        return now - *last_event;
    });
    // Nothing seen yet: HELP and TYPE (gauge), no sample.
    CHECK(r.render() ==
          "# HELP keeper_last_event_age_seconds Seconds since the last event.\n"
          "# TYPE keeper_last_event_age_seconds gauge\n");
    last_event = 98.5;
    CHECK(r.render() ==
          "# HELP keeper_last_event_age_seconds Seconds since the last event.\n"
          "# TYPE keeper_last_event_age_seconds gauge\n"
          "keeper_last_event_age_seconds 1.5\n");
    now = 130.0;  // no new event: the age keeps growing between renders
    CHECK(r.render().find("keeper_last_event_age_seconds 31.5\n") != std::string::npos);
    CHECK(age.get().value() == Approx(31.5));

    // Labelled series, rendered sorted by label value, each with its own callback.
    auto& per = r.callback_gauge("keeper_vault_age_seconds", "Per vault.", {"vault"});
    per.labels({"0xB"}).set([] { return std::optional<double>(2.0); });
    per.labels({"0xA"}).set([] { return std::optional<double>(1.0); });
    per.labels({"0xC"}).set([] { return std::optional<double>(); });
    const std::string text = r.render();
    CHECK(text.find("keeper_vault_age_seconds{vault=\"0xA\"} 1\nkeeper_vault_age_seconds{vault=\"0xB\"} 2\n") !=
          std::string::npos);
    CHECK(text.find("0xC") == std::string::npos);

    // reset(): the owner of the captured state is gone; the registry renders no value.
    age.get().reset();
    CHECK_FALSE(age.get().value());
    // (A sample starts a line; "# HELP keeper_last_event_age_seconds ..." stays.)
    CHECK(r.render().find("\nkeeper_last_event_age_seconds ") == std::string::npos);

    // One name, one kind: a plain gauge and a callback gauge cannot share it; re-registration
    // with the same definition returns the same family.
    CHECK(&r.callback_gauge("keeper_vault_age_seconds", "Per vault.", {"vault"}) == &per);
    CHECK_THROWS_AS(r.gauge("keeper_vault_age_seconds", "Per vault.", {"vault"}), std::logic_error);
    r.gauge("keeper_plain", "Plain.");
    CHECK_THROWS_AS(r.callback_gauge("keeper_plain", "Plain."), std::logic_error);
    CHECK_THROWS_AS(r.callback_gauge("bad-name", "X."), std::logic_error);
}
