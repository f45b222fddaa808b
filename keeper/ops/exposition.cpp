#include "keeper/ops/exposition.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <set>
#include <system_error>
#include <utility>

namespace keeper::ops {

namespace {

bool metric_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':'; }
bool label_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool digit(char c) { return c >= '0' && c <= '9'; }
bool blank(char c) { return c == ' ' || c == '\t'; }

/// A cursor over one line; every reader returns an error message or empty on success.
class Line {
public:
    explicit Line(std::string_view s) : s_(s) {}

    [[nodiscard]] bool done() const noexcept { return i_ >= s_.size(); }
    [[nodiscard]] char peek() const noexcept { return done() ? '\0' : s_[i_]; }
    void skip_blanks() noexcept {
        while (!done() && blank(s_[i_])) ++i_;
    }
    bool consume(char c) noexcept {
        if (peek() != c) return false;
        ++i_;
        return true;
    }

    std::string_view metric_name() noexcept {
        const std::size_t start = i_;
        if (done() || !metric_start(s_[i_])) return {};
        while (!done() && (metric_start(s_[i_]) || digit(s_[i_]))) ++i_;
        return s_.substr(start, i_ - start);
    }
    std::string_view label_name() noexcept {
        const std::size_t start = i_;
        if (done() || !label_start(s_[i_])) return {};
        while (!done() && (label_start(s_[i_]) || digit(s_[i_]))) ++i_;
        return s_.substr(start, i_ - start);
    }
    /// After the opening quote: the unescaped value up to the closing quote.
    std::string quoted(std::string& error) {
        std::string out;
        while (!done()) {
            const char c = s_[i_++];
            if (c == '"') return out;
            if (c != '\\') {
                out += c;
                continue;
            }
            if (done()) break;
            const char e = s_[i_++];
            if (e == '\\') {
                out += '\\';
            } else if (e == '"') {
                out += '"';
            } else if (e == 'n') {
                out += '\n';
            } else {
                error = std::string("label value: unknown escape \\") + e;
                return {};
            }
        }
        error = "label value not terminated";
        return {};
    }
    /// The next run of non-blank characters.
    std::string_view token() noexcept {
        const std::size_t start = i_;
        while (!done() && !blank(s_[i_])) ++i_;
        return s_.substr(start, i_ - start);
    }
    [[nodiscard]] std::string_view rest() const noexcept { return s_.substr(std::min(i_, s_.size())); }

private:
    std::string_view s_;
    std::size_t i_{0};
};

std::optional<double> parse_value(std::string_view t) {
    if (t == "+Inf" || t == "Inf") return std::numeric_limits<double>::infinity();
    if (t == "-Inf") return -std::numeric_limits<double>::infinity();
    if (t == "NaN") return std::numeric_limits<double>::quiet_NaN();
    if (!t.empty() && t.front() == '+') t.remove_prefix(1);
    if (t.empty() || !(digit(t.front()) || t.front() == '-' || t.front() == '.')) return std::nullopt;
    double v = 0.0;
    const auto r = std::from_chars(t.data(), t.data() + t.size(), v, std::chars_format::general);
    if (r.ec != std::errc{} || r.ptr != t.data() + t.size()) return std::nullopt;
    return v;
}

std::string unescape_help(std::string_view v) {
    std::string out;
    out.reserve(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (v[i] == '\\' && i + 1 < v.size() && (v[i + 1] == '\\' || v[i + 1] == 'n')) {
            out += v[i + 1] == 'n' ? '\n' : '\\';
            ++i;
        } else {
            out += v[i];
        }
    }
    return out;
}

bool known_type(std::string_view t) {
    return t == "counter" || t == "gauge" || t == "histogram" || t == "summary" || t == "untyped";
}

/// "# HELP name text" / "# TYPE name type"; any other comment is ignored.
std::string parse_comment(std::string_view text, Exposition& out) {
    Line line(text);
    line.consume('#');
    line.skip_blanks();
    const std::string_view keyword = line.token();
    if (keyword != "HELP" && keyword != "TYPE") return {};
    line.skip_blanks();
    const std::string_view name = line.metric_name();
    if (name.empty()) return std::string(keyword) + ": missing or invalid metric name";
    if (!line.done() && !blank(line.peek())) return std::string(keyword) + ": invalid metric name";
    line.skip_blanks();
    if (keyword == "HELP") {
        if (!out.help.emplace(std::string(name), unescape_help(line.rest())).second)
            return "HELP for " + std::string(name) + " given twice";
        return {};
    }
    const std::string_view type = line.token();
    line.skip_blanks();
    if (!known_type(type) || !line.done())
        return "TYPE " + std::string(name) + ": expected counter, gauge, histogram, summary or untyped";
    if (!out.types.emplace(std::string(name), std::string(type)).second)
        return "TYPE for " + std::string(name) + " given twice";
    return {};
}

std::string parse_sample(std::string_view text, Sample& sample) {
    Line line(text);
    const std::string_view name = line.metric_name();
    if (name.empty()) return "expected a metric name";
    sample.name = std::string(name);
    if (line.consume('{')) {
        line.skip_blanks();
        while (!line.consume('}')) {
            const std::string_view label = line.label_name();
            if (label.empty()) return "expected a label name or '}'";
            line.skip_blanks();
            if (!line.consume('=')) return "label " + std::string(label) + ": expected '='";
            line.skip_blanks();
            if (!line.consume('"')) return "label " + std::string(label) + ": expected a quoted value";
            std::string error;
            std::string value = line.quoted(error);
            if (!error.empty()) return "label " + std::string(label) + ": " + error;
            if (!sample.labels.emplace(std::string(label), std::move(value)).second)
                return "label " + std::string(label) + " given twice";
            line.skip_blanks();
            if (line.consume(',')) {
                line.skip_blanks();
                continue;
            }
            if (line.peek() != '}') return "expected ',' or '}' after label " + std::string(label);
        }
    }
    if (!blank(line.peek())) return line.done() ? "missing value" : "expected a space before the value";
    line.skip_blanks();
    const std::string_view value_text = line.token();
    const std::optional<double> value = parse_value(value_text);
    if (!value) return "value '" + std::string(value_text) + "' is not a number";
    sample.value = *value;
    line.skip_blanks();
    if (!line.done()) {
        const std::string_view ts = line.token();
        std::int64_t t = 0;
        const auto r = std::from_chars(ts.data(), ts.data() + ts.size(), t);
        if (ts.empty() || r.ec != std::errc{} || r.ptr != ts.data() + ts.size())
            return "timestamp '" + std::string(ts) + "' is not an integer (milliseconds)";
        sample.timestamp_ms = t;
        line.skip_blanks();
        if (!line.done()) return "unexpected text after the timestamp";
    }
    return {};
}

bool includes(const LabelSet& labels, const LabelSet& match) {
    for (const auto& [k, v] : match) {
        const auto it = labels.find(k);
        if (it == labels.end() || it->second != v) return false;
    }
    return true;
}

}  // namespace

std::string ExpositionError::to_string() const { return "line " + std::to_string(line) + ": " + message; }

Expected<Exposition, ExpositionError> parse_exposition(std::string_view text) {
    Exposition out;
    std::set<std::pair<std::string, LabelSet>> seen;
    std::size_t number = 0;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(start, end - start);
        start = end + 1;
        ++number;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        std::size_t first = 0;
        while (first < line.size() && blank(line[first])) ++first;
        line.remove_prefix(first);
        if (line.empty()) continue;
        if (line.front() == '#') {
            std::string error = parse_comment(line, out);
            if (!error.empty()) return Unexpected(ExpositionError{number, std::move(error)});
            continue;
        }
        Sample sample;
        std::string error = parse_sample(line, sample);
        if (!error.empty()) return Unexpected(ExpositionError{number, std::move(error)});
        if (!seen.emplace(sample.name, sample.labels).second)
            return Unexpected(ExpositionError{number, "series " + sample.name + " given twice with the same labels"});
        out.samples.push_back(std::move(sample));
    }
    return out;
}

const Sample* Exposition::find(std::string_view name, const LabelSet& labels) const {
    for (const Sample& s : samples)
        if (s.name == name && s.labels == labels) return &s;
    return nullptr;
}

std::optional<double> Exposition::value(std::string_view name, const LabelSet& labels) const {
    const Sample* s = find(name, labels);
    return s ? std::optional<double>(s->value) : std::nullopt;
}

std::vector<const Sample*> Exposition::select(std::string_view name, const LabelSet& match) const {
    std::vector<const Sample*> out;
    for (const Sample& s : samples)
        if (s.name == name && includes(s.labels, match)) out.push_back(&s);
    return out;
}

double Exposition::sum(std::string_view name, const LabelSet& match) const {
    double total = 0.0;
    for (const Sample* s : select(name, match)) total += s->value;
    return total;
}

}  // namespace keeper::ops
