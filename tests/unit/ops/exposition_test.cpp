#include <cmath>
#include <limits>
#include <string>

#include <catch2/catch.hpp>

#include "keeper/ops/exposition.hpp"
#include "keeper/ops/metrics.hpp"

using namespace keeper::ops;

namespace {

Exposition parse_ok(std::string_view text) {
    auto parsed = parse_exposition(text);
    INFO((parsed ? std::string() : parsed.error().to_string()));
    REQUIRE(parsed);
    return std::move(parsed).value();
}

std::string parse_error(std::string_view text) {
    auto parsed = parse_exposition(text);
    REQUIRE_FALSE(parsed);
    return parsed.error().to_string();
}

}  // namespace

TEST_CASE("exposition: a hand-written text from the format's documentation") {
    // The example of https://prometheus.io/docs/instrumenting/exposition_formats/ (text format).
    const Exposition e = parse_ok(
        "# HELP http_requests_total The total number of HTTP requests.\n"
        "# TYPE http_requests_total counter\n"
        "http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n"
        "http_requests_total{method=\"post\",code=\"400\"}    3 1395066363000\n"
        "\n"
        "# Escaping in label values:\n"
        "msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find file:\\n\\\"FILE.TXT\\\"\"} "
        "1.458255915e9\n"
        "\n"
        "# Minimalistic line:\n"
        "metric_without_timestamp_and_labels 12.47\n"
        "\n"
        "# A weird metric from before the epoch:\n"
        "something_weird{problem=\"division by zero\"} +Inf -3982045\n");
    REQUIRE(e.samples.size() == 5);
    CHECK(e.types.at("http_requests_total") == "counter");
    CHECK(e.help.at("http_requests_total") == "The total number of HTTP requests.");
    CHECK(e.value("http_requests_total", {{"method", "post"}, {"code", "200"}}) == 1027.0);
    CHECK(e.samples[0].timestamp_ms == 1395066363000);
    CHECK(e.value("http_requests_total", {{"method", "post"}, {"code", "400"}}) == 3.0);
    CHECK(e.sum("http_requests_total") == 1030.0);
    CHECK(e.sum("http_requests_total", {{"code", "400"}}) == 3.0);
    CHECK(e.select("http_requests_total", {{"method", "get"}}).empty());
    const Sample* msdos = e.find("msdos_file_access_time_seconds",
                                 {{"path", "C:\\DIR\\FILE.TXT"}, {"error", "Cannot find file:\n\"FILE.TXT\""}});
    REQUIRE(msdos != nullptr);
    CHECK(msdos->value == 1.458255915e9);
    CHECK(e.value("metric_without_timestamp_and_labels") == 12.47);
    CHECK(e.value("something_weird", {{"problem", "division by zero"}}) == std::numeric_limits<double>::infinity());
    CHECK(e.samples[4].timestamp_ms == -3982045);
    // Exact label sets: a subset does not find a series, and absent names give nullopt.
    CHECK(e.find("http_requests_total", {{"method", "post"}}) == nullptr);
    CHECK_FALSE(e.value("no_such_metric"));
}

TEST_CASE("exposition: what Registry::render() writes reads back exactly") {
    Registry r;
    r.counter("keeper_decisions_total", "Decisions.\nBy vault \\ reason.", {"vault", "reason"})
        .labels({"0xA", "trade"})
        .inc(3);
    r.gauge("keeper_portfolio_delta", "Delta.", {"vault"}).labels({"we\"ird\\\nvault"}).set(-1.0 / 3.0);
    r.gauge("keeper_nan", "NaN.").get().set(std::nan(""));
    r.gauge("keeper_neg_inf", "-Inf.").get().set(-std::numeric_limits<double>::infinity());
    r.callback_gauge("keeper_age_seconds", "Age.").get().set([] { return std::optional<double>(12.25); });
    auto& h = r.histogram("keeper_step_seconds", "Step.", {0.1, 1});
    h.get().observe(0.05);
    h.get().observe(0.5);
    h.get().observe(5);

    const Exposition e = parse_ok(r.render());
    CHECK(e.types.at("keeper_decisions_total") == "counter");
    CHECK(e.types.at("keeper_age_seconds") == "gauge");
    CHECK(e.types.at("keeper_step_seconds") == "histogram");
    CHECK(e.help.at("keeper_decisions_total") == "Decisions.\nBy vault \\ reason.");
    CHECK(e.value("keeper_decisions_total", {{"vault", "0xA"}, {"reason", "trade"}}) == 3.0);
    CHECK(e.value("keeper_portfolio_delta", {{"vault", "we\"ird\\\nvault"}}) == -1.0 / 3.0);  // bit-exact
    CHECK(std::isnan(*e.value("keeper_nan")));
    CHECK(e.value("keeper_neg_inf") == -std::numeric_limits<double>::infinity());
    CHECK(e.value("keeper_age_seconds") == 12.25);
    CHECK(e.value("keeper_step_seconds_bucket", {{"le", "0.1"}}) == 1.0);
    CHECK(e.value("keeper_step_seconds_bucket", {{"le", "1"}}) == 2.0);
    CHECK(e.value("keeper_step_seconds_bucket", {{"le", "+Inf"}}) == 3.0);
    CHECK(e.value("keeper_step_seconds_sum") == 0.05 + 0.5 + 5.0);  // the same additions, bit-exact
    CHECK(e.value("keeper_step_seconds_count") == 3.0);
}

TEST_CASE("exposition: malformed text is refused with the line and the reason") {
    CHECK(parse_error("ok 1\n1bad 2\n") == "line 2: expected a metric name");
    CHECK(parse_error("m{a=\"x} 1\n") == "line 1: label a: label value not terminated");
    CHECK(parse_error("m{a=\"\\t\"} 1\n") == "line 1: label a: label value: unknown escape \\t");
    CHECK(parse_error("m{a=\"x\",a=\"y\"} 1\n") == "line 1: label a given twice");
    CHECK(parse_error("m{a \"x\"} 1\n") == "line 1: label a: expected '='");
    CHECK(parse_error("m{a=x} 1\n") == "line 1: label a: expected a quoted value");
    CHECK(parse_error("m{a=\"x\" b=\"y\"} 1\n") == "line 1: expected ',' or '}' after label a");
    CHECK(parse_error("m{1a=\"x\"} 1\n") == "line 1: expected a label name or '}'");
    CHECK(parse_error("m\n") == "line 1: missing value");
    CHECK(parse_error("m{a=\"x\"}1\n") == "line 1: expected a space before the value");
    CHECK(parse_error("m one\n") == "line 1: value 'one' is not a number");
    CHECK(parse_error("m 1 12.5\n") == "line 1: timestamp '12.5' is not an integer (milliseconds)");
    CHECK(parse_error("m 1 12 extra\n") == "line 1: unexpected text after the timestamp");
    CHECK(parse_error("# TYPE m countr\n") ==
          "line 1: TYPE m: expected counter, gauge, histogram, summary or untyped");
    CHECK(parse_error("# TYPE m gauge\n# TYPE m counter\n") == "line 2: TYPE for m given twice");
    CHECK(parse_error("# HELP 9m x\n") == "line 1: HELP: missing or invalid metric name");
    CHECK(parse_error("m{a=\"1\"} 1\nm{a=\"1\"} 2\n") == "line 2: series m given twice with the same labels");
}

TEST_CASE("exposition: accepted variations") {
    // CRLF line ends, indentation, a trailing comma in the label set, spaces around '=',
    // comments that are neither HELP nor TYPE, exponent and signed values, no final newline.
    const Exposition e = parse_ok("# just a comment\r\n  a{x = \"1\",} -2.5e-3\r\nb +7\nc{} 0");
    CHECK(e.value("a", {{"x", "1"}}) == -2.5e-3);
    CHECK(e.value("b") == 7.0);
    CHECK(e.value("c") == 0.0);
    CHECK(e.types.empty());
    CHECK(parse_ok("").samples.empty());
}
