#include "keeper/ops/metrics.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <type_traits>

namespace keeper::ops {

namespace {

bool valid_metric_name(std::string_view n) {
    if (n.empty()) return false;
    for (std::size_t i = 0; i < n.size(); ++i) {
        const char c = n[i];
        const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
        const bool digit = c >= '0' && c <= '9';
        if (!(alpha || (i > 0 && digit))) return false;
    }
    return true;
}

bool valid_label_name(std::string_view n) {
    if (n.empty() || n.starts_with("__")) return false;
    for (std::size_t i = 0; i < n.size(); ++i) {
        const char c = n[i];
        const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        const bool digit = c >= '0' && c <= '9';
        if (!(alpha || (i > 0 && digit))) return false;
    }
    return true;
}

void check_labels(std::string_view metric, const std::vector<std::string>& names, bool histogram) {
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (!valid_label_name(names[i]))
            throw std::logic_error("metric " + std::string(metric) + ": invalid label name '" + names[i] + "'");
        if (histogram && names[i] == "le")
            throw std::logic_error("metric " + std::string(metric) + ": 'le' is reserved in histograms");
        for (std::size_t j = 0; j < i; ++j)
            if (names[j] == names[i])
                throw std::logic_error("metric " + std::string(metric) + ": duplicate label '" + names[i] + "'");
    }
}

// name{a="x",b="y"[,extra]} value
void write_series(std::string& out, std::string_view name, const std::vector<std::string>& label_names,
                  const std::vector<std::string>& label_values, std::string_view extra_label, double value) {
    out += name;
    if (!label_names.empty() || !extra_label.empty()) {
        out += '{';
        for (std::size_t i = 0; i < label_names.size(); ++i) {
            if (i > 0) out += ',';
            out += label_names[i];
            out += "=\"";
            out += escape_label_value(label_values[i]);
            out += '"';
        }
        if (!extra_label.empty()) {
            if (!label_names.empty()) out += ',';
            out += extra_label;
        }
        out += '}';
    }
    out += ' ';
    out += format_value(value);
    out += '\n';
}

std::string_view type_name(MetricType t) {
    switch (t) {
        case MetricType::kCounter:
            return "counter";
        case MetricType::kGauge:
        case MetricType::kCallbackGauge:
            return "gauge";
        case MetricType::kHistogram:
            return "histogram";
    }
    return "untyped";
}

}  // namespace

void Counter::inc(double v) noexcept {
    if (std::isfinite(v) && v > 0) value_ += v;
}

Histogram::Histogram(std::shared_ptr<const std::vector<double>> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_->size() + 1, 0) {}

void Histogram::observe(double v) noexcept {
    // First bucket whose upper bound is >= v; NaN lands in +Inf (as the reference clients do).
    const auto it = std::lower_bound(bounds_->begin(), bounds_->end(), v);
    const auto index = std::isnan(v) ? bounds_->size() : static_cast<std::size_t>(it - bounds_->begin());
    ++counts_[index];
    sum_ += v;
    ++count_;
}

template <class M>
M& Family<M>::labels(const std::vector<std::string>& values) {
    if (values.size() != label_names_.size())
        throw std::logic_error("metric " + name_ + ": expected " + std::to_string(label_names_.size()) +
                               " label values, got " + std::to_string(values.size()));
    auto it = series_.find(values);
    if (it == series_.end()) {
        std::unique_ptr<M> m;
        if constexpr (std::is_same_v<M, Histogram>) {
            m = std::make_unique<Histogram>(bounds_);
        } else {
            m = std::make_unique<M>();
        }
        it = series_.emplace(values, std::move(m)).first;
    }
    return *it->second;
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;
template class Family<CallbackGauge>;

Registry::Entry& Registry::entry(std::string_view name, std::string_view help, MetricType type,
                                 const std::vector<std::string>& label_names) {
    if (!valid_metric_name(name)) throw std::logic_error("invalid metric name '" + std::string(name) + "'");
    check_labels(name, label_names, type == MetricType::kHistogram);
    auto it = entries_.find(name);
    if (it != entries_.end()) {
        const Entry& e = it->second;
        const std::vector<std::string>* existing_labels = e.counter     ? &e.counter->label_names()
                                                          : e.gauge     ? &e.gauge->label_names()
                                                          : e.histogram ? &e.histogram->label_names()
                                                                        : &e.callback->label_names();
        if (e.type != type || e.help != help || *existing_labels != label_names)
            throw std::logic_error("metric " + std::string(name) + " registered twice with different definitions");
        return it->second;
    }
    Entry e{type, std::string(help), nullptr, nullptr, nullptr, nullptr};
    return entries_.emplace(std::string(name), std::move(e)).first->second;
}

Family<Counter>& Registry::counter(std::string_view name, std::string_view help, std::vector<std::string> label_names) {
    Entry& e = entry(name, help, MetricType::kCounter, label_names);
    if (!e.counter) e.counter.reset(new Family<Counter>(std::string(name), std::move(label_names)));
    return *e.counter;
}

Family<Gauge>& Registry::gauge(std::string_view name, std::string_view help, std::vector<std::string> label_names) {
    Entry& e = entry(name, help, MetricType::kGauge, label_names);
    if (!e.gauge) e.gauge.reset(new Family<Gauge>(std::string(name), std::move(label_names)));
    return *e.gauge;
}

Family<CallbackGauge>& Registry::callback_gauge(std::string_view name, std::string_view help,
                                                std::vector<std::string> label_names) {
    Entry& e = entry(name, help, MetricType::kCallbackGauge, label_names);
    if (!e.callback) e.callback.reset(new Family<CallbackGauge>(std::string(name), std::move(label_names)));
    return *e.callback;
}

Family<Histogram>& Registry::histogram(std::string_view name, std::string_view help, std::vector<double> buckets,
                                       std::vector<std::string> label_names) {
    for (std::size_t i = 0; i < buckets.size(); ++i) {
        if (!std::isfinite(buckets[i]))
            throw std::logic_error("metric " + std::string(name) + ": bucket bounds must be finite (+Inf is implicit)");
        if (i > 0 && !(buckets[i - 1] < buckets[i]))
            throw std::logic_error("metric " + std::string(name) + ": bucket bounds must be strictly increasing");
    }
    Entry& e = entry(name, help, MetricType::kHistogram, label_names);
    if (e.histogram) {
        if (e.histogram->bounds_ && *e.histogram->bounds_ != buckets)
            throw std::logic_error("metric " + std::string(name) + " registered twice with different buckets");
        return *e.histogram;
    }
    auto bounds = std::make_shared<const std::vector<double>>(std::move(buckets));
    e.histogram.reset(new Family<Histogram>(std::string(name), std::move(label_names), std::move(bounds)));
    return *e.histogram;
}

std::string Registry::render() const {
    std::string out;
    out.reserve(entries_.size() * 128);
    for (const auto& [name, e] : entries_) {
        out += "# HELP ";
        out += name;
        out += ' ';
        out += escape_help(e.help);
        out += "\n# TYPE ";
        out += name;
        out += ' ';
        out += type_name(e.type);
        out += '\n';
        if (e.counter) {
            for (const auto& [values, c] : e.counter->series())
                write_series(out, name, e.counter->label_names(), values, {}, c->value());
        } else if (e.gauge) {
            for (const auto& [values, g] : e.gauge->series())
                write_series(out, name, e.gauge->label_names(), values, {}, g->value());
        } else if (e.callback) {
            for (const auto& [values, g] : e.callback->series()) {
                const std::optional<double> v = g->value();
                if (v) write_series(out, name, e.callback->label_names(), values, {}, *v);
            }
        } else if (e.histogram) {
            const std::string bucket_name = name + "_bucket";
            const std::string sum_name = name + "_sum";
            const std::string count_name = name + "_count";
            for (const auto& [values, h] : e.histogram->series()) {
                std::uint64_t cumulative = 0;
                const auto& bounds = h->bounds();
                const auto& counts = h->bucket_counts();
                for (std::size_t i = 0; i < bounds.size(); ++i) {
                    cumulative += counts[i];
                    write_series(out, bucket_name, e.histogram->label_names(), values,
                                 "le=\"" + format_value(bounds[i]) + "\"", static_cast<double>(cumulative));
                }
                cumulative += counts.back();
                write_series(out, bucket_name, e.histogram->label_names(), values, "le=\"+Inf\"",
                             static_cast<double>(cumulative));
                write_series(out, sum_name, e.histogram->label_names(), values, {}, h->sum());
                write_series(out, count_name, e.histogram->label_names(), values, {}, static_cast<double>(h->count()));
            }
        }
    }
    return out;
}

std::string format_value(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    std::array<char, 64> buf{};
    // Integral values up to 2^53 print without exponent or fraction (counters read naturally).
    if (v == std::trunc(v) && std::abs(v) < 9007199254740992.0) {
        const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), static_cast<std::int64_t>(v));
        return std::string(buf.data(), r.ptr);
    }
    const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v);
    return std::string(buf.data(), r.ptr);
}

std::string escape_label_value(std::string_view v) {
    std::string out;
    out.reserve(v.size());
    for (const char c : v) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::string escape_help(std::string_view v) {
    std::string out;
    out.reserve(v.size());
    for (const char c : v) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::vector<double> exponential_buckets(double start, double factor, std::size_t count) {
    if (!(start > 0) || !(factor > 1)) throw std::logic_error("exponential_buckets: need start > 0 and factor > 1");
    std::vector<double> out;
    out.reserve(count);
    double b = start;
    for (std::size_t i = 0; i < count; ++i, b *= factor) out.push_back(b);
    return out;
}

std::vector<double> linear_buckets(double start, double width, std::size_t count) {
    if (!(width > 0)) throw std::logic_error("linear_buckets: need width > 0");
    std::vector<double> out;
    out.reserve(count);
    for (std::size_t i = 0; i < count; ++i) out.push_back(start + width * static_cast<double>(i));
    return out;
}

}  // namespace keeper::ops
