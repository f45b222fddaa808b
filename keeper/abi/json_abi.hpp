// Contract ABIs in the JSON form solc and forge write: an array of entries, or a forge artifact
// object with an "abi" field. Lookups by name, signature, selector and topic.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keeper/abi/error.hpp"
#include "keeper/abi/signature.hpp"

namespace keeper::abi {

struct Constructor {
    std::vector<Param> inputs;
    StateMutability state_mutability{StateMutability::kNonPayable};
};

class Abi {
public:
    /// Parses JSON text. Unknown entry types and unknown fields are ignored; malformed entries
    /// are errors naming the entry.
    [[nodiscard]] static Result<Abi> from_json(std::string_view json);

    [[nodiscard]] const std::vector<Function>& functions() const noexcept { return functions_; }
    [[nodiscard]] const std::vector<Event>& events() const noexcept { return events_; }
    [[nodiscard]] const std::vector<CustomError>& errors() const noexcept { return errors_; }
    [[nodiscard]] const std::optional<Constructor>& constructor() const noexcept { return constructor_; }
    [[nodiscard]] bool has_fallback() const noexcept { return has_fallback_; }
    [[nodiscard]] bool has_receive() const noexcept { return has_receive_; }

    /// By name ("transfer"; kAmbiguous if overloaded) or canonical signature
    /// ("transfer(address,uint256)", spaces and parameter names allowed).
    [[nodiscard]] Result<const Function*> function(std::string_view name_or_signature) const;
    [[nodiscard]] Result<const Event*> event(std::string_view name_or_signature) const;
    [[nodiscard]] Result<const CustomError*> error(std::string_view name_or_signature) const;

    /// All overloads with this name, in file order.
    [[nodiscard]] std::vector<const Function*> overloads(std::string_view name) const;

    [[nodiscard]] const Function* function_by_selector(const Selector& selector) const noexcept;
    [[nodiscard]] const CustomError* error_by_selector(const Selector& selector) const noexcept;
    /// Non-anonymous events only: anonymous events have no topic 0.
    [[nodiscard]] const Event* event_by_topic(const Hash32& topic0) const noexcept;

private:
    std::vector<Function> functions_;
    std::vector<Event> events_;
    std::vector<CustomError> errors_;
    std::optional<Constructor> constructor_;
    bool has_fallback_{false};
    bool has_receive_{false};
    // Precomputed in from_json: selectors and topics parallel to the vectors above.
    std::vector<Selector> function_selectors_;
    std::vector<Selector> error_selectors_;
    std::vector<Hash32> event_topics_;
};

}  // namespace keeper::abi
