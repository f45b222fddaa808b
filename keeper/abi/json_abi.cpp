#include "keeper/abi/json_abi.hpp"

#include <nlohmann/json.hpp>

#include "keeper/abi/parser.hpp"

namespace keeper::abi {

namespace {

using Json = nlohmann::json;

Unexpected<AbiError> bad_json(std::string message) {
    return fail(AbiErrc::kInvalidJson, std::move(message));
}

/// The string member `key`, empty if absent; nullopt if present but not a string.
std::optional<std::string> string_member(const Json& obj, const char* key) {
    const auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return std::string();
    if (!it->is_string()) return std::nullopt;
    return it->get_ref<const std::string&>();
}

bool bool_member(const Json& obj, const char* key) {
    const auto it = obj.find(key);
    return it != obj.end() && it->is_boolean() && it->get<bool>();
}

/// "[]", "[2][]": array suffixes after "tuple".
Result<Type> apply_suffixes(Type t, std::string_view suffix) {
    // Reuse the signature reader on a stand-in element type, then rebuild on `t`.
    const std::string stand_in = "bool" + std::string(suffix);
    detail::SignatureReader reader(stand_in);  // keeps a view: the string must outlive it
    auto shape = reader.type();
    if (!shape || !reader.at_end()) return bad_json("bad array suffix '" + std::string(suffix) + "'");
    std::vector<std::size_t> dims;  // innermost first; 0 for []
    const Type* level = &*shape;
    while (level->kind() == TypeKind::kArray || level->kind() == TypeKind::kFixedArray) {
        dims.push_back(level->kind() == TypeKind::kArray ? 0 : level->size());
        level = &level->element();
    }
    for (auto it = dims.rbegin(); it != dims.rend(); ++it) {
        if (t.depth() >= kMaxTypeDepth) return bad_json("type nested too deeply");
        if (*it == 0) {
            t = Type::array(std::move(t));
        } else {
            if (t.head_size() > kMaxStaticSize / *it) return bad_json("fixed array too large");
            t = Type::fixed_array(std::move(t), *it);
        }
    }
    return t;
}

Result<Param> parse_param(const Json& j, std::size_t depth);

Result<Type> parse_param_type(const Json& j, const std::string& type, std::size_t depth) {
    if (!type.starts_with("tuple")) {
        auto t = parse_type(type);
        if (!t) return Unexpected(std::move(t).error());
        return t;
    }
    if (depth > kMaxTypeDepth) return bad_json("components nested too deeply");
    const auto comps = j.find("components");
    if (comps == j.end() || !comps->is_array() || comps->empty())
        return bad_json("'" + type + "' without a non-empty \"components\" array");
    std::vector<Type> types;
    std::vector<std::string> names;
    for (std::size_t i = 0; i < comps->size(); ++i) {
        auto p = parse_param((*comps)[i], depth + 1);
        if (!p) return Unexpected(std::move(p).error().within("component " + std::to_string(i)));
        if (!types.empty() && p->type.head_size() > kMaxStaticSize / (types.size() + 1))
            return bad_json("tuple too large");
        types.push_back(std::move(p->type));
        names.push_back(std::move(p->name));
    }
    Type tuple = Type::tuple(std::move(types), std::move(names));
    if (tuple.depth() > kMaxTypeDepth) return bad_json("components nested too deeply");
    return apply_suffixes(std::move(tuple), std::string_view(type).substr(5));
}

Result<Param> parse_param(const Json& j, std::size_t depth) {
    if (!j.is_object()) return bad_json("parameter is not an object");
    const auto name = string_member(j, "name");
    const auto type = string_member(j, "type");
    if (!name || !type || type->empty()) return bad_json("parameter needs string \"type\" (and \"name\")");
    auto t = parse_param_type(j, *type, depth);
    if (!t) return Unexpected(std::move(t).error().within("'" + *name + "'"));
    return Param{*name, std::move(*t), bool_member(j, "indexed")};
}

Result<std::vector<Param>> parse_params(const Json& entry, const char* key) {
    std::vector<Param> out;
    const auto it = entry.find(key);
    if (it == entry.end() || it->is_null()) return out;
    if (!it->is_array()) return bad_json(std::string("\"") + key + "\" is not an array");
    for (std::size_t i = 0; i < it->size(); ++i) {
        auto p = parse_param((*it)[i], 0);
        if (!p) return Unexpected(std::move(p).error().within(std::string(key) + "[" + std::to_string(i) + "]"));
        out.push_back(std::move(*p));
    }
    return out;
}

StateMutability parse_mutability(const Json& entry) {
    const auto m = string_member(entry, "stateMutability").value_or("");
    if (m == "pure") return StateMutability::kPure;
    if (m == "view") return StateMutability::kView;
    if (m == "payable") return StateMutability::kPayable;
    if (m == "nonpayable") return StateMutability::kNonPayable;
    if (bool_member(entry, "constant")) return StateMutability::kView;  // pre-0.5 ABIs
    if (bool_member(entry, "payable")) return StateMutability::kPayable;
    return StateMutability::kNonPayable;
}

/// Finds by name, or by canonical signature when the query has a parameter list.
template <class T, class Parse>
Result<const T*> find_one(const std::vector<T>& items, std::string_view query, std::string_view kind, Parse parse) {
    const bool by_signature = query.find('(') != std::string_view::npos;
    std::string wanted(query);
    if (by_signature) {
        auto parsed = parse(query);
        if (!parsed) return Unexpected(std::move(parsed).error());
        wanted = parsed->signature();
    }
    const T* found = nullptr;
    std::size_t matches = 0;
    for (const auto& item : items) {
        if (by_signature ? item.signature() == wanted : item.name == wanted) {
            found = found != nullptr ? found : &item;
            ++matches;
        }
    }
    if (matches == 0) return fail(AbiErrc::kNotFound, "no " + std::string(kind) + " '" + wanted + "' in the ABI");
    if (matches > 1)
        return fail(AbiErrc::kAmbiguous, std::string(kind) + " '" + wanted + "' is overloaded; give its signature");
    return found;
}

}  // namespace

Result<Abi> Abi::from_json(std::string_view text) {
    const Json doc = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) return bad_json("not valid JSON");
    const Json* entries = &doc;
    if (doc.is_object()) {
        const auto it = doc.find("abi");
        if (it == doc.end()) return bad_json("object without an \"abi\" field");
        entries = &*it;
    }
    if (!entries->is_array()) return bad_json("the ABI is not a JSON array");

    Abi abi;
    for (std::size_t i = 0; i < entries->size(); ++i) {
        const Json& entry = (*entries)[i];
        const std::string where = "entry " + std::to_string(i);
        if (!entry.is_object()) return bad_json(where + " is not an object");
        const auto type = string_member(entry, "type");
        const auto name = string_member(entry, "name");
        if (!type || !name) return bad_json(where + ": \"type\" and \"name\" must be strings");
        const std::string kind = type->empty() ? "function" : *type;  // "type" defaults to function
        if (kind == "fallback") {
            abi.has_fallback_ = true;
            continue;
        }
        if (kind == "receive") {
            abi.has_receive_ = true;
            continue;
        }
        if (kind != "function" && kind != "constructor" && kind != "event" && kind != "error") continue;
        auto inputs = parse_params(entry, "inputs");
        if (!inputs) return Unexpected(std::move(inputs).error().within(where + " (" + *name + ")"));
        if (kind == "constructor") {
            abi.constructor_ = Constructor{std::move(*inputs), parse_mutability(entry)};
            continue;
        }
        if (name->empty()) return bad_json(where + ": " + kind + " without a name");
        if (kind == "function") {
            auto outputs = parse_params(entry, "outputs");
            if (!outputs) return Unexpected(std::move(outputs).error().within(where + " (" + *name + ")"));
            abi.functions_.push_back(Function{*name, std::move(*inputs), std::move(*outputs), parse_mutability(entry)});
            abi.function_selectors_.push_back(abi.functions_.back().selector());
        } else if (kind == "event") {
            abi.events_.push_back(Event{*name, std::move(*inputs), bool_member(entry, "anonymous")});
            abi.event_topics_.push_back(abi.events_.back().topic0());
        } else {
            abi.errors_.push_back(CustomError{*name, std::move(*inputs)});
            abi.error_selectors_.push_back(abi.errors_.back().selector());
        }
    }
    return abi;
}

Result<const Function*> Abi::function(std::string_view query) const {
    return find_one(functions_, query, "function", parse_function);
}
Result<const Event*> Abi::event(std::string_view query) const {
    return find_one(events_, query, "event", parse_event);
}
Result<const CustomError*> Abi::error(std::string_view query) const {
    return find_one(errors_, query, "error", parse_error);
}

std::vector<const Function*> Abi::overloads(std::string_view name) const {
    std::vector<const Function*> out;
    for (const auto& f : functions_)
        if (f.name == name) out.push_back(&f);
    return out;
}

const Function* Abi::function_by_selector(const Selector& selector) const noexcept {
    for (std::size_t i = 0; i < functions_.size(); ++i)
        if (function_selectors_[i] == selector) return &functions_[i];
    return nullptr;
}

const CustomError* Abi::error_by_selector(const Selector& selector) const noexcept {
    for (std::size_t i = 0; i < errors_.size(); ++i)
        if (error_selectors_[i] == selector) return &errors_[i];
    return nullptr;
}

const Event* Abi::event_by_topic(const Hash32& topic0) const noexcept {
    for (std::size_t i = 0; i < events_.size(); ++i)
        if (!events_[i].anonymous && event_topics_[i] == topic0) return &events_[i];
    return nullptr;
}

}  // namespace keeper::abi
