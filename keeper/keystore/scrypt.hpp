// scrypt (RFC 7914): Salsa20/8 BlockMix and ROMix of our own over OpenSSL's PBKDF2-HMAC-SHA256.
//
// Why not OpenSSL's EVP scrypt: RFC 7914 section 2 asks for N < 2^(128*r/8) and OpenSSL enforces
// it (N < 2^16 when r = 1), so it refuses the published Web3 Secret Storage vector with
// n = 262144, r = 1, p = 8 whatever maxmem is passed, while geth, cast and every wallet accept it.
// scrypt itself is well defined for any power-of-two N, so we implement the mixing here (about
// a hundred lines, checked against RFC 7914's vectors) and keep OpenSSL for PBKDF2 and HMAC.
#pragma once

#include <cstdint>
#include <span>

#include "keeper/core/bytes.hpp"

namespace keeper {

struct ScryptCost {
    std::uint64_t n;  // CPU/memory cost: a power of two > 1
    std::uint32_t r;  // block size factor, >= 1
    std::uint32_t p;  // parallelization factor, >= 1
};

/// Bytes scrypt allocates for these parameters: V (128*r*n) plus B (128*r*p) plus XY (256*r).
/// Saturates at UINT64_MAX instead of overflowing.
[[nodiscard]] std::uint64_t scrypt_memory(const ScryptCost& cost) noexcept;

/// Derives out.size() bytes. Callers validate and bound the cost first (the keystore layer caps
/// 128*r*n*p); invalid parameters (n not a power of two > 1, r or p zero, out empty) return
/// false, as do an allocation or OpenSSL failure. All intermediate buffers are wiped.
[[nodiscard]] bool scrypt(ByteView password, ByteView salt, const ScryptCost& cost,
                          std::span<std::uint8_t> out) noexcept;

/// The Salsa20/8 core (RFC 7914 section 3) in place on 16 little-endian words. Exposed for tests.
void salsa20_8(std::span<std::uint32_t, 16> block) noexcept;

}  // namespace keeper
