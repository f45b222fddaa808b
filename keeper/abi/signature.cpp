#include "keeper/abi/signature.hpp"

#include "keeper/abi/parser.hpp"
#include "keeper/crypto/keccak.hpp"

namespace keeper::abi {

namespace {

std::vector<Param> to_params(std::vector<detail::ParsedParam>&& parsed) {
    std::vector<Param> out;
    out.reserve(parsed.size());
    for (auto& p : parsed) out.push_back(Param{std::move(p.name), std::move(p.type), p.indexed});
    return out;
}

/// Reads an optional leading keyword ("function", "event", "error") and the name after it.
Result<std::string> read_name(detail::SignatureReader& reader, std::string_view keyword, bool name_optional) {
    std::string_view name = reader.identifier();
    if (name == keyword) {
        name = reader.identifier();
        if (name.empty()) return Unexpected(reader.error(AbiErrc::kInvalidSignature, "expected a name"));
    }
    if (name.empty() && !name_optional) return Unexpected(reader.error(AbiErrc::kInvalidSignature, "expected a name"));
    if (!reader.peek('(')) return Unexpected(reader.error(AbiErrc::kInvalidSignature, "expected '('"));
    return std::string(name);
}

}  // namespace

std::string_view to_string(StateMutability m) noexcept {
    switch (m) {
        case StateMutability::kPure:
            return "pure";
        case StateMutability::kView:
            return "view";
        case StateMutability::kNonPayable:
            return "nonpayable";
        case StateMutability::kPayable:
            return "payable";
    }
    return "nonpayable";
}

std::vector<Type> types_of(std::span<const Param> params) {
    std::vector<Type> out;
    out.reserve(params.size());
    for (const auto& p : params) out.push_back(p.type);
    return out;
}

std::string canonical_signature(std::string_view name, std::span<const Param> params) {
    std::string out(name);
    out += '(';
    for (std::size_t i = 0; i < params.size(); ++i) {
        if (i != 0) out += ',';
        out += params[i].type.canonical();
    }
    out += ')';
    return out;
}

Selector Function::selector() const {
    return function_selector(signature());
}
Hash32 Event::topic0() const {
    return event_topic(signature());
}
Selector CustomError::selector() const {
    return function_selector(signature());
}

Result<Function> parse_function(std::string_view text) {
    detail::SignatureReader reader(text);
    auto name = read_name(reader, "function", true);
    if (!name) return Unexpected(std::move(name).error());
    Function f;
    f.name = std::move(*name);
    auto inputs = reader.param_list(false);
    if (!inputs) return Unexpected(std::move(inputs).error());
    f.inputs = to_params(std::move(*inputs));
    bool have_outputs = false;
    while (!reader.at_end()) {
        if (reader.peek('(') && !have_outputs) {  // cast's "f(inputs)(outputs)"
            auto outputs = reader.param_list(false);
            if (!outputs) return Unexpected(std::move(outputs).error());
            f.outputs = to_params(std::move(*outputs));
            have_outputs = true;
            continue;
        }
        const std::size_t start = reader.position();
        const auto word = reader.identifier();
        if (word == "returns" && !have_outputs) {
            auto outputs = reader.param_list(false);
            if (!outputs) return Unexpected(std::move(outputs).error());
            f.outputs = to_params(std::move(*outputs));
            have_outputs = true;
        } else if (word == "view") {
            f.state_mutability = StateMutability::kView;
        } else if (word == "pure") {
            f.state_mutability = StateMutability::kPure;
        } else if (word == "payable") {
            f.state_mutability = StateMutability::kPayable;
        } else if (word == "nonpayable") {
            f.state_mutability = StateMutability::kNonPayable;
        } else if (word == "external" || word == "public" || word == "internal" || word == "private" ||
                   word == "virtual" || word == "override") {
            continue;
        } else {
            reader.rewind(start);
            return Unexpected(reader.error(AbiErrc::kInvalidSignature, "unexpected text after the parameters"));
        }
    }
    return f;
}

Result<Event> parse_event(std::string_view text) {
    detail::SignatureReader reader(text);
    auto name = read_name(reader, "event", false);
    if (!name) return Unexpected(std::move(name).error());
    Event e;
    e.name = std::move(*name);
    auto inputs = reader.param_list(true);
    if (!inputs) return Unexpected(std::move(inputs).error());
    e.inputs = to_params(std::move(*inputs));
    if (!reader.at_end()) {
        const std::size_t start = reader.position();
        if (reader.identifier() == "anonymous") {
            e.anonymous = true;
        } else {
            reader.rewind(start);
        }
    }
    if (!reader.at_end())
        return Unexpected(reader.error(AbiErrc::kInvalidSignature, "unexpected text after the parameters"));
    std::size_t indexed = 0;
    for (const auto& p : e.inputs) indexed += p.indexed ? 1 : 0;
    if (indexed > (e.anonymous ? 4U : 3U))
        return Unexpected(reader.error(AbiErrc::kInvalidSignature, "too many indexed parameters"));
    return e;
}

Result<CustomError> parse_error(std::string_view text) {
    detail::SignatureReader reader(text);
    auto name = read_name(reader, "error", false);
    if (!name) return Unexpected(std::move(name).error());
    CustomError e;
    e.name = std::move(*name);
    auto inputs = reader.param_list(false);
    if (!inputs) return Unexpected(std::move(inputs).error());
    e.inputs = to_params(std::move(*inputs));
    if (!reader.at_end())
        return Unexpected(reader.error(AbiErrc::kInvalidSignature, "unexpected text after the parameters"));
    return e;
}

}  // namespace keeper::abi
