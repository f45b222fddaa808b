// Function, event and error descriptions, and the human-readable signature parsers:
//   "transfer(address,uint256)", "transfer(address to, uint256 amount)",
//   "function balanceOf(address) view returns (uint256)", "balanceOf(address)(uint256)",
//   "event Transfer(address indexed from, address indexed to, uint256 value)",
//   "error InsufficientBalance(uint256 available, uint256 required)".
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "keeper/abi/error.hpp"
#include "keeper/abi/type.hpp"
#include "keeper/core/bytes.hpp"

namespace keeper::abi {

using Selector = std::array<std::uint8_t, 4>;

struct Param {
    std::string name;  // may be empty
    Type type;
    bool indexed{false};  // event parameters only

    friend bool operator==(const Param&, const Param&) = default;
};

enum class StateMutability : std::uint8_t { kPure, kView, kNonPayable, kPayable };
[[nodiscard]] std::string_view to_string(StateMutability m) noexcept;

/// The types of a parameter list, in order.
[[nodiscard]] std::vector<Type> types_of(std::span<const Param> params);
/// "name(type1,type2)": the canonical form hashed for selectors and topics.
[[nodiscard]] std::string canonical_signature(std::string_view name, std::span<const Param> params);

struct Function {
    std::string name;
    std::vector<Param> inputs;
    std::vector<Param> outputs;
    StateMutability state_mutability{StateMutability::kNonPayable};

    [[nodiscard]] std::string signature() const { return canonical_signature(name, inputs); }
    [[nodiscard]] Selector selector() const;
};

struct Event {
    std::string name;
    std::vector<Param> inputs;
    bool anonymous{false};

    [[nodiscard]] std::string signature() const { return canonical_signature(name, inputs); }
    /// keccak256 of the signature: topic 0 unless the event is anonymous.
    [[nodiscard]] Hash32 topic0() const;
};

struct CustomError {
    std::string name;
    std::vector<Param> inputs;

    [[nodiscard]] std::string signature() const { return canonical_signature(name, inputs); }
    [[nodiscard]] Selector selector() const;
};

/// "f(types)", "f(types)(outputs)", "function f(params) [modifiers] [returns (params)]".
/// The name may be empty ("(uint256,bool)") for plain argument lists.
[[nodiscard]] Result<Function> parse_function(std::string_view text);
/// "[event] Name(params with optional indexed) [anonymous]".
[[nodiscard]] Result<Event> parse_event(std::string_view text);
/// "[error] Name(params)".
[[nodiscard]] Result<CustomError> parse_error(std::string_view text);

}  // namespace keeper::abi
