// The process-wide libsecp256k1 context (private to keeper/crypto and its benchmarks).
#pragma once

#include <secp256k1.h>

#include <cstdint>
#include <span>

namespace keeper::detail {

/// The one randomized context: created on first use (thread-safe static initialization),
/// randomized with 32 bytes from the OS, and read-only from then on.
[[nodiscard]] const secp256k1_context* secp256k1_ctx() noexcept;

/// Fills `out` from getrandom(2). Aborts if the kernel cannot supply randomness: no key may
/// ever be derived from a weak source, and there is no sensible way to continue.
void os_random(std::span<std::uint8_t> out) noexcept;

/// Overwrites `bytes` with zeros in a way the compiler may not elide.
void secure_wipe(std::span<std::uint8_t> bytes) noexcept;

}  // namespace keeper::detail
