// The Solidity ABI type model: uintN/intN, address, bool, bytesN, bytes, string, T[k], T[],
// and tuples (with component names when known).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "keeper/abi/error.hpp"

namespace keeper::abi {

enum class TypeKind : std::uint8_t {
    kUint,        // uint8 .. uint256
    kInt,         // int8 .. int256
    kAddress,     // 20 bytes
    kBool,        //
    kFixedBytes,  // bytes1 .. bytes32
    kBytes,       // dynamic bytes
    kString,      // dynamic UTF-8 (not validated: the ABI carries raw bytes)
    kFixedArray,  // T[k], k >= 1
    kArray,       // T[]
    kTuple,       // (T1,...,Tn), n >= 1
};

/// Limits that keep hostile signatures and JSON ABIs from exhausting the stack or memory.
inline constexpr std::size_t kMaxTypeDepth = 32;                     // nested arrays/tuples
inline constexpr std::size_t kMaxStaticSize = std::size_t{1} << 32;  // bytes of one static head

/// An ABI type. Values of this class are always valid (the factories assert their arguments;
/// parse_type validates text). Equality is structural: tuple component names are ignored.
class Type {
public:
    [[nodiscard]] static Type uint(std::size_t bits);  // bits in 8..256, multiple of 8
    [[nodiscard]] static Type sint(std::size_t bits);  // intN
    [[nodiscard]] static Type address();
    [[nodiscard]] static Type boolean();
    [[nodiscard]] static Type fixed_bytes(std::size_t size);  // 1..32
    [[nodiscard]] static Type bytes();
    [[nodiscard]] static Type string();
    [[nodiscard]] static Type array(Type element);
    [[nodiscard]] static Type fixed_array(Type element, std::size_t length);  // length >= 1
    /// `names` is empty or has one (possibly empty) name per component.
    [[nodiscard]] static Type tuple(std::vector<Type> components, std::vector<std::string> names = {});

    [[nodiscard]] TypeKind kind() const noexcept { return kind_; }
    /// Bit width of uintN/intN (160 for address); byte size of bytesN; length of T[k].
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    /// Element type of T[k] and T[].
    [[nodiscard]] const Type& element() const noexcept;
    [[nodiscard]] std::span<const Type> components() const noexcept { return children_; }
    [[nodiscard]] std::span<const std::string> component_names() const noexcept { return names_; }

    /// bytes, string, T[], T[k] of a dynamic T, tuples with a dynamic component.
    [[nodiscard]] bool is_dynamic() const noexcept { return dynamic_; }
    /// Bytes this type occupies in the head of an enclosing tuple: 32 if dynamic, else its
    /// whole static encoding.
    [[nodiscard]] std::size_t head_size() const noexcept { return head_size_; }
    /// Number of array/tuple levels (0 for an elementary type).
    [[nodiscard]] std::size_t depth() const noexcept { return depth_; }
    /// Canonical spelling used in selectors: "uint256", "(address,bool[])[2]".
    [[nodiscard]] std::string canonical() const;
    /// For display: like canonical(), with tuple component names ("(address token,uint256 amount)").
    [[nodiscard]] std::string to_string() const;

    friend bool operator==(const Type& a, const Type& b) noexcept;

private:
    Type(TypeKind kind, std::size_t size) : kind_(kind), size_(size) {}
    void append_canonical(std::string& out, bool with_names) const;

    TypeKind kind_;
    bool dynamic_{false};
    std::size_t size_{0};
    std::size_t head_size_{32};
    std::size_t depth_{0};
    std::vector<Type> children_;      // the element of an array, or the tuple's components
    std::vector<std::string> names_;  // tuple component names, empty or one per component
};

/// Parses one type: "uint256", "uint" (= uint256), "int", "bytes32", "(address,uint24)[]",
/// "tuple(address,bool)", with optional component names "(address to, uint256 amount)".
[[nodiscard]] Result<Type> parse_type(std::string_view text);

}  // namespace keeper::abi
