#include "keeper/crypto/keccak.hpp"

#include <bit>
#include <cstring>

namespace keeper {

namespace {

constexpr std::array<std::uint64_t, 24> kRoundConstants = {
    0x0000000000000001, 0x0000000000008082, 0x800000000000808a, 0x8000000080008000, 0x000000000000808b,
    0x0000000080000001, 0x8000000080008081, 0x8000000000008009, 0x000000000000008a, 0x0000000000000088,
    0x0000000080008009, 0x000000008000000a, 0x000000008000808b, 0x800000000000008b, 0x8000000000008089,
    0x8000000000008003, 0x8000000000008002, 0x8000000000000080, 0x000000000000800a, 0x800000008000000a,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
};

constexpr std::uint64_t rotl(std::uint64_t v, int n) noexcept { return std::rotl(v, n); }

inline std::uint64_t load_le64(const std::uint8_t* p) noexcept {
    std::uint64_t v = 0;
    std::memcpy(&v, p, 8);
    if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
    return v;
}

inline void store_le64(std::uint8_t* p, std::uint64_t v) noexcept {
    if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
    std::memcpy(p, &v, 8);
}

// Absorbs one full rate block (17 lanes) and permutes.
inline void absorb_block(std::array<std::uint64_t, 25>& s, const std::uint8_t* block) noexcept {
    for (std::size_t i = 0; i < Keccak256::kRate / 8; ++i) s[i] ^= load_le64(block + 8 * i);
    keccak_f1600(s);
}

}  // namespace

// Lanes live in locals named a<x><y> (state index x + 5y) so the compiler can keep them in
// registers; rho/pi write b<x><y> at the permuted position, chi and iota write back.
void keccak_f1600(std::array<std::uint64_t, 25>& s) noexcept {
    std::uint64_t a00 = s[0], a10 = s[1], a20 = s[2], a30 = s[3], a40 = s[4];
    std::uint64_t a01 = s[5], a11 = s[6], a21 = s[7], a31 = s[8], a41 = s[9];
    std::uint64_t a02 = s[10], a12 = s[11], a22 = s[12], a32 = s[13], a42 = s[14];
    std::uint64_t a03 = s[15], a13 = s[16], a23 = s[17], a33 = s[18], a43 = s[19];
    std::uint64_t a04 = s[20], a14 = s[21], a24 = s[22], a34 = s[23], a44 = s[24];
    for (std::size_t round = 0; round < 24; ++round) {
        // theta
        const std::uint64_t c0 = a00 ^ a01 ^ a02 ^ a03 ^ a04;
        const std::uint64_t c1 = a10 ^ a11 ^ a12 ^ a13 ^ a14;
        const std::uint64_t c2 = a20 ^ a21 ^ a22 ^ a23 ^ a24;
        const std::uint64_t c3 = a30 ^ a31 ^ a32 ^ a33 ^ a34;
        const std::uint64_t c4 = a40 ^ a41 ^ a42 ^ a43 ^ a44;
        const std::uint64_t d0 = c4 ^ rotl(c1, 1);
        const std::uint64_t d1 = c0 ^ rotl(c2, 1);
        const std::uint64_t d2 = c1 ^ rotl(c3, 1);
        const std::uint64_t d3 = c2 ^ rotl(c4, 1);
        const std::uint64_t d4 = c3 ^ rotl(c0, 1);
        // rho and pi
        const std::uint64_t b00 = a00 ^ d0;
        const std::uint64_t b13 = rotl(a01 ^ d0, 36);
        const std::uint64_t b21 = rotl(a02 ^ d0, 3);
        const std::uint64_t b34 = rotl(a03 ^ d0, 41);
        const std::uint64_t b42 = rotl(a04 ^ d0, 18);
        const std::uint64_t b02 = rotl(a10 ^ d1, 1);
        const std::uint64_t b10 = rotl(a11 ^ d1, 44);
        const std::uint64_t b23 = rotl(a12 ^ d1, 10);
        const std::uint64_t b31 = rotl(a13 ^ d1, 45);
        const std::uint64_t b44 = rotl(a14 ^ d1, 2);
        const std::uint64_t b04 = rotl(a20 ^ d2, 62);
        const std::uint64_t b12 = rotl(a21 ^ d2, 6);
        const std::uint64_t b20 = rotl(a22 ^ d2, 43);
        const std::uint64_t b33 = rotl(a23 ^ d2, 15);
        const std::uint64_t b41 = rotl(a24 ^ d2, 61);
        const std::uint64_t b01 = rotl(a30 ^ d3, 28);
        const std::uint64_t b14 = rotl(a31 ^ d3, 55);
        const std::uint64_t b22 = rotl(a32 ^ d3, 25);
        const std::uint64_t b30 = rotl(a33 ^ d3, 21);
        const std::uint64_t b43 = rotl(a34 ^ d3, 56);
        const std::uint64_t b03 = rotl(a40 ^ d4, 27);
        const std::uint64_t b11 = rotl(a41 ^ d4, 20);
        const std::uint64_t b24 = rotl(a42 ^ d4, 39);
        const std::uint64_t b32 = rotl(a43 ^ d4, 8);
        const std::uint64_t b40 = rotl(a44 ^ d4, 14);
        // chi
        a00 = b00 ^ (~b10 & b20);
        a10 = b10 ^ (~b20 & b30);
        a20 = b20 ^ (~b30 & b40);
        a30 = b30 ^ (~b40 & b00);
        a40 = b40 ^ (~b00 & b10);
        a01 = b01 ^ (~b11 & b21);
        a11 = b11 ^ (~b21 & b31);
        a21 = b21 ^ (~b31 & b41);
        a31 = b31 ^ (~b41 & b01);
        a41 = b41 ^ (~b01 & b11);
        a02 = b02 ^ (~b12 & b22);
        a12 = b12 ^ (~b22 & b32);
        a22 = b22 ^ (~b32 & b42);
        a32 = b32 ^ (~b42 & b02);
        a42 = b42 ^ (~b02 & b12);
        a03 = b03 ^ (~b13 & b23);
        a13 = b13 ^ (~b23 & b33);
        a23 = b23 ^ (~b33 & b43);
        a33 = b33 ^ (~b43 & b03);
        a43 = b43 ^ (~b03 & b13);
        a04 = b04 ^ (~b14 & b24);
        a14 = b14 ^ (~b24 & b34);
        a24 = b24 ^ (~b34 & b44);
        a34 = b34 ^ (~b44 & b04);
        a44 = b44 ^ (~b04 & b14);
        // iota
        a00 ^= kRoundConstants[round];
    }
    s[0] = a00, s[1] = a10, s[2] = a20, s[3] = a30, s[4] = a40;
    s[5] = a01, s[6] = a11, s[7] = a21, s[8] = a31, s[9] = a41;
    s[10] = a02, s[11] = a12, s[12] = a22, s[13] = a32, s[14] = a42;
    s[15] = a03, s[16] = a13, s[17] = a23, s[18] = a33, s[19] = a43;
    s[20] = a04, s[21] = a14, s[22] = a24, s[23] = a34, s[24] = a44;
}

void Keccak256::update(ByteView data) noexcept {
    const std::uint8_t* p = data.data();
    std::size_t n = data.size();
    if (buffered_ != 0) {
        const std::size_t take = std::min(n, kRate - buffered_);
        std::memcpy(buffer_.data() + buffered_, p, take);
        buffered_ += take;
        p += take;
        n -= take;
        if (buffered_ < kRate) return;
        absorb_block(state_, buffer_.data());
        buffered_ = 0;
    }
    for (; n >= kRate; n -= kRate, p += kRate) absorb_block(state_, p);
    if (n != 0) std::memcpy(buffer_.data(), p, n);
    buffered_ = n;
}

Hash32 Keccak256::finalize() noexcept {
    std::memset(buffer_.data() + buffered_, 0, kRate - buffered_);
    buffer_[buffered_] ^= 0x01;  // Keccak pad10*1 with domain bit 0x01
    buffer_[kRate - 1] ^= 0x80;
    absorb_block(state_, buffer_.data());
    Hash32 out{};
    for (std::size_t i = 0; i < 4; ++i) store_le64(out.bytes.data() + 8 * i, state_[i]);
    state_ = {};
    buffered_ = 0;
    return out;
}

Hash32 keccak256(ByteView data) noexcept {
    Keccak256 h;
    h.update(data);
    return h.finalize();
}

std::array<std::uint8_t, 4> function_selector(std::string_view canonical_signature) noexcept {
    const Hash32 h = keccak256(canonical_signature);
    return {h.bytes[0], h.bytes[1], h.bytes[2], h.bytes[3]};
}

Hash32 event_topic(std::string_view canonical_signature) noexcept { return keccak256(canonical_signature); }

}  // namespace keeper
