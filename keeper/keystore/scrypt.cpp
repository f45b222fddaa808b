#include "keeper/keystore/scrypt.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <memory>
#include <new>
#include <utility>

#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace keeper {
namespace {

constexpr std::uint32_t rotl(std::uint32_t x, int k) noexcept {
    return (x << k) | (x >> (32 - k));
}

constexpr std::uint32_t load_le32(const std::uint8_t* p) noexcept {
    return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
           (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}

constexpr void store_le32(std::uint8_t* p, std::uint32_t v) noexcept {
    p[0] = static_cast<std::uint8_t>(v);
    p[1] = static_cast<std::uint8_t>(v >> 8);
    p[2] = static_cast<std::uint8_t>(v >> 16);
    p[3] = static_cast<std::uint8_t>(v >> 24);
}

constexpr std::size_t kWordsPerSalsaBlock = 16;  // 64 bytes

/// scryptBlockMix (RFC 7914 section 4): `in` and `out` are 2r Salsa blocks and must not overlap.
/// The output is written directly in the shuffled order Y0, Y2, ..., Y1, Y3, ...
void block_mix(const std::uint32_t* in, std::uint32_t* out, std::uint32_t r) noexcept {
    std::array<std::uint32_t, kWordsPerSalsaBlock> x{};
    const std::size_t blocks = 2 * static_cast<std::size_t>(r);
    std::copy_n(in + (blocks - 1) * kWordsPerSalsaBlock, kWordsPerSalsaBlock, x.begin());
    for (std::size_t i = 0; i < blocks; ++i) {
        for (std::size_t w = 0; w < kWordsPerSalsaBlock; ++w) x[w] ^= in[i * kWordsPerSalsaBlock + w];
        salsa20_8(x);
        const std::size_t slot = i / 2 + (i % 2) * r;
        std::copy(x.begin(), x.end(), out + slot * kWordsPerSalsaBlock);
    }
    OPENSSL_cleanse(x.data(), sizeof(x));
}

/// scryptROMix (RFC 7914 section 5) on one 128*r-byte block of B, in place.
/// `v` holds n * 32r words; `x` and `y` hold 32r words each.
void ro_mix(std::uint8_t* block, std::uint32_t r, std::uint64_t n, std::uint32_t* v, std::uint32_t* x,
            std::uint32_t* y) noexcept {
    const std::size_t words = 32 * static_cast<std::size_t>(r);
    for (std::size_t w = 0; w < words; ++w) x[w] = load_le32(block + 4 * w);

    for (std::uint64_t i = 0; i < n; ++i) {
        std::copy_n(x, words, v + i * words);
        block_mix(x, y, r);
        std::swap(x, y);
    }
    // Integerify: the first 64 bits of the last Salsa block, little-endian, modulo n (a power of two).
    const std::size_t last = (2 * static_cast<std::size_t>(r) - 1) * kWordsPerSalsaBlock;
    for (std::uint64_t i = 0; i < n; ++i) {
        const std::uint64_t j =
            (static_cast<std::uint64_t>(x[last]) | (static_cast<std::uint64_t>(x[last + 1]) << 32)) & (n - 1);
        const std::uint32_t* vj = v + j * words;
        for (std::size_t w = 0; w < words; ++w) x[w] ^= vj[w];
        block_mix(x, y, r);
        std::swap(x, y);
    }
    // After an even number (2n) of swaps x is the caller's first buffer again.
    for (std::size_t w = 0; w < words; ++w) store_le32(block + 4 * w, x[w]);
}

bool pbkdf2_sha256_once(ByteView password, ByteView salt, std::uint8_t* out, std::size_t out_len) noexcept {
    if (out_len > static_cast<std::size_t>(std::numeric_limits<int>::max())) return false;
    return PKCS5_PBKDF2_HMAC(reinterpret_cast<const char*>(password.data()),  // NOLINT
                             static_cast<int>(password.size()), salt.data(), static_cast<int>(salt.size()),
                             /*iter=*/1, EVP_sha256(), static_cast<int>(out_len), out) == 1;
}

/// Heap buffer wiped with OPENSSL_cleanse before it is freed.
template <class T>
class WipedBuffer {
public:
    explicit WipedBuffer(std::size_t count) noexcept : data_(new (std::nothrow) T[count]), count_(count) {}
    WipedBuffer(const WipedBuffer&) = delete;
    WipedBuffer& operator=(const WipedBuffer&) = delete;
    ~WipedBuffer() {
        if (data_) OPENSSL_cleanse(data_.get(), count_ * sizeof(T));
    }
    [[nodiscard]] T* get() const noexcept { return data_.get(); }
    explicit operator bool() const noexcept { return data_ != nullptr; }

private:
    std::unique_ptr<T[]> data_;  // NOLINT(modernize-avoid-c-arrays)
    std::size_t count_;
};

std::uint64_t saturating_mul(std::uint64_t a, std::uint64_t b) noexcept {
    if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) return std::numeric_limits<std::uint64_t>::max();
    return a * b;
}

std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) noexcept {
    return b > std::numeric_limits<std::uint64_t>::max() - a ? std::numeric_limits<std::uint64_t>::max() : a + b;
}

}  // namespace

void salsa20_8(std::span<std::uint32_t, 16> b) noexcept {
    std::array<std::uint32_t, 16> x{};
    std::copy(b.begin(), b.end(), x.begin());
    for (int round = 0; round < 8; round += 2) {
        // Column round.
        x[4] ^= rotl(x[0] + x[12], 7), x[8] ^= rotl(x[4] + x[0], 9);
        x[12] ^= rotl(x[8] + x[4], 13), x[0] ^= rotl(x[12] + x[8], 18);
        x[9] ^= rotl(x[5] + x[1], 7), x[13] ^= rotl(x[9] + x[5], 9);
        x[1] ^= rotl(x[13] + x[9], 13), x[5] ^= rotl(x[1] + x[13], 18);
        x[14] ^= rotl(x[10] + x[6], 7), x[2] ^= rotl(x[14] + x[10], 9);
        x[6] ^= rotl(x[2] + x[14], 13), x[10] ^= rotl(x[6] + x[2], 18);
        x[3] ^= rotl(x[15] + x[11], 7), x[7] ^= rotl(x[3] + x[15], 9);
        x[11] ^= rotl(x[7] + x[3], 13), x[15] ^= rotl(x[11] + x[7], 18);
        // Row round.
        x[1] ^= rotl(x[0] + x[3], 7), x[2] ^= rotl(x[1] + x[0], 9);
        x[3] ^= rotl(x[2] + x[1], 13), x[0] ^= rotl(x[3] + x[2], 18);
        x[6] ^= rotl(x[5] + x[4], 7), x[7] ^= rotl(x[6] + x[5], 9);
        x[4] ^= rotl(x[7] + x[6], 13), x[5] ^= rotl(x[4] + x[7], 18);
        x[11] ^= rotl(x[10] + x[9], 7), x[8] ^= rotl(x[11] + x[10], 9);
        x[9] ^= rotl(x[8] + x[11], 13), x[10] ^= rotl(x[9] + x[8], 18);
        x[12] ^= rotl(x[15] + x[14], 7), x[13] ^= rotl(x[12] + x[15], 9);
        x[14] ^= rotl(x[13] + x[12], 13), x[15] ^= rotl(x[14] + x[13], 18);
    }
    for (std::size_t i = 0; i < 16; ++i) b[i] += x[i];
    OPENSSL_cleanse(x.data(), sizeof(x));
}

std::uint64_t scrypt_memory(const ScryptCost& cost) noexcept {
    const std::uint64_t block = saturating_mul(128, cost.r);
    return saturating_add(saturating_add(saturating_mul(block, cost.n), saturating_mul(block, cost.p)),
                          saturating_mul(2, block));
}

bool scrypt(ByteView password, ByteView salt, const ScryptCost& cost, std::span<std::uint8_t> out) noexcept {
    const bool n_ok = cost.n > 1 && (cost.n & (cost.n - 1)) == 0;
    if (!n_ok || cost.r == 0 || cost.p == 0 || out.empty()) return false;
    // Sizes below are computed in size_t: refuse anything that could not be addressed. (Callers
    // bound the cost far lower; an unbounded call fails in the allocation instead.)
    if (scrypt_memory(cost) > std::numeric_limits<std::size_t>::max() / 2) return false;
    const std::size_t block_bytes = 128 * static_cast<std::size_t>(cost.r);
    const std::size_t block_words = block_bytes / 4;
    const std::size_t b_bytes = block_bytes * cost.p;

    WipedBuffer<std::uint8_t> b(b_bytes);
    WipedBuffer<std::uint32_t> v(block_words * static_cast<std::size_t>(cost.n));
    WipedBuffer<std::uint32_t> xy(2 * block_words);
    if (!b || !v || !xy) return false;

    if (!pbkdf2_sha256_once(password, salt, b.get(), b_bytes)) return false;
    for (std::uint32_t i = 0; i < cost.p; ++i)
        ro_mix(b.get() + i * block_bytes, cost.r, cost.n, v.get(), xy.get(), xy.get() + block_words);
    return pbkdf2_sha256_once(password, ByteView{b.get(), b_bytes}, out.data(), out.size());
}

}  // namespace keeper
