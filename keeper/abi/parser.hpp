// Private to keeper/abi: a recursive-descent reader for types and parameter lists, shared by
// parse_type (type.cpp) and the human-readable signature parsers (signature.cpp).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "keeper/abi/error.hpp"
#include "keeper/abi/type.hpp"

namespace keeper::abi::detail {

struct ParsedParam {
    Type type;
    std::string name;
    bool indexed{false};
};

class SignatureReader {
public:
    explicit SignatureReader(std::string_view text) noexcept : text_(text) {}

    void skip_space() noexcept;
    [[nodiscard]] bool at_end() noexcept;
    [[nodiscard]] bool peek(char c) noexcept;
    [[nodiscard]] bool consume(char c) noexcept;
    /// [A-Za-z_$][A-Za-z0-9_$]*, or empty if none starts here.
    [[nodiscard]] std::string_view identifier() noexcept;
    /// Restores the position saved by position().
    [[nodiscard]] std::size_t position() const noexcept { return pos_; }
    void rewind(std::size_t pos) noexcept { pos_ = pos; }

    [[nodiscard]] Result<Type> type(std::size_t depth = 0);
    /// "(" [param {"," param}] ")" where param = type {modifier} [name]; modifiers are data
    /// locations, "payable" and, when allow_indexed, "indexed".
    [[nodiscard]] Result<std::vector<ParsedParam>> param_list(bool allow_indexed);

    /// An error of `code` quoting the input and the position reached.
    [[nodiscard]] AbiError error(AbiErrc code, std::string_view what) const;

private:
    [[nodiscard]] Result<Type> tuple_body(std::size_t depth);
    [[nodiscard]] Result<Type> elementary(std::string_view name);

    std::string_view text_;
    std::size_t pos_{0};
};

}  // namespace keeper::abi::detail
