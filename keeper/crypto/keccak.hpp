// Keccak-256 as Ethereum uses it (original Keccak padding 0x01, not SHA3's 0x06).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "keeper/core/bytes.hpp"

namespace keeper {

/// The Keccak-f[1600] permutation over 25 little-endian lanes.
void keccak_f1600(std::array<std::uint64_t, 25>& state) noexcept;

/// Incremental Keccak-256: update() any number of times, then finalize() once.
class Keccak256 {
public:
    static constexpr std::size_t kRate = 136;  // (1600 - 2*256) / 8

    void update(ByteView data) noexcept;
    void update(std::string_view text) noexcept { update(as_bytes(text)); }
    [[nodiscard]] Hash32 finalize() noexcept;

private:
    std::array<std::uint64_t, 25> state_{};
    std::array<std::uint8_t, kRate> buffer_{};
    std::size_t buffered_{0};
};

[[nodiscard]] Hash32 keccak256(ByteView data) noexcept;
[[nodiscard]] inline Hash32 keccak256(std::string_view text) noexcept { return keccak256(as_bytes(text)); }

/// First four bytes of keccak256(signature), e.g. "transfer(address,uint256)" -> 0xa9059cbb.
/// The signature must already be canonical (no spaces, no parameter names).
[[nodiscard]] std::array<std::uint8_t, 4> function_selector(std::string_view canonical_signature) noexcept;
/// keccak256 of a canonical event signature: topic 0 of a non-anonymous event.
[[nodiscard]] Hash32 event_topic(std::string_view canonical_signature) noexcept;

}  // namespace keeper
