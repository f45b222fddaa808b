// Private to keeper/abi: string concatenation for error messages. Appending to one string
// avoids the chains of temporaries ("a" + std::string(b) + ...) on which g++ 12 reports
// false -Wrestrict warnings at -O3.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace keeper::abi::detail {

[[nodiscard]] inline std::string cat(std::initializer_list<std::string_view> parts) {
    std::size_t n = 0;
    for (const auto p : parts) n += p.size();
    std::string out;
    out.reserve(n);
    for (const auto p : parts) out.append(p);
    return out;
}

}  // namespace keeper::abi::detail
