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
// registers. Each round computes theta's column parities, then one output plane at a time:
// the five rho/pi-moved lanes of plane y into b0..b4 and chi+iota into the other state set.
// Two rounds per iteration ping-pong between the a and e sets, so nothing is copied.
// A second clone for x86-64-v3 CPUs (BMI1 andn, BMI2 rorx) is picked at load time by feature
// test; "arch=haswell" would be chosen only on an Intel Haswell-family CPU (a cpu_is check).
__attribute__((target_clones("default", "arch=x86-64-v3"))) void keccak_f1600(std::array<std::uint64_t, 25>& s) noexcept {
    std::uint64_t a00 = s[0], a10 = s[1], a20 = s[2], a30 = s[3], a40 = s[4];
    std::uint64_t a01 = s[5], a11 = s[6], a21 = s[7], a31 = s[8], a41 = s[9];
    std::uint64_t a02 = s[10], a12 = s[11], a22 = s[12], a32 = s[13], a42 = s[14];
    std::uint64_t a03 = s[15], a13 = s[16], a23 = s[17], a33 = s[18], a43 = s[19];
    std::uint64_t a04 = s[20], a14 = s[21], a24 = s[22], a34 = s[23], a44 = s[24];
    std::uint64_t e00, e10, e20, e30, e40, e01, e11, e21, e31, e41, e02, e12, e22, e32, e42;
    std::uint64_t e03, e13, e23, e33, e43, e04, e14, e24, e34, e44;
    std::uint64_t c0, c1, c2, c3, c4, d0, d1, d2, d3, d4, b0, b1, b2, b3, b4;
    for (std::size_t r = 0; r < 24; r += 2) {
        // round r: a -> e
        c0 = a00 ^ a01 ^ a02 ^ a03 ^ a04;
        c1 = a10 ^ a11 ^ a12 ^ a13 ^ a14;
        c2 = a20 ^ a21 ^ a22 ^ a23 ^ a24;
        c3 = a30 ^ a31 ^ a32 ^ a33 ^ a34;
        c4 = a40 ^ a41 ^ a42 ^ a43 ^ a44;
        d0 = c4 ^ rotl(c1, 1);
        d1 = c0 ^ rotl(c2, 1);
        d2 = c1 ^ rotl(c3, 1);
        d3 = c2 ^ rotl(c4, 1);
        d4 = c3 ^ rotl(c0, 1);
        b0 = a00 ^ d0;
        b1 = rotl(a11 ^ d1, 44);
        b2 = rotl(a22 ^ d2, 43);
        b3 = rotl(a33 ^ d3, 21);
        b4 = rotl(a44 ^ d4, 14);
        e00 = b0 ^ (~b1 & b2) ^ kRoundConstants[r];
        e10 = b1 ^ (~b2 & b3);
        e20 = b2 ^ (~b3 & b4);
        e30 = b3 ^ (~b4 & b0);
        e40 = b4 ^ (~b0 & b1);
        b0 = rotl(a30 ^ d3, 28);
        b1 = rotl(a41 ^ d4, 20);
        b2 = rotl(a02 ^ d0, 3);
        b3 = rotl(a13 ^ d1, 45);
        b4 = rotl(a24 ^ d2, 61);
        e01 = b0 ^ (~b1 & b2);
        e11 = b1 ^ (~b2 & b3);
        e21 = b2 ^ (~b3 & b4);
        e31 = b3 ^ (~b4 & b0);
        e41 = b4 ^ (~b0 & b1);
        b0 = rotl(a10 ^ d1, 1);
        b1 = rotl(a21 ^ d2, 6);
        b2 = rotl(a32 ^ d3, 25);
        b3 = rotl(a43 ^ d4, 8);
        b4 = rotl(a04 ^ d0, 18);
        e02 = b0 ^ (~b1 & b2);
        e12 = b1 ^ (~b2 & b3);
        e22 = b2 ^ (~b3 & b4);
        e32 = b3 ^ (~b4 & b0);
        e42 = b4 ^ (~b0 & b1);
        b0 = rotl(a40 ^ d4, 27);
        b1 = rotl(a01 ^ d0, 36);
        b2 = rotl(a12 ^ d1, 10);
        b3 = rotl(a23 ^ d2, 15);
        b4 = rotl(a34 ^ d3, 56);
        e03 = b0 ^ (~b1 & b2);
        e13 = b1 ^ (~b2 & b3);
        e23 = b2 ^ (~b3 & b4);
        e33 = b3 ^ (~b4 & b0);
        e43 = b4 ^ (~b0 & b1);
        b0 = rotl(a20 ^ d2, 62);
        b1 = rotl(a31 ^ d3, 55);
        b2 = rotl(a42 ^ d4, 39);
        b3 = rotl(a03 ^ d0, 41);
        b4 = rotl(a14 ^ d1, 2);
        e04 = b0 ^ (~b1 & b2);
        e14 = b1 ^ (~b2 & b3);
        e24 = b2 ^ (~b3 & b4);
        e34 = b3 ^ (~b4 & b0);
        e44 = b4 ^ (~b0 & b1);
        // round r + 1: e -> a
        c0 = e00 ^ e01 ^ e02 ^ e03 ^ e04;
        c1 = e10 ^ e11 ^ e12 ^ e13 ^ e14;
        c2 = e20 ^ e21 ^ e22 ^ e23 ^ e24;
        c3 = e30 ^ e31 ^ e32 ^ e33 ^ e34;
        c4 = e40 ^ e41 ^ e42 ^ e43 ^ e44;
        d0 = c4 ^ rotl(c1, 1);
        d1 = c0 ^ rotl(c2, 1);
        d2 = c1 ^ rotl(c3, 1);
        d3 = c2 ^ rotl(c4, 1);
        d4 = c3 ^ rotl(c0, 1);
        b0 = e00 ^ d0;
        b1 = rotl(e11 ^ d1, 44);
        b2 = rotl(e22 ^ d2, 43);
        b3 = rotl(e33 ^ d3, 21);
        b4 = rotl(e44 ^ d4, 14);
        a00 = b0 ^ (~b1 & b2) ^ kRoundConstants[r + 1];
        a10 = b1 ^ (~b2 & b3);
        a20 = b2 ^ (~b3 & b4);
        a30 = b3 ^ (~b4 & b0);
        a40 = b4 ^ (~b0 & b1);
        b0 = rotl(e30 ^ d3, 28);
        b1 = rotl(e41 ^ d4, 20);
        b2 = rotl(e02 ^ d0, 3);
        b3 = rotl(e13 ^ d1, 45);
        b4 = rotl(e24 ^ d2, 61);
        a01 = b0 ^ (~b1 & b2);
        a11 = b1 ^ (~b2 & b3);
        a21 = b2 ^ (~b3 & b4);
        a31 = b3 ^ (~b4 & b0);
        a41 = b4 ^ (~b0 & b1);
        b0 = rotl(e10 ^ d1, 1);
        b1 = rotl(e21 ^ d2, 6);
        b2 = rotl(e32 ^ d3, 25);
        b3 = rotl(e43 ^ d4, 8);
        b4 = rotl(e04 ^ d0, 18);
        a02 = b0 ^ (~b1 & b2);
        a12 = b1 ^ (~b2 & b3);
        a22 = b2 ^ (~b3 & b4);
        a32 = b3 ^ (~b4 & b0);
        a42 = b4 ^ (~b0 & b1);
        b0 = rotl(e40 ^ d4, 27);
        b1 = rotl(e01 ^ d0, 36);
        b2 = rotl(e12 ^ d1, 10);
        b3 = rotl(e23 ^ d2, 15);
        b4 = rotl(e34 ^ d3, 56);
        a03 = b0 ^ (~b1 & b2);
        a13 = b1 ^ (~b2 & b3);
        a23 = b2 ^ (~b3 & b4);
        a33 = b3 ^ (~b4 & b0);
        a43 = b4 ^ (~b0 & b1);
        b0 = rotl(e20 ^ d2, 62);
        b1 = rotl(e31 ^ d3, 55);
        b2 = rotl(e42 ^ d4, 39);
        b3 = rotl(e03 ^ d0, 41);
        b4 = rotl(e14 ^ d1, 2);
        a04 = b0 ^ (~b1 & b2);
        a14 = b1 ^ (~b2 & b3);
        a24 = b2 ^ (~b3 & b4);
        a34 = b3 ^ (~b4 & b0);
        a44 = b4 ^ (~b0 & b1);
    }
    s[0] = a00, s[1] = a10, s[2] = a20, s[3] = a30, s[4] = a40;
    s[5] = a01, s[6] = a11, s[7] = a21, s[8] = a31, s[9] = a41;
    s[10] = a02, s[11] = a12, s[12] = a22, s[13] = a32, s[14] = a42;
    s[15] = a03, s[16] = a13, s[17] = a23, s[18] = a33, s[19] = a43;
    s[20] = a04, s[21] = a14, s[22] = a24, s[23] = a34, s[24] = a44;
}

void Keccak256::update(ByteView data) noexcept {
    if (data.empty()) return;  // data() may be null; memcpy from null is undefined even for 0 bytes
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
