// A small Prometheus registry: counters, gauges and histograms with fixed buckets, each a
// family of series keyed by label values, rendered in the text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/):
//
//   # HELP keeper_trades_total Hedge transactions confirmed.
//   # TYPE keeper_trades_total counter
//   keeper_trades_total{vault="0x95..."} 3
//
// Families are rendered sorted by name, series sorted by label values, so the output is
// deterministic. Label values and HELP text are escaped (\\, \", \n); histograms print
// cumulative `_bucket{le="..."}` lines ending with le="+Inf", then `_sum` and `_count`.
//
// Callback gauges (callback_gauge()) are read at render time: "seconds since the last head" is
// computed when Prometheus scrapes, so it keeps growing when heads stop coming (a gauge set on
// each head would freeze at its last small value exactly then). A callback that has no value
// yet (nothing seen) returns nullopt and its series is left out of the exposition.
//
// Threading: not synchronised. A registry and its series belong to the daemon's event-loop
// thread (updates and the /metrics handler both run there). References returned by the
// registry stay valid for the registry's lifetime.
//
// Misuse (an invalid metric or label name, one name registered twice with another type, help,
// label set or buckets, a label-value count that does not match) is a programmer error and
// throws std::logic_error at the call site, at start-up, never on a live path.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace keeper::ops {

/// Monotonic counter. Negative or non-finite increments are ignored (a counter never goes down).
class Counter {
public:
    void inc(double v = 1.0) noexcept;
    [[nodiscard]] double value() const noexcept { return value_; }

private:
    double value_{0.0};
};

class Gauge {
public:
    void set(double v) noexcept { value_ = v; }
    void inc(double v = 1.0) noexcept { value_ += v; }
    void dec(double v = 1.0) noexcept { value_ -= v; }
    [[nodiscard]] double value() const noexcept { return value_; }

private:
    double value_{0.0};
};

/// A gauge whose value is computed when read (render(), i.e. at scrape time). The callback runs on
/// the thread that renders and must not throw; nullopt leaves the series out. Unset (or reset()):
/// no value. Whoever set a callback that captures an object resets it before that object dies
/// if the registry outlives it.
class CallbackGauge {
public:
    using Fn = std::function<std::optional<double>()>;
    void set(Fn fn) { fn_ = std::move(fn); }
    void reset() noexcept { fn_ = nullptr; }
    [[nodiscard]] std::optional<double> value() const { return fn_ ? fn_() : std::nullopt; }

private:
    Fn fn_;
};

/// Fixed upper bounds (strictly increasing, finite); the +Inf bucket is implicit.
class Histogram {
public:
    explicit Histogram(std::shared_ptr<const std::vector<double>> bounds);
    void observe(double v) noexcept;
    [[nodiscard]] const std::vector<double>& bounds() const noexcept { return *bounds_; }
    /// Per-bucket counts (not cumulative); one more than bounds(): the last is (last bound, +Inf).
    [[nodiscard]] const std::vector<std::uint64_t>& bucket_counts() const noexcept { return counts_; }
    [[nodiscard]] double sum() const noexcept { return sum_; }
    [[nodiscard]] std::uint64_t count() const noexcept { return count_; }

private:
    std::shared_ptr<const std::vector<double>> bounds_;
    std::vector<std::uint64_t> counts_;
    double sum_{0.0};
    std::uint64_t count_{0};
};

/// kCallbackGauge renders as TYPE gauge.
enum class MetricType : std::uint8_t { kCounter, kGauge, kHistogram, kCallbackGauge };

/// All series of one metric name.
template <class M>
class Family {
public:
    /// The series with these label values (in the order of the family's label names), created
    /// at zero on first use.
    M& labels(const std::vector<std::string>& values);
    /// The series of a family without labels.
    M& get() { return labels({}); }

    [[nodiscard]] const std::string& name() const noexcept { return name_; }
    [[nodiscard]] const std::vector<std::string>& label_names() const noexcept { return label_names_; }
    [[nodiscard]] const std::map<std::vector<std::string>, std::unique_ptr<M>>& series() const noexcept {
        return series_;
    }

private:
    friend class Registry;
    Family(std::string name, std::vector<std::string> label_names,
           std::shared_ptr<const std::vector<double>> bounds = nullptr)
        : name_(std::move(name)), label_names_(std::move(label_names)), bounds_(std::move(bounds)) {}

    std::string name_;
    std::vector<std::string> label_names_;
    std::shared_ptr<const std::vector<double>> bounds_;  // histograms only
    std::map<std::vector<std::string>, std::unique_ptr<M>> series_;
};

class Registry {
public:
    Registry() = default;
    Registry(const Registry&) = delete;
    Registry& operator=(const Registry&) = delete;

    /// Registers (or returns the already registered, identical) family. Names follow
    /// [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]* and not "__"-prefixed.
    Family<Counter>& counter(std::string_view name, std::string_view help, std::vector<std::string> label_names = {});
    Family<Gauge>& gauge(std::string_view name, std::string_view help, std::vector<std::string> label_names = {});
    /// A gauge family computed at render time (see CallbackGauge). A name cannot be both a
    /// plain gauge and a callback gauge.
    Family<CallbackGauge>& callback_gauge(std::string_view name, std::string_view help,
                                          std::vector<std::string> label_names = {});
    /// `buckets`: upper bounds, strictly increasing and finite ("le" is reserved).
    Family<Histogram>& histogram(std::string_view name, std::string_view help, std::vector<double> buckets,
                                 std::vector<std::string> label_names = {});

    /// The text exposition format 0.0.4. Calls every callback gauge's callback.
    [[nodiscard]] std::string render() const;

private:
    struct Entry {
        MetricType type;
        std::string help;
        std::unique_ptr<Family<Counter>> counter;
        std::unique_ptr<Family<Gauge>> gauge;
        std::unique_ptr<Family<Histogram>> histogram;
        std::unique_ptr<Family<CallbackGauge>> callback;
    };
    Entry& entry(std::string_view name, std::string_view help, MetricType type,
                 const std::vector<std::string>& label_names);

    std::map<std::string, Entry, std::less<>> entries_;
};

/// The Content-Type of render()'s output.
inline constexpr std::string_view kExpositionContentType = "text/plain; version=0.0.4; charset=utf-8";

/// Prometheus' float formatting: integers without a fraction, otherwise the shortest text that
/// reads back exactly; "+Inf", "-Inf", "NaN".
[[nodiscard]] std::string format_value(double v);
/// Escapes a label value: backslash, double quote and newline.
[[nodiscard]] std::string escape_label_value(std::string_view v);
/// Escapes HELP text: backslash and newline.
[[nodiscard]] std::string escape_help(std::string_view v);

/// Common bucket layouts.
[[nodiscard]] std::vector<double> exponential_buckets(double start, double factor, std::size_t count);
[[nodiscard]] std::vector<double> linear_buckets(double start, double width, std::size_t count);

}  // namespace keeper::ops
