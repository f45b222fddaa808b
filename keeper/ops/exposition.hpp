// A strict reader of the Prometheus text exposition format 0.0.4, the inverse of
// Registry::render(): what the daemon's /metrics serves can be read back by the demo's report,
// by tests that scrape a running keeper, and by an operator's tooling without a Prometheus.
//
//   # HELP keeper_trades_total Hedge transactions confirmed.
//   # TYPE keeper_trades_total counter
//   keeper_trades_total{vault="0x95..."} 3
//
// Accepted: blank lines, "# HELP name text" (\\ and \n escapes), "# TYPE name
// counter|gauge|histogram|summary|untyped", other "#" comments, and sample lines
// `name[{label="value",...}] value [timestamp_ms]` with label values escaped as \\, \" and \n,
// values as decimal or exponent floats, "+Inf", "-Inf", "NaN". Refused, naming the line (1-based)
// and what is wrong: a bad metric or label name, an unterminated or badly escaped label value,
// a label given twice, a missing or unparsable value, a bad timestamp, trailing text, a TYPE
// with an unknown type or given twice, and the same series (name and labels) twice.
//
// Pure: no I/O, no exceptions; errors by value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keeper/core/expected.hpp"

namespace keeper::ops {

using LabelSet = std::map<std::string, std::string, std::less<>>;

struct Sample {
    std::string name;  // as written: histograms give name_bucket, name_sum, name_count
    LabelSet labels;
    double value{0.0};
    std::optional<std::int64_t> timestamp_ms;
};

struct ExpositionError {
    std::size_t line{0};  // 1-based
    std::string message;
    /// "line 3: label value not terminated"
    [[nodiscard]] std::string to_string() const;
};

struct Exposition {
    std::vector<Sample> samples;  // in the order of the text
    std::map<std::string, std::string, std::less<>> types;  // family name -> "counter", "gauge", ...
    std::map<std::string, std::string, std::less<>> help;   // family name -> unescaped HELP text

    /// The sample with exactly this name and exactly these labels; null when absent.
    [[nodiscard]] const Sample* find(std::string_view name, const LabelSet& labels = {}) const;
    /// find()'s value, or nullopt.
    [[nodiscard]] std::optional<double> value(std::string_view name, const LabelSet& labels = {}) const;
    /// Every sample of `name` whose labels include all of `match` (label name and value).
    [[nodiscard]] std::vector<const Sample*> select(std::string_view name, const LabelSet& match = {}) const;
    /// Sum of select()'s values (0 when nothing matches).
    [[nodiscard]] double sum(std::string_view name, const LabelSet& match = {}) const;
};

[[nodiscard]] Expected<Exposition, ExpositionError> parse_exposition(std::string_view text);

}  // namespace keeper::ops
